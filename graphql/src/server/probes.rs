//! `/healthz` (the process answers) and `/readyz` (the read models have caught up with the
//! ledger and none has stopped).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::server::ServerState;

/// Lag, in events, up to which the service still counts as ready: a burst of appends must
/// not flap the probe, a replay from scratch must.
const READY_LAG_EVENTS_MAX: u64 = 1_000;

pub(crate) async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

pub(crate) async fn readyz(State(state): State<ServerState>) -> impl IntoResponse {
    let progress = &state.service.progress;
    if let Some(failure) = progress.failure() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: a read model stopped: {failure}\n"),
        );
    }
    if !state.service.ledger.is_reachable() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the ledger database is unreachable (appends fail and may be retried)\n"
                .to_string(),
        );
    }
    let head = state.service.store.head().position;
    let lag = head.saturating_sub(progress.applied_position());
    if lag > READY_LAG_EVENTS_MAX {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: read models are {lag} events behind the ledger head {head}\n"),
        );
    }
    (StatusCode::OK, format!("ready: head {head}, lag {lag}\n"))
}

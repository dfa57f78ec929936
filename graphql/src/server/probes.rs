//! `/healthz` (the process answers) and `/readyz` (the read models have caught up with the
//! ledger, none has stopped, and the ledger's flush is not stuck).

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::server::ServerState;

/// Lag, in events, up to which the service still counts as ready: a burst of appends must
/// not flap the probe, a replay from scratch must.
const READY_LAG_EVENTS_MAX: u64 = 1_000;

/// A ledger flush running longer than this makes the node not ready: appends are waiting on
/// it (docs/operations.md, "Known issues"). A healthy flush takes milliseconds; a loaded
/// disk's seconds.
const READY_FLUSH_WAIT_MAX: Duration = Duration::from_secs(10);

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
    if let Some(waited) = state.service.store.durability_wait()
        && waited > READY_FLUSH_WAIT_MAX
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not ready: a ledger flush has not returned for {} s; appends are waiting for \
                 it (docs/operations.md, Known issues)\n",
                waited.as_secs()
            ),
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

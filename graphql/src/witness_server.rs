//! A witness over HTTP (C2SP tlog-witness): `POST /add-checkpoint` takes `old <size>`, the
//! consistency proof's lines, a blank line and the log's signed checkpoint, and answers 200
//! with the cosignature line(s); 400 for a malformed request or an old size above the
//! checkpoint's; 403 when no signature by the log's key verifies; 404 for a log it does not
//! witness; 409 (`text/x.tlog.size`, the size it last cosigned) for a stale old size; 409 for a
//! same-size checkpoint with another root; 422 for a proof that does not verify. Forks are
//! logged and kept as evidence by the store.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use govledger_core::tlog::witness::{ADD_CHECKPOINT_BODY_BYTES_MAX, Refusal};
use govledger_core::tlog::witness_store::{WitnessStore, WitnessStoreError};

/// Longest a client may take to send its request body.
pub const WITNESS_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

pub fn router(store: Arc<WitnessStore>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .with_state(store)
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn add_checkpoint(State(store): State<Arc<WitnessStore>>, body: Body) -> Response {
    let read = tokio::time::timeout(
        WITNESS_REQUEST_TIMEOUT,
        axum::body::to_bytes(body, ADD_CHECKPOINT_BODY_BYTES_MAX),
    )
    .await;
    let bytes = match read {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body is longer than the limit\n".into(),
            );
        }
        Err(_) => {
            return text(
                StatusCode::REQUEST_TIMEOUT,
                "the body took too long\n".into(),
            );
        }
    };
    let Ok(body) = String::from_utf8(bytes.to_vec()) else {
        return text(StatusCode::BAD_REQUEST, "the body is not UTF-8\n".into());
    };
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let judged = tokio::task::spawn_blocking(move || store.add_checkpoint(&body, now_s)).await;
    match judged {
        Ok(Ok(cosignature)) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            cosignature,
        )
            .into_response(),
        Ok(Err(WitnessStoreError::Refused(refusal))) => refused(&refusal),
        Ok(Err(error)) => {
            tracing::error!(%error, "keeping the witness's state");
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not keep its state\n".into(),
            )
        }
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the witness failed\n".into(),
        ),
    }
}

fn refused(refusal: &Refusal) -> Response {
    let status = match refusal {
        Refusal::Malformed(_) | Refusal::OldSizeAboveCheckpoint { .. } => StatusCode::BAD_REQUEST,
        Refusal::UnknownOrigin(_) => StatusCode::NOT_FOUND,
        Refusal::NotSigned => StatusCode::FORBIDDEN,
        Refusal::StaleOldSize { latest_size, .. } => {
            return (
                StatusCode::CONFLICT,
                [(header::CONTENT_TYPE, "text/x.tlog.size")],
                format!("{latest_size}\n"),
            )
                .into_response();
        }
        Refusal::Fork {
            cosigned_size,
            offered_size,
            ..
        } if cosigned_size == offered_size => StatusCode::CONFLICT,
        Refusal::BadProof(_) | Refusal::Fork { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    };
    text(status, format!("{refusal}\n"))
}

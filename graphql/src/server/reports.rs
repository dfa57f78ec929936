//! `/reports/<kind>?format=csv|jsonl&…`: a report (`crate::reports`) for the caller's token
//! and role, streamed: rows go out as the pages are read, through a bounded channel, so the
//! server never holds a whole report. A refused report (bad parameters, filter or role)
//! answers with a status and the usual JSON error before any row is sent.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use crate::reports::{ReportError, ReportRequest, produce};
use crate::server::ServerState;
use crate::server::auth::{Refusal, principal_from_authorization};

/// Chunks (rows) buffered between the report and the connection.
const REPORT_CHUNKS_BUFFERED: usize = 64;

pub(crate) async fn report(
    State(state): State<ServerState>,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let principal = match principal_from_authorization(&state.service.tokens, authorization, "http")
    {
        Ok(principal) => principal,
        Err(refusal) => {
            let (status, code) = match refusal {
                Refusal::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE"),
                Refusal::Malformed | Refusal::UnknownToken => {
                    (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
                }
            };
            return error(status, code, refusal.message());
        }
    };
    let request = match ReportRequest::from_params(&name, &params) {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &message),
    };
    let (tx, mut rx) = mpsc::channel::<Result<Vec<u8>, ReportError>>(REPORT_CHUNKS_BUFFERED);
    let schema = state.schema.clone();
    let format = request.format;
    let file = format!("{}.{}", request.kind.file_stem(), format.extension());
    tokio::spawn(async move {
        let rows = tx.clone();
        let outcome = produce(&schema, &principal, &request, move |chunk| {
            let rows = rows.clone();
            async move { rows.send(Ok(chunk)).await.is_ok() }
        })
        .await;
        if let Err(error) = outcome
            && !matches!(error, ReportError::Closed)
        {
            let _ = tx.send(Err(error)).await;
        }
    });
    let first = match rx.recv().await {
        None => Vec::new(),
        Some(Ok(chunk)) => chunk,
        Some(Err(ReportError::Refused { code, message })) => {
            let status = match code.as_str() {
                "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
                "FORBIDDEN" => StatusCode::FORBIDDEN,
                "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::BAD_REQUEST,
            };
            return error(status, &code, &message);
        }
        Some(Err(ReportError::Closed)) => Vec::new(),
    };
    let rest = async_graphql::futures_util::stream::unfold(rx, |mut rx| async move {
        match rx.recv().await? {
            Ok(chunk) => Some((Ok::<Bytes, std::io::Error>(Bytes::from(chunk)), rx)),
            Err(error) => {
                tracing::warn!(%error, "a report stopped part-way");
                Some((Err(std::io::Error::other(error.to_string())), rx))
            }
        }
    });
    let body = async_graphql::futures_util::StreamExt::chain(
        async_graphql::futures_util::stream::once(async move {
            Ok::<Bytes, std::io::Error>(Bytes::from(first))
        }),
        rest,
    );
    let disposition = format!("attachment; filename=\"{file}\"");
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body =
        serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": code } }] });
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

//! Open311 GeoReport v2 at `/open311/v2/` (ADR 0008), as JSON or XML by the path's extension:
//! `discovery`, `services` (the request categories), `services/<code>` (their attributes),
//! `requests` (GET by `service_request_id` or the spec's filters, read as the `api_key`
//! token's role or the public view; POST creating a request through `receiveRequest`),
//! `requests/<id>` and `tokens/<id>` (requests are created synchronously: a token is the
//! request's id).

mod create;
mod filters;
mod jurisdiction;
mod requests;
mod services;
mod xml;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use govledger_core::time::Timestamp;

use crate::access::Principal;
use crate::limits::REQUEST_TIMEOUT;
use crate::server::ServerState;
use crate::server::auth::principal_from_authorization;

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// GET `/open311/v2/<path>`.
pub(crate) async fn endpoint(
    State(state): State<ServerState>,
    Path(path): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    within_time(&path, answer_get(&state, &path, &params, &headers)).await
}

/// POST `/open311/v2/requests.<format>`: a new request (`create.rs`), answered with its id once
/// the read models show it, so a GET right after finds it.
pub(crate) async fn post_endpoint(
    State(state): State<ServerState>,
    Path(path): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    within_time(&path, answer_post(&state, &path, &params, &headers, &body)).await
}

/// The answer within `REQUEST_TIMEOUT`, else 504 in the spec's format.
async fn within_time(path: &str, answer: impl Future<Output = Response>) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, answer).await {
        Ok(response) => response,
        Err(_) => {
            let format = if path.ends_with(".xml") {
                Format::Xml
            } else {
                Format::Json
            };
            error(
                format,
                StatusCode::GATEWAY_TIMEOUT,
                &format!(
                    "no answer within {} s; a POST may still have created the request: send \
                     the same form again, it gets the same request",
                    REQUEST_TIMEOUT.as_secs()
                ),
            )
        }
    }
}

async fn answer_get(
    state: &ServerState,
    path: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
) -> Response {
    let (resource, format) = match path.rsplit_once('.') {
        Some((resource, "json")) => (resource, Format::Json),
        Some((resource, "xml")) => (resource, Format::Xml),
        _ => {
            return error(
                Format::Json,
                StatusCode::NOT_FOUND,
                "name the format: .json or .xml (e.g. services.json)",
            );
        }
    };
    let segments: Vec<&str> = resource.split('/').collect();
    if segments != ["discovery"]
        && let Err(reason) = jurisdiction::check(
            &state.schema,
            params.get("jurisdiction_id").map(String::as_str),
        )
        .await
    {
        return error(format, StatusCode::NOT_FOUND, &reason);
    }
    match segments.as_slice() {
        ["discovery"] => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1:8080");
            document(format, "discovery", &services::discovery(host))
        }
        ["services"] => document(format, "services", &services::list()),
        ["services", code] => match services::definition(code) {
            Some(definition) => document(format, "service_definition", &definition),
            None => error(
                format,
                StatusCode::NOT_FOUND,
                &format!(
                    "no service {code:?}; services.{} lists them",
                    extension(format)
                ),
            ),
        },
        ["requests", id] => {
            let principal = match principal(state, params) {
                Ok(principal) => principal,
                Err(response) => return response(format),
            };
            match requests::one(&state.schema, &principal, id).await {
                Ok(Some(request)) => document(format, "service_requests", &json!([request])),
                Ok(None) => error(format, StatusCode::NOT_FOUND, &format!("no request {id}")),
                Err(refused) => error(format, StatusCode::BAD_REQUEST, &refused.to_string()),
            }
        }
        ["requests"] => {
            let principal = match principal(state, params) {
                Ok(principal) => principal,
                Err(response) => return response(format),
            };
            match params.get("service_request_id") {
                Some(ids) => by_ids(state, &principal, format, ids).await,
                None => listed(state, &principal, format, params).await,
            }
        }
        ["tokens", token] => {
            let principal = match principal(state, params) {
                Ok(principal) => principal,
                Err(response) => return response(format),
            };
            // Requests are created synchronously: POST answers with the id, which is the token.
            match requests::one(&state.schema, &principal, token).await {
                Ok(Some(_)) => document(
                    format,
                    "service_requests",
                    &json!([{ "service_request_id": token, "token": token }]),
                ),
                Ok(None) => error(format, StatusCode::NOT_FOUND, &format!("no token {token}")),
                Err(refused) => error(format, StatusCode::BAD_REQUEST, &refused.to_string()),
            }
        }
        _ => error(
            format,
            StatusCode::NOT_FOUND,
            &format!("no Open311 resource {resource:?}"),
        ),
    }
}

/// `requests?service_request_id=a,b,…`: those requests the caller may read, in that order.
async fn by_ids(state: &ServerState, principal: &Principal, format: Format, ids: &str) -> Response {
    let ids: Vec<&str> = ids
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    if ids.len() > requests::REQUEST_IDS_MAX {
        return error(
            format,
            StatusCode::BAD_REQUEST,
            &format!(
                "at most {} service_request_id values",
                requests::REQUEST_IDS_MAX
            ),
        );
    }
    let mut found = Vec::new();
    for id in ids {
        match requests::one(&state.schema, principal, id).await {
            Ok(Some(request)) => found.push(request),
            Ok(None) => {}
            Err(refused) => {
                return error(format, StatusCode::BAD_REQUEST, &refused.to_string());
            }
        }
    }
    document(format, "service_requests", &Value::Array(found))
}

/// `requests` with the spec's filters (`filters.rs`).
async fn listed(
    state: &ServerState,
    principal: &Principal,
    format: Format,
    params: &HashMap<String, String>,
) -> Response {
    let filters = match filters::RequestFilters::parse(params, Timestamp::now()) {
        Ok(filters) => filters,
        Err(reason) => return error(format, StatusCode::BAD_REQUEST, &reason),
    };
    match requests::list(&state.schema, principal, &filters).await {
        Ok(found) => document(format, "service_requests", &Value::Array(found)),
        Err(refused) => error(format, StatusCode::BAD_REQUEST, &refused.to_string()),
    }
}

async fn answer_post(
    state: &ServerState,
    path: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let format = match path {
        "requests.json" => Format::Json,
        "requests.xml" => Format::Xml,
        _ => {
            return error(
                Format::Json,
                StatusCode::METHOD_NOT_ALLOWED,
                "only requests.json and requests.xml take a POST",
            );
        }
    };
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return error(
            format,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request as application/x-www-form-urlencoded",
        );
    }
    let submission =
        match create::Submission::parse(body, params.get("api_key").map(String::as_str)) {
            Ok(submission) => submission,
            Err(refusal) => return error(format, refusal.status, &refusal.description),
        };
    if let Err(reason) =
        jurisdiction::check(&state.schema, submission.jurisdiction_id.as_deref()).await
    {
        return error(format, StatusCode::NOT_FOUND, &reason);
    }
    let Some(key) = submission.api_key.as_deref() else {
        return error(
            format,
            StatusCode::FORBIDDEN,
            "api_key is required: a govledger token of a role that may receive requests",
        );
    };
    let principal = match principal_from_authorization(
        &state.service.tokens,
        Some(&format!("Bearer {key}")),
        "open311",
    ) {
        Ok(principal) => principal,
        Err(refusal) => return error(format, StatusCode::FORBIDDEN, refusal.message()),
    };
    let (request_id, position) = match create::receive(&state.schema, &principal, &submission).await
    {
        Ok(created) => created,
        Err(refusal) => return error(format, refusal.status, &refusal.description),
    };
    if let Err(late) = state.service.wait_for_consistency(position).await {
        tracing::warn!(%late, "an Open311 request was created before the read models showed it");
    }
    let created = json!([{
        "service_request_id": request_id.to_string(),
        "service_notice": requests::notice(None),
        "account_id": null,
    }]);
    document(format, "service_requests", &created)
}

/// The caller: the govledger token in `api_key`, or the public view.
fn principal(
    state: &ServerState,
    params: &HashMap<String, String>,
) -> Result<Principal, impl FnOnce(Format) -> Response> {
    let Some(key) = params.get("api_key") else {
        return Ok(Principal::Public);
    };
    principal_from_authorization(
        &state.service.tokens,
        Some(&format!("Bearer {key}")),
        "open311",
    )
    .map_err(|refusal| {
        let message = refusal.message().to_string();
        move |format| error(format, StatusCode::FORBIDDEN, &message)
    })
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Xml => "xml",
    }
}

fn document(format: Format, root: &str, value: &Value) -> Response {
    let (content_type, body) = match format {
        Format::Json => ("application/json; charset=utf-8", value.to_string()),
        Format::Xml => ("text/xml; charset=utf-8", xml::document(root, value)),
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// The spec's error format: `[{"code": 404, "description": "…"}]`, or `<errors><error>…`.
fn error(format: Format, status: StatusCode, description: &str) -> Response {
    let errors = json!([{ "code": status.as_u16(), "description": description }]);
    let mut response = document(format, "errors", &errors);
    *response.status_mut() = status;
    response
}

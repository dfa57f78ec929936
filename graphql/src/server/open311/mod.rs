//! Open311 GeoReport v2 at `/open311/v2/` (ADR 0008), as JSON or XML by the path's extension.
//! Built so far: `discovery`, `services` (the request categories), `services/<code>` (their
//! attributes), `requests/<id>` and `requests?service_request_id=…` (read, as the `api_key`
//! token's role or the public view). Creating requests, the other `requests` filters and
//! `tokens` are not built yet and answer 501 in the spec's error format.

mod requests;
mod services;
mod xml;

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::access::Principal;
use crate::server::ServerState;
use crate::server::auth::principal_from_authorization;

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `/open311/v2/<path>`.
pub(crate) async fn endpoint(
    State(state): State<ServerState>,
    Path(path): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
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
            let principal = match principal(&state, &params) {
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
            let Some(ids) = params.get("service_request_id") else {
                return not_built(format);
            };
            let principal = match principal(&state, &params) {
                Ok(principal) => principal,
                Err(response) => return response(format),
            };
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
                match requests::one(&state.schema, &principal, id).await {
                    Ok(Some(request)) => found.push(request),
                    Ok(None) => {}
                    Err(refused) => {
                        return error(format, StatusCode::BAD_REQUEST, &refused.to_string());
                    }
                }
            }
            document(format, "service_requests", &Value::Array(found))
        }
        ["tokens", _] => not_built(format),
        _ => error(
            format,
            StatusCode::NOT_FOUND,
            &format!("no Open311 resource {resource:?}"),
        ),
    }
}

/// 501 for what is not built yet (ADR 0008).
fn not_built(format: Format) -> Response {
    error(
        format,
        StatusCode::NOT_IMPLEMENTED,
        "not available over Open311 yet (only service_request_id lookups); use the GraphQL API \
         at /graphql",
    )
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

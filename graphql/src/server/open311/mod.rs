//! Open311 GeoReport v2 at `/open311/v2/` (ADR 0007), as JSON or XML by the path's extension.
//! Built so far: `discovery`, `services` (the request categories) and `services/<code>`
//! (their attributes). `requests` and `tokens` are not built yet and answer 501 in the
//! spec's error format.

mod services;
mod xml;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// `/open311/v2/<path>`.
pub(crate) async fn endpoint(Path(path): Path<String>, headers: HeaderMap) -> Response {
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
        ["requests"] | ["requests", _] | ["tokens", _] => error(
            format,
            StatusCode::NOT_IMPLEMENTED,
            "service requests over Open311 are not available yet; use the GraphQL API at /graphql",
        ),
        _ => error(
            format,
            StatusCode::NOT_FOUND,
            &format!("no Open311 resource {resource:?}"),
        ),
    }
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

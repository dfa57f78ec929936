//! GraphQL over HTTP (the GraphQL-over-HTTP spec): POST with a JSON body, GET with query
//! parameters for queries only (a mutation over GET is 405), no batching, a timeout, and
//! `extensions.code` on every error. A GET that asks to upgrade goes to the WebSocket.

use async_graphql::parser::types::OperationType;
use async_graphql::{Response as GqlResponse, ServerError, Value};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::access::Principal;
use crate::error::ErrorCode;
use crate::limits::{REQUEST_BODY_BYTES_MAX, REQUEST_TIMEOUT};
use crate::schema::LedgerSchema;
use crate::schema::introspection::{self, INTROSPECTION_TOO_DEEP_MESSAGE, OperationShape};
use crate::server::auth::{Refusal, principal_from_authorization};
use crate::server::documents::{self, DocumentRefusal};
use crate::server::media_type::{JSON, ResponseMediaType, negotiate};
use crate::server::websocket;
use crate::server::{ServerState, response_body};

/// A failure answered before (or instead of) executing: status, code and message.
struct Refused {
    status: StatusCode,
    code: ErrorCode,
    message: String,
}

impl Refused {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Refused {
        Refused {
            status,
            code,
            message: message.into(),
        }
    }

    fn into_response(self, state: &ServerState, media: ResponseMediaType) -> Response {
        state.metrics.record_graphql_error(self.code.as_str());
        let body = serde_json::json!({
            "errors": [{ "message": self.message, "extensions": { "code": self.code.as_str() } }]
        });
        let mut response = (self.status, body.to_string()).into_response();
        set_content_type(&mut response, media);
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::METHOD_NOT_ALLOWED {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

pub(crate) async fn get_or_websocket(
    State(state): State<ServerState>,
    request: Request,
) -> Response {
    let wants_upgrade = request
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if wants_upgrade {
        return websocket::upgrade(state, request).await;
    }
    let headers = request.headers().clone();
    let query = request.uri().query().unwrap_or_default().to_string();
    let Some(media) = negotiate(header_str(&headers, header::ACCEPT)) else {
        return not_acceptable(&state);
    };
    let prepared = principal(&state, &headers).and_then(|principal| {
        let request = async_graphql::http::parse_query_string(&query).map_err(|e| {
            Refused::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                format!("the query string is not a GraphQL request: {e}"),
            )
        })?;
        Ok((principal, request))
    });
    match prepared {
        Ok((principal, request)) => execute(&state, principal, request, Method::GET, media).await,
        Err(refused) => refused.into_response(&state, media),
    }
}

pub(crate) async fn post(
    State(state): State<ServerState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(media) = negotiate(header_str(&headers, header::ACCEPT)) else {
        return not_acceptable(&state);
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_refused(&rejection).into_response(&state, media),
    };
    let prepared = principal(&state, &headers).and_then(|principal| {
        let content_type = header_str(&headers, header::CONTENT_TYPE).unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case(JSON) {
            return Err(Refused::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::BadUserInput,
                "send the request as Content-Type: application/json",
            ));
        }
        Ok((principal, parse_body(&body)?))
    });
    match prepared {
        Ok((principal, request)) => execute(&state, principal, request, Method::POST, media).await,
        Err(refused) => refused.into_response(&state, media),
    }
}

fn parse_body(body: &[u8]) -> Result<async_graphql::Request, Refused> {
    let bad =
        |message: String| Refused::new(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message);
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("the body is not valid JSON: {e}")))?;
    match &value {
        serde_json::Value::Array(_) => {
            return Err(bad(
                "batched requests are not supported; send one operation per request".into(),
            ));
        }
        serde_json::Value::Object(fields)
            if !fields.contains_key("query")
                && !fields.contains_key("documentId")
                && fields
                    .get("extensions")
                    .is_none_or(|e| e.get("persistedQuery").is_none()) =>
        {
            return Err(bad("the body has no `query`".into()));
        }
        serde_json::Value::Object(_) => {}
        _ => return Err(bad("the body must be a JSON object with a `query`".into())),
    }
    let document_id = match value.get("documentId") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(id)) => Some(id.clone()),
        Some(_) => return Err(bad("`documentId` must be a string".into())),
    };
    let mut request: async_graphql::Request = serde_json::from_value(value)
        .map_err(|e| bad(format!("the body is not a GraphQL request: {e}")))?;
    if let Some(id) = document_id {
        documents::adopt_document_id(&mut request, &id);
    }
    Ok(request)
}

fn principal(state: &ServerState, headers: &HeaderMap) -> Result<Principal, Refused> {
    principal_from_authorization(
        &state.service.tokens,
        header_str(headers, header::AUTHORIZATION),
        "http",
    )
    .map_err(|refusal| {
        let status = match refusal {
            Refusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Malformed | Refusal::UnknownToken => StatusCode::UNAUTHORIZED,
        };
        let code = match refusal {
            Refusal::Unavailable => ErrorCode::Unavailable,
            Refusal::Malformed | Refusal::UnknownToken => ErrorCode::Unauthenticated,
        };
        Refused::new(status, code, refusal.message())
    })
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// 406: nothing the client accepts can be produced, so the error is sent as plain
/// `application/json`, the type every GraphQL client reads.
fn not_acceptable(state: &ServerState) -> Response {
    Refused::new(
        StatusCode::NOT_ACCEPTABLE,
        ErrorCode::BadUserInput,
        "accept application/graphql-response+json or application/json",
    )
    .into_response(state, ResponseMediaType::Json)
}

/// A body axum could not read: too large (413) or broken off.
fn body_refused(rejection: &BytesRejection) -> Refused {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return Refused::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            format!(
                "the body is larger than {} KiB; send a smaller request",
                REQUEST_BODY_BYTES_MAX / 1024
            ),
        );
    }
    tracing::debug!(%rejection, "reading a request body failed");
    Refused::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadUserInput,
        "the request body could not be read",
    )
}

fn set_content_type(response: &mut Response, media: ResponseMediaType) {
    let value = match media {
        ResponseMediaType::GraphQlResponseJson => {
            HeaderValue::from_static("application/graphql-response+json; charset=utf-8")
        }
        ResponseMediaType::Json => HeaderValue::from_static("application/json; charset=utf-8"),
    };
    response.headers_mut().insert(header::CONTENT_TYPE, value);
}

/// The operation a request would run, or the parse failure. The parsed document stays cached
/// in the request, so the executor does not parse the query a second time.
fn operation_type(request: &mut async_graphql::Request) -> Result<OperationType, ServerError> {
    let operation_name = request.operation_name.clone();
    let document = request.parsed_query()?;
    let operation = match &operation_name {
        Some(name) => document
            .operations
            .iter()
            .find(|(op_name, _)| op_name.map(|n| n.as_str()) == Some(name.as_str()))
            .map(|(_, op)| op.node.ty),
        None => document.operations.iter().next().map(|(_, op)| op.node.ty),
    };
    // An unknown operation name is left to the executor, which reports it as a request error.
    Ok(operation.unwrap_or(OperationType::Query))
}

async fn execute(
    state: &ServerState,
    principal: Principal,
    mut request: async_graphql::Request,
    method: Method,
    media: ResponseMediaType,
) -> Response {
    if let Err(refusal) = state.documents.resolve(&mut request) {
        return document_refused(refusal, media).into_response(state, media);
    }
    match operation_type(&mut request) {
        Err(parse_error) => {
            let mut response = GqlResponse::from_errors(vec![parse_error]);
            return finish(state, &mut response, media, ErrorCode::ParseFailed);
        }
        Ok(OperationType::Mutation) if method == Method::GET => {
            return Refused::new(
                StatusCode::METHOD_NOT_ALLOWED,
                ErrorCode::BadUserInput,
                "mutations must be sent with POST",
            )
            .into_response(state, media);
        }
        Ok(OperationType::Subscription) => {
            return Refused::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadUserInput,
                "subscriptions are served over WebSocket (graphql-transport-ws) at /graphql",
            )
            .into_response(state, media);
        }
        Ok(_) => {}
    }
    let schema = match schema_for(state, &mut request) {
        Ok(schema) => schema,
        Err(refused) => return refused.into_response(state, media),
    };
    let request = request.data(principal);
    match tokio::time::timeout(REQUEST_TIMEOUT, schema.execute(request)).await {
        Ok(mut response) => finish(state, &mut response, media, ErrorCode::ValidationFailed),
        Err(_) => Refused::new(
            StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::Timeout,
            format!(
                "the request took longer than {} s; a mutation may still have committed, retry it \
                 with the same idempotency key",
                REQUEST_TIMEOUT.as_secs()
            ),
        )
        .into_response(state, media),
    }
}

/// A document that may not run: 200 with `PERSISTED_QUERY_NOT_FOUND` as Apollo clients
/// expect under `application/json` (they then resend with the query), 400 otherwise.
fn document_refused(refusal: DocumentRefusal, media: ResponseMediaType) -> Refused {
    match refusal {
        DocumentRefusal::NotFound => Refused::new(
            match media {
                ResponseMediaType::Json => StatusCode::OK,
                ResponseMediaType::GraphQlResponseJson => StatusCode::BAD_REQUEST,
            },
            ErrorCode::PersistedQueryNotFound,
            "PersistedQueryNotFound",
        ),
        DocumentRefusal::Malformed(message) => {
            Refused::new(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, message)
        }
        DocumentRefusal::NotTrusted => Refused::new(
            StatusCode::FORBIDDEN,
            ErrorCode::DocumentNotTrusted,
            "this server runs only registered documents; send a registered document's id \
             (documentId or extensions.persistedQuery)",
        ),
    }
}

/// The schema to run `request` on: the introspection schema (deeper limit) for an operation of
/// nothing but introspection, the ordinary one otherwise; over-nested introspection refused.
fn schema_for<'s>(
    state: &'s ServerState,
    request: &mut async_graphql::Request,
) -> Result<&'s LedgerSchema, Refused> {
    let Some(introspection_schema) = &state.introspection_schema else {
        return Ok(&state.schema);
    };
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(&state.schema);
    };
    match introspection::shape(document, operation_name.as_deref()) {
        OperationShape::Ordinary => Ok(&state.schema),
        OperationShape::IntrospectionOnly => Ok(introspection_schema),
        OperationShape::IntrospectionTooDeep => Err(Refused::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::QueryTooCostly,
            INTROSPECTION_TOO_DEEP_MESSAGE,
        )),
    }
}

/// Codes every error, picks the status, serialises.
fn finish(
    state: &ServerState,
    response: &mut GqlResponse,
    media: ResponseMediaType,
    request_error_code: ErrorCode,
) -> Response {
    // A request error (parse, validation, limits) has no path and produces no data.
    let is_request_error = !response.errors.is_empty()
        && response.data == Value::Null
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        let code = error_code(error, is_request_error, request_error_code);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code.as_str());
        }
        state.metrics.record_graphql_error(code.as_str());
    }
    response_body::cap_errors(&mut response.errors);
    let status = match (is_request_error, media) {
        (true, ResponseMediaType::GraphQlResponseJson) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let body = match response_body::to_json(response, is_request_error) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "serialising a GraphQL response");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
    };
    let mut http = (status, body).into_response();
    set_content_type(&mut http, media);
    http
}

fn error_code(
    error: &ServerError,
    is_request_error: bool,
    request_error_code: ErrorCode,
) -> ErrorCode {
    if let Some(async_graphql::Value::String(code)) =
        error.extensions.as_ref().and_then(|e| e.get("code"))
    {
        return known_code(code);
    }
    if error.message.contains("too complex") || error.message.contains("nested too deep") {
        return ErrorCode::QueryTooCostly;
    }
    if is_request_error {
        return request_error_code;
    }
    // Errors raised by the executor itself while resolving (e.g. an argument that fails a
    // scalar's parse) are about the input.
    ErrorCode::BadUserInput
}

fn known_code(code: &str) -> ErrorCode {
    [
        ErrorCode::BadUserInput,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::Timeout,
        ErrorCode::Unavailable,
        ErrorCode::ParseFailed,
        ErrorCode::ValidationFailed,
        ErrorCode::QueryTooCostly,
        ErrorCode::PersistedQueryNotFound,
        ErrorCode::DocumentNotTrusted,
        ErrorCode::Internal,
    ]
    .into_iter()
    .find(|known| known.as_str() == code)
    .unwrap_or(ErrorCode::Internal)
}

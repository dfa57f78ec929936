//! The executor WebSocket operations run on, holding them to GraphQL over HTTP's rules:
//! each `subscribe` (or legacy `start`) payload's document is resolved by the server's
//! `Documents` first (APQ, and only registered documents with `--documents FILE`); an
//! operation of nothing but introspection runs on the introspection schema (so the standard
//! introspection query is answered here too), over-nested introspection is refused; and a
//! response carries at most 100 errors. A refused operation is answered with one response
//! holding the error (`PERSISTED_QUERY_NOT_FOUND`, `BAD_USER_INPUT`, `DOCUMENT_NOT_TRUSTED`
//! or `QUERY_TOO_COSTLY`) and runs nothing.

use std::sync::Arc;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Data, Executor, Request, Response, ServerError};

use crate::error::{ErrorCode, api_error};
use crate::schema::LedgerSchema;
use crate::schema::introspection::{self, INTROSPECTION_TOO_DEEP_MESSAGE, OperationShape};
use crate::server::documents::{DocumentRefusal, Documents};
use crate::server::response_body;

#[derive(Clone)]
pub(crate) struct WebSocketExecutor {
    pub(crate) schema: LedgerSchema,
    /// The schema with the deeper limit for introspection; `None` when introspection is off.
    pub(crate) introspection_schema: Option<LedgerSchema>,
    pub(crate) documents: Arc<Documents>,
}

impl WebSocketExecutor {
    /// The request with its document resolved and the schema to run it on, or the response
    /// that refuses it.
    fn prepare(&self, mut request: Request) -> Result<(Request, &LedgerSchema), Box<Response>> {
        if let Err(refusal) = self.documents.resolve(&mut request) {
            return Err(Box::new(document_refused(refusal)));
        }
        let Some(introspection_schema) = &self.introspection_schema else {
            return Ok((request, &self.schema));
        };
        let operation_name = request.operation_name.clone();
        let Ok(document) = request.parsed_query() else {
            // The ordinary schema reports the parse error.
            return Ok((request, &self.schema));
        };
        match introspection::shape(document, operation_name.as_deref()) {
            OperationShape::Ordinary => Ok((request, &self.schema)),
            OperationShape::IntrospectionOnly => Ok((request, introspection_schema)),
            OperationShape::IntrospectionTooDeep => Err(Box::new(refused(
                ErrorCode::QueryTooCostly,
                INTROSPECTION_TOO_DEEP_MESSAGE.to_string(),
            ))),
        }
    }
}

impl Executor for WebSocketExecutor {
    async fn execute(&self, request: Request) -> Response {
        match self.prepare(request) {
            Ok((request, schema)) => capped(schema.execute(request).await),
            Err(response) => *response,
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match self.prepare(request) {
            Ok((request, schema)) => schema
                .execute_stream_with_session_data(request, session_data.unwrap_or_default())
                .map(capped)
                .boxed(),
            Err(response) => stream::once(async move { *response }).boxed(),
        }
    }
}

/// At most 100 errors, as over HTTP (`response_body.rs`).
fn capped(mut response: Response) -> Response {
    response_body::cap_errors(&mut response.errors);
    response
}

/// The same codes and words as GraphQL over HTTP's refusals (`graphql_http.rs`).
fn document_refused(refusal: DocumentRefusal) -> Response {
    match refusal {
        DocumentRefusal::NotFound => refused(
            ErrorCode::PersistedQueryNotFound,
            "PersistedQueryNotFound".to_string(),
        ),
        DocumentRefusal::Malformed(message) => refused(ErrorCode::BadUserInput, message),
        DocumentRefusal::NotTrusted => refused(
            ErrorCode::DocumentNotTrusted,
            "this server runs only registered documents; send a registered document's id \
             (extensions.persistedQuery)"
                .to_string(),
        ),
    }
}

fn refused(code: ErrorCode, message: String) -> Response {
    let mut error = ServerError::new(message.clone(), None);
    error.extensions = api_error(code, message).extensions;
    Response::from_errors(vec![error])
}

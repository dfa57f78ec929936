//! The executor WebSocket operations run on: each `subscribe` (or legacy `start`) payload's
//! document is resolved by the server's `Documents` first, as GraphQL over HTTP does, so
//! `--documents FILE` holds over WebSocket too and APQ hashes work there. A refused document
//! answers that operation with one error (`PERSISTED_QUERY_NOT_FOUND`, `BAD_USER_INPUT` or
//! `DOCUMENT_NOT_TRUSTED`) and runs nothing.

use std::sync::Arc;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::{Data, Executor, Request, Response, ServerError};

use crate::error::{ErrorCode, api_error};
use crate::schema::LedgerSchema;
use crate::server::documents::{DocumentRefusal, Documents};

#[derive(Clone)]
pub(crate) struct DocumentCheckedSchema {
    pub(crate) schema: LedgerSchema,
    pub(crate) documents: Arc<Documents>,
}

impl DocumentCheckedSchema {
    /// The request with its document resolved, or why it may not run.
    fn resolve(&self, mut request: Request) -> Result<Request, DocumentRefusal> {
        self.documents.resolve(&mut request).map(|()| request)
    }
}

impl Executor for DocumentCheckedSchema {
    async fn execute(&self, request: Request) -> Response {
        match self.resolve(request) {
            Ok(request) => self.schema.execute(request).await,
            Err(refusal) => refused(refusal),
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match self.resolve(request) {
            Ok(request) => self
                .schema
                .execute_stream_with_session_data(request, session_data.unwrap_or_default()),
            Err(refusal) => {
                let response = refused(refusal);
                stream::once(async move { response }).boxed()
            }
        }
    }
}

/// The same codes and words as GraphQL over HTTP's refusals (`graphql_http.rs`).
fn refused(refusal: DocumentRefusal) -> Response {
    let (code, message) = match refusal {
        DocumentRefusal::NotFound => (
            ErrorCode::PersistedQueryNotFound,
            "PersistedQueryNotFound".to_string(),
        ),
        DocumentRefusal::Malformed(message) => (ErrorCode::BadUserInput, message),
        DocumentRefusal::NotTrusted => (
            ErrorCode::DocumentNotTrusted,
            "this server runs only registered documents; send a registered document's id \
             (extensions.persistedQuery)"
                .to_string(),
        ),
    };
    let mut error = ServerError::new(message.clone(), None);
    error.extensions = api_error(code, message).extensions;
    Response::from_errors(vec![error])
}

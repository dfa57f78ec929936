//! How failures reach a client: every GraphQL error carries `extensions.code`, and messages
//! never contain internals (paths, database errors); those go to the log.

use std::fmt::Display;

use async_graphql::ErrorExtensions;
use govledger_core::error::{ErrorKind, StoreError};

/// The `extensions.code` values a client can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The input is wrong; the same request fails the same way.
    BadUserInput,
    /// The bearer token is missing where required, unknown or revoked.
    Unauthenticated,
    /// The caller's role may not do this.
    Forbidden,
    /// No such node, case, event or cursor.
    NotFound,
    /// A race: expected version or idempotency key clash; re-read and decide again.
    Conflict,
    /// The request took longer than the server allows.
    Timeout,
    /// The store or the projections are not available right now; retry later.
    Unavailable,
    /// The query text does not parse.
    ParseFailed,
    /// The query does not validate against the schema.
    ValidationFailed,
    /// The query is over the depth or complexity limit.
    QueryTooCostly,
    /// A persisted document's hash the server does not know: send the query with it
    /// (automatic persisted queries) or register it (`--documents`).
    PersistedQueryNotFound,
    /// The server runs only registered documents (`--documents`) and this is not one.
    DocumentNotTrusted,
    /// Something went wrong on the server; details are in its log.
    Internal,
}

impl ErrorCode {
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::ParseFailed => "GRAPHQL_PARSE_FAILED",
            ErrorCode::ValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            ErrorCode::QueryTooCostly => "QUERY_TOO_COSTLY",
            ErrorCode::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            ErrorCode::DocumentNotTrusted => "DOCUMENT_NOT_TRUSTED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// A GraphQL error with a code.
pub fn api_error(code: ErrorCode, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, extensions| {
        extensions.set("code", code.as_str());
    })
}

/// An unexpected failure: logged in full, reported to the client without details.
pub fn internal_error(context: &str, error: impl Display) -> async_graphql::Error {
    tracing::error!(%error, context, "internal error");
    api_error(
        ErrorCode::Internal,
        "internal error; the server log has the details",
    )
}

/// Maps a store error by what the caller can do about it (`ErrorKind`).
pub fn store_error(error: StoreError) -> async_graphql::Error {
    match error.kind() {
        ErrorKind::Rejected => api_error(ErrorCode::BadUserInput, error.to_string()),
        ErrorKind::Conflict => api_error(ErrorCode::Conflict, error.to_string()),
        ErrorKind::Storage => {
            tracing::error!(%error, "ledger storage failure");
            api_error(
                ErrorCode::Unavailable,
                "the ledger is not available right now; retry later",
            )
        }
        ErrorKind::Corrupt => internal_error("reading the ledger", error),
    }
}

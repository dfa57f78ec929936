//! The crate's one error type, and the error a projection returns when it cannot apply an
//! event.
//!
//! How a caller (and the GraphQL layer's `extensions.code`) should read `ProjectionError`:
//! - `InvalidQuery`: the request is wrong (bad cursor, page size, filter); fix it.
//! - `NotFound`: nothing by that id in the read model (yet: see `wait_until`).
//! - `Rebuilding`, `WaitTimedOut`: try again later; the read model is being built.
//! - `Stopped`: a projection met an event it cannot apply; an operator must look.
//! - `Storage`, `Store`, `Corrupt`, `ShutDown`: the service is unwell.
//!
//! The read-model database's own errors become `Storage` in the storage layer
//! (`storage/error.rs`), so this module names no storage engine.

use govledger_core::error::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("no projection is named {0:?}")]
    UnknownProjection(String),

    #[error(
        "projection {name} is rebuilding (applied {applied_position} of {head_position}); \
         try again shortly"
    )]
    Rebuilding {
        name: &'static str,
        applied_position: u64,
        head_position: u64,
    },
    #[error("projection {name} is already rebuilding")]
    AlreadyRebuilding { name: &'static str },
    #[error(
        "waited {waited_ms} ms for position {position}, but projection {name} has applied \
         only {applied_position}"
    )]
    WaitTimedOut {
        name: &'static str,
        position: u64,
        applied_position: u64,
        waited_ms: u64,
    },
    #[error("projection {name} stopped at position {position}: {reason}")]
    Stopped {
        name: &'static str,
        position: u64,
        reason: String,
    },

    #[error("read-model storage failure: {0}")]
    Storage(String),
    #[error("read model damaged: {0}")]
    Corrupt(String),
    #[error("ledger: {0}")]
    Store(#[from] StoreError),
    #[error("the projection runner has shut down")]
    ShutDown,
}

impl ProjectionError {
    /// This error, saying which read-model key (and value size) it was met at: a record that
    /// does not decode names where it is stored.
    pub(crate) fn at_key(self, key: &[u8], value_bytes: usize) -> ProjectionError {
        let place = format!(
            "under key {} ({value_bytes} bytes)",
            crate::storage::read_model::key_hex(key)
        );
        match self {
            ProjectionError::Corrupt(reason) => {
                ProjectionError::Corrupt(format!("{reason} {place}"))
            }
            ProjectionError::Storage(reason) => {
                ProjectionError::Storage(format!("{reason} {place}"))
            }
            other => other,
        }
    }
}

/// Why a projection could not apply an event. The runner stops the projection at that
/// event's position and reports the reason; it never skips the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    /// The payload does not decode as the event type and schema version it claims.
    #[error("event does not decode: {0}")]
    Undecodable(String),
    /// The event contradicts the read model (e.g. it refers to a case that was never opened).
    #[error("{0}")]
    Inconsistent(String),
    /// Reading the read model failed.
    #[error("read-model storage: {0}")]
    Storage(String),
    /// Reading an earlier event from the ledger failed for now (its disk or its database: a
    /// PostgreSQL server restarting, say). The runner applies the event again later instead
    /// of stopping the projection.
    #[error("reading the ledger: {0}")]
    LedgerUnavailable(String),
}

//! The store's one error type. Each variant belongs to one `ErrorKind`, which tells a caller
//! (and the GraphQL layer's `extensions.code`) what it can do about it.

use crate::store::ExpectedVersion;

/// What a caller can do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input is wrong; retrying the same input fails the same way. Nothing was appended.
    Rejected,
    /// The input raced another writer (version or idempotency clash); re-read and decide again.
    Conflict,
    /// The disk or the database failed; the store may be unavailable until restarted.
    Storage,
    /// Stored data is damaged or of an unknown format; an operator must look.
    Corrupt,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid {what}: {reason}")]
    InvalidName { what: &'static str, reason: String },
    #[error("payload of {size_bytes} bytes exceeds the limit of {limit_bytes}")]
    PayloadTooLarge {
        size_bytes: usize,
        limit_bytes: usize,
    },
    #[error("an append must carry between 1 and {limit} events, not {count}")]
    EventCountOutOfRange { count: usize, limit: usize },
    #[error("{path} already holds a ledger; restore only into an empty one")]
    RestoreTargetNotEmpty { path: String },
    #[error("read limit {requested} is outside 1..={limit}")]
    ReadLimitOutOfRange { requested: usize, limit: usize },
    #[error("event id {event_id} is used twice in one append")]
    DuplicateEventId { event_id: uuid::Uuid },
    #[error("the log holds {head} events; there is no tree of size {size} yet")]
    TreeSizeBeyondHead { size: u64, head: u64 },
    #[error("no such proof: {0}")]
    ProofNotPossible(crate::tlog::ProofError),

    #[error("stream {stream} is at version {actual}, but the append expected {expected}")]
    WrongExpectedVersion {
        stream: String,
        expected: ExpectedVersion,
        actual: u64,
    },
    #[error("idempotency key {key:?} was already used for a different append")]
    IdempotencyConflict { key: String },

    #[error("storage failure: {0}")]
    Storage(String),
    #[error("the store stopped accepting appends after a storage failure; restart to recover")]
    Unavailable,

    #[error("ledger damaged at position {position}: {reason}")]
    Corrupt { position: u64, reason: String },
    #[error("record at position {position} has format tag {tag}, which this build cannot read")]
    UnknownRecordFormat { position: u64, tag: u8 },
    #[error(
        "data directory has store format {found}; this build reads formats 1 to {supported} \
         (upgrade govledger; the data was not touched)"
    )]
    UnsupportedStoreFormat { found: u32, supported: u32 },
    /// Nodes sharing a PostgreSQL ledger sign with one key: copy the key file of the node
    /// that first signed (docs/operations.md).
    #[error(
        "this ledger's checkpoints are signed with the log key {held}, but this node's key is \
         {offered}: give every node the same tlog/log-key and tlog/origin"
    )]
    LogKeyMismatch { held: String, offered: String },
}

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::InvalidName { .. }
            | StoreError::PayloadTooLarge { .. }
            | StoreError::EventCountOutOfRange { .. }
            | StoreError::ReadLimitOutOfRange { .. }
            | StoreError::RestoreTargetNotEmpty { .. }
            | StoreError::DuplicateEventId { .. }
            | StoreError::TreeSizeBeyondHead { .. }
            | StoreError::ProofNotPossible(_) => ErrorKind::Rejected,
            StoreError::WrongExpectedVersion { .. } | StoreError::IdempotencyConflict { .. } => {
                ErrorKind::Conflict
            }
            StoreError::Storage(_)
            | StoreError::Unavailable
            | StoreError::LogKeyMismatch { .. } => ErrorKind::Storage,
            StoreError::Corrupt { .. }
            | StoreError::UnknownRecordFormat { .. }
            | StoreError::UnsupportedStoreFormat { .. } => ErrorKind::Corrupt,
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> StoreError {
        StoreError::Storage(error.to_string())
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        let detail = match error.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => error.to_string(),
        };
        StoreError::Storage(format!("the ledger database: {detail}"))
    }
}

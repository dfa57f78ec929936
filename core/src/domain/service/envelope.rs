//! What the application service takes (`CommandEnvelope`) and gives back (`CommandOutcome`,
//! `CommandError`).

use uuid::Uuid;

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::error::{DomainError, DomainErrorKind};
use crate::error::{ErrorKind, StoreError};
use crate::event::{IdempotencyKey, StreamId};
use crate::time::Timestamp;

/// One command with everything around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandEnvelope {
    pub actor: ActingAs,
    pub command: Command,
    /// Makes a retry safe: the same key and content returns the first outcome.
    pub idempotency_key: Option<IdempotencyKey>,
    /// The case version the sender decided on; `None` retries on a concurrent write.
    pub expected_version: Option<u64>,
    /// When it happened; `None` means now. Paper records are back-filled with their date.
    pub occurred_at: Option<Timestamp>,
    /// Overrides the case chain (normally derived: see `service::correlation`).
    pub correlation_id: Option<Uuid>,
    /// Overrides what caused it (normally the case's previous or the authorising event).
    pub causation_id: Option<Uuid>,
}

impl CommandEnvelope {
    /// A command with no idempotency key, no expected version, taking effect now.
    pub fn new(actor: ActingAs, command: Command) -> CommandEnvelope {
        CommandEnvelope {
            actor,
            command,
            idempotency_key: None,
            expected_version: None,
            occurred_at: None,
            correlation_id: None,
            causation_id: None,
        }
    }

    pub fn at(mut self, occurred_at: Timestamp) -> CommandEnvelope {
        self.occurred_at = Some(occurred_at);
        self
    }
}

/// What a command appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub stream: StreamId,
    pub first_position: u64,
    pub last_position: u64,
    /// The case's version after the append.
    pub stream_version: u64,
    pub event_ids: Vec<Uuid>,
    /// Whether this repeats the outcome of an earlier command with the same idempotency key.
    pub replayed: bool,
}

/// What a caller (and the GraphQL `extensions.code`) can do about a failed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandErrorKind {
    /// Bad input or a command the case's state does not allow. Nothing was appended.
    Rejected,
    /// The actor lacks the role, responsibility or authorising decision. Nothing was appended.
    Unauthorised,
    /// The case or something it names does not exist.
    NotFound,
    /// A concurrent write or a reused idempotency key; re-read and decide again.
    Conflict,
    /// The store failed; retry later.
    Storage,
    /// Stored data cannot be read; an operator must look.
    Corrupt,
}

impl CommandErrorKind {
    /// `SCREAMING_SNAKE` code for API clients.
    pub const fn code(self) -> &'static str {
        match self {
            CommandErrorKind::Rejected => "REJECTED",
            CommandErrorKind::Unauthorised => "UNAUTHORISED",
            CommandErrorKind::NotFound => "NOT_FOUND",
            CommandErrorKind::Conflict => "CONFLICT",
            CommandErrorKind::Storage => "STORAGE",
            CommandErrorKind::Corrupt => "CORRUPT",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{stream} is at version {actual}, but the command expected version {expected}")]
    VersionConflict {
        stream: String,
        expected: u64,
        actual: u64,
    },
    #[error("idempotency key {key:?} was already used for a different command")]
    IdempotencyConflict { key: String },
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl CommandError {
    pub fn kind(&self) -> CommandErrorKind {
        match self {
            CommandError::Domain(error) => match error.kind() {
                DomainErrorKind::Rejected => CommandErrorKind::Rejected,
                DomainErrorKind::Unauthorised => CommandErrorKind::Unauthorised,
                DomainErrorKind::NotFound => CommandErrorKind::NotFound,
                DomainErrorKind::Conflict => CommandErrorKind::Conflict,
                DomainErrorKind::Corrupt => CommandErrorKind::Corrupt,
            },
            CommandError::VersionConflict { .. } | CommandError::IdempotencyConflict { .. } => {
                CommandErrorKind::Conflict
            }
            CommandError::Store(error) => match error.kind() {
                ErrorKind::Rejected => CommandErrorKind::Rejected,
                ErrorKind::Conflict => CommandErrorKind::Conflict,
                ErrorKind::Storage => CommandErrorKind::Storage,
                ErrorKind::Corrupt => CommandErrorKind::Corrupt,
            },
        }
    }
}

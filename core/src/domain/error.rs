//! The domain's one error type. Every variant belongs to a `DomainErrorKind`, which says what
//! a caller can do about it (and becomes the GraphQL `extensions.code`). A command that fails
//! with any of these appended nothing.

use crate::domain::ids::{AccountId, DecisionId, OrganisationId};
use crate::time::Timestamp;

/// What a caller can do about a domain error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DomainErrorKind {
    /// Bad input or a command the case's state does not allow; the same command fails again.
    Rejected,
    /// The actor lacks the role, the responsibility or the authorising decision.
    Unauthorised,
    /// The case or a thing it refers to does not exist.
    NotFound,
    /// It exists already (a create raced or was repeated).
    Conflict,
    /// A stored payload cannot be read by this build; an operator must look.
    Corrupt,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field} must not be empty")]
    EmptyText { field: &'static str },
    #[error("{field} is {len_bytes} bytes; the limit is {max_bytes}")]
    TextTooLong {
        field: &'static str,
        len_bytes: usize,
        max_bytes: usize,
    },
    #[error("{field} must be positive, not {value}")]
    NotPositive { field: &'static str, value: i64 },
    #[error("{field} of {value} exceeds the limit of {max}")]
    TooLarge {
        field: &'static str,
        value: i64,
        max: i64,
    },
    #[error("{field} has {count} entries; the limit is {max}")]
    TooMany {
        field: &'static str,
        count: usize,
        max: usize,
    },
    #[error("{field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    #[error("the due time {due_at} is not after the dispatch at {dispatched_at}")]
    DueBeforeDispatch {
        due_at: Timestamp,
        dispatched_at: Timestamp,
    },
    #[error("the {aggregate} is {state}; it cannot {action}")]
    WrongState {
        aggregate: &'static str,
        state: &'static str,
        action: &'static str,
    },
    #[error("{what} {id} already exists")]
    AlreadyExists { what: &'static str, id: String },
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },
    #[error("the role {role} may not {action}")]
    RoleNotPermitted {
        role: &'static str,
        action: &'static str,
    },
    #[error("account {account_id} does not hold the role {role} in organisation {organisation_id}")]
    RoleNotHeld {
        account_id: AccountId,
        role: &'static str,
        organisation_id: OrganisationId,
    },
    #[error("only the responsible organisation {responsible} may {action}")]
    NotResponsibleOrganisation {
        responsible: OrganisationId,
        action: &'static str,
    },
    #[error("decision {decision_id} does not authorise this: {reason}")]
    NotAuthorisedByDecision {
        decision_id: DecisionId,
        reason: String,
    },
    #[error("unknown event type {event_type:?}")]
    UnknownEventType { event_type: String },
    #[error(
        "{event_type} schema version {schema_version} cannot be read (this build writes {current})"
    )]
    UnsupportedSchemaVersion {
        event_type: String,
        schema_version: u16,
        current: u16,
    },
    #[error("payload of {event_type}: {reason}")]
    PayloadCodec {
        event_type: &'static str,
        reason: String,
    },
}

impl DomainError {
    pub fn kind(&self) -> DomainErrorKind {
        match self {
            DomainError::EmptyText { .. }
            | DomainError::TextTooLong { .. }
            | DomainError::NotPositive { .. }
            | DomainError::TooLarge { .. }
            | DomainError::TooMany { .. }
            | DomainError::InvalidInput { .. }
            | DomainError::DueBeforeDispatch { .. }
            | DomainError::WrongState { .. } => DomainErrorKind::Rejected,
            DomainError::RoleNotPermitted { .. }
            | DomainError::RoleNotHeld { .. }
            | DomainError::NotResponsibleOrganisation { .. }
            | DomainError::NotAuthorisedByDecision { .. } => DomainErrorKind::Unauthorised,
            DomainError::NotFound { .. } => DomainErrorKind::NotFound,
            DomainError::AlreadyExists { .. } => DomainErrorKind::Conflict,
            DomainError::UnknownEventType { .. }
            | DomainError::UnsupportedSchemaVersion { .. }
            | DomainError::PayloadCodec { .. } => DomainErrorKind::Corrupt,
        }
    }
}

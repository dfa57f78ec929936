//! The caller of one request, resolved from its bearer token.

use govledger_core::domain::role::Role;
use govledger_core::event::Actor;

use crate::access::Grant;

/// Who is asking.
#[derive(Debug, Clone)]
pub enum Principal {
    /// No token: the public, read-only view without residents' personal data.
    Public,
    /// A valid token: an account acting in one role.
    Member(Grant),
}

/// How much a caller may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// Everything except residents' personal data (names, phone numbers, unit numbers) and
    /// raw event payloads, which may carry unit references.
    Public,
    /// Everything.
    Full,
}

impl Principal {
    pub fn read_scope(&self) -> ReadScope {
        match self {
            Principal::Public => ReadScope::Public,
            Principal::Member(_) => ReadScope::Full,
        }
    }

    /// The actor a command is recorded under, if this caller may send commands at all.
    /// Auditors read everything and write nothing.
    pub fn actor(&self) -> Option<Actor> {
        match self {
            Principal::Member(grant) if grant.role != Role::Auditor => Some(Actor {
                account_id: grant.account_id,
                role: grant.role.as_str().to_string(),
                organisation_id: grant.organisation_id,
            }),
            _ => None,
        }
    }

    /// A short description for logs of denied attempts (never the token itself).
    pub fn describe(&self) -> String {
        match self {
            Principal::Public => "public".to_string(),
            Principal::Member(grant) => format!(
                "token {} (account {}, role {})",
                grant.token_id,
                grant.account_id,
                grant.role.as_str()
            ),
        }
    }
}

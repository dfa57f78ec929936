//! Events of a service request's stream (`request-<uuid>`). Every event names its request;
//! when it happened, who recorded it and why live in the envelope.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{AccountId, OrganisationId, PersonId, RequestId, WorkProjectId};
use crate::domain::location::Location;
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::time::Timestamp;

/// A request was registered (schema version 2: `channel` added; see `upcast.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestReceived {
    pub request_id: RequestId,
    pub kind: RequestKind,
    pub category: RequestCategory,
    pub description: String,
    /// The resident who raised it; `None` for anonymous requests.
    pub requester_id: Option<PersonId>,
    pub location: Location,
    /// The station, grid or team that registered it.
    pub received_by_organisation_id: Option<OrganisationId>,
    pub channel: Channel,
}

/// The request is in scope and will be handled; the clerk may reclassify its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAccepted {
    pub request_id: RequestId,
    pub category: RequestCategory,
}

/// The request was not taken up (out of scope, abusive, no content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRejected {
    pub request_id: RequestId,
    pub reason: String,
}

/// The request duplicates another and is handled as part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestMerged {
    pub request_id: RequestId,
    pub into_request_id: RequestId,
}

/// The request was handed to a responsible organisation with due times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestDispatched {
    pub request_id: RequestId,
    pub organisation_id: OrganisationId,
    pub category: RequestCategory,
    /// First action (start, resolve or send back) is due by then.
    pub response_due_at: Timestamp,
    /// Resolution is due by then.
    pub due_at: Timestamp,
}

/// The responsible organisation returned the request (not theirs, not enough information).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSentBack {
    pub request_id: RequestId,
    pub organisation_id: OrganisationId,
    pub reason: String,
}

/// The responsible organisation started working on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestWorkStarted {
    pub request_id: RequestId,
    pub organisation_id: OrganisationId,
    pub assignee_account_id: Option<AccountId>,
}

/// The responsible organisation reports an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestResolved {
    pub request_id: RequestId,
    pub organisation_id: OrganisationId,
    pub outcome: Outcome,
    pub note: String,
    /// The work project that fixed it, when one did.
    pub work_project_id: Option<WorkProjectId>,
}

/// The follow-up visit (回访) with the requester.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFollowedUp {
    pub request_id: RequestId,
    pub resolution: FollowUpResolution,
    pub satisfaction: Satisfaction,
    pub note: String,
}

/// The case is closed. `outcome` repeats the last resolution's outcome so that no read model
/// reports a closed case as fixed unless it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestClosed {
    pub request_id: RequestId,
    pub outcome: Outcome,
}

/// A closed (or resolved) case was opened again; it goes back to accepted, to be dispatched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestReopened {
    pub request_id: RequestId,
    pub reason: String,
}

/// An overdue case was escalated (督办) to a supervising organisation, with a new due time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestEscalated {
    pub request_id: RequestId,
    /// The responsible organisation that missed the due time (it stays responsible).
    pub organisation_id: OrganisationId,
    pub missed_due_at: Timestamp,
    pub escalated_to_organisation_id: OrganisationId,
    pub new_due_at: Timestamp,
    /// 1 for the first escalation of this dispatch, 2 for the next, ...
    pub escalation_level: u32,
}

//! A service request folded from its stream.

use crate::domain::correction::{CorrectedField, FactCorrected};
use crate::domain::event::RequestEvent;
use crate::domain::ids::{OrganisationId, PersonId, RequestId};
use crate::domain::request::vocabulary::{Outcome, RequestCategory, RequestKind};
use crate::time::Timestamp;

/// Where a request is in its lifecycle. `Closed` never means fixed: see `last_outcome`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    /// No event yet.
    #[default]
    Unknown,
    Received,
    /// Accepted and waiting for (re-)dispatch: after acceptance, a send-back or a reopening.
    Accepted,
    Rejected,
    Merged,
    Dispatched,
    InProgress,
    Resolved,
    FollowedUp,
    Closed,
}

impl RequestStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Unknown => "unknown",
            RequestStatus::Received => "received",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Merged => "merged",
            RequestStatus::Dispatched => "dispatched",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::Resolved => "resolved",
            RequestStatus::FollowedUp => "followed_up",
            RequestStatus::Closed => "closed",
        }
    }

    /// The status a request has after `event`; `None` when the event leaves it as it was
    /// (an escalation changes the due time, not the status). A send-back and a reopening
    /// put the request back to `Accepted`, waiting for a dispatch.
    pub const fn after(event: &RequestEvent) -> Option<RequestStatus> {
        Some(match event {
            RequestEvent::RequestReceived(_) => RequestStatus::Received,
            RequestEvent::RequestAccepted(_) => RequestStatus::Accepted,
            RequestEvent::RequestRejected(_) => RequestStatus::Rejected,
            RequestEvent::RequestMerged(_) => RequestStatus::Merged,
            RequestEvent::RequestDispatched(_) => RequestStatus::Dispatched,
            RequestEvent::RequestSentBack(_) => RequestStatus::Accepted,
            RequestEvent::RequestWorkStarted(_) => RequestStatus::InProgress,
            RequestEvent::RequestResolved(_) => RequestStatus::Resolved,
            RequestEvent::RequestFollowedUp(_) => RequestStatus::FollowedUp,
            RequestEvent::RequestClosed(_) => RequestStatus::Closed,
            RequestEvent::RequestReopened(_) => RequestStatus::Accepted,
            RequestEvent::RequestEscalated(_) => return None,
        })
    }

    /// Whether the request is still being handled (neither ended nor absorbed).
    pub const fn is_open(self) -> bool {
        !matches!(
            self,
            RequestStatus::Unknown
                | RequestStatus::Rejected
                | RequestStatus::Merged
                | RequestStatus::Closed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRequest {
    pub status: RequestStatus,
    pub request_id: RequestId,
    pub kind: RequestKind,
    pub category: RequestCategory,
    pub requester_id: Option<PersonId>,
    /// The organisation it is dispatched to (kept after resolution, for the follow-up).
    pub responsible_organisation_id: Option<OrganisationId>,
    pub due_at: Option<Timestamp>,
    pub last_outcome: Option<Outcome>,
    /// Escalations of the current dispatch.
    pub escalation_level: u32,
    pub dispatch_count: u32,
    pub send_back_count: u32,
    pub reopen_count: u32,
}

impl Default for ServiceRequest {
    fn default() -> ServiceRequest {
        ServiceRequest {
            status: RequestStatus::Unknown,
            request_id: RequestId(uuid::Uuid::nil()),
            kind: RequestKind::Enquiry,
            category: RequestCategory::Other,
            requester_id: None,
            responsible_organisation_id: None,
            due_at: None,
            last_outcome: None,
            escalation_level: 0,
            dispatch_count: 0,
            send_back_count: 0,
            reopen_count: 0,
        }
    }
}

impl ServiceRequest {
    pub(super) fn apply_event(&mut self, event: &RequestEvent) {
        if let Some(status) = RequestStatus::after(event) {
            self.status = status;
        }
        match event {
            RequestEvent::RequestReceived(e) => {
                self.request_id = e.request_id;
                self.kind = e.kind;
                self.category = e.category;
                self.requester_id = e.requester_id;
            }
            RequestEvent::RequestAccepted(e) => {
                self.category = e.category;
            }
            RequestEvent::RequestRejected(_) | RequestEvent::RequestMerged(_) => {}
            RequestEvent::RequestDispatched(e) => {
                self.responsible_organisation_id = Some(e.organisation_id);
                self.category = e.category;
                self.due_at = Some(e.due_at);
                self.escalation_level = 0;
                self.dispatch_count += 1;
            }
            RequestEvent::RequestSentBack(_) => {
                self.responsible_organisation_id = None;
                self.due_at = None;
                self.send_back_count += 1;
            }
            RequestEvent::RequestWorkStarted(_) => {}
            RequestEvent::RequestResolved(e) => {
                self.last_outcome = Some(e.outcome);
            }
            RequestEvent::RequestFollowedUp(_) | RequestEvent::RequestClosed(_) => {}
            RequestEvent::RequestReopened(_) => {
                self.responsible_organisation_id = None;
                self.due_at = None;
                self.reopen_count += 1;
            }
            RequestEvent::RequestEscalated(e) => {
                self.due_at = Some(e.new_due_at);
                self.escalation_level = e.escalation_level;
            }
        }
    }

    pub(super) fn apply_correction_of(
        &mut self,
        correction: &FactCorrected,
        corrected: &RequestEvent,
    ) {
        for field in &correction.corrected {
            match (field, corrected) {
                (CorrectedField::RequestCategory(category), _) => self.category = *category,
                (CorrectedField::RequestKind(kind), _) => self.kind = *kind,
                (
                    CorrectedField::DueAt(due_at),
                    RequestEvent::RequestDispatched(_) | RequestEvent::RequestEscalated(_),
                ) if self.due_at.is_some() => self.due_at = Some(*due_at),
                (CorrectedField::Outcome(outcome), RequestEvent::RequestResolved(_)) => {
                    self.last_outcome = Some(*outcome);
                }
                _ => {}
            }
        }
    }
}

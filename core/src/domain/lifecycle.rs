//! One lifecycle: the status a case has after an event, as the domain's own state machines
//! (`RequestStatus::after`, `WorkProjectStatus::after`, `MediationStatus::after`,
//! `DecisionStatus::after`) say. The aggregates' `apply` and the read models both take it
//! from here, so a case view never disagrees with what the domain decides against.

use std::fmt::Display;

use crate::domain::aggregate::not_found;
use crate::domain::decision::DecisionStatus;
use crate::domain::error::DomainError;
use crate::domain::event::DomainEvent;
use crate::domain::mediation::MediationStatus;
use crate::domain::request::RequestStatus;
use crate::domain::work_project::WorkProjectStatus;

/// The `snake_case` status name (each status's `as_str`) the case of `event` has after it;
/// `None` when the event leaves its case's status as it was, or belongs to no case.
pub fn case_status_after(event: &DomainEvent) -> Option<&'static str> {
    match event {
        DomainEvent::Request(event) => RequestStatus::after(event).map(RequestStatus::as_str),
        DomainEvent::WorkProject(event) => {
            WorkProjectStatus::after(event).map(WorkProjectStatus::as_str)
        }
        DomainEvent::Mediation(event) => MediationStatus::after(event).map(MediationStatus::as_str),
        DomainEvent::Decision(event) => DecisionStatus::after(event).map(DecisionStatus::as_str),
        DomainEvent::Directory(_)
        | DomainEvent::FactCorrected(_)
        | DomainEvent::PersonalDataErased(_) => None,
    }
}

/// What the status of every case kind has: the state before any event, and a name.
pub trait CaseStatus: Copy + PartialEq + 'static {
    /// The status of a case no event has created yet.
    const UNKNOWN: Self;
    /// The `snake_case` name (the status's `as_str`).
    fn name(self) -> &'static str;
}

macro_rules! case_status {
    ($($status:ident),*) => {
        $(impl CaseStatus for $status {
            const UNKNOWN: Self = $status::Unknown;
            fn name(self) -> &'static str {
                self.as_str()
            }
        })*
    };
}

case_status!(
    RequestStatus,
    WorkProjectStatus,
    MediationStatus,
    DecisionStatus
);

/// A command's precondition on its case: the case exists (else `NotFound`) and is in one of
/// `allowed` (else `WrongState`, naming its status and the action refused).
pub(crate) fn require_status<S: CaseStatus>(
    status: S,
    allowed: &[S],
    aggregate: &'static str,
    id: impl Display,
    action: &'static str,
) -> Result<(), DomainError> {
    if status == S::UNKNOWN {
        return Err(not_found(aggregate, id));
    }
    if allowed.contains(&status) {
        Ok(())
    } else {
        Err(DomainError::WrongState {
            aggregate,
            state: status.name(),
            action,
        })
    }
}

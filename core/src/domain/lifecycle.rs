//! One lifecycle: the status a case has after an event, as the domain's own state machines
//! (`RequestStatus::after`, `WorkProjectStatus::after`, `MediationStatus::after`,
//! `DecisionStatus::after`) say. The aggregates' `apply` and the read models both take it
//! from here, so a case view never disagrees with what the domain decides against.

use crate::domain::decision::DecisionStatus;
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

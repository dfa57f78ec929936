//! Service-request commands and how a request decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::correction::FactCorrected;
use crate::domain::error::DomainError;
use crate::domain::event::{DomainEvent, RequestEvent};
use crate::domain::ids::{AccountId, OrganisationId, PersonId, RequestId, WorkProjectId};
use crate::domain::limits::{DESCRIPTION_BYTES_MAX, RESOLUTION_DAYS_MAX, TITLE_BYTES_MAX};
use crate::domain::location::Location;
use crate::domain::request::events::*;
use crate::domain::request::state::{RequestStatus, ServiceRequest};
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::domain::role::Role;
use crate::domain::validate::{optional_text, required_text};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestCommand {
    Receive {
        kind: RequestKind,
        category: RequestCategory,
        description: String,
        requester_id: Option<PersonId>,
        location: Location,
        channel: Channel,
    },
    /// `category` reclassifies; `None` keeps the one received.
    Accept {
        category: Option<RequestCategory>,
    },
    Reject {
        reason: String,
    },
    MergeInto {
        into_request_id: RequestId,
    },
    /// Due times default to the category's limits from now.
    Dispatch {
        organisation_id: OrganisationId,
        response_due_at: Option<Timestamp>,
        due_at: Option<Timestamp>,
    },
    SendBack {
        reason: String,
    },
    StartWork {
        assignee_account_id: Option<AccountId>,
    },
    Resolve {
        outcome: Outcome,
        note: String,
        work_project_id: Option<WorkProjectId>,
    },
    FollowUp {
        resolution: FollowUpResolution,
        satisfaction: Satisfaction,
        note: String,
    },
    Close,
    Reopen {
        reason: String,
    },
    Escalate {
        escalated_to_organisation_id: OrganisationId,
        new_due_at: Timestamp,
    },
}

impl RequestCommand {
    pub const fn name(&self) -> &'static str {
        match self {
            RequestCommand::Receive { .. } => "receive_request",
            RequestCommand::Accept { .. } => "accept_request",
            RequestCommand::Reject { .. } => "reject_request",
            RequestCommand::MergeInto { .. } => "merge_request",
            RequestCommand::Dispatch { .. } => "dispatch_request",
            RequestCommand::SendBack { .. } => "send_back_request",
            RequestCommand::StartWork { .. } => "start_request_work",
            RequestCommand::Resolve { .. } => "resolve_request",
            RequestCommand::FollowUp { .. } => "follow_up_request",
            RequestCommand::Close => "close_request",
            RequestCommand::Reopen { .. } => "reopen_request",
            RequestCommand::Escalate { .. } => "escalate_request",
        }
    }
}

impl ServiceRequest {
    fn require(&self, allowed: &[RequestStatus], action: &'static str) -> Result<(), DomainError> {
        if self.status == RequestStatus::Unknown {
            return Err(not_found("request", self.request_id));
        }
        if allowed.contains(&self.status) {
            Ok(())
        } else {
            Err(DomainError::WrongState {
                aggregate: "request",
                state: self.status.as_str(),
                action,
            })
        }
    }

    /// The responsible organisation, which must be the actor's.
    fn responsible(
        &self,
        context: &Context<'_>,
        action: &'static str,
    ) -> Result<OrganisationId, DomainError> {
        let responsible = self
            .responsible_organisation_id
            .ok_or(DomainError::WrongState {
                aggregate: "request",
                state: "not dispatched",
                action,
            })?;
        if context.actor.organisation_id != responsible {
            return Err(DomainError::NotResponsibleOrganisation {
                responsible,
                action,
            });
        }
        Ok(responsible)
    }
}

fn check_location(location: &Location, context: &Context<'_>) -> Result<(), DomainError> {
    let directory = context.directory;
    if let Some(compound) = location.compound_id
        && !directory.compounds.contains_key(&compound)
    {
        return Err(not_found("compound", compound));
    }
    if let Some(building) = location.building_id {
        let found = directory
            .buildings
            .get(&building)
            .ok_or_else(|| not_found("building", building))?;
        if location.compound_id.is_some_and(|c| c != found.compound_id) {
            return Err(DomainError::InvalidInput {
                field: "location",
                reason: "the building is not in the compound".into(),
            });
        }
    }
    if let Some(unit) = location.unit_id {
        let found = directory
            .units
            .get(&unit)
            .ok_or_else(|| not_found("unit", unit))?;
        if location.building_id.is_some_and(|b| b != found.building_id) {
            return Err(DomainError::InvalidInput {
                field: "location",
                reason: "the unit is not in the building".into(),
            });
        }
    }
    if let Some(grid) = location.grid_id
        && !directory.grids.contains_key(&grid)
    {
        return Err(not_found("grid", grid));
    }
    Ok(())
}

fn check_organisation(
    organisation_id: OrganisationId,
    context: &Context<'_>,
) -> Result<(), DomainError> {
    let kind = context
        .directory
        .organisation_kind(organisation_id)
        .ok_or_else(|| not_found("organisation", organisation_id))?;
    if !kind.can_be_responsible() {
        return Err(DomainError::InvalidInput {
            field: "organisation_id",
            reason: format!(
                "an organisation of kind {} does not handle requests",
                kind.as_str()
            ),
        });
    }
    Ok(())
}

impl Aggregate for ServiceRequest {
    type Id = RequestId;
    type Command = RequestCommand;
    type Event = RequestEvent;
    const NAME: &'static str = "request";

    fn apply(&mut self, event: &RequestEvent) {
        self.apply_event(event);
    }

    fn apply_correction(&mut self, correction: &FactCorrected, corrected: &RequestEvent) {
        self.apply_correction_of(correction, corrected);
    }

    fn select(event: &DomainEvent) -> Option<&RequestEvent> {
        match event {
            DomainEvent::Request(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        self.status != RequestStatus::Unknown
    }

    fn handle(
        &self,
        request_id: RequestId,
        command: &RequestCommand,
        context: &Context<'_>,
    ) -> Result<Vec<RequestEvent>, DomainError> {
        use RequestStatus as S;
        if !self.exists() && !matches!(command, RequestCommand::Receive { .. }) {
            return Err(not_found("request", request_id));
        }
        let event: RequestEvent = match command {
            RequestCommand::Receive {
                kind,
                category,
                description,
                requester_id,
                location,
                channel,
            } => {
                if self.exists() {
                    return Err(DomainError::AlreadyExists {
                        what: "request",
                        id: request_id.to_string(),
                    });
                }
                let description = required_text("description", description, DESCRIPTION_BYTES_MAX)?;
                check_location(location, context)?;
                if context.actor.role == Role::Resident
                    && (requester_id.is_none()
                        || *requester_id != context.directory.person_of(context.actor.account_id))
                {
                    return Err(DomainError::InvalidInput {
                        field: "requester_id",
                        reason: "a resident raises requests in their own name".into(),
                    });
                }
                RequestReceived {
                    request_id,
                    kind: *kind,
                    category: *category,
                    description,
                    requester_id: *requester_id,
                    location: *location,
                    received_by_organisation_id: Some(context.actor.organisation_id),
                    channel: *channel,
                }
                .into()
            }
            RequestCommand::Accept { category } => {
                self.require(&[S::Received], "be accepted")?;
                RequestAccepted {
                    request_id,
                    category: category.unwrap_or(self.category),
                }
                .into()
            }
            RequestCommand::Reject { reason } => {
                self.require(&[S::Received], "be rejected")?;
                RequestRejected {
                    request_id,
                    reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
                }
                .into()
            }
            RequestCommand::MergeInto { into_request_id } => {
                self.require(&[S::Received, S::Accepted], "be merged")?;
                if *into_request_id == request_id {
                    return Err(DomainError::InvalidInput {
                        field: "into_request_id",
                        reason: "a request cannot be merged into itself".into(),
                    });
                }
                let target = context
                    .related
                    .request
                    .filter(|target| target.request_id == *into_request_id && target.exists())
                    .ok_or_else(|| not_found("request", into_request_id))?;
                if !target.status.is_open() {
                    return Err(DomainError::WrongState {
                        aggregate: "target request",
                        state: target.status.as_str(),
                        action: "absorb another request",
                    });
                }
                RequestMerged {
                    request_id,
                    into_request_id: *into_request_id,
                }
                .into()
            }
            RequestCommand::Dispatch {
                organisation_id,
                response_due_at,
                due_at,
            } => {
                self.require(&[S::Accepted], "be dispatched")?;
                check_organisation(*organisation_id, context)?;
                let now = context.now;
                // The category's limits, in hours or working days (the directory's holiday
                // calendar in the community's zone), unless the dispatcher sets due times.
                let (default_response_due_at, default_due_at) = context
                    .directory
                    .due_times(self.category, now)
                    .ok_or_else(|| DomainError::InvalidInput {
                        field: "due_at",
                        reason: "the category's working-day limit runs past the calendar".into(),
                    })?;
                let due_at = due_at.unwrap_or(default_due_at);
                let response_due_at = response_due_at
                    .unwrap_or(default_response_due_at)
                    .min(due_at);
                if due_at <= now {
                    return Err(DomainError::DueBeforeDispatch {
                        due_at,
                        dispatched_at: now,
                    });
                }
                if response_due_at <= now {
                    return Err(DomainError::DueBeforeDispatch {
                        due_at: response_due_at,
                        dispatched_at: now,
                    });
                }
                if due_at > now.plus_days(RESOLUTION_DAYS_MAX) {
                    return Err(DomainError::InvalidInput {
                        field: "due_at",
                        reason: format!("more than {RESOLUTION_DAYS_MAX} days after dispatch"),
                    });
                }
                RequestDispatched {
                    request_id,
                    organisation_id: *organisation_id,
                    category: self.category,
                    response_due_at,
                    due_at,
                }
                .into()
            }
            RequestCommand::SendBack { reason } => {
                self.require(&[S::Dispatched, S::InProgress], "be sent back")?;
                let organisation_id = self.responsible(context, "send the request back")?;
                RequestSentBack {
                    request_id,
                    organisation_id,
                    reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
                }
                .into()
            }
            RequestCommand::StartWork {
                assignee_account_id,
            } => {
                self.require(&[S::Dispatched], "start work")?;
                let organisation_id = self.responsible(context, "start work on the request")?;
                if let Some(assignee) = assignee_account_id
                    && !context
                        .directory
                        .members_of(organisation_id, context.now)
                        .contains(assignee)
                {
                    return Err(DomainError::InvalidInput {
                        field: "assignee_account_id",
                        reason: "the assignee holds no role in the responsible organisation".into(),
                    });
                }
                RequestWorkStarted {
                    request_id,
                    organisation_id,
                    assignee_account_id: *assignee_account_id,
                }
                .into()
            }
            RequestCommand::Resolve {
                outcome,
                note,
                work_project_id,
            } => {
                self.require(&[S::Dispatched, S::InProgress], "be resolved")?;
                let organisation_id = self.responsible(context, "resolve the request")?;
                let note = if *outcome == Outcome::Fixed {
                    optional_text("note", note, DESCRIPTION_BYTES_MAX)?
                } else {
                    // An explanation, a refusal or "not ours" must say why.
                    required_text("note", note, DESCRIPTION_BYTES_MAX)?
                };
                if let Some(project) = work_project_id
                    && !context
                        .related
                        .work_project
                        .is_some_and(|p| p.work_project_id == *project && p.exists())
                {
                    return Err(not_found("work project", project));
                }
                RequestResolved {
                    request_id,
                    organisation_id,
                    outcome: *outcome,
                    note,
                    work_project_id: *work_project_id,
                }
                .into()
            }
            RequestCommand::FollowUp {
                resolution,
                satisfaction,
                note,
            } => {
                self.require(&[S::Resolved], "be followed up")?;
                RequestFollowedUp {
                    request_id,
                    resolution: *resolution,
                    satisfaction: *satisfaction,
                    note: optional_text("note", note, DESCRIPTION_BYTES_MAX)?,
                }
                .into()
            }
            RequestCommand::Close => {
                self.require(&[S::FollowedUp], "be closed")?;
                let outcome = self.last_outcome.ok_or(DomainError::WrongState {
                    aggregate: "request",
                    state: "without an outcome",
                    action: "be closed",
                })?;
                RequestClosed {
                    request_id,
                    outcome,
                }
                .into()
            }
            RequestCommand::Reopen { reason } => {
                self.require(&[S::Resolved, S::FollowedUp, S::Closed], "be reopened")?;
                RequestReopened {
                    request_id,
                    reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
                }
                .into()
            }
            RequestCommand::Escalate {
                escalated_to_organisation_id,
                new_due_at,
            } => {
                self.require(&[S::Dispatched, S::InProgress], "be escalated")?;
                let (Some(organisation_id), Some(missed_due_at)) =
                    (self.responsible_organisation_id, self.due_at)
                else {
                    return Err(DomainError::WrongState {
                        aggregate: "request",
                        state: "not dispatched",
                        action: "be escalated",
                    });
                };
                if context.now <= missed_due_at {
                    return Err(DomainError::WrongState {
                        aggregate: "request",
                        state: "not overdue",
                        action: "be escalated",
                    });
                }
                if *new_due_at <= context.now {
                    return Err(DomainError::DueBeforeDispatch {
                        due_at: *new_due_at,
                        dispatched_at: context.now,
                    });
                }
                if context
                    .directory
                    .organisation_kind(*escalated_to_organisation_id)
                    .is_none()
                {
                    return Err(not_found("organisation", escalated_to_organisation_id));
                }
                RequestEscalated {
                    request_id,
                    organisation_id,
                    missed_due_at,
                    escalated_to_organisation_id: *escalated_to_organisation_id,
                    new_due_at: *new_due_at,
                    escalation_level: self.escalation_level + 1,
                }
                .into()
            }
        };
        Ok(vec![event])
    }
}

//! How a service request decides each command: one function per command, each checking
//! the request's state and the command's input and returning the event it produces.

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::error::DomainError;
use crate::domain::event::RequestEvent;
use crate::domain::ids::{AccountId, OrganisationId, PersonId, RequestId, WorkProjectId};
use crate::domain::lifecycle::require_status;
use crate::domain::limits::{DESCRIPTION_BYTES_MAX, RESOLUTION_DAYS_MAX, TITLE_BYTES_MAX};
use crate::domain::location::Location;
use crate::domain::request::events::*;
use crate::domain::request::state::{RequestStatus as S, RequestStatus, ServiceRequest};
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::domain::role::Role;
use crate::domain::validate::{optional_text, required_text};
use crate::time::Timestamp;

impl ServiceRequest {
    #[expect(
        clippy::too_many_arguments,
        reason = "the command's fields, one argument each"
    )]
    pub(super) fn receive(
        &self,
        request_id: RequestId,
        kind: RequestKind,
        category: RequestCategory,
        description: &str,
        requester_id: Option<PersonId>,
        location: &Location,
        channel: Channel,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
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
                || requester_id != context.directory.person_of(context.actor.account_id))
        {
            return Err(DomainError::InvalidInput {
                field: "requester_id",
                reason: "a resident raises requests in their own name".into(),
            });
        }
        Ok(RequestReceived {
            request_id,
            kind,
            category,
            description,
            requester_id,
            location: *location,
            received_by_organisation_id: Some(context.actor.organisation_id),
            channel,
        }
        .into())
    }

    pub(super) fn accept(
        &self,
        request_id: RequestId,
        category: Option<RequestCategory>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Received], "be accepted")?;
        Ok(RequestAccepted {
            request_id,
            category: category.unwrap_or(self.category),
        }
        .into())
    }

    pub(super) fn reject(
        &self,
        request_id: RequestId,
        reason: &str,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Received], "be rejected")?;
        Ok(RequestRejected {
            request_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn merge_into(
        &self,
        request_id: RequestId,
        into_request_id: RequestId,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Received, S::Accepted], "be merged")?;
        if into_request_id == request_id {
            return Err(DomainError::InvalidInput {
                field: "into_request_id",
                reason: "a request cannot be merged into itself".into(),
            });
        }
        let target = context
            .related
            .request
            .filter(|target| target.request_id == into_request_id && target.exists())
            .ok_or_else(|| not_found("request", into_request_id))?;
        if !target.status.is_open() {
            return Err(DomainError::WrongState {
                aggregate: "target request",
                state: target.status.as_str(),
                action: "absorb another request",
            });
        }
        Ok(RequestMerged {
            request_id,
            into_request_id,
        }
        .into())
    }

    pub(super) fn dispatch(
        &self,
        request_id: RequestId,
        organisation_id: OrganisationId,
        response_due_at: Option<Timestamp>,
        due_at: Option<Timestamp>,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Accepted], "be dispatched")?;
        check_organisation(organisation_id, context)?;
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
        Ok(RequestDispatched {
            request_id,
            organisation_id,
            category: self.category,
            response_due_at,
            due_at,
        }
        .into())
    }

    pub(super) fn send_back(
        &self,
        request_id: RequestId,
        reason: &str,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Dispatched, S::InProgress], "be sent back")?;
        let organisation_id = self.responsible(context, "send the request back")?;
        Ok(RequestSentBack {
            request_id,
            organisation_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn start_work(
        &self,
        request_id: RequestId,
        assignee_account_id: Option<AccountId>,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Dispatched], "start work")?;
        let organisation_id = self.responsible(context, "start work on the request")?;
        if let Some(assignee) = assignee_account_id
            && !context
                .directory
                .members_of(organisation_id, context.now)
                .contains(&assignee)
        {
            return Err(DomainError::InvalidInput {
                field: "assignee_account_id",
                reason: "the assignee holds no role in the responsible organisation".into(),
            });
        }
        Ok(RequestWorkStarted {
            request_id,
            organisation_id,
            assignee_account_id,
        }
        .into())
    }

    pub(super) fn resolve(
        &self,
        request_id: RequestId,
        outcome: Outcome,
        note: &str,
        work_project_id: Option<WorkProjectId>,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Dispatched, S::InProgress], "be resolved")?;
        let organisation_id = self.responsible(context, "resolve the request")?;
        let note = if outcome == Outcome::Fixed {
            optional_text("note", note, DESCRIPTION_BYTES_MAX)?
        } else {
            // An explanation, a refusal or "not ours" must say why.
            required_text("note", note, DESCRIPTION_BYTES_MAX)?
        };
        if let Some(project) = work_project_id
            && !context
                .related
                .work_project
                .is_some_and(|p| p.work_project_id == project && p.exists())
        {
            return Err(not_found("work project", project));
        }
        Ok(RequestResolved {
            request_id,
            organisation_id,
            outcome,
            note,
            work_project_id,
        }
        .into())
    }

    pub(super) fn follow_up(
        &self,
        request_id: RequestId,
        resolution: FollowUpResolution,
        satisfaction: Satisfaction,
        note: &str,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Resolved], "be followed up")?;
        Ok(RequestFollowedUp {
            request_id,
            resolution,
            satisfaction,
            note: optional_text("note", note, DESCRIPTION_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn close(&self, request_id: RequestId) -> Result<RequestEvent, DomainError> {
        self.require(&[S::FollowedUp], "be closed")?;
        let outcome = self.last_outcome.ok_or(DomainError::WrongState {
            aggregate: "request",
            state: "without an outcome",
            action: "be closed",
        })?;
        Ok(RequestClosed {
            request_id,
            outcome,
        }
        .into())
    }

    pub(super) fn reopen(
        &self,
        request_id: RequestId,
        reason: &str,
    ) -> Result<RequestEvent, DomainError> {
        self.require(&[S::Resolved, S::FollowedUp, S::Closed], "be reopened")?;
        Ok(RequestReopened {
            request_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn escalate(
        &self,
        request_id: RequestId,
        escalated_to_organisation_id: OrganisationId,
        new_due_at: Timestamp,
        context: &Context<'_>,
    ) -> Result<RequestEvent, DomainError> {
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
        if new_due_at <= context.now {
            return Err(DomainError::DueBeforeDispatch {
                due_at: new_due_at,
                dispatched_at: context.now,
            });
        }
        if context
            .directory
            .organisation_kind(escalated_to_organisation_id)
            .is_none()
        {
            return Err(not_found("organisation", escalated_to_organisation_id));
        }
        Ok(RequestEscalated {
            request_id,
            organisation_id,
            missed_due_at,
            escalated_to_organisation_id,
            new_due_at,
            escalation_level: self.escalation_level + 1,
        }
        .into())
    }

    fn require(&self, allowed: &[RequestStatus], action: &'static str) -> Result<(), DomainError> {
        require_status(self.status, allowed, "request", self.request_id, action)
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

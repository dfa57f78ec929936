//! Service-request commands and how a request decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::correction::FactCorrected;
use crate::domain::error::DomainError;
use crate::domain::event::{DomainEvent, RequestEvent};
use crate::domain::ids::{AccountId, OrganisationId, PersonId, RequestId, WorkProjectId};
use crate::domain::location::Location;
use crate::domain::request::state::{RequestStatus, ServiceRequest};
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
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
        use RequestCommand as C;
        if !self.exists() && !matches!(command, C::Receive { .. }) {
            return Err(not_found("request", request_id));
        }
        let id = request_id;
        let event = match command {
            C::Receive {
                kind,
                category,
                description,
                requester_id,
                location,
                channel,
            } => self.receive(
                id,
                *kind,
                *category,
                description,
                *requester_id,
                location,
                *channel,
                context,
            ),
            C::Accept { category } => self.accept(id, *category),
            C::Reject { reason } => self.reject(id, reason),
            C::MergeInto { into_request_id } => self.merge_into(id, *into_request_id, context),
            C::Dispatch {
                organisation_id,
                response_due_at,
                due_at,
            } => self.dispatch(id, *organisation_id, *response_due_at, *due_at, context),
            C::SendBack { reason } => self.send_back(id, reason, context),
            C::StartWork {
                assignee_account_id,
            } => self.start_work(id, *assignee_account_id, context),
            C::Resolve {
                outcome,
                note,
                work_project_id,
            } => self.resolve(id, *outcome, note, *work_project_id, context),
            C::FollowUp {
                resolution,
                satisfaction,
                note,
            } => self.follow_up(id, *resolution, *satisfaction, note),
            C::Close => self.close(id),
            C::Reopen { reason } => self.reopen(id, reason),
            C::Escalate {
                escalated_to_organisation_id,
                new_due_at,
            } => self.escalate(id, *escalated_to_organisation_id, *new_due_at, context),
        }?;
        Ok(vec![event])
    }
}

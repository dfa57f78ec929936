//! Service requests (诉求): from receipt through dispatch and resolution to follow-up.

use async_graphql::{Context, ID, InputObject, Object};
use govledger_core::domain::command::Command;
use govledger_core::domain::request::commands::RequestCommand;

use crate::schema::commands::{CommandOptions, CommandPayload};
use crate::schema::mutations::vocabulary::{
    Channel, FollowUpResolution, LocationInput, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::schema::mutations::{Built, id, optional_id, run_typed};
use crate::schema::scalars::DateTime;

type Result<T> = async_graphql::Result<T>;

/// The command addressed to the request `request_id`.
fn to_request(request_id: &ID, command: RequestCommand) -> Built {
    Ok(Command::Request {
        request_id: id("requestId", request_id)?,
        command,
    })
}

#[derive(InputObject)]
pub struct ReceiveRequestInput {
    /// The new request's id (a UUID the sender mints, UUIDv7 preferred).
    pub request_id: ID,
    pub kind: RequestKind,
    pub category: RequestCategory,
    pub description: String,
    /// The resident asking (a person id), when known.
    pub requester_id: Option<ID>,
    pub location: LocationInput,
    pub channel: Channel,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct AcceptRequestInput {
    pub request_id: ID,
    /// A corrected category, when the clerk re-files it.
    pub category: Option<RequestCategory>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Input of the commands that only give a reason (reject, send back, reopen).
#[derive(InputObject)]
#[graphql(name = "RequestReasonInput")]
pub struct ReasonInput {
    pub request_id: ID,
    pub reason: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct MergeRequestInput {
    pub request_id: ID,
    /// The request this one duplicates.
    pub into_request_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct DispatchRequestInput {
    pub request_id: ID,
    /// The organisation made responsible.
    pub organisation_id: ID,
    pub response_due_at: Option<DateTime>,
    pub due_at: Option<DateTime>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct StartRequestWorkInput {
    pub request_id: ID,
    pub assignee_account_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct ResolveRequestInput {
    pub request_id: ID,
    pub outcome: Outcome,
    pub note: String,
    /// The work project that did the work, when one did.
    pub work_project_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RecordRequestFollowUpInput {
    pub request_id: ID,
    pub resolution: FollowUpResolution,
    pub satisfaction: Satisfaction,
    pub note: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct CloseRequestInput {
    pub request_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct EscalateRequestInput {
    pub request_id: ID,
    pub escalated_to_organisation_id: ID,
    pub new_due_at: DateTime,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(Default)]
pub struct RequestMutations;

#[Object]
impl RequestMutations {
    /// Records a resident's request as received (`receive_request`).
    async fn receive_request(
        &self,
        ctx: &Context<'_>,
        input: ReceiveRequestInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            to_request(
                &input.request_id,
                RequestCommand::Receive {
                    kind: input.kind.into(),
                    category: input.category.into(),
                    description: input.description,
                    requester_id: optional_id("requesterId", input.requester_id.as_ref())?,
                    location: input.location.parse("location")?,
                    channel: input.channel.into(),
                },
            )
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Accepts a received request for handling (`accept_request`).
    async fn accept_request(
        &self,
        ctx: &Context<'_>,
        input: AcceptRequestInput,
    ) -> Result<CommandPayload> {
        let command = RequestCommand::Accept {
            category: input.category.map(Into::into),
        };
        run_typed(ctx, input.options, to_request(&input.request_id, command)).await
    }

    /// Rejects a received request, with the reason (`reject_request`).
    async fn reject_request(
        &self,
        ctx: &Context<'_>,
        input: ReasonInput,
    ) -> Result<CommandPayload> {
        let command = RequestCommand::Reject {
            reason: input.reason,
        };
        run_typed(ctx, input.options, to_request(&input.request_id, command)).await
    }

    /// Merges a duplicate into another request (`merge_request`).
    async fn merge_request(
        &self,
        ctx: &Context<'_>,
        input: MergeRequestInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let into_request_id = id("intoRequestId", &input.into_request_id)?;
            to_request(
                &input.request_id,
                RequestCommand::MergeInto { into_request_id },
            )
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Makes an organisation responsible, with due times (`dispatch_request`).
    async fn dispatch_request(
        &self,
        ctx: &Context<'_>,
        input: DispatchRequestInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = RequestCommand::Dispatch {
                organisation_id: id("organisationId", &input.organisation_id)?,
                response_due_at: input.response_due_at.map(|t| t.0),
                due_at: input.due_at.map(|t| t.0),
            };
            to_request(&input.request_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// The responsible organisation hands the request back (`send_back_request`).
    async fn send_back_request(
        &self,
        ctx: &Context<'_>,
        input: ReasonInput,
    ) -> Result<CommandPayload> {
        let command = RequestCommand::SendBack {
            reason: input.reason,
        };
        run_typed(ctx, input.options, to_request(&input.request_id, command)).await
    }

    /// Work on the request starts (`start_request_work`).
    async fn start_request_work(
        &self,
        ctx: &Context<'_>,
        input: StartRequestWorkInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = RequestCommand::StartWork {
                assignee_account_id: optional_id(
                    "assigneeAccountId",
                    input.assignee_account_id.as_ref(),
                )?,
            };
            to_request(&input.request_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records how the request was resolved (`resolve_request`).
    async fn resolve_request(
        &self,
        ctx: &Context<'_>,
        input: ResolveRequestInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = RequestCommand::Resolve {
                outcome: input.outcome.into(),
                note: input.note,
                work_project_id: optional_id("workProjectId", input.work_project_id.as_ref())?,
            };
            to_request(&input.request_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records the follow-up call with the requester (`follow_up_request`).
    async fn record_request_follow_up(
        &self,
        ctx: &Context<'_>,
        input: RecordRequestFollowUpInput,
    ) -> Result<CommandPayload> {
        let command = RequestCommand::FollowUp {
            resolution: input.resolution.into(),
            satisfaction: input.satisfaction.into(),
            note: input.note,
        };
        run_typed(ctx, input.options, to_request(&input.request_id, command)).await
    }

    /// Closes the request (`close_request`).
    async fn close_request(
        &self,
        ctx: &Context<'_>,
        input: CloseRequestInput,
    ) -> Result<CommandPayload> {
        let built = to_request(&input.request_id, RequestCommand::Close);
        run_typed(ctx, input.options, built).await
    }

    /// Reopens a resolved or closed request, with the reason (`reopen_request`).
    async fn reopen_request(
        &self,
        ctx: &Context<'_>,
        input: ReasonInput,
    ) -> Result<CommandPayload> {
        let command = RequestCommand::Reopen {
            reason: input.reason,
        };
        run_typed(ctx, input.options, to_request(&input.request_id, command)).await
    }

    /// Escalates an overdue request to another organisation (`escalate_request`).
    async fn escalate_request(
        &self,
        ctx: &Context<'_>,
        input: EscalateRequestInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = RequestCommand::Escalate {
                escalated_to_organisation_id: id(
                    "escalatedToOrganisationId",
                    &input.escalated_to_organisation_id,
                )?,
                new_due_at: input.new_due_at.0,
            };
            to_request(&input.request_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }
}

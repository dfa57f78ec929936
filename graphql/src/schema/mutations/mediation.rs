//! People's mediation (人民调解): registered, accepted by a mediator, sessions, an agreement or
//! a failure, the follow-up on performance, the archive.

use async_graphql::{Context, ID, InputObject, Object};
use govledger_core::domain::command::Command;
use govledger_core::domain::mediation::commands::MediationCommand;

use crate::schema::commands::{CommandOptions, CommandPayload};
use crate::schema::mutations::vocabulary::{
    AgreementForm, DisputeType, LocationInput, MediationSource, Performance,
};
use crate::schema::mutations::{Built, id, ids, optional_id, run_typed};

type Result<T> = async_graphql::Result<T>;

/// The command addressed to the mediation `mediation_id`.
fn to_mediation(mediation_id: &ID, command: MediationCommand) -> Built {
    Ok(Command::Mediation {
        mediation_id: id("mediationId", mediation_id)?,
        command,
    })
}

#[derive(InputObject)]
pub struct RegisterMediationInput {
    /// The new case's id (a UUID the sender mints, UUIDv7 preferred).
    pub mediation_id: ID,
    pub source: MediationSource,
    /// The organisation that referred the case, for referrals.
    pub referred_by_organisation_id: Option<ID>,
    pub mediation_committee_id: ID,
    pub dispute_type: DisputeType,
    /// The parties (person ids).
    pub parties: Vec<ID>,
    pub summary: String,
    pub location: LocationInput,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct AcceptMediationInput {
    pub mediation_id: ID,
    pub mediator_account_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Input of the commands that only give a reason (decline, record a failure).
#[derive(InputObject)]
#[graphql(name = "MediationReasonInput")]
pub struct ReasonInput {
    pub mediation_id: ID,
    pub reason: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RecordMediationSessionInput {
    pub mediation_id: ID,
    /// The parties present (person ids).
    pub attending_parties: Vec<ID>,
    pub record: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RecordMediationAgreementInput {
    pub mediation_id: ID,
    pub form: AgreementForm,
    pub terms: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct FollowUpMediationPerformanceInput {
    pub mediation_id: ID,
    pub performance: Performance,
    pub note: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct ArchiveMediationInput {
    pub mediation_id: ID,
    pub archive_reference: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(Default)]
pub struct MediationMutations;

#[Object]
impl MediationMutations {
    /// Registers a dispute with a mediation committee (`register_mediation`).
    async fn register_mediation(
        &self,
        ctx: &Context<'_>,
        input: RegisterMediationInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = MediationCommand::Register {
                source: input.source.into(),
                referred_by_organisation_id: optional_id(
                    "referredByOrganisationId",
                    input.referred_by_organisation_id.as_ref(),
                )?,
                mediation_committee_id: id("mediationCommitteeId", &input.mediation_committee_id)?,
                dispute_type: input.dispute_type.into(),
                parties: ids("parties", &input.parties)?,
                summary: input.summary,
                location: input.location.parse("location")?,
            };
            to_mediation(&input.mediation_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// A mediator takes the case (`accept_mediation`).
    async fn accept_mediation(
        &self,
        ctx: &Context<'_>,
        input: AcceptMediationInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let mediator_account_id = id("mediatorAccountId", &input.mediator_account_id)?;
            to_mediation(
                &input.mediation_id,
                MediationCommand::Accept {
                    mediator_account_id,
                },
            )
        })();
        run_typed(ctx, input.options, built).await
    }

    /// The committee declines the case, with the reason (`decline_mediation`).
    async fn decline_mediation(
        &self,
        ctx: &Context<'_>,
        input: ReasonInput,
    ) -> Result<CommandPayload> {
        let command = MediationCommand::Decline {
            reason: input.reason,
        };
        run_typed(
            ctx,
            input.options,
            to_mediation(&input.mediation_id, command),
        )
        .await
    }

    /// Records a mediation session (`record_mediation_session`).
    async fn record_mediation_session(
        &self,
        ctx: &Context<'_>,
        input: RecordMediationSessionInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = MediationCommand::RecordSession {
                attending_parties: ids("attendingParties", &input.attending_parties)?,
                record: input.record,
            };
            to_mediation(&input.mediation_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records the parties' agreement (`record_mediation_agreement`).
    async fn record_mediation_agreement(
        &self,
        ctx: &Context<'_>,
        input: RecordMediationAgreementInput,
    ) -> Result<CommandPayload> {
        let command = MediationCommand::RecordAgreement {
            form: input.form.into(),
            terms: input.terms,
        };
        run_typed(
            ctx,
            input.options,
            to_mediation(&input.mediation_id, command),
        )
        .await
    }

    /// Records that mediation failed, with the reason (`record_mediation_failure`).
    async fn record_mediation_failure(
        &self,
        ctx: &Context<'_>,
        input: ReasonInput,
    ) -> Result<CommandPayload> {
        let command = MediationCommand::RecordFailure {
            reason: input.reason,
        };
        run_typed(
            ctx,
            input.options,
            to_mediation(&input.mediation_id, command),
        )
        .await
    }

    /// Records whether the agreement was kept (`follow_up_mediation_performance`).
    async fn follow_up_mediation_performance(
        &self,
        ctx: &Context<'_>,
        input: FollowUpMediationPerformanceInput,
    ) -> Result<CommandPayload> {
        let command = MediationCommand::FollowUpPerformance {
            performance: input.performance.into(),
            note: input.note,
        };
        run_typed(
            ctx,
            input.options,
            to_mediation(&input.mediation_id, command),
        )
        .await
    }

    /// Archives the case file (`archive_mediation`).
    async fn archive_mediation(
        &self,
        ctx: &Context<'_>,
        input: ArchiveMediationInput,
    ) -> Result<CommandPayload> {
        let command = MediationCommand::Archive {
            archive_reference: input.archive_reference,
        };
        run_typed(
            ctx,
            input.options,
            to_mediation(&input.mediation_id, command),
        )
        .await
    }
}

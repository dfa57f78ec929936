//! Decisions of a governing body: proposed, put to the vote, tallied, published or withdrawn.

use async_graphql::{Context, ID, InputObject, Object, OneofObject};
use govledger_core::domain::command::Command;
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::vocabulary::Authorisation;

use crate::schema::commands::{CommandOptions, CommandPayload};
use crate::schema::mutations::vocabulary::{BallotChoice, DecisionMatter, FundingSource};
use crate::schema::mutations::{BadInput, Built, id, id_at, ids, run_typed};
use crate::schema::scalars::{DateTime, Int64};

type Result<T> = async_graphql::Result<T>;

/// The command addressed to the decision `decision_id`.
fn to_decision(decision_id: &ID, command: DecisionCommand) -> Built {
    Ok(Command::Decision {
        decision_id: id("decisionId", decision_id)?,
        command,
    })
}

/// What a decision authorises: one work project, its funding source and budget ceiling.
#[derive(InputObject)]
pub struct AuthorisationInput {
    pub work_project_id: ID,
    pub funding_source: FundingSource,
    pub budget_cents_max: Int64,
}

#[derive(InputObject)]
pub struct ProposeDecisionInput {
    /// The new decision's id (a UUID the sender mints, UUIDv7 preferred).
    pub decision_id: ID,
    /// The body that decides (owners' assembly, a committee).
    pub body_organisation_id: ID,
    pub matter: DecisionMatter,
    pub title: String,
    pub text: String,
    pub authorisations: Vec<AuthorisationInput>,
    pub linked_request_ids: Vec<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct OpenVotingInput {
    pub decision_id: ID,
    pub closes_at: DateTime,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Whose ballot it is: an owner's (counted with their units' area) or a body member's.
#[derive(OneofObject)]
pub enum BallotForInput {
    OwnerPersonId(ID),
    MemberAccountId(ID),
}

#[derive(InputObject)]
pub struct CastBallotInput {
    pub decision_id: ID,
    pub ballot_for: BallotForInput,
    pub choice: BallotChoice,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct TallyDecisionInput {
    pub decision_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct PublishDecisionInput {
    pub decision_id: ID,
    pub notice: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct WithdrawDecisionInput {
    pub decision_id: ID,
    pub reason: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

fn authorisations(
    inputs: &[AuthorisationInput],
) -> std::result::Result<Vec<Authorisation>, BadInput> {
    inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let index = index.to_string();
            Ok(Authorisation {
                work_project_id: id_at(
                    &["authorisations", &index, "workProjectId"],
                    &input.work_project_id,
                )?,
                funding_source: input.funding_source.into(),
                budget_cents_max: input.budget_cents_max.0,
            })
        })
        .collect()
}

fn ballot_for(input: &BallotForInput) -> std::result::Result<BallotFor, BadInput> {
    Ok(match input {
        BallotForInput::OwnerPersonId(person_id) => BallotFor::Owner {
            person_id: id_at(&["ballotFor", "ownerPersonId"], person_id)?,
        },
        BallotForInput::MemberAccountId(account_id) => BallotFor::Member {
            account_id: id_at(&["ballotFor", "memberAccountId"], account_id)?,
        },
    })
}

#[derive(Default)]
pub struct DecisionMutations;

#[Object]
impl DecisionMutations {
    /// Proposes a decision to a body (`propose_decision`).
    async fn propose_decision(
        &self,
        ctx: &Context<'_>,
        input: ProposeDecisionInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = DecisionCommand::Propose {
                body_organisation_id: id("bodyOrganisationId", &input.body_organisation_id)?,
                matter: input.matter.into(),
                title: input.title,
                text: input.text,
                authorisations: authorisations(&input.authorisations)?,
                linked_request_ids: ids("linkedRequestIds", &input.linked_request_ids)?,
            };
            to_decision(&input.decision_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Opens voting until `closesAt`; the electorate is counted now (`open_voting`).
    async fn open_voting(
        &self,
        ctx: &Context<'_>,
        input: OpenVotingInput,
    ) -> Result<CommandPayload> {
        let command = DecisionCommand::OpenVoting {
            closes_at: input.closes_at.0,
        };
        run_typed(ctx, input.options, to_decision(&input.decision_id, command)).await
    }

    /// Records one ballot (`cast_ballot`).
    async fn cast_ballot(
        &self,
        ctx: &Context<'_>,
        input: CastBallotInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = DecisionCommand::CastBallot {
                ballot_for: ballot_for(&input.ballot_for)?,
                choice: input.choice.into(),
            };
            to_decision(&input.decision_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Counts the ballots under the matter's voting rule (`tally_decision`).
    async fn tally_decision(
        &self,
        ctx: &Context<'_>,
        input: TallyDecisionInput,
    ) -> Result<CommandPayload> {
        let built = to_decision(&input.decision_id, DecisionCommand::Tally);
        run_typed(ctx, input.options, built).await
    }

    /// Publishes an adopted decision with its public notice (`publish_decision`).
    async fn publish_decision(
        &self,
        ctx: &Context<'_>,
        input: PublishDecisionInput,
    ) -> Result<CommandPayload> {
        let command = DecisionCommand::Publish {
            notice: input.notice,
        };
        run_typed(ctx, input.options, to_decision(&input.decision_id, command)).await
    }

    /// Withdraws the proposal, with the reason (`withdraw_decision`).
    async fn withdraw_decision(
        &self,
        ctx: &Context<'_>,
        input: WithdrawDecisionInput,
    ) -> Result<CommandPayload> {
        let command = DecisionCommand::Withdraw {
            reason: input.reason,
        };
        run_typed(ctx, input.options, to_decision(&input.decision_id, command)).await
    }
}

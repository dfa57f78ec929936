//! Corrections of recorded facts (appended, never overwritten) and personal-data erasure.

use async_graphql::{Context, ID, InputObject, Object, OneofObject};
use govledger_core::domain::command::Command;
use govledger_core::domain::correction::{CorrectFact, CorrectedField};
use govledger_core::domain::streams::StreamRef;

use crate::schema::commands::{CommandOptions, CommandPayload};
use crate::schema::mutations::vocabulary::{
    DisputeType, ErasureBasis, FundingSource, LocationInput, Outcome, QuantityInput,
    RequestCategory, RequestKind, quantities,
};
use crate::schema::mutations::{BadInput, Built, id, id_at, non_negative_at, run_typed};
use crate::schema::scalars::{DateTime, Int64};

type Result<T> = async_graphql::Result<T>;

/// The stream (case) holding the event to correct.
#[derive(OneofObject)]
pub enum CorrectionTargetInput {
    RequestId(ID),
    WorkProjectId(ID),
    MediationId(ID),
    DecisionId(ID),
    /// `true`: the directory stream.
    Directory(bool),
    PersonId(ID),
}

/// One corrected field with its right value.
#[derive(OneofObject)]
pub enum CorrectedFieldInput {
    Description(String),
    Title(String),
    RequestKind(RequestKind),
    RequestCategory(RequestCategory),
    Location(LocationInput),
    Outcome(Outcome),
    DueAt(DateTime),
    /// When the corrected event really happened (a back-filled paper record, a typo).
    OccurredAt(DateTime),
    PlannedQuantities(Vec<QuantityInput>),
    ActualQuantities(Vec<QuantityInput>),
    BudgetCents(Int64),
    CostCents(Int64),
    ContractAmountCents(Int64),
    FundingSource(FundingSource),
    FloorAreaDm2(Int64),
    DisputeType(DisputeType),
    Note(String),
}

#[derive(InputObject)]
pub struct CorrectFactInput {
    pub target: CorrectionTargetInput,
    /// The id of the event whose facts were wrong.
    pub corrects_event_id: ID,
    pub reason: String,
    pub corrected: Vec<CorrectedFieldInput>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct ErasePersonalDataInput {
    pub person_id: ID,
    pub basis: ErasureBasis,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

fn target(input: &CorrectionTargetInput) -> std::result::Result<StreamRef, BadInput> {
    Ok(match input {
        CorrectionTargetInput::RequestId(value) => {
            StreamRef::Request(id_at(&["target", "requestId"], value)?)
        }
        CorrectionTargetInput::WorkProjectId(value) => {
            StreamRef::WorkProject(id_at(&["target", "workProjectId"], value)?)
        }
        CorrectionTargetInput::MediationId(value) => {
            StreamRef::Mediation(id_at(&["target", "mediationId"], value)?)
        }
        CorrectionTargetInput::DecisionId(value) => {
            StreamRef::Decision(id_at(&["target", "decisionId"], value)?)
        }
        CorrectionTargetInput::Directory(true) => StreamRef::Directory,
        CorrectionTargetInput::Directory(false) => {
            return Err(BadInput::new(
                &["target", "directory"],
                "`directory` selects the directory stream and must be true",
            ));
        }
        CorrectionTargetInput::PersonId(value) => {
            StreamRef::Person(id_at(&["target", "personId"], value)?)
        }
    })
}

fn corrected(
    inputs: Vec<CorrectedFieldInput>,
) -> std::result::Result<Vec<CorrectedField>, BadInput> {
    inputs
        .into_iter()
        .enumerate()
        .map(|(index, input)| {
            Ok(match input {
                CorrectedFieldInput::Description(text) => CorrectedField::Description(text),
                CorrectedFieldInput::Title(text) => CorrectedField::Title(text),
                CorrectedFieldInput::RequestKind(kind) => CorrectedField::RequestKind(kind.into()),
                CorrectedFieldInput::RequestCategory(category) => {
                    CorrectedField::RequestCategory(category.into())
                }
                CorrectedFieldInput::Location(location) => {
                    let index = index.to_string();
                    CorrectedField::Location(location.parse_at(&[
                        "corrected",
                        &index,
                        "location",
                    ])?)
                }
                CorrectedFieldInput::Outcome(outcome) => CorrectedField::Outcome(outcome.into()),
                CorrectedFieldInput::DueAt(at) => CorrectedField::DueAt(at.0),
                CorrectedFieldInput::OccurredAt(at) => CorrectedField::OccurredAt(at.0),
                CorrectedFieldInput::PlannedQuantities(values) => {
                    CorrectedField::PlannedQuantities(quantities(values))
                }
                CorrectedFieldInput::ActualQuantities(values) => {
                    CorrectedField::ActualQuantities(quantities(values))
                }
                CorrectedFieldInput::BudgetCents(cents) => CorrectedField::BudgetCents(cents.0),
                CorrectedFieldInput::CostCents(cents) => CorrectedField::CostCents(cents.0),
                CorrectedFieldInput::ContractAmountCents(cents) => {
                    CorrectedField::ContractAmountCents(cents.0)
                }
                CorrectedFieldInput::FundingSource(source) => {
                    CorrectedField::FundingSource(source.into())
                }
                CorrectedFieldInput::FloorAreaDm2(area) => CorrectedField::FloorAreaDm2(
                    non_negative_at(&["corrected", &index.to_string(), "floorAreaDm2"], area)?,
                ),
                CorrectedFieldInput::DisputeType(kind) => CorrectedField::DisputeType(kind.into()),
                CorrectedFieldInput::Note(text) => CorrectedField::Note(text),
            })
        })
        .collect()
}

#[derive(Default)]
pub struct CorrectionMutations;

#[Object]
impl CorrectionMutations {
    /// Corrects facts of a recorded event by appending `FactCorrected` to its stream; the
    /// original stays (`correct_<case>_fact`).
    async fn correct_fact(
        &self,
        ctx: &Context<'_>,
        input: CorrectFactInput,
    ) -> Result<CommandPayload> {
        let built: Built = (|| {
            Ok(Command::CorrectFact {
                target: target(&input.target)?,
                correction: CorrectFact {
                    corrects_event_id: id("correctsEventId", &input.corrects_event_id)?,
                    reason: input.reason,
                    corrected: corrected(input.corrected)?,
                },
            })
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records the erasure of a person's details; the personal-data store removes them
    /// (`erase_personal_data`).
    async fn erase_personal_data(
        &self,
        ctx: &Context<'_>,
        input: ErasePersonalDataInput,
    ) -> Result<CommandPayload> {
        let built: Built = (|| {
            Ok(Command::ErasePersonalData {
                person_id: id("personId", &input.person_id)?,
                basis: input.basis.into(),
            })
        })();
        run_typed(ctx, input.options, built).await
    }
}

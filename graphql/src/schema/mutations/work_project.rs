//! Work projects: proposed, approved by a decision, contracted, built, inspected, under warranty.

use async_graphql::{Context, ID, InputObject, Object};
use govledger_core::domain::command::Command;
use govledger_core::domain::work_project::commands::WorkProjectCommand;

use crate::schema::commands::{CommandOptions, CommandPayload};
use crate::schema::mutations::vocabulary::{
    FundingSource, QuantityInput, WorkCategory, quantities,
};
use crate::schema::mutations::{Built, id, ids, optional_id, run_typed};
use crate::schema::scalars::{DateTime, Int64};

type Result<T> = async_graphql::Result<T>;

/// The command addressed to the work project `work_project_id`.
fn to_work_project(work_project_id: &ID, command: WorkProjectCommand) -> Built {
    Ok(Command::WorkProject {
        work_project_id: id("workProjectId", work_project_id)?,
        command,
    })
}

#[derive(InputObject)]
pub struct ProposeWorkProjectInput {
    /// The new project's id (a UUID the sender mints, UUIDv7 preferred).
    pub work_project_id: ID,
    pub category: WorkCategory,
    pub title: String,
    pub description: String,
    pub compound_id: ID,
    pub building_ids: Vec<ID>,
    pub unit_ids: Vec<ID>,
    pub planned_quantities: Vec<QuantityInput>,
    /// The requests the project answers.
    pub linked_request_ids: Vec<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct ApproveWorkProjectInput {
    pub work_project_id: ID,
    /// The published decision that authorises the project and its budget.
    pub decision_id: ID,
    pub funding_source: FundingSource,
    pub budget_cents: Int64,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct ContractWorkProjectInput {
    pub work_project_id: ID,
    pub contractor_organisation_id: ID,
    pub contract_reference: String,
    pub contract_amount_cents: Int64,
    pub planned_completion_at: DateTime,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

/// Input of the commands that name only the project (start, close).
#[derive(InputObject)]
pub struct WorkProjectInput {
    pub work_project_id: ID,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RecordWorkProgressInput {
    pub work_project_id: ID,
    pub milestone: String,
    /// 0–100.
    pub percent_complete: u8,
    pub quantities_done: Vec<QuantityInput>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct CompleteWorkProjectInput {
    pub work_project_id: ID,
    pub actual_quantities: Vec<QuantityInput>,
    pub cost_cents: Int64,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct PassWorkInspectionInput {
    pub work_project_id: ID,
    pub report: String,
    pub warranty_months: u16,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct FailWorkInspectionInput {
    pub work_project_id: ID,
    pub defects: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct RaiseWarrantyClaimInput {
    pub work_project_id: ID,
    pub description: String,
    /// The request that reported the defect, when one did.
    pub linked_request_id: Option<ID>,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct SettleWarrantyClaimInput {
    pub work_project_id: ID,
    /// The claim's number within the project (1, 2, …).
    #[graphql(validator(maximum = 2147483647))]
    pub claim_number: u32,
    pub note: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(InputObject)]
pub struct CancelWorkProjectInput {
    pub work_project_id: ID,
    pub reason: String,
    #[graphql(flatten)]
    pub options: CommandOptions,
}

#[derive(Default)]
pub struct WorkProjectMutations;

#[Object]
impl WorkProjectMutations {
    /// Proposes a repair or improvement project (`propose_work_project`).
    async fn propose_work_project(
        &self,
        ctx: &Context<'_>,
        input: ProposeWorkProjectInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = WorkProjectCommand::Propose {
                category: input.category.into(),
                title: input.title,
                description: input.description,
                compound_id: id("compoundId", &input.compound_id)?,
                building_ids: ids("buildingIds", &input.building_ids)?,
                unit_ids: ids("unitIds", &input.unit_ids)?,
                planned_quantities: quantities(input.planned_quantities),
                linked_request_ids: ids("linkedRequestIds", &input.linked_request_ids)?,
            };
            to_work_project(&input.work_project_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Approves the project under a published decision (`approve_work_project`).
    async fn approve_work_project(
        &self,
        ctx: &Context<'_>,
        input: ApproveWorkProjectInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = WorkProjectCommand::Approve {
                decision_id: id("decisionId", &input.decision_id)?,
                funding_source: input.funding_source.into(),
                budget_cents: input.budget_cents.0,
            };
            to_work_project(&input.work_project_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Records the contract with a contractor (`contract_work_project`).
    async fn contract_work_project(
        &self,
        ctx: &Context<'_>,
        input: ContractWorkProjectInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = WorkProjectCommand::Contract {
                contractor_organisation_id: id(
                    "contractorOrganisationId",
                    &input.contractor_organisation_id,
                )?,
                contract_reference: input.contract_reference,
                contract_amount_cents: input.contract_amount_cents.0,
                planned_completion_at: input.planned_completion_at.0,
            };
            to_work_project(&input.work_project_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Work starts on site (`start_work_project`).
    async fn start_work_project(
        &self,
        ctx: &Context<'_>,
        input: WorkProjectInput,
    ) -> Result<CommandPayload> {
        let built = to_work_project(&input.work_project_id, WorkProjectCommand::Start);
        run_typed(ctx, input.options, built).await
    }

    /// Records a milestone and the quantities done so far (`record_work_progress`).
    async fn record_work_progress(
        &self,
        ctx: &Context<'_>,
        input: RecordWorkProgressInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::RecordProgress {
            milestone: input.milestone,
            percent_complete: input.percent_complete,
            quantities_done: quantities(input.quantities_done),
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }

    /// Records completion with the actual quantities and cost (`complete_work_project`).
    async fn complete_work_project(
        &self,
        ctx: &Context<'_>,
        input: CompleteWorkProjectInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::Complete {
            actual_quantities: quantities(input.actual_quantities),
            cost_cents: input.cost_cents.0,
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }

    /// The inspection passes; the warranty starts (`pass_work_inspection`).
    async fn pass_work_inspection(
        &self,
        ctx: &Context<'_>,
        input: PassWorkInspectionInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::PassInspection {
            report: input.report,
            warranty_months: input.warranty_months,
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }

    /// The inspection fails, listing the defects (`fail_work_inspection`).
    async fn fail_work_inspection(
        &self,
        ctx: &Context<'_>,
        input: FailWorkInspectionInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::FailInspection {
            defects: input.defects,
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }

    /// Raises a warranty claim against the contractor (`raise_warranty_claim`).
    async fn raise_warranty_claim(
        &self,
        ctx: &Context<'_>,
        input: RaiseWarrantyClaimInput,
    ) -> Result<CommandPayload> {
        let built = (|| {
            let command = WorkProjectCommand::RaiseWarrantyClaim {
                description: input.description,
                linked_request_id: optional_id(
                    "linkedRequestId",
                    input.linked_request_id.as_ref(),
                )?,
            };
            to_work_project(&input.work_project_id, command)
        })();
        run_typed(ctx, input.options, built).await
    }

    /// Settles a warranty claim (`settle_warranty_claim`).
    async fn settle_warranty_claim(
        &self,
        ctx: &Context<'_>,
        input: SettleWarrantyClaimInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::SettleWarrantyClaim {
            claim_number: input.claim_number,
            note: input.note,
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }

    /// Closes the project (`close_work_project`).
    async fn close_work_project(
        &self,
        ctx: &Context<'_>,
        input: WorkProjectInput,
    ) -> Result<CommandPayload> {
        let built = to_work_project(&input.work_project_id, WorkProjectCommand::Close);
        run_typed(ctx, input.options, built).await
    }

    /// Cancels the project, with the reason (`cancel_work_project`).
    async fn cancel_work_project(
        &self,
        ctx: &Context<'_>,
        input: CancelWorkProjectInput,
    ) -> Result<CommandPayload> {
        let command = WorkProjectCommand::Cancel {
            reason: input.reason,
        };
        let built = to_work_project(&input.work_project_id, command);
        run_typed(ctx, input.options, built).await
    }
}

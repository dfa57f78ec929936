//! How a work project decides each command: one function per command, each checking the
//! project's state, who acts and the command's input, and returning the event it produces.

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::decision::DecisionStatus;
use crate::domain::error::DomainError;
use crate::domain::event::WorkProjectEvent;
use crate::domain::ids::{
    BuildingId, CompoundId, DecisionId, OrganisationId, RequestId, UnitId, WorkProjectId,
};
use crate::domain::lifecycle::require_status;
use crate::domain::limits::{
    DESCRIPTION_BYTES_MAX, LINKED_REQUESTS_MAX, LOCATIONS_PER_PROJECT_MAX,
    QUANTITIES_PER_PROJECT_MAX, TITLE_BYTES_MAX, WARRANTY_MONTHS_MAX,
};
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::role::{OrganisationKind, Role};
use crate::domain::validate::{
    at_most, distinct, optional_text, positive_cents, quantities, required_text,
};
use crate::domain::work_project::commands::plus_months;
use crate::domain::work_project::events::*;
use crate::domain::work_project::state::{WorkProject, WorkProjectStatus as S, WorkProjectStatus};
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::time::Timestamp;

impl WorkProject {
    #[expect(
        clippy::too_many_arguments,
        reason = "the command's fields, one argument each"
    )]
    pub(super) fn propose(
        &self,
        work_project_id: WorkProjectId,
        category: WorkCategory,
        title: &str,
        description: &str,
        compound_id: CompoundId,
        building_ids: &[BuildingId],
        unit_ids: &[UnitId],
        planned_quantities: &[Quantity],
        linked_request_ids: &[RequestId],
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        let directory = context.directory;
        if self.exists() {
            return Err(DomainError::AlreadyExists {
                what: "work project",
                id: work_project_id.to_string(),
            });
        }
        let title = required_text("title", title, TITLE_BYTES_MAX)?;
        let description = required_text("description", description, DESCRIPTION_BYTES_MAX)?;
        if !directory.compounds.contains_key(&compound_id) {
            return Err(not_found("compound", compound_id));
        }
        at_most(
            "building_ids",
            building_ids.len(),
            LOCATIONS_PER_PROJECT_MAX,
        )?;
        at_most("unit_ids", unit_ids.len(), LOCATIONS_PER_PROJECT_MAX)?;
        at_most(
            "linked_request_ids",
            linked_request_ids.len(),
            LINKED_REQUESTS_MAX,
        )?;
        for building in building_ids {
            let found = directory
                .buildings
                .get(building)
                .ok_or_else(|| not_found("building", building))?;
            if found.compound_id != compound_id {
                return Err(DomainError::InvalidInput {
                    field: "building_ids",
                    reason: format!("building {building} is not in the compound"),
                });
            }
        }
        for unit in unit_ids {
            let found = directory
                .units
                .get(unit)
                .ok_or_else(|| not_found("unit", unit))?;
            if found.compound_id != compound_id {
                return Err(DomainError::InvalidInput {
                    field: "unit_ids",
                    reason: format!("unit {unit} is not in the compound"),
                });
            }
        }
        if planned_quantities.is_empty() {
            return Err(DomainError::InvalidInput {
                field: "planned_quantities",
                reason: "a work project plans at least one quantity".into(),
            });
        }
        Ok(WorkProjectProposed {
            work_project_id,
            category,
            title,
            description,
            compound_id,
            building_ids: distinct("building_ids", building_ids)?,
            unit_ids: distinct("unit_ids", unit_ids)?,
            planned_quantities: quantities(
                "planned_quantities",
                planned_quantities,
                QUANTITIES_PER_PROJECT_MAX,
            )?,
            linked_request_ids: distinct("linked_request_ids", linked_request_ids)?,
            proposed_by_organisation_id: context.actor.organisation_id,
        }
        .into())
    }

    pub(super) fn approve(
        &self,
        work_project_id: WorkProjectId,
        decision_id: DecisionId,
        funding_source: FundingSource,
        budget_cents: i64,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Proposed], "be approved")?;
        let budget_cents = positive_cents("budget_cents", budget_cents)?;
        self.check_approval(decision_id, funding_source, budget_cents, context)?;
        Ok(WorkProjectApproved {
            work_project_id,
            decision_id,
            funding_source,
            budget_cents,
        }
        .into())
    }

    pub(super) fn contract(
        &self,
        work_project_id: WorkProjectId,
        contractor_organisation_id: OrganisationId,
        contract_reference: &str,
        contract_amount_cents: i64,
        planned_completion_at: Timestamp,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Approved], "be contracted")?;
        let kind = context
            .directory
            .organisation_kind(contractor_organisation_id)
            .ok_or_else(|| not_found("organisation", contractor_organisation_id))?;
        if !matches!(
            kind,
            OrganisationKind::Contractor | OrganisationKind::PropertyCompany
        ) {
            return Err(DomainError::InvalidInput {
                field: "contractor_organisation_id",
                reason: format!(
                    "an organisation of kind {} does not take contracts",
                    kind.as_str()
                ),
            });
        }
        let amount = positive_cents("contract_amount_cents", contract_amount_cents)?;
        if amount > self.budget_cents {
            return Err(DomainError::InvalidInput {
                field: "contract_amount_cents",
                reason: format!(
                    "{amount} exceeds the approved budget of {}",
                    self.budget_cents
                ),
            });
        }
        if planned_completion_at <= context.now {
            return Err(DomainError::DueBeforeDispatch {
                due_at: planned_completion_at,
                dispatched_at: context.now,
            });
        }
        Ok(WorkProjectContracted {
            work_project_id,
            contractor_organisation_id,
            contract_reference: required_text(
                "contract_reference",
                contract_reference,
                TITLE_BYTES_MAX,
            )?,
            contract_amount_cents: amount,
            planned_completion_at,
        }
        .into())
    }

    pub(super) fn start(
        &self,
        work_project_id: WorkProjectId,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Contracted], "start")?;
        self.require_site_organisation(context, "start the works")?;
        Ok(WorkProjectStarted { work_project_id }.into())
    }

    pub(super) fn record_progress(
        &self,
        work_project_id: WorkProjectId,
        milestone: &str,
        percent_complete: u8,
        quantities_done: &[Quantity],
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::InProgress], "record progress")?;
        self.require_site_organisation(context, "record progress")?;
        if percent_complete > 100 {
            return Err(DomainError::TooLarge {
                field: "percent_complete",
                value: i64::from(percent_complete),
                max: 100,
            });
        }
        Ok(WorkProjectProgressRecorded {
            work_project_id,
            milestone: required_text("milestone", milestone, TITLE_BYTES_MAX)?,
            percent_complete,
            quantities_done: quantities(
                "quantities_done",
                quantities_done,
                QUANTITIES_PER_PROJECT_MAX,
            )?,
        }
        .into())
    }

    pub(super) fn complete(
        &self,
        work_project_id: WorkProjectId,
        actual_quantities: &[Quantity],
        cost_cents: i64,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::InProgress], "be completed")?;
        self.require_site_organisation(context, "complete the works")?;
        if actual_quantities.is_empty() {
            return Err(DomainError::InvalidInput {
                field: "actual_quantities",
                reason: "a completion reports at least one quantity".into(),
            });
        }
        Ok(WorkProjectCompleted {
            work_project_id,
            actual_quantities: quantities(
                "actual_quantities",
                actual_quantities,
                QUANTITIES_PER_PROJECT_MAX,
            )?,
            cost_cents: positive_cents("cost_cents", cost_cents)?,
        }
        .into())
    }

    pub(super) fn pass_inspection(
        &self,
        work_project_id: WorkProjectId,
        report: &str,
        warranty_months: u16,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Completed], "pass inspection")?;
        self.require_independent_inspector(context)?;
        if warranty_months > WARRANTY_MONTHS_MAX {
            return Err(DomainError::TooLarge {
                field: "warranty_months",
                value: i64::from(warranty_months),
                max: i64::from(WARRANTY_MONTHS_MAX),
            });
        }
        Ok(WorkProjectInspectionPassed {
            work_project_id,
            inspector_account_id: context.actor.account_id,
            report: required_text("report", report, DESCRIPTION_BYTES_MAX)?,
            warranty_months,
            warranty_ends_at: plus_months(context.now, warranty_months),
        }
        .into())
    }

    pub(super) fn fail_inspection(
        &self,
        work_project_id: WorkProjectId,
        defects: &str,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Completed], "fail inspection")?;
        self.require_independent_inspector(context)?;
        Ok(WorkProjectInspectionFailed {
            work_project_id,
            inspector_account_id: context.actor.account_id,
            defects: required_text("defects", defects, DESCRIPTION_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn raise_warranty_claim(
        &self,
        work_project_id: WorkProjectId,
        description: &str,
        linked_request_id: Option<RequestId>,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::UnderWarranty], "take a warranty claim")?;
        if self.warranty_ends_at.is_none_or(|end| context.now >= end) {
            return Err(DomainError::WrongState {
                aggregate: "work project",
                state: "out of warranty",
                action: "take a warranty claim",
            });
        }
        Ok(WorkProjectWarrantyClaimRaised {
            work_project_id,
            claim_number: self.warranty_claims_raised + 1,
            description: required_text("description", description, DESCRIPTION_BYTES_MAX)?,
            linked_request_id,
        }
        .into())
    }

    pub(super) fn settle_warranty_claim(
        &self,
        work_project_id: WorkProjectId,
        claim_number: u32,
        note: &str,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::UnderWarranty], "settle a warranty claim")?;
        self.require_site_organisation(context, "settle a warranty claim")?;
        if !self.open_warranty_claims.contains(&claim_number) {
            return Err(not_found("open warranty claim", claim_number));
        }
        Ok(WorkProjectWarrantyClaimSettled {
            work_project_id,
            claim_number,
            note: optional_text("note", note, DESCRIPTION_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn close(
        &self,
        work_project_id: WorkProjectId,
        context: &Context<'_>,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::UnderWarranty], "be closed")?;
        if !self.open_warranty_claims.is_empty() {
            return Err(DomainError::WrongState {
                aggregate: "work project",
                state: "with open warranty claims",
                action: "be closed",
            });
        }
        if self.warranty_ends_at.is_some_and(|end| context.now < end) {
            return Err(DomainError::WrongState {
                aggregate: "work project",
                state: "under warranty",
                action: "be closed before the warranty ends",
            });
        }
        Ok(WorkProjectClosed { work_project_id }.into())
    }

    pub(super) fn cancel(
        &self,
        work_project_id: WorkProjectId,
        reason: &str,
    ) -> Result<WorkProjectEvent, DomainError> {
        self.require(&[S::Proposed, S::Approved, S::Contracted], "be cancelled")?;
        Ok(WorkProjectCancelled {
            work_project_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    fn require(
        &self,
        allowed: &[WorkProjectStatus],
        action: &'static str,
    ) -> Result<(), DomainError> {
        require_status(
            self.status,
            allowed,
            "work project",
            self.work_project_id,
            action,
        )
    }

    /// Site work is recorded by the contractor or by the organisation that runs the project.
    fn require_site_organisation(
        &self,
        context: &Context<'_>,
        action: &'static str,
    ) -> Result<(), DomainError> {
        let actor = context.actor.organisation_id;
        if Some(actor) == self.contractor_organisation_id
            || actor == self.proposed_by_organisation_id
        {
            Ok(())
        } else {
            Err(DomainError::NotResponsibleOrganisation {
                responsible: self
                    .contractor_organisation_id
                    .unwrap_or(self.proposed_by_organisation_id),
                action,
            })
        }
    }

    /// Inspectors must not belong to the contractor whose work they accept.
    fn require_independent_inspector(&self, context: &Context<'_>) -> Result<(), DomainError> {
        if context.actor.role != Role::Inspector {
            return Err(DomainError::RoleNotPermitted {
                role: context.actor.role.as_str(),
                action: "inspect works",
            });
        }
        if Some(context.actor.organisation_id) == self.contractor_organisation_id {
            return Err(DomainError::InvalidInput {
                field: "actor",
                reason: "the contractor cannot inspect its own work".into(),
            });
        }
        Ok(())
    }

    fn check_approval(
        &self,
        decision_id: DecisionId,
        funding_source: FundingSource,
        budget_cents: i64,
        context: &Context<'_>,
    ) -> Result<(), DomainError> {
        let refuse = |reason: &str| DomainError::NotAuthorisedByDecision {
            decision_id,
            reason: reason.to_string(),
        };
        let decision = context
            .related
            .decision
            .filter(|d| d.decision_id == decision_id && d.status != DecisionStatus::Unknown)
            .ok_or_else(|| not_found("decision", decision_id))?;
        if decision.status != DecisionStatus::Adopted {
            return Err(refuse(&format!(
                "it is {}, not adopted",
                decision.status.as_str()
            )));
        }
        let authorisation = decision
            .authorisations
            .iter()
            .find(|a| a.work_project_id == self.work_project_id)
            .ok_or_else(|| refuse("it does not name this work project"))?;
        if authorisation.funding_source != funding_source {
            return Err(refuse(&format!(
                "it authorises funding from {}, not {}",
                authorisation.funding_source.as_str(),
                funding_source.as_str()
            )));
        }
        if budget_cents > authorisation.budget_cents_max {
            return Err(refuse(&format!(
                "the budget of {budget_cents} cents exceeds the {} authorised",
                authorisation.budget_cents_max
            )));
        }
        if funding_source == FundingSource::MaintenanceFund
            && (!decision.voting_rule_is_owners() || decision.compound_id != Some(self.compound_id))
        {
            return Err(refuse(
                "the maintenance fund needs an owners' decision of this compound (Art. 278)",
            ));
        }
        Ok(())
    }
}

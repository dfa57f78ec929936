//! A work project folded from its stream.

use std::collections::BTreeSet;

use crate::domain::correction::{CorrectedField, FactCorrected};
use crate::domain::event::WorkProjectEvent;
use crate::domain::ids::{CompoundId, DecisionId, OrganisationId, WorkProjectId};
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum WorkProjectStatus {
    #[default]
    Unknown,
    Proposed,
    Approved,
    Contracted,
    /// On site (after start, or back after a failed inspection).
    InProgress,
    /// Reported done, awaiting inspection.
    Completed,
    /// Inspection passed; the warranty runs.
    UnderWarranty,
    Closed,
    Cancelled,
}

impl WorkProjectStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            WorkProjectStatus::Unknown => "unknown",
            WorkProjectStatus::Proposed => "proposed",
            WorkProjectStatus::Approved => "approved",
            WorkProjectStatus::Contracted => "contracted",
            WorkProjectStatus::InProgress => "in_progress",
            WorkProjectStatus::Completed => "completed",
            WorkProjectStatus::UnderWarranty => "under_warranty",
            WorkProjectStatus::Closed => "closed",
            WorkProjectStatus::Cancelled => "cancelled",
        }
    }

    /// The status a project has after `event`; `None` when the event leaves it as it was
    /// (progress, warranty claims). A failed inspection sends the works back on site.
    pub const fn after(event: &WorkProjectEvent) -> Option<WorkProjectStatus> {
        use WorkProjectStatus as S;
        Some(match event {
            WorkProjectEvent::WorkProjectProposed(_) => S::Proposed,
            WorkProjectEvent::WorkProjectApproved(_) => S::Approved,
            WorkProjectEvent::WorkProjectContracted(_) => S::Contracted,
            WorkProjectEvent::WorkProjectStarted(_) => S::InProgress,
            WorkProjectEvent::WorkProjectCompleted(_) => S::Completed,
            WorkProjectEvent::WorkProjectInspectionPassed(_) => S::UnderWarranty,
            WorkProjectEvent::WorkProjectInspectionFailed(_) => S::InProgress,
            WorkProjectEvent::WorkProjectClosed(_) => S::Closed,
            WorkProjectEvent::WorkProjectCancelled(_) => S::Cancelled,
            WorkProjectEvent::WorkProjectProgressRecorded(_)
            | WorkProjectEvent::WorkProjectWarrantyClaimRaised(_)
            | WorkProjectEvent::WorkProjectWarrantyClaimSettled(_) => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkProject {
    pub status: WorkProjectStatus,
    pub work_project_id: WorkProjectId,
    pub category: WorkCategory,
    pub compound_id: CompoundId,
    pub proposed_by_organisation_id: OrganisationId,
    pub planned_quantities: Vec<Quantity>,
    pub decision_id: Option<DecisionId>,
    pub funding_source: Option<FundingSource>,
    pub budget_cents: i64,
    pub contractor_organisation_id: Option<OrganisationId>,
    pub contract_amount_cents: i64,
    pub actual_quantities: Vec<Quantity>,
    pub cost_cents: i64,
    pub warranty_ends_at: Option<Timestamp>,
    pub warranty_claims_raised: u32,
    pub open_warranty_claims: BTreeSet<u32>,
    pub inspections_failed: u32,
}

impl Default for WorkProject {
    fn default() -> WorkProject {
        let nil = uuid::Uuid::nil();
        WorkProject {
            status: WorkProjectStatus::Unknown,
            work_project_id: WorkProjectId(nil),
            category: WorkCategory::OtherRepair,
            compound_id: CompoundId(nil),
            proposed_by_organisation_id: OrganisationId(nil),
            planned_quantities: Vec::new(),
            decision_id: None,
            funding_source: None,
            budget_cents: 0,
            contractor_organisation_id: None,
            contract_amount_cents: 0,
            actual_quantities: Vec::new(),
            cost_cents: 0,
            warranty_ends_at: None,
            warranty_claims_raised: 0,
            open_warranty_claims: BTreeSet::new(),
            inspections_failed: 0,
        }
    }
}

impl WorkProject {
    pub(super) fn apply_event(&mut self, event: &WorkProjectEvent) {
        if let Some(status) = WorkProjectStatus::after(event) {
            self.status = status;
        }
        match event {
            WorkProjectEvent::WorkProjectProposed(e) => {
                self.work_project_id = e.work_project_id;
                self.category = e.category;
                self.compound_id = e.compound_id;
                self.proposed_by_organisation_id = e.proposed_by_organisation_id;
                self.planned_quantities = e.planned_quantities.clone();
            }
            WorkProjectEvent::WorkProjectApproved(e) => {
                self.decision_id = Some(e.decision_id);
                self.funding_source = Some(e.funding_source);
                self.budget_cents = e.budget_cents;
            }
            WorkProjectEvent::WorkProjectContracted(e) => {
                self.contractor_organisation_id = Some(e.contractor_organisation_id);
                self.contract_amount_cents = e.contract_amount_cents;
            }
            WorkProjectEvent::WorkProjectStarted(_)
            | WorkProjectEvent::WorkProjectProgressRecorded(_) => {}
            WorkProjectEvent::WorkProjectCompleted(e) => {
                self.actual_quantities = e.actual_quantities.clone();
                self.cost_cents = e.cost_cents;
            }
            WorkProjectEvent::WorkProjectInspectionPassed(e) => {
                self.warranty_ends_at = Some(e.warranty_ends_at);
            }
            WorkProjectEvent::WorkProjectInspectionFailed(_) => {
                self.inspections_failed += 1;
            }
            WorkProjectEvent::WorkProjectWarrantyClaimRaised(e) => {
                self.warranty_claims_raised = self.warranty_claims_raised.max(e.claim_number);
                self.open_warranty_claims.insert(e.claim_number);
            }
            WorkProjectEvent::WorkProjectWarrantyClaimSettled(e) => {
                self.open_warranty_claims.remove(&e.claim_number);
            }
            WorkProjectEvent::WorkProjectClosed(_) | WorkProjectEvent::WorkProjectCancelled(_) => {}
        }
    }

    pub(super) fn apply_correction_of(
        &mut self,
        correction: &FactCorrected,
        corrected: &WorkProjectEvent,
    ) {
        for field in &correction.corrected {
            match (field, corrected) {
                (
                    CorrectedField::PlannedQuantities(q),
                    WorkProjectEvent::WorkProjectProposed(_),
                ) => {
                    self.planned_quantities = q.clone();
                }
                (CorrectedField::BudgetCents(cents), WorkProjectEvent::WorkProjectApproved(_)) => {
                    self.budget_cents = *cents;
                }
                (
                    CorrectedField::FundingSource(source),
                    WorkProjectEvent::WorkProjectApproved(_),
                ) => {
                    self.funding_source = Some(*source);
                }
                (
                    CorrectedField::ContractAmountCents(cents),
                    WorkProjectEvent::WorkProjectContracted(_),
                ) => self.contract_amount_cents = *cents,
                (
                    CorrectedField::ActualQuantities(q),
                    WorkProjectEvent::WorkProjectCompleted(_),
                ) => {
                    self.actual_quantities = q.clone();
                }
                (CorrectedField::CostCents(cents), WorkProjectEvent::WorkProjectCompleted(_)) => {
                    self.cost_cents = *cents;
                }
                _ => {}
            }
        }
    }
}

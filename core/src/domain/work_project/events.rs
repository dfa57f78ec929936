//! Events of a work project's stream (`work-<uuid>`).

use serde::{Deserialize, Serialize};

use crate::domain::ids::{
    AccountId, BuildingId, CompoundId, DecisionId, OrganisationId, RequestId, UnitId, WorkProjectId,
};
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::time::Timestamp;

/// A work project was proposed, linked to the requests that raised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectProposed {
    pub work_project_id: WorkProjectId,
    pub category: WorkCategory,
    pub title: String,
    pub description: String,
    pub compound_id: CompoundId,
    pub building_ids: Vec<BuildingId>,
    pub unit_ids: Vec<UnitId>,
    pub planned_quantities: Vec<Quantity>,
    pub linked_request_ids: Vec<RequestId>,
    /// The organisation that proposes it (owners' committee, property company, grid branch).
    pub proposed_by_organisation_id: OrganisationId,
}

/// An adopted decision approved the project with a funding source and a budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectApproved {
    pub work_project_id: WorkProjectId,
    pub decision_id: DecisionId,
    pub funding_source: FundingSource,
    pub budget_cents: i64,
}

/// A contractor was engaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectContracted {
    pub work_project_id: WorkProjectId,
    pub contractor_organisation_id: OrganisationId,
    pub contract_reference: String,
    pub contract_amount_cents: i64,
    pub planned_completion_at: Timestamp,
}

/// Work began on site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectStarted {
    pub work_project_id: WorkProjectId,
}

/// Progress or a milestone on site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectProgressRecorded {
    pub work_project_id: WorkProjectId,
    pub milestone: String,
    /// 0..=100.
    pub percent_complete: u8,
    /// Quantities delivered so far (cumulative).
    pub quantities_done: Vec<Quantity>,
}

/// The contractor reports the work done, with actual quantities and cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectCompleted {
    pub work_project_id: WorkProjectId,
    pub actual_quantities: Vec<Quantity>,
    pub cost_cents: i64,
}

/// The inspection accepted the work (验收); the warranty runs until `warranty_ends_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectInspectionPassed {
    pub work_project_id: WorkProjectId,
    pub inspector_account_id: AccountId,
    pub report: String,
    pub warranty_months: u16,
    pub warranty_ends_at: Timestamp,
}

/// The inspection rejected the work; it goes back on site for rework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectInspectionFailed {
    pub work_project_id: WorkProjectId,
    pub inspector_account_id: AccountId,
    pub defects: String,
}

/// A defect was reported under warranty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectWarrantyClaimRaised {
    pub work_project_id: WorkProjectId,
    /// Numbered from 1 within the project.
    pub claim_number: u32,
    pub description: String,
    pub linked_request_id: Option<RequestId>,
}

/// A warranty defect was remedied by the contractor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectWarrantyClaimSettled {
    pub work_project_id: WorkProjectId,
    pub claim_number: u32,
    pub note: String,
}

/// The project is closed (warranty over, no open claims).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectClosed {
    pub work_project_id: WorkProjectId,
}

/// The project was abandoned before work began (not approved, no funds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkProjectCancelled {
    pub work_project_id: WorkProjectId,
    pub reason: String,
}

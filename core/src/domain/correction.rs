//! Corrections: a recorded fact is never edited; a `FactCorrected` event in the same stream
//! names the event it corrects, says why, and restates the corrected fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::location::Location;
use crate::domain::mediation::vocabulary::DisputeType;
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::request::vocabulary::{Outcome, RequestCategory, RequestKind};
use crate::time::Timestamp;

/// One corrected field with its right value. Declaration order is part of the payload
/// format: add variants at the end only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CorrectedField {
    Description(String),
    Title(String),
    RequestKind(RequestKind),
    RequestCategory(RequestCategory),
    Location(Location),
    Outcome(Outcome),
    DueAt(Timestamp),
    /// When the corrected event really happened (a back-filled paper record, a typo).
    OccurredAt(Timestamp),
    PlannedQuantities(Vec<Quantity>),
    ActualQuantities(Vec<Quantity>),
    BudgetCents(i64),
    CostCents(i64),
    ContractAmountCents(i64),
    FundingSource(FundingSource),
    FloorAreaDm2(u64),
    DisputeType(DisputeType),
    Note(String),
}

impl CorrectedField {
    pub const fn name(&self) -> &'static str {
        match self {
            CorrectedField::Description(_) => "description",
            CorrectedField::Title(_) => "title",
            CorrectedField::RequestKind(_) => "request_kind",
            CorrectedField::RequestCategory(_) => "request_category",
            CorrectedField::Location(_) => "location",
            CorrectedField::Outcome(_) => "outcome",
            CorrectedField::DueAt(_) => "due_at",
            CorrectedField::OccurredAt(_) => "occurred_at",
            CorrectedField::PlannedQuantities(_) => "planned_quantities",
            CorrectedField::ActualQuantities(_) => "actual_quantities",
            CorrectedField::BudgetCents(_) => "budget_cents",
            CorrectedField::CostCents(_) => "cost_cents",
            CorrectedField::ContractAmountCents(_) => "contract_amount_cents",
            CorrectedField::FundingSource(_) => "funding_source",
            CorrectedField::FloorAreaDm2(_) => "floor_area_dm2",
            CorrectedField::DisputeType(_) => "dispute_type",
            CorrectedField::Note(_) => "note",
        }
    }
}

/// A correction of an earlier event of the same stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactCorrected {
    pub corrects_event_id: Uuid,
    pub reason: String,
    pub corrected: Vec<CorrectedField>,
}

//! Corrections: a recorded fact is never edited; a `FactCorrected` event in the same stream
//! names the event it corrects, says why, and restates the corrected fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::error::DomainError;
use crate::domain::limits::{
    CORRECTED_FIELDS_MAX, DESCRIPTION_BYTES_MAX, QUANTITIES_PER_PROJECT_MAX, TITLE_BYTES_MAX,
    UNIT_FLOOR_AREA_DM2_MAX,
};
use crate::domain::location::Location;
use crate::domain::mediation::vocabulary::DisputeType;
use crate::domain::quantity::{FundingSource, Quantity};
use crate::domain::request::vocabulary::{Outcome, RequestCategory, RequestKind};
use crate::domain::validate::{at_most, positive_cents, quantities, required_text};
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

/// The command: correct an event of the target stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectFact {
    pub corrects_event_id: Uuid,
    pub reason: String,
    pub corrected: Vec<CorrectedField>,
}

/// Whether a field may be corrected on an event of this type. `OccurredAt` and `Note` apply
/// to every event; the rest to the events that state them.
pub fn field_applies(field: &CorrectedField, event_type: &str) -> bool {
    match field {
        CorrectedField::OccurredAt(_) | CorrectedField::Note(_) => true,
        CorrectedField::Description(_) => matches!(
            event_type,
            "RequestReceived" | "WorkProjectProposed" | "WorkProjectWarrantyClaimRaised"
        ),
        CorrectedField::Title(_) => {
            matches!(event_type, "WorkProjectProposed" | "DecisionProposed")
        }
        CorrectedField::RequestKind(_) => event_type == "RequestReceived",
        CorrectedField::RequestCategory(_) => matches!(
            event_type,
            "RequestReceived" | "RequestAccepted" | "RequestDispatched"
        ),
        CorrectedField::Location(_) => {
            matches!(event_type, "RequestReceived" | "MediationRegistered")
        }
        CorrectedField::Outcome(_) => event_type == "RequestResolved",
        CorrectedField::DueAt(_) => {
            matches!(event_type, "RequestDispatched" | "RequestEscalated")
        }
        CorrectedField::PlannedQuantities(_) => event_type == "WorkProjectProposed",
        CorrectedField::ActualQuantities(_) | CorrectedField::CostCents(_) => {
            event_type == "WorkProjectCompleted"
        }
        CorrectedField::BudgetCents(_) | CorrectedField::FundingSource(_) => {
            event_type == "WorkProjectApproved"
        }
        CorrectedField::ContractAmountCents(_) => event_type == "WorkProjectContracted",
        CorrectedField::FloorAreaDm2(_) => event_type == "UnitRegistered",
        CorrectedField::DisputeType(_) => event_type == "MediationRegistered",
    }
}

/// Decides a correction of an event of type `corrected_event_type` (`None`: the id is not an
/// event of the stream).
pub fn decide_correction(
    command: &CorrectFact,
    corrected_event_type: Option<&str>,
) -> Result<FactCorrected, DomainError> {
    let event_type = corrected_event_type.ok_or_else(|| DomainError::NotFound {
        what: "event in this stream",
        id: command.corrects_event_id.to_string(),
    })?;
    let reason = required_text("reason", &command.reason, TITLE_BYTES_MAX)?;
    if command.corrected.is_empty() {
        return Err(DomainError::InvalidInput {
            field: "corrected",
            reason: "a correction restates at least one field".into(),
        });
    }
    at_most("corrected", command.corrected.len(), CORRECTED_FIELDS_MAX)?;
    let mut names = std::collections::BTreeSet::new();
    let mut corrected = Vec::with_capacity(command.corrected.len());
    for field in &command.corrected {
        if !names.insert(field.name()) {
            return Err(DomainError::InvalidInput {
                field: "corrected",
                reason: format!("{} is restated twice", field.name()),
            });
        }
        if !field_applies(field, event_type) {
            return Err(DomainError::InvalidInput {
                field: "corrected",
                reason: format!("{event_type} has no field {}", field.name()),
            });
        }
        corrected.push(clean_field(field)?);
    }
    Ok(FactCorrected {
        corrects_event_id: command.corrects_event_id,
        reason,
        corrected,
    })
}

fn clean_field(field: &CorrectedField) -> Result<CorrectedField, DomainError> {
    Ok(match field {
        CorrectedField::Description(text) => {
            CorrectedField::Description(required_text("description", text, DESCRIPTION_BYTES_MAX)?)
        }
        CorrectedField::Title(text) => {
            CorrectedField::Title(required_text("title", text, TITLE_BYTES_MAX)?)
        }
        CorrectedField::Note(text) => {
            CorrectedField::Note(required_text("note", text, DESCRIPTION_BYTES_MAX)?)
        }
        CorrectedField::PlannedQuantities(list) => CorrectedField::PlannedQuantities(quantities(
            "planned_quantities",
            list,
            QUANTITIES_PER_PROJECT_MAX,
        )?),
        CorrectedField::ActualQuantities(list) => CorrectedField::ActualQuantities(quantities(
            "actual_quantities",
            list,
            QUANTITIES_PER_PROJECT_MAX,
        )?),
        CorrectedField::BudgetCents(cents) => {
            CorrectedField::BudgetCents(positive_cents("budget_cents", *cents)?)
        }
        CorrectedField::CostCents(cents) => {
            CorrectedField::CostCents(positive_cents("cost_cents", *cents)?)
        }
        CorrectedField::ContractAmountCents(cents) => {
            CorrectedField::ContractAmountCents(positive_cents("contract_amount_cents", *cents)?)
        }
        CorrectedField::FloorAreaDm2(area) => {
            if *area == 0 || *area > UNIT_FLOOR_AREA_DM2_MAX {
                return Err(DomainError::InvalidInput {
                    field: "floor_area_dm2",
                    reason: format!("must lie in 1..={UNIT_FLOOR_AREA_DM2_MAX}"),
                });
            }
            CorrectedField::FloorAreaDm2(*area)
        }
        CorrectedField::OccurredAt(at) if !at.is_plausible() => {
            return Err(DomainError::InvalidInput {
                field: "occurred_at",
                reason: format!("{at} is outside 1900..2200"),
            });
        }
        other => other.clone(),
    })
}

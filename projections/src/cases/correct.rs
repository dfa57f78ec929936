//! Applies a `FactCorrected` event to the case it corrects: the corrected fields take their
//! right values, and the case counts the correction. Fields a view does not show (notes) are
//! only counted.

use govledger_core::domain::correction::{CorrectedField, FactCorrected};

use crate::cases::view::{CaseDetails, CaseView};

pub(crate) fn correct(view: &mut CaseView, correction: &FactCorrected) {
    view.correction_count += 1;
    for field in &correction.corrected {
        match (field, &mut view.details) {
            (CorrectedField::Description(text) | CorrectedField::Title(text), _) => {
                view.title = text.clone();
            }
            (CorrectedField::RequestCategory(category), CaseDetails::Request(_)) => {
                view.category = category.as_str().into();
            }
            (CorrectedField::RequestKind(kind), CaseDetails::Request(details)) => {
                details.request_kind = kind.as_str().into();
            }
            (CorrectedField::DisputeType(dispute), CaseDetails::Mediation(_)) => {
                view.category = dispute.as_str().into();
            }
            (CorrectedField::Location(location), _) => {
                view.compound_id = location.compound_id.map(|id| id.0);
                view.building_ids = location.building_id.map(|id| id.0).into_iter().collect();
                view.unit_ids = location.unit_id.map(|id| id.0).into_iter().collect();
            }
            (CorrectedField::Outcome(outcome), CaseDetails::Request(details)) => {
                details.outcome = Some(outcome.as_str().into());
            }
            (CorrectedField::DueAt(due_at), _) => view.due_at = Some(*due_at),
            (CorrectedField::PlannedQuantities(quantities), CaseDetails::WorkProject(details)) => {
                details.planned_quantities = quantities.clone();
            }
            (CorrectedField::ActualQuantities(quantities), CaseDetails::WorkProject(details)) => {
                details.delivered_quantities = quantities.clone();
            }
            (CorrectedField::BudgetCents(cents), CaseDetails::WorkProject(details)) => {
                details.budget_cents = Some(*cents);
            }
            (CorrectedField::CostCents(cents), CaseDetails::WorkProject(details)) => {
                details.cost_cents = Some(*cents);
            }
            (CorrectedField::ContractAmountCents(cents), CaseDetails::WorkProject(details)) => {
                details.contract_amount_cents = Some(*cents);
            }
            (CorrectedField::FundingSource(source), CaseDetails::WorkProject(details)) => {
                details.funding_source = Some(source.as_str().into());
            }
            _ => {}
        }
    }
}

//! Folds work-project events into a `CaseView`.

use govledger_core::domain::event::WorkProjectEvent;
use govledger_core::domain::work_project::WorkProjectStatus;
use govledger_core::event::RecordedEvent;

use crate::cases::view::{
    CaseDetails, CaseKind, CaseView, INSPECTIONS_KEPT, InspectionView, WorkProjectDetails,
};
use crate::error::ApplyError;

pub(crate) fn work_project_id(event: &WorkProjectEvent) -> uuid::Uuid {
    match event {
        WorkProjectEvent::WorkProjectProposed(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectApproved(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectContracted(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectStarted(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectProgressRecorded(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectCompleted(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectInspectionPassed(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectInspectionFailed(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectWarrantyClaimRaised(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectWarrantyClaimSettled(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectClosed(e) => e.work_project_id.0,
        WorkProjectEvent::WorkProjectCancelled(e) => e.work_project_id.0,
    }
}

pub(crate) fn fold(
    view: Option<CaseView>,
    event: &WorkProjectEvent,
    recorded: &RecordedEvent,
) -> Result<CaseView, ApplyError> {
    let at = recorded.occurred_at;
    if let WorkProjectEvent::WorkProjectProposed(e) = event {
        if view.is_some() {
            return Err(ApplyError::Inconsistent(format!(
                "work project {} was proposed twice",
                e.work_project_id
            )));
        }
        return Ok(CaseView {
            kind: CaseKind::WorkProject,
            case_id: e.work_project_id.0,
            status: WorkProjectStatus::Proposed.as_str().into(),
            category: e.category.as_str().into(),
            title: e.title.clone(),
            compound_id: Some(e.compound_id.0),
            building_ids: e.building_ids.iter().map(|id| id.0).collect(),
            unit_ids: e.unit_ids.iter().map(|id| id.0).collect(),
            responsible_organisation_id: Some(e.proposed_by_organisation_id.0),
            opened_at: at,
            updated_at: at,
            closed_at: None,
            due_at: None,
            awaiting_outcome: false,
            first_position: recorded.position,
            last_position: recorded.position,
            event_count: 1,
            correction_count: 0,
            details: CaseDetails::WorkProject(WorkProjectDetails {
                proposed_by_organisation_id: e.proposed_by_organisation_id.0,
                linked_request_ids: e.linked_request_ids.iter().map(|id| id.0).collect(),
                planned_quantities: e.planned_quantities.clone(),
                delivered_quantities: Vec::new(),
                decision_id: None,
                funding_source: None,
                budget_cents: None,
                contractor_organisation_id: None,
                contract_reference: None,
                contract_amount_cents: None,
                cost_cents: None,
                percent_complete: 0,
                approved_at: None,
                started_at: None,
                completed_at: None,
                inspections: Vec::new(),
                inspection_count: 0,
                warranty_ends_at: None,
                warranty_claims_open: 0,
            }),
        });
    }
    let id = work_project_id(event);
    let mut view = view.ok_or_else(|| {
        ApplyError::Inconsistent(format!(
            "work project {id} has events but was never proposed"
        ))
    })?;
    let CaseDetails::WorkProject(details) = &mut view.details else {
        return Err(ApplyError::Inconsistent(format!(
            "case {id} is not a work project"
        )));
    };
    // The status is the domain's own (one lifecycle, `WorkProjectStatus::after`).
    if let Some(status) = WorkProjectStatus::after(event) {
        view.status = status.as_str().into();
    }
    match event {
        WorkProjectEvent::WorkProjectProposed(_) => {}
        WorkProjectEvent::WorkProjectApproved(e) => {
            details.decision_id = Some(e.decision_id.0);
            details.funding_source = Some(e.funding_source.as_str().into());
            details.budget_cents = Some(e.budget_cents);
            details.approved_at = Some(at);
        }
        WorkProjectEvent::WorkProjectContracted(e) => {
            view.responsible_organisation_id = Some(e.contractor_organisation_id.0);
            view.due_at = Some(e.planned_completion_at);
            view.awaiting_outcome = true;
            details.contractor_organisation_id = Some(e.contractor_organisation_id.0);
            details.contract_reference = Some(e.contract_reference.clone());
            details.contract_amount_cents = Some(e.contract_amount_cents);
        }
        WorkProjectEvent::WorkProjectStarted(_) => {
            details.started_at = Some(at);
        }
        WorkProjectEvent::WorkProjectProgressRecorded(e) => {
            details.percent_complete = e.percent_complete;
            details.delivered_quantities = e.quantities_done.clone();
        }
        WorkProjectEvent::WorkProjectCompleted(e) => {
            view.awaiting_outcome = false;
            details.percent_complete = 100;
            details.delivered_quantities = e.actual_quantities.clone();
            details.cost_cents = Some(e.cost_cents);
            details.completed_at = Some(at);
        }
        WorkProjectEvent::WorkProjectInspectionPassed(e) => {
            details.warranty_ends_at = Some(e.warranty_ends_at);
            keep_inspection(
                details,
                InspectionView {
                    passed: true,
                    inspector_account_id: e.inspector_account_id.0,
                    at,
                    position: recorded.position,
                    note: e.report.clone(),
                },
            );
        }
        WorkProjectEvent::WorkProjectInspectionFailed(e) => {
            view.awaiting_outcome = true;
            keep_inspection(
                details,
                InspectionView {
                    passed: false,
                    inspector_account_id: e.inspector_account_id.0,
                    at,
                    position: recorded.position,
                    note: e.defects.clone(),
                },
            );
        }
        WorkProjectEvent::WorkProjectWarrantyClaimRaised(_) => {
            details.warranty_claims_open += 1;
        }
        WorkProjectEvent::WorkProjectWarrantyClaimSettled(_) => {
            details.warranty_claims_open = details.warranty_claims_open.saturating_sub(1);
        }
        WorkProjectEvent::WorkProjectClosed(_) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
        }
        WorkProjectEvent::WorkProjectCancelled(_) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
        }
    }
    Ok(view)
}

/// Counts `inspection` and keeps it, dropping the oldest beyond `INSPECTIONS_KEPT`.
fn keep_inspection(details: &mut WorkProjectDetails, inspection: InspectionView) {
    details.inspection_count = details.inspection_count.saturating_add(1);
    if details.inspections.len() >= INSPECTIONS_KEPT {
        details.inspections.remove(0);
    }
    details.inspections.push(inspection);
}

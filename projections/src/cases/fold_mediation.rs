//! Folds mediation events into a `CaseView`.

use govledger_core::domain::event::MediationEvent;
use govledger_core::domain::mediation::MediationStatus;
use govledger_core::domain::mediation::vocabulary::AgreementForm;
use govledger_core::event::RecordedEvent;

use crate::cases::view::{CaseDetails, CaseKind, CaseView, MediationDetails};
use crate::error::ApplyError;

pub(crate) fn mediation_id(event: &MediationEvent) -> uuid::Uuid {
    match event {
        MediationEvent::MediationRegistered(e) => e.mediation_id.0,
        MediationEvent::MediationAccepted(e) => e.mediation_id.0,
        MediationEvent::MediationDeclined(e) => e.mediation_id.0,
        MediationEvent::MediationSessionHeld(e) => e.mediation_id.0,
        MediationEvent::MediationAgreementReached(e) => e.mediation_id.0,
        MediationEvent::MediationFailed(e) => e.mediation_id.0,
        MediationEvent::MediationPerformanceFollowedUp(e) => e.mediation_id.0,
        MediationEvent::MediationArchived(e) => e.mediation_id.0,
    }
}

pub(crate) fn fold(
    view: Option<CaseView>,
    event: &MediationEvent,
    recorded: &RecordedEvent,
) -> Result<CaseView, ApplyError> {
    let at = recorded.occurred_at;
    if let MediationEvent::MediationRegistered(e) = event {
        if view.is_some() {
            return Err(ApplyError::Inconsistent(format!(
                "mediation {} was registered twice",
                e.mediation_id
            )));
        }
        return Ok(CaseView {
            kind: CaseKind::Mediation,
            case_id: e.mediation_id.0,
            status: MediationStatus::Registered.as_str().into(),
            category: e.dispute_type.as_str().into(),
            title: e.summary.clone(),
            compound_id: e.location.compound_id.map(|id| id.0),
            building_ids: e.location.building_id.map(|id| id.0).into_iter().collect(),
            unit_ids: e.location.unit_id.map(|id| id.0).into_iter().collect(),
            responsible_organisation_id: Some(e.mediation_committee_id.0),
            opened_at: at,
            updated_at: at,
            closed_at: None,
            due_at: None,
            awaiting_outcome: false,
            first_position: recorded.position,
            last_position: recorded.position,
            event_count: 1,
            correction_count: 0,
            details: CaseDetails::Mediation(MediationDetails {
                source: e.source.as_str().into(),
                referred_by_organisation_id: e.referred_by_organisation_id.map(|id| id.0),
                party_count: u32::try_from(e.parties.len()).unwrap_or(u32::MAX),
                mediator_account_id: None,
                session_count: 0,
                agreement_form: None,
                agreement_terms: None,
                concluded_at: None,
                performance: None,
                archive_reference: None,
            }),
        });
    }
    let id = mediation_id(event);
    let mut view = view.ok_or_else(|| {
        ApplyError::Inconsistent(format!(
            "mediation {id} has events but was never registered"
        ))
    })?;
    let CaseDetails::Mediation(details) = &mut view.details else {
        return Err(ApplyError::Inconsistent(format!(
            "case {id} is not a mediation"
        )));
    };
    // The status is the domain's own (one lifecycle, `MediationStatus::after`).
    if let Some(status) = MediationStatus::after(event) {
        view.status = status.as_str().into();
    }
    match event {
        MediationEvent::MediationRegistered(_) => {}
        MediationEvent::MediationAccepted(e) => {
            view.due_at = Some(e.target_finish_at);
            view.awaiting_outcome = true;
            details.mediator_account_id = Some(e.mediator_account_id.0);
        }
        MediationEvent::MediationDeclined(_) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
            details.concluded_at = Some(at);
        }
        MediationEvent::MediationSessionHeld(e) => {
            details.session_count = details.session_count.max(e.session_number);
            details.mediator_account_id = Some(e.mediator_account_id.0);
        }
        MediationEvent::MediationAgreementReached(e) => {
            view.awaiting_outcome = false;
            details.agreement_form = Some(
                match e.form {
                    AgreementForm::Written => "written",
                    AgreementForm::Oral => "oral",
                }
                .into(),
            );
            details.agreement_terms = Some(e.terms.clone());
            details.concluded_at = Some(at);
        }
        MediationEvent::MediationFailed(_) => {
            view.awaiting_outcome = false;
            details.concluded_at = Some(at);
        }
        MediationEvent::MediationPerformanceFollowedUp(e) => {
            details.performance = Some(e.performance.as_str().into());
        }
        MediationEvent::MediationArchived(e) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
            details.archive_reference = Some(e.archive_reference.clone());
        }
    }
    Ok(view)
}

//! Folds decision events into a `CaseView`.

use govledger_core::domain::decision::DecisionStatus;
use govledger_core::domain::event::DecisionEvent;
use govledger_core::event::RecordedEvent;

use crate::cases::view::{AuthorisationView, CaseDetails, CaseKind, CaseView, DecisionDetails};
use crate::error::ApplyError;

pub(crate) fn decision_id(event: &DecisionEvent) -> uuid::Uuid {
    match event {
        DecisionEvent::DecisionProposed(e) => e.decision_id.0,
        DecisionEvent::DecisionVotingOpened(e) => e.decision_id.0,
        DecisionEvent::DecisionBallotCast(e) => e.decision_id.0,
        DecisionEvent::DecisionTallied(e) => e.decision_id.0,
        DecisionEvent::DecisionAdopted(e) => e.decision_id.0,
        DecisionEvent::DecisionFailed(e) => e.decision_id.0,
        DecisionEvent::DecisionPublished(e) => e.decision_id.0,
        DecisionEvent::DecisionWithdrawn(e) => e.decision_id.0,
    }
}

pub(crate) fn fold(
    view: Option<CaseView>,
    event: &DecisionEvent,
    recorded: &RecordedEvent,
) -> Result<CaseView, ApplyError> {
    let at = recorded.occurred_at;
    if let DecisionEvent::DecisionProposed(e) = event {
        if view.is_some() {
            return Err(ApplyError::Inconsistent(format!(
                "decision {} was proposed twice",
                e.decision_id
            )));
        }
        return Ok(CaseView {
            kind: CaseKind::Decision,
            case_id: e.decision_id.0,
            status: DecisionStatus::Proposed.as_str().into(),
            category: e.matter.as_str().into(),
            title: e.title.clone(),
            compound_id: e.compound_id.map(|id| id.0),
            building_ids: Vec::new(),
            unit_ids: Vec::new(),
            responsible_organisation_id: Some(e.body_organisation_id.0),
            opened_at: at,
            updated_at: at,
            closed_at: None,
            due_at: None,
            awaiting_outcome: false,
            first_position: recorded.position,
            last_position: recorded.position,
            event_count: 1,
            correction_count: 0,
            details: CaseDetails::Decision(DecisionDetails {
                body_kind: e.body_kind.as_str().into(),
                voting_rule: e.voting_rule.as_str().into(),
                text: e.text.clone(),
                authorisations: e
                    .authorisations
                    .iter()
                    .map(|a| AuthorisationView {
                        work_project_id: a.work_project_id.0,
                        funding_source: a.funding_source.as_str().into(),
                        budget_cents_max: a.budget_cents_max,
                    })
                    .collect(),
                linked_request_ids: e.linked_request_ids.iter().map(|id| id.0).collect(),
                voting_closes_at: None,
                ballot_count: 0,
                tally: None,
                failure: None,
                decided_at: None,
                published_at: None,
            }),
        });
    }
    let id = decision_id(event);
    let mut view = view.ok_or_else(|| {
        ApplyError::Inconsistent(format!("decision {id} has events but was never proposed"))
    })?;
    let CaseDetails::Decision(details) = &mut view.details else {
        return Err(ApplyError::Inconsistent(format!(
            "case {id} is not a decision"
        )));
    };
    // The status is the domain's own (one lifecycle, `DecisionStatus::after`).
    if let Some(status) = DecisionStatus::after(event) {
        view.status = status.as_str().into();
    }
    match event {
        DecisionEvent::DecisionProposed(_) => {}
        DecisionEvent::DecisionVotingOpened(e) => {
            details.voting_closes_at = Some(e.closes_at);
        }
        DecisionEvent::DecisionBallotCast(_) => details.ballot_count += 1,
        DecisionEvent::DecisionTallied(e) => {
            details.tally = Some(e.tally);
        }
        DecisionEvent::DecisionAdopted(_) => {
            view.closed_at = Some(at);
            details.decided_at = Some(at);
        }
        DecisionEvent::DecisionFailed(e) => {
            view.closed_at = Some(at);
            details.decided_at = Some(at);
            details.failure = Some(e.failure.as_str().into());
        }
        // Published keeps the verdict as the status; `published_at` says it was made public.
        DecisionEvent::DecisionPublished(_) => details.published_at = Some(at),
        DecisionEvent::DecisionWithdrawn(_) => {
            view.closed_at = Some(at);
        }
    }
    Ok(view)
}

//! Folds service-request events into a `CaseView`.

use govledger_core::domain::event::RequestEvent;
use govledger_core::domain::request::RequestStatus;
use govledger_core::domain::request::vocabulary::FollowUpResolution;
use govledger_core::event::RecordedEvent;

use crate::cases::view::{CaseDetails, CaseKind, CaseView, RequestDetails};
use crate::error::ApplyError;

pub(crate) fn request_id(event: &RequestEvent) -> uuid::Uuid {
    match event {
        RequestEvent::RequestReceived(e) => e.request_id.0,
        RequestEvent::RequestAccepted(e) => e.request_id.0,
        RequestEvent::RequestRejected(e) => e.request_id.0,
        RequestEvent::RequestMerged(e) => e.request_id.0,
        RequestEvent::RequestDispatched(e) => e.request_id.0,
        RequestEvent::RequestSentBack(e) => e.request_id.0,
        RequestEvent::RequestWorkStarted(e) => e.request_id.0,
        RequestEvent::RequestResolved(e) => e.request_id.0,
        RequestEvent::RequestFollowedUp(e) => e.request_id.0,
        RequestEvent::RequestClosed(e) => e.request_id.0,
        RequestEvent::RequestReopened(e) => e.request_id.0,
        RequestEvent::RequestEscalated(e) => e.request_id.0,
    }
}

/// The view after `event`; `view` is `None` only for `RequestReceived`.
pub(crate) fn fold(
    view: Option<CaseView>,
    event: &RequestEvent,
    recorded: &RecordedEvent,
) -> Result<CaseView, ApplyError> {
    let at = recorded.occurred_at;
    if let RequestEvent::RequestReceived(e) = event {
        if view.is_some() {
            return Err(ApplyError::Inconsistent(format!(
                "request {} was received twice",
                e.request_id
            )));
        }
        return Ok(CaseView {
            kind: CaseKind::Request,
            case_id: e.request_id.0,
            status: RequestStatus::Received.as_str().into(),
            category: e.category.as_str().into(),
            title: e.description.clone(),
            compound_id: e.location.compound_id.map(|id| id.0),
            building_ids: e.location.building_id.map(|id| id.0).into_iter().collect(),
            unit_ids: e.location.unit_id.map(|id| id.0).into_iter().collect(),
            responsible_organisation_id: None,
            opened_at: at,
            updated_at: at,
            closed_at: None,
            due_at: None,
            awaiting_outcome: false,
            first_position: recorded.position,
            last_position: recorded.position,
            event_count: 1,
            correction_count: 0,
            details: CaseDetails::Request(RequestDetails::received(
                e.kind.as_str().into(),
                e.channel.as_str().into(),
                e.requester_id.map(|id| id.0),
                e.received_by_organisation_id.map(|id| id.0),
            )),
        });
    }
    let id = request_id(event);
    let mut view = view.ok_or_else(|| {
        ApplyError::Inconsistent(format!("request {id} has events but was never received"))
    })?;
    let CaseDetails::Request(details) = &mut view.details else {
        return Err(ApplyError::Inconsistent(format!(
            "case {id} is not a request"
        )));
    };
    // The status is the domain's own (one lifecycle, `RequestStatus::after`).
    if let Some(status) = RequestStatus::after(event) {
        view.status = status.as_str().into();
    }
    match event {
        RequestEvent::RequestReceived(_) => {}
        RequestEvent::RequestAccepted(e) => {
            view.category = e.category.as_str().into();
        }
        RequestEvent::RequestRejected(_) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
        }
        RequestEvent::RequestMerged(e) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
            details.merged_into_request_id = Some(e.into_request_id.0);
        }
        RequestEvent::RequestDispatched(e) => {
            view.category = e.category.as_str().into();
            view.responsible_organisation_id = Some(e.organisation_id.0);
            view.due_at = Some(e.due_at);
            view.awaiting_outcome = true;
            details.dispatched_at = Some(at);
            details.response_due_at = Some(e.response_due_at);
            details.first_response_at = None;
            details.escalation_level = 0;
        }
        RequestEvent::RequestSentBack(_) => {
            view.awaiting_outcome = false;
            details.send_back_count += 1;
            details.first_response_at.get_or_insert(at);
        }
        RequestEvent::RequestWorkStarted(_) => {
            details.first_response_at.get_or_insert(at);
        }
        RequestEvent::RequestResolved(e) => {
            view.awaiting_outcome = false;
            details.first_response_at.get_or_insert(at);
            details.resolved_at = Some(at);
            details.outcome = Some(e.outcome.as_str().into());
            details.work_project_id = e.work_project_id.map(|id| id.0).or(details.work_project_id);
        }
        RequestEvent::RequestFollowedUp(e) => {
            details.follow_up_resolution = Some(
                match e.resolution {
                    FollowUpResolution::Resolved => "resolved",
                    FollowUpResolution::NotResolved => "not_resolved",
                    FollowUpResolution::RequesterUnreachable => "requester_unreachable",
                }
                .into(),
            );
            details.satisfaction = Some(satisfaction_name(e.satisfaction).into());
        }
        RequestEvent::RequestClosed(e) => {
            view.closed_at = Some(at);
            view.awaiting_outcome = false;
            details.outcome = Some(e.outcome.as_str().into());
        }
        RequestEvent::RequestReopened(_) => {
            view.closed_at = None;
            view.awaiting_outcome = false;
            details.reopen_count += 1;
        }
        RequestEvent::RequestEscalated(e) => {
            view.due_at = Some(e.new_due_at);
            details.escalation_level = e.escalation_level;
            details.escalated_to_organisation_id = Some(e.escalated_to_organisation_id.0);
        }
    }
    Ok(view)
}

pub(crate) fn satisfaction_name(
    satisfaction: govledger_core::domain::request::vocabulary::Satisfaction,
) -> &'static str {
    use govledger_core::domain::request::vocabulary::Satisfaction;
    match satisfaction {
        Satisfaction::Satisfied => "satisfied",
        Satisfaction::BasicallySatisfied => "basically_satisfied",
        Satisfaction::Dissatisfied => "dissatisfied",
        Satisfaction::NoAnswer => "no_answer",
    }
}

//! How each event moves the monthly counters. Periods use occurred-at, in the community's
//! local calendar (`calendar.rs`). Every rate's
//! numerator is counted in the same month and scopes as its denominator:
//! - response and send-back: in the month of the dispatch, for the organisation dispatched to;
//! - on-time closure, time to close, outcomes at closing: in the month of the closing;
//! - resolution and satisfaction: in the month of the follow-up;
//! - mediation agreement and within-one-month: in the month the mediation concluded;
//! - works: in the month of their latest completion, for the contractor (`works.rs`).

use govledger_core::domain::event::{DecisionEvent, MediationEvent, RequestEvent};
use govledger_core::domain::mediation::vocabulary::Performance;
use govledger_core::domain::request::vocabulary::{FollowUpResolution, Outcome};
use govledger_core::event::RecordedEvent;
use govledger_core::time::MICROS_PER_DAY;
use uuid::Uuid;

use crate::error::ApplyError;
use crate::metrics::COUNTERS;
use crate::metrics::calendar::{self, When};
use crate::metrics::counters::{
    DecisionFacts, MediationFacts, MonthlyCounters, Recount, RequestFacts,
};
use crate::metrics::facts::{DECISION_FACTS, MEDIATION_FACTS, REQUEST_FACTS};
use crate::metrics::samples;
use crate::metrics::scope::MetricsScope;
use crate::runner::ReadModelWrites;
use crate::storage::{Memos, Remembered};

/// The facts of a case, for reading (see `facts.rs` for where they live).
fn load<T: Clone + Remembered>(
    writes: &ReadModelWrites<'_>,
    facts: &Memos<Uuid, T>,
    id: Uuid,
    what: &str,
) -> Result<T, ApplyError> {
    facts
        .get(writes, &id)
        .cloned()
        .ok_or_else(|| ApplyError::Inconsistent(format!("{what} {id} has no opening event")))
}

/// The facts of a case, taken out of the batch to be changed and put back with `store`.
pub(super) fn take<T: Remembered>(
    writes: &mut ReadModelWrites<'_>,
    facts: &Memos<Uuid, T>,
    id: Uuid,
    what: &str,
) -> Result<T, ApplyError> {
    facts
        .take(writes, &id)?
        .ok_or_else(|| ApplyError::Inconsistent(format!("{what} {id} has no opening event")))
}

pub(super) fn store<T: Remembered>(
    writes: &mut ReadModelWrites<'_>,
    memos: &Memos<Uuid, T>,
    id: Uuid,
    facts: T,
) -> Result<(), ApplyError> {
    memos.keep(writes, &id, facts);
    Ok(())
}

/// Adds to the counters of every scope in `scopes` for the local month of `when`.
pub(super) fn bump(
    writes: &mut ReadModelWrites<'_>,
    scopes: &[MetricsScope],
    when: When,
    change: impl Fn(&mut MonthlyCounters),
) -> Result<(), ApplyError> {
    let month = calendar::month_of(writes, when)?;
    for scope in scopes {
        change(COUNTERS.record_mut(writes, &(scope.clone(), month))?);
    }
    Ok(())
}

pub(super) fn scopes(
    category: &str,
    compound: Option<Uuid>,
    organisation: Option<Uuid>,
) -> Vec<MetricsScope> {
    let mut scopes = vec![MetricsScope::All, MetricsScope::Category(category.into())];
    scopes.extend(compound.map(MetricsScope::Compound));
    scopes.extend(organisation.map(MetricsScope::Organisation));
    scopes
}

pub(crate) fn request(
    writes: &mut ReadModelWrites<'_>,
    event: &RequestEvent,
    recorded: &RecordedEvent,
) -> Result<(), ApplyError> {
    let at = recorded.occurred_at;
    let when = When {
        at,
        position: recorded.position,
    };
    if let RequestEvent::RequestReceived(e) = event {
        let facts = RequestFacts {
            received_at: at,
            category: e.category.as_str().into(),
            compound_id: e.location.compound_id.map(|id| id.0),
            organisation_id: None,
            dispatched: None,
            dispatched_to: None,
            response_due_at: None,
            due_at: None,
            responded: false,
        };
        bump(
            writes,
            &scopes(&facts.category, facts.compound_id, None),
            when,
            |c| c.requests_received += 1,
        )?;
        return store(writes, &REQUEST_FACTS, e.request_id.0, facts);
    }
    let id = crate::cases::request_id_of(event);
    let mut facts: RequestFacts = take(writes, &REQUEST_FACTS, id, "request")?;
    let current = scopes(&facts.category, facts.compound_id, facts.organisation_id);
    let at_dispatch = facts.dispatched.map(|dispatched| {
        (
            dispatched,
            scopes(&facts.category, facts.compound_id, facts.dispatched_to),
        )
    });
    let first_response = |writes: &mut ReadModelWrites<'_>, facts: &mut RequestFacts| {
        if facts.responded {
            return Ok(());
        }
        facts.responded = true;
        let on_time = facts.response_due_at.is_some_and(|due| at <= due);
        match (&at_dispatch, on_time) {
            (Some((dispatched_at, scopes)), true) => bump(writes, scopes, *dispatched_at, |c| {
                c.requests_responded_on_time += 1
            }),
            _ => Ok(()),
        }
    };
    match event {
        RequestEvent::RequestReceived(_) => {}
        RequestEvent::RequestAccepted(e) => facts.category = e.category.as_str().into(),
        RequestEvent::RequestRejected(_) => {
            bump(writes, &current, when, |c| c.requests_rejected += 1)?
        }
        RequestEvent::RequestMerged(_) => bump(writes, &current, when, |c| c.requests_merged += 1)?,
        RequestEvent::RequestDispatched(e) => {
            facts.category = e.category.as_str().into();
            facts.organisation_id = Some(e.organisation_id.0);
            facts.dispatched_to = Some(e.organisation_id.0);
            facts.dispatched = Some(when);
            facts.response_due_at = Some(e.response_due_at);
            facts.due_at = Some(e.due_at);
            facts.responded = false;
            let scopes = scopes(&facts.category, facts.compound_id, facts.organisation_id);
            bump(writes, &scopes, when, |c| c.requests_dispatched += 1)?;
        }
        RequestEvent::RequestSentBack(_) => {
            first_response(writes, &mut facts)?;
            if let Some((dispatched_at, scopes)) = &at_dispatch {
                bump(writes, scopes, *dispatched_at, |c| {
                    c.requests_sent_back += 1
                })?;
            }
            facts.organisation_id = None;
        }
        RequestEvent::RequestWorkStarted(_) => first_response(writes, &mut facts)?,
        RequestEvent::RequestResolved(_) => {
            first_response(writes, &mut facts)?;
            bump(writes, &current, when, |c| c.requests_resolved += 1)?;
        }
        RequestEvent::RequestFollowedUp(e) => {
            let resolved = e.resolution == FollowUpResolution::Resolved;
            let satisfied = e.satisfaction.counts_as_satisfied();
            bump(writes, &current, when, |c| {
                c.follow_ups += 1;
                c.follow_ups_resolved += u64::from(resolved);
                c.follow_ups_satisfied += u64::from(satisfied);
            })?;
        }
        RequestEvent::RequestClosed(e) => {
            let on_time = facts.due_at.map(|due| at <= due);
            let outcome = e.outcome;
            bump(writes, &current, when, |c| {
                c.requests_closed += 1;
                c.requests_closed_with_due_at += u64::from(on_time.is_some());
                c.requests_closed_on_time += u64::from(on_time == Some(true));
                match outcome {
                    Outcome::Fixed => c.closed_fixed += 1,
                    Outcome::Explained => c.closed_explained += 1,
                    Outcome::NoFurtherAction => c.closed_no_further_action += 1,
                    Outcome::NotResponsible => c.closed_not_responsible += 1,
                }
            })?;
            let month = calendar::month_of(writes, when)?;
            let sample = samples::entry(facts.received_at, at, id);
            for scope in &current {
                samples::change(writes, scope, month, Recount::Add, sample)?;
            }
        }
        RequestEvent::RequestReopened(_) => {
            bump(writes, &current, when, |c| c.requests_reopened += 1)?
        }
        RequestEvent::RequestEscalated(_) => {
            bump(writes, &current, when, |c| c.requests_escalated += 1)?
        }
    }
    store(writes, &REQUEST_FACTS, id, facts)
}

pub(crate) fn mediation(
    writes: &mut ReadModelWrites<'_>,
    event: &MediationEvent,
    recorded: &RecordedEvent,
) -> Result<(), ApplyError> {
    let at = recorded.occurred_at;
    let when = When {
        at,
        position: recorded.position,
    };
    if let MediationEvent::MediationRegistered(e) = event {
        let facts = MediationFacts {
            registered_at: at,
            dispute_type: e.dispute_type.as_str().into(),
            compound_id: e.location.compound_id.map(|id| id.0),
            committee_id: e.mediation_committee_id.0,
        };
        let scopes = scopes(
            &facts.dispute_type,
            facts.compound_id,
            Some(facts.committee_id),
        );
        bump(writes, &scopes, when, |c| c.mediations_registered += 1)?;
        return store(writes, &MEDIATION_FACTS, e.mediation_id.0, facts);
    }
    let id = crate::cases::mediation_id_of(event);
    let facts: MediationFacts = load(writes, &MEDIATION_FACTS, id, "mediation")?;
    let scopes = scopes(
        &facts.dispute_type,
        facts.compound_id,
        Some(facts.committee_id),
    );
    // "Within one month": by the same local time a calendar month after registration.
    let within_month = at
        <= calendar::calendar_at(writes, recorded.position)?.one_month_after(facts.registered_at);
    match event {
        MediationEvent::MediationDeclined(_) => {
            bump(writes, &scopes, when, |c| c.mediations_declined += 1)
        }
        MediationEvent::MediationAgreementReached(_) => bump(writes, &scopes, when, |c| {
            c.mediations_concluded += 1;
            c.mediations_agreed += 1;
            c.mediations_concluded_within_month += u64::from(within_month);
        }),
        MediationEvent::MediationFailed(_) => bump(writes, &scopes, when, |c| {
            c.mediations_concluded += 1;
            c.mediations_concluded_within_month += u64::from(within_month);
        }),
        MediationEvent::MediationPerformanceFollowedUp(e) => {
            let performed = e.performance == Performance::Performed;
            bump(writes, &scopes, when, |c| {
                c.performance_follow_ups += 1;
                c.performance_performed += u64::from(performed);
            })
        }
        _ => Ok(()),
    }
}

pub(crate) fn decision(
    writes: &mut ReadModelWrites<'_>,
    event: &DecisionEvent,
    recorded: &RecordedEvent,
) -> Result<(), ApplyError> {
    let at = recorded.occurred_at;
    let when = When {
        at,
        position: recorded.position,
    };
    if let DecisionEvent::DecisionProposed(e) = event {
        let facts = DecisionFacts {
            body_id: e.body_organisation_id.0,
            compound_id: e.compound_id.map(|id| id.0),
            category: e.matter.as_str().into(),
            decided_at: None,
        };
        return store(writes, &DECISION_FACTS, e.decision_id.0, facts);
    }
    let id = crate::cases::decision_id_of(event);
    let mut facts: DecisionFacts = load(writes, &DECISION_FACTS, id, "decision")?;
    let scopes = scopes(&facts.category, facts.compound_id, Some(facts.body_id));
    match event {
        DecisionEvent::DecisionTallied(e) => {
            let tally = e.tally;
            bump(writes, &scopes, when, |c| {
                c.decisions_tallied += 1;
                c.participating_area_dm2 += tally.participating_area_dm2;
                c.electorate_area_dm2 += tally.electorate_area_dm2;
                c.participating_heads += tally.participating_heads;
                c.electorate_heads += tally.electorate_heads;
            })?;
        }
        DecisionEvent::DecisionAdopted(_) => {
            facts.decided_at = Some(at);
            bump(writes, &scopes, when, |c| c.decisions_adopted += 1)?;
        }
        DecisionEvent::DecisionFailed(_) => {
            facts.decided_at = Some(at);
            bump(writes, &scopes, when, |c| c.decisions_failed += 1)?;
        }
        DecisionEvent::DecisionPublished(_) => {
            let days = facts
                .decided_at
                .map_or(0, |decided| at.micros_since(decided) / MICROS_PER_DAY);
            bump(writes, &scopes, when, |c| {
                c.decisions_published += 1;
                c.decision_to_publication_days += days;
            })?;
        }
        _ => return Ok(()),
    }
    store(writes, &DECISION_FACTS, id, facts)
}

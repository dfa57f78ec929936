//! Corrections of a request's facts (`FactCorrected` on a `request-…` stream): its category,
//! location, occurred-at times, due time or closing outcome. The counters a request moved
//! depend on those facts in ways one event cannot undo locally (a new category moves every
//! count of the request to other scopes; a new occurred-at moves counts between months and
//! changes durations), so the request is recounted: what its history contributed as it stood
//! before the correction is taken back, and what it contributes with the correction is added.
//! Both contributions are folded from the ledger into blank batches, with the same code as
//! the live fold (`apply::request`), so a correction leaves the counters exactly as if the
//! corrected facts had been recorded in the first place.

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::{DomainEvent, RequestEvent};
use govledger_core::event::RecordedEvent;
use uuid::Uuid;

use crate::error::ApplyError;
use crate::metrics::apply::{self, REQUEST_FACTS_TAG, facts_key};
use crate::metrics::counters::{MonthlyCounters, Recount, RequestFacts};
use crate::metrics::facts::earlier_events;
use crate::projection::ProjectedEvent;
use crate::runner::Changes;
use crate::runner::ReadModelWrites;

/// Bytes of one time-to-close sample (u64 BE microseconds).
const SAMPLE_BYTES: usize = 8;

/// Recounts request `id` for `correction` (the event `event` records).
pub(super) fn request(
    writes: &mut ReadModelWrites<'_>,
    id: Uuid,
    event: &ProjectedEvent<'_, DomainEvent>,
    correction: &FactCorrected,
) -> Result<(), ApplyError> {
    let history = decoded_history(event)?;
    let mut before = writes.blank();
    fold_corrected(&mut before, &history, &[])?;
    let mut after = writes.blank();
    fold_corrected(&mut after, &history, std::slice::from_ref(correction))?;
    let facts_key = facts_key(REQUEST_FACTS_TAG, id);
    let corrected_facts = after.take_note::<RequestFacts>(&facts_key)?;
    // A batch whose changes are thrown away (recalling facts, `facts.rs`) starts from the
    // counters as they stand now, after this correction: it only needs the facts.
    if writes.changes() == Changes::Committed {
        recount(writes, &mut before, Recount::TakeBack)?;
        recount(writes, &mut after, Recount::Add)?;
    }
    if let Some(facts) = corrected_facts {
        writes.keep_note(facts_key, facts);
    }
    Ok(())
}

/// The request's events before `event`, decoded.
fn decoded_history(
    event: &ProjectedEvent<'_, DomainEvent>,
) -> Result<Vec<(RecordedEvent, DomainEvent)>, ApplyError> {
    earlier_events(event.ledger, event.recorded)?
        .into_iter()
        .map(|recorded| {
            let decoded = DomainEvent::decode_recorded(&recorded).map_err(|e| {
                ApplyError::Undecodable(format!("{} event: {e}", recorded.event_type))
            })?;
            Ok((recorded, decoded))
        })
        .collect()
}

/// Folds the request's events into `blank`, each with the corrections of the history (and
/// then `extra`) that name it applied, in order.
fn fold_corrected(
    blank: &mut ReadModelWrites<'_>,
    history: &[(RecordedEvent, DomainEvent)],
    extra: &[FactCorrected],
) -> Result<(), ApplyError> {
    let corrections: Vec<&FactCorrected> = history
        .iter()
        .filter_map(|(_, event)| match event {
            DomainEvent::FactCorrected(correction) => Some(correction),
            _ => None,
        })
        .chain(extra)
        .collect();
    for (recorded, event) in history {
        let DomainEvent::Request(request_event) = event else {
            continue; // Corrections are applied to the events they name.
        };
        let event_id = recorded.event_id;
        let mut recorded = recorded.clone();
        let mut request_event = request_event.clone();
        for correction in corrections
            .iter()
            .filter(|c| c.corrects_event_id == event_id)
        {
            for field in &correction.corrected {
                correct(&mut recorded, &mut request_event, field);
            }
        }
        apply::request(blank, &request_event, &recorded)?;
    }
    Ok(())
}

/// Restates one fact of a request event, as the correction says it should have been.
fn correct(recorded: &mut RecordedEvent, event: &mut RequestEvent, field: &CorrectedField) {
    match (field, event) {
        (CorrectedField::OccurredAt(at), _) => recorded.occurred_at = *at,
        (CorrectedField::RequestCategory(category), RequestEvent::RequestReceived(e)) => {
            e.category = *category;
        }
        (CorrectedField::RequestCategory(category), RequestEvent::RequestAccepted(e)) => {
            e.category = *category;
        }
        (CorrectedField::RequestCategory(category), RequestEvent::RequestDispatched(e)) => {
            e.category = *category;
        }
        (CorrectedField::Location(location), RequestEvent::RequestReceived(e)) => {
            e.location = *location;
        }
        (CorrectedField::DueAt(due_at), RequestEvent::RequestDispatched(e)) => e.due_at = *due_at,
        (CorrectedField::Outcome(outcome), RequestEvent::RequestClosed(e)) => e.outcome = *outcome,
        // Other fields (texts, kinds, notes) do not move a count.
        _ => {}
    }
}

/// Adds a blank batch's counts and time-to-close samples to `writes`, or takes them back.
fn recount(
    writes: &mut ReadModelWrites<'_>,
    contribution: &mut ReadModelWrites<'_>,
    how: Recount,
) -> Result<(), ApplyError> {
    for (key, counts) in contribution.take_records::<MonthlyCounters>() {
        writes
            .record_or_default::<MonthlyCounters>(&key)?
            .recount_requests(&counts, how)
            .ok_or_else(|| {
                ApplyError::Inconsistent(format!(
                    "taking a corrected request's counts back from {key:02x?} would go below zero"
                ))
            })?;
    }
    for (key, samples) in contribution.take_values() {
        match how {
            Recount::Add => writes.append(key, &samples)?,
            Recount::TakeBack => {
                let mut stored = writes.get(&key)?.unwrap_or_default();
                for sample in samples.chunks_exact(SAMPLE_BYTES) {
                    let at = stored
                        .chunks_exact(SAMPLE_BYTES)
                        .position(|stored| stored == sample)
                        .ok_or_else(|| {
                            ApplyError::Inconsistent(format!(
                                "a corrected request's time to close is missing from {key:02x?}"
                            ))
                        })?;
                    stored.drain(at * SAMPLE_BYTES..(at + 1) * SAMPLE_BYTES);
                }
                writes.insert(key, stored);
            }
        }
    }
    Ok(())
}

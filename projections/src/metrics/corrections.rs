//! Corrections of a request's or a mediation's facts (`FactCorrected` on its stream): a
//! request's category, location, occurred-at times, due time or closing outcome; a
//! mediation's dispute type, location or occurred-at times. The counters a case moved depend
//! on those facts in ways one event cannot undo locally (a new category moves every count of
//! the case to other scopes; a new occurred-at moves counts between months and changes
//! durations), so the case is recounted: what its history contributed as it stood before the
//! correction is taken back, and what it contributes with the correction is added. Both
//! contributions are folded from the ledger into blank batches, with the same code as the
//! live fold (`apply::request`, `apply::mediation`), so a correction leaves the counters
//! exactly as if the corrected facts had been recorded in the first place. (Work projects
//! recount in `works.rs`; decisions have no correctable counted fact.)

use std::collections::HashMap;

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::{DomainEvent, MediationEvent, RequestEvent};
use govledger_core::event::RecordedEvent;
use uuid::Uuid;

use crate::cases::view::CaseKind;
use crate::error::ApplyError;
use crate::ledger::earlier_events;
use crate::metrics::apply;
use crate::metrics::counters::{MonthlyCounters, Recount};
use crate::metrics::facts::{MEDIATION_FACTS, REQUEST_FACTS};
use crate::metrics::{calendar, samples};
use crate::projection::ProjectedEvent;
use crate::runner::Changes;
use crate::runner::ReadModelWrites;
use crate::storage::{Memos, Remembered};

/// Recounts request or mediation `id` for `correction` (the event `event` records).
pub(super) fn recount_case(
    writes: &mut ReadModelWrites<'_>,
    kind: CaseKind,
    id: Uuid,
    event: &ProjectedEvent<'_, DomainEvent>,
    correction: &FactCorrected,
) -> Result<(), ApplyError> {
    let history = decoded_history(event)?;
    let mut after = writes.blank();
    calendar::carry(writes, &mut after)?;
    fold_corrected(&mut after, &history, std::slice::from_ref(correction))?;
    // A batch whose changes are thrown away (recalling facts, `facts.rs`) starts from the
    // counters as they stand now, after this correction: it only needs the facts.
    if writes.changes() == Changes::Committed {
        let mut before = writes.blank();
        calendar::carry(writes, &mut before)?;
        fold_corrected(&mut before, &history, &[])?;
        recount(writes, &mut before, Recount::TakeBack)?;
        recount(writes, &mut after, Recount::Add)?;
    }
    match kind {
        CaseKind::Request => adopt(&mut after, writes, &REQUEST_FACTS, id),
        CaseKind::Mediation => adopt(&mut after, writes, &MEDIATION_FACTS, id),
        CaseKind::WorkProject | CaseKind::Decision => Ok(()),
    }
}

/// Moves the corrected facts into the batch, for the case's later events.
fn adopt<T: Remembered>(
    after: &mut ReadModelWrites<'_>,
    writes: &mut ReadModelWrites<'_>,
    memos: &Memos<Uuid, T>,
    id: Uuid,
) -> Result<(), ApplyError> {
    if let Some(facts) = memos.take(after, &id)? {
        memos.keep(writes, &id, facts);
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
    // The corrections naming each event, in order: one lookup per event, so a long case with
    // many corrections folds in O(events + corrections), not their product.
    let mut corrections: HashMap<Uuid, Vec<&FactCorrected>> = HashMap::new();
    let named = history
        .iter()
        .filter_map(|(_, event)| match event {
            DomainEvent::FactCorrected(correction) => Some(correction),
            _ => None,
        })
        .chain(extra);
    for correction in named {
        corrections
            .entry(correction.corrects_event_id)
            .or_default()
            .push(correction);
    }
    for (recorded, event) in history {
        match corrections.get(&recorded.event_id) {
            None => apply_counted(blank, event, recorded)?,
            Some(named) => {
                let mut recorded = recorded.clone();
                let mut event = event.clone();
                for field in named.iter().flat_map(|c| &c.corrected) {
                    correct(&mut recorded, &mut event, field);
                }
                apply_counted(blank, &event, &recorded)?;
            }
        }
    }
    Ok(())
}

/// Counts one event of a request or a mediation (corrections are applied to the events they
/// name, never counted themselves).
fn apply_counted(
    blank: &mut ReadModelWrites<'_>,
    event: &DomainEvent,
    recorded: &RecordedEvent,
) -> Result<(), ApplyError> {
    match event {
        DomainEvent::Request(e) => apply::request(blank, e, recorded),
        DomainEvent::Mediation(e) => apply::mediation(blank, e, recorded),
        _ => Ok(()),
    }
}

/// Restates one fact of an event, as the correction says it should have been.
fn correct(recorded: &mut RecordedEvent, event: &mut DomainEvent, field: &CorrectedField) {
    match event {
        DomainEvent::Request(event) => correct_request(recorded, event, field),
        DomainEvent::Mediation(event) => correct_mediation(recorded, event, field),
        _ => {}
    }
}

fn correct_mediation(
    recorded: &mut RecordedEvent,
    event: &mut MediationEvent,
    field: &CorrectedField,
) {
    match (field, event) {
        (CorrectedField::OccurredAt(at), _) => recorded.occurred_at = *at,
        (CorrectedField::DisputeType(dispute), MediationEvent::MediationRegistered(e)) => {
            e.dispute_type = *dispute;
        }
        (CorrectedField::Location(location), MediationEvent::MediationRegistered(e)) => {
            e.location = *location;
        }
        // Other fields (texts, notes) do not move a count.
        _ => {}
    }
}

fn correct_request(recorded: &mut RecordedEvent, event: &mut RequestEvent, field: &CorrectedField) {
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
            .recount_cases(&counts, how)
            .ok_or_else(|| {
                ApplyError::Inconsistent(format!(
                    "taking a corrected case's counts back from {key:02x?} would go below zero"
                ))
            })?;
    }
    samples::recount(writes, contribution, how)?;
    Ok(())
}

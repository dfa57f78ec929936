//! Time-to-close samples: per scope and month, an entry per closed request in the `SAMPLES`
//! index, ordered by its time to close (microseconds from receipt to closing), so a query
//! reads the durations already in order.
//!
//! A batch gathers its changes per set in a note (`SampleChanges`, in event order) and stores
//! them once, when it ends (`store`): a correction's recount can take back a sample the same
//! batch added, and the order keeps that right.

use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::metrics::SAMPLES;
use crate::metrics::counters::Recount;
use crate::metrics::scope::{MetricsScope, Month};
use crate::runner::{ReadModel, ReadModelWrites};
use crate::storage::{IndexEntry, Order};

/// A batch's changes to one scope and month's samples, in order.
#[derive(Debug)]
pub(super) struct SampleChanges {
    set: (MetricsScope, Month),
    changes: Vec<(Recount, IndexEntry)>,
}

/// The note a batch keeps a scope and month's sample changes under.
fn note_key(set: &(MetricsScope, Month)) -> Vec<u8> {
    SAMPLES.prefix(set)
}

/// A request's time to close, as a sample entry (a closing recorded before its receipt
/// counts as 0 s).
pub(super) fn entry(received_at: Timestamp, closed_at: Timestamp, request_id: Uuid) -> IndexEntry {
    let took_micros = u64::try_from(closed_at.micros_since(received_at)).unwrap_or(0);
    IndexEntry::new(Order::ascending(took_micros), request_id)
}

/// Adds (or takes back) `entry` in the samples of `scope` and `month`, when the batch ends.
pub(super) fn change(
    writes: &mut ReadModelWrites<'_>,
    scope: &MetricsScope,
    month: Month,
    how: Recount,
    entry: IndexEntry,
) -> Result<(), ApplyError> {
    let set = (scope.clone(), month);
    let key = note_key(&set);
    let mut changes: SampleChanges = writes.take_note(&key)?.unwrap_or(SampleChanges {
        set,
        changes: Vec::new(),
    });
    changes.changes.push((how, entry));
    writes.keep_note(key, changes);
    Ok(())
}

/// Moves the sample changes `from` gathered (a blank batch's contribution) into `writes`,
/// added or taken back.
pub(super) fn recount(
    writes: &mut ReadModelWrites<'_>,
    from: &mut ReadModelWrites<'_>,
    how: Recount,
) -> Result<(), ApplyError> {
    for (_, SampleChanges { set, changes }) in from.take_notes_of::<SampleChanges>() {
        for (added, entry) in changes {
            // A blank batch only adds; taking its contribution back turns adds into removals.
            let how = match (how, added) {
                (Recount::Add, change) => change,
                (Recount::TakeBack, Recount::Add) => Recount::TakeBack,
                (Recount::TakeBack, Recount::TakeBack) => Recount::Add,
            };
            change(writes, &set.0, set.1, how, entry)?;
        }
    }
    Ok(())
}

/// Stores the batch's sample changes (call once, after the batch's last event; it takes the
/// batch's notes).
pub(super) fn store(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    for (_, SampleChanges { set, changes }) in writes.take_notes_of::<SampleChanges>() {
        for (how, entry) in changes {
            match how {
                Recount::Add => SAMPLES.insert(writes, &set, entry)?,
                Recount::TakeBack => SAMPLES.remove(writes, &set, entry)?,
            }
        }
    }
    Ok(())
}

/// The durations (whole seconds) of a scope and month's samples, shortest first.
pub(super) fn durations(
    model: &ReadModel,
    scope: &MetricsScope,
    month: Month,
) -> impl Iterator<Item = Result<i64, ProjectionError>> + use<> {
    SAMPLES
        .scan(model, &(scope.clone(), month), None)
        .map(|entry| Ok(i64::try_from(entry?.order.amount() / 1_000_000).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_orders_by_duration_then_request() {
        let received = Timestamp::from_unix_micros(1_000_000);
        let check = |closed: i64, id: u128, later_closed: i64, later_id: u128| {
            let a = entry(
                received,
                Timestamp::from_unix_micros(closed),
                Uuid::from_u128(id),
            );
            let b = entry(
                received,
                Timestamp::from_unix_micros(later_closed),
                Uuid::from_u128(later_id),
            );
            assert!(
                a.to_bytes() < b.to_bytes(),
                "{closed} {id} before {later_closed} {later_id}"
            );
        };
        check(2_000_000, 9, 3_000_000, 1);
        check(2_000_000, 1, 2_000_000, 2);
        // A closing recorded before its receipt counts as 0 s.
        check(0, 5, 1_000_000, 6);
    }
}

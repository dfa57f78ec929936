//! Time-to-close samples: per scope and month, the set of `duration ‖ request id` entries
//! (the duration as u64 BE microseconds from receipt to closing), stored as a chunked sorted
//! set (`crate::storage::chunks`). A month with 200,000 closings is many bounded chunks, not one list
//! rewritten whole by every batch, and a query reads the durations already in order.
//!
//! A batch gathers its changes per set in a note (`SampleChanges`, in event order) and stores
//! them once, when it ends (`store`): a correction's recount can take back a sample the same
//! batch added, and the order keeps that right.

use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::metrics::SAMPLES_TAG;
use crate::metrics::counters::Recount;
use crate::metrics::scope::{MetricsScope, Month};
use crate::runner::{ReadModel, ReadModelWrites};
use crate::storage::chunks::{self, ENTRY_BYTES, Entry, ScanStart};

/// A batch's changes to one scope and month's samples, in order.
#[derive(Debug, Default)]
pub(super) struct SampleChanges(Vec<(Recount, Entry)>);

/// The key prefix of a scope and month's samples.
pub(super) fn prefix(scope: &MetricsScope, month: Month) -> Vec<u8> {
    month.append_to(scope.key(SAMPLES_TAG)).into_bytes()
}

/// A request's time to close, as a sample entry.
pub(super) fn entry(received_at: Timestamp, closed_at: Timestamp, request_id: Uuid) -> Entry {
    let took_micros = u64::try_from(closed_at.micros_since(received_at)).unwrap_or(0);
    let mut entry = [0u8; ENTRY_BYTES];
    entry[..8].copy_from_slice(&took_micros.to_be_bytes());
    entry[8..].copy_from_slice(request_id.as_bytes());
    entry
}

/// Adds (or takes back) `entry` in the samples under `prefix`, when the batch ends.
pub(super) fn change(
    writes: &mut ReadModelWrites<'_>,
    prefix: Vec<u8>,
    how: Recount,
    entry: Entry,
) -> Result<(), ApplyError> {
    let mut changes: SampleChanges = writes.take_note(&prefix)?.unwrap_or_default();
    changes.0.push((how, entry));
    writes.keep_note(prefix, changes);
    Ok(())
}

/// Moves the sample changes `from` gathered (a blank batch's contribution) into `writes`,
/// added or taken back.
pub(super) fn recount(
    writes: &mut ReadModelWrites<'_>,
    from: &mut ReadModelWrites<'_>,
    how: Recount,
) -> Result<(), ApplyError> {
    for (prefix, SampleChanges(changes)) in from.take_notes_of::<SampleChanges>() {
        for (added, entry) in changes {
            // A blank batch only adds; taking its contribution back turns adds into removals.
            let how = match (how, added) {
                (Recount::Add, change) => change,
                (Recount::TakeBack, Recount::Add) => Recount::TakeBack,
                (Recount::TakeBack, Recount::TakeBack) => Recount::Add,
            };
            change(writes, prefix.clone(), how, entry)?;
        }
    }
    Ok(())
}

/// Stores the batch's sample changes (call once, after the batch's last event; it takes the
/// batch's notes).
pub(super) fn store(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    for (prefix, SampleChanges(changes)) in writes.take_notes::<SampleChanges>() {
        for (how, entry) in changes {
            match how {
                Recount::Add => chunks::insert(writes, &prefix, entry)?,
                Recount::TakeBack => chunks::remove(writes, &prefix, entry)?,
            }
        }
    }
    chunks::settle_touched(writes)
}

/// The durations (whole seconds) of a scope and month's samples, shortest first.
pub(super) fn durations(
    model: &ReadModel,
    scope: &MetricsScope,
    month: Month,
) -> impl Iterator<Item = Result<i64, ProjectionError>> + use<> {
    let prefix = prefix(scope, month);
    let start = prefix.len();
    chunks::scan(model, &prefix, ScanStart::AtOrAfter(&prefix)).map(move |key| {
        let key = key?;
        let micros = key
            .get(start..start + 8)
            .and_then(|bytes| <[u8; 8]>::try_from(bytes).ok())
            .map(u64::from_be_bytes)
            .ok_or_else(|| {
                ProjectionError::Corrupt("a time-to-close sample is truncated".into())
            })?;
        Ok(i64::try_from(micros / 1_000_000).unwrap_or(i64::MAX))
    })
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
            assert!(a < b, "{closed} {id} before {later_closed} {later_id}");
        };
        check(2_000_000, 9, 3_000_000, 1);
        check(2_000_000, 1, 2_000_000, 2);
        // A closing recorded before its receipt counts as 0 s.
        check(0, 5, 1_000_000, 6);
    }
}

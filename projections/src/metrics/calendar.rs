//! The community's calendar as the metrics count by it (ADR 0016): the time zone in force at
//! each ledger position. An event counts in the local month of its occurred-at, in the zone
//! set by the last `CommunityTimeZoneSet` before the event's position (UTC before any).
//! Tying the zone to the position, not to "now", keeps a count where it was when the zone
//! changes later, and lets a correction's recount fold a case's events in the zones they
//! were first counted in.
//!
//! Stored: the list of changes as one record (`ZONES`), written only when the zone changes. Per
//! batch: the same list with each zone resolved, as a note (never stored), which folds into
//! blank and scratch batches must be given (`carry`), since they read nothing of the batch.

use govledger_core::calendar::CommunityCalendar;
use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::ApplyError;
use crate::metrics::scope::Month;
use crate::runner::ReadModelWrites;
use crate::storage::Table;

/// The zone changes, one record.
const ZONES: Table<(), ZoneChanges> = Table::new(b'z');
/// The note a batch keeps its resolved calendars under.
const CALENDARS_NOTE: &[u8] = b"calendars";

/// An instant and the ledger position of the event it belongs to: what a month needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct When {
    pub at: Timestamp,
    pub position: u64,
}

/// The stored list: (position of the `CommunityTimeZoneSet`, IANA name), in position order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ZoneChanges(Vec<(u64, String)>);

/// The list with each zone resolved, for one batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct Calendars(Vec<(u64, CommunityCalendar)>);

impl Calendars {
    /// The calendar in force for an event at `position`.
    pub(crate) fn at(&self, position: u64) -> CommunityCalendar {
        self.0
            .iter()
            .rev()
            .find(|(from, _)| *from < position)
            .map_or_else(CommunityCalendar::utc, |(_, calendar)| calendar.clone())
    }

    fn month_of(&self, when: When) -> Month {
        let date = match self.0.iter().rev().find(|(from, _)| *from < when.position) {
            Some((_, calendar)) => calendar.local_date(when.at),
            None => when.at.civil_date(),
        };
        Month {
            year: date.year,
            month: date.month,
        }
    }
}

/// The batch's calendars, read from the stored list on first use.
fn calendars<'w>(writes: &'w mut ReadModelWrites<'_>) -> Result<&'w Calendars, ApplyError> {
    if !writes.has_note(CALENDARS_NOTE) {
        let stored = ZONES.get(writes, &())?.unwrap_or_default();
        let mut resolved = Vec::with_capacity(stored.0.len());
        for (position, name) in stored.0 {
            let calendar = CommunityCalendar::of_zone(&name).map_err(|e| {
                ApplyError::Inconsistent(format!("the zone set at position {position}: {e}"))
            })?;
            resolved.push((position, calendar));
        }
        writes.keep_note(CALENDARS_NOTE.to_vec(), Calendars(resolved));
    }
    writes
        .note::<Calendars>(CALENDARS_NOTE)
        .ok_or_else(|| ApplyError::Inconsistent("the calendars note vanished".into()))
}

/// The local month `when` counts in.
pub(crate) fn month_of(writes: &mut ReadModelWrites<'_>, when: When) -> Result<Month, ApplyError> {
    Ok(calendars(writes)?.month_of(when))
}

/// The calendar in force for an event at `position`.
pub(crate) fn calendar_at(
    writes: &mut ReadModelWrites<'_>,
    position: u64,
) -> Result<CommunityCalendar, ApplyError> {
    Ok(calendars(writes)?.at(position))
}

/// Records that the zone is `name` from the event at `position` on.
pub(crate) fn set_zone(
    writes: &mut ReadModelWrites<'_>,
    position: u64,
    name: &str,
) -> Result<(), ApplyError> {
    let calendar = CommunityCalendar::of_zone(name).map_err(|e| {
        ApplyError::Inconsistent(format!("the zone set at position {position}: {e}"))
    })?;
    // Resolved first: read after the change below, the list would hold it already.
    let mut resolved = calendars(writes)?.clone();
    let mut stored = ZONES.get(writes, &())?.unwrap_or_default();
    stored.0.push((position, name.into()));
    ZONES.put(writes, &(), &stored)?;
    resolved.0.push((position, calendar));
    writes.keep_note(CALENDARS_NOTE.to_vec(), resolved);
    Ok(())
}

/// Gives a blank or scratch batch the calendars of `from` (they read none of its batch).
pub(crate) fn carry(
    from: &mut ReadModelWrites<'_>,
    to: &mut ReadModelWrites<'_>,
) -> Result<(), ApplyError> {
    let calendars = calendars(from)?.clone();
    to.keep_note(CALENDARS_NOTE.to_vec(), calendars);
    Ok(())
}

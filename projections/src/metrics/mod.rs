//! The accountability metrics read model: monthly counters per scope (the community, each
//! responsible organisation, compound and category), and time-to-close samples, as defined in
//! DOMAIN.md. Queries sum months into quarters and years and report every rate with its
//! numerator and denominator.
//!
//! | tag | table or index     | by                 | holds                                    |
//! |-----|--------------------|--------------------|------------------------------------------|
//! | `g` | `COUNTERS`         | scope, month       | `MonthlyCounters`                        |
//! | `t` | `SAMPLES` (index)  | scope, month       | requests closed, by time to close (µs)   |
//! | `z` | `ZONES`            | (one record)       | the community's time zones by position (`calendar.rs`) |
//!
//! The facts of each case the counters need between its events are kept for one batch only
//! and recalled from the ledger when a case's events span batches (`facts.rs`).

mod apply;
mod calendar;
mod corrections;
pub mod counters;
mod facts;
pub mod query;
mod samples;
pub mod scope;
pub mod stats;
mod works;

use govledger_core::domain::event::{DirectoryEvent, DomainEvent};

use crate::cases::case_of_stream;
use crate::cases::view::CaseKind;
use crate::error::ApplyError;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::ReadModelWrites;
use crate::storage::{Index, Table};
use counters::MonthlyCounters;
use scope::{MetricsScope, Month};

pub const METRICS_PROJECTION: &str = "metrics";
/// 2: each work counts once, at its latest completion, and corrections recount it.
/// 3: time-to-close samples as one list per scope and month.
/// 4: no stored case facts (recalled from the ledger, `facts.rs`).
/// 5: corrections of a request or a mediation recount it (`corrections.rs`).
/// 6: time-to-close samples as a chunked sorted set per scope and month (`samples.rs`).
/// 7: months in the community's local calendar, "within one month" a calendar month
///    (`calendar.rs`, ADR 0016).
const METRICS_VERSION: u32 = 7;

pub(crate) const COUNTERS: Table<(MetricsScope, Month), MonthlyCounters> = Table::new(b'g');
pub(crate) const SAMPLES: Index<(MetricsScope, Month)> = Index::new(b't');

pub struct MetricsProjection;

impl Projection<DomainEvent> for MetricsProjection {
    fn name(&self) -> &'static str {
        METRICS_PROJECTION
    }

    fn version(&self) -> u32 {
        METRICS_VERSION
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, DomainEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        facts::recall(&event, writes, fold)?;
        fold(event, writes)
    }

    fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        samples::store(writes)
    }
}

/// Moves the counters and the batch's facts by one event whose case's facts (if it has any
/// before this event) are in the batch.
fn fold(
    event: ProjectedEvent<'_, DomainEvent>,
    writes: &mut ReadModelWrites<'_>,
) -> Result<(), ApplyError> {
    match event.event {
        DomainEvent::Request(e) => apply::request(writes, e, event.recorded),
        DomainEvent::Mediation(e) => apply::mediation(writes, e, event.recorded),
        DomainEvent::WorkProject(e) => works::work_project(writes, e, event.recorded),
        DomainEvent::Decision(e) => apply::decision(writes, e, event.recorded),
        DomainEvent::FactCorrected(correction) => match case_of_stream(event.recorded) {
            Some((CaseKind::WorkProject, id)) => works::correct(writes, id, correction),
            Some((kind @ (CaseKind::Request | CaseKind::Mediation), id)) => {
                corrections::recount_case(writes, kind, id, &event, correction)
            }
            // Other corrections restate facts the counters do not hold.
            _ => Ok(()),
        },
        DomainEvent::Directory(DirectoryEvent::CommunityTimeZoneSet(e)) => {
            calendar::set_zone(writes, event.recorded.position, &e.time_zone)
        }
        DomainEvent::Directory(_) | DomainEvent::PersonalDataErased(_) => Ok(()),
    }
}

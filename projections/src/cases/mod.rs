//! The cases read model: one `CaseView` per service request, work project, mediation and
//! decision, indexed by every field a list filters on (see `index.rs`), queried through
//! `query.rs`.

mod correct;
mod fold_decision;
mod fold_mediation;
mod fold_request;
mod fold_work;
mod index;
mod index_build;
pub mod query;
mod records;
pub mod view;

use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::streams::{StreamRef, parse_stream};
use govledger_core::event::RecordedEvent;
use uuid::Uuid;

use crate::error::ApplyError;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::{IndexUpkeep, ReadModel, ReadModelWrites};
use crate::storage::PackedTable;
use crate::storage::index_entries::{self, IndexEntries};
use index::{CASE_TAG, PENDING_TAG};
use records::CaseHistory;
use view::{CaseKind, CaseView};

pub(crate) use fold_decision::decision_id as decision_id_of;
pub(crate) use fold_mediation::mediation_id as mediation_id_of;
pub(crate) use fold_request::request_id as request_id_of;
pub(crate) use fold_work::work_project_id as work_project_id_of;

pub const CASES_PROJECTION: &str = "cases";
/// 2: index entries stored in chunks, one key per index value and time window.
/// 3: a generation built from position 1 writes its indexes once, before it goes live (same
/// layout; the bump keeps an older version from resuming a build that left them out).
/// 4: records packed into hash buckets (`storage::PackedTable`).
/// 5: a chunk fuller than `chunks::CHUNK_ENTRIES_MAX` is split one byte deeper (a version 4
/// chunk could grow past what the decoder reads back and stop the read model for good).
/// 6: a work project keeps its latest `view::INSPECTIONS_KEPT` inspections and counts them all;
/// a record bucket past 32 KiB is split one byte deeper (`storage::PackedTable`).
/// 7: the status is the domain's own (`RequestStatus::after` and its siblings): a sent-back
/// request is `accepted`, an inspected work `under_warranty` (`in_progress` after a failed
/// inspection), an accepted mediation `in_mediation`; no `tallied` decision.
/// 8: the indexes kept by the storage from each case's `index::index_entries` (the count of
/// `DUE` moved to its own key).
const CASES_VERSION: u32 = 8;

/// One `CaseView` per case, by kind and id (`records.rs`: what the table needs of a case).
pub(crate) const CASES: PackedTable<CaseRef, CaseView> =
    PackedTable::new(CASE_TAG, PENDING_TAG, "case");

pub struct CasesProjection;

impl Projection<DomainEvent> for CasesProjection {
    fn name(&self) -> &'static str {
        CASES_PROJECTION
    }

    fn version(&self) -> u32 {
        CASES_VERSION
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, DomainEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let Some(case) = case_of(event.event, event.recorded) else {
            return Ok(()); // Not an event of a case.
        };
        let history = CaseHistory {
            case,
            event: &event,
        };
        CASES.change(writes, &case, &history, |old| {
            fold_case(case, old, event.event, event.recorded)
        })
    }

    fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        if writes.index_upkeep() == IndexUpkeep::EveryBatch {
            reindex_touched(writes)?;
        }
        CASES.store(writes)
    }

    fn build_indexes(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        CASES.build(model, writes, index_build::index_every_case)
    }
}

/// The case a stream holds, if it holds one.
pub(crate) fn case_of_stream(recorded: &RecordedEvent) -> Option<(CaseKind, Uuid)> {
    match parse_stream(&recorded.stream_id)? {
        StreamRef::Request(id) => Some((CaseKind::Request, id.0)),
        StreamRef::WorkProject(id) => Some((CaseKind::WorkProject, id.0)),
        StreamRef::Mediation(id) => Some((CaseKind::Mediation, id.0)),
        StreamRef::Decision(id) => Some((CaseKind::Decision, id.0)),
        StreamRef::Directory | StreamRef::Person(_) => None,
    }
}

/// A case: its kind and id.
pub(crate) type CaseRef = (CaseKind, Uuid);

/// The case an event belongs to, if it belongs to one.
fn case_of(event: &DomainEvent, recorded: &RecordedEvent) -> Option<CaseRef> {
    match event {
        DomainEvent::Request(e) => Some((CaseKind::Request, fold_request::request_id(e))),
        DomainEvent::WorkProject(e) => Some((CaseKind::WorkProject, fold_work::work_project_id(e))),
        DomainEvent::Mediation(e) => Some((CaseKind::Mediation, fold_mediation::mediation_id(e))),
        DomainEvent::Decision(e) => Some((CaseKind::Decision, fold_decision::decision_id(e))),
        // A directory or person fact is not a case.
        DomainEvent::FactCorrected(_) => case_of_stream(recorded),
        DomainEvent::Directory(_) | DomainEvent::PersonalDataErased(_) => None,
    }
}

/// Folds one event into its case as it stood before it (`None`: the case opens here); returns
/// the case and its new state, or `None` for an event of no case.
pub(crate) fn fold_event(
    old: Option<CaseView>,
    event: &DomainEvent,
    recorded: &RecordedEvent,
) -> Result<Option<(CaseRef, CaseView)>, ApplyError> {
    match case_of(event, recorded) {
        None => Ok(None),
        Some(case) => fold_case(case, old, event, recorded).map(|new| Some((case, new))),
    }
}

/// Folds one event of `case` (see `case_of`) into it. The indexes are brought up to date once
/// per case at the end of the batch (`reindex_touched`), from the case as it stood before the
/// batch, so a case that moves through several states within one batch writes only its final
/// index entries.
fn fold_case(
    (kind, id): CaseRef,
    old: Option<CaseView>,
    event: &DomainEvent,
    recorded: &RecordedEvent,
) -> Result<CaseView, ApplyError> {
    let existed = old.is_some();
    let mut new = match event {
        DomainEvent::Request(e) => fold_request::fold(old, e, recorded)?,
        DomainEvent::WorkProject(e) => fold_work::fold(old, e, recorded)?,
        DomainEvent::Mediation(e) => fold_mediation::fold(old, e, recorded)?,
        DomainEvent::Decision(e) => fold_decision::fold(old, e, recorded)?,
        DomainEvent::FactCorrected(correction) => {
            let mut view = old.ok_or_else(|| {
                ApplyError::Inconsistent(format!(
                    "a correction names {} {id}, which has no events",
                    kind.as_str()
                ))
            })?;
            correct::correct(&mut view, correction);
            view
        }
        DomainEvent::Directory(_) | DomainEvent::PersonalDataErased(_) => {
            return Err(ApplyError::Inconsistent(format!(
                "a {} event folded into {} {id}",
                recorded.event_type,
                kind.as_str()
            )));
        }
    };
    if existed {
        new.updated_at = new.updated_at.max(recorded.occurred_at);
        new.last_position = recorded.position;
        new.event_count += 1;
    }
    Ok(new)
}

/// Moves the index entries of every case the batch touched from where they stood before the
/// batch to where the case stands now.
fn reindex_touched(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    CASES.each_changed(writes, reindex)
}

/// Moves a case's index entries from where they stood before the batch (`old`) to where the
/// case stands now.
fn reindex(
    writes: &mut ReadModelWrites<'_>,
    old: Option<IndexEntries>,
    new: &CaseView,
) -> Result<(), ApplyError> {
    index_entries::apply_change(writes, old.as_ref(), &index::index_entries(new))
}

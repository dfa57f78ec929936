//! The cases read model: one `CaseView` per service request, work project, mediation and
//! decision, indexed by every field a list filters on (see `index.rs`), queried through
//! `query.rs`.

mod correct;
mod fold_decision;
mod fold_mediation;
mod fold_request;
mod fold_work;
mod index;
pub mod query;
pub mod view;

use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::streams::{StreamRef, parse_stream};
use govledger_core::event::RecordedEvent;
use uuid::Uuid;

use crate::error::ApplyError;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::ReadModelWrites;
use view::{CaseKind, CaseView};

pub(crate) use fold_decision::decision_id as decision_id_of;
pub(crate) use fold_mediation::mediation_id as mediation_id_of;
pub(crate) use fold_request::request_id as request_id_of;
pub(crate) use fold_work::work_project_id as work_project_id_of;

pub const CASES_PROJECTION: &str = "cases";
const CASES_VERSION: u32 = 1;

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
        let recorded = event.recorded;
        match event.event {
            DomainEvent::Request(e) => {
                let id = fold_request::request_id(e);
                upsert(writes, CaseKind::Request, id, recorded, |old| {
                    fold_request::fold(old, e, recorded)
                })
            }
            DomainEvent::WorkProject(e) => {
                let id = fold_work::work_project_id(e);
                upsert(writes, CaseKind::WorkProject, id, recorded, |old| {
                    fold_work::fold(old, e, recorded)
                })
            }
            DomainEvent::Mediation(e) => {
                let id = fold_mediation::mediation_id(e);
                upsert(writes, CaseKind::Mediation, id, recorded, |old| {
                    fold_mediation::fold(old, e, recorded)
                })
            }
            DomainEvent::Decision(e) => {
                let id = fold_decision::decision_id(e);
                upsert(writes, CaseKind::Decision, id, recorded, |old| {
                    fold_decision::fold(old, e, recorded)
                })
            }
            DomainEvent::FactCorrected(correction) => {
                let Some((kind, id)) = case_of_stream(recorded) else {
                    return Ok(()); // A directory or person fact: not a case.
                };
                upsert(writes, kind, id, recorded, |old| {
                    let mut view = old.ok_or_else(|| {
                        ApplyError::Inconsistent(format!(
                            "a correction names {} {id}, which has no events",
                            kind.as_str()
                        ))
                    })?;
                    correct::correct(&mut view, correction);
                    Ok(view)
                })
            }
            DomainEvent::Directory(_) | DomainEvent::PersonalDataErased(_) => Ok(()),
        }
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

fn upsert(
    writes: &mut ReadModelWrites<'_>,
    kind: CaseKind,
    id: Uuid,
    recorded: &RecordedEvent,
    fold: impl FnOnce(Option<CaseView>) -> Result<CaseView, ApplyError>,
) -> Result<(), ApplyError> {
    let key = index::case_key(kind, &id);
    let old: Option<CaseView> = writes.get_record(&key)?;
    let existed = old.is_some();
    let old_index = old.as_ref().map(index::index_state);
    let mut new = fold(old)?;
    if existed {
        new.updated_at = new.updated_at.max(recorded.occurred_at);
        new.last_position = recorded.position;
        new.event_count += 1;
    }
    index::reindex(writes, old_index, &new)?;
    writes.put_record(key, &new)
}

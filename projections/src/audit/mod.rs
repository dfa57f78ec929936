//! The audit read model: indexes over the log that let an auditor follow who did what and
//! why. Event bodies are not copied: queries read them from the ledger by position (the
//! ledger already indexes event id → position and stream → events).
//!
//! | tag | key                                                | value |
//! |-----|----------------------------------------------------|-------|
//! | `a` | actor account id, bucket (newest first)            | positions (`activity.rs`) |
//! | `o` | actor organisation id, bucket (newest first)       | positions |
//! | `c` | bucket of the causation event id (`buckets.rs`)    | entries: cause id, position |
//! | `l` | bucket of the case id                              | entries: case id, kind, direction (`f`/`b`), other kind, other id, relation code |
//! | `p` | window of log positions (building generations only) | entries not yet in their buckets |
//!
//! `c` leaves out an event caused by the previous event of its own stream (see
//! `index_cause`); the trace finds those in the ledger.
//!
//! A case is its kind tag and id. Links come from payloads: a request raised a work project
//! or a decision, a decision approved or authorised a work project, a work project resolved
//! a request, a request was merged into another.

pub mod activity;
mod buckets;
pub mod query;

use govledger_core::domain::event::{DecisionEvent, DomainEvent, RequestEvent, WorkProjectEvent};
use govledger_core::event::RecordedEvent;
use govledger_core::store::EventStore;
use uuid::Uuid;

use crate::cases::view::CaseKind;
use crate::error::ApplyError;
use crate::ledger::ledger_read_error;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::{ReadModel, ReadModelWrites};
use crate::storage::keys::Key;

pub const AUDIT_PROJECTION: &str = "audit";
/// 2: activity in buckets, same-stream causes left to the ledger.
/// 3: no per-stream last-event key (the previous event is found in the batch or the ledger).
/// 4: causes and links packed into hash buckets, built once by a rebuild (`buckets.rs`).
/// 5: a bucket fuller than `buckets::CHUNK_ENTRIES_MAX` entries is split one byte deeper.
const AUDIT_VERSION: u32 = 5;

pub(crate) const ACTOR_TAG: u8 = b'a';
pub(crate) const ORGANISATION_TAG: u8 = b'o';
pub(crate) const CAUSATION_TAG: u8 = b'c';
pub(crate) const LINK_TAG: u8 = b'l';
/// Batch notes (never stored): an event of this batch by id, with its stream and version.
const BATCH_EVENT_NOTE_TAG: u8 = b'e';
pub(crate) const FORWARD: u8 = b'f';
pub(crate) const BACKWARD: u8 = b'b';
/// A cause entry: the cause's event id, the effect's position (u64 BE).
pub(crate) const CAUSE_ENTRY_BYTES: usize = 16 + 8;
/// A link entry: case id, case kind tag, direction, other kind tag, other id, relation code.
pub(crate) const LINK_ENTRY_BYTES: usize = 16 + 1 + 1 + 1 + 16 + 1;

fn entry_size(tag: u8) -> Option<usize> {
    match tag {
        CAUSATION_TAG => Some(CAUSE_ENTRY_BYTES),
        LINK_TAG => Some(LINK_ENTRY_BYTES),
        _ => None,
    }
}

/// How two cases are linked (`from` → `to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseRelation {
    /// A request raised a work project.
    Raised,
    /// A request led to a decision.
    LedTo,
    /// A decision authorised a work project.
    Authorised,
    /// A decision approved a work project.
    Approved,
    /// A work project resolved a request.
    Resolved,
    /// A request was merged into another.
    MergedInto,
    /// A request claimed under a work project's warranty.
    ClaimedUnder,
}

impl CaseRelation {
    pub const fn as_str(self) -> &'static str {
        match self {
            CaseRelation::Raised => "raised",
            CaseRelation::LedTo => "led_to",
            CaseRelation::Authorised => "authorised",
            CaseRelation::Approved => "approved",
            CaseRelation::Resolved => "resolved",
            CaseRelation::MergedInto => "merged_into",
            CaseRelation::ClaimedUnder => "claimed_under",
        }
    }

    /// Whether `from` came first and led to `to`. Every relation but `Resolved` reads that
    /// way; `Resolved` links a work project to the request that asked for it, so following
    /// it backwards leads to an outcome, not to a cause.
    pub const fn cause_comes_first(self) -> bool {
        !matches!(self, CaseRelation::Resolved)
    }

    const ALL: [CaseRelation; 7] = [
        CaseRelation::Raised,
        CaseRelation::LedTo,
        CaseRelation::Authorised,
        CaseRelation::Approved,
        CaseRelation::Resolved,
        CaseRelation::MergedInto,
        CaseRelation::ClaimedUnder,
    ];

    /// Its code in stored link entries (part of the layout: never reuse one).
    pub(crate) const fn code(self) -> u8 {
        match self {
            CaseRelation::Raised => 1,
            CaseRelation::LedTo => 2,
            CaseRelation::Authorised => 3,
            CaseRelation::Approved => 4,
            CaseRelation::Resolved => 5,
            CaseRelation::MergedInto => 6,
            CaseRelation::ClaimedUnder => 7,
        }
    }

    pub(crate) fn from_code(code: u8) -> Option<CaseRelation> {
        CaseRelation::ALL
            .into_iter()
            .find(|relation| relation.code() == code)
    }
}

pub struct AuditProjection;

impl Projection<DomainEvent> for AuditProjection {
    fn name(&self) -> &'static str {
        AUDIT_PROJECTION
    }

    fn version(&self) -> u32 {
        AUDIT_VERSION
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, DomainEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let recorded = event.recorded;
        activity::record(
            writes,
            ACTOR_TAG,
            &recorded.actor.account_id,
            recorded.position,
        )?;
        if let Some(organisation) = &recorded.actor.organisation_id {
            activity::record(writes, ORGANISATION_TAG, organisation, recorded.position)?;
        }
        index_cause(writes, recorded, event.ledger)?;
        for (from, relation, to) in links(event.event) {
            link(writes, from, relation, to, recorded.position)?;
        }
        Ok(())
    }

    fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        buckets::finish_batch(writes, entry_size)
    }

    fn build_indexes(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        buckets::build(model, writes, entry_size)
    }
}

/// Indexes the event under its cause, unless the cause is the previous event of the same
/// stream: that effect is found by reading the stream (see `query::trace`), and it is by far
/// the most common one (the events of one command), so leaving it out spares a key per event.
fn index_cause(
    writes: &mut ReadModelWrites<'_>,
    recorded: &RecordedEvent,
    ledger: &dyn EventStore,
) -> Result<(), ApplyError> {
    writes.note_once(&batch_event_note(&recorded.event_id), || {
        (
            recorded.stream_id.as_str().to_owned(),
            recorded.stream_version,
        )
    });
    let Some(cause) = &recorded.causation_id else {
        return Ok(());
    };
    if !caused_by_previous_of_stream(writes, recorded, cause, ledger)? {
        let mut entry = Vec::with_capacity(CAUSE_ENTRY_BYTES);
        entry.extend_from_slice(cause.as_bytes());
        entry.extend_from_slice(&recorded.position.to_be_bytes());
        buckets::add(writes, CAUSATION_TAG, cause, entry, recorded.position)?;
    }
    Ok(())
}

fn batch_event_note(event_id: &Uuid) -> Vec<u8> {
    Key::tag(BATCH_EVENT_NOTE_TAG).uuid(event_id).into_bytes()
}

/// Whether `cause` is the event just before `recorded` in its stream: found among the batch's
/// events when it is one of them (the events of one command, nearly always), else read from
/// the ledger, so the answer never depends on where batches begin.
fn caused_by_previous_of_stream(
    writes: &ReadModelWrites<'_>,
    recorded: &RecordedEvent,
    cause: &Uuid,
    ledger: &dyn EventStore,
) -> Result<bool, ApplyError> {
    if recorded.stream_version <= 1 {
        return Ok(false);
    }
    let is_previous = |stream: &str, version: u64| {
        stream == recorded.stream_id.as_str() && version + 1 == recorded.stream_version
    };
    if let Some((stream, version)) = writes.note::<(String, u64)>(&batch_event_note(cause)) {
        return Ok(is_previous(stream, *version));
    }
    let Some(position) = ledger
        .position_of_event(*cause)
        .map_err(ledger_read_error)?
    else {
        return Ok(false); // Caused by something outside the ledger.
    };
    match ledger.read_event(position).map_err(ledger_read_error)? {
        Some(event) => Ok(is_previous(event.stream_id.as_str(), event.stream_version)),
        None => Ok(false),
    }
}

type CaseRef = (CaseKind, Uuid);

fn links(event: &DomainEvent) -> Vec<(CaseRef, CaseRelation, CaseRef)> {
    use CaseKind::{Decision, Request, WorkProject};
    match event {
        DomainEvent::WorkProject(WorkProjectEvent::WorkProjectProposed(e)) => e
            .linked_request_ids
            .iter()
            .map(|r| {
                (
                    (Request, r.0),
                    CaseRelation::Raised,
                    (WorkProject, e.work_project_id.0),
                )
            })
            .collect(),
        DomainEvent::WorkProject(WorkProjectEvent::WorkProjectApproved(e)) => vec![(
            (Decision, e.decision_id.0),
            CaseRelation::Approved,
            (WorkProject, e.work_project_id.0),
        )],
        DomainEvent::WorkProject(WorkProjectEvent::WorkProjectWarrantyClaimRaised(e)) => e
            .linked_request_id
            .iter()
            .map(|r| {
                (
                    (Request, r.0),
                    CaseRelation::ClaimedUnder,
                    (WorkProject, e.work_project_id.0),
                )
            })
            .collect(),
        DomainEvent::Decision(DecisionEvent::DecisionProposed(e)) => {
            let mut links: Vec<_> = e
                .linked_request_ids
                .iter()
                .map(|r| {
                    (
                        (Request, r.0),
                        CaseRelation::LedTo,
                        (Decision, e.decision_id.0),
                    )
                })
                .collect();
            links.extend(e.authorisations.iter().map(|a| {
                (
                    (Decision, e.decision_id.0),
                    CaseRelation::Authorised,
                    (WorkProject, a.work_project_id.0),
                )
            }));
            links
        }
        DomainEvent::Request(RequestEvent::RequestResolved(e)) => e
            .work_project_id
            .iter()
            .map(|w| {
                (
                    (WorkProject, w.0),
                    CaseRelation::Resolved,
                    (Request, e.request_id.0),
                )
            })
            .collect(),
        DomainEvent::Request(RequestEvent::RequestMerged(e)) => vec![(
            (Request, e.request_id.0),
            CaseRelation::MergedInto,
            (Request, e.into_request_id.0),
        )],
        _ => Vec::new(),
    }
}

/// The start of `case`'s link entries in one direction: what a lookup of them matches.
pub(crate) fn link_prefix(case: CaseRef, direction: u8) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(LINK_ENTRY_BYTES);
    prefix.extend_from_slice(case.1.as_bytes());
    prefix.push(case.0.tag());
    prefix.push(direction);
    prefix
}

fn link_entry(case: CaseRef, direction: u8, other: CaseRef, relation: CaseRelation) -> Vec<u8> {
    let mut entry = link_prefix(case, direction);
    entry.push(other.0.tag());
    entry.extend_from_slice(other.1.as_bytes());
    entry.push(relation.code());
    entry
}

fn link(
    writes: &mut ReadModelWrites<'_>,
    from: CaseRef,
    relation: CaseRelation,
    to: CaseRef,
    position: u64,
) -> Result<(), ApplyError> {
    let forward = link_entry(from, FORWARD, to, relation);
    buckets::add(writes, LINK_TAG, &from.1, forward, position)?;
    let backward = link_entry(to, BACKWARD, from, relation);
    buckets::add(writes, LINK_TAG, &to.1, backward, position)
}

#[cfg(test)]
mod tests {
    use super::CaseRelation;

    /// Relation codes are stored in link entries: each relation keeps its own, for good.
    #[test]
    fn relation_codes_are_fixed_and_distinct() {
        let codes: Vec<(CaseRelation, u8)> = CaseRelation::ALL
            .into_iter()
            .map(|relation| (relation, relation.code()))
            .collect();
        assert_eq!(
            codes.iter().map(|(_, code)| *code).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7]
        );
        for (relation, code) in codes {
            assert_eq!(CaseRelation::from_code(code), Some(relation));
        }
        assert_eq!(CaseRelation::from_code(0), None);
        assert_eq!(CaseRelation::from_code(8), None);
    }
}

//! The audit read model: indexes over the log that let an auditor follow who did what and
//! why. Event bodies are not copied: queries read them from the ledger by position (the
//! ledger already indexes event id → position and stream → events).
//!
//! | tag | list, set or note                 | by                  | holds                    |
//! |-----|-----------------------------------|---------------------|--------------------------|
//! | `a` | `ACTIVITY_OF_ACCOUNT` (list)      | account id          | positions of its events  |
//! | `o` | `ACTIVITY_OF_ORGANISATION` (list) | organisation id     | positions of its events  |
//! | `c` | `EFFECTS_OF_CAUSE` (packed set)   | cause's event id    | positions of its effects |
//! | `l` | `LINKS_OF_CASE` (packed set)      | case, direction     | linked case, relation    |
//! | `p` | `PENDING_TAG` (while building)    | window of positions | entries of the sets      |
//! | `e` | `BATCH_EVENTS` (note)             | event id            | stream, version          |
//!
//! Positions are log positions (events are read from the ledger). A case is its kind tag and
//! id; a direction is `FORWARD` (`f`) or `BACKWARD` (`b`); a relation is its code. Pending
//! lists exist only while a generation is built; notes live one batch and are never stored.
//!
//! `EFFECTS_OF_CAUSE` leaves out an event caused by the previous event of its own stream (see
//! `index_cause`); the trace finds those in the ledger.
//!
//! Links come from payloads: a request raised a work project or a decision, a decision
//! approved or authorised a work project, a work project resolved a request, a request was
//! merged into another.

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
use crate::storage::{Note, PackedSet, PackedSets, PositionList};

pub(crate) const ACTIVITY_OF_ACCOUNT: PositionList<Uuid> =
    PositionList::new(b'a', "activity of an account");
pub(crate) const ACTIVITY_OF_ORGANISATION: PositionList<Uuid> =
    PositionList::new(b'o', "activity of an organisation");
/// The positions of the events each event caused (in other streams, see `index_cause`).
pub(crate) const EFFECTS_OF_CAUSE: PackedSet<Uuid, u64> =
    PackedSet::new(b'c', PENDING_TAG, "effects of a cause");
/// The cases linked to a case in one direction.
pub(crate) const LINKS_OF_CASE: PackedSet<LinksOf, LinkedCase> =
    PackedSet::new(b'l', PENDING_TAG, "links of a case");
/// Where a building generation's causes and links wait until `build_indexes`.
const PENDING_TAG: u8 = b'p';
const PACKED_SETS: PackedSets =
    PackedSets::new(&[EFFECTS_OF_CAUSE.packing(), LINKS_OF_CASE.packing()]);
/// An event of this batch by id: its stream and version.
const BATCH_EVENTS: Note<Uuid, (String, u64)> = Note::new(b'e');

/// What a case's links in one direction are listed under: the case's id and kind tag, and
/// `FORWARD` or `BACKWARD`.
pub(crate) type LinksOf = (Uuid, u8, u8);
/// A link as listed: the other case's kind tag and id, and the relation's code.
pub(crate) type LinkedCase = (u8, Uuid, u8);

pub const AUDIT_PROJECTION: &str = "audit";
/// 2: activity in buckets, same-stream causes left to the ledger.
/// 3: no per-stream last-event key (the previous event is found in the batch or the ledger).
/// 4: causes and links packed into hash buckets, built once by a rebuild (`PackedSet`).
/// 5: a bucket fuller than its chunk limit is split one byte deeper.
const AUDIT_VERSION: u32 = 5;

pub(crate) const FORWARD: u8 = b'f';
pub(crate) const BACKWARD: u8 = b'b';

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
        ACTIVITY_OF_ACCOUNT.record(writes, &recorded.actor.account_id, recorded.position)?;
        if let Some(organisation) = &recorded.actor.organisation_id {
            ACTIVITY_OF_ORGANISATION.record(writes, organisation, recorded.position)?;
        }
        index_cause(writes, recorded, event.ledger)?;
        for (from, relation, to) in links(event.event) {
            link(writes, from, relation, to, recorded.position)?;
        }
        Ok(())
    }

    fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        PACKED_SETS.finish_batch(writes)
    }

    fn build_indexes(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        PACKED_SETS.build(model, writes)
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
    BATCH_EVENTS.note_once(writes, &recorded.event_id, || {
        (
            recorded.stream_id.as_str().to_owned(),
            recorded.stream_version,
        )
    });
    let Some(cause) = &recorded.causation_id else {
        return Ok(());
    };
    if !caused_by_previous_of_stream(writes, recorded, cause, ledger)? {
        EFFECTS_OF_CAUSE.add(writes, cause, &recorded.position, recorded.position)?;
    }
    Ok(())
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
    if let Some((stream, version)) = BATCH_EVENTS.get(writes, cause) {
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

/// What the links of `case` in `direction` are listed under.
pub(crate) fn links_under(case: CaseRef, direction: u8) -> LinksOf {
    (case.1, case.0.tag(), direction)
}

fn link(
    writes: &mut ReadModelWrites<'_>,
    from: CaseRef,
    relation: CaseRelation,
    to: CaseRef,
    position: u64,
) -> Result<(), ApplyError> {
    let code = relation.code();
    let forward = (to.0.tag(), to.1, code);
    LINKS_OF_CASE.add(writes, &links_under(from, FORWARD), &forward, position)?;
    let backward = (from.0.tag(), from.1, code);
    LINKS_OF_CASE.add(writes, &links_under(to, BACKWARD), &backward, position)
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

//! Where the facts of a case live (`counters.rs`: when a request was received and dispatched,
//! its due times, who is responsible, what a work counted): in `storage::Memos`, the lane's
//! memory, never stored. An event whose case has no facts in its batch takes them from the
//! lane's memory; when the lane has forgotten them (or after a restart) it gets them back by
//! folding the case's earlier events, read from its stream in the ledger, into a scratch batch
//! whose counter changes are thrown away.
//!
//! Why memos: without them every live batch touching a case folded its whole stream again,
//! so a hot case (one request with thousands of follow-ups) cost O(its events) per write.
//!
//! Why: stored, they were a sled key per case rewritten by every batch touching it (139k of
//! the 570k keys a 1M-event rebuild wrote), and sled 0.34 pays per key written. The events of
//! one command are appended together and nearly always share a batch, so recalling is rare
//! while rebuilding; a live batch recalls once per case it touches. The facts depend only on
//! the ledger, never on where batches begin (the replay property tests check it).

use govledger_core::domain::event::DomainEvent;
use uuid::Uuid;

use crate::cases::case_of_stream;
use crate::cases::view::CaseKind;
use crate::error::ApplyError;
use crate::ledger::earlier_events;
use crate::metrics::counters::{DecisionFacts, MediationFacts, RequestFacts, WorkFacts};
use crate::projection::ProjectedEvent;
use crate::runner::ReadModelWrites;
use crate::storage::{Memos, Remembered};

pub(super) const REQUEST_FACTS: Memos<Uuid, RequestFacts> = Memos::new(b's');
pub(super) const MEDIATION_FACTS: Memos<Uuid, MediationFacts> = Memos::new(b'e');
pub(super) const WORK_FACTS: Memos<Uuid, WorkFacts> = Memos::new(b'w');
pub(super) const DECISION_FACTS: Memos<Uuid, DecisionFacts> = Memos::new(b'x');

/// Folds one event into the counters and the batch's facts (the projection's `apply`
/// without recalling).
pub(super) type Fold =
    fn(ProjectedEvent<'_, DomainEvent>, &mut ReadModelWrites<'_>) -> Result<(), ApplyError>;

/// Puts the facts of `event`'s case into the batch if an earlier event of the case has them
/// and the batch does not.
pub(super) fn recall(
    event: &ProjectedEvent<'_, DomainEvent>,
    writes: &mut ReadModelWrites<'_>,
    fold: Fold,
) -> Result<(), ApplyError> {
    let recorded = event.recorded;
    let Some((kind, id)) = case_of_stream(recorded) else {
        return Ok(()); // Not a case: no facts.
    };
    if recorded.stream_version <= 1 {
        return Ok(()); // The case opens here.
    }
    match kind {
        CaseKind::Request => recall_facts(&REQUEST_FACTS, event, writes, fold, id),
        CaseKind::Mediation => recall_facts(&MEDIATION_FACTS, event, writes, fold, id),
        CaseKind::WorkProject => recall_facts(&WORK_FACTS, event, writes, fold, id),
        CaseKind::Decision => recall_facts(&DECISION_FACTS, event, writes, fold, id),
    }
}

fn recall_facts<T: Remembered>(
    facts: &Memos<Uuid, T>,
    event: &ProjectedEvent<'_, DomainEvent>,
    writes: &mut ReadModelWrites<'_>,
    fold: Fold,
    id: Uuid,
) -> Result<(), ApplyError> {
    facts.recall(writes, &id, |writes| {
        let mut scratch = writes.scratch();
        crate::metrics::calendar::carry(writes, &mut scratch)?;
        for earlier in earlier_events(event.ledger, event.recorded)? {
            let decoded = DomainEvent::decode_recorded(&earlier).map_err(|e| {
                ApplyError::Undecodable(format!("{} event: {e}", earlier.event_type))
            })?;
            let earlier_event = ProjectedEvent {
                recorded: &earlier,
                event: &decoded,
                ledger: event.ledger,
            };
            fold(earlier_event, &mut scratch)?;
        }
        // None: the case's opening event is missing, and the event itself reports it.
        facts.take(&mut scratch, &id)
    })
}

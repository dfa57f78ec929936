//! Where the facts of a case live (`counters.rs`: when a request was received and dispatched,
//! its due times, who is responsible, what a work counted): in the batch, and between batches
//! as memos (`runner::MEMO_KEY_PREFIX`: the lane's memory, never stored). An event whose case
//! has no facts in its batch takes them from its memo; when the lane has forgotten it (or
//! after a restart) it gets them back by folding the case's earlier events, read from its
//! stream in the ledger, into a scratch batch whose counter changes are thrown away.
//!
//! Why memos: without them every live batch touching a case folded its whole stream again,
//! so a hot case (one request with thousands of follow-ups) cost O(its events) per write.
//!
//! Why: stored, they were a sled key per case rewritten by every batch touching it (139k of
//! the 570k keys a 1M-event rebuild wrote), and sled 0.34 pays per key written. The events of
//! one command are appended together and nearly always share a batch, so recalling is rare
//! while rebuilding; a live batch recalls once per case it touches. The facts depend only on
//! the ledger, never on where batches begin (the replay property tests check it).

use govledger_core::codec::encode_payload;
use govledger_core::domain::event::DomainEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cases::case_of_stream;
use crate::cases::view::CaseKind;
use crate::error::ApplyError;
use crate::ledger::earlier_events;
use crate::metrics::apply::{
    DECISION_FACTS_TAG, MEDIATION_FACTS_TAG, REQUEST_FACTS_TAG, facts_key,
};
use crate::metrics::counters::{DecisionFacts, MediationFacts, RequestFacts, WorkFacts};
use crate::metrics::works::WORK_FACTS_TAG;
use crate::projection::ProjectedEvent;
use crate::runner::{MEMO_KEY_PREFIX, ReadModelWrites, decode_record_at};

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
    let key = facts_key(facts_tag(kind), id);
    if recorded.stream_version <= 1 || writes.has_note(&key) {
        return Ok(()); // The case opens here, or the batch has its facts.
    }
    if let Some(memo) = writes.get(&memo_key(&key))? {
        return match kind {
            CaseKind::Request => adopt_memo::<RequestFacts>(writes, key, &memo),
            CaseKind::Mediation => adopt_memo::<MediationFacts>(writes, key, &memo),
            CaseKind::WorkProject => adopt_memo::<WorkFacts>(writes, key, &memo),
            CaseKind::Decision => adopt_memo::<DecisionFacts>(writes, key, &memo),
        };
    }
    let mut scratch = writes.scratch();
    crate::metrics::calendar::carry(writes, &mut scratch)?;
    for earlier in earlier_events(event.ledger, recorded)? {
        let decoded = DomainEvent::decode_recorded(&earlier)
            .map_err(|e| ApplyError::Undecodable(format!("{} event: {e}", earlier.event_type)))?;
        let earlier_event = ProjectedEvent {
            recorded: &earlier,
            event: &decoded,
            ledger: event.ledger,
        };
        fold(earlier_event, &mut scratch)?;
    }
    match kind {
        CaseKind::Request => adopt::<RequestFacts>(&mut scratch, writes, key),
        CaseKind::Mediation => adopt::<MediationFacts>(&mut scratch, writes, key),
        CaseKind::WorkProject => adopt::<WorkFacts>(&mut scratch, writes, key),
        CaseKind::Decision => adopt::<DecisionFacts>(&mut scratch, writes, key),
    }
}

/// Keeps the facts of every case the batch touched as memos (call once, after the batch's
/// last event).
pub(super) fn remember(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    let mut memos = Vec::new();
    encode_memos::<RequestFacts>(writes, &mut memos)?;
    encode_memos::<MediationFacts>(writes, &mut memos)?;
    encode_memos::<WorkFacts>(writes, &mut memos)?;
    encode_memos::<DecisionFacts>(writes, &mut memos)?;
    for (key, value) in memos {
        writes.insert(key, value);
    }
    Ok(())
}

fn encode_memos<T: Serialize + 'static>(
    writes: &ReadModelWrites<'_>,
    memos: &mut Vec<(Vec<u8>, Vec<u8>)>,
) -> Result<(), ApplyError> {
    for (key, facts) in writes.notes_of::<T>() {
        let value = encode_payload(facts)
            .map_err(|e| ApplyError::Storage(format!("encoding a case's facts: {e}")))?;
        memos.push((memo_key(key), value));
    }
    Ok(())
}

fn memo_key(facts_key: &[u8]) -> Vec<u8> {
    [&[MEMO_KEY_PREFIX][..], facts_key].concat()
}

fn adopt_memo<T: DeserializeOwned + Send + 'static>(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    memo: &[u8],
) -> Result<(), ApplyError> {
    let facts: T = decode_record_at(&memo_key(&key), memo)?;
    writes.keep_note(key, facts);
    Ok(())
}

fn facts_tag(kind: CaseKind) -> u8 {
    match kind {
        CaseKind::Request => REQUEST_FACTS_TAG,
        CaseKind::Mediation => MEDIATION_FACTS_TAG,
        CaseKind::WorkProject => WORK_FACTS_TAG,
        CaseKind::Decision => DECISION_FACTS_TAG,
    }
}

/// Moves the facts the scratch batch folded into the real one (none: the case's opening event
/// is missing, and the event itself reports it).
fn adopt<T: Send + 'static>(
    scratch: &mut ReadModelWrites<'_>,
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
) -> Result<(), ApplyError> {
    if let Some(facts) = scratch.take_note::<T>(&key)? {
        writes.keep_note(key, facts);
    }
    Ok(())
}

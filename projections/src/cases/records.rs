//! Where case records live: one `CaseView` per case, packed into hash buckets.
//!
//! A sled key per case was three quarters of the keys a rebuild wrote, and every key costs a
//! commit ~15 µs of CPU under sled's process-wide lock, however small its value. So:
//! - **Buckets.** A case's record lives in the bucket of its id, `CASE_TAG ‖ bucket (u16 BE)`,
//!   one of `2^RECORD_BUCKET_BITS` (`crate::storage::bucket`), which holds its entries sorted by kind
//!   and id: `kind tag ‖ case id (16 bytes) ‖ record length (u32 BE) ‖ record`. Reading a case
//!   reads one bucket and decodes only its entry.
//! - **A batch** keeps the cases it touches decoded under their memo key (`batch_key`, see
//!   `runner::MEMO_KEY_PREFIX`). When a live batch ends, each bucket it touched is rewritten
//!   once, with its changed records (`store_live`).
//! - **A building generation** (`IndexUpkeep::BeforeGoingLive`) stores each batch's changed
//!   records in pending lists of its own instead (`PENDING_TAG ‖ the batch's first position ‖
//!   part`), each with the case's index state, and keeps them as memos, which later batches
//!   read from the lane's cache (`store_pending`). `build` keeps the last version of every
//!   case (the lists sort in position order), writes every bucket once, hands the index states
//!   to the index build (no case is decoded again) and removes the lists, before the
//!   generation goes live. A memo the cache has forgotten, or that a build resumed after a restart never
//!   had, is folded again from the case's stream in the ledger (`refold`).
//!
//! - **Splits** (`crate::storage::split`). A bucket (or chunk) that would pass `CHUNK_BYTES_MAX` is split
//!   one byte of its entry keys deeper: its key keeps a split mark and its entries move to
//!   `bucket key ‖ entry key[..depth]`, one chunk per value of their next byte (split again
//!   while still too big; a chunk of one record is never split). A case's chunk is found by
//!   going one byte deeper while the key holds a split mark. Ids are chosen by clients, so a
//!   writer could choose ids that share a bucket: the bucket splits instead of growing.
//!
//! Size: the 1M-event synthetic ledger has ~139k cases, ~8.5 per bucket (~2.4 KB); at 10×,
//! ~24 KB, which a live batch rewrites when it changes one of them. Past ~7.5 KB a bucket
//! (from ~3M events) makes a sled leaf of 17 of them larger than sled's 128 KiB log message,
//! so the leaf is written as a blob file of its own: slower, not wrong; more buckets would
//! need a new cases version.

use std::collections::BTreeMap;

use govledger_core::codec::encode_payload;
use govledger_core::domain::event::DomainEvent;
use uuid::Uuid;

use crate::cases::index::{self, CASE_TAG};
use crate::cases::view::{CaseKind, CaseView};
use crate::cases::{case_of_stream, fold_event};
use crate::error::{ApplyError, ProjectionError};
use crate::ledger::earlier_events;
use crate::projection::ProjectedEvent;
use crate::runner::read_model::decode_record;
use crate::runner::{IndexUpkeep, MEMO_KEY_PREFIX, ReadModel, ReadModelWrites};
use crate::storage::bucket::bucket_of;
use crate::storage::keys::Key;
use crate::storage::split;

/// Record buckets: 16,384.
const RECORD_BUCKET_BITS: u32 = 14;
/// A building generation's pending records: `tag ‖ first position of the batch (u64 BE) ‖
/// part (u32 BE)` → entries in the order the batch wrote them, each as in a bucket followed by
/// the case's index state (`index::encode_index_state`) and its length (u32 BE) before it.
pub(crate) const PENDING_TAG: u8 = b'q';
/// A pending part is closed once it holds this many bytes: sled 0.34 rewrites a leaf (up to
/// 17 values) as one log message, which becomes a separate blob file above ~128 KiB.
const PENDING_PART_BYTES: usize = 6 * 1024;
/// The note under which a building batch keeps its first position.
const BATCH_START_NOTE: [u8; 2] = [MEMO_KEY_PREFIX, PENDING_TAG];
/// Bytes of an entry's key: kind tag and case id.
const ENTRY_KEY_BYTES: usize = 17;
/// Largest chunk of a bucket before it is split one byte of the entry keys deeper (one
/// record may be larger: a chunk of one entry is never split).
const CHUNK_BYTES_MAX: usize = 32 * 1024;

type EntryKey = [u8; ENTRY_KEY_BYTES];

fn entry_key(kind: CaseKind, id: &Uuid) -> EntryKey {
    let mut key = [0u8; ENTRY_KEY_BYTES];
    key[0] = kind.tag();
    key[1..].copy_from_slice(id.as_bytes());
    key
}

/// The key a batch keeps a case under (and a building generation its memo).
pub(crate) fn batch_key(kind: CaseKind, id: &Uuid) -> Vec<u8> {
    Key::tag(MEMO_KEY_PREFIX)
        .byte(CASE_TAG)
        .raw(&entry_key(kind, id))
        .into_bytes()
}

fn bucket_key(id: &Uuid) -> Vec<u8> {
    bucket_key_of(bucket_of(id, RECORD_BUCKET_BITS))
}

fn bucket_key_of(bucket: u16) -> Vec<u8> {
    let mut key = Vec::with_capacity(3);
    key.push(CASE_TAG);
    key.extend_from_slice(&bucket.to_be_bytes());
    key
}

fn pending_key(first_position: u64, part: u32) -> Vec<u8> {
    let mut key = Key::tag(PENDING_TAG).u64(first_position).into_bytes();
    key.extend_from_slice(&part.to_be_bytes());
    key
}

fn push_entry(list: &mut Vec<u8>, key: &[u8], record: &[u8]) -> Result<(), ApplyError> {
    let length = u32::try_from(record.len())
        .map_err(|_| ApplyError::Inconsistent("a case record exceeds 4 GiB".into()))?;
    list.extend_from_slice(key);
    list.extend_from_slice(&length.to_be_bytes());
    list.extend_from_slice(record);
    Ok(())
}

/// The entries of a bucket, in stored order; `None` if it is malformed.
fn entries(list: &[u8]) -> Option<Vec<(EntryKey, &[u8])>> {
    let mut found = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let key: EntryKey = rest.get(..ENTRY_KEY_BYTES)?.try_into().ok()?;
        let (record, after) = sized(&rest[ENTRY_KEY_BYTES..])?;
        found.push((key, record));
        rest = after;
    }
    Some(found)
}

/// Appends a pending entry: the bucket entry, then the case's index state.
fn push_pending(list: &mut Vec<u8>, view: &CaseView, record: &[u8]) -> Result<(), ApplyError> {
    push_entry(list, &entry_key(view.kind, &view.case_id), record)?;
    let length_at = list.len();
    list.extend_from_slice(&[0; 4]);
    index::encode_index_state(view, list);
    let length = u32::try_from(list.len() - length_at - 4)
        .map_err(|_| ApplyError::Inconsistent("an index state exceeds 4 GiB".into()))?;
    list[length_at..length_at + 4].copy_from_slice(&length.to_be_bytes());
    Ok(())
}

/// A pending entry: the case, its record and its index state.
type PendingEntry<'a> = (EntryKey, &'a [u8], &'a [u8]);

/// The entries of a pending list, in stored order; `None` if it is malformed.
fn pending_entries(list: &[u8]) -> Option<Vec<PendingEntry<'_>>> {
    let mut found = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let key: EntryKey = rest.get(..ENTRY_KEY_BYTES)?.try_into().ok()?;
        let (record, after) = sized(&rest[ENTRY_KEY_BYTES..])?;
        let (state, after) = sized(after)?;
        found.push((key, record, state));
        rest = after;
    }
    Some(found)
}

/// A value preceded by its length (u32 BE), and what follows it.
fn sized(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let length = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    let end = 4 + usize::try_from(length).ok()?;
    Some((bytes.get(4..end)?, &bytes[end..]))
}

/// The record of a case as the batch sees it, taken out of the batch to be changed (put it
/// back with `ReadModelWrites::keep_record` under `batch_key`).
pub(crate) fn take(
    writes: &mut ReadModelWrites<'_>,
    kind: CaseKind,
    id: &Uuid,
    event: &ProjectedEvent<'_, DomainEvent>,
) -> Result<Option<CaseView>, ApplyError> {
    let key = batch_key(kind, id);
    if let Some(view) = writes.take_batch_record::<CaseView>(&key)? {
        return Ok(Some(view));
    }
    let recorded = event.recorded;
    if case_of_stream(recorded) != Some((kind, *id)) {
        return Err(ApplyError::Inconsistent(format!(
            "an event of {} {id} is in stream {}",
            kind.as_str(),
            recorded.stream_id.as_str()
        )));
    }
    if recorded.stream_version <= 1 {
        return Ok(None); // The case opens here.
    }
    match writes.index_upkeep() {
        IndexUpkeep::EveryBatch => stored(writes, kind, id),
        IndexUpkeep::BeforeGoingLive => match writes.get_record::<CaseView>(&key)? {
            Some(view) => Ok(Some(view)),
            None => refold(kind, id, event),
        },
    }
}

/// The stored record of a case, read through the batch (its bucket's pending rewrite).
fn stored(
    writes: &ReadModelWrites<'_>,
    kind: CaseKind,
    id: &Uuid,
) -> Result<Option<CaseView>, ApplyError> {
    let wanted = entry_key(kind, id);
    let (_, chunk) = split::locate(
        &bucket_key(id),
        &wanted,
        |key| writes.get(key),
        ApplyError::Storage,
    )?;
    match chunk {
        None => Ok(None),
        Some(chunk) => find(&chunk, kind, id).map_err(|e| ApplyError::Storage(e.to_string())),
    }
}

/// Writes `entries` (sorted by key, sharing the `depth` key bytes `key` ends with) as the
/// chunk `key`, split one byte deeper while they would pass `CHUNK_BYTES_MAX`.
fn store_chunk(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    depth: usize,
    entries: &[(EntryKey, &[u8])],
) -> Result<(), ApplyError> {
    let bytes = |entries: &[(EntryKey, &[u8])]| -> usize {
        entries
            .iter()
            .map(|(_, record)| ENTRY_KEY_BYTES + 4 + record.len())
            .sum()
    };
    let encode = |entries: &[(EntryKey, &[u8])]| -> Result<Vec<u8>, ApplyError> {
        let mut value = Vec::with_capacity(bytes(entries));
        for (entry, record) in entries {
            push_entry(&mut value, entry, record)?;
        }
        Ok(value)
    };
    let how = split::Entries {
        key_of: &|(entry, _): &(EntryKey, &[u8])| -> &[u8] { entry },
        fit: &|entries: &[(EntryKey, &[u8])]| bytes(entries) <= CHUNK_BYTES_MAX,
        encode: &encode,
    };
    split::store(writes, key, depth, entries, &how)
}

fn find(bucket: &[u8], kind: CaseKind, id: &Uuid) -> Result<Option<CaseView>, ProjectionError> {
    let wanted = entry_key(kind, id);
    let found = entries(bucket)
        .ok_or_else(|| ProjectionError::Corrupt(format!("case record bucket of {id}")))?
        .into_iter()
        .find(|(key, _)| *key == wanted);
    match found {
        None => Ok(None),
        Some((_, record)) => decode_record(record).map(Some),
    }
}

/// Folds the case's events before `event` again, from its stream in the ledger.
fn refold(
    kind: CaseKind,
    id: &Uuid,
    event: &ProjectedEvent<'_, DomainEvent>,
) -> Result<Option<CaseView>, ApplyError> {
    let mut view = None;
    for earlier in earlier_events(event.ledger, event.recorded)? {
        let decoded = DomainEvent::decode_recorded(&earlier)
            .map_err(|e| ApplyError::Undecodable(format!("{} event: {e}", earlier.event_type)))?;
        if let Some((case, folded)) = fold_event(view.take(), &decoded, &earlier)? {
            if case != (kind, *id) {
                return Err(ApplyError::Inconsistent(format!(
                    "stream {} holds an event of {} {}",
                    earlier.stream_id.as_str(),
                    case.0.as_str(),
                    case.1
                )));
            }
            view = Some(folded);
        }
    }
    Ok(view)
}

/// Remembers where a building batch begins (its pending lists are named after it).
pub(crate) fn note_batch_start(writes: &mut ReadModelWrites<'_>, position: u64) {
    if writes.index_upkeep() == IndexUpkeep::BeforeGoingLive {
        writes.note_once(&BATCH_START_NOTE, || position);
    }
}

/// Stores the records the batch changed (`Projection::finish_batch`, after the indexes).
pub(crate) fn store(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    match writes.index_upkeep() {
        IndexUpkeep::EveryBatch => store_live(writes),
        IndexUpkeep::BeforeGoingLive => store_pending(writes),
    }
}

fn encode(view: &CaseView) -> Result<Vec<u8>, ApplyError> {
    encode_payload(view).map_err(|e| ApplyError::Storage(format!("encoding a case: {e}")))
}

/// A chunk a live batch changes: its stored value, and the records the batch changed in it.
type TouchedChunk = (Option<Vec<u8>>, Vec<(EntryKey, Vec<u8>)>);

/// Rewrites each chunk the batch touched once, with its changed records.
fn store_live(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    let mut touched: BTreeMap<Vec<u8>, TouchedChunk> = BTreeMap::new();
    for (_, view) in writes.take_records::<CaseView>() {
        let entry = entry_key(view.kind, &view.case_id);
        let (chunk, stored) = split::locate(
            &bucket_key(&view.case_id),
            &entry,
            |key| writes.get(key),
            ApplyError::Storage,
        )?;
        touched
            .entry(chunk)
            .or_insert_with(|| (stored, Vec::new()))
            .1
            .push((entry, encode(&view)?));
    }
    for (key, (stored, changed)) in touched {
        let stored = stored.unwrap_or_default();
        let mut chunk: BTreeMap<EntryKey, &[u8]> = entries(&stored)
            .ok_or_else(|| ApplyError::Storage(format!("case record chunk {key:02x?}")))?
            .into_iter()
            .collect();
        for (entry, record) in &changed {
            chunk.insert(*entry, record);
        }
        let depth = key.len() - bucket_key_of(0).len();
        let sorted: Vec<(EntryKey, &[u8])> = chunk.into_iter().collect();
        store_chunk(writes, key, depth, &sorted)?;
    }
    Ok(())
}

/// Appends the batch's changed records to its pending lists and keeps them as memos.
fn store_pending(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    let records = writes.take_records::<CaseView>();
    let Some(first_position) = writes.take_note::<u64>(&BATCH_START_NOTE)? else {
        return match records.is_empty() {
            true => Ok(()),
            false => Err(ApplyError::Inconsistent(
                "a building batch changed cases without noting where it began".into(),
            )),
        };
    };
    let mut part = 0u32;
    let mut list = Vec::new();
    for (key, view) in records {
        let record = encode(&view)?;
        push_pending(&mut list, &view, &record)?;
        writes.insert(key, record);
        if list.len() >= PENDING_PART_BYTES {
            writes.insert(pending_key(first_position, part), std::mem::take(&mut list));
            part += 1;
        }
    }
    if !list.is_empty() {
        writes.insert(pending_key(first_position, part), list);
    }
    Ok(())
}

/// Turns a building generation's pending lists into buckets (`Projection::build_indexes`):
/// the last version of every case, each bucket written once, the lists removed. Then hands
/// every case's index state to `index`.
pub(crate) fn build(
    model: &ReadModel,
    writes: &mut ReadModelWrites<'_>,
    index: impl FnOnce(Vec<&[u8]>, &mut ReadModelWrites<'_>) -> Result<(), ApplyError>,
) -> Result<(), ApplyError> {
    let malformed = || ApplyError::Storage("a pending case list is malformed".into());
    let prefix = [PENDING_TAG];
    let mut lists = Vec::new();
    for stored in model.scan_from(&prefix, &prefix) {
        let (key, list) = stored.map_err(|e| ApplyError::Storage(e.to_string()))?;
        writes.remove(key.to_vec());
        lists.push(list);
    }
    // Every version of every case, in position order; a stable sort by case keeps that order
    // among a case's versions, and the last one wins.
    let mut versions: Vec<PendingEntry<'_>> = Vec::new();
    for list in &lists {
        versions.extend(pending_entries(list).ok_or_else(malformed)?);
    }
    versions.sort_by_key(|(key, _, _)| *key);
    let mut last: Vec<(u16, PendingEntry<'_>)> = Vec::with_capacity(versions.len());
    for (n, version) in versions.iter().enumerate() {
        let key = version.0;
        if versions.get(n + 1).is_none_or(|(next, _, _)| *next != key) {
            let id = Uuid::from_slice(&key[1..]).map_err(|_| malformed())?;
            last.push((bucket_of(&id, RECORD_BUCKET_BITS), *version));
        }
    }
    // Stable: within a bucket, the entries stay sorted by key.
    last.sort_by_key(|(bucket, _)| *bucket);
    let mut start = 0;
    while start < last.len() {
        let bucket = last[start].0;
        let end = start
            + last[start..]
                .iter()
                .take_while(|(b, _)| *b == bucket)
                .count();
        let entries: Vec<(EntryKey, &[u8])> = last[start..end]
            .iter()
            .map(|(_, (key, record, _))| (*key, *record))
            .collect();
        store_chunk(writes, bucket_key_of(bucket), 0, &entries)?;
        start = end;
    }
    index(
        last.into_iter().map(|(_, (_, _, state))| state).collect(),
        writes,
    )
}

/// One case by id, from the answering read model.
pub(crate) fn get(
    model: &ReadModel,
    kind: CaseKind,
    id: &Uuid,
) -> Result<Option<CaseView>, ProjectionError> {
    let wanted = entry_key(kind, id);
    let (_, chunk) = split::locate(
        &bucket_key(id),
        &wanted,
        |key| model.get(key),
        ProjectionError::Corrupt,
    )?;
    match chunk {
        None => Ok(None),
        Some(chunk) => find(&chunk, kind, id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::view::samples::request;

    fn check(list: &[(EntryKey, &[u8])]) {
        let mut encoded = Vec::new();
        for (key, record) in list {
            push_entry(&mut encoded, key, record).unwrap();
        }
        assert_eq!(entries(&encoded).as_deref(), Some(list), "{list:?}");
    }

    #[test]
    fn entries_read_back_what_was_written() {
        check(&[]);
        check(&[(entry_key(CaseKind::Request, &Uuid::from_u128(7)), b"")]);
        check(&[
            (entry_key(CaseKind::Request, &Uuid::from_u128(7)), b"abc"),
            (
                entry_key(CaseKind::Decision, &Uuid::from_u128(u128::MAX)),
                &[0u8; 300],
            ),
        ]);
    }

    #[test]
    fn pending_entries_read_back_with_their_index_states() {
        let mut list = Vec::new();
        let cases = [request(1), request(2)];
        for case in &cases {
            push_pending(&mut list, case, b"record").unwrap();
        }
        let read = pending_entries(&list).unwrap();
        assert_eq!(read.len(), 2);
        for ((key, record, state), case) in read.into_iter().zip(&cases) {
            let mut expected = Vec::new();
            index::encode_index_state(case, &mut expected);
            assert_eq!(key, entry_key(case.kind, &case.case_id));
            assert_eq!((record, state), (&b"record"[..], &expected[..]));
        }
        let first_ends = {
            let mut first = Vec::new();
            push_pending(&mut first, &cases[0], b"record").unwrap();
            first.len()
        };
        for cut in (1..list.len()).filter(|cut| *cut != first_ends) {
            assert!(pending_entries(&list[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn truncated_lists_are_malformed() {
        let mut encoded = Vec::new();
        push_entry(
            &mut encoded,
            &entry_key(CaseKind::Mediation, &Uuid::from_u128(1)),
            b"record",
        )
        .unwrap();
        for cut in 1..encoded.len() {
            assert_eq!(entries(&encoded[..cut]), None, "cut at {cut}");
        }
    }
}

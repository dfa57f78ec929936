//! `PackedTable`: records by a kind and an id (the cases), many to a stored value, changed
//! through a batch that keeps them decoded, and stored once per batch in the shape that costs
//! sled the fewest keys.
//!
//! A sled key per record was three quarters of the keys a cases rebuild wrote, and every key
//! costs a commit ~15 µs of CPU under sled's process-wide lock, however small its value. So:
//! - **Buckets.** A record lives in the bucket of its id, `tag ‖ bucket (u16 BE)`, one of
//!   `2^RECORD_BUCKET_BITS` (`crate::storage::bucket`), which holds its entries sorted by kind
//!   and id: `kind tag ‖ id (16 bytes) ‖ record length (u32 BE) ‖ record`. Reading a record
//!   reads one bucket and decodes only its entry.
//! - **A batch** keeps the records it changes decoded under their memo key (`batch_key`, see
//!   `writes::MEMO_KEY_PREFIX`). When a live batch ends, each bucket it touched is rewritten
//!   once, with its changed records (`store_live`). A live batch also keeps what the read
//!   model derives from each record as it stood before the batch (`PackedRecord::before`),
//!   for it to move its index entries (`each_changed`).
//! - **A building generation** (`IndexUpkeep::BeforeGoingLive`) stores each batch's changed
//!   records in pending lists of its own instead (`pending tag ‖ the batch's first position ‖
//!   part`), each with the read model's summary of it (`PackedRecord::summarise`), and keeps
//!   them as memos, which later batches read from the lane's cache (`store_pending`). `build`
//!   keeps the last version of every record (the lists sort in position order), writes every
//!   bucket once, hands the summaries to the read model's index build (no record is decoded
//!   again) and removes the lists, before the generation goes live. A memo the cache has
//!   forgotten, or that a build resumed after a restart never had, is folded again from the
//!   ledger by the read model (`Refold`).
//! - **Splits** (`crate::storage::split`). A bucket (or chunk) that would pass
//!   `CHUNK_BYTES_MAX` is split one byte of its entry keys deeper: its key keeps a split mark
//!   and its entries move to `bucket key ‖ entry key[..depth]`, one chunk per value of their
//!   next byte (split again while still too big; a chunk of one record is never split). A
//!   record's chunk is found by going one byte deeper while the key holds a split mark. Ids
//!   are chosen by clients, so a writer could choose ids that share a bucket: the bucket
//!   splits instead of growing.
//!
//! Size: the 1M-event synthetic ledger has ~139k cases, ~8.5 per bucket (~2.4 KB); at 10×,
//! ~24 KB, which a live batch rewrites when it changes one of them. Past ~7.5 KB a bucket
//! (from ~3M events) makes a sled leaf of 17 of them larger than sled's 128 KiB log message,
//! so the leaf is written as a blob file of its own: slower, not wrong; more buckets would
//! need a new version of the read model.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use govledger_core::codec::encode_payload;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::storage::bucket::bucket_of;
use crate::storage::keys::Key;
use crate::storage::read_model::ReadModel;
use crate::storage::read_model::decode_record;
use crate::storage::split;
use crate::storage::writes::{IndexUpkeep, MEMO_KEY_PREFIX, ReadModelWrites};

/// Record buckets: 16,384.
const RECORD_BUCKET_BITS: u32 = 14;
/// A pending part is closed once it holds this many bytes: sled 0.34 rewrites a leaf (up to
/// 17 values) as one log message, which becomes a separate blob file above ~128 KiB.
const PENDING_PART_BYTES: usize = 6 * 1024;
/// Bytes of an entry's key: kind tag and id.
const ENTRY_KEY_BYTES: usize = 17;
/// Largest chunk of a bucket before it is split one byte of the entry keys deeper (one
/// record may be larger: a chunk of one entry is never split).
const CHUNK_BYTES_MAX: usize = 32 * 1024;

type EntryKey = [u8; ENTRY_KEY_BYTES];

/// The key of a packed record: its kind, as one byte, and the id whose bucket holds it.
pub(crate) trait PackedKey {
    fn kind_tag(&self) -> u8;
    fn id(&self) -> &Uuid;
}

/// A record of a packed table, and what its read model derives from it to keep its indexes.
pub(crate) trait PackedRecord: Serialize + DeserializeOwned + Send + 'static {
    /// What a live batch remembers of a record as it stood before the batch first changed
    /// it (`each_changed` hands it back with the record's new state).
    type Before: Send + 'static;

    /// `Before` of the record (`None`: there was none).
    fn before(record: Option<&Self>) -> Self::Before;

    /// Appends what a building generation keeps of each version of the record besides it
    /// (`build` hands the last version's to the read model: no record is decoded again).
    fn summarise(&self, out: &mut Vec<u8>);
}

/// How a read model folds a record again from the ledger, for the event about to change it:
/// the table's way back to a record it kept only in the lane's memory.
pub(crate) trait Refold<V> {
    /// The ledger position of the event (a building batch names its pending lists by its
    /// first).
    fn position(&self) -> u64;

    /// Whether the event is the record's first (nothing earlier is read); an error if the
    /// event cannot belong to the record.
    fn is_first_event(&self) -> Result<bool, ApplyError>;

    /// The record as the events before this one leave it.
    fn refold(&self) -> Result<Option<V>, ApplyError>;
}

/// `V` records by `K`, packed into buckets under `tag`; a building generation lists them
/// under `pending_tag` until `build`. Both tags are unique within the read model.
pub(crate) struct PackedTable<K, V> {
    tag: u8,
    pending_tag: u8,
    /// What the records are, in error messages ("case").
    name: &'static str,
    _records: PhantomData<fn() -> (K, V)>,
}

impl<K: PackedKey, V: PackedRecord> PackedTable<K, V> {
    pub(crate) const fn new(tag: u8, pending_tag: u8, name: &'static str) -> PackedTable<K, V> {
        PackedTable {
            tag,
            pending_tag,
            name,
            _records: PhantomData,
        }
    }

    /// Changes the record under `key`: `change` gets it as the batch sees it (`None`: there is
    /// none yet) and returns its new state, which the batch keeps decoded until `store`.
    /// `history` folds it again when the lane has forgotten it.
    pub(crate) fn change(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
        history: &impl Refold<V>,
        change: impl FnOnce(Option<V>) -> Result<V, ApplyError>,
    ) -> Result<(), ApplyError> {
        let upkeep = writes.index_upkeep();
        if upkeep == IndexUpkeep::BeforeGoingLive {
            writes.note_once(&self.batch_start_note(), || history.position());
        }
        let batch_key = self.batch_key(key);
        let old = self.take(writes, &batch_key, key, history)?;
        if upkeep == IndexUpkeep::EveryBatch {
            // The batch's first change of this record sees it as stored.
            writes.note_once(&batch_key, || V::before(old.as_ref()));
        }
        let new = change(old)?;
        writes.keep_record(batch_key, new);
        Ok(())
    }

    /// Calls `visit` with every record a live batch changed, as it stands now, and what the
    /// batch remembered of it before (`PackedRecord::before`); call before `store`.
    pub(crate) fn each_changed<'t>(
        &self,
        writes: &mut ReadModelWrites<'t>,
        mut visit: impl FnMut(&mut ReadModelWrites<'t>, V::Before, &V) -> Result<(), ApplyError>,
    ) -> Result<(), ApplyError> {
        let prefix = [MEMO_KEY_PREFIX, self.tag];
        for (key, before) in writes.take_notes_of::<V::Before>() {
            if !key.starts_with(&prefix) {
                writes.keep_note(key, before); // Another table's.
                continue;
            }
            let record: V = writes.take_batch_record(&key)?.ok_or_else(|| {
                ApplyError::Inconsistent(format!(
                    "a {} record changed by the batch is not in it",
                    self.name
                ))
            })?;
            visit(writes, before, &record)?;
            writes.keep_record(key, record);
        }
        Ok(())
    }

    /// Stores the records the batch changed (once, when the batch ends, after the indexes).
    pub(crate) fn store(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        match writes.index_upkeep() {
            IndexUpkeep::EveryBatch => self.store_live(writes),
            IndexUpkeep::BeforeGoingLive => self.store_pending(writes),
        }
    }

    /// Turns a building generation's pending lists into buckets (`Projection::build_indexes`):
    /// the last version of every record, each bucket written once, the lists removed. Then
    /// hands the summary of every record (`PackedRecord::summarise`) to `index`.
    pub(crate) fn build(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
        index: impl FnOnce(Vec<&[u8]>, &mut ReadModelWrites<'_>) -> Result<(), ApplyError>,
    ) -> Result<(), ApplyError> {
        let malformed =
            || ApplyError::Storage(format!("a pending {} list is malformed", self.name));
        let prefix = [self.pending_tag];
        let mut lists = Vec::new();
        for stored in model.scan_from(&prefix, &prefix) {
            let (key, list) = stored.map_err(|e| ApplyError::Storage(e.to_string()))?;
            writes.remove(key.to_vec());
            lists.push(list);
        }
        // Every version of every record, in position order; a stable sort by key keeps that
        // order among a record's versions, and the last one wins.
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
            self.store_chunk(writes, self.bucket_key_of(bucket), 0, &entries)?;
            start = end;
        }
        index(
            last.into_iter()
                .map(|(_, (_, _, summary))| summary)
                .collect(),
            writes,
        )
    }

    /// The record under `key` in the answering read model.
    pub(crate) fn read(&self, model: &ReadModel, key: &K) -> Result<Option<V>, ProjectionError> {
        let wanted = entry_key(key);
        let (_, chunk) = split::locate(
            &self.bucket_key(key.id()),
            &wanted,
            |key| model.get(key),
            ProjectionError::Corrupt,
        )?;
        match chunk {
            None => Ok(None),
            Some(chunk) => self.find(&chunk, &wanted, key.id()),
        }
    }

    /// The key a batch keeps a record under (and a building generation its memo).
    fn batch_key(&self, key: &K) -> Vec<u8> {
        Key::tag(MEMO_KEY_PREFIX)
            .byte(self.tag)
            .raw(&entry_key(key))
            .into_bytes()
    }

    /// The note under which a building batch keeps its first position.
    fn batch_start_note(&self) -> [u8; 2] {
        [MEMO_KEY_PREFIX, self.pending_tag]
    }

    fn bucket_key(&self, id: &Uuid) -> Vec<u8> {
        self.bucket_key_of(bucket_of(id, RECORD_BUCKET_BITS))
    }

    fn bucket_key_of(&self, bucket: u16) -> Vec<u8> {
        let mut key = Vec::with_capacity(3);
        key.push(self.tag);
        key.extend_from_slice(&bucket.to_be_bytes());
        key
    }

    /// A building generation's pending records: `pending tag ‖ first position of the batch
    /// (u64 BE) ‖ part (u32 BE)` → entries in the order the batch wrote them, each as in a
    /// bucket followed by the record's summary and its length (u32 BE) before it.
    fn pending_key(&self, first_position: u64, part: u32) -> Vec<u8> {
        let mut key = Key::tag(self.pending_tag).u64(first_position).into_bytes();
        key.extend_from_slice(&part.to_be_bytes());
        key
    }

    /// The record as the batch sees it, taken out of the batch to be changed.
    fn take(
        &self,
        writes: &mut ReadModelWrites<'_>,
        batch_key: &[u8],
        key: &K,
        history: &impl Refold<V>,
    ) -> Result<Option<V>, ApplyError> {
        if let Some(record) = writes.take_batch_record::<V>(batch_key)? {
            return Ok(Some(record));
        }
        if history.is_first_event()? {
            return Ok(None); // The record begins here.
        }
        match writes.index_upkeep() {
            IndexUpkeep::EveryBatch => self.stored(writes, key),
            IndexUpkeep::BeforeGoingLive => match writes.get_record::<V>(batch_key)? {
                Some(record) => Ok(Some(record)),
                None => history.refold(),
            },
        }
    }

    /// The stored record, read through the batch (its bucket's pending rewrite).
    fn stored(&self, writes: &ReadModelWrites<'_>, key: &K) -> Result<Option<V>, ApplyError> {
        let wanted = entry_key(key);
        let (_, chunk) = split::locate(
            &self.bucket_key(key.id()),
            &wanted,
            |key| writes.get(key),
            ApplyError::Storage,
        )?;
        match chunk {
            None => Ok(None),
            Some(chunk) => self
                .find(&chunk, &wanted, key.id())
                .map_err(|e| ApplyError::Storage(e.to_string())),
        }
    }

    fn find(
        &self,
        bucket: &[u8],
        wanted: &EntryKey,
        id: &Uuid,
    ) -> Result<Option<V>, ProjectionError> {
        let found = entries(bucket)
            .ok_or_else(|| {
                ProjectionError::Corrupt(format!("{} record bucket of {id}", self.name))
            })?
            .into_iter()
            .find(|(key, _)| key == wanted);
        match found {
            None => Ok(None),
            Some((_, record)) => decode_record(record).map(Some),
        }
    }

    fn encode(&self, record: &V) -> Result<Vec<u8>, ApplyError> {
        encode_payload(record)
            .map_err(|e| ApplyError::Storage(format!("encoding a {} record: {e}", self.name)))
    }

    /// Every record of this table the batch holds, by batch key; records of another table
    /// of the same type stay in the batch.
    fn take_changed(&self, writes: &mut ReadModelWrites<'_>) -> Vec<(Vec<u8>, V)> {
        let records = writes.take_records::<V>();
        let prefix = [MEMO_KEY_PREFIX, self.tag];
        if records.iter().all(|(key, _)| key.starts_with(&prefix)) {
            return records;
        }
        let (mine, others): (Vec<_>, Vec<_>) = records
            .into_iter()
            .partition(|(key, _)| key.starts_with(&prefix));
        for (key, record) in others {
            writes.keep_record(key, record);
        }
        mine
    }

    /// The entry key of a record the batch keeps under `batch_key`.
    fn entry_of(&self, batch_key: &[u8]) -> Result<EntryKey, ApplyError> {
        batch_key
            .get(2..)
            .and_then(|entry| EntryKey::try_from(entry).ok())
            .ok_or_else(|| {
                ApplyError::Inconsistent(format!("a {} record's batch key is malformed", self.name))
            })
    }

    /// Rewrites each chunk the batch touched once, with its changed records.
    fn store_live(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        let mut touched: BTreeMap<Vec<u8>, TouchedChunk> = BTreeMap::new();
        for (batch_key, record) in self.take_changed(writes) {
            let entry = self.entry_of(&batch_key)?;
            let id = entry_id(&entry);
            let (chunk, stored) = split::locate(
                &self.bucket_key(&id),
                &entry,
                |key| writes.get(key),
                ApplyError::Storage,
            )?;
            touched
                .entry(chunk)
                .or_insert_with(|| (stored, Vec::new()))
                .1
                .push((entry, self.encode(&record)?));
        }
        for (key, (stored, changed)) in touched {
            let stored = stored.unwrap_or_default();
            let mut chunk: BTreeMap<EntryKey, &[u8]> = entries(&stored)
                .ok_or_else(|| {
                    ApplyError::Storage(format!("{} record chunk {key:02x?}", self.name))
                })?
                .into_iter()
                .collect();
            for (entry, record) in &changed {
                chunk.insert(*entry, record);
            }
            let depth = key.len() - self.bucket_key_of(0).len();
            let sorted: Vec<(EntryKey, &[u8])> = chunk.into_iter().collect();
            self.store_chunk(writes, key, depth, &sorted)?;
        }
        Ok(())
    }

    /// Appends the batch's changed records to its pending lists and keeps them as memos.
    fn store_pending(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        let records = self.take_changed(writes);
        let Some(first_position) = writes.take_note::<u64>(&self.batch_start_note())? else {
            return match records.is_empty() {
                true => Ok(()),
                false => Err(ApplyError::Inconsistent(format!(
                    "a building batch changed {} records without noting where it began",
                    self.name
                ))),
            };
        };
        let mut part = 0u32;
        let mut list = Vec::new();
        for (batch_key, record) in records {
            let entry = self.entry_of(&batch_key)?;
            let encoded = self.encode(&record)?;
            push_pending(&mut list, &entry, &encoded, |out| record.summarise(out))?;
            writes.insert(batch_key, encoded);
            if list.len() >= PENDING_PART_BYTES {
                writes.insert(
                    self.pending_key(first_position, part),
                    std::mem::take(&mut list),
                );
                part += 1;
            }
        }
        if !list.is_empty() {
            writes.insert(self.pending_key(first_position, part), list);
        }
        Ok(())
    }

    /// Writes `entries` (sorted by key, sharing the `depth` key bytes `key` ends with) as the
    /// chunk `key`, split one byte deeper while they would pass `CHUNK_BYTES_MAX`.
    fn store_chunk(
        &self,
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
}

/// A chunk a live batch changes: its stored value, and the records the batch changed in it.
type TouchedChunk = (Option<Vec<u8>>, Vec<(EntryKey, Vec<u8>)>);

/// A pending entry: the record's entry key, the record and its summary.
type PendingEntry<'a> = (EntryKey, &'a [u8], &'a [u8]);

fn entry_key(key: &impl PackedKey) -> EntryKey {
    let mut entry = [0u8; ENTRY_KEY_BYTES];
    entry[0] = key.kind_tag();
    entry[1..].copy_from_slice(key.id().as_bytes());
    entry
}

fn entry_id(entry: &EntryKey) -> Uuid {
    let mut id = [0u8; 16];
    id.copy_from_slice(&entry[1..]);
    Uuid::from_bytes(id)
}

fn push_entry(list: &mut Vec<u8>, key: &[u8], record: &[u8]) -> Result<(), ApplyError> {
    let length = u32::try_from(record.len())
        .map_err(|_| ApplyError::Inconsistent("a packed record exceeds 4 GiB".into()))?;
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

/// Appends a pending entry: the bucket entry, then the summary `summarise` appends.
fn push_pending(
    list: &mut Vec<u8>,
    entry: &EntryKey,
    record: &[u8],
    summarise: impl FnOnce(&mut Vec<u8>),
) -> Result<(), ApplyError> {
    push_entry(list, entry, record)?;
    let length_at = list.len();
    list.extend_from_slice(&[0; 4]);
    summarise(list);
    let length = u32::try_from(list.len() - length_at - 4)
        .map_err(|_| ApplyError::Inconsistent("a record's summary exceeds 4 GiB".into()))?;
    list[length_at..length_at + 4].copy_from_slice(&length.to_be_bytes());
    Ok(())
}

/// The entries of a pending list, in stored order; `None` if it is malformed.
fn pending_entries(list: &[u8]) -> Option<Vec<PendingEntry<'_>>> {
    let mut found = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let key: EntryKey = rest.get(..ENTRY_KEY_BYTES)?.try_into().ok()?;
        let (record, after) = sized(&rest[ENTRY_KEY_BYTES..])?;
        let (summary, after) = sized(after)?;
        found.push((key, record, summary));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: u8, id: u128) -> EntryKey {
        let mut key = [kind; ENTRY_KEY_BYTES];
        key[1..].copy_from_slice(&id.to_be_bytes());
        key
    }

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
        check(&[(key(b'r', 7), b"")]);
        check(&[(key(b'r', 7), b"abc"), (key(b'd', u128::MAX), &[0u8; 300])]);
    }

    #[test]
    fn pending_entries_read_back_with_their_summaries() {
        let written: [(EntryKey, &[u8], &[u8]); 2] = [
            (key(b'r', 1), b"record", b"summary of 1"),
            (key(b'r', 2), b"record", b""),
        ];
        let mut list = Vec::new();
        for (key, record, summary) in written {
            push_pending(&mut list, &key, record, |out| {
                out.extend_from_slice(summary)
            })
            .unwrap();
        }
        assert_eq!(pending_entries(&list).unwrap(), written);
        let first_ends = ENTRY_KEY_BYTES + 4 + 6 + 4 + 12;
        for cut in (1..list.len()).filter(|cut| *cut != first_ends) {
            assert!(pending_entries(&list[..cut]).is_none(), "cut at {cut}");
        }
    }

    #[test]
    fn truncated_lists_are_malformed() {
        let mut encoded = Vec::new();
        push_entry(&mut encoded, &key(b'm', 1), b"record").unwrap();
        for cut in 1..encoded.len() {
            assert_eq!(entries(&encoded[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn entry_keys_hold_the_kind_and_the_id() {
        struct Case(u8, Uuid);
        impl PackedKey for Case {
            fn kind_tag(&self) -> u8 {
                self.0
            }
            fn id(&self) -> &Uuid {
                &self.1
            }
        }
        let id = Uuid::from_u128(0x0190_a0b1_7c2d_7def_8123_4567_89ab_cdef);
        let entry = entry_key(&Case(b'w', id));
        assert_eq!(entry, key(b'w', id.as_u128()));
        assert_eq!(entry_id(&entry), id);
    }
}

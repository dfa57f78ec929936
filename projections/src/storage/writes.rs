//! `ReadModelWrites`: the writes of one batch to one projection's tree, held in memory until
//! the runner commits them with the checkpoint in one atomic `apply_batch`.
//!
//! Reads go through the batch first, so an event sees what earlier events of the same batch
//! wrote; several updates of one key within a batch collapse into one stored write, which is
//! what makes catching up fast. Two layers hold the batch:
//! - the overlay: encoded values (or removals) by key;
//! - the record cache: records a projection reads and rewrites often (a case, a month's
//!   counters), kept decoded for the whole batch (`take_record`, `record_or_default`) and
//!   encoded once, into the overlay, when the batch ends (`flush_records`).
//!
//! A key in the record cache is newer than the overlay's value for it.

use std::any::Any;
// foldhash, not std's SipHash: a rebuild hashes millions of keys a second here (SipHash was
// ~8% of its CPU). Keys embed ids that clients choose; foldhash is seeded at random per
// process, so colliding ids cannot be prepared offline. It is weaker than SipHash against an
// attacker who probes the running process, and a batch's maps live for one batch only.
use foldhash::{HashMap, HashMapExt};

use govledger_core::codec::{decode_payload, encode_payload};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApplyError;
use crate::storage::StoredTree;
use crate::storage::lane_cache::{Cached, LaneCache};

/// Keys starting with this byte belong to the runner (the checkpoint); a projection's keys
/// start with any other byte.
pub(crate) const RUNNER_KEY_PREFIX: u8 = 0x00;

/// Keys starting with this byte are the lane's memory, never stored. A batch writes them like
/// any key and later batches read them (through the batch being committed, then the lane's
/// cache), but a commit leaves them out, and once the cache has forgotten one it reads as
/// absent. A projection keeps there what it stores elsewhere in another shape (a building
/// generation's case records, stored in pending lists) and can recover when it is forgotten.
pub(crate) const MEMO_KEY_PREFIX: u8 = 0x01;

/// Whether `key` is a memo (see `MEMO_KEY_PREFIX`).
pub(crate) fn is_memo(key: &[u8]) -> bool {
    key.first() == Some(&MEMO_KEY_PREFIX)
}

/// Number of changes a commit stores (memos are not stored).
pub(crate) fn stored_keys(changes: &[Change]) -> usize {
    changes.iter().filter(|(key, _)| !is_memo(key)).count()
}

/// A decoded record waiting in the cache; knows how to encode itself.
trait CachedRecord: Send {
    fn encode(&self) -> Result<Vec<u8>, ApplyError>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Serialize + Send + 'static> CachedRecord for T {
    fn encode(&self) -> Result<Vec<u8>, ApplyError> {
        encode_payload(self)
            .map_err(|e| ApplyError::Storage(format!("encoding a read-model record: {e}")))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

/// One committed change: a key and its new value (`None`: removed).
pub(crate) type Change = (sled::IVec, Option<sled::IVec>);

/// What a batch reads under keys it has not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reads {
    /// The lane's committed state.
    Stored,
    /// Nothing: every key starts empty (a blank batch, see `blank`).
    Nothing,
}

/// When a lane brings its projection's indexes (keys derived from its records, e.g. a list
/// sorted by a field) up to date. A projection that keeps no indexes may ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexUpkeep {
    /// With every batch (a live lane; a generation begun by an older version).
    EveryBatch,
    /// Once, from the records, just before the generation goes live
    /// (`Projection::build_indexes`): a generation built from position 1 is not read before
    /// then, and writing each index once spares a rebuild rewriting it in every batch.
    BeforeGoingLive,
}

/// Whether a batch's changes are committed (or only looked at, then thrown away).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Changes {
    Committed,
    Discarded,
}

pub struct ReadModelWrites<'t> {
    tree: &'t StoredTree,
    reads: Reads,
    changes: Changes,
    index_upkeep: IndexUpkeep,
    /// The changes of the lane's previous batch, sorted by key, while its commit is under
    /// way (empty otherwise): newer than the cache and the tree.
    committing: &'t [Change],
    /// What the lane knows of its tree without reading it.
    cache: &'t LaneCache,
    /// `Some(value)` to write, `None` to remove. Put in key order once, when the batch ends.
    overlay: HashMap<Vec<u8>, Option<Vec<u8>>>,
    records: HashMap<Vec<u8>, Box<dyn CachedRecord>>,
    /// Values that live for one batch and are never stored (see `note_once`). A hash map:
    /// a batch notes tens of thousands of keys (one per event for the audit), and a B-tree
    /// of long keys sharing their prefixes spent a fifth of the folds in `memcmp`.
    notes: HashMap<Vec<u8>, Box<dyn Any + Send>>,
}

impl<'t> ReadModelWrites<'t> {
    /// Writes that read through `cache` before the tree.
    pub(crate) fn new(
        tree: &'t StoredTree,
        cache: &'t LaneCache,
        index_upkeep: IndexUpkeep,
        committing: &'t [Change],
    ) -> ReadModelWrites<'t> {
        ReadModelWrites {
            tree,
            reads: Reads::Stored,
            changes: Changes::Committed,
            index_upkeep,
            committing,
            cache,
            overlay: HashMap::new(),
            records: HashMap::new(),
            notes: HashMap::new(),
        }
    }

    /// An empty batch over the same tree, for a projection to fold events whose writes it
    /// throws away (to recover what it keeps only for a batch, see `note`).
    pub(crate) fn scratch(&self) -> ReadModelWrites<'t> {
        ReadModelWrites {
            changes: Changes::Discarded,
            ..ReadModelWrites::new(self.tree, self.cache, self.index_upkeep, self.committing)
        }
    }

    /// When this batch's lane brings indexes up to date.
    pub fn index_upkeep(&self) -> IndexUpkeep {
        self.index_upkeep
    }

    /// Whether this batch's changes will be committed.
    pub(crate) fn changes(&self) -> Changes {
        self.changes
    }

    /// An empty batch that reads nothing stored either: what a projection folds into it is
    /// exactly what those events contribute (see `take_records` and `take_notes_of`).
    pub(crate) fn blank(&self) -> ReadModelWrites<'t> {
        ReadModelWrites {
            reads: Reads::Nothing,
            changes: Changes::Discarded,
            ..ReadModelWrites::new(self.tree, self.cache, self.index_upkeep, self.committing)
        }
    }

    /// Takes every record of type `T` the batch holds decoded, in key order; records of other
    /// types stay.
    pub(crate) fn take_records<T: 'static>(&mut self) -> Vec<(Vec<u8>, T)> {
        let keys: Vec<Vec<u8>> = self
            .records
            .iter()
            .filter(|(_, record)| (**record).as_any().is::<T>())
            .map(|(key, _)| key.clone())
            .collect();
        let mut taken = Vec::with_capacity(keys.len());
        for key in keys {
            let record = self.records.remove(&key).map(|record| record.into_any());
            if let Some(Ok(record)) = record.map(|record| record.downcast::<T>()) {
                taken.push((key, *record));
            }
        }
        taken.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        taken
    }

    /// The value under `key` as of the events applied so far (stored, then this batch).
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ApplyError> {
        if let Some(record) = self.records.get(key) {
            return record.encode().map(Some);
        }
        match self.overlay.get(key) {
            Some(pending) => Ok(pending.clone()),
            None => Ok(self.stored(key)?.map(|value| value.to_vec())),
        }
    }

    /// Whether a value exists under `key`.
    pub fn contains(&self, key: &[u8]) -> Result<bool, ApplyError> {
        if self.records.contains_key(key) {
            return Ok(true);
        }
        match self.overlay.get(key) {
            Some(pending) => Ok(pending.is_some()),
            None => Ok(self.stored(key)?.is_some()),
        }
    }

    /// The value under `key` before this batch: from the batch being committed, else from
    /// the lane's cache when it knows, else the tree.
    fn stored(&self, key: &[u8]) -> Result<Option<sled::IVec>, ApplyError> {
        if self.reads == Reads::Nothing {
            return Ok(None);
        }
        if let Ok(found) = self
            .committing
            .binary_search_by(|(committing, _)| committing.as_ref().cmp(key))
        {
            return Ok(self.committing[found].1.clone());
        }
        match self.cache.lookup(key) {
            Cached::Known(value) => Ok(value),
            Cached::Unknown if is_memo(key) => Ok(None),
            Cached::Unknown => Ok(self.tree.get(key)?),
        }
    }

    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        assert_projection_key(&key);
        self.records.remove(&key);
        self.overlay.insert(key, Some(value));
    }

    pub fn remove(&mut self, key: Vec<u8>) {
        assert_projection_key(&key);
        self.records.remove(&key);
        self.overlay.insert(key, None);
    }

    /// The record under `key`, decoded.
    pub fn get_record<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, ApplyError> {
        match self.get(key)? {
            None => Ok(None),
            Some(bytes) => decode_record_at(key, &bytes).map(Some),
        }
    }

    pub fn put_record<T: Serialize>(&mut self, key: Vec<u8>, record: &T) -> Result<(), ApplyError> {
        let bytes = encode_payload(record)
            .map_err(|e| ApplyError::Storage(format!("encoding a read-model record: {e}")))?;
        self.insert(key, bytes);
        Ok(())
    }

    /// Takes the record under `key` out of the batch to change it (decoding it only if the
    /// batch does not hold it decoded already); put it back with `keep_record`.
    pub fn take_record<T: DeserializeOwned + 'static>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<T>, ApplyError> {
        if let Some(record) = self.records.remove(key) {
            return record
                .into_any()
                .downcast::<T>()
                .map(|record| Some(*record))
                .map_err(|_| read_as_two_types(key));
        }
        self.get_record(key)
    }

    /// The record under `key` if the batch holds it decoded as a `T`; reads nothing else.
    pub(crate) fn batch_record<T: 'static>(&self, key: &[u8]) -> Option<&T> {
        self.records
            .get(key)
            .and_then(|record| (**record).as_any().downcast_ref::<T>())
    }

    /// Takes the record under `key` out of the batch if the batch holds it decoded; reads
    /// nothing else.
    pub(crate) fn take_batch_record<T: 'static>(
        &mut self,
        key: &[u8],
    ) -> Result<Option<T>, ApplyError> {
        match self.records.remove(key) {
            None => Ok(None),
            Some(record) => record
                .into_any()
                .downcast::<T>()
                .map(|record| Some(*record))
                .map_err(|_| read_as_two_types(key)),
        }
    }

    /// Keeps `record` decoded under `key` for the rest of the batch; it is encoded once when
    /// the batch ends.
    pub fn keep_record<T: Serialize + Send + 'static>(&mut self, key: Vec<u8>, record: T) {
        assert_projection_key(&key);
        self.records.insert(key, Box::new(record));
    }

    /// The record under `key` (its default if there is none), kept decoded for the rest of
    /// the batch and changed in place.
    pub fn record_or_default<T>(&mut self, key: &[u8]) -> Result<&mut T, ApplyError>
    where
        T: Serialize + DeserializeOwned + Default + Send + 'static,
    {
        if !self.records.contains_key(key) {
            let record: T = self.get_record(key)?.unwrap_or_default();
            assert_projection_key(key);
            return self
                .records
                .entry(key.to_vec())
                .insert_entry(Box::new(record))
                .into_mut()
                .as_any_mut()
                .downcast_mut::<T>()
                .ok_or_else(|| read_as_two_types(key));
        }
        self.records
            .get_mut(key)
            .and_then(|record| record.as_any_mut().downcast_mut::<T>())
            .ok_or_else(|| read_as_two_types(key))
    }

    /// Appends `bytes` to the value under `key` (an empty value if there is none), in place:
    /// a list that many events of a batch extend is read once and written once.
    pub fn append(&mut self, key: Vec<u8>, bytes: &[u8]) -> Result<(), ApplyError> {
        assert_projection_key(&key);
        if let Some(Some(value)) = self.overlay.get_mut(&key) {
            value.extend_from_slice(bytes);
            return Ok(());
        }
        let mut value = self.get(&key)?.unwrap_or_default();
        value.extend_from_slice(bytes);
        self.insert(key, value);
        Ok(())
    }

    /// Keeps `value` under `key` for the rest of the batch, unless a note is already there;
    /// returns whether this call stored it. A projection notes what it needs at the end of
    /// the batch (`Projection::finish_batch`), e.g. a record as it stood before the batch.
    pub fn note_once<T: Send + 'static>(&mut self, key: &[u8], value: impl FnOnce() -> T) -> bool {
        if self.notes.contains_key(key) {
            return false;
        }
        self.notes.insert(key.to_vec(), Box::new(value()));
        true
    }

    /// The note under `key`, if the batch holds one of type `T`.
    pub fn note<T: 'static>(&self, key: &[u8]) -> Option<&T> {
        let note: &(dyn Any + Send) = self.notes.get(key)?.as_ref();
        (note as &dyn Any).downcast_ref::<T>()
    }

    /// Takes the note under `key` out of the batch.
    pub fn take_note<T: 'static>(&mut self, key: &[u8]) -> Result<Option<T>, ApplyError> {
        let Some(note) = self.notes.remove(key) else {
            return Ok(None);
        };
        let note: Box<dyn Any> = note;
        note.downcast::<T>()
            .map(|note| Some(*note))
            .map_err(|_| read_as_two_types(key))
    }

    /// Keeps `value` under `key` for the rest of the batch, replacing any note there.
    pub fn keep_note<T: Send + 'static>(&mut self, key: Vec<u8>, value: T) {
        self.notes.insert(key, Box::new(value));
    }

    /// Every note of type `T` the batch holds, with its key, in no particular order.
    pub fn notes_of<T: 'static>(&self) -> impl Iterator<Item = (&[u8], &T)> {
        self.notes.iter().filter_map(|(key, note)| {
            let note: &(dyn Any + Send) = note.as_ref();
            (note as &dyn Any)
                .downcast_ref::<T>()
                .map(|note| (key.as_slice(), note))
        })
    }

    /// Whether the batch holds a note under `key`.
    pub fn has_note(&self, key: &[u8]) -> bool {
        self.notes.contains_key(key)
    }

    /// Takes every note of the batch, in key order; notes of another type are dropped.
    pub fn take_notes<T: 'static>(&mut self) -> Vec<(Vec<u8>, T)> {
        let mut notes: Vec<(Vec<u8>, T)> = std::mem::take(&mut self.notes)
            .into_iter()
            .filter_map(|(key, note)| {
                let note: Box<dyn Any> = note;
                note.downcast::<T>().ok().map(|note| (key, *note))
            })
            .collect();
        notes.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        notes
    }

    /// Takes every note of type `T` out of the batch, in key order; notes of other types stay.
    pub fn take_notes_of<T: 'static>(&mut self) -> Vec<(Vec<u8>, T)> {
        let keys: Vec<Vec<u8>> = self.notes_of::<T>().map(|(key, _)| key.to_vec()).collect();
        let mut taken: Vec<(Vec<u8>, T)> = keys
            .into_iter()
            .filter_map(|key| {
                let note: Box<dyn Any> = self.notes.remove(&key)?;
                note.downcast::<T>().ok().map(|note| (key, *note))
            })
            .collect();
        taken.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        taken
    }

    /// Number of keys this batch writes or removes.
    pub fn pending_keys(&self) -> usize {
        self.overlay.len()
            + self
                .records
                .keys()
                .filter(|key| !self.overlay.contains_key(*key))
                .count()
    }

    /// Settles the index chunks the batch touched and encodes the cached records into the
    /// overlay (the runner calls it once per batch, after `Projection::finish_batch`).
    pub(crate) fn flush_records(&mut self) -> Result<(), ApplyError> {
        crate::storage::chunks::settle_touched(self)?;
        for (key, record) in std::mem::take(&mut self.records) {
            let bytes = record.encode()?;
            self.overlay.insert(key, Some(bytes));
        }
        Ok(())
    }

    /// The changes to commit, in key order (the runner adds its own keys).
    pub(crate) fn into_changes(self) -> Vec<Change> {
        assert!(
            self.records.is_empty(),
            "the runner flushes cached records before it commits"
        );
        let mut changes: Vec<Change> = self
            .overlay
            .into_iter()
            .map(|(key, value)| (sled::IVec::from(key), value.map(sled::IVec::from)))
            .collect();
        changes.sort_unstable_by(|(a, _), (b, _)| a.cmp(b));
        changes
    }
}

/// Decodes the record stored under `key`; an error names the key, the value's size and why.
pub(crate) fn decode_record_at<T: DeserializeOwned>(
    key: &[u8],
    bytes: &[u8],
) -> Result<T, ApplyError> {
    decode_payload(bytes).map_err(|e| {
        ApplyError::Storage(format!(
            "read-model record under key {} ({} bytes) does not decode: {e}",
            crate::storage::read_model::key_hex(key),
            bytes.len()
        ))
    })
}

fn read_as_two_types(key: &[u8]) -> ApplyError {
    // A programmer error in a projection, reported rather than panicking mid-batch.
    ApplyError::Inconsistent(format!(
        "read-model key {key:02x?} is used as two record types in one batch"
    ))
}

fn assert_projection_key(key: &[u8]) {
    // A programmer error, not an input error: projections build keys from constant prefixes.
    assert!(
        key.first().is_some_and(|first| *first != RUNNER_KEY_PREFIX),
        "read-model keys must be non-empty and must not start with the runner's prefix"
    );
}

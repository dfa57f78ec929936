//! Index entries stored in chunks: one sled key per index value and time window, holding the
//! sorted entries of every case in that window.
//!
//! An index entry is 24 bytes: a timestamp as `Key::time`/`Key::time_desc` writes it (8) and a
//! case id (16). Its *virtual key* is the index prefix followed by the entry; queries page by
//! virtual keys (they are the cursors) as if every entry were a key of its own. It is stored
//! under the *chunk key*: the prefix followed by the entry's first `WINDOW_BYTES` bytes, i.e.
//! every entry whose timestamp falls into the same 2^40 µs (about 12.7 days) window shares one
//! key. Chunk keys sort like the entries they hold, so reading chunks in key order and each
//! chunk's entries in order yields the virtual keys in order.
//!
//! Why: sled 0.34 pays several microseconds per key written (a leaf copy and a log fragment),
//! and one key per case per filterable field made the cases read model the bulk of a
//! rebuild's writes. A batch now writes each chunk it touches once.
//!
//! A chunk's value is its entries concatenated, sorted (`encode_payload` of a byte string).
//! An empty chunk is removed, so a read model's keys depend only on its cases.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{ApplyError, ProjectionError};
use crate::runner::{ReadModel, ReadModelWrites};

/// Bytes of one entry: a timestamp (8) and a case id (16).
pub(crate) const ENTRY_BYTES: usize = 24;
/// Leading bytes of an entry that name its chunk (2^40 µs windows of the timestamp).
pub(crate) const WINDOW_BYTES: usize = 3;

pub(crate) type Entry = [u8; ENTRY_BYTES];

/// A chunk's entries while a batch changes them: the stored entries as read (sorted) and the
/// batch's changes, merged in one pass when the chunk is settled or encoded. Why: a rebuild
/// batch touches nearly every chunk and changes a few entries of each, and decoding every
/// entry into an ordered set and back cost more than the rest of the cases fold.
#[derive(Debug, Default)]
pub(crate) struct ChunkEntries {
    /// Entries concatenated, strictly ascending.
    stored: Vec<u8>,
    changes: BTreeMap<Entry, Presence>,
}

/// What a batch did to an entry: the last insert or remove wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Present,
    Absent,
}

impl ChunkEntries {
    fn insert(&mut self, entry: Entry) {
        self.changes.insert(entry, Presence::Present);
    }

    fn remove(&mut self, entry: Entry) {
        self.changes.insert(entry, Presence::Absent);
    }

    /// Merges the batch's changes into the stored entries.
    fn settle(&mut self) {
        if !self.changes.is_empty() {
            self.stored = merged(&self.stored, &std::mem::take(&mut self.changes));
        }
    }

    fn is_settled_and_empty(&self) -> bool {
        self.changes.is_empty() && self.stored.is_empty()
    }
}

/// `stored` (ascending entries) with `changes` applied, still ascending.
fn merged(stored: &[u8], changes: &BTreeMap<Entry, Presence>) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored.len() + changes.len() * ENTRY_BYTES);
    let mut stored = stored.chunks_exact(ENTRY_BYTES).peekable();
    for (entry, presence) in changes {
        while let Some(before) = stored.next_if(|stored| *stored < &entry[..]) {
            out.extend_from_slice(before);
        }
        // A stored copy of the entry is replaced by what the batch says of it.
        stored.next_if(|stored| *stored == &entry[..]);
        if *presence == Presence::Present {
            out.extend_from_slice(entry);
        }
    }
    for after in stored {
        out.extend_from_slice(after);
    }
    out
}

/// Marks a chunk the batch touched, to drop it at the end of the batch if it became empty.
struct ChunkTouched;

pub(crate) fn chunk_key(prefix: &[u8], entry: &Entry) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + WINDOW_BYTES);
    key.extend_from_slice(prefix);
    key.extend_from_slice(&entry[..WINDOW_BYTES]);
    key
}

/// Adds `entry` to the index under `prefix`.
pub(crate) fn insert(
    writes: &mut ReadModelWrites<'_>,
    prefix: &[u8],
    entry: Entry,
) -> Result<(), ApplyError> {
    let key = chunk_key(prefix, &entry);
    writes.note_once(&key, || ChunkTouched);
    writes
        .record_or_default::<ChunkEntries>(&key)?
        .insert(entry);
    Ok(())
}

/// Removes `entry` from the index under `prefix`.
pub(crate) fn remove(
    writes: &mut ReadModelWrites<'_>,
    prefix: &[u8],
    entry: Entry,
) -> Result<(), ApplyError> {
    let key = chunk_key(prefix, &entry);
    writes.note_once(&key, || ChunkTouched);
    writes
        .record_or_default::<ChunkEntries>(&key)?
        .remove(entry);
    Ok(())
}

/// The stored value of a chunk that holds exactly `entries` (in any order, each once).
pub(crate) fn encode_whole(mut entries: Vec<Entry>) -> Result<Vec<u8>, ApplyError> {
    entries.sort_unstable();
    let chunk = ChunkEntries {
        stored: entries.concat(),
        changes: BTreeMap::new(),
    };
    govledger_core::codec::encode_payload(&chunk)
        .map_err(|e| ApplyError::Storage(format!("encoding an index chunk: {e}")))
}

/// Removes the chunks the batch emptied. Call once, after the batch's last `insert`/`remove`
/// (it takes the batch's chunk notes).
pub(crate) fn drop_emptied(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    for (key, ChunkTouched) in writes.take_notes::<ChunkTouched>() {
        let chunk = writes.record_or_default::<ChunkEntries>(&key)?;
        chunk.settle();
        if chunk.is_settled_and_empty() {
            writes.remove(key);
        }
    }
    Ok(())
}

/// Where a scan starts, as a virtual key.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ScanStart<'a> {
    /// At the first entry at or after this virtual key.
    AtOrAfter(&'a [u8]),
    /// At the first entry after this virtual key.
    After(&'a [u8]),
}

/// The virtual keys of the index under `prefix`, in order, from `start`.
pub(crate) fn scan(
    model: &ReadModel,
    prefix: &[u8],
    start: ScanStart<'_>,
) -> impl Iterator<Item = Result<Vec<u8>, ProjectionError>> + use<> {
    let (bound, after) = match start {
        ScanStart::AtOrAfter(key) => (key, false),
        ScanStart::After(key) => (key, true),
    };
    let first_chunk = chunk_of_virtual(prefix, bound);
    let bound = bound.to_vec();
    let prefix = prefix.to_vec();
    let chunks = model.scan_from(&prefix, &first_chunk);
    let mut passed = false;
    flatten(chunks, prefix, ChunkOrder::Ascending).filter(move |entry| {
        if passed {
            return true;
        }
        match entry {
            Ok(key) => {
                passed = if after {
                    key.as_slice() > bound.as_slice()
                } else {
                    key.as_slice() >= bound.as_slice()
                };
                passed
            }
            Err(_) => true,
        }
    })
}

/// The virtual keys of the index under `prefix`, in reverse order, from the last one before
/// `before` (from the last one of all when `None`).
pub(crate) fn scan_rev(
    model: &ReadModel,
    prefix: &[u8],
    before: Option<&[u8]>,
) -> impl Iterator<Item = Result<Vec<u8>, ProjectionError>> + use<> {
    // Every chunk key under `prefix` has the same length, so the keys before `chunk ‖ 0x00`
    // are the chunks up to and including the one `before` falls into.
    let past_last_chunk = before.map(|key| {
        let mut past = chunk_of_virtual(prefix, key);
        past.push(0);
        past
    });
    let bound = before.map(<[u8]>::to_vec);
    let prefix = prefix.to_vec();
    let chunks = model.scan_before(&prefix, past_last_chunk.as_deref());
    flatten(chunks, prefix, ChunkOrder::Descending).filter(move |entry| match (entry, &bound) {
        (Ok(key), Some(bound)) => key.as_slice() < bound.as_slice(),
        _ => true,
    })
}

/// The chunk key a virtual key falls into (the prefix alone when it is too short to name
/// one, which sorts before every chunk).
fn chunk_of_virtual(prefix: &[u8], key: &[u8]) -> Vec<u8> {
    let end = (prefix.len() + WINDOW_BYTES).min(key.len());
    if key.starts_with(prefix) {
        key[..end].to_vec()
    } else {
        prefix.to_vec()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ChunkOrder {
    Ascending,
    Descending,
}

fn flatten(
    chunks: impl Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>>,
    prefix: Vec<u8>,
    order: ChunkOrder,
) -> impl Iterator<Item = Result<Vec<u8>, ProjectionError>> {
    chunks.flat_map(move |chunk| {
        let entries: Vec<Result<Vec<u8>, ProjectionError>> = match chunk
            .and_then(|(_, value)| crate::runner::read_model::decode_record::<FlatEntries>(&value))
        {
            Err(error) => vec![Err(error)],
            Ok(FlatEntries(bytes)) if bytes.len() % ENTRY_BYTES != 0 => {
                vec![Err(ProjectionError::Corrupt(
                    "an index chunk is not a whole number of entries".into(),
                ))]
            }
            Ok(FlatEntries(bytes)) => {
                let virtual_key = |entry: &[u8]| {
                    let mut key = Vec::with_capacity(prefix.len() + ENTRY_BYTES);
                    key.extend_from_slice(&prefix);
                    key.extend_from_slice(entry);
                    Ok(key)
                };
                let entries = bytes.chunks_exact(ENTRY_BYTES);
                match order {
                    ChunkOrder::Ascending => entries.map(virtual_key).collect(),
                    ChunkOrder::Descending => entries.rev().map(virtual_key).collect(),
                }
            }
        };
        entries
    })
}

/// A stored chunk read as its raw entries (queries only walk them in order).
struct FlatEntries(Vec<u8>);

impl Serialize for ChunkEntries {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.changes.is_empty() {
            serializer.serialize_bytes(&self.stored)
        } else {
            serializer.serialize_bytes(&merged(&self.stored, &self.changes))
        }
    }
}

impl<'de> Deserialize<'de> for ChunkEntries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let FlatEntries(bytes) = FlatEntries::deserialize(deserializer)?;
        if bytes.len() % ENTRY_BYTES != 0 {
            return Err(de::Error::custom(
                "an index chunk is not a whole number of entries",
            ));
        }
        // Checked once per read, because the merge relies on it.
        let ascending = bytes
            .chunks_exact(ENTRY_BYTES)
            .zip(bytes.chunks_exact(ENTRY_BYTES).skip(1))
            .all(|(earlier, later)| earlier < later);
        if !ascending {
            return Err(de::Error::custom(
                "an index chunk's entries are not in ascending order",
            ));
        }
        Ok(ChunkEntries {
            stored: bytes,
            changes: BTreeMap::new(),
        })
    }
}

impl<'de> Deserialize<'de> for FlatEntries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_byte_buf(BytesVisitor)
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = FlatEntries;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("the bytes of an index chunk")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<FlatEntries, E> {
        Ok(FlatEntries(bytes.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<FlatEntries, E> {
        Ok(FlatEntries(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: u64, id: u8) -> Entry {
        let mut entry = [0u8; ENTRY_BYTES];
        entry[..8].copy_from_slice(&time.to_be_bytes());
        entry[ENTRY_BYTES - 1] = id;
        entry
    }

    #[test]
    fn a_chunk_round_trips_through_its_stored_bytes() {
        let mut chunk = ChunkEntries::default();
        for added in [entry(2 << 40, 1), entry(1, 2), entry(1, 1)] {
            chunk.insert(added);
        }
        let bytes = govledger_core::codec::encode_payload(&chunk).expect("encodes");
        let flat: FlatEntries = govledger_core::codec::decode_payload(&bytes).expect("flat");
        assert_eq!(flat.0.len(), 3 * ENTRY_BYTES);
        assert_eq!(&flat.0[..ENTRY_BYTES], &entry(1, 1)[..], "sorted");
        let back: ChunkEntries = govledger_core::codec::decode_payload(&bytes).expect("set");
        assert_eq!(back.stored, flat.0);
    }

    /// Inserts or removes `changes` in order over a chunk stored with `stored`.
    fn check_changes(stored: &[Entry], changes: &[(Presence, Entry)], expect: &[Entry]) {
        let mut chunk = ChunkEntries {
            stored: stored.concat(),
            changes: BTreeMap::new(),
        };
        for (presence, changed) in changes {
            match presence {
                Presence::Present => chunk.insert(*changed),
                Presence::Absent => chunk.remove(*changed),
            }
        }
        let encoded = govledger_core::codec::encode_payload(&chunk).expect("encodes");
        chunk.settle();
        assert_eq!(chunk.stored, expect.concat(), "{stored:?} {changes:?}");
        assert!(chunk.changes.is_empty());
        let decoded: ChunkEntries =
            govledger_core::codec::decode_payload(&encoded).expect("decodes");
        assert_eq!(decoded.stored, expect.concat(), "encoded before settling");
    }

    #[test]
    fn a_batch_s_changes_merge_into_the_stored_entries() {
        use Presence::{Absent, Present};
        let (a, b, c, d) = (entry(1, 1), entry(1, 2), entry(5, 0), entry(9, 9));
        check_changes(&[], &[], &[]);
        check_changes(&[], &[(Present, c), (Present, a)], &[a, c]);
        check_changes(&[a, c], &[(Present, b), (Present, d)], &[a, b, c, d]);
        check_changes(&[a, b, c], &[(Absent, b)], &[a, c]);
        check_changes(&[a, b, c], &[(Absent, a), (Absent, c), (Absent, b)], &[]);
        check_changes(&[a, c], &[(Present, a)], &[a, c]);
        check_changes(&[a, c], &[(Absent, d)], &[a, c]);
        check_changes(&[a], &[(Absent, b), (Present, b)], &[a, b]);
        check_changes(&[a, b], &[(Present, c), (Absent, c), (Absent, a)], &[b]);
    }

    #[test]
    fn a_stored_chunk_out_of_order_is_refused() {
        let bytes =
            govledger_core::codec::encode_payload(&FlatBytes([entry(2, 0), entry(1, 0)].concat()))
                .expect("encodes");
        let read = govledger_core::codec::decode_payload::<ChunkEntries>(&bytes);
        assert!(read.is_err(), "{read:?}");
    }

    /// Bytes encoded as a chunk is stored, whatever they hold.
    struct FlatBytes(Vec<u8>);

    impl Serialize for FlatBytes {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(&self.0)
        }
    }

    #[test]
    fn entries_of_one_window_share_a_chunk_key() {
        let check = |a: u64, b: u64, same: bool| {
            let (a, b) = (chunk_key(b"p", &entry(a, 0)), chunk_key(b"p", &entry(b, 0)));
            assert_eq!(a == b, same, "{a:?} {b:?}");
        };
        check(0, (1 << 40) - 1, true);
        check(1 << 40, (2 << 40) - 1, true);
        check((1 << 40) - 1, 1 << 40, false);
    }
}

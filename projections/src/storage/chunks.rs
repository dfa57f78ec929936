//! Sorted sets of 24-byte entries stored in chunks: few sled keys per set and time window, each
//! holding a sorted run of the set. The cases' indexes (`cases/index.rs`) and the metrics'
//! time-to-close samples (`metrics/samples.rs`) are such sets.
//!
//! An entry is 24 bytes: 8 bytes that order it (a timestamp as `Key::time`/`Key::time_desc`
//! writes it, or a duration) and an id (16). Its *virtual key* is the index prefix followed by the entry; queries page by
//! virtual keys (they are the cursors) as if every entry were a key of its own.
//!
//! A chunk's key is the prefix followed by the first `depth` bytes of the entries it holds,
//! `WINDOW_BYTES <= depth <= ENTRY_BYTES`. At depth 3 every entry whose timestamp falls into
//! the same 2^40 µs (about 12.7 days) window shares one key. A chunk that holds more than
//! `CHUNK_ENTRIES_MAX` entries when a batch ends is *split*: its entries move one byte deeper,
//! into one chunk per value of their next byte (split again while still too full), and its
//! own key keeps a split mark. So a chunk never holds more than `CHUNK_ENTRIES_MAX` entries
//! (24 KiB), whatever the load: a burst of 200,000 requests on one day through one station
//! makes deeper chunks, not a bigger one. A split mark is never removed (the entries under it
//! may all go; the mark then costs one key).
//!
//! Where an entry lives: start at depth 3 and go one byte deeper while the key holds a split
//! mark; the first key without one is the entry's chunk (absent: it goes there). A chunk never
//! has keys below it, and a split mark always does or did. Chunk keys sort like the entries
//! they hold (a deeper key sorts right after its split mark and before the mark's next
//! sibling), so reading keys in order, skipping marks, and each chunk's entries in order
//! yields the virtual keys in order.
//!
//! Why chunks: sled 0.34 pays several microseconds per key written (a leaf copy and a log
//! fragment), and one key per case per filterable field made the cases read model the bulk of
//! a rebuild's writes. A batch writes each chunk it touches once.
//!
//! A chunk's value is its entries concatenated, sorted (`encode_payload` of a byte string); a
//! split mark is the one byte `SPLIT_MARK` (never a whole number of entries). An empty chunk
//! is removed, so a read model's keys depend only on its cases and on which chunks ever
//! passed the limit.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use crate::error::{ApplyError, ProjectionError};
use crate::storage::read_model::ReadModel;
use crate::storage::writes::ReadModelWrites;

/// Bytes of one entry: a timestamp (8) and a case id (16).
pub(crate) const ENTRY_BYTES: usize = 24;
/// Leading bytes of an entry that name its chunk (2^40 µs windows of the timestamp).
pub(crate) const WINDOW_BYTES: usize = 3;

pub(crate) type Entry = [u8; ENTRY_BYTES];

/// Keys with the values to store under them.
pub(crate) type KeyValues = Vec<(Vec<u8>, Vec<u8>)>;

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

/// Most entries a chunk holds when a batch ends (24 KiB of entries, well below the decoder's
/// `RECORD_BYTES_MAX` and sled's blob threshold); a fuller chunk is split one byte deeper.
pub(crate) const CHUNK_ENTRIES_MAX: usize = 1_024;
/// The byte a split mark holds: one byte is never a whole number of entries.
const SPLIT_MARK: u8 = 0xff;
/// A split mark as stored: `encode_payload` of the byte string `[SPLIT_MARK]` (its length as a
/// varint, then the byte; a test checks it).
const SPLIT_VALUE: [u8; 2] = [1, SPLIT_MARK];

/// Marks a chunk the batch touched (at the depth of its key), to settle it at the end of the
/// batch: drop it if it became empty, split it if it became too full.
struct ChunkTouched {
    depth: usize,
}

/// The chunk key at depth `WINDOW_BYTES` of `entry`: where the search for its chunk starts.
pub(crate) fn chunk_key(prefix: &[u8], entry: &Entry) -> Vec<u8> {
    let mut key = Vec::with_capacity(prefix.len() + WINDOW_BYTES);
    key.extend_from_slice(prefix);
    key.extend_from_slice(&entry[..WINDOW_BYTES]);
    key
}

/// The key and depth of the chunk `entry` belongs in under `prefix` (see the module doc);
/// afterwards the batch holds that chunk decoded (empty if it did not exist).
fn chunk_of(
    writes: &mut ReadModelWrites<'_>,
    prefix: &[u8],
    entry: &Entry,
) -> Result<(Vec<u8>, usize), ApplyError> {
    let mut key = chunk_key(prefix, entry);
    let mut depth = WINDOW_BYTES;
    loop {
        if writes.batch_record::<ChunkEntries>(&key).is_some() {
            return Ok((key, depth));
        }
        let chunk = match writes.get(&key)? {
            Some(value) if value == SPLIT_VALUE && depth < ENTRY_BYTES => {
                key.push(entry[depth]);
                depth += 1;
                continue;
            }
            Some(value) => crate::storage::writes::decode_record_at::<ChunkEntries>(&key, &value)?,
            None => ChunkEntries::default(),
        };
        writes.keep_record(key.clone(), chunk);
        return Ok((key, depth));
    }
}

/// Adds `entry` to the index under `prefix`.
pub(crate) fn insert(
    writes: &mut ReadModelWrites<'_>,
    prefix: &[u8],
    entry: Entry,
) -> Result<(), ApplyError> {
    let (key, depth) = chunk_of(writes, prefix, &entry)?;
    writes.note_once(&key, || ChunkTouched { depth });
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
    let (key, depth) = chunk_of(writes, prefix, &entry)?;
    writes.note_once(&key, || ChunkTouched { depth });
    writes
        .record_or_default::<ChunkEntries>(&key)?
        .remove(entry);
    Ok(())
}

/// The keys and stored values that hold `entries` (strictly ascending, concatenated) under
/// the chunk key `key` of depth `depth`: that one chunk when they fit, else a split mark and
/// the chunks one byte deeper (each split again while too full). Appended to `out`.
pub(crate) fn encode_chunks(
    key: Vec<u8>,
    depth: usize,
    entries: &[u8],
    out: &mut KeyValues,
) -> Result<(), ApplyError> {
    if entries.len() / ENTRY_BYTES <= CHUNK_ENTRIES_MAX || depth >= ENTRY_BYTES {
        let value = govledger_core::codec::encode_payload(&EntryBytes(entries))
            .map_err(|e| ApplyError::Storage(format!("encoding an index chunk: {e}")))?;
        out.push((key, value));
        return Ok(());
    }
    out.push((key.clone(), SPLIT_VALUE.to_vec()));
    let mut start = 0;
    while start < entries.len() {
        let byte = entries[start + depth];
        let mut end = start + ENTRY_BYTES;
        while end < entries.len() && entries[end + depth] == byte {
            end += ENTRY_BYTES;
        }
        let mut deeper = key.clone();
        deeper.push(byte);
        encode_chunks(deeper, depth + 1, &entries[start..end], out)?;
        start = end;
    }
    Ok(())
}

/// The keys and stored values of the chunks that hold exactly `entries` (in any order, each
/// once), all sharing the window of `key` (a chunk key of depth `WINDOW_BYTES`).
pub(crate) fn encode_whole(key: Vec<u8>, mut entries: Vec<Entry>) -> Result<KeyValues, ApplyError> {
    entries.sort_unstable();
    let mut out = Vec::new();
    encode_chunks(key, WINDOW_BYTES, &entries.concat(), &mut out)?;
    Ok(out)
}

/// Settles every chunk the batch touched: removes those it emptied and splits those it
/// filled past `CHUNK_ENTRIES_MAX`. The runner calls it when the batch ends
/// (`ReadModelWrites::flush_records`); it takes the batch's chunk notes.
pub(crate) fn settle_touched(writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
    for (key, ChunkTouched { depth }) in writes.take_notes_of::<ChunkTouched>() {
        let Some(mut chunk) = writes.take_batch_record::<ChunkEntries>(&key)? else {
            continue;
        };
        chunk.settle();
        let entries = chunk.stored.len() / ENTRY_BYTES;
        if entries == 0 {
            writes.remove(key);
        } else if entries <= CHUNK_ENTRIES_MAX {
            writes.keep_record(key, chunk);
        } else {
            let mut split = Vec::new();
            encode_chunks(key, depth, &chunk.stored, &mut split)?;
            for (key, value) in split {
                writes.insert(key, value);
            }
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

/// The entries of the index under `prefix`, in order, from the first at or after `from` (the
/// leading bytes of an entry; empty: from the first). What a scan that needs no cursors
/// reads: no virtual key is made per entry.
pub(crate) fn scan_entries(
    model: &ReadModel,
    prefix: &[u8],
    from: &[u8],
) -> impl Iterator<Item = Result<Entry, ProjectionError>> + use<> {
    let mut first_chunk = prefix.to_vec();
    first_chunk.extend_from_slice(&from[..from.len().min(WINDOW_BYTES)]);
    let from = from.to_vec();
    model
        .scan_from(prefix, &first_chunk)
        .flat_map(|chunk| {
            let entries: Vec<Result<Entry, ProjectionError>> =
                match chunk.and_then(|(key, value)| {
                    crate::storage::read_model::decode_record::<FlatEntries>(&value)
                        .map_err(|e| e.at_key(&key, value.len()))
                }) {
                    Err(error) => vec![Err(error)],
                    Ok(FlatEntries(bytes)) if bytes == [SPLIT_MARK] => Vec::new(),
                    Ok(FlatEntries(bytes)) if bytes.len() % ENTRY_BYTES != 0 => {
                        vec![Err(ProjectionError::Corrupt(
                            "an index chunk is not a whole number of entries".into(),
                        ))]
                    }
                    Ok(FlatEntries(bytes)) => bytes
                        .chunks_exact(ENTRY_BYTES)
                        .map(|entry| {
                            let mut whole = [0u8; ENTRY_BYTES];
                            whole.copy_from_slice(entry);
                            Ok(whole)
                        })
                        .collect(),
                };
            entries
        })
        .skip_while(move |entry| match entry {
            Ok(entry) => entry[..from.len().min(ENTRY_BYTES)] < from[..],
            Err(_) => false,
        })
}

/// The virtual keys of the index under `prefix`, in reverse order, from the last one before
/// `before` (from the last one of all when `None`).
pub(crate) fn scan_rev(
    model: &ReadModel,
    prefix: &[u8],
    before: Option<&[u8]>,
) -> impl Iterator<Item = Result<Vec<u8>, ProjectionError>> + use<> {
    // Every chunk holding an entry below `before` has a key below it (its key is the prefix
    // and leading bytes of such an entry), so the keys up to `before` inclusive cover them.
    let past_last_chunk = before.map(|key| {
        let mut past = if key.starts_with(prefix) {
            key.to_vec()
        } else {
            prefix.to_vec()
        };
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
        let entries: Vec<Result<Vec<u8>, ProjectionError>> = match chunk.and_then(|(key, value)| {
            crate::storage::read_model::decode_record::<FlatEntries>(&value)
                .map_err(|e| e.at_key(&key, value.len()))
        }) {
            Err(error) => vec![Err(error)],
            Ok(FlatEntries(bytes)) if bytes == [SPLIT_MARK] => Vec::new(),
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

/// A stored chunk read as its raw entries (queries only walk them in order); a split mark
/// reads as the one byte `SPLIT_MARK`.
struct FlatEntries(Vec<u8>);

/// Entries (or a split mark), encoded as a chunk is stored.
struct EntryBytes<'a>(&'a [u8]);

impl Serialize for EntryBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

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
        if bytes == [SPLIT_MARK] {
            return Err(de::Error::custom("a split mark read as an index chunk"));
        }
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
        let bytes = govledger_core::codec::encode_payload(&EntryBytes(
            &[entry(2, 0), entry(1, 0)].concat(),
        ))
        .expect("encodes");
        let read = govledger_core::codec::decode_payload::<ChunkEntries>(&bytes);
        assert!(read.is_err(), "{read:?}");
    }

    #[test]
    fn a_split_mark_is_stored_as_the_mark_byte_string() {
        let encoded = govledger_core::codec::encode_payload(&EntryBytes(&[SPLIT_MARK]));
        assert_eq!(encoded.expect("encodes"), SPLIT_VALUE);
    }

    /// The chunks `count` entries of one window are stored in: no chunk holds more than
    /// `CHUNK_ENTRIES_MAX`, and reading the keys in order, skipping marks, gives every entry in
    /// order. `expect_marks` split marks.
    fn check_encoded(entries: Vec<Entry>, expect_marks: usize) {
        let window = chunk_key(b"p", &entries[0]);
        let mut sorted = entries.clone();
        sorted.sort_unstable();
        let mut stored = encode_whole(window.clone(), entries).expect("encodes");
        stored.sort();
        let mut read = Vec::new();
        let mut marks = 0;
        for (key, value) in &stored {
            assert!(key.starts_with(&window), "{key:?}");
            let FlatEntries(bytes) = govledger_core::codec::decode_payload(value).expect("flat");
            if bytes == [SPLIT_MARK] {
                marks += 1;
                continue;
            }
            assert!(bytes.len() / ENTRY_BYTES <= CHUNK_ENTRIES_MAX, "{key:?}");
            for entry in bytes.chunks_exact(ENTRY_BYTES) {
                assert!(entry.starts_with(&key[1..]), "{key:?} holds {entry:?}");
                read.push(<Entry>::try_from(entry).expect("an entry"));
            }
        }
        assert_eq!(read, sorted);
        assert_eq!(marks, expect_marks);
    }

    #[test]
    fn a_full_window_is_stored_in_split_chunks() {
        // Fits: one chunk, no mark.
        check_encoded((0..1_024).map(|n| entry(n, 0)).collect(), 0);
        // One byte deeper (2^32 µs per chunk): 3 chunks under one mark.
        let hour = 3_600 * 1_000_000;
        check_encoded(
            (0..3_000)
                .map(|n| entry((n / 1_000) << 32 | n, 1))
                .collect(),
            1,
        );
        // 3,000 entries within one hour (< 2^32 µs) share four leading bytes: marks at depths
        // 3 and 4, then chunks of 2^24 µs (~17 s).
        check_encoded((0..3_000).map(|n| entry(n * hour / 3_000, 2)).collect(), 2);
        // Same instant, ids differ only in the last byte: split down to the id.
        let same: Vec<Entry> = (0..=255u8)
            .flat_map(|last| (0..5u8).map(move |third| (third, last)))
            .map(|(third, last)| {
                let mut e = entry(7, last);
                e[ENTRY_BYTES - 2] = third;
                e
            })
            .collect();
        check_encoded(same, ENTRY_BYTES - 1 - WINDOW_BYTES);
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

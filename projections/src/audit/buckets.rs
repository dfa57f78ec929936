//! The audit's cause and link entries, packed into hash buckets.
//!
//! An entry is a few dozen bytes (an effect: its cause's event id and its own position; a
//! link: a case, a direction, the other case and the relation). A sled key per entry cost a
//! rebuild more than anything else the audit wrote (every key costs a commit ~15 µs of CPU
//! under sled's process-wide lock, however small its value), so entries are packed:
//! - **Buckets.** An entry lives in the bucket of the id it is looked up by (the cause's event
//!   id, the case's id): `tag ‖ bucket (u16 BE)`, one of `2^BUCKET_BITS` per tag, holding its
//!   entries sorted and concatenated. A lookup reads one bucket and keeps the entries that
//!   start with the id. The bucket is a fixed, documented mix of the id's bits (`crate::storage::bucket`),
//!   never a library's hash, so the layout never changes under the read model.
//! - **Live batches** gather each touched bucket's new entries and merge them into the stored
//!   bucket once, when the batch ends.
//! - **A building generation** (`IndexUpkeep::BeforeGoingLive`) appends its entries to
//!   pending lists instead, one per `PENDING_WINDOW_POSITIONS` log positions, and
//!   `build` sorts them into the buckets once, before the generation goes live: a rebuild
//!   writes each bucket once, not once per batch that touches it.
//!
//! - **Splits** (`crate::storage::split`). A bucket that would hold more than `CHUNK_ENTRIES_MAX`
//!   entries is split one byte deeper: its key keeps a split mark (`split::SPLIT_MARK`) and its entries move to one chunk
//!   per value of their next byte, `bucket key ‖ entry[..depth]` (split again while still too
//!   full). So no stored value grows with the entries: one event that caused 10,000 others, a
//!   decision linked to thousands of cases, or ids a writer chose to share a bucket make
//!   deeper chunks (one split mark per byte the entries share), not a bigger value. An entry's
//!   chunk is found by going one byte deeper while the key holds a split mark; a chunk never
//!   has keys below it, and chunk keys sort like the entries they hold, so reading the keys
//!   under a prefix in order, skipping marks, yields its entries in order.
//!
//! Size: on the 1M-event synthetic ledger (~110k entries) a bucket holds ~7 entries; a chunk
//! holds at most `CHUNK_ENTRIES_MAX` (~18 KB of links), which a live batch rewrites when it
//! adds to it.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::runner::{IndexUpkeep, ReadModel, ReadModelWrites};
use crate::storage::bucket::bucket_of;
use crate::storage::keys::{self, Key};
use crate::storage::split;

/// Buckets per tag: 16,384.
pub(crate) const BUCKET_BITS: u32 = 14;
/// Deferred entries of a building generation: `tag ‖ window (u64 BE)` → `(entry tag ‖ entry)*`.
pub(crate) const PENDING_TAG: u8 = b'p';
/// Log positions one pending list covers.
const PENDING_WINDOW_POSITIONS: u64 = 1 << 16;
/// Most entries a chunk holds; a fuller one is split one byte deeper.
pub(crate) const CHUNK_ENTRIES_MAX: usize = 512;

/// Bytes of one entry under `tag`, `None` for a tag that holds no entries.
pub(crate) type EntrySize = fn(u8) -> Option<usize>;

fn bucket_key(tag: u8, id: &Uuid) -> Vec<u8> {
    let mut key = Vec::with_capacity(3);
    key.push(tag);
    key.extend_from_slice(&bucket_of(id, BUCKET_BITS).to_be_bytes());
    key
}

fn pending_key(position: u64) -> Vec<u8> {
    Key::tag(PENDING_TAG)
        .u64(position / PENDING_WINDOW_POSITIONS)
        .into_bytes()
}

/// Adds `entry` (which starts with `id`'s bytes, or with what it is looked up by) under `tag`
/// for the event at `position`.
pub(crate) fn add(
    writes: &mut ReadModelWrites<'_>,
    tag: u8,
    id: &Uuid,
    entry: Vec<u8>,
    position: u64,
) -> Result<(), ApplyError> {
    match writes.index_upkeep() {
        IndexUpkeep::BeforeGoingLive => {
            let mut tagged = Vec::with_capacity(1 + entry.len());
            tagged.push(tag);
            tagged.extend_from_slice(&entry);
            writes.append(pending_key(position), &tagged)
        }
        IndexUpkeep::EveryBatch => {
            let key = bucket_key(tag, id);
            let mut added: Vec<Vec<u8>> = writes.take_note(&key)?.unwrap_or_default();
            added.push(entry);
            writes.keep_note(key, added);
            Ok(())
        }
    }
}

/// Merges the entries the batch gathered into their stored buckets (`Projection::finish_batch`).
pub(crate) fn finish_batch(
    writes: &mut ReadModelWrites<'_>,
    entry_size: EntrySize,
) -> Result<(), ApplyError> {
    for (key, added) in writes.take_notes::<Vec<Vec<u8>>>() {
        merge_into(writes, key, added, entry_size)?;
    }
    Ok(())
}

/// Sorts a building generation's pending entries into their buckets and removes the pending
/// lists (`Projection::build_indexes`).
pub(crate) fn build(
    model: &ReadModel,
    writes: &mut ReadModelWrites<'_>,
    entry_size: EntrySize,
) -> Result<(), ApplyError> {
    let mut buckets: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    let prefix = [PENDING_TAG];
    for stored in model.scan_from(&prefix, &prefix) {
        let (key, list) = stored.map_err(|e| ApplyError::Storage(e.to_string()))?;
        let mut rest = &list[..];
        while let Some((&tag, after_tag)) = rest.split_first() {
            let size = entry_size(tag)
                .filter(|size| *size <= after_tag.len() && *size >= 16)
                .ok_or_else(|| ApplyError::Storage("a pending audit list is malformed".into()))?;
            let (entry, after) = after_tag.split_at(size);
            let id = Uuid::from_slice(&entry[..16]).map_err(|e| {
                ApplyError::Storage(format!("a pending audit entry is malformed: {e}"))
            })?;
            buckets
                .entry(bucket_key(tag, &id))
                .or_default()
                .push(entry.to_vec());
            rest = after;
        }
        writes.remove(key.to_vec());
    }
    for (key, added) in buckets {
        merge_into(writes, key, added, entry_size)?;
    }
    Ok(())
}

fn merge_into(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    mut added: Vec<Vec<u8>>,
    entry_size: EntrySize,
) -> Result<(), ApplyError> {
    let size = key
        .first()
        .and_then(|tag| entry_size(*tag))
        .ok_or_else(|| ApplyError::Inconsistent(format!("{key:02x?} is not an audit bucket")))?;
    added.sort_unstable();
    added.dedup();
    // Each entry to the chunk that holds (or will hold) it; entries are sorted, so the
    // entries of one chunk are consecutive.
    let mut chunks: Vec<(Vec<u8>, Vec<Vec<u8>>)> = Vec::new();
    for entry in added {
        if entry.len() != size {
            return Err(ApplyError::Inconsistent(format!(
                "an audit entry of {} bytes under {key:02x?}",
                entry.len()
            )));
        }
        if let Some((chunk, entries)) = chunks.last_mut()
            && entry.starts_with(&chunk[key.len()..])
        {
            entries.push(entry);
            continue;
        }
        let (chunk, _) = split::locate(&key, &entry, |key| writes.get(key), ApplyError::Storage)?;
        chunks.push((chunk, vec![entry]));
    }
    for (chunk, mut entries) in chunks {
        if let Some(stored) = writes.get(&chunk)? {
            if stored.len() % size != 0 {
                return Err(ApplyError::Storage(format!(
                    "audit chunk {chunk:02x?} is malformed"
                )));
            }
            entries.extend(stored.chunks_exact(size).map(<[u8]>::to_vec));
            entries.sort_unstable();
            entries.dedup();
        }
        let depth = chunk.len() - key.len();
        store_chunk(writes, chunk, depth, &entries)?;
    }
    Ok(())
}

/// Writes `entries` (sorted, distinct, sharing the `depth` bytes the chunk key ends with) as
/// the chunk `key`, split one byte deeper while they are more than `CHUNK_ENTRIES_MAX`.
fn store_chunk(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    depth: usize,
    entries: &[Vec<u8>],
) -> Result<(), ApplyError> {
    let how = split::Entries {
        key_of: &|entry: &Vec<u8>| -> &[u8] { entry },
        fit: &|entries: &[Vec<u8>]| entries.len() <= CHUNK_ENTRIES_MAX,
        encode: &|entries: &[Vec<u8>]| Ok(entries.concat()),
    };
    split::store(writes, key, depth, entries, &how)
}

/// The entries under `tag` that start with `prefix` (whose first 16 bytes are the id they are
/// looked up by), in byte order.
pub(crate) fn lookup(
    model: &ReadModel,
    tag: u8,
    prefix: &[u8],
    entry_size: usize,
) -> Result<Vec<Vec<u8>>, ProjectionError> {
    let corrupt = || ProjectionError::Corrupt(format!("audit bucket of tag {}", char::from(tag)));
    let id = prefix
        .get(..16)
        .and_then(|bytes| Uuid::from_slice(bytes).ok())
        .ok_or_else(corrupt)?;
    let bucket = bucket_key(tag, &id);
    // Down the split marks along the prefix: the first chunk found holds all its entries.
    let mut chunk = bucket.clone();
    for depth in 0..=prefix.len() {
        match model.get(&chunk)? {
            None => return Ok(Vec::new()),
            Some(value) if value == split::SPLIT_MARK => {
                if let Some(&byte) = prefix.get(depth) {
                    chunk.push(byte);
                }
            }
            Some(value) => return entries_of(&value, entry_size, prefix).ok_or_else(corrupt),
        }
    }
    // Split deeper than the prefix: its entries are spread over the chunks under it.
    let mut found = Vec::new();
    for stored in model.scan_from(&chunk, &chunk) {
        let (_, value) = stored?;
        if value != split::SPLIT_MARK {
            found.extend(entries_of(&value, entry_size, prefix).ok_or_else(corrupt)?);
        }
    }
    Ok(found)
}

/// The entries of a stored chunk that start with `prefix`; `None` when it is malformed.
fn entries_of(stored: &[u8], entry_size: usize, prefix: &[u8]) -> Option<Vec<Vec<u8>>> {
    if stored.len() % entry_size != 0 {
        return None;
    }
    let entries: Vec<&[u8]> = stored.chunks_exact(entry_size).collect();
    if entries.windows(2).any(|pair| pair[0] >= pair[1]) {
        return None;
    }
    Some(
        entries
            .into_iter()
            .filter(|entry| entry.starts_with(prefix))
            .map(<[u8]>::to_vec)
            .collect(),
    )
}

/// The position at the end of a cause entry (`cause id ‖ position`).
pub(crate) fn trailing_position(entry: &[u8]) -> Option<u64> {
    keys::trailing_u64(entry)
}

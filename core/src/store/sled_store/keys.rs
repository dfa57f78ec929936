//! The key space of the `ledger` tree (store format 4). Everything lives in one sled tree so
//! one `apply_batch` commits a whole group atomically, crash included.
//!
//! | prefix | key                                   | value                                  |
//! |--------|---------------------------------------|----------------------------------------|
//! | `E`    | first position (u64 BE)               | one record, or a chunk of consecutive records (see `codec`) |
//! | `V`    | stream id, 0x00, first version (u64 BE) | positions of consecutive versions (u64 BE × n) |
//! | `T`    | id's first 6 bytes, first position of the part (u64 BE) | (event id (16), position (u64 BE)) × n, sorted by id |
//! | `I`    | idempotency key                       | fingerprint (32) + outcome (codec)     |
//! | `H`    | first stored-hash number (u64 BE)     | consecutive Merkle tree hashes (32 × n), see `tree_hashes.rs` |
//! | `M`    | `format` / `head` / `verified` / `streams_indexed` | u32 BE / position (u64 BE) + hash (32) / position (u64 BE) |
//!
//! Stream ids never contain 0x00 (see `event.rs`), so the separator is safe.
//!
//! Each key an append writes costs the single writer a sled insert, and sled's cost per key
//! bounds the append rate, so keys are shared wherever reads allow (ADR 0003): a group
//! commit stores its records as chunks, one `E` key per chunk; the event-id index groups ids
//! by their first 48 bits (a UUIDv7's millisecond) and a group writes one `T` key (a part)
//! per bucket it touches, so the ids of one group usually land in one or two keys; the
//! stream index is written in runs, one `V` key per stream per tail write, not per event
//! (format 3, ADR 0004, see `stream_index/`), and a stream's version is the end of its last
//! run (no separate counter); and
//! type-filtered log reads scan the log (bounded by `READ_SCAN_RECORDS_MAX` per call) instead
//! of keeping a type index. Format 1 kept one `E` key per record (still valid in format 2)
//! and one `U` key (`U`, event id) per event id; opening a format-1 ledger converts its `U`
//! keys into `T` buckets once (see `upgrade.rs`).

use uuid::Uuid;

use crate::event::StreamId;
use crate::hash::Hash256;
use crate::store::{AppendOutcome, Head};

pub(super) const EVENT: u8 = b'E';
pub(super) const META_FORMAT: &[u8] = b"Mformat";
pub(super) const META_HEAD: &[u8] = b"Mhead";
pub(super) const META_VERIFIED: &[u8] = b"Mverified";
/// The last position the stored stream index (`V` runs) covers; later ones are in the
/// writer's tail, rebuilt at open.
pub(super) const META_STREAMS_INDEXED: &[u8] = b"Mstreams_indexed";

pub(super) fn event(position: u64) -> [u8; 9] {
    let mut key = [EVENT; 9];
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

pub(super) fn position_of_event_key(key: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = key.get(1..9)?.try_into().ok()?;
    (key.len() == 9 && key[0] == EVENT).then_some(u64::from_be_bytes(bytes))
}

pub(super) fn stream_version(stream: &StreamId, version: u64) -> Vec<u8> {
    prefixed(b'V', stream.as_str().as_bytes(), &version.to_be_bytes())
}

pub(super) fn stream_version_prefix(stream: &StreamId) -> Vec<u8> {
    prefixed(b'V', stream.as_str().as_bytes(), &[])
}

/// Format 1's event-id key prefix, read only to upgrade a format-1 ledger.
pub(super) const LEGACY_EVENT_ID: u8 = b'U';
pub(super) const EVENT_ID_BUCKET: u8 = b'T';

/// The bucket an event id belongs to: its first 48 bits (a UUIDv7's Unix milliseconds).
pub(super) type BucketId = [u8; 6];

pub(super) fn bucket_of(event_id: &Uuid) -> BucketId {
    let mut bucket = [0u8; 6];
    bucket.copy_from_slice(&event_id.as_bytes()[..6]);
    bucket
}

/// The key of the part of an event-id bucket whose first entry is at `first_position`.
pub(super) fn event_id_bucket(bucket: &BucketId, first_position: u64) -> [u8; 15] {
    let mut key = [EVENT_ID_BUCKET; 15];
    key[1..7].copy_from_slice(bucket);
    key[7..].copy_from_slice(&first_position.to_be_bytes());
    key
}

pub(super) fn event_id_bucket_prefix(bucket: &BucketId) -> [u8; 7] {
    let mut key = [EVENT_ID_BUCKET; 7];
    key[1..].copy_from_slice(bucket);
    key
}

/// The bucket of a part's key.
pub(super) fn bucket_of_part(key: &[u8]) -> Option<BucketId> {
    is_bucket_part(key)
        .then(|| key[1..7].try_into().ok())
        .flatten()
}

/// Whether `key` is a bucket part's key.
pub(super) fn is_bucket_part(key: &[u8]) -> bool {
    key.len() == 15 && key[0] == EVENT_ID_BUCKET
}

const BUCKET_ENTRY_BYTES: usize = 24;

/// A bucket part's value: its entries sorted by id.
pub(super) fn encode_bucket(entries: &[(Uuid, u64)]) -> Vec<u8> {
    let mut sorted = entries.to_vec();
    sorted.sort_unstable_by_key(|(id, _)| *id);
    let mut value = Vec::with_capacity(sorted.len() * BUCKET_ENTRY_BYTES);
    for (id, position) in sorted {
        value.extend_from_slice(id.as_bytes());
        value.extend_from_slice(&position.to_be_bytes());
    }
    value
}

/// A bucket part's entries, or `None` if the value is malformed.
pub(super) fn decode_bucket(value: &[u8]) -> Option<Vec<(Uuid, u64)>> {
    if value.len() % BUCKET_ENTRY_BYTES != 0 {
        return None;
    }
    value
        .chunks_exact(BUCKET_ENTRY_BYTES)
        .map(|entry| {
            let id = Uuid::from_slice(&entry[..16]).ok()?;
            Some((id, u64::from_be_bytes(entry[16..].try_into().ok()?)))
        })
        .collect()
}

/// Looks `event_id` up in a bucket part's value (binary search over its sorted entries).
pub(super) fn find_in_bucket(value: &[u8], event_id: &Uuid) -> Option<u64> {
    if value.len() % BUCKET_ENTRY_BYTES != 0 {
        return None;
    }
    let entries = value.len() / BUCKET_ENTRY_BYTES;
    let entry = |index: usize| &value[index * BUCKET_ENTRY_BYTES..(index + 1) * BUCKET_ENTRY_BYTES];
    let (mut low, mut high) = (0usize, entries);
    while low < high {
        let middle = low + (high - low) / 2;
        let found = entry(middle);
        match found[..16].cmp(event_id.as_bytes()) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return trailing_u64(found),
        }
    }
    None
}

pub(super) fn idempotency(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + key.len());
    out.push(b'I');
    out.extend_from_slice(key.as_bytes());
    out
}

/// `prefix`, `name`, a 0x00 separator and `suffix`.
fn prefixed(prefix: u8, name: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + name.len() + suffix.len());
    key.push(prefix);
    key.extend_from_slice(name);
    key.push(0);
    key.extend_from_slice(suffix);
    key
}

/// The trailing big-endian u64 of an index key or value.
pub(super) fn trailing_u64(bytes: &[u8]) -> Option<u64> {
    let start = bytes.len().checked_sub(8)?;
    Some(u64::from_be_bytes(bytes[start..].try_into().ok()?))
}

pub(super) fn encode_head(head: Head) -> [u8; 40] {
    let mut value = [0u8; 40];
    value[..8].copy_from_slice(&head.position.to_be_bytes());
    value[8..].copy_from_slice(&head.hash.0);
    value
}

pub(super) fn decode_head(value: &[u8]) -> Option<Head> {
    if value.len() != 40 {
        return None;
    }
    let position = u64::from_be_bytes(value[..8].try_into().ok()?);
    let hash = Hash256(value[8..].try_into().ok()?);
    Some(Head { position, hash })
}

pub(super) fn encode_idempotency(fingerprint: &Hash256, outcome: &AppendOutcome) -> [u8; 88] {
    let mut value = [0u8; 88];
    value[..32].copy_from_slice(&fingerprint.0);
    value[32..40].copy_from_slice(&outcome.first_position.to_be_bytes());
    value[40..48].copy_from_slice(&outcome.last_position.to_be_bytes());
    value[48..56].copy_from_slice(&outcome.stream_version.to_be_bytes());
    value[56..].copy_from_slice(&outcome.head_hash.0);
    value
}

pub(super) fn decode_idempotency(value: &[u8]) -> Option<(Hash256, AppendOutcome)> {
    if value.len() != 88 {
        return None;
    }
    let u64_at = |at: usize| value[at..at + 8].try_into().ok().map(u64::from_be_bytes);
    let outcome = AppendOutcome {
        first_position: u64_at(32)?,
        last_position: u64_at(40)?,
        stream_version: u64_at(48)?,
        head_hash: Hash256(value[56..].try_into().ok()?),
        replayed: true,
    };
    Some((Hash256(value[..32].try_into().ok()?), outcome))
}

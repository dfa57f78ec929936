//! The key space of the `ledger` tree (store format 1). Everything lives in one sled tree so
//! one `apply_batch` commits a whole group atomically, crash included.
//!
//! | prefix | key                                   | value                                  |
//! |--------|---------------------------------------|----------------------------------------|
//! | `E`    | position (u64 BE)                     | stored record (see `codec`)            |
//! | `V`    | stream id, 0x00, version (u64 BE)     | position (u64 BE)                      |
//! | `U`    | event id (16 bytes)                   | position (u64 BE)                      |
//! | `I`    | idempotency key                       | fingerprint (32) + outcome (codec)     |
//! | `M`    | `format` / `head` / `verified`        | u32 BE / position (u64 BE) + hash (32) |
//!
//! Stream ids never contain 0x00 (see `event.rs`), so the separator is safe.
//!
//! Each key an append writes costs the single writer a sled insert, so only what reads cannot
//! do without is indexed: a stream's version is its last `V` key (no separate counter), and
//! type-filtered log reads scan the log (bounded by `READ_SCAN_RECORDS_MAX` per call) instead
//! of keeping a type index.

use uuid::Uuid;

use crate::event::StreamId;
use crate::hash::Hash256;
use crate::store::{AppendOutcome, Head};

pub(super) const EVENT: u8 = b'E';
pub(super) const META_FORMAT: &[u8] = b"Mformat";
pub(super) const META_HEAD: &[u8] = b"Mhead";
pub(super) const META_VERIFIED: &[u8] = b"Mverified";

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

pub(super) fn event_id(event_id: &Uuid) -> [u8; 17] {
    let mut key = [b'U'; 17];
    key[1..].copy_from_slice(event_id.as_bytes());
    key
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

//! Values that split one byte deeper instead of growing: the shared mechanism under the
//! audit's cause and link buckets (`audit/buckets.rs`) and the buckets of packed tables
//! (`packed_table.rs`, the cases' records). (The cases' index chunks, `chunks.rs`, split the
//! same way with their own fixed-size entries and merge logic.)
//!
//! A value holds sorted entries, each with a key. When a value under `key` would be too big,
//! `key` keeps a split mark and its entries move to `key ‖ next byte of their keys`, one
//! value per byte (split again while still too big). So a value never grows with the entries
//! sharing a key, a bucket or an id: they make deeper keys. A mark is never removed. An
//! entry's value is found by going one byte of its key deeper while the key holds a mark; a
//! value never has keys below it, and keys sort like the entries they hold, so reading the
//! keys under a prefix in order, skipping marks, yields the entries in order.

use crate::error::ApplyError;
use crate::storage::writes::ReadModelWrites;

/// The value of a key whose entries were split one byte deeper (never a valid value of
/// entries: every entry is longer than one byte).
pub(crate) const SPLIT_MARK: &[u8] = &[0xFF];

/// The key under `base` whose value holds (or would hold) the entry keyed `entry_key`, and
/// that value as stored; `corrupt` names a mark deeper than the entry key reaches.
pub(crate) fn locate<V: AsRef<[u8]>, E>(
    base: &[u8],
    entry_key: &[u8],
    get: impl Fn(&[u8]) -> Result<Option<V>, E>,
    corrupt: impl FnOnce(String) -> E,
) -> Result<(Vec<u8>, Option<V>), E> {
    let mut key = base.to_vec();
    for &byte in entry_key {
        match get(&key)? {
            Some(value) if value.as_ref() == SPLIT_MARK => key.push(byte),
            found => return Ok((key, found)),
        }
    }
    Err(corrupt(format!(
        "{key:02x?} is split past its entries' keys"
    )))
}

/// Encodes entries into one value.
pub(crate) type Encode<'f, T> = &'f dyn Fn(&[T]) -> Result<Vec<u8>, ApplyError>;

/// How a kind of entry is stored.
pub(crate) struct Entries<'f, T> {
    /// The bytes an entry is ordered and split by.
    pub(crate) key_of: &'f dyn Fn(&T) -> &[u8],
    /// Whether these entries fit one value.
    pub(crate) fit: &'f dyn Fn(&[T]) -> bool,
    /// The value of these entries.
    pub(crate) encode: Encode<'f, T>,
}

/// Writes `entries` (sorted by key, all starting with the `depth` key bytes `key` ends with)
/// under `key`, split one byte deeper while they do not fit one value. A single entry, or
/// entries whose keys end at `depth`, are written whole.
pub(crate) fn store<T>(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    depth: usize,
    entries: &[T],
    how: &Entries<'_, T>,
) -> Result<(), ApplyError> {
    let splittable = entries.len() > 1
        && entries
            .iter()
            .all(|entry| (how.key_of)(entry).len() > depth);
    if (how.fit)(entries) || !splittable {
        writes.insert(key, (how.encode)(entries)?);
        return Ok(());
    }
    writes.insert(key.clone(), SPLIT_MARK.to_vec());
    let mut start = 0;
    while start < entries.len() {
        let byte = (how.key_of)(&entries[start])[depth];
        let end = start
            + entries[start..]
                .iter()
                .take_while(|entry| (how.key_of)(entry)[depth] == byte)
                .count();
        let mut child = key.clone();
        child.push(byte);
        store(writes, child, depth + 1, &entries[start..end], how)?;
        start = end;
    }
    Ok(())
}

//! Reading records from `E` keys, each holding one record or a chunk of consecutive ones
//! (see `codec::record_spans`): the record at a position, and records of a position range in
//! either direction. Yields each record's exact stored bytes; decoding and checking are the
//! callers' (`codec::decode_record`, `ChainCheck`).

use sled::IVec;

use crate::codec;
use crate::error::StoreError;
use crate::store::Direction;
use crate::store::sled_store::keys;

/// One stored record: its position and exact bytes (a cheap slice of the stored value).
pub(super) type StoredBytes = (u64, IVec);

/// The key and value of the `E` entry whose records start at or before `position`.
fn entry_at_or_before(tree: &sled::Tree, position: u64) -> Result<Option<(u64, IVec)>, StoreError> {
    let Some((key, value)) = tree
        .range(keys::event(0)..=keys::event(position))
        .next_back()
        .transpose()?
    else {
        return Ok(None);
    };
    Ok(keys::position_of_event_key(&key).map(|first| (first, value)))
}

/// The records of one stored value, in position order.
fn split(first: u64, value: &IVec) -> Result<Vec<StoredBytes>, StoreError> {
    Ok(codec::record_spans(first, value)?
        .into_iter()
        .map(|(position, span)| (position, value.subslice(span.start, span.len())))
        .collect())
}

/// The stored bytes of the record at `position`, if any entry holds it.
pub(super) fn find(tree: &sled::Tree, position: u64) -> Result<Option<IVec>, StoreError> {
    let Some((first, value)) = entry_at_or_before(tree, position)? else {
        return Ok(None);
    };
    Ok(codec::record_spans(first, &value)?
        .into_iter()
        .find(|(at, _)| *at == position)
        .map(|(_, span)| value.subslice(span.start, span.len())))
}

/// The position of the last stored record (0 when there is none).
pub(super) fn last_position(tree: &sled::Tree) -> Result<u64, StoreError> {
    match entry_at_or_before(tree, u64::MAX)? {
        Some((first, value)) => Ok(codec::record_spans(first, &value)?
            .last()
            .map_or(first, |(position, _)| *position)),
        None => Ok(0),
    }
}

/// Whether any record is stored.
pub(super) fn any(tree: &sled::Tree) -> bool {
    tree.range(keys::event(0)..=keys::event(u64::MAX))
        .next()
        .is_some()
}

/// The records stored at positions `low..=high`, in `direction` (none when `low > high`).
pub(super) fn scan(
    tree: &sled::Tree,
    low: u64,
    high: u64,
    direction: Direction,
) -> Result<impl Iterator<Item = Result<StoredBytes, StoreError>> + use<>, StoreError> {
    // The entry holding `low` may start before it.
    let start = match entry_at_or_before(tree, low)? {
        Some((first, _)) => first,
        None => low,
    };
    // An empty window still reads a well-ordered range (at most one entry, retained nowhere).
    let range = tree.range(keys::event(start)..=keys::event(high.max(start)));
    let entries: Box<dyn Iterator<Item = sled::Result<(IVec, IVec)>>> = match direction {
        Direction::Forwards => Box::new(range),
        Direction::Backwards => Box::new(range.rev()),
    };
    Ok(entries.flat_map(move |entry| {
        let records = entry.map_err(StoreError::from).and_then(|(key, value)| {
            let first = keys::position_of_event_key(&key).unwrap_or(0);
            split(first, &value)
        });
        let records: Vec<Result<StoredBytes, StoreError>> = match records {
            Ok(mut records) => {
                records.retain(|(position, _)| (low..=high).contains(position));
                if direction == Direction::Backwards {
                    records.reverse();
                }
                records.into_iter().map(Ok).collect()
            }
            Err(error) => vec![Err(error)],
        };
        records
    }))
}

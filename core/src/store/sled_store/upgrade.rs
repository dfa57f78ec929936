//! Upgrading older ledgers at open, one format at a time. Records are never touched, so the
//! chain is unchanged; each step is one atomic batch with its format marker, so a crash
//! leaves either format whole (and the next open goes on from it).
//!
//! - 1 → 2 (ADR 0003): format 1's one record per `E` key is valid format 2; the event-id
//!   index's `U` keys (one per id) become `T` buckets.
//! - 2 → 3 (ADR 0004): format 2's `V` keys (one version each) are valid runs of one; the
//!   `Mstreams_indexed` marker records that they cover the whole log.
//! - 3 → 4 (ADR 0006): the Merkle tree's stored hashes are computed from the records and
//!   written in batches; the format marker goes last, so an interrupted upgrade starts over
//!   at the next open (it writes the same keys again).

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::Direction;
use crate::store::sled_store::id_index::stage_parts;
use crate::store::sled_store::keys::{self, BucketId};
use crate::store::sled_store::{records, tree_hashes};
use crate::tlog::{Frontier, stored_hash_count};

pub(super) const FORMAT_1: u32 = 1;
pub(super) const FORMAT_2: u32 = 2;
pub(super) const FORMAT_3: u32 = 3;
const FORMAT_4: u32 = 4;
/// Records read per batch of stored tree hashes while upgrading to format 4.
const UPGRADE_BATCH_RECORDS: u64 = 16_384;

pub(super) fn from_format_1(db: &sled::Db, tree: &sled::Tree) -> Result<(), StoreError> {
    let mut buckets: BTreeMap<BucketId, Vec<(Uuid, u64)>> = BTreeMap::new();
    let mut batch = sled::Batch::default();
    let mut ids = 0u64;
    for entry in tree.scan_prefix([keys::LEGACY_EVENT_ID]) {
        let (key, value) = entry?;
        let malformed = || StoreError::Corrupt {
            position: 0,
            reason: format!("format-1 event-id entry {key:?} is malformed"),
        };
        let event_id = key
            .get(1..)
            .and_then(|bytes| Uuid::from_slice(bytes).ok())
            .ok_or_else(malformed)?;
        let position = <[u8; 8]>::try_from(value.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| malformed())?;
        buckets
            .entry(keys::bucket_of(&event_id))
            .or_default()
            .push((event_id, position));
        batch.remove(key);
        ids += 1;
    }
    for (bucket_id, entries) in &mut buckets {
        stage_parts(&mut batch, bucket_id, entries);
    }
    batch.insert(keys::META_FORMAT, &FORMAT_2.to_be_bytes());
    tree.apply_batch(batch)?;
    db.flush()?;
    tracing::info!(
        event_ids = ids,
        buckets = buckets.len(),
        "upgraded the ledger from store format 1 to 2"
    );
    Ok(())
}

pub(super) fn from_format_2(db: &sled::Db, tree: &sled::Tree) -> Result<(), StoreError> {
    let head = match tree.get(keys::META_HEAD)? {
        Some(value) => keys::decode_head(&value).ok_or_else(|| StoreError::Corrupt {
            position: 0,
            reason: "head marker is malformed".into(),
        })?,
        None => crate::store::Head::EMPTY,
    };
    let mut batch = sled::Batch::default();
    batch.insert(keys::META_STREAMS_INDEXED, &head.position.to_be_bytes());
    batch.insert(keys::META_FORMAT, &FORMAT_3.to_be_bytes());
    tree.apply_batch(batch)?;
    db.flush()?;
    tracing::info!(
        head = head.position,
        "upgraded the ledger from store format 2 to 3"
    );
    Ok(())
}

pub(super) fn from_format_3(db: &sled::Db, tree: &sled::Tree) -> Result<(), StoreError> {
    let head = match tree.get(keys::META_HEAD)? {
        Some(value) => keys::decode_head(&value).ok_or_else(|| StoreError::Corrupt {
            position: 0,
            reason: "head marker is malformed".into(),
        })?,
        None => crate::store::Head::EMPTY,
    };
    let mut frontier = Frontier::empty();
    let mut low = 1;
    while low <= head.position {
        let high = head.position.min(low + UPGRADE_BATCH_RECORDS - 1);
        let first = stored_hash_count(frontier.size());
        let mut hashes = Vec::new();
        for entry in records::scan(tree, low, high, Direction::Forwards)? {
            let (position, value) = entry?;
            if position != frontier.size() + 1 {
                return Err(StoreError::Corrupt {
                    position: frontier.size() + 1,
                    reason: "event is missing".into(),
                });
            }
            frontier.append(tree_hashes::leaf_of_stored(&value), &mut hashes);
        }
        let mut batch = sled::Batch::default();
        tree_hashes::stage(&mut batch, first, &hashes);
        tree.apply_batch(batch)?;
        low = high + 1;
    }
    if frontier.size() != head.position {
        return Err(StoreError::Corrupt {
            position: frontier.size() + 1,
            reason: format!(
                "head marker says {} but the events end earlier",
                head.position
            ),
        });
    }
    db.flush()?;
    tree.insert(keys::META_FORMAT, &FORMAT_4.to_be_bytes())?;
    db.flush()?;
    tracing::info!(
        head = head.position,
        root = %frontier.root(),
        "upgraded the ledger from store format 3 to 4 (Merkle tree hashes)"
    );
    Ok(())
}

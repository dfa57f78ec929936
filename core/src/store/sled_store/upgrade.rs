//! Upgrading a format-1 ledger to format 2 at open (ADR 0003). Records stay exactly as they
//! are: format 1's one record per `E` key is valid format 2, so the chain is untouched. Only
//! the event-id index changes layout: its `U` keys (one per id) become `T` buckets. One atomic
//! batch does it all, the format marker included, so a crash leaves either format whole.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::sled_store::STORE_FORMAT;
use crate::store::sled_store::id_index::stage_parts;
use crate::store::sled_store::keys::{self, BucketId};

pub(super) const FORMAT_1: u32 = 1;

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
    batch.insert(keys::META_FORMAT, &STORE_FORMAT.to_be_bytes());
    tree.apply_batch(batch)?;
    db.flush()?;
    tracing::info!(
        event_ids = ids,
        buckets = buckets.len(),
        "upgraded the ledger from store format 1 to {STORE_FORMAT}"
    );
    Ok(())
}

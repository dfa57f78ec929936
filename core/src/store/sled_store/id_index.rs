//! The event-id index (`T` keys, see `keys.rs`): every id with its position, grouped in
//! buckets by the id's first 48 bits. For UUIDv7 ids that is the millisecond they were made.
//! Each commit adds, per bucket it touches, one part holding the ids it brings, keyed by the
//! part's first position; parts are never rewritten. The ids of one group commit, made by
//! their commands moments apart, so usually share one or two keys instead of taking one key
//! each. A lookup reads the parts of one bucket.
//!
//! `IdIndexWriter` is the single writer's view: it answers "is this id taken?" exactly and
//! stages the new parts into the group's batch. It keeps the ids of recently used buckets in
//! memory (bounded by `CACHED_IDS_MAX`, trimmed only between groups, never while a group's
//! staged entries exist nowhere else).

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::error::StoreError;
use crate::store::sled_store::keys::{self, BucketId};

/// Most entries in one stored part (24 bytes each); a commit that brings more ids to one
/// bucket writes several parts.
pub(super) const BUCKET_PART_IDS_MAX: usize = 512;
/// Most ids the writer keeps in memory between groups.
const CACHED_IDS_MAX: usize = 262_144;

/// The position of `event_id`, from the stored index.
pub(super) fn lookup(tree: &sled::Tree, event_id: &Uuid) -> Result<Option<u64>, StoreError> {
    let bucket = keys::bucket_of(event_id);
    for entry in tree.scan_prefix(keys::event_id_bucket_prefix(&bucket)) {
        let (key, value) = entry?;
        if !keys::is_bucket_part(&key) {
            continue;
        }
        if let Some(position) = keys::find_in_bucket(&value, event_id) {
            return Ok(Some(position));
        }
    }
    Ok(None)
}

/// Stages `entries` (one bucket's new ids) as parts of at most `BUCKET_PART_IDS_MAX`.
pub(super) fn stage_parts(batch: &mut sled::Batch, bucket: &BucketId, entries: &mut [(Uuid, u64)]) {
    entries.sort_unstable_by_key(|(_, position)| *position);
    for part in entries.chunks(BUCKET_PART_IDS_MAX) {
        if let Some((_, first_position)) = part.first() {
            batch.insert(
                &keys::event_id_bucket(bucket, *first_position)[..],
                keys::encode_bucket(part),
            );
        }
    }
}

pub(super) struct IdIndexWriter {
    /// Every id of each cached bucket, stored or staged.
    buckets: HashMap<BucketId, HashSet<Uuid>>,
    /// The highest bucket stored or staged: a higher one (a UUIDv7 made after every id so
    /// far) is known to be empty without reading it.
    highest_bucket: Option<BucketId>,
    cached_ids: usize,
    /// Ids claimed since the last `stage_changes`, by bucket.
    staged: HashMap<BucketId, Vec<(Uuid, u64)>>,
}

impl IdIndexWriter {
    /// The writer's view of the index stored in `tree`.
    pub(super) fn open(tree: &sled::Tree) -> Result<IdIndexWriter, StoreError> {
        let last = tree
            .scan_prefix([keys::EVENT_ID_BUCKET])
            .keys()
            .next_back()
            .transpose()?;
        Ok(IdIndexWriter {
            buckets: HashMap::new(),
            highest_bucket: last.as_deref().and_then(keys::bucket_of_part),
            cached_ids: 0,
            staged: HashMap::new(),
        })
    }

    /// Claims each `(id, position)` of one append, or changes nothing: `Ok(Some(id))` names
    /// an id already in the index (staged entries included).
    pub(super) fn claim(
        &mut self,
        tree: &sled::Tree,
        claims: &[(Uuid, u64)],
    ) -> Result<Option<Uuid>, StoreError> {
        for (event_id, _) in claims {
            let bucket_id = keys::bucket_of(event_id);
            if !self.buckets.contains_key(&bucket_id) {
                let ids = match self.highest_bucket {
                    Some(highest) if bucket_id <= highest => read_bucket(tree, &bucket_id)?,
                    _ => HashSet::new(),
                };
                self.cached_ids += ids.len();
                self.buckets.insert(bucket_id, ids);
            }
            if self
                .buckets
                .get(&bucket_id)
                .is_some_and(|ids| ids.contains(event_id))
            {
                return Ok(Some(*event_id));
            }
        }
        for (event_id, position) in claims {
            let bucket_id = keys::bucket_of(event_id);
            self.buckets.entry(bucket_id).or_default().insert(*event_id);
            self.highest_bucket = self.highest_bucket.max(Some(bucket_id));
            self.staged
                .entry(bucket_id)
                .or_default()
                .push((*event_id, *position));
            self.cached_ids += 1;
        }
        Ok(None)
    }

    /// Stages the claimed ids into `batch`, one or more new parts per bucket.
    pub(super) fn stage_changes(&mut self, batch: &mut sled::Batch) {
        for (bucket_id, mut entries) in self.staged.drain() {
            stage_parts(batch, &bucket_id, &mut entries);
        }
    }

    /// Called once a group's batch is applied (or abandoned): trims the cache.
    pub(super) fn settle(&mut self) {
        self.staged.clear();
        if self.cached_ids > CACHED_IDS_MAX {
            self.buckets.clear();
            self.cached_ids = 0;
        }
    }
}

/// Every id of a bucket, from disk.
fn read_bucket(tree: &sled::Tree, bucket_id: &BucketId) -> Result<HashSet<Uuid>, StoreError> {
    let mut ids = HashSet::new();
    for entry in tree.scan_prefix(keys::event_id_bucket_prefix(bucket_id)) {
        let (key, value) = entry?;
        let entries = keys::decode_bucket(&value)
            .filter(|_| keys::is_bucket_part(&key))
            .ok_or_else(|| StoreError::Corrupt {
                position: 0,
                reason: format!("event-id index entry {key:?} is malformed"),
            })?;
        ids.extend(entries.into_iter().map(|(id, _)| id));
    }
    Ok(ids)
}

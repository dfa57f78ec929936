//! A lane: one generation of one projection's tree and the position it has applied. Applying
//! a batch to a lane is synchronous and atomic: the batch's writes and the new checkpoint go
//! to sled in one `apply_batch`, so the tree never holds half a batch.

use govledger_core::event::RecordedEvent;
use govledger_core::hash::Hash256;
use govledger_core::store::EventStore;

use crate::error::{ApplyError, ProjectionError};
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::catalog::Generation;
use crate::runner::lane_cache::LaneCache;
use crate::runner::stats::WriteCounters;
use crate::runner::writes::{Change, RUNNER_KEY_PREFIX, ReadModelWrites};

/// Where a lane keeps the last position it applied (u64 big-endian) and that event's hash, so
/// a read model built from another ledger (a restored backup) is noticed at open.
const CHECKPOINT_KEY: [u8; 2] = [RUNNER_KEY_PREFIX, b'c'];
const CHECKPOINT_BYTES: usize = 8 + 32;

/// A stored event with its payload decoded once for every lane of a driver.
pub(crate) struct DecodedEvent<E> {
    pub recorded: RecordedEvent,
    pub decoded: Result<E, ApplyError>,
}

/// A lane stopped at `position`: every event before it is committed, this one is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LaneFailure {
    pub position: u64,
    pub reason: String,
}

pub(crate) struct Lane {
    pub generation: Generation,
    pub tree: sled::Tree,
    pub applied: u64,
    /// The hash of the event at `applied` (`GENESIS` at 0).
    pub applied_hash: Hash256,
    /// What the lane wrote, so folds rarely read the tree.
    cache: LaneCache,
}

impl Lane {
    pub(crate) fn open(generation: Generation, tree: sled::Tree) -> Result<Lane, ProjectionError> {
        let (applied, applied_hash) = match tree.get(CHECKPOINT_KEY)? {
            None => (0, Hash256::GENESIS),
            Some(bytes) => decode_checkpoint(&bytes)
                .ok_or_else(|| ProjectionError::Corrupt("checkpoint is malformed".into()))?,
        };
        let cache = if applied == 0 && tree.is_empty() {
            LaneCache::for_empty_tree()
        } else {
            LaneCache::default()
        };
        Ok(Lane {
            generation,
            tree,
            applied,
            applied_hash,
            cache,
        })
    }

    /// Applies the events after the checkpoint and commits them with the new checkpoint.
    /// On a failure, commits everything before the failing event and reports its position.
    pub(crate) fn apply<E: 'static>(
        &mut self,
        projection: &dyn Projection<E>,
        events: &[DecodedEvent<E>],
        ledger: &dyn EventStore,
        counters: &WriteCounters,
    ) -> Result<(), LaneFailure> {
        let pending: Vec<&DecodedEvent<E>> = events
            .iter()
            .filter(|event| event.recorded.position > self.applied)
            .collect();
        let Some(last) = pending.last() else {
            return Ok(());
        };
        let tree = self.tree.clone();
        let started = std::time::Instant::now();
        match fold(projection, &pending, ledger, &tree, &self.cache) {
            Ok(changes) => {
                let fold_time = started.elapsed();
                let keys = changes.len();
                self.commit(changes, &last.recorded)?;
                counters.record(
                    pending.len(),
                    keys,
                    fold_time,
                    started.elapsed() - fold_time,
                );
                Ok(())
            }
            Err(failure) => {
                // The overlay holds part of the failing event's writes: start over and fold
                // only the events before it (they applied cleanly; apply is deterministic).
                let before: Vec<&DecodedEvent<E>> = pending
                    .into_iter()
                    .take_while(|event| event.recorded.position < failure.position)
                    .collect();
                if let Some(last_good) = before.last() {
                    let changes = fold(projection, &before, ledger, &tree, &self.cache)?;
                    self.commit(changes, &last_good.recorded)?;
                }
                Err(failure)
            }
        }
    }

    fn commit(&mut self, changes: Vec<Change>, through: &RecordedEvent) -> Result<(), LaneFailure> {
        let mut batch = sled::Batch::default();
        for (key, value) in &changes {
            match value {
                Some(value) => batch.insert(key.clone(), value.clone()),
                None => batch.remove(key.clone()),
            }
        }
        batch.insert(
            &CHECKPOINT_KEY[..],
            &encode_checkpoint(through.position, &through.hash)[..],
        );
        self.tree.apply_batch(batch).map_err(|error| LaneFailure {
            position: self.applied + 1,
            reason: format!("committing the read model: {error}"),
        })?;
        for (key, value) in changes {
            self.cache.record(key, value);
        }
        self.applied = through.position;
        self.applied_hash = through.hash;
        Ok(())
    }
}

fn encode_checkpoint(position: u64, hash: &Hash256) -> [u8; CHECKPOINT_BYTES] {
    let mut value = [0u8; CHECKPOINT_BYTES];
    value[..8].copy_from_slice(&position.to_be_bytes());
    value[8..].copy_from_slice(&hash.0);
    value
}

fn decode_checkpoint(value: &[u8]) -> Option<(u64, Hash256)> {
    if value.len() != CHECKPOINT_BYTES {
        return None;
    }
    let position = u64::from_be_bytes(value[..8].try_into().ok()?);
    Some((position, Hash256(value[8..].try_into().ok()?)))
}

/// Folds `events` over the tree (read through the lane's cache) into the changes to commit.
fn fold<E: 'static>(
    projection: &dyn Projection<E>,
    events: &[&DecodedEvent<E>],
    ledger: &dyn EventStore,
    tree: &sled::Tree,
    cache: &LaneCache,
) -> Result<Vec<Change>, LaneFailure> {
    let mut batch = ReadModelWrites::new(tree, cache);
    let writes = &mut batch;
    for event in events {
        let failed = |error: ApplyError| LaneFailure {
            position: event.recorded.position,
            reason: format!("{} event: {error}", event.recorded.event_type),
        };
        let decoded = event.decoded.as_ref().map_err(|e| failed(e.clone()))?;
        projection
            .apply(
                ProjectedEvent {
                    recorded: &event.recorded,
                    event: decoded,
                    ledger,
                },
                writes,
            )
            .map_err(failed)?;
    }
    // Deferred work of the batch; a failure here is charged to the batch's last event (the
    // retry without it narrows it down).
    if let Some(last) = events.last() {
        projection
            .finish_batch(writes)
            .and_then(|()| writes.flush_records())
            .map_err(|error| LaneFailure {
                position: last.recorded.position,
                reason: format!(
                    "finishing the batch through {}: {error}",
                    last.recorded.position
                ),
            })?;
    }
    Ok(batch.into_changes())
}

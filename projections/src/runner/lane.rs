//! A lane: one generation of one projection's tree and the position it has applied. Applying
//! a batch to a lane is synchronous and atomic: the batch's writes and the new checkpoint go
//! to the tree in one commit (`StoredTree::commit`), so the tree never holds half a batch.

use govledger_core::event::RecordedEvent;
use govledger_core::hash::Hash256;
use govledger_core::store::EventStore;

use crate::error::{ApplyError, ProjectionError};
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::catalog::Generation;
use crate::runner::stats::WriteCounters;
use crate::storage::StoredTree;
use crate::storage::lane_cache::LaneCache;
use crate::storage::paced_commit::Pacing;
use crate::storage::writes::{
    Change, IndexUpkeep, RUNNER_KEY_PREFIX, ReadModelWrites, is_memo, stored_keys,
};

/// Where a lane keeps the last position it applied (u64 big-endian) and that event's hash, so
/// a read model built from another ledger (a restored backup) is noticed at open.
const CHECKPOINT_KEY: [u8; 2] = [RUNNER_KEY_PREFIX, b'c'];
const CHECKPOINT_BYTES: usize = 8 + 32;
/// Present (empty) while a generation leaves its indexes to be built before it goes live
/// (`IndexUpkeep::BeforeGoingLive`); written when the generation is begun, removed in the
/// commit that writes the indexes, so a resumed build keeps leaving them out.
const INDEXES_DEFERRED_KEY: [u8; 2] = [RUNNER_KEY_PREFIX, b'i'];

/// A building lane folds the next batch into its uncommitted one while that one holds fewer
/// changes than `RunnerOptions::build_commit_keys_min`, fewer value bytes than this (bounds
/// the memory uncommitted changes hold) ...
const COMMIT_BYTES_MIN: usize = 16 * 1024 * 1024;
/// ... and fewer events than this (bounds what a crash throws away, and how far a lane's
/// checkpoint lags behind what it folded).
const COMMIT_EVENTS_MAX: usize = 262_144;

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
    pub cause: FailureCause,
}

/// Why a lane did not apply an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureCause {
    /// The projection cannot apply the event: the lane stops there.
    Event,
    /// The ledger could not be read for now (`ApplyError::LedgerUnavailable`): the event
    /// is applied again later.
    LedgerUnavailable,
}

pub(crate) struct Lane {
    pub generation: Generation,
    pub tree: StoredTree,
    pub applied: u64,
    /// The hash of the event at `applied` (`GENESIS` at 0).
    pub applied_hash: Hash256,
    pub index_upkeep: IndexUpkeep,
    /// What the lane wrote, so folds rarely read the tree.
    cache: LaneCache,
    /// A folded batch not yet committed (`apply_overlapped`); `applied` is before it.
    folded: Option<FoldedBatch>,
    /// How the commits of the generation while it is built go to the tree
    /// (`storage::paced_commit`).
    pacing: Pacing,
}

/// A batch folded into its changes, waiting for its commit.
struct FoldedBatch {
    /// Sorted by key.
    changes: Vec<Change>,
    through: (u64, Hash256),
    upkeep: IndexUpkeep,
    events: usize,
    fold_time: std::time::Duration,
}

impl FoldedBatch {
    /// Whether the next batch should be folded into this one rather than this one committed.
    fn takes_more(&self, keys_min: usize) -> bool {
        let bytes: usize = self
            .changes
            .iter()
            .map(|(key, value)| key.len() + value.as_ref().map_or(0, |v| v.len()))
            .sum();
        stored_keys(&self.changes) < keys_min
            && bytes < COMMIT_BYTES_MIN
            && self.events < COMMIT_EVENTS_MAX
    }

    /// Takes in the changes of the batch folded after this one (newer: its value wins).
    fn absorb(
        &mut self,
        later: Vec<Change>,
        through: (u64, Hash256),
        events: usize,
        fold_time: std::time::Duration,
    ) {
        self.changes = merge_changes(std::mem::take(&mut self.changes), later);
        self.through = through;
        self.events += events;
        self.fold_time += fold_time;
    }
}

/// Merges two key-sorted change lists into one; where both change a key, `later`'s wins.
fn merge_changes(earlier: Vec<Change>, later: Vec<Change>) -> Vec<Change> {
    let mut merged = Vec::with_capacity(earlier.len() + later.len());
    let mut earlier = earlier.into_iter().peekable();
    let mut later = later.into_iter().peekable();
    loop {
        let take_earlier = match (earlier.peek(), later.peek()) {
            (None, None) => return merged,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                std::cmp::Ordering::Less => true,
                std::cmp::Ordering::Greater => false,
                std::cmp::Ordering::Equal => {
                    earlier.next();
                    false
                }
            },
        };
        let next = if take_earlier {
            earlier.next()
        } else {
            later.next()
        };
        merged.extend(next);
    }
}

impl Lane {
    /// Begins a generation in an empty tree, to be built from position 1 with its indexes
    /// left for the end.
    pub(crate) fn begin(generation: Generation, tree: StoredTree) -> Result<Lane, ProjectionError> {
        tree.insert(&INDEXES_DEFERRED_KEY, &[])?;
        Lane::open(generation, tree)
    }

    pub(crate) fn open(generation: Generation, tree: StoredTree) -> Result<Lane, ProjectionError> {
        let (applied, applied_hash) = match tree.get(&CHECKPOINT_KEY)? {
            None => (0, Hash256::GENESIS),
            Some(bytes) => decode_checkpoint(&bytes)
                .ok_or_else(|| ProjectionError::Corrupt("checkpoint is malformed".into()))?,
        };
        let index_upkeep = if tree.contains(&INDEXES_DEFERRED_KEY)? {
            IndexUpkeep::BeforeGoingLive
        } else {
            IndexUpkeep::EveryBatch
        };
        let holds_projection_keys = tree.holds_read_model_keys();
        let cache = if applied == 0 && !holds_projection_keys {
            LaneCache::for_empty_tree()
        } else {
            LaneCache::default()
        };
        Ok(Lane {
            generation,
            tree,
            applied,
            applied_hash,
            index_upkeep,
            cache,
            folded: None,
            pacing: Pacing::Whole,
        })
    }

    /// Paces this lane's commits while it is built (before its indexes are written).
    pub(crate) fn pace_build_commits(&mut self, pacing: Pacing) {
        self.pacing = pacing;
    }

    /// Writes the indexes a lane left out while it was built (nothing for a lane that kept
    /// them); call it before the lane goes live. The values are stored ahead, by
    /// `STORE_AHEAD_THREADS` threads (`store_ahead`), then the removals go in one commit that
    /// also ends the deferral: until that commit, the generation is still being built, and a
    /// crash makes the next start build the indexes again over what was stored ahead.
    pub(crate) fn build_indexes<E: 'static>(
        &mut self,
        projection: &dyn Projection<E>,
        counters: &WriteCounters,
    ) -> Result<(), LaneFailure> {
        self.settle(counters)?;
        if self.index_upkeep == IndexUpkeep::EveryBatch {
            return Ok(());
        }
        let failed = |reason: String| LaneFailure {
            cause: FailureCause::Event,
            position: self.applied + 1,
            reason: format!("building the indexes through {}: {reason}", self.applied),
        };
        let started = std::time::Instant::now();
        let tree = self.tree.clone();
        let mut writes = ReadModelWrites::new(&tree, &self.cache, IndexUpkeep::EveryBatch, &[]);
        projection
            .build_indexes(&tree.read_model(), &mut writes)
            .and_then(|()| writes.flush_records())
            .map_err(|error| failed(error.to_string()))?;
        let changes = writes.into_changes();
        let fold_time = started.elapsed();
        let keys = stored_keys(&changes);
        let (ahead, rest): (Vec<Change>, Vec<Change>) = changes
            .into_iter()
            .partition(|(key, value)| value.is_some() && !is_memo(key));
        tree.store_ahead(&ahead).map_err(|error| LaneFailure {
            cause: FailureCause::Event,
            position: self.applied + 1,
            reason: format!("storing the indexes through {}: {error}", self.applied),
        })?;
        self.commit(
            rest,
            (self.applied, self.applied_hash),
            IndexUpkeep::EveryBatch,
        )?;
        for (key, value) in ahead {
            self.cache.record(key, value);
        }
        let store_time = started.elapsed() - fold_time;
        counters.record(0, keys, fold_time, store_time);
        counters.record_index_build(fold_time, store_time);
        tracing::info!(
            projection = projection.name(),
            keys,
            build_ms = fold_time.as_millis(),
            store_ms = store_time.as_millis(),
            "built the indexes of a rebuilt generation"
        );
        Ok(())
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
        self.settle(counters)?;
        let pending = events_after(events, self.applied);
        let Some(last) = pending.last() else {
            return Ok(());
        };
        let tree = self.tree.clone();
        let started = std::time::Instant::now();
        let upkeep = self.index_upkeep;
        match fold(
            projection,
            &pending,
            ledger,
            (&tree, &self.cache, &[]),
            upkeep,
        ) {
            Ok(changes) => {
                let fold_time = started.elapsed();
                let keys = stored_keys(&changes);
                self.commit(changes, checkpoint_of(&last.recorded), upkeep)?;
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
                    let changes = fold(
                        projection,
                        &before,
                        ledger,
                        (&tree, &self.cache, &[]),
                        upkeep,
                    )?;
                    self.commit(changes, checkpoint_of(&last_good.recorded), upkeep)?;
                }
                Err(failure)
            }
        }
    }

    /// Applies `events` like `apply`, but leaves this batch folded and uncommitted, and
    /// commits the batch folded by the previous call while folding this one (reading through
    /// its changes), so a lane's commit, which waits for sled's process-wide write lock,
    /// overlaps its next fold. While the previous batch holds few changes (`keys_min`
    /// and the limits after it), this batch is folded into it instead, for one commit of both.
    /// Call `settle` before the lane is read or goes live.
    pub(crate) fn apply_overlapped<E: 'static>(
        &mut self,
        projection: &dyn Projection<E>,
        events: &[DecodedEvent<E>],
        ledger: &dyn EventStore,
        counters: &WriteCounters,
        keys_min: usize,
    ) -> Result<(), LaneFailure> {
        let Some(previous) = self.folded.take() else {
            return self.fold_and_keep(projection, events, ledger, counters);
        };
        if previous.takes_more(keys_min) {
            return self.fold_into(previous, projection, events, ledger, counters);
        }
        let pending = events_after(events, previous.through.0);
        let upkeep = previous.upkeep;
        let started = std::time::Instant::now();
        let (committed, folded) = std::thread::scope(|scope| {
            let commit = scope.spawn(|| {
                let committed = write_batch(
                    &self.tree,
                    &previous,
                    self.index_upkeep,
                    self.applied,
                    self.pacing,
                );
                (committed, started.elapsed())
            });
            let reads = (&self.tree, &self.cache, previous.changes.as_slice());
            let folded =
                (!pending.is_empty()).then(|| fold(projection, &pending, ledger, reads, upkeep));
            let committed = commit.join().unwrap_or_else(|_| {
                (
                    Err(LaneFailure {
                        cause: FailureCause::Event,
                        position: self.applied + 1,
                        reason: "committing the read model panicked".into(),
                    }),
                    started.elapsed(),
                )
            });
            (committed, folded.map(|folded| (folded, started.elapsed())))
        });
        let (committed, commit_time) = committed;
        committed?;
        counters.record(
            previous.events,
            stored_keys(&previous.changes),
            previous.fold_time,
            commit_time,
        );
        self.after_commit(previous);
        match folded {
            None => Ok(()),
            Some((Ok(changes), fold_time)) => {
                self.keep_folded(changes, &pending, upkeep, fold_time);
                Ok(())
            }
            // Fold again without the failing event, now that the previous batch is committed.
            Some((Err(_), _)) => self.apply(projection, events, ledger, counters),
        }
    }

    /// Folds `events` (those after `previous`) reading through `previous`'s changes, and keeps
    /// both together for one commit.
    fn fold_into<E: 'static>(
        &mut self,
        mut previous: FoldedBatch,
        projection: &dyn Projection<E>,
        events: &[DecodedEvent<E>],
        ledger: &dyn EventStore,
        counters: &WriteCounters,
    ) -> Result<(), LaneFailure> {
        let pending = events_after(events, previous.through.0);
        let Some(last) = pending.last() else {
            self.folded = Some(previous);
            return Ok(());
        };
        let started = std::time::Instant::now();
        let reads = (&self.tree, &self.cache, previous.changes.as_slice());
        match fold(projection, &pending, ledger, reads, previous.upkeep) {
            Ok(changes) => {
                let through = checkpoint_of(&last.recorded);
                previous.absorb(changes, through, pending.len(), started.elapsed());
                self.folded = Some(previous);
                Ok(())
            }
            // Commit what folded cleanly, then let `apply` commit what comes before the
            // failing event and report it.
            Err(_) => {
                self.folded = Some(previous);
                self.settle(counters)?;
                self.apply(projection, events, ledger, counters)
            }
        }
    }

    /// Folds the events after the checkpoint and keeps them for the next commit.
    fn fold_and_keep<E: 'static>(
        &mut self,
        projection: &dyn Projection<E>,
        events: &[DecodedEvent<E>],
        ledger: &dyn EventStore,
        counters: &WriteCounters,
    ) -> Result<(), LaneFailure> {
        let pending = events_after(events, self.applied);
        if pending.is_empty() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let upkeep = self.index_upkeep;
        match fold(
            projection,
            &pending,
            ledger,
            (&self.tree, &self.cache, &[]),
            upkeep,
        ) {
            Ok(changes) => {
                self.keep_folded(changes, &pending, upkeep, started.elapsed());
                Ok(())
            }
            // `apply` meets the same failure, commits what comes before it and reports it.
            Err(_) => self.apply(projection, events, ledger, counters),
        }
    }

    fn keep_folded<E>(
        &mut self,
        changes: Vec<Change>,
        events: &[&DecodedEvent<E>],
        upkeep: IndexUpkeep,
        fold_time: std::time::Duration,
    ) {
        if let Some(last) = events.last() {
            self.folded = Some(FoldedBatch {
                changes,
                through: checkpoint_of(&last.recorded),
                upkeep,
                events: events.len(),
                fold_time,
            });
        }
    }

    /// Commits the folded batch, if one waits.
    pub(crate) fn settle(&mut self, counters: &WriteCounters) -> Result<(), LaneFailure> {
        let Some(folded) = self.folded.take() else {
            return Ok(());
        };
        let started = std::time::Instant::now();
        write_batch(
            &self.tree,
            &folded,
            self.index_upkeep,
            self.applied,
            self.pacing,
        )?;
        counters.record(
            folded.events,
            stored_keys(&folded.changes),
            folded.fold_time,
            started.elapsed(),
        );
        self.after_commit(folded);
        Ok(())
    }

    /// Commits `changes` with the checkpoint `through` (position and hash); `upkeep` is how
    /// the lane keeps its indexes from then on.
    fn commit(
        &mut self,
        changes: Vec<Change>,
        through: (u64, Hash256),
        upkeep: IndexUpkeep,
    ) -> Result<(), LaneFailure> {
        let batch = FoldedBatch {
            changes,
            through,
            upkeep,
            events: 0,
            fold_time: std::time::Duration::ZERO,
        };
        write_batch(
            &self.tree,
            &batch,
            self.index_upkeep,
            self.applied,
            self.pacing,
        )?;
        self.after_commit(batch);
        Ok(())
    }

    /// Takes a committed batch into the lane's state and cache.
    fn after_commit(&mut self, batch: FoldedBatch) {
        for (key, value) in batch.changes {
            self.cache.record(key, value);
        }
        (self.applied, self.applied_hash) = batch.through;
        self.index_upkeep = batch.upkeep;
    }
}

/// Writes a folded batch and its checkpoint to the tree in one commit; `upkeep_now`
/// is how the tree keeps its indexes before it, `applied` its checkpoint. A commit of a
/// generation being built (indexes deferred before and after) goes as `pacing` says.
fn write_batch(
    tree: &StoredTree,
    folded: &FoldedBatch,
    upkeep_now: IndexUpkeep,
    applied: u64,
    pacing: Pacing,
) -> Result<(), LaneFailure> {
    let (position, hash) = folded.through;
    let mut ending: Vec<Change> = vec![(
        CHECKPOINT_KEY[..].into(),
        Some(encode_checkpoint(position, &hash)[..].into()),
    )];
    if folded.upkeep != upkeep_now {
        ending.push(match folded.upkeep {
            IndexUpkeep::EveryBatch => (INDEXES_DEFERRED_KEY[..].into(), None),
            IndexUpkeep::BeforeGoingLive => {
                (INDEXES_DEFERRED_KEY[..].into(), Some((&[][..]).into()))
            }
        });
    }
    let building =
        upkeep_now == IndexUpkeep::BeforeGoingLive && folded.upkeep == IndexUpkeep::BeforeGoingLive;
    let pacing = if building { pacing } else { Pacing::Whole };
    tree.commit(&folded.changes, ending, pacing)
        .map_err(|error| LaneFailure {
            cause: FailureCause::Event,
            position: applied + 1,
            reason: format!("committing the read model: {error}"),
        })
}

/// The events of `events` after `position`, in order.
fn events_after<E>(events: &[DecodedEvent<E>], position: u64) -> Vec<&DecodedEvent<E>> {
    events
        .iter()
        .filter(|event| event.recorded.position > position)
        .collect()
}

fn checkpoint_of(event: &RecordedEvent) -> (u64, Hash256) {
    (event.position, event.hash)
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

/// Folds `events` over the tree (read through the changes of a batch being committed, then
/// the lane's cache) into the changes to commit.
fn fold<E: 'static>(
    projection: &dyn Projection<E>,
    events: &[&DecodedEvent<E>],
    ledger: &dyn EventStore,
    (tree, cache, committing): (&StoredTree, &LaneCache, &[Change]),
    upkeep: IndexUpkeep,
) -> Result<Vec<Change>, LaneFailure> {
    let mut batch = ReadModelWrites::new(tree, cache, upkeep, committing);
    let writes = &mut batch;
    for event in events {
        let failed = |error: ApplyError| LaneFailure {
            cause: match error {
                ApplyError::LedgerUnavailable(_) => FailureCause::LedgerUnavailable,
                _ => FailureCause::Event,
            },
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
                cause: FailureCause::Event,
                position: last.recorded.position,
                reason: format!(
                    "finishing the batch through {}: {error}",
                    last.recorded.position
                ),
            })?;
    }
    Ok(batch.into_changes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::ReadModelDatabase;

    /// `(key, value)`; a value of `None` is a removal.
    type Row = (&'static str, Option<&'static str>);

    fn changes(rows: &[Row]) -> Vec<Change> {
        rows.iter()
            .map(|(key, value)| (key.as_bytes().into(), value.map(|v| v.as_bytes().into())))
            .collect()
    }

    fn check(earlier: &[Row], later: &[Row], expect: &[Row]) {
        assert_eq!(
            merge_changes(changes(earlier), changes(later)),
            changes(expect),
            "{earlier:?} then {later:?}"
        );
    }

    #[test]
    fn later_changes_win_and_the_merge_stays_sorted() {
        check(&[], &[], &[]);
        check(&[("a", Some("1"))], &[], &[("a", Some("1"))]);
        check(&[], &[("a", None)], &[("a", None)]);
        check(
            &[("a", Some("1")), ("c", Some("3"))],
            &[("b", Some("2")), ("d", None)],
            &[
                ("a", Some("1")),
                ("b", Some("2")),
                ("c", Some("3")),
                ("d", None),
            ],
        );
        check(
            &[("a", Some("1")), ("b", Some("old")), ("c", None)],
            &[("b", None), ("c", Some("new"))],
            &[("a", Some("1")), ("b", None), ("c", Some("new"))],
        );
    }

    /// A commit stores every change but the memos, with the checkpoint; stored ahead, only
    /// values are written.
    #[test]
    fn memos_are_never_stored() {
        let db = ReadModelDatabase::temporary().unwrap();
        let tree = db.open_tree("lane").unwrap();
        let memo = [crate::storage::writes::MEMO_KEY_PREFIX, b'm'];
        let batch = FoldedBatch {
            changes: vec![
                (memo[..].into(), Some(b"kept in memory"[..].into())),
                (b"a"[..].into(), Some(b"1"[..].into())),
                (b"b"[..].into(), None),
            ],
            through: (7, Hash256::GENESIS),
            upkeep: IndexUpkeep::EveryBatch,
            events: 1,
            fold_time: std::time::Duration::ZERO,
        };
        assert_eq!(stored_keys(&batch.changes), 2);
        tree.insert(b"b", b"old").unwrap();
        write_batch(&tree, &batch, IndexUpkeep::EveryBatch, 6, Pacing::Whole).unwrap();
        assert_eq!(tree.get(&memo).unwrap(), None);
        assert_eq!(tree.get(b"a").unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(tree.get(b"b").unwrap(), None);
        let checkpoint = tree.get(&CHECKPOINT_KEY).unwrap().unwrap();
        assert_eq!(decode_checkpoint(&checkpoint), Some((7, Hash256::GENESIS)));

        let ahead = changes(&[("c", Some("3")), ("d", Some("4")), ("e", Some("5"))]);
        tree.store_ahead(&ahead).unwrap();
        for (key, value) in &ahead {
            assert_eq!(tree.get(key).unwrap().as_ref(), value.as_ref());
        }
    }
}

//! The stream index (`V` keys, store format 3, ADR 0004): where each version of each stream is
//! in the log.
//!
//! A `V` key holds a run (`run.rs`): the positions of consecutive versions of one stream,
//! keyed by the first of them (a format-2 key, one version, is a run of one). Group commits do
//! not write `V` keys one by one: the single writer keeps the runs of recent appends in memory
//! (the tail, `tail.rs`, which readers consult too) and stores them a generation at a time,
//! one key per stream, with the `Mstreams_indexed` marker (the last position the stored runs
//! cover). sled's cost is per key, so a stream appended to k times in a generation costs one
//! key instead of k. After a crash the tail is rebuilt at open from the records after the
//! marker; a clean close stores it, so the next open replays nothing.
//!
//! Readers see the tail and the stored runs together. The writer stores runs before it drops
//! them from the tail, and readers take the tail before the stored runs, so a version moving
//! from one to the other is seen at least once (and deduplicated), never missed.

mod run;
mod tail;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::codec;
use crate::error::StoreError;
use crate::event::StreamId;
use crate::store::Direction;
use crate::store::sled_store::{keys, records};
use run::Run;
use tail::Tail;
pub(super) use tail::{IndexEntry, TailPlan};

/// Default for `TailLimits::events_max`.
pub const STREAM_INDEX_TAIL_EVENTS_MAX: usize = 16_384;
/// Default for `TailLimits::streams_max`.
pub const STREAM_INDEX_TAIL_STREAMS_MAX: usize = 4_096;
/// Default for `TailLimits::streams_per_group`.
pub const STREAM_INDEX_STORED_STREAMS_PER_GROUP: usize = 256;
/// Largest `TailLimits::events_max` accepted (larger values are cut to it).
pub const STREAM_INDEX_TAIL_EVENTS_LIMIT: usize = 1 << 20;
/// An open refuses a ledger whose stored stream index stops this many events or more before
/// the head: the tail never holds more than two generations of under `events_max` plus one
/// group (at most `GROUP_COMMIT_APPENDS_MAX × EVENTS_PER_APPEND_MAX` events) each.
const REPLAY_EVENTS_LIMIT: u64 = 4 * STREAM_INDEX_TAIL_EVENTS_LIMIT as u64;

/// When the writer stores the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailLimits {
    /// The active generation is sealed by the group that brings it to this many events.
    /// Bounds the records an open replays and the tail's memory.
    pub events_max: usize,
    /// ... or to this many streams.
    pub streams_max: usize,
    /// Runs of the sealed generation each group stores (the time one group spends on it).
    pub streams_per_group: usize,
}

impl Default for TailLimits {
    fn default() -> TailLimits {
        TailLimits {
            events_max: STREAM_INDEX_TAIL_EVENTS_MAX,
            streams_max: STREAM_INDEX_TAIL_STREAMS_MAX,
            streams_per_group: STREAM_INDEX_STORED_STREAMS_PER_GROUP,
        }
    }
}

/// The stream index: stored runs plus the in-memory tail, shared by the writer (the tail's
/// only author) and readers.
pub(super) struct StreamIndex {
    tree: sled::Tree,
    tail: RwLock<Tail>,
    limits: TailLimits,
}

impl StreamIndex {
    /// The index with an empty tail; `replay_tail` fills it.
    pub(super) fn new(tree: &sled::Tree, limits: TailLimits) -> StreamIndex {
        StreamIndex {
            tree: tree.clone(),
            tail: RwLock::new(Tail::default()),
            limits: TailLimits {
                events_max: limits.events_max.clamp(1, STREAM_INDEX_TAIL_EVENTS_LIMIT),
                streams_max: limits.streams_max.max(1),
                streams_per_group: limits.streams_per_group.max(1),
            },
        }
    }

    /// Rebuilds the tail from the records after the `Mstreams_indexed` marker up to `head`.
    /// On error the tail holds what was replayed before the failing record (the open check,
    /// or `verify`, then names that record).
    pub(super) fn replay_tail(&mut self, head: u64) -> Result<(), StoreError> {
        let indexed = indexed_through(&self.tree)?;
        if indexed > head {
            return Err(StoreError::Corrupt {
                position: head + 1,
                reason: format!("stream index covers position {indexed} but the head is {head}"),
            });
        }
        if head - indexed >= REPLAY_EVENTS_LIMIT {
            return Err(StoreError::Corrupt {
                position: indexed + 1,
                reason: format!(
                    "stream index stops at position {indexed}, {} events before the head",
                    head - indexed
                ),
            });
        }
        if head == indexed {
            return Ok(());
        }
        let tail = self
            .tail
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stored = records::scan(&self.tree, indexed + 1, head, Direction::Forwards)?;
        let mut replayed = indexed;
        for (expected, entry) in (indexed + 1..).zip(stored) {
            let (position, value) = entry?;
            if position != expected {
                break;
            }
            let event = codec::decode_record(position, &value)?;
            tail.active
                .push(&event.stream_id, event.stream_version, position)
                .map_err(|position| StoreError::Corrupt {
                    position,
                    reason: format!("stream {} skips a version", event.stream_id),
                })?;
            replayed = position;
        }
        if replayed != head {
            return Err(StoreError::Corrupt {
                position: replayed + 1,
                reason: "event is missing".into(),
            });
        }
        Ok(())
    }

    fn tail(&self) -> RwLockReadGuard<'_, Tail> {
        // Only `settle` writes the tail, and it cannot panic halfway: a poisoned lock still
        // guards a whole tail.
        self.tail
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn tail_mut(&self) -> RwLockWriteGuard<'_, Tail> {
        self.tail
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The writer's view: the stream's last version, applied groups included.
    pub(super) fn last_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        if let Some(version) = self.tail().last_version(stream) {
            return Ok(version);
        }
        match self
            .tree
            .scan_prefix(keys::stream_version_prefix(stream))
            .next_back()
            .transpose()?
        {
            Some((key, value)) => Ok(Run::decode(stream, &key, &value)?.last_version()),
            None => Ok(0),
        }
    }

    /// Stages into a group's batch the tail runs it stores, if any (see `tail.rs`).
    pub(super) fn stage(&self, batch: &mut sled::Batch, entries: &[IndexEntry]) -> TailPlan {
        self.tail().stage(&self.limits, batch, entries)
    }

    /// After the group's batch is applied: the tail takes in what the plan did.
    pub(super) fn settle(&self, entries: &[IndexEntry], plan: TailPlan, last_position: u64) {
        self.tail_mut().settle(entries, plan, last_position);
    }

    /// Stores the whole tail (a clean close), so the next open replays nothing.
    pub(super) fn store_all(&self, head: u64) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        if self.tail().stage_all(&mut batch, head).is_none() {
            return Ok(());
        }
        self.tree.apply_batch(batch)?;
        *self.tail_mut() = Tail::default();
        Ok(())
    }

    /// Positions of the stream's versions from `from_version` on, up to `head`, at most
    /// `limit` of them.
    pub(super) fn positions(
        &self,
        stream: &StreamId,
        from_version: u64,
        head: u64,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let from_version = from_version.max(1);
        // The tail first: see the module note.
        let in_memory = self.tail().runs_of(stream);
        let mut positions = Vec::new();
        let mut next_version = from_version;
        let start = match self.stored_run_containing(stream, from_version)? {
            Some(run) => keys::stream_version(stream, run.first_version),
            None => keys::stream_version(stream, from_version),
        };
        let end = keys::stream_version(stream, u64::MAX);
        let stored = self.tree.range(start..=end).map(|entry| {
            let (key, value) = entry?;
            Run::decode(stream, &key, &value)
        });
        for run in stored.chain(in_memory.into_iter().map(Ok)) {
            for (version, position) in run?.entries_from(next_version) {
                if position > head || positions.len() == limit {
                    return Ok(positions);
                }
                positions.push(position);
                next_version = version + 1;
            }
        }
        Ok(positions)
    }

    /// The stream's last version whose event is at or before `head`.
    pub(super) fn version_at(&self, stream: &StreamId, head: u64) -> Result<u64, StoreError> {
        let in_memory = self.tail().runs_of(stream);
        if let Some(version) = in_memory
            .iter()
            .rev()
            .find_map(|run| run.last_version_at(head))
        {
            return Ok(version);
        }
        for entry in self
            .tree
            .scan_prefix(keys::stream_version_prefix(stream))
            .rev()
        {
            let (key, value) = entry?;
            if let Some(version) = Run::decode(stream, &key, &value)?.last_version_at(head) {
                return Ok(version);
            }
        }
        Ok(0)
    }

    /// The position the index gives for one version of a stream.
    pub(super) fn position_of(
        &self,
        stream: &StreamId,
        version: u64,
    ) -> Result<Option<u64>, StoreError> {
        if let Some(position) = self.tail().position_of(stream, version) {
            return Ok(Some(position));
        }
        Ok(self
            .stored_run_containing(stream, version)?
            .and_then(|run| run.position_of(version)))
    }

    /// The stored run whose first version is the greatest at or below `version`, if it
    /// reaches `version`.
    fn stored_run_containing(
        &self,
        stream: &StreamId,
        version: u64,
    ) -> Result<Option<Run>, StoreError> {
        let low = keys::stream_version(stream, 0);
        let high = keys::stream_version(stream, version);
        match self.tree.range(low..=high).next_back().transpose()? {
            Some((key, value)) => {
                let run = Run::decode(stream, &key, &value)?;
                Ok((run.last_version() >= version).then_some(run))
            }
            None => Ok(None),
        }
    }
}

/// The `Mstreams_indexed` marker: the last position the stored runs cover (0 when absent: a
/// new ledger).
fn indexed_through(tree: &sled::Tree) -> Result<u64, StoreError> {
    match tree.get(keys::META_STREAMS_INDEXED)? {
        Some(value) => <[u8; 8]>::try_from(value.as_ref())
            .map(u64::from_be_bytes)
            .map_err(|_| StoreError::Corrupt {
                position: 0,
                reason: "stream index marker is malformed".into(),
            }),
        None => Ok(0),
    }
}

//! The stream index (`V` keys, store format 3, ADR 0004): where each version of each stream is
//! in the log.
//!
//! A `V` key holds a run: the positions of consecutive versions of one stream, keyed by the
//! first of them (a format-2 key, one version, is a run of one). Group commits do not write
//! `V` keys one by one: the single writer keeps the runs of recent appends in memory (the
//! tail, which readers consult too) and writes the whole tail, one key per stream, in the
//! batch of the group that fills it, with the `Mstreams_indexed` marker (the last position
//! the stored runs cover). sled's cost is per key, so a stream appended to k times between
//! two tail writes costs one key instead of k. After a crash the tail is rebuilt at open from
//! the records after the marker (fewer than `TailLimits::events_max`).
//!
//! Readers see the tail and the stored runs together. The writer stores runs before it clears
//! them from the tail, and readers take the tail before the stored runs, so a version moving
//! from one to the other is seen at least once (and deduplicated), never missed.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::codec;
use crate::error::StoreError;
use crate::event::StreamId;
use crate::store::Direction;
use crate::store::sled_store::{keys, records};

/// Default for `TailLimits::events_max`.
pub const STREAM_INDEX_TAIL_EVENTS_MAX: usize = 16_384;
/// Default for `TailLimits::streams_max`.
pub const STREAM_INDEX_TAIL_STREAMS_MAX: usize = 4_096;
/// Largest `TailLimits::events_max` accepted (larger values are cut to it). An open refuses a
/// ledger whose stored stream index stops this many events or more before the head.
pub const STREAM_INDEX_TAIL_EVENTS_LIMIT: usize = 1 << 20;

/// When the writer stores the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailLimits {
    /// The tail is stored by the group that brings it to this many events. Bounds the records
    /// an open replays and the tail's memory.
    pub events_max: usize,
    /// The tail is stored by the group that brings it to this many streams. Bounds the keys
    /// (and so the time) one group spends storing it.
    pub streams_max: usize,
}

impl Default for TailLimits {
    fn default() -> TailLimits {
        TailLimits {
            events_max: STREAM_INDEX_TAIL_EVENTS_MAX,
            streams_max: STREAM_INDEX_TAIL_STREAMS_MAX,
        }
    }
}

/// The positions of consecutive versions of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) first_version: u64,
    pub(super) positions: Vec<u64>,
}

impl Run {
    fn last_version(&self) -> u64 {
        self.first_version + self.positions.len() as u64 - 1
    }

    fn position_of(&self, version: u64) -> Option<u64> {
        let offset = version.checked_sub(self.first_version)?;
        self.positions.get(usize::try_from(offset).ok()?).copied()
    }

    /// `(version, position)` from `from_version` on.
    fn entries_from(&self, from_version: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        (self.first_version..)
            .zip(self.positions.iter().copied())
            .filter(move |(version, _)| *version >= from_version)
    }

    fn encode(&self) -> Vec<u8> {
        self.positions
            .iter()
            .flat_map(|position| position.to_be_bytes())
            .collect()
    }

    fn decode(stream: &StreamId, key: &[u8], value: &[u8]) -> Result<Run, StoreError> {
        let malformed = || StoreError::Corrupt {
            position: 0,
            reason: format!("stream index entry of {stream} is malformed"),
        };
        let first_version = keys::trailing_u64(key).ok_or_else(malformed)?;
        if value.is_empty() || value.len() % 8 != 0 || first_version == 0 {
            return Err(malformed());
        }
        let positions = value
            .chunks_exact(8)
            .map(|bytes| bytes.try_into().map(u64::from_be_bytes))
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| malformed())?;
        Ok(Run {
            first_version,
            positions,
        })
    }
}

/// One event's entry in a group being committed.
pub(super) struct IndexEntry {
    pub(super) stream: StreamId,
    pub(super) version: u64,
    pub(super) position: u64,
}

/// What `stage` decided for a group, for `settle` after the group is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TailFate {
    /// The group's entries join the tail.
    Kept,
    /// The tail and the group's entries went into the group's batch.
    Stored,
}

#[derive(Default)]
struct Tail {
    runs: HashMap<StreamId, Run>,
    events: usize,
}

impl Tail {
    fn push(&mut self, stream: &StreamId, version: u64, position: u64) -> Result<(), u64> {
        match self.runs.get_mut(stream) {
            Some(run) if run.last_version() + 1 == version => run.positions.push(position),
            Some(_) => return Err(position),
            None => {
                self.runs.insert(
                    stream.clone(),
                    Run {
                        first_version: version,
                        positions: vec![position],
                    },
                );
            }
        }
        self.events += 1;
        Ok(())
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
        // The writer stores the tail before it reaches `events_max`, which is at most this.
        if head - indexed >= STREAM_INDEX_TAIL_EVENTS_LIMIT as u64 {
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
            tail.push(&event.stream_id, event.stream_version, position)
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
        if let Some(run) = self.tail().runs.get(stream) {
            return Ok(run.last_version());
        }
        Ok(self
            .last_stored_run(stream)?
            .map_or(0, |run| run.last_version()))
    }

    fn last_stored_run(&self, stream: &StreamId) -> Result<Option<Run>, StoreError> {
        match self
            .tree
            .scan_prefix(keys::stream_version_prefix(stream))
            .next_back()
            .transpose()?
        {
            Some((key, value)) => Ok(Some(Run::decode(stream, &key, &value)?)),
            None => Ok(None),
        }
    }

    /// Stages a group's entries: into the group's batch, with the whole tail, when they fill
    /// the tail, else nowhere (they join the tail in `settle`).
    pub(super) fn stage(
        &self,
        batch: &mut sled::Batch,
        entries: &[IndexEntry],
        last_position: u64,
    ) -> TailFate {
        let tail = self.tail();
        let new_streams = entries
            .iter()
            .filter(|entry| !tail.runs.contains_key(&entry.stream))
            .count();
        let full = tail.events + entries.len() >= self.limits.events_max
            || tail.runs.len() + new_streams >= self.limits.streams_max;
        if !full {
            return TailFate::Kept;
        }
        let mut runs: HashMap<&StreamId, Run> = tail
            .runs
            .iter()
            .map(|(stream, run)| (stream, run.clone()))
            .collect();
        for entry in entries {
            runs.entry(&entry.stream)
                .and_modify(|run| run.positions.push(entry.position))
                .or_insert_with(|| Run {
                    first_version: entry.version,
                    positions: vec![entry.position],
                });
        }
        for (stream, run) in runs {
            batch.insert(
                keys::stream_version(stream, run.first_version),
                run.encode(),
            );
        }
        batch.insert(keys::META_STREAMS_INDEXED, &last_position.to_be_bytes());
        TailFate::Stored
    }

    /// After the group's batch is applied: its entries join the tail, or the stored tail is
    /// cleared.
    pub(super) fn settle(&self, entries: &[IndexEntry], fate: TailFate) {
        let mut tail = self.tail_mut();
        match fate {
            TailFate::Stored => *tail = Tail::default(),
            TailFate::Kept => {
                for entry in entries {
                    // Versions were assigned by the writer, one after another: contiguous.
                    let _ = tail.push(&entry.stream, entry.version, entry.position);
                }
            }
        }
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
        let tail_run = self.tail().runs.get(stream).cloned();
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
        for run in stored.chain(tail_run.map(Ok)) {
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
        let tail_run = self.tail().runs.get(stream).cloned();
        let visible = |run: &Run| {
            run.entries_from(run.first_version)
                .take_while(|(_, position)| *position <= head)
                .last()
                .map(|(version, _)| version)
        };
        if let Some(version) = tail_run.as_ref().and_then(visible) {
            return Ok(version);
        }
        for entry in self
            .tree
            .scan_prefix(keys::stream_version_prefix(stream))
            .rev()
        {
            let (key, value) = entry?;
            if let Some(version) = visible(&Run::decode(stream, &key, &value)?) {
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
        let tail_run = self.tail().runs.get(stream).cloned();
        if let Some(position) = tail_run.and_then(|run| run.position_of(version)) {
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

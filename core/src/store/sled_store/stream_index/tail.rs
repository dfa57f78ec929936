//! The tail: stream-index entries in memory, not yet covered by the `Mstreams_indexed` marker.
//!
//! It has two generations. The active one takes every group's entries. When it fills up it
//! is sealed, and the following groups store the sealed runs a few streams at a time; the
//! group that stores the last of them moves the marker to the sealed generation's last
//! position, and the generation is dropped. So no single group pays for storing thousands of
//! runs, unless the active generation fills up again first (then the rest is stored at once).

use std::collections::{HashMap, HashSet};

use crate::event::StreamId;
use crate::store::sled_store::keys;
use crate::store::sled_store::stream_index::TailLimits;
use crate::store::sled_store::stream_index::run::Run;

/// One event's entry in a group being committed.
pub(in crate::store::sled_store) struct IndexEntry {
    pub(in crate::store::sled_store) stream: StreamId,
    pub(in crate::store::sled_store) version: u64,
    pub(in crate::store::sled_store) position: u64,
}

/// The runs of one stretch of the log.
#[derive(Default)]
pub(super) struct Generation {
    pub(super) runs: HashMap<StreamId, Run>,
    pub(super) events: usize,
}

impl Generation {
    /// Adds one version; `Err(position)` when it does not follow the stream's run.
    pub(super) fn push(
        &mut self,
        stream: &StreamId,
        version: u64,
        position: u64,
    ) -> Result<(), u64> {
        match self.runs.get_mut(stream) {
            Some(run) if run.last_version() + 1 == version => run.positions.push(position),
            Some(_) => return Err(position),
            None => {
                self.runs
                    .insert(stream.clone(), Run::starting(version, position));
            }
        }
        self.events += 1;
        Ok(())
    }
}

/// A full generation on its way to the stored runs.
struct Sealed {
    generation: Generation,
    /// Its last position: the marker once all its runs are stored.
    through: u64,
    /// Streams whose runs are not stored yet.
    unstored: Vec<StreamId>,
}

#[derive(Default)]
pub(super) struct Tail {
    pub(super) active: Generation,
    sealed: Option<Sealed>,
}

/// What `Tail::stage` did to a group's batch, for `Tail::settle` once the batch is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::store::sled_store) struct TailPlan {
    /// Sealed runs the batch stores (the last ones of the sealed generation's list).
    stored_streams: usize,
    /// The batch stores the sealed generation's last runs and moves the marker.
    sealed_done: bool,
    /// The active generation, with this group, is sealed after the group.
    seal: bool,
}

impl Tail {
    /// The stream's runs in memory, older first.
    fn runs_in_memory<'t>(&'t self, stream: &StreamId) -> impl Iterator<Item = &'t Run> {
        let sealed = self
            .sealed
            .as_ref()
            .and_then(|sealed| sealed.generation.runs.get(stream));
        sealed.into_iter().chain(self.active.runs.get(stream))
    }

    /// Copies of the stream's runs in memory, older first.
    pub(super) fn runs_of(&self, stream: &StreamId) -> Vec<Run> {
        self.runs_in_memory(stream).cloned().collect()
    }

    /// The position of one version of the stream, if it is in memory.
    pub(super) fn position_of(&self, stream: &StreamId, version: u64) -> Option<u64> {
        self.runs_in_memory(stream)
            .find_map(|run| run.position_of(version))
    }

    /// The stream's last version in memory.
    pub(super) fn last_version(&self, stream: &StreamId) -> Option<u64> {
        self.runs_in_memory(stream).last().map(Run::last_version)
    }
    /// Stages into a group's batch the sealed runs this group stores (and the marker once
    /// they are all stored), and decides whether the active generation is sealed after it.
    pub(super) fn stage(
        &self,
        limits: &TailLimits,
        batch: &mut sled::Batch,
        entries: &[IndexEntry],
    ) -> TailPlan {
        let new_streams: HashSet<&StreamId> = entries
            .iter()
            .map(|entry| &entry.stream)
            .filter(|stream| !self.active.runs.contains_key(*stream))
            .collect();
        let seal = self.active.events + entries.len() >= limits.events_max
            || self.active.runs.len() + new_streams.len() >= limits.streams_max;
        let mut plan = TailPlan {
            stored_streams: 0,
            sealed_done: false,
            seal,
        };
        if let Some(sealed) = &self.sealed {
            // Sealing again: the generation before must be stored whole first (one sealed
            // generation at most, so an open replays at most two).
            let count = if seal {
                sealed.unstored.len()
            } else {
                limits.streams_per_group.min(sealed.unstored.len())
            };
            let first = sealed.unstored.len() - count;
            for stream in &sealed.unstored[first..] {
                if let Some(run) = sealed.generation.runs.get(stream) {
                    batch.insert(
                        keys::stream_version(stream, run.first_version),
                        run.encode(),
                    );
                }
            }
            plan.stored_streams = count;
            if first == 0 {
                batch.insert(keys::META_STREAMS_INDEXED, &sealed.through.to_be_bytes());
                plan.sealed_done = true;
            }
        }
        plan
    }

    /// After the group's batch is applied: forgets what it stored, adds its entries, and
    /// seals the active generation if the plan says so.
    pub(super) fn settle(&mut self, entries: &[IndexEntry], plan: TailPlan, last_position: u64) {
        if plan.sealed_done {
            self.sealed = None;
        } else if let Some(sealed) = self.sealed.as_mut() {
            let left = sealed.unstored.len().saturating_sub(plan.stored_streams);
            sealed.unstored.truncate(left);
        }
        for entry in entries {
            // Versions were assigned by the writer, one after another: contiguous.
            let _ = self
                .active
                .push(&entry.stream, entry.version, entry.position);
        }
        if plan.seal {
            let generation = std::mem::take(&mut self.active);
            let unstored = generation.runs.keys().cloned().collect();
            self.sealed = Some(Sealed {
                generation,
                through: last_position,
                unstored,
            });
        }
    }

    /// Stages every run in memory and the marker at `head` (a clean close); `None` when
    /// there is nothing to store.
    pub(super) fn stage_all(&self, batch: &mut sled::Batch, head: u64) -> Option<()> {
        if self.sealed.is_none() && self.active.events == 0 {
            return None;
        }
        let mut runs: HashMap<&StreamId, Run> = HashMap::new();
        let generations = self
            .sealed
            .iter()
            .map(|sealed| &sealed.generation)
            .chain([&self.active]);
        for generation in generations {
            for (stream, run) in &generation.runs {
                runs.entry(stream)
                    .and_modify(|stored| stored.positions.extend(&run.positions))
                    .or_insert_with(|| run.clone());
            }
        }
        for (stream, run) in runs {
            batch.insert(
                keys::stream_version(stream, run.first_version),
                run.encode(),
            );
        }
        batch.insert(keys::META_STREAMS_INDEXED, &head.to_be_bytes());
        Some(())
    }
}

//! What a projection's batches cost: counters the runner keeps per projection since open
//! (every generation, live and rebuilding), for status, `/metrics` and benchmarks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Totals since the runner opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Batches committed.
    pub batches: u64,
    /// Events applied.
    pub events: u64,
    /// Read-model keys written or removed (the checkpoint not counted).
    pub keys_written: u64,
    /// Time folding events into batches (the projection's own work).
    pub fold_micros: u64,
    /// Time committing batches to sled.
    pub commit_micros: u64,
    /// Of `fold_micros`: time building a rebuilt generation's indexes at its end
    /// (`Projection::build_indexes`).
    pub index_build_micros: u64,
    /// Of `commit_micros`: time storing those indexes.
    pub index_store_micros: u64,
}

#[derive(Debug, Default)]
pub(crate) struct WriteCounters {
    batches: AtomicU64,
    events: AtomicU64,
    keys_written: AtomicU64,
    fold_micros: AtomicU64,
    commit_micros: AtomicU64,
    index_build_micros: AtomicU64,
    index_store_micros: AtomicU64,
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl WriteCounters {
    pub(crate) fn record(&self, events: usize, keys: usize, fold: Duration, commit: Duration) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(events as u64, Ordering::Relaxed);
        self.keys_written.fetch_add(keys as u64, Ordering::Relaxed);
        self.fold_micros.fetch_add(micros(fold), Ordering::Relaxed);
        self.commit_micros
            .fetch_add(micros(commit), Ordering::Relaxed);
    }

    /// Records a generation's index build (also counted as a batch by `record`).
    pub(crate) fn record_index_build(&self, build: Duration, store: Duration) {
        self.index_build_micros
            .fetch_add(micros(build), Ordering::Relaxed);
        self.index_store_micros
            .fetch_add(micros(store), Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> WriteStats {
        WriteStats {
            batches: self.batches.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            keys_written: self.keys_written.load(Ordering::Relaxed),
            fold_micros: self.fold_micros.load(Ordering::Relaxed),
            commit_micros: self.commit_micros.load(Ordering::Relaxed),
            index_build_micros: self.index_build_micros.load(Ordering::Relaxed),
            index_store_micros: self.index_store_micros.load(Ordering::Relaxed),
        }
    }
}

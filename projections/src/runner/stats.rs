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
}

#[derive(Debug, Default)]
pub(crate) struct WriteCounters {
    batches: AtomicU64,
    events: AtomicU64,
    keys_written: AtomicU64,
    fold_micros: AtomicU64,
    commit_micros: AtomicU64,
}

impl WriteCounters {
    pub(crate) fn record(&self, events: usize, keys: usize, fold: Duration, commit: Duration) {
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(events as u64, Ordering::Relaxed);
        self.keys_written.fetch_add(keys as u64, Ordering::Relaxed);
        self.fold_micros.fetch_add(micros(fold), Ordering::Relaxed);
        self.commit_micros
            .fetch_add(micros(commit), Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> WriteStats {
        WriteStats {
            batches: self.batches.load(Ordering::Relaxed),
            events: self.events.load(Ordering::Relaxed),
            keys_written: self.keys_written.load(Ordering::Relaxed),
            fold_micros: self.fold_micros.load(Ordering::Relaxed),
            commit_micros: self.commit_micros.load(Ordering::Relaxed),
        }
    }
}

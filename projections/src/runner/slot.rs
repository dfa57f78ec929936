//! A slot: everything the runner holds for one projection. The live lane is behind a mutex
//! that the follower holds while it applies a batch and a rebuild holds while it switches, so
//! the two never interleave; queries read through `reader`, a cheap clone of the live tree.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::projection::Projection;
use crate::runner::lane::{Lane, LaneFailure};
use crate::runner::stats::WriteCounters;
use crate::runner::status::{ProjectionState, ProjectionStatus};
use crate::storage::StoredTree;

pub(crate) struct Slot<E> {
    pub projection: Arc<dyn Projection<E>>,
    pub name: &'static str,
    pub live: Mutex<Option<Lane>>,
    reader: RwLock<Option<StoredTree>>,
    /// Mirrors the live lane's checkpoint for status and waits without taking `live`.
    live_applied: AtomicU64,
    progress: Mutex<SlotProgress>,
    /// Every batch this projection committed, live or rebuilding.
    pub writes: WriteCounters,
}

#[derive(Default)]
struct SlotProgress {
    /// `Some(position applied)` while a rebuild runs.
    rebuilding: Option<u64>,
    /// The live lane stopped here; the follower leaves it alone.
    live_failure: Option<LaneFailure>,
    /// The last rebuild stopped here; the live lane (if any) carries on.
    rebuild_failure: Option<LaneFailure>,
}

impl<E: 'static> Slot<E> {
    pub(crate) fn new(projection: Arc<dyn Projection<E>>, live: Option<Lane>) -> Slot<E> {
        let name = projection.name();
        let applied = live.as_ref().map_or(0, |lane| lane.applied);
        let reader = live.as_ref().map(|lane| lane.tree.clone());
        Slot {
            projection,
            name,
            live: Mutex::new(live),
            reader: RwLock::new(reader),
            live_applied: AtomicU64::new(applied),
            progress: Mutex::new(SlotProgress::default()),
            writes: WriteCounters::default(),
        }
    }

    pub(crate) fn lock_live(&self) -> MutexGuard<'_, Option<Lane>> {
        lock(&self.live)
    }

    /// The tree queries read, if a generation answers.
    pub(crate) fn reader(&self) -> Option<StoredTree> {
        self.reader
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    pub(crate) fn live_applied(&self) -> u64 {
        self.live_applied.load(Ordering::Acquire)
    }

    pub(crate) fn record_live_applied(&self, applied: u64) {
        self.live_applied.store(applied, Ordering::Release);
    }

    /// Installs a newly built lane as the live one. The caller holds `live`.
    pub(crate) fn install(&self, live: &mut Option<Lane>, lane: Lane) {
        let applied = lane.applied;
        *self
            .reader
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(lane.tree.clone());
        *live = Some(lane);
        self.record_live_applied(applied);
        let mut progress = lock(&self.progress);
        *progress = SlotProgress::default();
    }

    /// Marks a rebuild started; false if one is already running.
    pub(crate) fn begin_rebuild(&self) -> bool {
        let mut progress = lock(&self.progress);
        if progress.rebuilding.is_some() {
            return false;
        }
        progress.rebuilding = Some(0);
        progress.rebuild_failure = None;
        true
    }

    pub(crate) fn record_rebuilt(&self, applied: u64) {
        lock(&self.progress).rebuilding = Some(applied);
    }

    pub(crate) fn rebuilt_position(&self) -> u64 {
        lock(&self.progress).rebuilding.unwrap_or(0)
    }

    pub(crate) fn end_rebuild(&self) {
        lock(&self.progress).rebuilding = None;
    }

    pub(crate) fn fail_live(&self, failure: LaneFailure) {
        log_failure(self.name, &failure);
        lock(&self.progress).live_failure = Some(failure);
    }

    pub(crate) fn fail_rebuild(&self, failure: LaneFailure) {
        log_failure(self.name, &failure);
        let mut progress = lock(&self.progress);
        progress.rebuilding = None;
        progress.rebuild_failure = Some(failure);
    }

    pub(crate) fn live_failure(&self) -> Option<LaneFailure> {
        lock(&self.progress).live_failure.clone()
    }

    pub(crate) fn status(&self, head_position: u64) -> ProjectionStatus {
        let applied_position = if self.reader().is_some() {
            self.live_applied()
        } else {
            0
        };
        ProjectionStatus {
            name: self.name,
            version: self.projection.version(),
            state: self.state(applied_position, head_position),
            applied_position,
            head_position,
            lag_events: head_position.saturating_sub(applied_position),
            writes: self.writes.snapshot(),
        }
    }

    fn state(&self, applied_position: u64, head_position: u64) -> ProjectionState {
        let progress = lock(&self.progress);
        if let Some(rebuilt_position) = progress.rebuilding {
            return ProjectionState::Rebuilding { rebuilt_position };
        }
        if let Some(failure) = progress
            .live_failure
            .as_ref()
            .or(progress.rebuild_failure.as_ref())
        {
            return ProjectionState::Failed {
                position: failure.position,
                error: failure.reason.clone(),
            };
        }
        if applied_position >= head_position {
            ProjectionState::CaughtUp
        } else {
            ProjectionState::CatchingUp
        }
    }
}

fn log_failure(name: &'static str, failure: &LaneFailure) {
    tracing::error!(
        projection = name,
        position = failure.position,
        reason = %failure.reason,
        "projection stopped"
    );
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means a projection panicked mid-apply; the lane's committed state is
    // still consistent (nothing of the batch reached its tree), so keep going.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

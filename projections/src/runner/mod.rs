//! The runner: keeps every projection's read model in step with the ledger.
//!
//! Storage: a database of its own (`RunnerOptions::path`, e.g. `<data>/projections`), which
//! only the storage layer opens and writes (`storage::ReadModelDatabase`, `StoredTree`).
//! Each projection writes to one tree per generation; a `catalog` tree names the live and the
//! building generation of each projection (see `catalog.rs`).
//!
//! Guarantees:
//! - A batch's read-model writes and the projection's checkpoint (position and hash of the
//!   last applied event) are one atomic commit: after a crash a projection resumes
//!   right after its last committed event, neither skipping nor applying an event twice.
//! - An event a projection cannot apply stops that projection at that event's position
//!   (`ProjectionState::Failed`); the others carry on. Nothing is skipped.
//! - `rebuild` builds a new generation from position 1 while queries keep reading the old
//!   one, then switches atomically (catalog record + reader handle) once caught up. Until
//!   then the generation may leave its indexes out (`IndexUpkeep::BeforeGoingLive`); they
//!   are written, with the checkpoint, before it switches in.
//! - At open, a checkpoint whose hash does not match the ledger (a read model from another
//!   ledger, a restored backup) or a changed projection version triggers a rebuild.

mod builder;
mod catalog;
mod driver;
mod lane;
pub(crate) mod replay;
mod slot;
mod stats;
mod status;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use govledger_core::error::StoreError;
use govledger_core::event::RecordedEvent;
use govledger_core::store::EventStore;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::ProjectionError;
use crate::projection::{Decoder, Projection};
use builder::BuildLane;
use catalog::{Catalog, CatalogEntry, Generation};
use lane::{DecodedEvent, FailureCause, Lane, LaneFailure};
use slot::Slot;

use crate::storage::ReadModelDatabase;
use crate::storage::paced_commit::Pacing;
pub use crate::storage::paced_commit::{
    BUILD_PIECE_KEYS_MAX, BUILD_PIECE_KEYS_SUGGESTED, BUILD_PIECE_PAUSE_US,
};
pub use crate::storage::read_model::{Entry, ReadModel};
pub(crate) use crate::storage::writes::Changes;
pub use crate::storage::writes::{IndexUpkeep, ReadModelWrites};
pub use status::{ProjectionState, ProjectionStatus, WriteStats};

/// Default for `RunnerOptions::batch_events_max`: most events one batch applies and commits.
/// Large enough that catching up collapses repeated updates of hot keys, small enough that a
/// batch's overlay stays a few megabytes and one `apply_batch` does not hold sled's write
/// lock for long.
pub const BATCH_EVENTS_MAX: usize = 8_192;
/// Default for `RunnerOptions::build_batch_events_max`: most events one batch of a rebuild
/// applies. Larger than a live batch: a rebuild writes each case, counter and fact once per
/// batch however many events touch it (on the 1M-event synthetic ledger, 65,536 writes ~30%
/// fewer keys than 32,768 and rebuilds ~15% faster; 131,072 gains little more), at the price
/// of holding sled's process-wide write lock longer per commit (up to a few hundred
/// milliseconds, during which ledger appends wait).
pub const BUILD_BATCH_EVENTS_MAX: usize = 65_536;
/// Default for `RunnerOptions::build_commit_keys_min`: a building lane folds the next batch
/// into the one waiting for its commit, instead of committing it, while that one holds fewer
/// changed keys than this. Why: every sled key costs about the same in a commit however small
/// its value (~15 µs of CPU on the 2-core machine, under sled's process-wide write lock), and
/// a projection whose batches rewrite the same few keys (the metrics' monthly counters) would
/// otherwise write them again in every batch. A commit then holds at most about this many
/// keys plus one batch's, so the lock is held about as long as for one cases batch.
pub const BUILD_COMMIT_KEYS_MIN: usize = 8_192;
/// Longest `wait_until` accepts; longer requests are cut to it.
pub const WAIT_TIMEOUT_MS_MAX: u64 = 30_000;
/// How long a replaced generation stays readable after a switch (queries that took its handle
/// just before the switch finish on it), before its tree is dropped.
pub const RETIRED_GENERATION_GRACE_MS: u64 = 10_000;
/// Batches at least this long are applied with one thread per projection.
const PARALLEL_APPLY_EVENTS_MIN: usize = 256;
/// sled page cache of the read-model database.
const CACHE_CAPACITY_BYTES_DEFAULT: u64 = 128 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    pub path: PathBuf,
    /// Most events one batch applies while following the log.
    pub batch_events_max: usize,
    /// Most events one batch applies while building a generation (a rebuild, a first start).
    pub build_batch_events_max: usize,
    /// While building, fold further batches into one commit until it holds this many changed
    /// keys (0: commit every batch).
    pub build_commit_keys_min: usize,
    /// While building, most keys one `apply_batch` writes; a larger commit goes in pieces
    /// (`paced_commit`; 0: one `apply_batch` per commit).
    pub build_piece_keys_max: usize,
    /// While building, the pause between two pieces of one commit, in microseconds.
    pub build_piece_pause_us: u64,
    pub cache_capacity_bytes: u64,
}

impl RunnerOptions {
    pub fn new(path: impl Into<PathBuf>) -> RunnerOptions {
        RunnerOptions {
            path: path.into(),
            batch_events_max: BATCH_EVENTS_MAX,
            build_batch_events_max: BUILD_BATCH_EVENTS_MAX,
            build_commit_keys_min: BUILD_COMMIT_KEYS_MIN,
            build_piece_keys_max: BUILD_PIECE_KEYS_MAX,
            build_piece_pause_us: BUILD_PIECE_PAUSE_US,
            cache_capacity_bytes: CACHE_CAPACITY_BYTES_DEFAULT,
        }
    }
}

/// Which projections a rebuild replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildScope {
    All,
    Named(String),
}

/// The handle to the runner. Clones share it; when the last clone is dropped the background
/// tasks stop (prefer `shutdown`, which also waits for them).
#[derive(Clone)]
pub struct ProjectionRunner<E> {
    shared: Arc<Shared<E>>,
    _stop_on_drop: Arc<StopOnDrop>,
}

struct StopOnDrop(watch::Sender<bool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.send_replace(true);
    }
}

pub(crate) struct Shared<E> {
    store: Arc<dyn EventStore>,
    catalog: Catalog,
    /// Serialises read-modify-write of catalog entries and the dropping of trees.
    catalog_lock: Mutex<()>,
    /// Held by the follower while it applies a batch to the live lanes, and by a switch from
    /// reading the head to installing the lane. Lanes switch live one by one, each on its own
    /// thread; without it a lane could read the head, let the follower carry the other lanes
    /// past it, and go live behind the follower's cursor, never to see the events between.
    switch_gate: Mutex<()>,
    decoder: Decoder<E>,
    slots: Vec<Slot<E>>,
    batch_events_max: usize,
    build_batch_events_max: usize,
    build_commit_keys_min: usize,
    /// How building lanes write their commits.
    build_pacing: Pacing,
    /// Bumped after every batch and state change; `wait_until` listens to it.
    progress: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    /// Lanes found at open that need building; `start` hands them to a builder.
    pending_builds: Mutex<Vec<BuildLane>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl<E: Send + Sync + 'static> ProjectionRunner<E> {
    /// Opens (or creates) the read-model database and works out, for each projection, the
    /// generation that answers and what needs building. Starts nothing: call `start`.
    pub fn open(
        options: RunnerOptions,
        store: Arc<dyn EventStore>,
        decoder: Decoder<E>,
        projections: Vec<Arc<dyn Projection<E>>>,
    ) -> Result<ProjectionRunner<E>, ProjectionError> {
        for (index, projection) in projections.iter().enumerate() {
            assert!(
                projections[..index]
                    .iter()
                    .all(|other| other.name() != projection.name()),
                "two projections are named {}",
                projection.name()
            );
        }
        if options.batch_events_max == 0 || options.build_batch_events_max == 0 {
            return Err(ProjectionError::InvalidQuery(
                "batch_events_max and build_batch_events_max must be at least 1".into(),
            ));
        }
        let db = ReadModelDatabase::open(&options.path, options.cache_capacity_bytes)?;
        let catalog = Catalog::open(db)?;
        let mut slots = Vec::with_capacity(projections.len());
        let mut pending_builds = Vec::new();
        for projection in projections {
            let (live, build) = open_generations(&catalog, store.as_ref(), projection.as_ref())?;
            let slot = Slot::new(projection, live);
            if let Some(lane) = build {
                slot.begin_rebuild();
                slot.record_rebuilt(lane.applied);
                pending_builds.push(BuildLane {
                    slot: slots.len(),
                    lane,
                });
            }
            slots.push(slot);
        }
        let (shutdown, _) = watch::channel(false);
        let shared = Shared {
            store,
            catalog,
            catalog_lock: Mutex::new(()),
            switch_gate: Mutex::new(()),
            decoder,
            slots,
            batch_events_max: options.batch_events_max,
            build_batch_events_max: options.build_batch_events_max,
            build_commit_keys_min: options.build_commit_keys_min,
            build_pacing: Pacing::for_builds(
                options.build_piece_keys_max,
                options.build_piece_pause_us,
            ),
            progress: watch::channel(0).0,
            shutdown: shutdown.clone(),
            pending_builds: Mutex::new(pending_builds),
            tasks: Mutex::new(Vec::new()),
        };
        Ok(ProjectionRunner {
            shared: Arc::new(shared),
            _stop_on_drop: Arc::new(StopOnDrop(shutdown)),
        })
    }

    /// Starts the background tasks on the current tokio runtime: the follower, and a builder
    /// for the projections that have no usable read model yet.
    pub fn start(&self) -> Result<(), ProjectionError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            ProjectionError::Storage("the runner must start inside a tokio runtime".into())
        })?;
        let mut tasks = lock(&self.shared.tasks);
        tasks.push(runtime.spawn(driver::follow(Arc::clone(&self.shared))));
        let builds = std::mem::take(&mut *lock(&self.shared.pending_builds));
        if !builds.is_empty() {
            let shared = Arc::clone(&self.shared);
            tasks.push(runtime.spawn(async move {
                // Failures are reported through the projections' status.
                let _ = builder::build(shared, builds).await;
            }));
        }
        Ok(())
    }

    /// Every projection's state, applied position and lag.
    pub fn status(&self) -> Vec<ProjectionStatus> {
        let head_position = self.shared.store.head().position;
        self.shared
            .slots
            .iter()
            .map(|slot| slot.status(head_position))
            .collect()
    }

    /// The largest lag (head minus applied position) over all projections.
    pub fn lag_events(&self) -> u64 {
        self.status()
            .iter()
            .map(|status| status.lag_events)
            .max()
            .unwrap_or(0)
    }

    /// Waits until every projection has applied `position` (a client reading its own write
    /// passes the position its append returned). The timeout is capped at
    /// `WAIT_TIMEOUT_MS_MAX`. Fails at once if a projection has stopped before `position`.
    pub async fn wait_until(
        &self,
        position: u64,
        timeout: Duration,
    ) -> Result<(), ProjectionError> {
        let timeout = timeout.min(Duration::from_millis(WAIT_TIMEOUT_MS_MAX));
        let deadline = tokio::time::Instant::now() + timeout;
        let mut progress = self.shared.progress.subscribe();
        loop {
            progress.borrow_and_update();
            let Some(behind) = self.first_behind(position)? else {
                return Ok(());
            };
            match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) => return Err(ProjectionError::ShutDown),
                Err(_) => {
                    let waited_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
                    return Err(self.behind_error(behind, position, waited_ms));
                }
            }
        }
    }

    /// Rebuilds the projections in `scope` from position 1 into new generations and switches
    /// each one live once it has caught up; queries keep reading the old generations
    /// meanwhile. Resolves when every switch is done (or a projection stopped). The rebuild
    /// runs in its own task: dropping this future does not cancel it.
    pub async fn rebuild(&self, scope: RebuildScope) -> Result<(), ProjectionError> {
        self.start_rebuild(scope)?
            .await
            .map_err(|panic| ProjectionError::Storage(format!("a rebuild panicked: {panic}")))?
    }

    /// Starts [`Self::rebuild`] and returns at once with the task that finishes it: an unknown
    /// name, or a projection already rebuilding, is refused here, before anything starts (a
    /// running server's operator gets that answer without waiting for the replay).
    pub fn start_rebuild(
        &self,
        scope: RebuildScope,
    ) -> Result<tokio::task::JoinHandle<Result<(), ProjectionError>>, ProjectionError> {
        let indices: Vec<usize> = match &scope {
            RebuildScope::All => (0..self.shared.slots.len()).collect(),
            RebuildScope::Named(name) => vec![self.slot_index(name)?],
        };
        for (done, index) in indices.iter().enumerate() {
            let slot = &self.shared.slots[*index];
            if !slot.begin_rebuild() {
                for earlier in &indices[..done] {
                    self.shared.slots[*earlier].end_rebuild();
                }
                return Err(ProjectionError::AlreadyRebuilding { name: slot.name });
            }
        }
        let mut lanes = Vec::with_capacity(indices.len());
        for index in indices {
            match self.shared.new_generation(index) {
                Ok(lane) => lanes.push(BuildLane { slot: index, lane }),
                Err(error) => {
                    for lane in &lanes {
                        self.shared.slots[lane.slot].end_rebuild();
                    }
                    self.shared.slots[index].end_rebuild();
                    return Err(error);
                }
            }
        }
        tracing::info!(projections = lanes.len(), "rebuild started");
        self.shared.notify_progress();
        Ok(tokio::spawn(builder::build(
            Arc::clone(&self.shared),
            lanes,
        )))
    }

    /// The read model of one projection, as its answering generation holds it now.
    pub fn read_model(&self, name: &str) -> Result<ReadModel, ProjectionError> {
        let slot = &self.shared.slots[self.slot_index(name)?];
        match slot.reader() {
            Some(tree) => Ok(tree.read_model()),
            None => Err(ProjectionError::Rebuilding {
                name: slot.name,
                applied_position: slot.rebuilt_position(),
                head_position: self.shared.store.head().position,
            }),
        }
    }

    /// The ledger the runner follows (audit queries read case histories from it).
    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.shared.store
    }

    /// Stops the background tasks after their current batch and waits for them. Building
    /// generations stay in the catalog and resume at the next start.
    pub async fn shutdown(&self) -> Result<(), ProjectionError> {
        self.shared.shutdown.send_replace(true);
        let tasks = std::mem::take(&mut *lock(&self.shared.tasks));
        for task in tasks {
            let _ = task.await;
        }
        self.shared.catalog.flush()
    }

    fn slot_index(&self, name: &str) -> Result<usize, ProjectionError> {
        self.shared
            .slots
            .iter()
            .position(|slot| slot.name == name)
            .ok_or_else(|| ProjectionError::UnknownProjection(name.into()))
    }

    /// The first projection that has not applied `position`, or the error it stopped with.
    fn first_behind(&self, position: u64) -> Result<Option<usize>, ProjectionError> {
        for (index, slot) in self.shared.slots.iter().enumerate() {
            if let Some(failure) = slot.live_failure() {
                if failure.position <= position {
                    return Err(ProjectionError::Stopped {
                        name: slot.name,
                        position: failure.position,
                        reason: failure.reason,
                    });
                }
            }
            if slot.reader().is_none() || slot.live_applied() < position {
                return Ok(Some(index));
            }
        }
        Ok(None)
    }

    fn behind_error(&self, index: usize, position: u64, waited_ms: u64) -> ProjectionError {
        let slot = &self.shared.slots[index];
        if slot.reader().is_none() {
            return ProjectionError::Rebuilding {
                name: slot.name,
                applied_position: slot.rebuilt_position(),
                head_position: self.shared.store.head().position,
            };
        }
        ProjectionError::WaitTimedOut {
            name: slot.name,
            position,
            applied_position: slot.live_applied(),
            waited_ms,
        }
    }
}

/// The live lane (if usable) and the lane to build (if any) of one projection at open.
fn open_generations<E: 'static>(
    catalog: &Catalog,
    store: &dyn EventStore,
    projection: &dyn Projection<E>,
) -> Result<(Option<Lane>, Option<Lane>), ProjectionError> {
    let name = projection.name();
    let version = projection.version();
    let mut entry = catalog.entry(name)?;
    let live = usable_lane(
        catalog,
        store,
        (name, version),
        entry.live,
        GenerationRole::Live,
    )?;
    if live.is_none() {
        entry.live = None;
    }
    let mut build = usable_lane(
        catalog,
        store,
        (name, version),
        entry.building,
        GenerationRole::Building,
    )?;
    if build.is_none() {
        entry.building = None;
    }
    if live.is_none() && build.is_none() {
        build = Some(fresh_lane(catalog, name, version, &mut entry)?);
    }
    catalog.save(name, &entry)?;
    catalog.drop_unreferenced(name, &entry)?;
    Ok((live, build))
}

/// Which catalog entry a generation is opened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GenerationRole {
    Live,
    Building,
}

/// Opens a generation if it was built by this version and agrees with the ledger.
fn usable_lane(
    catalog: &Catalog,
    store: &dyn EventStore,
    (name, version): (&str, u32),
    generation: Option<Generation>,
    role: GenerationRole,
) -> Result<Option<Lane>, ProjectionError> {
    let Some(generation) = generation else {
        return Ok(None);
    };
    if generation.version != version {
        tracing::info!(
            projection = name,
            from = generation.version,
            to = version,
            "projection version changed; rebuilding"
        );
        return Ok(None);
    }
    let lane = Lane::open(generation, catalog.open_generation(name, generation)?)?;
    if lane.tree.holds_torn_commit()? {
        tracing::warn!(
            projection = name,
            "read model holds part of a commit (a crash while it was built); rebuilding"
        );
        return Ok(None);
    }
    if role == GenerationRole::Live && lane.index_upkeep != IndexUpkeep::EveryBatch {
        // Never written so (a generation goes live after its indexes are built); rebuild.
        tracing::warn!(
            projection = name,
            "live read model has no indexes; rebuilding"
        );
        return Ok(None);
    }
    if lane.applied == 0 {
        return Ok(Some(lane));
    }
    let in_ledger = store.read_event(lane.applied)?.map(|event| event.hash);
    if in_ledger != Some(lane.applied_hash) {
        tracing::warn!(
            projection = name,
            position = lane.applied,
            "read model does not match the ledger at its checkpoint; rebuilding"
        );
        return Ok(None);
    }
    Ok(Some(lane))
}

fn fresh_lane(
    catalog: &Catalog,
    name: &str,
    version: u32,
    entry: &mut CatalogEntry,
) -> Result<Lane, ProjectionError> {
    let generation = entry.allocate(version);
    entry.building = Some(generation);
    let tree = catalog.open_generation(name, generation)?;
    // A leftover tree of the same number (a crash before the catalog recorded it) is stale.
    tree.clear()?;
    Lane::begin(generation, tree)
}

impl<E: Send + Sync + 'static> Shared<E> {
    pub(crate) fn notify_progress(&self) {
        self.progress
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    pub(crate) fn decode(&self, events: Vec<RecordedEvent>) -> Vec<DecodedEvent<E>> {
        events
            .into_iter()
            .map(|recorded| {
                let decoded = (self.decoder)(&recorded);
                DecodedEvent { recorded, decoded }
            })
            .collect()
    }

    /// Where the follower starts: after the lowest live checkpoint; `None` while no
    /// projection is live. (Starting after the head instead would race a builder that read
    /// an older head under the slot lock and would skip the events in between.)
    pub(crate) fn follow_start(&self) -> Option<u64> {
        self.slots
            .iter()
            .filter(|slot| slot.reader().is_some() && slot.live_failure().is_none())
            .map(|slot| slot.live_applied() + 1)
            .min()
    }

    /// Applies a batch to every live lane. `LedgerUnread` when a lane could not read the
    /// ledger for now: it applied the events before that one, and the follower feeds it
    /// again from there.
    pub(crate) fn apply_to_live_lanes(&self, events: Vec<RecordedEvent>) -> BatchApplied {
        let events = self.decode(events);
        // No lane switches live while this batch is applied (see `switch_gate`).
        let _gate = lock(&self.switch_gate);
        let ledger_unread = std::sync::atomic::AtomicBool::new(false);
        let apply = |slot: &Slot<E>| {
            if slot.live_failure().is_some() {
                return;
            }
            let mut live = slot.lock_live();
            let Some(lane) = live.as_mut() else {
                return;
            };
            let outcome = lane.apply(
                slot.projection.as_ref(),
                &events,
                self.store.as_ref(),
                &slot.writes,
            );
            slot.record_live_applied(lane.applied);
            match outcome {
                Ok(()) => {}
                Err(failure) if failure.cause == FailureCause::LedgerUnavailable => {
                    tracing::warn!(
                        projection = slot.name,
                        position = failure.position,
                        reason = %failure.reason,
                        "the ledger could not be read; the event is applied again later"
                    );
                    ledger_unread.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                Err(failure) => slot.fail_live(failure),
            }
        };
        if events.len() >= PARALLEL_APPLY_EVENTS_MIN && self.slots.len() > 1 {
            std::thread::scope(|scope| {
                for slot in &self.slots {
                    scope.spawn(move || apply(slot));
                }
            });
        } else {
            self.slots.iter().for_each(apply);
        }
        if ledger_unread.into_inner() {
            BatchApplied::LedgerUnread
        } else {
            BatchApplied::Applied
        }
    }

    /// Switches every lane live: under the slot's lock, applies what the ledger gained since
    /// the lane's last batch, records the generation in the catalog and installs it. Empties
    /// `lanes`; returns the projections switched and the lanes that failed instead.
    pub(crate) fn switch_caught_up(&self, lanes: &mut Vec<BuildLane>) -> Switched {
        let mut failures = Vec::new();
        let mut switched = Vec::new();
        for mut build in lanes.drain(..) {
            let slot = &self.slots[build.slot];
            if let Err(failure) = build.lane.settle(&slot.writes) {
                failures.push((slot.name, failure.clone()));
                self.stop_build(build, failure);
                continue;
            }
            // Before the gate: the follower need not wait while a whole generation is indexed;
            // the few events applied under the gate keep the indexes batch by batch.
            let indexed = build
                .lane
                .build_indexes(slot.projection.as_ref(), &slot.writes);
            if let Err(failure) = indexed {
                failures.push((slot.name, failure.clone()));
                self.abandon_build(build, failure);
                continue;
            }
            let _gate = lock(&self.switch_gate);
            let mut live = slot.lock_live();
            let head_position = self.store.head().position;
            let caught_up = driver::read_range(self, build.lane.applied + 1, head_position)
                .and_then(|events| {
                    build.lane.apply(
                        slot.projection.as_ref(),
                        &events,
                        self.store.as_ref(),
                        &slot.writes,
                    )
                });
            if let Err(failure) = caught_up {
                drop(live);
                failures.push((slot.name, failure.clone()));
                self.stop_build(build, failure);
                continue;
            }
            let recorded = {
                let _catalog = lock(&self.catalog_lock);
                self.catalog.entry(slot.name).and_then(|mut entry| {
                    entry.live = Some(build.lane.generation);
                    entry.building = None;
                    self.catalog.save(slot.name, &entry)
                })
            };
            if let Err(error) = recorded {
                drop(live);
                let failure = LaneFailure {
                    cause: FailureCause::Event,
                    position: build.lane.applied + 1,
                    reason: format!("recording the switch: {error}"),
                };
                failures.push((slot.name, failure.clone()));
                self.abandon_build(build, failure);
                continue;
            }
            tracing::info!(
                projection = slot.name,
                generation = build.lane.generation.number,
                applied = build.lane.applied,
                "rebuilt generation is live"
            );
            slot.install(&mut live, build.lane);
            drop(live);
            switched.push(slot.name);
        }
        Switched { switched, failures }
    }

    /// A lane being built stopped at an event. With an older generation answering, the
    /// rebuild is abandoned and the older one keeps going. Without one (first start, changed
    /// version), the lane becomes live as it is, consistent up to the failing event, and the
    /// projection reports the stop.
    fn stop_build(&self, mut build: BuildLane, failure: LaneFailure) {
        let slot = &self.slots[build.slot];
        let mut live = slot.lock_live();
        if live.is_some() {
            drop(live);
            self.abandon_build(build, failure);
            return;
        }
        if let Err(indexing) = build
            .lane
            .build_indexes(slot.projection.as_ref(), &slot.writes)
        {
            // Without its indexes the lane would answer wrongly: nothing answers instead.
            tracing::error!(projection = slot.name, reason = %indexing.reason, "indexing a stopped build");
            drop(live);
            self.abandon_build(build, failure);
            return;
        }
        let recorded = {
            let _catalog = lock(&self.catalog_lock);
            self.catalog.entry(slot.name).and_then(|mut entry| {
                entry.live = Some(build.lane.generation);
                entry.building = None;
                self.catalog.save(slot.name, &entry)
            })
        };
        if let Err(error) = recorded {
            tracing::error!(projection = slot.name, %error, "recording a stopped build");
        }
        slot.install(&mut live, build.lane);
        slot.fail_live(failure);
    }

    fn abandon_build(&self, build: BuildLane, failure: LaneFailure) {
        let slot = &self.slots[build.slot];
        slot.fail_rebuild(failure);
        let _catalog = lock(&self.catalog_lock);
        let cleared = self.catalog.entry(slot.name).and_then(|mut entry| {
            entry.building = None;
            self.catalog.save(slot.name, &entry)?;
            self.catalog.drop_unreferenced(slot.name, &entry)
        });
        if let Err(error) = cleared {
            tracing::error!(projection = slot.name, %error, "clearing a failed rebuild");
        }
    }

    /// Drops the replaced generations of `names` once queries that hold them had time to
    /// finish. Holds no reference to the database meanwhile, so a shutdown is not delayed.
    pub(crate) fn schedule_retired_drops(shared: &Arc<Shared<E>>, names: Vec<&'static str>) {
        if names.is_empty() {
            return;
        }
        let weak = Arc::downgrade(shared);
        let mut shutdown = shared.shutdown.subscribe();
        tokio::spawn(async move {
            let grace = tokio::time::sleep(Duration::from_millis(RETIRED_GENERATION_GRACE_MS));
            tokio::select! {
                _ = grace => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            let Some(shared) = weak.upgrade() else {
                return; // The next open drops them.
            };
            let _catalog = lock(&shared.catalog_lock);
            for name in names {
                let dropped = shared
                    .catalog
                    .entry(name)
                    .and_then(|entry| shared.catalog.drop_unreferenced(name, &entry));
                if let Err(error) = dropped {
                    tracing::warn!(projection = name, %error, "dropping a retired generation");
                }
            }
        });
    }

    /// Allocates, records and opens a new generation for a rebuild of the slot at `index`.
    fn new_generation(&self, index: usize) -> Result<Lane, ProjectionError> {
        let slot = &self.slots[index];
        let _catalog = lock(&self.catalog_lock);
        let mut entry = self.catalog.entry(slot.name)?;
        let lane = fresh_lane(
            &self.catalog,
            slot.name,
            slot.projection.version(),
            &mut entry,
        )?;
        self.catalog.save(slot.name, &entry)?;
        Ok(lane)
    }

    pub(crate) fn fail_live_lanes(&self, position: u64, error: &StoreError) {
        for slot in &self.slots {
            if slot.reader().is_some() && slot.live_failure().is_none() {
                slot.fail_live(LaneFailure {
                    cause: FailureCause::Event,
                    position: position.max(slot.live_applied() + 1),
                    reason: format!("reading the ledger: {error}"),
                });
            }
        }
        self.notify_progress();
    }

    pub(crate) fn fail_live_lanes_after_panic(&self, panic: &str) {
        for slot in &self.slots {
            if slot.reader().is_some() && slot.live_failure().is_none() {
                slot.fail_live(LaneFailure {
                    cause: FailureCause::Event,
                    position: slot.live_applied() + 1,
                    reason: format!("the projection panicked: {panic}"),
                });
            }
        }
        self.notify_progress();
    }
}

/// What `apply_to_live_lanes` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchApplied {
    /// Every live lane applied the batch, or stopped at an event it cannot apply.
    Applied,
    /// A lane could not read the ledger for now and applied only part of the batch.
    LedgerUnread,
}

/// What `switch_caught_up` did.
pub(crate) struct Switched {
    pub switched: Vec<&'static str>,
    pub failures: Vec<(&'static str, LaneFailure)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

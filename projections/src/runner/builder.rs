//! The builder: feeds freshly created lanes (a rebuild, a first start, a changed version)
//! from their checkpoints without waiting, and switches each one live once it reaches the
//! head: under the slot's lock it applies the last few events to the head, records the new
//! generation in the catalog and installs it. The follower then skips what the new lane
//! already has, so nothing is skipped or applied twice.
//!
//! One reader reads and decodes each batch once for every lane; each lane applies the batches
//! on a thread of its own, up to `LANE_QUEUE_BATCHES` behind the reader. Why: lanes fold at
//! different speeds and their commits take turns on sled's process-wide write lock, so lanes
//! that waited for each other at every batch left a core idle for much of a rebuild.

use std::sync::Arc;

use govledger_core::store::{LogFilter, Subscription};
use tokio::sync::mpsc;

use crate::error::ProjectionError;
use crate::runner::Shared;
use crate::runner::driver::{WaitForEvents, next_batch};
use crate::runner::lane::{DecodedEvent, Lane, LaneFailure};

/// Batches queued for one lane beyond the one it applies.
const LANE_QUEUE_BATCHES: usize = 2;
/// Most events of the first batch a build reads; each next batch may hold twice as many, up
/// to `build_batch_events_max`. Why: the lanes wait while the first batch is read and
/// decoded (~0.2 s for 65,536 events on the 2-core machine, 4% of a 1M-event rebuild).
const FIRST_BATCH_EVENTS_MAX: usize = 8_192;

/// A lane being built for the slot at `slot`.
pub(crate) struct BuildLane {
    pub slot: usize,
    pub lane: Lane,
}

/// A batch of decoded events, and whether it reached the head (it holds fewer events than
/// were asked for: the lanes switch live on it).
type Batch<E> = (Arc<Vec<DecodedEvent<E>>>, ReachedHead);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReachedHead {
    Yes,
    No,
}

/// Builds `lanes` from their checkpoints and switches each live once caught up. Returns the
/// first failure, after the other lanes finished.
pub(crate) async fn build<E: Send + Sync + 'static>(
    shared: Arc<Shared<E>>,
    lanes: Vec<BuildLane>,
) -> Result<(), ProjectionError> {
    let start = lanes.iter().map(|l| l.lane.applied).min().unwrap_or(0) + 1;
    let subscription = Subscription::new(Arc::clone(&shared.store), start, LogFilter::default());
    let mut queues = Vec::with_capacity(lanes.len());
    let mut workers = Vec::with_capacity(lanes.len());
    for lane in lanes {
        let (queue, batches) = mpsc::channel(LANE_QUEUE_BATCHES);
        queues.push(queue);
        let for_lane = Arc::clone(&shared);
        workers.push(tokio::task::spawn_blocking(move || {
            build_lane(&for_lane, lane, batches)
        }));
    }
    // The queues close when `feed` returns, which ends the lanes that did not finish.
    let fed = feed(&shared, subscription, queues).await;
    let mut first_failure = None;
    for worker in workers {
        match worker.await {
            Ok(Some((name, failure))) => {
                first_failure.get_or_insert(ProjectionError::Stopped {
                    name,
                    position: failure.position,
                    reason: failure.reason,
                });
            }
            Ok(None) => {}
            Err(panic) => {
                first_failure.get_or_insert(ProjectionError::Storage(format!(
                    "a rebuild panicked: {panic}"
                )));
            }
        }
    }
    fed?;
    match first_failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Reads and decodes batches and hands each to every lane still listening, until the log
/// ends (a short batch: the lanes switch live on it), every lane has finished, or shutdown.
/// The first batch holds at most `FIRST_BATCH_EVENTS_MAX` events, each next one up to twice
/// the one before.
async fn feed<E: Send + Sync + 'static>(
    shared: &Arc<Shared<E>>,
    mut subscription: Subscription,
    queues: Vec<mpsc::Sender<Batch<E>>>,
) -> Result<(), ProjectionError> {
    let mut shutdown = shared.shutdown.subscribe();
    let mut batch_events_max = FIRST_BATCH_EVENTS_MAX.min(shared.build_batch_events_max);
    loop {
        if *shutdown.borrow_and_update() {
            // The building generations stay in the catalog; the next start resumes them.
            return Err(ProjectionError::ShutDown);
        }
        let events = next_batch(&mut subscription, batch_events_max, WaitForEvents::No).await?;
        let for_decode = Arc::clone(shared);
        let batch = tokio::task::spawn_blocking(move || for_decode.decode(events))
            .await
            .map_err(|panic| {
                ProjectionError::Storage(format!("decoding a batch panicked: {panic}"))
            })?;
        let last = batch.len() < batch_events_max;
        let reached = if last {
            ReachedHead::Yes
        } else {
            ReachedHead::No
        };
        batch_events_max = (batch_events_max * 2).min(shared.build_batch_events_max);
        let batch = Arc::new(batch);
        let mut listening = 0;
        for queue in &queues {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => return Err(ProjectionError::ShutDown),
                sent = queue.send((Arc::clone(&batch), reached)) => listening += usize::from(sent.is_ok()),
            }
        }
        if last || listening == 0 {
            return Ok(());
        }
    }
}

/// Applies batches to one lane until it switches live (returns `None`) or stops (returns
/// its failure); returns `None` as well when the batches end first (shutdown, a read error),
/// leaving the generation to be resumed.
fn build_lane<E: Send + Sync + 'static>(
    shared: &Arc<Shared<E>>,
    mut build: BuildLane,
    mut batches: mpsc::Receiver<Batch<E>>,
) -> Option<(&'static str, LaneFailure)> {
    let slot = &shared.slots[build.slot];
    build.lane.pace_build_commits(shared.build_pacing);
    while let Some((events, reached)) = batches.blocking_recv() {
        if *shared.shutdown.borrow() {
            return None;
        }
        let applied = build.lane.apply_overlapped(
            slot.projection.as_ref(),
            &events,
            shared.store.as_ref(),
            &slot.writes,
            shared.build_commit_keys_min,
        );
        slot.record_rebuilt(build.lane.applied);
        if let Err(failure) = applied {
            shared.stop_build(build, failure.clone());
            shared.notify_progress();
            return Some((slot.name, failure));
        }
        if reached == ReachedHead::Yes {
            let switched = shared.switch_caught_up(&mut vec![build]);
            Shared::schedule_retired_drops(shared, switched.switched);
            shared.notify_progress();
            return switched.failures.into_iter().next();
        }
        shared.notify_progress();
    }
    None
}

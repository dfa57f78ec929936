//! The two background loops that feed lanes.
//!
//! - The follower feeds every live lane. It follows the store's `Subscription` from the
//!   lowest live checkpoint, batching whatever is already durable (up to the batch limit),
//!   and waits for new appends once caught up.
//! - A builder feeds freshly created lanes (a rebuild, a first start, a changed version) from
//!   their checkpoints without waiting, and switches each one live once a read reaches the
//!   head: under the slot's lock it applies the last few events to the head, records the new
//!   generation in the catalog and installs it. The follower then skips what the new lane
//!   already has, so nothing is skipped or applied twice.
//!
//! Reading and decoding happen once per batch for all lanes of a loop; applying runs on the
//! blocking pool, one scoped thread per lane.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use govledger_core::error::StoreError;
use govledger_core::event::RecordedEvent;
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::{LogFilter, LogQuery, Subscription};

use crate::error::ProjectionError;
use crate::runner::Shared;
use crate::runner::lane::{DecodedEvent, Lane, LaneFailure};

/// Whether a batch read waits for the first event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitForEvents {
    UntilOne,
    No,
}

/// Follows the log for the live lanes until shutdown.
pub(crate) async fn follow<E: Send + Sync + 'static>(shared: Arc<Shared<E>>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut progress = shared.progress.subscribe();
    let start = loop {
        progress.borrow_and_update();
        if let Some(start) = shared.follow_start() {
            break start;
        }
        // Nothing is live yet: wait for a builder to switch a generation in.
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            changed = progress.changed() => if changed.is_err() { return },
        }
    };
    let mut subscription =
        Subscription::new(Arc::clone(&shared.store), start, LogFilter::default());
    loop {
        let events = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            events = next_batch(&mut subscription, shared.batch_events_max, WaitForEvents::UntilOne) => events,
        };
        let events = match events {
            Ok(events) => events,
            Err(error) => {
                shared.fail_live_lanes(subscription.next_position(), &error);
                return;
            }
        };
        let for_lanes = Arc::clone(&shared);
        let applied =
            tokio::task::spawn_blocking(move || for_lanes.apply_to_live_lanes(events)).await;
        if let Err(panic) = applied {
            shared.fail_live_lanes_after_panic(&panic.to_string());
            return;
        }
        shared.notify_progress();
    }
}

/// A lane being built for the slot at `slot`.
pub(crate) struct BuildLane {
    pub slot: usize,
    pub lane: Lane,
}

/// Builds `lanes` from their checkpoints and switches each live once caught up. Returns the
/// first failure, after the other lanes finished.
///
/// Reading and decoding run one batch ahead of applying (`prefetch`), so the lanes fold and
/// commit batch N while batch N + 1 is read from the ledger.
pub(crate) async fn build<E: Send + Sync + 'static>(
    shared: Arc<Shared<E>>,
    mut lanes: Vec<BuildLane>,
) -> Result<(), ProjectionError> {
    let mut first_failure = None;
    let start = lanes.iter().map(|l| l.lane.applied).min().unwrap_or(0) + 1;
    let subscription = Subscription::new(Arc::clone(&shared.store), start, LogFilter::default());
    let (batches, mut prefetched) = tokio::sync::mpsc::channel(PREFETCH_BATCHES);
    let reader = tokio::spawn(prefetch(Arc::clone(&shared), subscription, batches));
    let _stop_reader = AbortOnDrop(reader);
    let mut shutdown = shared.shutdown.subscribe();
    while !lanes.is_empty() {
        if *shutdown.borrow_and_update() {
            // The building generations stay in the catalog; the next start resumes them.
            return Err(ProjectionError::ShutDown);
        }
        let events = match prefetched.recv().await {
            Some(events) => events?,
            None => return Err(ProjectionError::ShutDown),
        };
        let reached_head = events.len() < shared.build_batch_events_max;
        let for_lanes = Arc::clone(&shared);
        let outcome = tokio::task::spawn_blocking(move || {
            let failures = for_lanes.apply_to_build_lanes(&mut lanes, &events);
            let switched = reached_head.then(|| for_lanes.switch_caught_up(&mut lanes));
            (lanes, failures, switched)
        })
        .await
        .map_err(|panic| ProjectionError::Storage(format!("a rebuild panicked: {panic}")))?;
        let (remaining, mut failures, switched) = outcome;
        lanes = remaining;
        if let Some(switched) = switched {
            failures.extend(switched.failures);
            Shared::schedule_retired_drops(&shared, switched.switched);
        }
        for (name, failure) in failures {
            first_failure.get_or_insert(ProjectionError::Stopped {
                name,
                position: failure.position,
                reason: failure.reason,
            });
        }
        shared.notify_progress();
    }
    match first_failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// Batches a builder reads ahead of the one its lanes apply.
const PREFETCH_BATCHES: usize = 1;

type DecodedBatch<E> = Result<Vec<DecodedEvent<E>>, ProjectionError>;

/// Reads and decodes batches for a builder until it stops listening or the log ends (a
/// short batch: the builder switches its lanes live on it).
async fn prefetch<E: Send + Sync + 'static>(
    shared: Arc<Shared<E>>,
    mut subscription: Subscription,
    batches: tokio::sync::mpsc::Sender<DecodedBatch<E>>,
) {
    loop {
        let read = next_batch(
            &mut subscription,
            shared.build_batch_events_max,
            WaitForEvents::No,
        )
        .await;
        let batch = match read {
            Err(error) => Err(ProjectionError::Store(error)),
            Ok(events) => {
                let for_decode = Arc::clone(&shared);
                tokio::task::spawn_blocking(move || for_decode.decode(events))
                    .await
                    .map_err(|panic| {
                        ProjectionError::Storage(format!("decoding a batch panicked: {panic}"))
                    })
            }
        };
        let last = batch
            .as_ref()
            .map_or(true, |events| events.len() < shared.build_batch_events_max);
        if batches.send(batch).await.is_err() || last {
            return;
        }
    }
}

/// Aborts a task when dropped (the builder's reader, whichever way the builder ends).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads what is durable after the subscription's cursor, up to `batch_events_max` events.
async fn next_batch(
    subscription: &mut Subscription,
    batch_events_max: usize,
    wait: WaitForEvents,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut events = Vec::new();
    if wait == WaitForEvents::UntilOne {
        events.push(subscription.next().await?);
    }
    while events.len() < batch_events_max {
        // `next` is ready at once while events are durable past the cursor (it reads a page
        // synchronously) and pending only when it would wait for an append; it is
        // cancellation-safe, so dropping the pending future loses nothing.
        match poll_now(subscription.next()) {
            Some(event) => events.push(event?),
            None => break,
        }
    }
    Ok(events)
}

fn poll_now<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut context) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

/// Reads and decodes the events `from..=through` (inclusive) for a switch.
pub(crate) fn read_range<E: Send + Sync + 'static>(
    shared: &Shared<E>,
    from: u64,
    through: u64,
) -> Result<Vec<DecodedEvent<E>>, LaneFailure> {
    let mut events = Vec::new();
    let mut next = from;
    while next <= through {
        let limit = usize::try_from(through - next + 1)
            .unwrap_or(READ_PAGE_EVENTS_MAX)
            .min(READ_PAGE_EVENTS_MAX);
        let page = shared
            .store
            .read_log(&LogQuery::forwards(next, limit))
            .map_err(|error| LaneFailure {
                position: next,
                reason: format!("reading the ledger: {error}"),
            })?;
        if page.events.is_empty() {
            break;
        }
        next = page.next_start;
        events.extend(page.events);
    }
    Ok(shared.decode(events))
}

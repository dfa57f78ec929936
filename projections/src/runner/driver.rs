//! The follower: feeds every live lane. It follows the store's `Subscription` from the
//! lowest live checkpoint, batching whatever is already durable (up to the batch limit), and
//! waits for new appends once caught up. Reading and decoding happen once per batch for all
//! lanes; applying runs on the blocking pool, one scoped thread per lane. (Lanes being built
//! are fed by `builder.rs`.) A ledger that cannot answer for a while (a PostgreSQL ledger
//! whose server restarts), whether the follower's read or a lane's read of an earlier event
//! fails, is read again with backoff from where the lanes stand: they lag meanwhile, and
//! are not stopped.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use govledger_core::error::StoreError;
use govledger_core::event::RecordedEvent;
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::{LogFilter, LogQuery, Subscription};

use crate::runner::lane::{DecodedEvent, FailureCause, LaneFailure};
use crate::runner::{BatchApplied, Shared};

/// Shortest and longest wait before the follower reads again after the ledger failed to
/// answer.
const LEDGER_RETRY_MIN: Duration = Duration::from_millis(50);
const LEDGER_RETRY_MAX: Duration = Duration::from_secs(5);

/// Whether the follower reads again after `error` rather than stopping the lanes: a storage
/// failure (the ledger's disk or database, perhaps for a moment), but not a closed store
/// (`Unavailable`) nor damaged or unreadable records.
fn worth_reading_again(error: &StoreError) -> bool {
    matches!(error, StoreError::Storage(_))
}

/// Whether a batch read waits for the first event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitForEvents {
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
    let mut retry_after = LEDGER_RETRY_MIN;
    loop {
        let events = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            events = next_batch(&mut subscription, shared.batch_events_max, WaitForEvents::UntilOne) => events,
        };
        let events = match events {
            Ok(events) => events,
            // The subscription's cursor did not move: the next read starts where this one
            // failed, so no event is skipped.
            Err(error) if worth_reading_again(&error) => {
                tracing::warn!(
                    %error,
                    position = subscription.next_position(),
                    retry_after_ms = retry_after.as_millis() as u64,
                    "reading the ledger for the read models failed; reading again"
                );
                tokio::select! {
                    _ = shutdown.wait_for(|stop| *stop) => return,
                    () = tokio::time::sleep(retry_after) => {}
                }
                retry_after = (retry_after * 2).min(LEDGER_RETRY_MAX);
                continue;
            }
            Err(error) => {
                shared.fail_live_lanes(subscription.next_position(), &error);
                return;
            }
        };
        let for_lanes = Arc::clone(&shared);
        let applied =
            tokio::task::spawn_blocking(move || for_lanes.apply_to_live_lanes(events)).await;
        match applied {
            Err(panic) => {
                shared.fail_live_lanes_after_panic(&panic.to_string());
                return;
            }
            Ok(BatchApplied::Applied) => retry_after = LEDGER_RETRY_MIN,
            // A lane stopped short of the batch's end: after a pause, read again from the
            // lowest live position (each lane skips what it has applied).
            Ok(BatchApplied::LedgerUnread) => {
                shared.notify_progress();
                tokio::select! {
                    _ = shutdown.wait_for(|stop| *stop) => return,
                    () = tokio::time::sleep(retry_after) => {}
                }
                retry_after = (retry_after * 2).min(LEDGER_RETRY_MAX);
                let Some(start) = shared.follow_start() else {
                    return;
                };
                subscription =
                    Subscription::new(Arc::clone(&shared.store), start, LogFilter::default());
                continue;
            }
        }
        shared.notify_progress();
    }
}

/// Reads what is durable after the subscription's cursor, up to `batch_events_max` events.
/// An error after the first event ends the batch with the events read so far (the next
/// call meets the error again, at the first event not delivered); an error before it is
/// returned.
pub(crate) async fn next_batch(
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
            Some(Ok(event)) => events.push(event),
            Some(Err(error)) if events.is_empty() => return Err(error),
            Some(Err(_)) | None => break,
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
                cause: FailureCause::Event,
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

//! Subscribers following many concurrent writers on the sled store: each sees every event
//! once, in position order, whether it started before, during or after the writes.

use std::sync::Arc;
use std::time::Duration;

use govledger_core::store::{EventStore, ExpectedVersion, LogFilter, Subscription};
use govledger_tests::conformance::{event, request};

use super::common::SledFactory;

const WRITERS: usize = 4;
const APPENDS_PER_WRITER: usize = 75;
/// Longest wait for one event a subscription is owed.
const EVENT_WAIT: Duration = Duration::from_secs(20);

async fn collect(mut subscription: Subscription, count: usize, pause: Duration) -> Vec<u64> {
    let mut positions = Vec::with_capacity(count);
    while positions.len() < count {
        let next = tokio::time::timeout(EVENT_WAIT, subscription.next())
            .await
            .unwrap_or_else(|_| panic!("stalled after {} events", positions.len()))
            .expect("subscription failed");
        positions.push(next.position);
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    positions
}

#[test]
fn subscribers_follow_concurrent_writers_without_gaps_or_duplicates() {
    let factory = SledFactory::default();
    let store = factory.open_fresh();
    for n in 0..20 {
        store
            .append(request(
                "backlog",
                ExpectedVersion::Any,
                vec![event(&n.to_string())],
            ))
            .expect("appending the backlog");
    }
    let total = 20 + WRITERS * APPENDS_PER_WRITER;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("building a runtime");
    runtime.block_on(async {
        let from_start = Subscription::new(Arc::clone(&store), 0, LogFilter::default());
        let from_backlog_end = Subscription::new(Arc::clone(&store), 21, LogFilter::default());
        let fast = tokio::spawn(collect(from_start, total, Duration::ZERO));
        // A slow reader: writers run far ahead of it, and it must still see everything.
        let slow = tokio::spawn(collect(
            from_backlog_end,
            total - 20,
            Duration::from_micros(500),
        ));
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let store = Arc::clone(&store);
                tokio::task::spawn_blocking(move || {
                    for n in 0..APPENDS_PER_WRITER {
                        store
                            .append(request(
                                &format!("request-{writer}"),
                                ExpectedVersion::Any,
                                vec![event(&n.to_string())],
                            ))
                            .expect("appending live");
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.expect("writer finished");
        }
        // Subscribing after the writes is plain catch-up.
        let late = collect(
            Subscription::new(Arc::clone(&store), 0, LogFilter::default()),
            total,
            Duration::ZERO,
        )
        .await;
        let all: Vec<u64> = (1..=total as u64).collect();
        assert_eq!(fast.await.expect("fast subscriber"), all);
        assert_eq!(slow.await.expect("slow subscriber"), all[20..]);
        assert_eq!(late, all);
    });
}

/// A subscription on a store that closes delivers what was appended, then fails with
/// `Unavailable` instead of waiting for ever.
#[test]
fn a_subscription_ends_when_its_store_closes() {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let store =
        Arc::new(govledger_core::store::sled_store::SledStore::open(dir.path()).expect("opening"));
    for n in 0..3 {
        store
            .append(request(
                "s",
                ExpectedVersion::Any,
                vec![event(&n.to_string())],
            ))
            .expect("appending");
    }
    let shared: Arc<dyn EventStore> = store.clone();
    let mut subscription = Subscription::new(shared, 1, LogFilter::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        for position in 1..=3 {
            let next = tokio::time::timeout(EVENT_WAIT, subscription.next()).await;
            let delivered = next.expect("stalled").expect("delivered");
            assert_eq!(delivered.position, position);
        }
        store.close().expect("closing");
        let after_close = tokio::time::timeout(EVENT_WAIT, subscription.next())
            .await
            .expect("the subscription kept waiting after close");
        assert!(
            matches!(
                after_close,
                Err(govledger_core::error::StoreError::Unavailable)
            ),
            "{after_close:?}"
        );
    });
}

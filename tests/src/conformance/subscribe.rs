//! The head, its watch channel, and subscriptions that catch up from disk and then follow
//! live appends without gaps or duplicates.

use std::sync::Arc;
use std::time::Duration;

use govledger_core::event::EventType;
use govledger_core::store::{EventStore, ExpectedVersion, Head, LogFilter, Subscription};

use super::StoreFactory;
use super::fixtures::{event, event_of_type, keyed, request};

/// Longest wait for one event a subscription is owed.
const EVENT_WAIT: Duration = Duration::from_secs(20);
/// How long a caught-up subscription is watched to show it delivers nothing more.
const QUIET_WAIT: Duration = Duration::from_millis(100);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .expect("building a tokio runtime")
}

/// Takes `count` events from the subscription, then checks it has nothing more.
async fn take(subscription: &mut Subscription, count: usize) -> Vec<u64> {
    let mut positions = Vec::with_capacity(count);
    while positions.len() < count {
        let next = tokio::time::timeout(EVENT_WAIT, subscription.next())
            .await
            .unwrap_or_else(|_| panic!("subscription stalled after {positions:?}"))
            .expect("subscription failed");
        positions.push(next.position);
    }
    let extra = tokio::time::timeout(QUIET_WAIT, subscription.next()).await;
    assert!(extra.is_err(), "subscription delivered more: {extra:?}");
    positions
}

pub(super) fn head_follows_appends(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    assert_eq!(store.head(), Head::EMPTY);
    let mut watcher = store.watch_head();
    let outcome = store
        .append(keyed(
            request("s", ExpectedVersion::Any, vec![event("a"), event("b")]),
            "k",
        ))
        .expect("appending");
    let head = store.head();
    assert_eq!(head.position, 2);
    assert_eq!(head.hash, outcome.head_hash);
    assert!(
        watcher.has_changed().unwrap_or(false),
        "watch missed the append"
    );
    assert_eq!(*watcher.borrow_and_update(), head);
    // A replay appends nothing, so the head does not move.
    store
        .append(keyed(
            request("s", ExpectedVersion::Any, vec![event("a"), event("b")]),
            "k",
        ))
        .expect("replaying");
    assert_eq!(store.head(), head);
    assert!(
        !watcher.has_changed().unwrap_or(true),
        "a replay moved the head"
    );
}

/// Appends `count` single events from a blocking thread, while subscribers are waiting.
fn append_live(store: &Arc<dyn EventStore>, count: usize) -> tokio::task::JoinHandle<()> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || {
        for n in 0..count {
            let stream_id = if n % 2 == 0 { "live-a" } else { "live-b" };
            let event_type = if n % 3 == 0 {
                "RequestClosed"
            } else {
                "RequestReceived"
            };
            store
                .append(request(
                    stream_id,
                    ExpectedVersion::Any,
                    vec![event_of_type(event_type, "live")],
                ))
                .expect("appending live");
        }
    })
}

pub(super) fn subscription_catches_up_then_follows(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    // More than one subscription page (256 events) is on disk before anyone subscribes.
    for batch in 0..3 {
        let events = (0..100).map(|n| event(&format!("{batch}/{n}"))).collect();
        store
            .append(request("backlog", ExpectedVersion::Any, events))
            .expect("appending the backlog");
    }
    runtime().block_on(async {
        let mut from_start = Subscription::new(Arc::clone(&store), 0, LogFilter::default());
        let mut from_middle = Subscription::new(Arc::clone(&store), 250, LogFilter::default());
        let appender = append_live(&store, 40);
        let all = take(&mut from_start, 340).await;
        assert_eq!(all, (1..=340).collect::<Vec<u64>>());
        let tail = take(&mut from_middle, 91).await;
        assert_eq!(tail, (250..=340).collect::<Vec<u64>>());
        appender.await.expect("appender finished");
        assert_eq!(from_start.next_position(), 341);
    });
}

pub(super) fn filtered_subscription_skips_other_events(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    for n in 0..10 {
        let event_type = if n % 3 == 0 {
            "RequestClosed"
        } else {
            "RequestReceived"
        };
        let stream_id = if n % 2 == 0 { "live-a" } else { "live-b" };
        store
            .append(request(
                stream_id,
                ExpectedVersion::Any,
                vec![event_of_type(event_type, "before")],
            ))
            .expect("appending");
    }
    runtime().block_on(async {
        let closed = LogFilter {
            event_types: vec![EventType::new("RequestClosed").expect("valid type")],
            stream_prefix: None,
        };
        let on_b = LogFilter {
            event_types: Vec::new(),
            stream_prefix: Some("live-b".into()),
        };
        let mut closed_events = Subscription::new(Arc::clone(&store), 0, closed);
        let mut b_events = Subscription::new(Arc::clone(&store), 0, on_b);
        let appender = append_live(&store, 12);
        // Positions 1..=10 before, 11..=22 live; n = position - 1 before, position - 11 live.
        let closed_positions: Vec<u64> = (1..=10)
            .filter(|p| (p - 1) % 3 == 0)
            .chain((11..=22).filter(|p| (p - 11) % 3 == 0))
            .collect();
        let b_positions: Vec<u64> = (1..=10)
            .filter(|p| (p - 1) % 2 == 1)
            .chain((11..=22).filter(|p| (p - 11) % 2 == 1))
            .collect();
        assert_eq!(
            take(&mut closed_events, closed_positions.len()).await,
            closed_positions
        );
        assert_eq!(take(&mut b_events, b_positions.len()).await, b_positions);
        appender.await.expect("appender finished");
    });
}

//! Random append sequences on the sled store (and on PostgreSQL) and the in-memory model: every append gets the
//! same outcome or error, and the two logs end up the same.
//!
//! Appends are submitted in bursts without waiting, so the sled writer stages several in one
//! group commit (versions and idempotency keys staged earlier in the group must count).
//! Each case also picks when the stream index's tail is stored (every few events, or the
//! default), and reopens the store at the end: the tail rebuilt from the log must read the same.
//! CI runs a modest number of cases; `GOVLEDGER_PROPTEST_CASES=2000` for a long run.

use std::sync::Arc;

use govledger_core::event::{IdempotencyKey, NewEvent, StreamId};
use govledger_core::store::sled_store::{SledOptions, SledStore, TailLimits};
use govledger_core::store::{
    AppendRequest, EventStore, ExpectedVersion, Idempotency, LogQuery, PendingAppend,
};
use govledger_tests::conformance::{describe, event_of_type};
use govledger_tests::model::ModelStore;
use govledger_tests::postgres::TestDatabase;
use proptest::prelude::*;
use uuid::Uuid;

use super::common::env_count;

/// Cases per CI run.
const CI_CASES: u32 = 64;
/// Cases per CI run on PostgreSQL.
const CI_CASES_POSTGRES: u32 = 16;
const STREAMS: [&str; 3] = ["request-1", "request-2", "mediation-1"];
const EVENT_TYPES: [&str; 2] = ["RequestReceived", "RequestAccepted"];

#[derive(Debug, Clone)]
enum Expected {
    Any,
    NoStream,
    Exact(u64),
}

#[derive(Debug, Clone)]
struct Append {
    stream: usize,
    expected: Expected,
    /// (event type, payload byte) per event.
    events: Vec<(usize, u8)>,
    key: Option<u8>,
    /// Reuse the first event id of an earlier append (a duplicate when that one committed).
    reuses_event_id: bool,
}

fn append_strategy() -> impl Strategy<Value = Append> {
    let expected = prop_oneof![
        2 => Just(Expected::Any),
        1 => Just(Expected::NoStream),
        3 => (0u64..5).prop_map(Expected::Exact),
    ];
    (
        0..STREAMS.len(),
        expected,
        prop::collection::vec((0..EVENT_TYPES.len(), 0u8..3), 1..4),
        prop::option::weighted(0.5, 0u8..4),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(stream, expected, events, key, reuses_event_id)| Append {
            stream,
            expected,
            events,
            key,
            reuses_event_id,
        })
}

/// Turns generated appends into requests with deterministic, unique event ids.
fn requests(bursts: &[Vec<Append>]) -> Vec<Vec<AppendRequest>> {
    let mut next_id = 1u128;
    let mut first_ids = Vec::new();
    bursts
        .iter()
        .map(|burst| {
            burst
                .iter()
                .map(|append| {
                    let mut events: Vec<NewEvent> = append
                        .events
                        .iter()
                        .map(|(event_type, payload)| {
                            let mut event =
                                event_of_type(EVENT_TYPES[*event_type], &payload.to_string());
                            event.event_id = Uuid::from_u128(next_id);
                            next_id += 1;
                            event
                        })
                        .collect();
                    if append.reuses_event_id {
                        if let Some(earlier) = first_ids.first() {
                            events[0].event_id = *earlier;
                        }
                    }
                    first_ids.push(events[0].event_id);
                    AppendRequest {
                        stream: StreamId::new(STREAMS[append.stream]).expect("valid stream"),
                        expected: match append.expected {
                            Expected::Any => ExpectedVersion::Any,
                            Expected::NoStream => ExpectedVersion::NoStream,
                            Expected::Exact(version) => ExpectedVersion::Exact(version),
                        },
                        events,
                        idempotency: append.key.map(|key| Idempotency {
                            key: IdempotencyKey::new(format!("key-{key}")).expect("valid key"),
                            fingerprint: None,
                        }),
                    }
                })
                .collect()
        })
        .collect()
}

/// What must be equal between the stores for one stored event (times and hashes differ).
fn log_of(store: &dyn EventStore) -> Vec<String> {
    let page = store
        .read_log(&LogQuery::forwards(0, 1000))
        .expect("reading the log");
    assert!(page.reached_end);
    page.events
        .iter()
        .map(|e| {
            format!(
                "{} {} {} v{} {} {:?}",
                e.position, e.event_id, e.stream_id, e.stream_version, e.event_type, e.payload
            )
        })
        .collect()
}

fn tail_strategy() -> impl Strategy<Value = TailLimits> {
    prop_oneof![
        Just(TailLimits::default()),
        (1..6usize, 1..4usize, 1..3usize).prop_map(
            |(events_max, streams_max, streams_per_group)| TailLimits {
                events_max,
                streams_max,
                streams_per_group,
            }
        ),
    ]
}

fn open(path: &std::path::Path, tail: TailLimits) -> Arc<dyn EventStore> {
    let mut options = SledOptions::new(path);
    options.stream_index_tail = tail;
    Arc::new(SledStore::open_with(options).expect("opening the store"))
}

/// Each stream read from several versions on, and its version.
fn streams_of(store: &dyn EventStore) -> Vec<String> {
    let mut seen = Vec::new();
    for stream in STREAMS {
        let stream = StreamId::new(stream).expect("valid stream");
        seen.push(format!(
            "{stream} v{:?}",
            store.stream_version(&stream).ok()
        ));
        for (from_version, limit) in [(0, 1000), (1, 2), (2, 1000), (4, 3)] {
            let events = store
                .read_stream(&stream, from_version, limit)
                .expect("reading a stream");
            let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
            seen.push(format!(
                "{stream} from {from_version} limit {limit}: {positions:?}"
            ));
        }
    }
    seen
}

/// Runs `bursts` on the store `open` opens and on the model; `open` is called again at the
/// end to reopen the same ledger.
fn check(open: &dyn Fn() -> Arc<dyn EventStore>, bursts: &[Vec<Append>]) {
    let sled = open();
    let model = ModelStore::default();
    for (burst_index, burst) in requests(bursts).into_iter().enumerate() {
        let expected: Vec<String> = burst
            .iter()
            .map(|request| describe(&model.append(request.clone())))
            .collect();
        let pending: Vec<PendingAppend> = burst.into_iter().map(|r| sled.submit(r)).collect();
        let got: Vec<String> = pending.into_iter().map(|p| describe(&p.wait())).collect();
        assert_eq!(got, expected, "burst {burst_index}");
    }
    assert_eq!(log_of(sled.as_ref()), log_of(&model));
    for stream in STREAMS {
        let stream = StreamId::new(stream).expect("valid stream");
        assert_eq!(
            sled.stream_version(&stream).ok(),
            model.stream_version(&stream).ok()
        );
    }
    for key in 0..4 {
        let key = IdempotencyKey::new(format!("key-{key}")).expect("valid key");
        let outcome = |store: &dyn EventStore| {
            store
                .find_idempotent(&key)
                .expect("looking up a key")
                .map(|(_, o)| (o.first_position, o.last_position, o.stream_version))
        };
        assert_eq!(outcome(sled.as_ref()), outcome(&model), "{key:?}");
    }
    assert_eq!(streams_of(sled.as_ref()), streams_of(&model));
    let report = sled.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.head.position, model.head().position);
    drop(sled);
    let reopened = open();
    assert_eq!(
        streams_of(reopened.as_ref()),
        streams_of(&model),
        "after reopening"
    );
    assert_eq!(log_of(reopened.as_ref()), log_of(&model), "after reopening");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: env_count("GOVLEDGER_PROPTEST_CASES", CI_CASES),
        ..ProptestConfig::default()
    })]

    #[test]
    fn sled_store_matches_the_model(
        bursts in prop::collection::vec(prop::collection::vec(append_strategy(), 1..6), 1..8),
        tail in tail_strategy(),
    ) {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        check(&|| open(dir.path(), tail), &bursts);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: env_count("GOVLEDGER_PROPTEST_CASES", CI_CASES_POSTGRES),
        ..ProptestConfig::default()
    })]

    /// The same on PostgreSQL (fewer cases in CI: each makes a database).
    #[test]
    fn postgres_store_matches_the_model(
        bursts in prop::collection::vec(prop::collection::vec(append_strategy(), 1..6), 1..8),
    ) {
        if let Some(database) = TestDatabase::create("postgres_store_matches_the_model") {
            check(&|| Arc::new(database.open()) as Arc<dyn EventStore>, &bursts);
        }
    }
}

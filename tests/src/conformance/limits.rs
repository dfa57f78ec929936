//! Every input limit answers with its own typed error and appends nothing.

use govledger_core::event::{EventType, IdempotencyKey, NewEvent, StreamId};
use govledger_core::limits::{
    EVENT_TYPE_BYTES_MAX, EVENTS_PER_APPEND_MAX, PAYLOAD_BYTES_MAX, READ_PAGE_EVENTS_MAX,
    STREAM_ID_BYTES_MAX,
};
use govledger_core::store::{ExpectedVersion, LogQuery};

use super::StoreFactory;
use super::fixtures::{describe, describe_error, event, request, stream};

pub(super) fn limits_reject_with_typed_errors(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    let mut appended = 0;
    let mut check = |events: Vec<NewEvent>, expect: &str| {
        let count = events.len() as u64;
        let result = store.append(request("s", ExpectedVersion::Any, events));
        assert_eq!(describe(&result), expect);
        if result.is_ok() {
            appended += count;
        }
        assert_eq!(store.head().position, appended, "after {expect}");
    };
    let with = |change: &dyn Fn(&mut NewEvent)| {
        let mut e = event("x");
        change(&mut e);
        vec![e]
    };
    check(
        with(&|e| e.payload = vec![1; PAYLOAD_BYTES_MAX]),
        "appended 1..1 v1",
    );
    check(
        with(&|e| e.payload = vec![1; PAYLOAD_BYTES_MAX + 1]),
        "PayloadTooLarge(64513)",
    );
    check(with(&|e| e.payload.clear()), "appended 2..2 v2");
    check(Vec::new(), "EventCountOutOfRange(0)");
    check(
        (0..EVENTS_PER_APPEND_MAX + 1).map(|_| event("n")).collect(),
        "EventCountOutOfRange(257)",
    );
    check(
        (0..EVENTS_PER_APPEND_MAX).map(|_| event("n")).collect(),
        "appended 3..258 v258",
    );
    check(
        with(&|e| e.schema_version = 0),
        "InvalidName(schema version)",
    );
    check(
        with(&|e| e.actor.role = "Station Clerk".into()),
        "InvalidName(actor role)",
    );
    check(
        with(&|e| e.occurred_at = govledger_core::time::Timestamp::from_unix_micros(i64::MIN / 2)),
        "InvalidName(occurred-at)",
    );

    // Names are checked when they are made, so an invalid one never reaches a store.
    let check_name = |result: Result<(), govledger_core::error::StoreError>, expect: &str| {
        let got = match result {
            Ok(()) => "ok".to_string(),
            Err(error) => describe_error(&error),
        };
        assert_eq!(got, expect);
    };
    check_name(StreamId::new("request-1").map(drop), "ok");
    check_name(StreamId::new("").map(drop), "InvalidName(stream id)");
    check_name(StreamId::new("a b").map(drop), "InvalidName(stream id)");
    check_name(StreamId::new("/root").map(drop), "InvalidName(stream id)");
    check_name(
        StreamId::new("s".repeat(STREAM_ID_BYTES_MAX)).map(drop),
        "ok",
    );
    check_name(
        StreamId::new("s".repeat(STREAM_ID_BYTES_MAX + 1)).map(drop),
        "InvalidName(stream id)",
    );
    check_name(EventType::new("RequestReceived").map(drop), "ok");
    check_name(
        EventType::new("requestReceived").map(drop),
        "InvalidName(event type)",
    );
    check_name(
        EventType::new("Request-Received").map(drop),
        "InvalidName(event type)",
    );
    check_name(
        EventType::new("R".repeat(EVENT_TYPE_BYTES_MAX + 1)).map(drop),
        "InvalidName(event type)",
    );
    check_name(
        IdempotencyKey::new("").map(drop),
        "InvalidName(idempotency key)",
    );
}

pub(super) fn read_limits_reject_with_typed_errors(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    store
        .append(request("s", ExpectedVersion::Any, vec![event("a")]))
        .expect("appending");
    let check = |limit: usize, expect: &str| {
        let describe_read = |result: Result<usize, govledger_core::error::StoreError>| match result
        {
            Ok(count) => format!("{count} events"),
            Err(error) => describe_error(&error),
        };
        let by_stream = store.read_stream(&stream("s"), 1, limit).map(|e| e.len());
        assert_eq!(
            describe_read(by_stream),
            expect,
            "read_stream limit {limit}"
        );
        for query in [
            LogQuery::forwards(0, limit),
            LogQuery::backwards(u64::MAX, limit),
        ] {
            let by_log = store.read_log(&query).map(|page| page.events.len());
            assert_eq!(describe_read(by_log), expect, "{query:?}");
        }
    };
    check(0, "ReadLimitOutOfRange(0)");
    check(1, "1 events");
    check(READ_PAGE_EVENTS_MAX, "1 events");
    check(READ_PAGE_EVENTS_MAX + 1, "ReadLimitOutOfRange(1001)");
}

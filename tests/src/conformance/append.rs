//! Expected versions, atomic multi-event appends, and gap-free positions and versions.

use govledger_core::store::{AppendRequest, ExpectedVersion, LogQuery};

use super::StoreFactory;
use super::fixtures::{describe, event, request, stream};

pub(super) fn expected_version_decides_who_appends(factory: &dyn StoreFactory) {
    use ExpectedVersion::{Any, Exact, NoStream};
    // (events already in stream "s", events in stream "other", expected, outcome)
    let check = |in_s: usize, in_other: usize, expected: ExpectedVersion, expect: &str| {
        let store = factory.fresh();
        for (id, count) in [("s", in_s), ("other", in_other)] {
            if count > 0 {
                let events = (0..count).map(|n| event(&format!("seed {n}"))).collect();
                store
                    .append(request(id, Any, events))
                    .expect("seeding appends");
            }
        }
        let head_before = store.head();
        let result = store.append(request("s", expected, vec![event("x")]));
        assert_eq!(
            describe(&result),
            expect,
            "{in_s} in s, {in_other} in other, {expected:?}"
        );
        if result.is_err() {
            assert_eq!(
                store.head(),
                head_before,
                "a rejected append changed the head"
            );
            assert_eq!(store.stream_version(&stream("s")).ok(), Some(in_s as u64));
        }
    };
    check(0, 0, Any, "appended 1..1 v1");
    check(0, 0, NoStream, "appended 1..1 v1");
    check(0, 0, Exact(0), "appended 1..1 v1");
    check(0, 0, Exact(1), "WrongExpectedVersion(actual 0)");
    check(0, 3, NoStream, "appended 4..4 v1");
    check(0, 3, Exact(3), "WrongExpectedVersion(actual 0)");
    check(2, 0, Any, "appended 3..3 v3");
    check(2, 0, NoStream, "WrongExpectedVersion(actual 2)");
    check(2, 0, Exact(0), "WrongExpectedVersion(actual 2)");
    check(2, 0, Exact(1), "WrongExpectedVersion(actual 2)");
    check(2, 0, Exact(2), "appended 3..3 v3");
    check(2, 0, Exact(3), "WrongExpectedVersion(actual 2)");
    check(2, 1, Exact(2), "appended 4..4 v3");
}

pub(super) fn multi_event_append_is_atomic(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    let first = store.append(request(
        "s",
        ExpectedVersion::NoStream,
        vec![event("a"), event("b"), event("c")],
    ));
    assert_eq!(describe(&first), "appended 1..3 v3");
    let versions: Vec<u64> = store
        .read_stream(&stream("s"), 1, 10)
        .expect("reading the stream")
        .iter()
        .map(|e| e.stream_version)
        .collect();
    assert_eq!(versions, [1, 2, 3]);
    let stored = store
        .read_event(2)
        .expect("reading position 2")
        .expect("position 2 exists");

    // Each append fails as a whole: its first, valid event must not be stored either.
    let check = |request: AppendRequest, expect: &str| {
        let probe = request.events[0].event_id;
        let result = store.append(request);
        assert_eq!(describe(&result), expect);
        assert_eq!(store.head().position, 3, "{expect}: the head moved");
        assert_eq!(store.stream_version(&stream("s")).ok(), Some(3));
        assert_eq!(store.position_of_event(probe).ok(), Some(None), "{expect}");
        assert_eq!(store.read_event(4).ok(), Some(None), "{expect}");
    };
    let mut oversized = event("big");
    oversized.payload = vec![7; govledger_core::limits::PAYLOAD_BYTES_MAX + 1];
    check(
        request(
            "s",
            ExpectedVersion::Any,
            vec![event("d"), event("e"), oversized],
        ),
        "PayloadTooLarge(64513)",
    );
    let twin = event("twin");
    check(
        request(
            "s",
            ExpectedVersion::Any,
            vec![event("d"), twin.clone(), twin],
        ),
        "DuplicateEventId",
    );
    let mut already_stored = event("again");
    already_stored.event_id = stored.event_id;
    check(
        request("s", ExpectedVersion::Any, vec![event("d"), already_stored]),
        "DuplicateEventId",
    );
    check(
        request("s", ExpectedVersion::Exact(2), vec![event("d"), event("e")]),
        "WrongExpectedVersion(actual 3)",
    );
    check(
        request("t", ExpectedVersion::Exact(1), vec![event("d"), event("e")]),
        "WrongExpectedVersion(actual 0)",
    );
}

pub(super) fn positions_and_versions_are_gap_free(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    let plan = [("a", 1), ("b", 2), ("a", 3), ("c", 1), ("b", 1), ("a", 1)];
    let mut last_hash = None;
    for (id, count) in plan {
        let events = (0..count).map(|n| event(&format!("{id}{n}"))).collect();
        let outcome = store
            .append(request(id, ExpectedVersion::Any, events))
            .expect("appending");
        last_hash = Some(outcome.head_hash);
    }
    let page = store
        .read_log(&LogQuery::forwards(0, 100))
        .expect("reading the log");
    let positions: Vec<u64> = page.events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=9).collect::<Vec<u64>>());
    let versions: Vec<String> = page
        .events
        .iter()
        .map(|e| format!("{}{}", e.stream_id, e.stream_version))
        .collect();
    assert_eq!(
        versions,
        ["a1", "b1", "b2", "a2", "a3", "a4", "c1", "b3", "a5"]
    );
    for pair in page.events.windows(2) {
        assert_eq!(
            pair[1].prev_hash, pair[0].hash,
            "chain broken at {}",
            pair[1].position
        );
        assert!(
            pair[1].recorded_at >= pair[0].recorded_at,
            "recorded-at went back"
        );
    }
    assert_eq!(Some(store.head().hash), last_hash);
    assert_eq!(store.head().position, 9);
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.events_checked, 9);
}

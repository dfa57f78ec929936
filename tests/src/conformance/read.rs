//! Reads: a stream from a version; the log forwards and backwards, paged, filtered by event
//! type and stream prefix; single events by position and by id.

use govledger_core::event::EventType;
use govledger_core::store::{Direction, EventStore, ExpectedVersion, LogFilter, LogPage, LogQuery};
use uuid::Uuid;

use super::StoreFactory;
use super::fixtures::{event, event_of_type, request, stream};

/// The log every read case starts from (position: stream, type).
const LOG: [(&str, &str); 7] = [
    ("request-1", "RequestReceived"),
    ("request-2", "RequestReceived"),
    ("request-1", "RequestAccepted"),
    ("mediation-1", "MediationApplied"),
    ("request-2", "RequestAccepted"),
    ("request-1", "RequestDispatched"),
    ("mediation-1", "MediationAccepted"),
];

fn seeded(factory: &dyn StoreFactory) -> std::sync::Arc<dyn EventStore> {
    let store = factory.fresh();
    for (position, (stream_id, event_type)) in LOG.iter().enumerate() {
        let payload = format!("event {}", position + 1);
        store
            .append(request(
                stream_id,
                ExpectedVersion::Any,
                vec![event_of_type(event_type, &payload)],
            ))
            .expect("seeding the log");
    }
    store
}

/// `[1 2 3] next 4 more` or `[] next 8 end`.
fn describe_page(page: &LogPage) -> String {
    let positions: Vec<String> = page.events.iter().map(|e| e.position.to_string()).collect();
    let end = if page.reached_end { "end" } else { "more" };
    format!("[{}] next {} {end}", positions.join(" "), page.next_start)
}

pub(super) fn stream_reads_start_at_a_version(factory: &dyn StoreFactory) {
    let store = seeded(factory);
    let check = |stream_id: &str, from_version: u64, limit: usize, expect: &str| {
        let events = store
            .read_stream(&stream(stream_id), from_version, limit)
            .expect("reading a stream");
        let got: Vec<String> = events
            .iter()
            .map(|e| format!("v{}@{}", e.stream_version, e.position))
            .collect();
        assert_eq!(
            got.join(" "),
            expect,
            "{stream_id} from {from_version} limit {limit}"
        );
        for e in &events {
            assert_eq!(e.stream_id.as_str(), stream_id);
        }
    };
    check("request-1", 0, 10, "v1@1 v2@3 v3@6");
    check("request-1", 1, 10, "v1@1 v2@3 v3@6");
    check("request-1", 2, 10, "v2@3 v3@6");
    check("request-1", 3, 10, "v3@6");
    check("request-1", 4, 10, "");
    check("request-1", u64::MAX, 10, "");
    check("request-1", 1, 2, "v1@1 v2@3");
    check("request-2", 1, 1, "v1@2");
    check("mediation-1", 2, 10, "v2@7");
    check("request", 1, 10, "");
    check("request-10", 1, 10, "");
    assert_eq!(store.stream_version(&stream("request-1")).ok(), Some(3));
    assert_eq!(store.stream_version(&stream("unknown")).ok(), Some(0));
}

pub(super) fn log_reads_page_in_both_directions(factory: &dyn StoreFactory) {
    let store = seeded(factory);
    let check = |query: LogQuery, expect: &str| {
        let page = store.read_log(&query).expect("reading the log");
        assert_eq!(describe_page(&page), expect, "{query:?}");
    };
    check(LogQuery::forwards(0, 3), "[1 2 3] next 4 more");
    check(LogQuery::forwards(1, 3), "[1 2 3] next 4 more");
    check(LogQuery::forwards(4, 3), "[4 5 6] next 7 more");
    check(LogQuery::forwards(5, 3), "[5 6 7] next 8 end");
    check(LogQuery::forwards(7, 3), "[7] next 8 end");
    check(LogQuery::forwards(8, 3), "[] next 8 end");
    check(LogQuery::forwards(0, 1000), "[1 2 3 4 5 6 7] next 8 end");
    check(LogQuery::backwards(u64::MAX, 3), "[7 6 5] next 4 more");
    check(LogQuery::backwards(7, 3), "[7 6 5] next 4 more");
    check(LogQuery::backwards(4, 3), "[4 3 2] next 1 more");
    check(LogQuery::backwards(3, 3), "[3 2 1] next 0 end");
    check(LogQuery::backwards(1, 3), "[1] next 0 end");
    check(LogQuery::backwards(0, 3), "[] next 0 end");

    // Following `next_start` visits every event once, in order, in both directions.
    for (direction, expect) in [
        (Direction::Forwards, [1, 2, 3, 4, 5, 6, 7]),
        (Direction::Backwards, [7, 6, 5, 4, 3, 2, 1]),
    ] {
        let mut query = match direction {
            Direction::Forwards => LogQuery::forwards(0, 2),
            Direction::Backwards => LogQuery::backwards(u64::MAX, 2),
        };
        let mut seen = Vec::new();
        for _ in 0..10 {
            let page = store.read_log(&query).expect("paging");
            seen.extend(page.events.iter().map(|e| e.position));
            query.start = page.next_start;
            if page.reached_end {
                break;
            }
        }
        assert_eq!(seen, expect, "{direction:?}");
    }
}

pub(super) fn log_reads_filter_by_type_and_stream_prefix(factory: &dyn StoreFactory) {
    let store = seeded(factory);
    let check =
        |direction: Direction, types: &[&str], prefix: Option<&str>, limit, expect: &str| {
            let query = LogQuery {
                start: match direction {
                    Direction::Forwards => 0,
                    Direction::Backwards => u64::MAX,
                },
                direction,
                filter: LogFilter {
                    event_types: types
                        .iter()
                        .map(|t| EventType::new(*t).expect("valid type"))
                        .collect(),
                    stream_prefix: prefix.map(str::to_string),
                },
                limit,
            };
            let page = store.read_log(&query).expect("reading the log");
            assert_eq!(describe_page(&page), expect, "{query:?}");
            for event in &page.events {
                assert!(
                    query.filter.matches(event),
                    "{query:?} returned {}",
                    event.position
                );
            }
        };
    use Direction::{Backwards, Forwards};
    check(Forwards, &["RequestReceived"], None, 10, "[1 2] next 8 end");
    check(Forwards, &["RequestReceived"], None, 1, "[1] next 2 more");
    check(
        Backwards,
        &["RequestAccepted"],
        None,
        10,
        "[5 3] next 0 end",
    );
    check(Backwards, &["RequestAccepted"], None, 1, "[5] next 4 more");
    check(Forwards, &["ProjectClosed"], None, 10, "[] next 8 end");
    check(Backwards, &["ProjectClosed"], None, 10, "[] next 0 end");
    check(
        Forwards,
        &["RequestAccepted", "MediationApplied"],
        None,
        10,
        "[3 4 5] next 8 end",
    );
    check(
        Forwards,
        &["RequestAccepted", "MediationApplied"],
        None,
        2,
        "[3 4] next 5 more",
    );
    check(
        Backwards,
        &["RequestAccepted", "MediationApplied"],
        None,
        2,
        "[5 4] next 3 more",
    );
    check(
        Forwards,
        &[],
        Some("request-"),
        10,
        "[1 2 3 5 6] next 8 end",
    );
    check(Forwards, &[], Some("request-1"), 2, "[1 3] next 4 more");
    check(Backwards, &[], Some("mediation"), 10, "[7 4] next 0 end");
    check(Forwards, &[], Some("nothing"), 10, "[] next 8 end");
    check(
        Forwards,
        &["RequestAccepted"],
        Some("request-1"),
        10,
        "[3] next 8 end",
    );
    check(
        Backwards,
        &["RequestAccepted"],
        Some("request-2"),
        1,
        "[5] next 4 more",
    );
    check(
        Forwards,
        &["RequestReceived", "RequestDispatched"],
        Some("request-1"),
        10,
        "[1 6] next 8 end",
    );

    // Reads that start past the end examine nothing and stay where they are.
    let mut query = LogQuery::backwards(0, 10);
    query.filter.event_types = vec![EventType::new("RequestReceived").expect("valid type")];
    let page = store.read_log(&query).expect("reading the log");
    assert_eq!(describe_page(&page), "[] next 0 end", "{query:?}");
    query.direction = Direction::Forwards;
    query.start = 100;
    let page = store.read_log(&query).expect("reading the log");
    assert_eq!(describe_page(&page), "[] next 100 end", "{query:?}");

    // A filtered read resumes from its cursor without skipping or repeating.
    let mut query = LogQuery::forwards(0, 1);
    query.filter.event_types = vec![EventType::new("RequestAccepted").expect("valid type")];
    let mut pages = Vec::new();
    for _ in 0..5 {
        let page = store.read_log(&query).expect("paging");
        pages.push(describe_page(&page));
        query.start = page.next_start;
        if page.reached_end {
            break;
        }
    }
    assert_eq!(
        pages,
        ["[3] next 4 more", "[5] next 6 more", "[] next 8 end"]
    );
}

pub(super) fn events_are_found_by_position_and_id(factory: &dyn StoreFactory) {
    let store = factory.fresh();
    assert_eq!(store.read_event(1).ok(), Some(None));
    let proposed = event("the payload");
    store
        .append(request(
            "s",
            ExpectedVersion::NoStream,
            vec![event("first")],
        ))
        .expect("appending");
    let outcome = store
        .append(request(
            "s",
            ExpectedVersion::Exact(1),
            vec![proposed.clone()],
        ))
        .expect("appending");
    let stored = store
        .read_event(2)
        .expect("reading position 2")
        .expect("position 2 exists");
    assert_eq!(stored.position, 2);
    assert_eq!(stored.event_id, proposed.event_id);
    assert_eq!(stored.stream_id, stream("s"));
    assert_eq!(stored.stream_version, 2);
    assert_eq!(stored.event_type, proposed.event_type);
    assert_eq!(stored.schema_version, proposed.schema_version);
    assert_eq!(stored.occurred_at, proposed.occurred_at);
    assert_eq!(stored.actor, proposed.actor);
    assert_eq!(stored.correlation_id, proposed.correlation_id);
    assert_eq!(stored.causation_id, proposed.causation_id);
    assert_eq!(stored.payload, proposed.payload);
    assert_eq!(stored.hash, outcome.head_hash);

    let check = |position: u64, expect: Option<Uuid>| {
        let found = store
            .read_event(position)
            .expect("reading")
            .map(|e| e.event_id);
        assert_eq!(found, expect, "position {position}");
        if let Some(id) = expect {
            assert_eq!(store.position_of_event(id).ok(), Some(Some(position)));
        }
    };
    check(0, None);
    check(2, Some(proposed.event_id));
    check(3, None);
    check(u64::MAX, None);
    assert_eq!(store.position_of_event(Uuid::now_v7()).ok(), Some(None));
}

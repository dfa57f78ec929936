//! Several nodes on one PostgreSQL log: three `PostgresStore`s (each with its own runtime,
//! connections and writer, as three govledger processes have) on one database, 16 writers
//! spread over them. Every acknowledged append is in the log exactly once, positions are
//! gap-free, the chain verifies, and every node reports the same head within a second of
//! the last write (LISTEN/NOTIFY, or the polling fallback).

use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::error::StoreError;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, LogQuery};
use govledger_tests::conformance::{event, keyed, request};
use govledger_tests::postgres::TestDatabase;

const NODES: usize = 3;
const WRITERS: usize = 16;
const APPENDS_PER_WRITER: u64 = 25;
/// How soon every node must report the head of the last write.
const CONVERGED_WITHIN: Duration = Duration::from_secs(1);

#[test]
fn three_nodes_share_one_gap_free_log_and_converge_within_a_second() {
    let Some(database) = TestDatabase::create("three_nodes_share_one_gap_free_log") else {
        return;
    };
    let nodes: Vec<Arc<dyn EventStore>> = (0..NODES)
        .map(|_| Arc::new(database.open()) as Arc<dyn EventStore>)
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let node = Arc::clone(&nodes[writer % NODES]);
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                for n in 0..APPENDS_PER_WRITER {
                    // Half the writers contend on one stream (Any), half own theirs (Exact).
                    let (stream_id, expected) = if writer % 2 == 0 {
                        ("request-shared".to_string(), ExpectedVersion::Any)
                    } else {
                        (format!("request-{writer}"), ExpectedVersion::Exact(n))
                    };
                    let payload = format!("writer {writer} append {n}");
                    match node.append(request(&stream_id, expected, vec![event(&payload)])) {
                        Ok(outcome) => acknowledged.push((outcome.first_position, payload)),
                        Err(error @ StoreError::WrongExpectedVersion { .. }) => {
                            panic!("writer {writer} owns its stream: {error}")
                        }
                        Err(error) => panic!("writer {writer}: {error}"),
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.join().expect("a writer panicked"));
    }
    let written_at = Instant::now();
    let total = WRITERS as u64 * APPENDS_PER_WRITER;
    assert_eq!(acknowledged.len() as u64, total);

    // Every node converges on the same head.
    let last = nodes
        .iter()
        .map(|node| node.head())
        .max_by_key(|head| head.position)
        .expect("three nodes");
    assert_eq!(last.position, total);
    loop {
        if nodes.iter().all(|node| node.head() == last) {
            break;
        }
        assert!(
            written_at.elapsed() < CONVERGED_WITHIN,
            "heads after {:?}: {:?}",
            written_at.elapsed(),
            nodes.iter().map(|node| node.head()).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // Each node reads the whole log: gap-free, every acknowledged append once, where it was
    // acknowledged.
    for (index, node) in nodes.iter().enumerate() {
        let mut events = Vec::new();
        let mut query = LogQuery::forwards(0, 1000);
        loop {
            let page = node.read_log(&query).expect("reading the log");
            events.extend(page.events);
            query.start = page.next_start;
            if page.reached_end {
                break;
            }
        }
        let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
        assert_eq!(positions, (1..=total).collect::<Vec<u64>>(), "node {index}");
        for (position, payload) in &acknowledged {
            let stored = &events[(*position - 1) as usize];
            assert_eq!(
                stored.payload,
                payload.as_bytes(),
                "node {index}, position {position}"
            );
        }
        let report = node.verify().expect("verifying");
        assert_eq!(report.first_damage, None, "node {index}");
        assert_eq!(report.events_checked, total);
    }
}

/// A node answers from what its last commit left it knowing (one round trip) only while no
/// other node has appended since; the write statement's gate checks that, so a stale node,
/// or one that takes an append's stated version on trust, answers exactly as the locking
/// path does. Steps run in order on two stores over one database; appends are sent right
/// after the other node's commit, before the stale node can have heard of it.
#[test]
fn a_stale_node_answers_as_the_locking_path_does() {
    let Some(database) = TestDatabase::create("a_stale_node_answers_as_the_locking_path") else {
        return;
    };
    let nodes = [database.open(), database.open()];
    // (node, stream, expected, idempotency key, expected answer: Ok(first position,
    // stream version, replayed) or Err(actual version))
    type Step = (
        usize,
        &'static str,
        ExpectedVersion,
        Option<&'static str>,
        Result<(u64, u64, bool), u64>,
    );
    let steps: [Step; 12] = [
        (
            0,
            "request-a",
            ExpectedVersion::NoStream,
            None,
            Ok((1, 1, false)),
        ),
        (
            0,
            "request-a",
            ExpectedVersion::Exact(1),
            Some("k1"),
            Ok((2, 2, false)),
        ),
        // Node 1 moves the head: node 0's knowledge is stale.
        (
            1,
            "request-a",
            ExpectedVersion::Any,
            None,
            Ok((3, 3, false)),
        ),
        (0, "request-a", ExpectedVersion::Exact(2), None, Err(3)),
        (
            0,
            "request-a",
            ExpectedVersion::Any,
            None,
            Ok((4, 4, false)),
        ),
        // Stated versions node 1 does not know: wrong ones are refused with the actual.
        (1, "request-b", ExpectedVersion::Exact(3), None, Err(0)),
        (
            0,
            "request-b",
            ExpectedVersion::NoStream,
            None,
            Ok((5, 1, false)),
        ),
        (1, "request-b", ExpectedVersion::NoStream, None, Err(1)),
        (1, "request-a", ExpectedVersion::Exact(2), None, Err(4)),
        (1, "request-a", ExpectedVersion::Exact(5), None, Err(4)),
        // A retry of an acknowledged keyed append is a replay on either node.
        (
            1,
            "request-a",
            ExpectedVersion::Exact(1),
            Some("k1"),
            Ok((2, 2, true)),
        ),
        (
            0,
            "request-a",
            ExpectedVersion::Exact(1),
            Some("k1"),
            Ok((2, 2, true)),
        ),
    ];
    // A keyed retry sends its first append again, byte for byte; anything else is new.
    let mut sent: std::collections::HashMap<&str, AppendRequest> = Default::default();
    for (index, (node, stream_id, expected, key, expect)) in steps.into_iter().enumerate() {
        let fresh = request(stream_id, expected, vec![event(&format!("step {index}"))]);
        let append = match key {
            None => fresh,
            Some(key) => sent.entry(key).or_insert_with(|| keyed(fresh, key)).clone(),
        };
        let got = match nodes[node].append(append) {
            Ok(outcome) => Ok((
                outcome.first_position,
                outcome.stream_version,
                outcome.replayed,
            )),
            Err(StoreError::WrongExpectedVersion { actual, .. }) => Err(actual),
            Err(error) => panic!("step {index}: {error}"),
        };
        assert_eq!(
            got, expect,
            "step {index}: node {node} {stream_id} {expected:?}"
        );
    }
    for node in &nodes {
        let report = node.verify().expect("verifying");
        assert_eq!(report.first_damage, None);
        assert_eq!(report.events_checked, 5);
    }
}

/// A node that answers a retry as a replay of another node's append can read what it
/// answered: the head it read under the lock is published even when it wrote nothing.
#[test]
fn a_replayed_append_is_readable_on_the_node_that_answered_it() {
    let Some(database) = TestDatabase::create("a_replayed_append_is_readable") else {
        return;
    };
    let (node_a, node_b) = (database.open(), database.open());
    for round in 0..200 {
        let append = keyed(
            request(
                &format!("stream-{round}"),
                ExpectedVersion::Any,
                vec![event("x")],
            ),
            &format!("key-{round}"),
        );
        let first = node_a.append(append.clone()).expect("node a appends");
        let replayed = node_b.append(append).expect("node b replays");
        assert!(replayed.replayed, "round {round}");
        assert_eq!(replayed.first_position, first.first_position);
        assert!(
            node_b
                .read_event(replayed.first_position)
                .expect("reading")
                .is_some(),
            "round {round}: node b answered position {} but cannot read it (its head is {})",
            replayed.first_position,
            node_b.head().position
        );
    }
}

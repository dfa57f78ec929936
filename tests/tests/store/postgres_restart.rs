//! PostgreSQL itself crashes and restarts while writers append: on a cluster of the test's
//! own (`govledger_tests::postgres_cluster`), stopped with `pg_ctl stop -m immediate` (every
//! server process quits, no checkpoint; the next start replays the WAL) or restarted with
//! `pg_ctl restart -m immediate`, several times. Writers retry each append that answers
//! "retry" with the same idempotency key. Afterwards every acknowledged append is stored
//! exactly once at the position it was acknowledged at, positions are gap-free, the chain
//! verifies, and the store noticed the outage and reconnected by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use govledger_core::error::StoreError;
use govledger_core::event::RecordedEvent;
use govledger_core::store::postgres_store::{PostgresOptions, PostgresStore};
use govledger_core::store::{AppendOutcome, EventStore, ExpectedVersion, LogQuery};
use govledger_tests::conformance::{event, keyed, request};
use govledger_tests::postgres_cluster::PrivateCluster;
use uuid::Uuid;

const WRITERS: usize = 4;
/// Outages while the writers append: odd ones a stop, a pause and a start, even ones
/// `pg_ctl restart -m immediate`.
const OUTAGES: u32 = 4;
/// How long the server stays down in a stop-and-start outage.
const DOWN_FOR: Duration = Duration::from_millis(300);
/// Appends between outages.
const UP_FOR: Duration = Duration::from_millis(400);
/// Appends each writer acknowledges after the last outage: the store works again.
const APPENDS_AFTER_OUTAGES: usize = 5;
/// Every how many appends one carries several events (stored whole or not at all).
const MULTI_EVENT_EVERY: usize = 3;
const MULTI_EVENT_COUNT: usize = 3;
/// How long a writer keeps retrying one append.
const RETRY_FOR: Duration = Duration::from_secs(30);
/// How long the store may take to notice the server is down, or back.
const NOTICED_WITHIN: Duration = Duration::from_secs(15);

/// One acknowledged append.
#[derive(Debug)]
struct Acked {
    stream: String,
    event_ids: Vec<Uuid>,
    outcome: AppendOutcome,
}

#[derive(Default)]
struct WriterReport {
    acked: Vec<Acked>,
    /// Answers that said to retry.
    retried: u32,
    /// Retries answered with the stored result of an attempt that had committed.
    replayed: u32,
}

/// Appends to `writer-<n>` with exact expected versions until the outages are over and it
/// has acknowledged `APPENDS_AFTER_OUTAGES` more.
fn write(store: &PostgresStore, writer: usize, outages_running: &AtomicBool) -> WriterReport {
    let stream = format!("writer-{writer}");
    let mut report = WriterReport::default();
    let mut version = 0;
    let mut after_outages = 0;
    for append in 0.. {
        if !outages_running.load(Ordering::SeqCst) {
            if after_outages == APPENDS_AFTER_OUTAGES {
                break;
            }
            after_outages += 1;
        }
        let parts = if append % MULTI_EVENT_EVERY == 0 {
            MULTI_EVENT_COUNT
        } else {
            1
        };
        let events: Vec<_> = (1..=parts)
            .map(|part| event(&format!("{stream} append {append} part {part}/{parts}")))
            .collect();
        let event_ids = events.iter().map(|event| event.event_id).collect();
        let attempt = keyed(
            request(&stream, ExpectedVersion::Exact(version), events),
            &format!("{stream}-append-{append}"),
        );
        let started = Instant::now();
        let outcome = loop {
            match store.append(attempt.clone()) {
                Ok(outcome) => break outcome,
                Err(StoreError::Storage(reason)) => {
                    assert!(reason.contains("retry"), "{stream}: {reason}");
                    assert!(
                        started.elapsed() < RETRY_FOR,
                        "{stream}: still failing after {RETRY_FOR:?}: {reason}"
                    );
                    report.retried += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(error) => panic!("{stream}: {error}"),
            }
        };
        if outcome.replayed {
            report.replayed += 1;
        }
        assert_eq!(outcome.stream_version, version + parts as u64, "{stream}");
        version = outcome.stream_version;
        report.acked.push(Acked {
            stream: stream.clone(),
            event_ids,
            outcome,
        });
    }
    report
}

/// Waits until the store's view of the server is `reachable`.
fn wait_until_reachable_is(store: &PostgresStore, reachable: bool, cluster: &PrivateCluster) {
    let deadline = Instant::now() + NOTICED_WITHIN;
    while store.is_reachable() != reachable {
        assert!(
            Instant::now() < deadline,
            "the store did not notice within {NOTICED_WITHIN:?} that the server is {}; \
             the server's log:\n{}",
            if reachable { "back" } else { "down" },
            cluster.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The outages, while the writers append.
fn crash_the_server(cluster: &PrivateCluster, store: &PostgresStore) {
    for outage in 1..=OUTAGES {
        std::thread::sleep(UP_FOR);
        if outage % 2 == 1 {
            cluster.stop_immediately();
            wait_until_reachable_is(store, false, cluster);
            std::thread::sleep(DOWN_FOR);
            cluster.start_again();
        } else {
            cluster.restart_immediately();
        }
        wait_until_reachable_is(store, true, cluster);
    }
}

fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    let mut query = LogQuery::forwards(0, 1000);
    loop {
        let page = store.read_log(&query).expect("reading the log");
        events.extend(page.events);
        query.start = page.next_start;
        if page.reached_end {
            return events;
        }
    }
}

/// Every acknowledged append once, where it was acknowledged, nothing else, no gap; the
/// chain verifies.
fn check_log(store: &dyn EventStore, acked: &[Acked]) {
    let events = all_events(store);
    let positions: Vec<u64> = events.iter().map(|event| event.position).collect();
    assert_eq!(positions, (1..=events.len() as u64).collect::<Vec<_>>());
    let acked_events: usize = acked.iter().map(|append| append.event_ids.len()).sum();
    assert_eq!(
        events.len(),
        acked_events,
        "the log holds events no writer had acknowledged (a retried append stored twice?)"
    );
    for append in acked {
        let outcome = append.outcome;
        assert_eq!(
            outcome.last_position - outcome.first_position + 1,
            append.event_ids.len() as u64,
            "{append:?}"
        );
        let stored = &events[(outcome.first_position - 1) as usize..outcome.last_position as usize];
        let first_version = outcome.stream_version + 1 - append.event_ids.len() as u64;
        for ((event, event_id), version) in
            stored.iter().zip(&append.event_ids).zip(first_version..)
        {
            assert_eq!(
                (
                    event.event_id,
                    event.stream_id.as_str(),
                    event.stream_version
                ),
                (*event_id, append.stream.as_str(), version),
                "acknowledged {append:?}"
            );
        }
    }
    let head = store.head();
    assert_eq!(head.position, events.len() as u64);
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.events_checked, head.position);
}

#[test]
fn acknowledged_appends_survive_immediate_restarts_of_postgres() {
    let Some(cluster) = PrivateCluster::start("acknowledged_appends_survive_postgres_restarts")
    else {
        return;
    };
    let options = PostgresOptions::from_url(&cluster.admin_url()).expect("the cluster's URL");
    let store = Arc::new(PostgresStore::open(&options).expect("opening the store"));
    let outages_running = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = Arc::clone(&store);
            let outages_running = Arc::clone(&outages_running);
            std::thread::spawn(move || write(&store, writer, &outages_running))
        })
        .collect();
    crash_the_server(&cluster, &store);
    outages_running.store(false, Ordering::SeqCst);
    let mut acked = Vec::new();
    let (mut retried, mut replayed) = (0, 0);
    for writer in writers {
        let report = writer.join().expect("a writer panicked");
        acked.extend(report.acked);
        retried += report.retried;
        replayed += report.replayed;
    }
    eprintln!(
        "{} appends acknowledged through {OUTAGES} outages; {retried} answers said to retry, \
         {replayed} retries found their first attempt committed",
        acked.len()
    );
    assert!(
        retried > 0,
        "no append met an outage: the test tested nothing"
    );
    check_log(store.as_ref(), &acked);

    // A node opened afresh (the open check included) sees the same log.
    store.close().expect("closing the store");
    let reopened = PostgresStore::open(&options).expect("reopening the store");
    check_log(&reopened, &acked);
}

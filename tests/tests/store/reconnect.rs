//! The PostgreSQL store outlives its connections: when the server drops every connection
//! (as a restart of PostgreSQL does) while writers append, an append either commits or
//! answers a storage error saying to retry; the store reconnects by itself, no acknowledged
//! append is lost, positions stay gap-free and the chain verifies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use govledger_core::error::StoreError;
use govledger_core::store::{EventStore, ExpectedVersion, LogQuery};
use govledger_tests::conformance::{event, request};
use govledger_tests::postgres::TestDatabase;

const WRITERS: usize = 4;
const ACKNOWLEDGED_PER_WRITER: usize = 40;
/// How long a writer keeps retrying one append.
const RETRY_FOR: Duration = Duration::from_secs(20);

#[test]
fn appends_survive_the_server_dropping_every_connection() {
    let Some(database) = TestDatabase::create("appends_survive_dropped_connections") else {
        return;
    };
    let store = Arc::new(database.open());
    let writing = Arc::new(AtomicBool::new(true));
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let mut acknowledged = Vec::new();
                let mut retried = 0u32;
                for n in 0..ACKNOWLEDGED_PER_WRITER {
                    let payload = format!("writer {writer} append {n}");
                    let started = Instant::now();
                    loop {
                        let append = request(
                            &format!("request-{writer}"),
                            ExpectedVersion::Any,
                            vec![event(&payload)],
                        );
                        match store.append(append) {
                            Ok(outcome) => {
                                acknowledged.push((outcome.first_position, payload));
                                break;
                            }
                            Err(StoreError::Storage(reason)) => {
                                assert!(reason.contains("retry"), "{reason}");
                                assert!(started.elapsed() < RETRY_FOR, "still failing: {reason}");
                                retried += 1;
                                std::thread::sleep(Duration::from_millis(50));
                            }
                            Err(error) => panic!("writer {writer}: {error}"),
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                (acknowledged, retried)
            })
        })
        .collect();
    // Drop every connection of the database a few times while they write.
    let dropper = {
        let writing = Arc::clone(&writing);
        let url = database.url().to_string();
        std::thread::spawn(move || {
            let mut rounds = 0;
            while writing.load(Ordering::SeqCst) && rounds < 3 {
                std::thread::sleep(Duration::from_millis(150));
                TestDatabase::execute_on(
                    &url,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                );
                rounds += 1;
            }
            rounds
        })
    };
    let mut acknowledged = Vec::new();
    let mut retried = 0;
    for writer in writers {
        let (acked, retries) = writer.join().expect("a writer panicked");
        acknowledged.extend(acked);
        retried += retries;
    }
    writing.store(false, Ordering::SeqCst);
    assert!(dropper.join().expect("the dropper") > 0);

    let total = (WRITERS * ACKNOWLEDGED_PER_WRITER) as u64;
    let mut events = Vec::new();
    let mut query = LogQuery::forwards(0, 1000);
    loop {
        let page = store
            .read_log(&query)
            .expect("reading the log after reconnecting");
        events.extend(page.events);
        query.start = page.next_start;
        if page.reached_end {
            break;
        }
    }
    // A commit cut off mid-way may have stored an append its writer then retried: the log
    // holds every acknowledged append, in the acknowledged place, and nothing else but such
    // retries' twins.
    let positions: Vec<u64> = events.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=events.len() as u64).collect::<Vec<u64>>());
    assert!(
        events.len() as u64 >= total,
        "{} < {total} (retried {retried})",
        events.len()
    );
    for (position, payload) in &acknowledged {
        assert_eq!(events[(*position - 1) as usize].payload, payload.as_bytes());
    }
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.head.position, events.len() as u64);
}

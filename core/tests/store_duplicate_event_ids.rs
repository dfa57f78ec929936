//! Duplicate event ids racing through both commit paths (a lone `append` on the caller's
//! thread, queued `submit`s grouped by the writer) and the callers' early duplicate check:
//! each id is stored once, every other attempt is refused, and positions stay gap-free.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};

use govledger_core::error::StoreError;
use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use uuid::Uuid;

/// How a racing thread hands its appends to the store.
#[derive(Debug, Clone, Copy)]
enum Submission {
    /// One blocking `append` after another (may commit alone).
    Blocking,
    /// A burst of `submit`s, then waiting for all (grouped by the writer).
    Burst,
}

fn request(thread: usize, event_id: Uuid) -> AppendRequest {
    AppendRequest {
        stream: StreamId::new(format!("race-{thread}")).expect("stream id"),
        expected: ExpectedVersion::Any,
        events: vec![NewEvent {
            event_id,
            event_type: EventType::new("RequestReceived").expect("event type"),
            schema_version: 1,
            occurred_at: Timestamp::from_unix_micros(0),
            actor: Actor {
                account_id: Uuid::nil(),
                role: "station_clerk".into(),
                organisation_id: None,
            },
            correlation_id: Uuid::nil(),
            causation_id: None,
            payload: vec![1; 8],
        }],
        idempotency: None,
    }
}

/// `threads` threads (alternating `submissions`) each try to append every one of `ids`
/// fresh ids; expects each id stored exactly once and the head to count them.
fn check(threads: usize, ids: usize, submissions: &[Submission]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SledStore::open(dir.path()).expect("opening"));
    let event_ids: Arc<Vec<Uuid>> = Arc::new((0..ids).map(|_| Uuid::now_v7()).collect());
    let start = Arc::new(Barrier::new(threads));
    let racers: Vec<_> = (0..threads)
        .map(|thread| {
            let (store, event_ids, start) = (store.clone(), event_ids.clone(), start.clone());
            let submission = submissions[thread % submissions.len()];
            std::thread::spawn(move || {
                start.wait();
                let requests = event_ids.iter().map(|id| request(thread, *id));
                let results: Vec<_> = match submission {
                    Submission::Blocking => requests.map(|r| store.append(r)).collect(),
                    Submission::Burst => {
                        let pending: Vec<_> = requests.map(|r| store.submit(r)).collect();
                        pending.into_iter().map(|p| p.wait()).collect()
                    }
                };
                event_ids.iter().copied().zip(results).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut stored: HashMap<Uuid, usize> = HashMap::new();
    for racer in racers {
        for (event_id, result) in racer.join().expect("racer panicked") {
            match result {
                Ok(_) => *stored.entry(event_id).or_default() += 1,
                Err(StoreError::DuplicateEventId { event_id: refused }) => {
                    assert_eq!(refused, event_id)
                }
                Err(other) => panic!("unexpected error {other}"),
            }
        }
    }
    assert_eq!(stored.len(), ids, "every id stored");
    assert!(
        stored.values().all(|count| *count == 1),
        "an id stored twice"
    );
    assert_eq!(store.head().position, ids as u64, "positions gap-free");
    assert_eq!(store.verify().expect("verifying").first_damage, None);
}

#[test]
fn each_racing_event_id_is_stored_once() {
    check(2, 200, &[Submission::Blocking]);
    check(6, 150, &[Submission::Blocking, Submission::Burst]);
    check(4, 150, &[Submission::Burst]);
}

//! The store's side of backups (ADR 0009): idempotency keys read out page by page, only
//! those whose append ended in the range asked for; restored with the records (leaves and
//! hashes as stored), a retried append with the same key is answered `replayed` at its
//! original positions; a key naming a position past the restored records is refused.

use govledger_core::event::{Actor, EventType, IdempotencyKey, NewEvent, StreamId};
use govledger_core::store::sled_store::{
    IdempotencyEntry, SledOptions, SledRestore, SledStore, StoredRecord,
};
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, Idempotency, LogQuery};
use govledger_core::time::Timestamp;
use uuid::Uuid;

fn request(n: usize) -> AppendRequest {
    AppendRequest {
        stream: StreamId::new(format!("case-{n}")).expect("stream"),
        expected: ExpectedVersion::Any,
        events: vec![NewEvent {
            event_id: Uuid::now_v7(),
            event_type: EventType::new("RequestReceived").expect("type"),
            schema_version: 1,
            occurred_at: Timestamp::from_unix_micros(0),
            actor: Actor {
                account_id: Uuid::nil(),
                role: "station_clerk".into(),
                organisation_id: None,
            },
            correlation_id: Uuid::nil(),
            causation_id: None,
            payload: format!("event {n}").into_bytes(),
        }],
        idempotency: Some(Idempotency {
            key: IdempotencyKey::new(format!("key-{n:02}")).expect("key"),
            fingerprint: None,
        }),
    }
}

/// Every key of `store` ending in `(after, through]`, read `limit` at a time.
fn all_keys(store: &SledStore, limit: usize, after: u64, through: u64) -> Vec<IdempotencyEntry> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .idempotency_keys(cursor.as_deref(), limit, after, through)
            .expect("page");
        keys.extend(page.entries);
        match page.next_after {
            Some(next) => cursor = Some(next),
            None => return keys,
        }
    }
}

#[test]
fn idempotency_keys_come_back_by_range_and_are_honoured_after_a_restore() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SledStore::open(dir.path().join("source")).expect("open");
    let requests: Vec<AppendRequest> = (0..10).map(request).collect();
    let outcomes: Vec<_> = requests
        .iter()
        .map(|r| store.append(r.clone()).expect("append"))
        .collect();

    let through_7 = all_keys(&store, 3, 0, 7);
    assert_eq!(
        through_7.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        (0..7).map(|n| format!("key-{n:02}")).collect::<Vec<_>>()
    );
    let after_7 = all_keys(&store, 4, 7, 10);
    assert_eq!(after_7.len(), 3);
    assert!(after_7.iter().all(|e| e.outcome.last_position > 7));
    assert!(
        store.idempotency_keys(None, 0, 0, 10).is_err(),
        "limit 0 refused"
    );

    // Restore the first 7 records and their keys.
    let events = store
        .read_log(&LogQuery::forwards(1, 100))
        .expect("read")
        .events;
    let leaves = store.tree_leaves(0, 7).expect("leaves");
    let target = dir.path().join("restored");
    let mut restore = SledRestore::begin(&SledOptions::new(&target)).expect("begin");
    for (event, record) in events.iter().zip(leaves).take(7) {
        restore
            .push(StoredRecord {
                position: event.position,
                record,
                hash: event.hash,
            })
            .expect("push");
    }
    let beyond = after_7[0].clone();
    assert!(
        restore.keep_idempotency(&beyond).is_err(),
        "a key naming a position past the restored records is refused"
    );
    for entry in &through_7 {
        restore.keep_idempotency(entry).expect("keep");
    }
    restore.finish().expect("finish");
    drop(store);

    let restored = SledStore::open(&target).expect("open the restore");
    let retried = restored.append(requests[3].clone()).expect("retry");
    assert!(retried.replayed);
    assert_eq!(retried.first_position, outcomes[3].first_position);
    assert_eq!(retried.head_hash, outcomes[3].head_hash);
    assert_eq!(restored.head().position, 7, "nothing appended by the retry");
    // A key past the backup is not there: the append is new.
    let fresh = restored.append(requests[8].clone()).expect("append");
    assert!(!fresh.replayed);
    assert_eq!(fresh.first_position, 8);
}

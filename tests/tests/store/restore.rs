//! Verbatim restore: a ledger restored from its stored records has the same bytes, positions,
//! hashes and indexes; a broken record stops the restore, and a half-restored directory is
//! never taken for a whole ledger.

use std::path::Path;

use govledger_core::codec;
use govledger_core::error::StoreError;
use govledger_core::hash::Hash256;
use govledger_core::store::sled_store::{SledOptions, SledRestore, SledStore, StoredRecord};
use govledger_core::store::{EventStore, ExpectedVersion, LogQuery};
use govledger_tests::conformance::{event, request};

use super::common::dump_raw;

/// A closed source ledger with `events` events over three streams.
fn source(events: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let store = SledStore::open(dir.path()).expect("opening");
    for n in 0..events {
        let stream_id = ["request-1", "work-2", "decision-3"][(n % 3) as usize];
        store
            .append(request(
                stream_id,
                ExpectedVersion::Any,
                vec![event(&format!("fact {n}"))],
            ))
            .expect("seeding");
    }
    dir
}

/// The stored records of a closed ledger, in position order, as an export carries them (an
/// `E` entry holds one record or a chunk of them).
fn stored_records(path: &Path) -> Vec<StoredRecord> {
    dump_raw(path)
        .into_iter()
        .filter(|(key, _)| key.len() == 9 && key[0] == b'E')
        .flat_map(|(key, value)| {
            let first = u64::from_be_bytes(key[1..].try_into().expect("8 bytes"));
            let spans = codec::record_spans(first, &value).expect("a readable entry");
            spans
                .into_iter()
                .map(|(position, span)| {
                    let bytes = &value[span];
                    let (record, hash) = bytes.split_at(bytes.len() - 32);
                    StoredRecord {
                        position,
                        record: record.to_vec(),
                        hash: Hash256(hash.try_into().expect("32 bytes")),
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn restore(path: &Path, records: Vec<StoredRecord>) -> Result<(), StoreError> {
    let mut restore = SledRestore::begin(&SledOptions::new(path))?;
    for record in records {
        restore.push(record)?;
    }
    restore.finish().map(drop)
}

#[test]
fn restored_ledger_is_identical_and_appendable() {
    // More than one restore batch (4,096 records) would make this slow in debug; the batch
    // boundary is exercised by the crash-free path either way.
    let original = source(300);
    let (original_head, original_events) = {
        let store = SledStore::open(original.path()).expect("reopening the source");
        let page = store
            .read_log(&LogQuery::forwards(1, 1_000))
            .expect("reading");
        (store.head(), page.events)
    };
    let target = tempfile::tempdir().expect("creating a temp dir");
    restore(target.path(), stored_records(original.path())).expect("restoring");

    let restored = SledStore::open(target.path()).expect("opening the restored ledger");
    assert_eq!(restored.head(), original_head);
    let report = restored.verify().expect("verifying");
    assert_eq!((report.first_damage, report.events_checked), (None, 300));
    let events = restored
        .read_log(&LogQuery::forwards(1, 1_000))
        .expect("reading")
        .events;
    assert_eq!(events, original_events);
    let last = &original_events[299];
    assert_eq!(
        restored.position_of_event(last.event_id).expect("lookup"),
        Some(300)
    );
    assert_eq!(
        restored.stream_version(&last.stream_id).expect("version"),
        100
    );

    // The chain goes on from the restored head.
    let outcome = restored
        .append(request(
            "request-1",
            ExpectedVersion::Exact(100),
            vec![event("after")],
        ))
        .expect("appending after a restore");
    assert_eq!(outcome.first_position, 301);
    assert_eq!(restored.verify().expect("verifying").first_damage, None);
}

/// What a restore makes of the source's records after `change`.
fn check(change: fn(&mut Vec<StoredRecord>), expect: &str) {
    let original = source(12);
    let mut records = stored_records(original.path());
    change(&mut records);
    let target = tempfile::tempdir().expect("creating a temp dir");
    let got = match restore(target.path(), records) {
        Ok(()) => "restored".to_string(),
        Err(error) => error.to_string(),
    };
    assert!(
        got.contains(expect),
        "got {got:?}, expected it to contain {expect:?}"
    );
    // Whatever happened, the directory never opens as a ledger with part of the records: it
    // opens whole, or empty (nothing was written), or is refused as damaged.
    match SledStore::open(target.path()) {
        Ok(store) => {
            let head = store.head().position;
            assert!(
                head == 0 || head == 12,
                "a partial ledger opened with head {head}"
            );
        }
        Err(error) => assert!(
            matches!(error, StoreError::Corrupt { .. }),
            "a failed restore left a directory that fails to open for another reason: {error}"
        ),
    }
}

#[test]
fn broken_records_stop_the_restore() {
    check(|_| {}, "restored");
    check(|records| records[4].record[20] ^= 0x01, "position 5");
    check(|records| records[6].hash.0[0] ^= 0x01, "position 7");
    check(|records| drop(records.remove(3)), "position 4");
    check(|records| records.swap(1, 2), "position 2");
}

#[test]
fn restore_refuses_a_directory_that_holds_a_ledger() {
    let original = source(3);
    let records = stored_records(original.path());
    let target = source(1);
    let error = restore(target.path(), records).expect_err("restoring over a ledger");
    assert!(
        matches!(error, StoreError::RestoreTargetNotEmpty { .. }),
        "{error}"
    );
}

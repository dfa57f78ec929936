//! Format refusal: a data dir written by a newer store format, or with damaged markers, is
//! refused with a clear error and left exactly as it was.

use govledger_core::store::sled_store::{STORE_FORMAT, SledStore};
use govledger_core::store::{EventStore, ExpectedVersion};
use govledger_tests::conformance::{describe_error, event, request};

use super::common::{dump_raw, edit_raw, open_unchecked};

/// What is done to the ledger tree's markers.
enum Marker {
    Format(Vec<u8>),
    RemoveFormat,
    Head(Vec<u8>),
    Verified(Vec<u8>),
}

#[test]
fn newer_or_corrupt_formats_are_refused_untouched() {
    let check = |marker: Marker, expect: &str, message_part: &str| {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        {
            let store = SledStore::open(dir.path()).expect("opening");
            store
                .append(request(
                    "s",
                    ExpectedVersion::Any,
                    vec![event("a"), event("b")],
                ))
                .expect("appending");
        }
        edit_raw(dir.path(), |tree| {
            let written = match &marker {
                Marker::Format(value) => tree.insert(b"Mformat", value.as_slice()),
                Marker::RemoveFormat => tree.remove(b"Mformat"),
                Marker::Head(value) => tree.insert(b"Mhead", value.as_slice()),
                Marker::Verified(value) => tree.insert(b"Mverified", value.as_slice()),
            };
            written.expect("editing a marker");
        });
        let before = dump_raw(dir.path());
        let error = match SledStore::open(dir.path()) {
            Ok(_) => panic!("{expect}: the store opened"),
            Err(error) => error,
        };
        assert_eq!(describe_error(&error), expect);
        let message = error.to_string();
        assert!(
            message.contains(message_part),
            "{message_part:?} not in {message:?}"
        );
        assert_eq!(
            dump_raw(dir.path()),
            before,
            "{expect}: the data was changed"
        );
    };
    let newer = STORE_FORMAT + 1;
    check(
        Marker::Format(newer.to_be_bytes().to_vec()),
        &format!("UnsupportedStoreFormat({newer})"),
        "upgrade govledger; the data was not touched",
    );
    check(
        Marker::Format(u32::MAX.to_be_bytes().to_vec()),
        "UnsupportedStoreFormat(4294967295)",
        "this build reads formats 1 to 2",
    );
    check(
        Marker::Format(0u32.to_be_bytes().to_vec()),
        "UnsupportedStoreFormat(0)",
        "format 0",
    );
    check(
        Marker::Format(vec![0, 0, 1]),
        "Corrupt(0)",
        "format marker is malformed",
    );
    check(
        Marker::Format(Vec::new()),
        "Corrupt(0)",
        "format marker is malformed",
    );
    check(
        Marker::RemoveFormat,
        "Corrupt(0)",
        "format marker is missing",
    );
    check(
        Marker::Head(vec![1; 39]),
        "Corrupt(0)",
        "head marker is malformed",
    );
    check(
        Marker::Verified(vec![1; 41]),
        "Corrupt(0)",
        "verified marker is malformed",
    );
}

#[test]
fn newer_format_is_refused_even_without_the_open_check() {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    drop(SledStore::open(dir.path()).expect("opening"));
    edit_raw(dir.path(), |tree| {
        tree.insert(b"Mformat", &(STORE_FORMAT + 1).to_be_bytes())
            .expect("writing the marker");
    });
    let mut options = govledger_core::store::sled_store::SledOptions::new(dir.path());
    options.check = govledger_core::store::sled_store::OpenCheck::Skip;
    let refused = SledStore::open_with(options)
        .err()
        .map(|e| describe_error(&e));
    assert_eq!(refused.as_deref(), Some("UnsupportedStoreFormat(3)"));
    // The auditor's helper would panic on refusal; the current format still opens.
    edit_raw(dir.path(), |tree| {
        tree.insert(b"Mformat", &STORE_FORMAT.to_be_bytes())
            .expect("restoring the marker");
    });
    assert_eq!(open_unchecked(dir.path()).head().position, 0);
}

/// Rewrites a format-2 ledger's index the way format 1 kept it: one `U` key per event id
/// instead of `T` buckets. Needs a ledger whose `E` entries are single records.
fn downgrade_to_format_1(tree: &sled::Tree) {
    let buckets: Vec<(sled::IVec, sled::IVec)> = tree
        .scan_prefix(b"T")
        .map(|entry| entry.expect("reading a bucket"))
        .collect();
    for (key, value) in buckets {
        for entry in value.chunks_exact(24) {
            let mut legacy = vec![b'U'];
            legacy.extend_from_slice(&entry[..16]);
            tree.insert(legacy, &entry[16..]).expect("writing a U key");
        }
        tree.remove(key).expect("removing a bucket");
    }
    tree.insert(b"Mformat", &1u32.to_be_bytes())
        .expect("writing the marker");
}

#[test]
fn format_1_ledgers_are_upgraded_at_open_with_their_records_untouched() {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let mut appended = Vec::new();
    {
        let store = SledStore::open(dir.path()).expect("opening");
        for n in 0..20 {
            let first = event(&format!("fact {n}"));
            appended.push(first.event_id);
            store
                .append(request("s", ExpectedVersion::Any, vec![first]))
                .expect("appending");
        }
    }
    edit_raw(dir.path(), downgrade_to_format_1);
    let records_before: Vec<_> = dump_raw(dir.path())
        .into_iter()
        .filter(|(key, _)| key[0] == b'E')
        .collect();
    let store = SledStore::open(dir.path()).expect("opening a format-1 ledger");
    for (n, event_id) in appended.iter().enumerate() {
        assert_eq!(
            store.position_of_event(*event_id).ok(),
            Some(Some(n as u64 + 1)),
            "event {n}"
        );
    }
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.events_checked, 20);
    let next = event("after the upgrade");
    let next_id = next.event_id;
    store
        .append(request("s", ExpectedVersion::Exact(20), vec![next]))
        .expect("appending after the upgrade");
    assert_eq!(store.position_of_event(next_id).ok(), Some(Some(21)));
    drop(store);
    let raw = dump_raw(dir.path());
    assert!(raw.iter().all(|(key, _)| key[0] != b'U'), "U keys are left");
    let format = raw.iter().find(|(key, _)| key.as_slice() == b"Mformat");
    assert_eq!(
        format.map(|(_, value)| value.clone()),
        Some(STORE_FORMAT.to_be_bytes().to_vec())
    );
    let records_after: Vec<_> = raw
        .into_iter()
        .filter(|(key, _)| key[0] == b'E')
        .take(records_before.len())
        .collect();
    assert_eq!(records_after, records_before, "the records changed");
}

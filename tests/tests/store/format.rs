//! Format refusal: a data dir written by a newer store format, or with damaged markers, is
//! refused with a clear error and left exactly as it was.

use govledger_core::store::Head;
use govledger_core::store::sled_store::{STORE_FORMAT, SledOptions, SledStore, TailLimits};
use govledger_core::store::{EventStore, ExpectedVersion};
use govledger_tests::conformance::{describe_error, event, request};

use super::common::{dump_raw, edit_raw, open_unchecked};

/// What is done to the ledger tree's markers.
enum Marker {
    Format(Vec<u8>),
    RemoveFormat,
    Head(Vec<u8>),
    Verified(Vec<u8>),
    StreamsIndexed(Vec<u8>),
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
                Marker::StreamsIndexed(value) => tree.insert(b"Mstreams_indexed", value.as_slice()),
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
        "this build reads formats 1 to 4",
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
    check(
        Marker::StreamsIndexed(vec![0; 7]),
        "Corrupt(0)",
        "stream index marker is malformed",
    );
    check(
        Marker::StreamsIndexed(3u64.to_be_bytes().to_vec()),
        "Corrupt(3)",
        "stream index covers position 3 but the head is 2",
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
    assert_eq!(
        refused.as_deref(),
        Some(format!("UnsupportedStoreFormat({})", STORE_FORMAT + 1).as_str())
    );
    // The auditor's helper would panic on refusal; the current format still opens.
    edit_raw(dir.path(), |tree| {
        tree.insert(b"Mformat", &STORE_FORMAT.to_be_bytes())
            .expect("restoring the marker");
    });
    assert_eq!(open_unchecked(dir.path()).head().position, 0);
}

/// Opens a store whose stream index is stored by every group, as format 2 wrote it.
fn open_indexing_every_group(path: &std::path::Path) -> SledStore {
    let mut options = SledOptions::new(path);
    options.stream_index_tail = TailLimits {
        events_max: 1,
        streams_max: 1,
        streams_per_group: 1,
    };
    SledStore::open_with(options).expect("opening")
}

/// Rewrites a format-3 ledger whose stream index is all stored (see
/// `open_indexing_every_group`) the way format 2 kept it: one `V` key per version, no marker.
fn downgrade_to_format_2(tree: &sled::Tree) {
    let runs: Vec<(sled::IVec, sled::IVec)> = tree
        .scan_prefix(b"V")
        .map(|entry| entry.expect("reading a run"))
        .collect();
    for (key, value) in runs {
        let (stream, first_version) = key.split_at(key.len() - 8);
        let first_version = u64::from_be_bytes(first_version.try_into().expect("8 bytes"));
        tree.remove(&key).expect("removing a run");
        for (version, position) in (first_version..).zip(value.chunks_exact(8)) {
            let mut single = stream.to_vec();
            single.extend_from_slice(&version.to_be_bytes());
            tree.insert(single, position).expect("writing a V key");
        }
    }
    tree.remove(b"Mstreams_indexed")
        .expect("removing the marker");
    tree.insert(b"Mformat", &2u32.to_be_bytes())
        .expect("writing the marker");
}

/// Rewrites a format-3 ledger the way format 1 kept it: format 2's stream index, and one `U`
/// key per event id instead of `T` buckets. Needs a ledger whose `E` entries are single
/// records and whose stream index is all stored.
fn downgrade_to_format_1(tree: &sled::Tree) {
    downgrade_to_format_2(tree);
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
        let store = open_indexing_every_group(dir.path());
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

/// Each stream's events (positions from version 1).
fn streams_of(store: &SledStore) -> Vec<(String, u64, Vec<u64>)> {
    ["request-1", "request-2", "mediation-1"]
        .into_iter()
        .map(|name| {
            let stream = govledger_core::event::StreamId::new(name).expect("valid stream");
            let version = store.stream_version(&stream).expect("reading a version");
            let events = store
                .read_stream(&stream, 1, 1000)
                .expect("reading a stream");
            let positions = events.iter().map(|e| e.position).collect();
            (name.to_string(), version, positions)
        })
        .collect()
}

#[test]
fn format_2_ledgers_are_upgraded_at_open_with_their_index_kept() {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let before = {
        let store = open_indexing_every_group(dir.path());
        for n in 0..12 {
            let stream = ["request-1", "request-2", "mediation-1"][n % 3];
            let events = (0..=n % 2)
                .map(|k| event(&format!("fact {n}.{k}")))
                .collect();
            store
                .append(request(stream, ExpectedVersion::Any, events))
                .expect("appending");
        }
        streams_of(&store)
    };
    edit_raw(dir.path(), downgrade_to_format_2);
    let index_before: Vec<_> = dump_raw(dir.path())
        .into_iter()
        .filter(|(key, _)| key[0] == b'V')
        .collect();
    assert!(index_before.iter().all(|(_, value)| value.len() == 8));
    let store = SledStore::open(dir.path()).expect("opening a format-2 ledger");
    assert_eq!(streams_of(&store), before);
    let head: Head = store.head();
    assert_eq!(head.position, 18);
    drop(store);
    let raw = dump_raw(dir.path());
    let marker = |name: &[u8]| {
        raw.iter()
            .find(|(key, _)| key.as_slice() == name)
            .map(|(_, value)| value.clone())
    };
    assert_eq!(
        marker(b"Mformat"),
        Some(STORE_FORMAT.to_be_bytes().to_vec())
    );
    assert_eq!(
        marker(b"Mstreams_indexed"),
        Some(18u64.to_be_bytes().to_vec())
    );
    let index_after: Vec<_> = raw.into_iter().filter(|(key, _)| key[0] == b'V').collect();
    assert_eq!(
        index_after, index_before,
        "the upgrade rewrote the stream index"
    );
    let store = SledStore::open(dir.path()).expect("reopening the upgraded ledger");
    store
        .append(request(
            "request-2",
            ExpectedVersion::Exact(6),
            vec![event("after")],
        ))
        .expect("appending after the upgrade");
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
}

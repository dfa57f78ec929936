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
        "this build reads format 1 only",
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
    assert_eq!(refused.as_deref(), Some("UnsupportedStoreFormat(2)"));
    // The auditor's helper would panic on refusal; the current format still opens.
    edit_raw(dir.path(), |tree| {
        tree.insert(b"Mformat", &STORE_FORMAT.to_be_bytes())
            .expect("restoring the marker");
    });
    assert_eq!(open_unchecked(dir.path()).head().position, 0);
}

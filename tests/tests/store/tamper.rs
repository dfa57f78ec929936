//! Tamper evidence: a changed, truncated, rewritten or missing stored record is named by
//! `verify`, and the open check refuses damage it has not verified before.

use std::path::Path;

use govledger_core::codec::{self, Placement};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, ExpectedVersion};
use govledger_tests::conformance::{describe_error, event, request};

use super::common::{edit_raw, event_key, open_unchecked};

/// Events every case starts with.
const SEEDED_EVENTS: u64 = 10;

/// A fresh data dir with `SEEDED_EVENTS` events on two streams; the store is closed.
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let store = SledStore::open(dir.path()).expect("opening");
    for n in 0..SEEDED_EVENTS {
        let stream_id = if n % 2 == 0 { "request-1" } else { "request-2" };
        store
            .append(request(
                stream_id,
                ExpectedVersion::Any,
                vec![event(&format!("payload number {n}"))],
            ))
            .expect("seeding");
    }
    dir
}

/// What is done to the stored record at one position.
enum Tamper {
    FlipPayloadByte,
    FlipTrailingHashByte,
    FlipFormatTag,
    Truncate {
        keep_bytes: usize,
    },
    Remove,
    /// Re-encoded with another payload and a correctly recomputed own hash, as a forger with
    /// write access would: only the chain (the head, or the next record) can tell.
    Reseal,
}

fn tamper(path: &Path, position: u64, how: Tamper) {
    let resealed = match how {
        Tamper::Reseal => {
            let store = open_unchecked(path);
            let original = store
                .read_event(position)
                .expect("reading")
                .expect("event exists");
            let mut forged = event("forged payload");
            forged.event_id = original.event_id;
            let placement = Placement {
                position,
                stream_id: &original.stream_id,
                stream_version: original.stream_version,
                recorded_at: original.recorded_at,
                prev_hash: original.prev_hash,
            };
            Some(
                codec::seal_record(&forged, &placement)
                    .expect("sealing")
                    .value,
            )
        }
        _ => None,
    };
    edit_raw(path, |tree| {
        let key = event_key(position);
        let mut value = tree
            .get(key)
            .expect("reading raw")
            .expect("record exists")
            .to_vec();
        match how {
            Tamper::FlipPayloadByte => {
                let at = value.len() - 32 - 3;
                value[at] ^= 0x01;
            }
            Tamper::FlipTrailingHashByte => {
                let last = value.len() - 1;
                value[last] ^= 0x80;
            }
            Tamper::FlipFormatTag => value[0] = 9,
            Tamper::Truncate { keep_bytes } => value.truncate(keep_bytes),
            Tamper::Remove => {
                tree.remove(key).expect("removing");
                return;
            }
            Tamper::Reseal => value = resealed.clone().expect("resealed above"),
        }
        tree.insert(key, value).expect("writing raw");
    });
}

#[test]
fn verify_names_the_first_damaged_position() {
    // (tampered position, how, the position verify names, a part of the reason)
    let check = |tampered: u64, how: Tamper, position: u64, expect_reason: &str| {
        let dir = seeded();
        tamper(dir.path(), tampered, how);
        let store = open_unchecked(dir.path());
        let report = store.verify().expect("verify runs on a damaged ledger");
        let damage = report.first_damage.clone().expect("damage is reported");
        assert_eq!(damage.position, position, "{damage:?}");
        assert!(
            damage.reason.contains(expect_reason),
            "{expect_reason:?} not in {damage:?}"
        );
        // Everything before the damage verified (a bad head hash is found after the walk).
        assert!(report.events_checked >= position - 1, "{report:?}");
    };
    check(5, Tamper::FlipPayloadByte, 5, "hash mismatch");
    check(1, Tamper::FlipPayloadByte, 1, "hash mismatch");
    check(10, Tamper::FlipPayloadByte, 10, "hash mismatch");
    check(5, Tamper::FlipTrailingHashByte, 5, "hash mismatch");
    check(5, Tamper::FlipFormatTag, 5, "hash mismatch");
    check(5, Tamper::Truncate { keep_bytes: 40 }, 5, "hash mismatch");
    check(5, Tamper::Truncate { keep_bytes: 20 }, 5, "truncated");
    check(5, Tamper::Remove, 5, "missing");
    check(10, Tamper::Remove, 10, "log ends at position 9");
    // A forged record with a recomputed own hash is consistent in itself; the next link (or
    // the head marker, for the last record) no longer fits.
    check(5, Tamper::Reseal, 6, "hash mismatch");
    check(10, Tamper::Reseal, 10, "head hash does not match");
}

#[test]
fn reads_refuse_damaged_records() {
    let dir = seeded();
    tamper(dir.path(), 4, Tamper::FlipFormatTag);
    tamper(dir.path(), 6, Tamper::Remove);
    let store = open_unchecked(dir.path());
    let check = |position: u64, expect: &str| {
        let got = match store.read_event(position) {
            Ok(found) => format!("{:?}", found.map(|e| e.position)),
            Err(error) => describe_error(&error),
        };
        assert_eq!(got, expect, "position {position}");
    };
    check(3, "Some(3)");
    check(4, "UnknownRecordFormat(4, tag 9)");
    check(6, "Corrupt(6)");
}

#[test]
fn open_check_refuses_damage_it_has_not_verified() {
    // (reopen before tampering, so the damage is behind the verified point; position; how;
    // what a checked open answers)
    let check = |verified_first: bool, position: u64, how: Tamper, expect: &str| {
        let dir = seeded();
        if verified_first {
            drop(SledStore::open(dir.path()).expect("the clean reopen verifies"));
        }
        tamper(dir.path(), position, how);
        let got = match SledStore::open(dir.path()) {
            Ok(_) => "opened".to_string(),
            Err(error) => describe_error(&error),
        };
        assert_eq!(
            got, expect,
            "position {position}, verified first: {verified_first}"
        );
        // Whatever the open check decided, a full verify names the damage.
        let report = open_unchecked(dir.path()).verify().expect("verify runs");
        assert_eq!(report.first_damage.map(|d| d.position), Some(position));
    };
    check(false, 5, Tamper::FlipPayloadByte, "Corrupt(5)");
    check(false, 9, Tamper::FlipTrailingHashByte, "Corrupt(9)");
    check(false, 7, Tamper::Remove, "Corrupt(7)");
    check(false, 10, Tamper::Remove, "Corrupt(10)");
    // The open check is cheap: it re-checks the verified point itself and what came after,
    // so older damage is left to the full `verify` (which an operator schedules).
    check(true, 5, Tamper::FlipPayloadByte, "opened");
    check(true, 10, Tamper::FlipPayloadByte, "Corrupt(10)");
    check(true, 10, Tamper::Remove, "Corrupt(10)");
}

#[test]
fn open_check_covers_appends_since_the_last_verify() {
    let dir = seeded();
    {
        let store = SledStore::open(dir.path()).expect("opening");
        let report = store.verify().expect("verifying");
        assert_eq!(report.first_damage, None);
        for n in 0..5 {
            store
                .append(request(
                    "request-3",
                    ExpectedVersion::Any,
                    vec![event(&n.to_string())],
                ))
                .expect("appending after the verify");
        }
    }
    tamper(dir.path(), 13, Tamper::FlipPayloadByte);
    let refused = SledStore::open(dir.path())
        .err()
        .map(|e| describe_error(&e));
    assert_eq!(refused.as_deref(), Some("Corrupt(13)"));
}

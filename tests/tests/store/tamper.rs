//! Tamper evidence: a changed, truncated, rewritten or missing stored record is named by
//! `verify`, and the open check refuses damage it has not verified before. The record cases
//! run on sled and on PostgreSQL; chunks, stream-index runs and the verified marker are
//! sled's own.

use std::path::Path;
use std::sync::Arc;

use govledger_core::codec::{self, Placement};
use govledger_core::event::StreamId;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::{OpenCheck, SledOptions, SledStore, TailLimits};
use govledger_core::store::{EventStore, ExpectedVersion};
use govledger_tests::conformance::{describe_error, event, request};
use govledger_tests::postgres::TestDatabase;

use super::common::{edit_raw, event_key, open_unchecked};

/// Events every case starts with.
const SEEDED_EVENTS: u64 = 10;

/// A fresh data dir with `SEEDED_EVENTS` events on two streams; the store is closed.
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    seed(&SledStore::open(dir.path()).expect("opening"));
    dir
}

fn seed(store: &dyn EventStore) {
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
}

/// What is done to the stored record at one position.
#[derive(Clone, Copy)]
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

/// A seeded ledger on one backend, closed, to be tampered with.
trait SeededLedger {
    fn tamper(&self, position: u64, how: Tamper);
    /// Opens without the open check (an auditor's view).
    fn open_unchecked(&self) -> Arc<dyn EventStore>;
}

impl SeededLedger for tempfile::TempDir {
    fn tamper(&self, position: u64, how: Tamper) {
        tamper(self.path(), position, how);
    }

    fn open_unchecked(&self) -> Arc<dyn EventStore> {
        Arc::new(open_unchecked(self.path()))
    }
}

/// The PostgreSQL ledger, tampered with through SQL as someone with write access would.
impl SeededLedger for TestDatabase {
    fn tamper(&self, position: u64, how: Tamper) {
        let at = format!("WHERE position = {position}");
        let set = |value: &str| format!("UPDATE govledger_events SET record = {value} {at}");
        let sql = match how {
            Tamper::FlipPayloadByte => set(
                "set_byte(record, length(record) - 35, get_byte(record, length(record) - 35) # 1)",
            ),
            Tamper::FlipTrailingHashByte => set(
                "set_byte(record, length(record) - 1, get_byte(record, length(record) - 1) # 128)",
            ),
            Tamper::FlipFormatTag => set("set_byte(record, 0, 9)"),
            Tamper::Truncate { keep_bytes } => {
                set(&format!("substring(record from 1 for {keep_bytes})"))
            }
            Tamper::Remove => format!("DELETE FROM govledger_events {at}"),
            Tamper::Reseal => {
                let forged = resealed(self.open_unchecked().as_ref(), position);
                let hex: String = forged.iter().map(|byte| format!("{byte:02x}")).collect();
                set(&format!("decode('{hex}', 'hex')"))
            }
        };
        self.execute(&sql);
    }

    fn open_unchecked(&self) -> Arc<dyn EventStore> {
        let mut options = self.options();
        options.check = OpenCheck::Skip;
        Arc::new(PostgresStore::open(&options).expect("opening without the check"))
    }
}

/// A seeded PostgreSQL ledger, or `None` (said) without a server.
fn seeded_postgres(test: &str) -> Option<TestDatabase> {
    let database = TestDatabase::create(test)?;
    seed(&database.open());
    Some(database)
}

/// The record at `position` re-encoded with a forged payload and a recomputed own hash.
fn resealed(store: &dyn EventStore, position: u64) -> Vec<u8> {
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
    codec::seal_record(&forged, &placement)
        .expect("sealing")
        .value
}

fn tamper(path: &Path, position: u64, how: Tamper) {
    let resealed = match how {
        Tamper::Reseal => Some(resealed(&open_unchecked(path), position)),
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

/// (tampered position, how, the position verify names, a part of the reason) on any backend.
fn check_verify_names(
    seeded: &dyn Fn() -> Option<Box<dyn SeededLedger>>,
    tampered: u64,
    how: Tamper,
    position: u64,
    expect_reason: &str,
) {
    let Some(ledger) = seeded() else {
        return;
    };
    ledger.tamper(tampered, how);
    let store = ledger.open_unchecked();
    let report = store.verify().expect("verify runs on a damaged ledger");
    let damage = report.first_damage.clone().expect("damage is reported");
    assert_eq!(damage.position, position, "{damage:?}");
    assert!(
        damage.reason.contains(expect_reason),
        "{expect_reason:?} not in {damage:?}"
    );
    // Everything before the damage verified (a bad head hash is found after the walk).
    assert!(report.events_checked >= position - 1, "{report:?}");
}

/// The cases both backends answer alike.
const SHARED_CASES: &[(u64, Tamper, u64, &str)] = &[
    (5, Tamper::FlipPayloadByte, 5, "hash mismatch"),
    (1, Tamper::FlipPayloadByte, 1, "hash mismatch"),
    (10, Tamper::FlipPayloadByte, 10, "hash mismatch"),
    (5, Tamper::FlipTrailingHashByte, 5, "hash mismatch"),
    (5, Tamper::FlipFormatTag, 5, "hash mismatch"),
    (5, Tamper::Truncate { keep_bytes: 40 }, 5, "hash mismatch"),
    (5, Tamper::Truncate { keep_bytes: 20 }, 5, "truncated"),
    (5, Tamper::Remove, 5, "missing"),
    (10, Tamper::Remove, 10, "log ends at position 9"),
];

#[test]
fn verify_names_the_first_damaged_position() {
    let seeded = || Some(Box::new(seeded()) as Box<dyn SeededLedger>);
    for (tampered, how, position, reason) in SHARED_CASES {
        check_verify_names(&seeded, *tampered, *how, *position, reason);
    }
    // A forged record with a recomputed own hash is consistent in itself, and the next link
    // (or the head marker, for the last record) would name the following position; the
    // Merkle tree's stored hashes (ADR 0006) no longer fit the record itself.
    check_verify_names(&seeded, 5, Tamper::Reseal, 5, "Merkle tree");
    check_verify_names(&seeded, 10, Tamper::Reseal, 10, "Merkle tree");
}

#[test]
fn verify_names_the_first_damaged_position_on_postgres() {
    let test = "verify_names_the_first_damaged_position_on_postgres";
    if TestDatabase::create(test).is_none() {
        return;
    }
    let seeded = || seeded_postgres(test).map(|db| Box::new(db) as Box<dyn SeededLedger>);
    for (tampered, how, position, reason) in SHARED_CASES {
        check_verify_names(&seeded, *tampered, *how, *position, reason);
    }
    // As on sled: the stored tree hashes (ADR 0024) no longer fit the forged record itself.
    check_verify_names(&seeded, 5, Tamper::Reseal, 5, "Merkle tree");
    check_verify_names(&seeded, 10, Tamper::Reseal, 10, "Merkle tree");
}

fn check_reads_refuse_damaged_records(ledger: &dyn SeededLedger) {
    ledger.tamper(4, Tamper::FlipFormatTag);
    ledger.tamper(6, Tamper::Remove);
    let store = ledger.open_unchecked();
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
fn reads_refuse_damaged_records() {
    check_reads_refuse_damaged_records(&seeded());
    if let Some(database) = seeded_postgres("reads_refuse_damaged_records") {
        check_reads_refuse_damaged_records(&database);
    }
}

/// PostgreSQL's open check compares the head row with the last stored record (the full walk
/// is `verify`'s).
#[test]
fn postgres_open_check_refuses_a_damaged_head() {
    let check = |position: u64, how: Tamper, expect: &str| {
        let Some(database) = seeded_postgres("postgres_open_check_refuses_a_damaged_head") else {
            return;
        };
        database.tamper(position, how);
        let got = match PostgresStore::open(&database.options()) {
            Ok(_) => "opened".to_string(),
            Err(error) => describe_error(&error),
        };
        assert_eq!(got, expect, "position {position}");
    };
    check(10, Tamper::FlipPayloadByte, "Corrupt(10)");
    check(10, Tamper::Remove, "Corrupt(10)");
    check(5, Tamper::FlipPayloadByte, "opened");
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

/// The first position of the chunk `seeded_with_chunk` appends.
const CHUNK_FIRST: u64 = SEEDED_EVENTS + 1;
const CHUNK_RECORDS: u64 = 6;

/// `seeded()` plus one append of `CHUNK_RECORDS` events, stored as one chunk.
fn seeded_with_chunk() -> tempfile::TempDir {
    let dir = seeded();
    let store = SledStore::open(dir.path()).expect("opening");
    let events = (0..CHUNK_RECORDS)
        .map(|n| event(&format!("chunked fact {n}")))
        .collect();
    store
        .append(request("request-9", ExpectedVersion::NoStream, events))
        .expect("appending a chunk");
    dir
}

/// What is done to the stored chunk.
enum ChunkTamper {
    /// Flips a payload byte of the record at this position, inside the chunk.
    FlipPayloadByteOf(u64),
    /// Changes the chunk's record count.
    FlipCount,
    Remove,
}

fn tamper_chunk(path: &Path, how: ChunkTamper) {
    edit_raw(path, |tree| {
        let key = event_key(CHUNK_FIRST);
        let mut value = tree
            .get(key)
            .expect("reading raw")
            .expect("chunk exists")
            .to_vec();
        assert_eq!(
            value[0],
            codec::RECORD_CHUNK_FORMAT,
            "the append is a chunk"
        );
        match how {
            ChunkTamper::FlipPayloadByteOf(position) => {
                let spans = codec::record_spans(CHUNK_FIRST, &value).expect("a whole chunk");
                let (_, span) = spans
                    .into_iter()
                    .find(|(at, _)| *at == position)
                    .expect("the position is in the chunk");
                value[span.end - 32 - 3] ^= 0x01;
            }
            ChunkTamper::FlipCount => value[1] ^= 0x01,
            ChunkTamper::Remove => {
                tree.remove(key).expect("removing");
                return;
            }
        }
        tree.insert(key, value).expect("writing raw");
    });
}

#[test]
fn verify_names_damage_inside_a_chunk() {
    let check = |how: ChunkTamper, position: u64, expect_reason: &str| {
        let dir = seeded_with_chunk();
        tamper_chunk(dir.path(), how);
        let report = open_unchecked(dir.path()).verify().expect("verify runs");
        let damage = report.first_damage.expect("damage is reported");
        assert_eq!(damage.position, position, "{damage:?}");
        assert!(
            damage.reason.contains(expect_reason),
            "{expect_reason:?} not in {damage:?}"
        );
        // A checked open refuses it too.
        let refused = SledStore::open(dir.path())
            .err()
            .map(|e| describe_error(&e));
        assert_eq!(refused, Some(format!("Corrupt({position})")));
    };
    check(ChunkTamper::FlipPayloadByteOf(13), 13, "hash mismatch");
    check(ChunkTamper::FlipPayloadByteOf(16), 16, "hash mismatch");
    check(ChunkTamper::FlipCount, CHUNK_FIRST, "record chunk");
    check(ChunkTamper::Remove, CHUNK_FIRST, "log ends at position 10");
}

#[test]
fn a_chunk_reads_back_record_by_record() {
    let dir = seeded_with_chunk();
    let store = SledStore::open(dir.path()).expect("opening");
    for position in 1..CHUNK_FIRST + CHUNK_RECORDS {
        let event = store.read_event(position).expect("reading");
        assert_eq!(event.map(|e| e.position), Some(position));
    }
    assert_eq!(
        store
            .read_event(CHUNK_FIRST + CHUNK_RECORDS)
            .expect("reading")
            .map(|e| e.position),
        None
    );
    let stream = store
        .read_stream(&StreamId::new("request-9").expect("a stream id"), 3, 10)
        .expect("reading the stream");
    let positions: Vec<u64> = stream.iter().map(|e| e.position).collect();
    assert_eq!(positions, vec![13, 14, 15, 16]);
}

#[test]
fn verify_names_a_damaged_stream_index_run() {
    let dir = tempfile::tempdir().expect("creating a temp dir");
    {
        // Every group stores its stream-index entries, so the runs are on disk.
        let mut options = SledOptions::new(dir.path());
        options.stream_index_tail = TailLimits {
            events_max: 1,
            streams_max: 1,
            streams_per_group: 1,
        };
        let store = SledStore::open_with(options).expect("opening");
        let events = (0..4).map(|n| event(&format!("fact {n}"))).collect();
        store
            .append(request("request-1", ExpectedVersion::NoStream, events))
            .expect("appending");
    }
    // The run of request-1 from version 1: point version 3 at position 4.
    edit_raw(dir.path(), |tree| {
        let mut key = b"Vrequest-1\0".to_vec();
        key.extend_from_slice(&1u64.to_be_bytes());
        let mut run = tree.get(&key).expect("reading").expect("the run").to_vec();
        assert_eq!(run.len(), 4 * 8, "one run of four versions");
        run[2 * 8..3 * 8].copy_from_slice(&4u64.to_be_bytes());
        tree.insert(key, run).expect("writing the run");
    });
    let report = open_unchecked(dir.path()).verify().expect("verify runs");
    let damage = report.first_damage.expect("damage found");
    assert_eq!(damage.position, 3);
    assert_eq!(damage.reason, "stream index does not point at this event");
}

//! The Merkle tree kept by both stores (ADR 0006, 0024), through `TransparencyLog`: its
//! hashes follow the log through both commit paths, reopening, restoring and upgrading
//! (sled's format 3, PostgreSQL's schema 1); proofs from the store verify against a tree
//! rebuilt from the records; the same records give the same roots, proofs and stored hashes
//! on sled and on PostgreSQL, also written by two PostgreSQL nodes at once; `verify` finds a
//! tampered tree hash; signed checkpoints (ADR 0007) are kept, one per size however many
//! nodes sign, and each extends the one before.

use std::path::Path;
use std::sync::Arc;

use govledger_core::error::StoreError;
use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::hash::Hash256 as Hash;
use govledger_core::limits::{
    EVENT_TYPE_BYTES_MAX, PAYLOAD_BYTES_MAX, ROLE_BYTES_MAX, STREAM_ID_BYTES_MAX,
    TILE_ENTRY_BYTES_MAX,
};
use govledger_core::store::postgres_store::PostgresRestore;
use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::store::sled_store::{
    OpenCheck, SledOptions, SledRestore, SledStore, StoredRecord,
};
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, TransparencyLog};
use govledger_core::time::Timestamp;
use govledger_core::tlog::key_file::{NewOrigin, load_or_create};
use govledger_core::tlog::note::NoteVerifier;
use govledger_core::tlog::tile::Tile;
use govledger_core::tlog::{
    Checkpoint, MemoryTree, ProofError, leaf_hash, verify_consistency, verify_inclusion,
};
use govledger_tests::postgres::TestDatabase;
use uuid::Uuid;

fn event(payload: Vec<u8>) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
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
        payload,
    }
}

fn request(stream: usize, events: usize) -> AppendRequest {
    AppendRequest {
        stream: StreamId::new(format!("case-{stream}")).expect("stream id"),
        expected: ExpectedVersion::Any,
        events: (0..events)
            .map(|i| event(vec![i as u8; 1 + i * 7]))
            .collect(),
        idempotency: None,
    }
}

/// Appends `rounds` rounds: a few lone appends, then a burst of submits the writer groups.
fn append_rounds(store: &dyn EventStore, rounds: usize) {
    for round in 0..rounds {
        for lone in 0..3 {
            store
                .append(request(round * 10 + lone, 1 + lone))
                .expect("lone append");
        }
        let pending: Vec<_> = (0..40)
            .map(|i| store.submit(request(i % 7, 1 + i % 4)))
            .collect();
        for append in pending {
            append.wait().expect("grouped append");
        }
    }
}

/// The tree rebuilt from the store's records.
fn tree_from_records(store: &dyn TransparencyLog) -> MemoryTree {
    let head = store.head().position;
    let mut tree = MemoryTree::new();
    let mut first = 0;
    while first < head {
        let count = (head - first).min(256);
        for record in store.tree_leaves(first, count).expect("leaves") {
            tree.push(&record);
        }
        first += count;
    }
    tree
}

/// Every size's root, and proofs at a spread of sizes, agree with the rebuilt tree.
fn check_tree(store: &dyn TransparencyLog) {
    let reference = tree_from_records(store);
    let head = store.head().position;
    assert_eq!(reference.size(), head);
    assert_eq!(store.tree_root(head).expect("root"), reference.root());
    let sizes: Vec<u64> = [1, 2, 3, head / 3, head / 2, head - 1, head]
        .into_iter()
        .filter(|s| (1..=head).contains(s))
        .collect();
    for &size in &sizes {
        let root = store.tree_root(size).expect("root");
        assert_eq!(
            root,
            govledger_core::tlog::tree_root(size, &reference).expect("reference root")
        );
        for leaf in [0, size / 2, size - 1] {
            let proof = store.inclusion_proof(size, leaf).expect("inclusion proof");
            let leaf_bytes = &store.tree_leaves(leaf, 1).expect("leaf")[0];
            assert_eq!(
                verify_inclusion(leaf, size, &leaf_hash(leaf_bytes), &proof, &root),
                Ok(()),
                "leaf {leaf} of {size}"
            );
        }
        for &old in sizes.iter().filter(|&&old| old <= size) {
            let proof = store
                .consistency_proof(old, size)
                .expect("consistency proof");
            let old_root = store.tree_root(old).expect("old root");
            assert_eq!(
                verify_consistency(old, size, &old_root, &root, &proof),
                Ok(()),
                "{old} → {size}"
            );
        }
    }
}

/// Where a test's ledger lives: a sled directory or a PostgreSQL database, opened (and
/// reopened) as a `TransparencyLog`.
enum Backend {
    Sled(tempfile::TempDir),
    Postgres(TestDatabase),
}

impl Backend {
    fn open(&self) -> Arc<dyn TransparencyLog> {
        match self {
            Backend::Sled(dir) => Arc::new(SledStore::open(dir.path()).expect("open sled")),
            Backend::Postgres(database) => Arc::new(database.open()),
        }
    }
}

/// Runs `check` on a fresh sled ledger, then on a fresh PostgreSQL one (skipped, saying so,
/// when no server answers, unless `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`).
fn on_both(test: &str, check: impl Fn(&Backend)) {
    check(&Backend::Sled(tempfile::tempdir().expect("temp dir")));
    if let Some(database) = TestDatabase::create(test) {
        check(&Backend::Postgres(database));
    }
}

/// The store's records as a restore takes them.
fn stored_records(store: &dyn TransparencyLog) -> Vec<StoredRecord> {
    (0..store.head().position)
        .map(|leaf| StoredRecord {
            position: leaf + 1,
            record: store.tree_leaves(leaf, 1).expect("leaf").remove(0),
            hash: store
                .read_event(leaf + 1)
                .expect("read")
                .expect("event")
                .hash,
        })
        .collect()
}

/// Two stores hold the same tree: every root, the proofs of a spread of sizes and every
/// stored hash are equal, byte for byte.
fn assert_same_tree(left: &dyn TransparencyLog, right: &dyn TransparencyLog) {
    let head = left.head().position;
    assert_eq!(right.head(), left.head());
    for size in 0..=head {
        assert_eq!(
            left.tree_root(size).ok(),
            right.tree_root(size).ok(),
            "{size}"
        );
    }
    for size in [1, head / 3, head / 2, head - 1, head] {
        for leaf in [0, size / 2, size.saturating_sub(1)] {
            assert_eq!(
                left.inclusion_proof(size, leaf).expect("left inclusion"),
                right.inclusion_proof(size, leaf).expect("right inclusion"),
                "leaf {leaf} of {size}"
            );
        }
        for old in [1, size / 2, size] {
            assert_eq!(
                left.consistency_proof(old.max(1), size)
                    .expect("left consistency"),
                right
                    .consistency_proof(old.max(1), size)
                    .expect("right consistency"),
                "{old} → {size}"
            );
        }
    }
    let numbers: Vec<u64> = (0..govledger_core::tlog::stored_hash_count(head)).collect();
    assert_eq!(
        left.stored_tree_hashes(&numbers).expect("left hashes"),
        right.stored_tree_hashes(&numbers).expect("right hashes")
    );
}

#[test]
fn the_tree_follows_the_log_through_both_commit_paths_and_reopening() {
    on_both("the_tree_follows_the_log", |ledger| {
        let store = ledger.open();
        assert_eq!(store.tree_root(0).expect("empty root"), Hash::of_bytes(b""));
        append_rounds(store.as_ref(), 3);
        check_tree(store.as_ref());
        let root_before = store.tree_root(store.head().position).expect("root");
        drop(store);

        let store = ledger.open();
        assert_eq!(
            store.tree_root(store.head().position).expect("root"),
            root_before
        );
        append_rounds(store.as_ref(), 2);
        check_tree(store.as_ref());
        let report = store.verify().expect("verify");
        assert_eq!(report.first_damage, None);
    });
}

#[test]
fn impossible_tree_requests_are_refused() {
    on_both("impossible_tree_requests", |ledger| {
        impossible_tree_requests_are_refused_by(ledger.open().as_ref());
    });
}

fn impossible_tree_requests_are_refused_by(store: &dyn TransparencyLog) {
    append_rounds(store, 1);
    let head = store.head().position;
    let refused = |result: Result<Vec<Hash>, StoreError>| result.expect_err("refused").to_string();
    assert!(matches!(
        store.tree_root(head + 1),
        Err(StoreError::TreeSizeBeyondHead { .. })
    ));
    assert!(refused(store.inclusion_proof(head, head)).contains("not in a tree"));
    assert!(refused(store.consistency_proof(0, head)).contains("empty tree"));
    assert!(matches!(
        store.consistency_proof(head, head - 1),
        Err(StoreError::ProofNotPossible(
            ProofError::SizesDecrease { .. }
        ))
    ));
    assert!(matches!(
        store.tree_leaves(head, 1),
        Err(StoreError::TreeSizeBeyondHead { .. })
    ));
}

#[test]
fn the_largest_record_fits_a_tile_entry() {
    on_both("the_largest_record_fits", |ledger| {
        the_largest_record_fits_a_tile_entry_of(ledger.open().as_ref());
    });
}

fn the_largest_record_fits_a_tile_entry_of(store: &dyn TransparencyLog) {
    let mut largest = event(vec![0xff; PAYLOAD_BYTES_MAX]);
    largest.event_type = EventType::new("E".repeat(EVENT_TYPE_BYTES_MAX)).expect("longest type");
    largest.actor.role = "r".repeat(ROLE_BYTES_MAX);
    largest.actor.organisation_id = Some(Uuid::max());
    largest.causation_id = Some(Uuid::max());
    largest.schema_version = u16::MAX;
    largest.occurred_at = Timestamp::from_unix_micros(7_000_000_000_000_000);
    let stream = StreamId::new("s".repeat(STREAM_ID_BYTES_MAX)).expect("longest stream");
    store
        .append(AppendRequest {
            stream,
            expected: ExpectedVersion::Any,
            events: vec![largest],
            idempotency: None,
        })
        .expect("the largest event is accepted");
    let record = &store.tree_leaves(0, 1).expect("leaf")[0];
    assert!(
        record.len() <= TILE_ENTRY_BYTES_MAX,
        "record of {} bytes",
        record.len()
    );
}

fn ledger_tree(dir: &Path) -> (sled::Db, sled::Tree) {
    let db = sled::open(dir).expect("sled open");
    let tree = db.open_tree(b"ledger").expect("ledger tree");
    (db, tree)
}

#[test]
fn verify_names_a_tampered_tree_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SledStore::open(dir.path()).expect("open"));
    append_rounds(store.as_ref(), 1);
    drop(store);
    {
        let (db, tree) = ledger_tree(dir.path());
        let (key, value) = tree
            .scan_prefix(b"H")
            .nth(1)
            .expect("an H entry")
            .expect("read");
        let mut tampered = value.to_vec();
        tampered[40] ^= 1;
        tree.insert(key, tampered).expect("tamper");
        db.flush().expect("flush");
    }
    let mut options = SledOptions::new(dir.path());
    options.check = OpenCheck::Skip;
    let store = SledStore::open_with(options).expect("open for audit");
    let damage = store
        .verify()
        .expect("verify")
        .first_damage
        .expect("damage found");
    assert!(damage.reason.contains("Merkle tree"), "{damage:?}");
}

#[test]
fn format_3_ledgers_get_their_tree_at_open_and_restores_keep_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SledStore::open(dir.path()).expect("open"));
    append_rounds(store.as_ref(), 2);
    let head = store.head().position;
    let root = store.tree_root(head).expect("root");
    let records = stored_records(store.as_ref());
    drop(store);
    {
        let (db, tree) = ledger_tree(dir.path());
        for entry in tree.scan_prefix(b"H") {
            tree.remove(entry.expect("read").0).expect("remove");
        }
        tree.insert(b"Mformat", &3u32.to_be_bytes())
            .expect("format 3");
        db.flush().expect("flush");
    }
    let store = SledStore::open(dir.path()).expect("upgrading open");
    assert_eq!(store.tree_root(head).expect("root"), root);
    assert_eq!(store.verify().expect("verify").first_damage, None);
    drop(store);

    let restored = tempfile::tempdir().expect("temp dir");
    let mut restore = SledRestore::begin(&SledOptions::new(restored.path())).expect("begin");
    for record in records {
        restore.push(record).expect("push");
    }
    restore.finish().expect("finish");
    let store = SledStore::open(restored.path()).expect("open restored");
    assert_eq!(store.tree_root(head).expect("root"), root);
    assert_eq!(store.verify().expect("verify").first_damage, None);
}

#[test]
fn signed_checkpoints_are_kept_and_extend_each_other() {
    on_both(
        "signed_checkpoints",
        signed_checkpoints_are_kept_and_extend_each_other_in,
    );
}

fn signed_checkpoints_are_kept_and_extend_each_other_in(ledger: &Backend) {
    let keys = tempfile::tempdir().expect("key dir");
    let signer = load_or_create(
        keys.path(),
        &NewOrigin::Default {
            community: "test".into(),
        },
    )
    .expect("key");
    let verifier = NoteVerifier::parse(&signer.verifier().to_text()).expect("verifier key");
    let store = ledger.open();
    let empty = store.sign_checkpoint(&signer).expect("sign the empty tree");
    assert_eq!(empty.tree_size, 0);
    append_rounds(store.as_ref(), 1);
    let first = store.sign_checkpoint(&signer).expect("sign");
    assert_eq!(
        store.sign_checkpoint(&signer).expect("sign again"),
        first,
        "one per size"
    );
    append_rounds(store.as_ref(), 1);
    let second = store.sign_checkpoint(&signer).expect("sign");
    drop(store);

    let store = ledger.open();
    assert_eq!(
        store.latest_checkpoint().expect("latest"),
        Some(second.clone())
    );
    let kept = store.checkpoints(None, 10).expect("list");
    assert_eq!(kept, vec![second.clone(), first.clone(), empty]);
    assert_eq!(
        store.checkpoints(Some(second.tree_size), 1).expect("page"),
        vec![first.clone()]
    );

    let open = |kept: &StoredCheckpoint| {
        Checkpoint::parse(verifier.open(&kept.note).expect("signed")).expect("checkpoint text")
    };
    let (old, new) = (open(&first), open(&second));
    assert_eq!(old.origin, signer.name());
    assert_eq!(new.root, store.tree_root(second.tree_size).expect("root"));
    let proof = store
        .consistency_proof(old.tree_size, new.tree_size)
        .expect("proof");
    assert_eq!(
        verify_consistency(old.tree_size, new.tree_size, &old.root, &new.root, &proof),
        Ok(())
    );
}

#[test]
fn hash_tiles_hold_the_subtree_hashes_of_their_level() {
    on_both("hash_tiles", |ledger| {
        hash_tiles_hold_the_subtree_hashes_of_their_level_in(ledger.open().as_ref());
    });
}

fn hash_tiles_hold_the_subtree_hashes_of_their_level_in(store: &dyn TransparencyLog) {
    while store.head().position < 600 {
        store.append(request(0, 50)).expect("append");
    }
    let reference = tree_from_records(store);
    let head = store.head().position;
    // Level 1 holds the roots of 256-leaf subtrees: two full ones below 600 leaves.
    let tile = Tile::parse("1/000.p/2").expect("tile path");
    assert!(tile.fits(head));
    let hashes = store
        .stored_tree_hashes(&tile.stored_hash_numbers())
        .expect("tile hashes");
    for (n, hash) in hashes.iter().enumerate() {
        let (low, high) = (n as u64 * 256, (n as u64 + 1) * 256);
        let mut subtree = MemoryTree::new();
        for leaf in store.tree_leaves(low, 256).expect("leaves") {
            subtree.push(&leaf);
        }
        assert_eq!(*hash, subtree.root(), "level-8 subtree {n} ({low}..{high})");
    }
    assert!(!Tile::parse("1/000.p/3").expect("tile path").fits(head));
    let full = Tile::parse("0/001").expect("tile path");
    let leaves = store
        .stored_tree_hashes(&full.stored_hash_numbers())
        .expect("level 0");
    assert_eq!(
        leaves[0],
        leaf_hash(&store.tree_leaves(256, 1).expect("leaf")[0])
    );
    assert_eq!(reference.size(), head);
}

/// Waits until every store publishes the same head.
fn converged(stores: &[&dyn TransparencyLog]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stores.iter().any(|store| store.head() != stores[0].head()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the nodes' heads differ"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn restore_into_postgres(database: &TestDatabase, records: Vec<StoredRecord>) {
    let mut restore = PostgresRestore::begin(&database.options()).expect("begin");
    for record in records {
        restore.push(record).expect("push");
    }
    restore.finish().expect("finish");
}

fn restore_into_sled(dir: &Path, records: Vec<StoredRecord>) -> SledStore {
    let mut restore = SledRestore::begin(&SledOptions::new(dir)).expect("begin");
    for record in records {
        restore.push(record).expect("push");
    }
    restore.finish().expect("finish");
    SledStore::open(dir).expect("open restored")
}

#[test]
fn sled_records_restored_into_postgres_make_the_same_tree() {
    let Some(database) = TestDatabase::create("sled_records_restored_into_postgres") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let sled = SledStore::open(dir.path()).expect("open");
    append_rounds(&sled, 3);
    restore_into_postgres(&database, stored_records(&sled));
    let postgres = database.open();
    assert_same_tree(&sled, &postgres);
    check_tree(&postgres);
    // And it grows on PostgreSQL from the restored frontier as sled grows from its own.
    postgres
        .append(request(1, 3))
        .expect("append after restore");
    check_tree(&postgres);
}

#[test]
fn two_postgres_nodes_writing_at_once_make_the_tree_sled_makes_of_their_records() {
    let Some(database) = TestDatabase::create("two_postgres_nodes_writing_at_once") else {
        return;
    };
    let nodes = [Arc::new(database.open()), Arc::new(database.open())];
    std::thread::scope(|scope| {
        for (n, node) in nodes.iter().enumerate() {
            for writer in 0..4 {
                scope.spawn(move || {
                    let pending: Vec<_> = (0..25)
                        .map(|i| node.submit(request(n * 10 + writer, 1 + (i + writer) % 3)))
                        .collect();
                    for append in pending {
                        append.wait().expect("append");
                    }
                });
            }
        }
    });
    converged(&[nodes[0].as_ref(), nodes[1].as_ref()]);
    check_tree(nodes[0].as_ref());
    check_tree(nodes[1].as_ref());
    let dir = tempfile::tempdir().expect("temp dir");
    let sled = restore_into_sled(dir.path(), stored_records(nodes[0].as_ref()));
    assert_same_tree(&sled, nodes[0].as_ref());
    assert_same_tree(&sled, nodes[1].as_ref());
    assert_eq!(nodes[0].verify().expect("verify").first_damage, None);
}

/// The tree's SQL as migration 2 added it, removed again: a ledger written before it.
const BACK_TO_SCHEMA_1: &str = "
    ALTER TABLE govledger_head DROP CONSTRAINT govledger_head_tree_follows_the_log;
    ALTER TABLE govledger_head DROP COLUMN tree_size, DROP COLUMN tree_frontier;
    DROP TABLE govledger_tree_hashes;
    DELETE FROM govledger_migrations WHERE version = 2;";

#[test]
fn a_postgres_ledger_written_before_the_tree_gets_it_at_open() {
    let Some(database) = TestDatabase::create("a_ledger_written_before_the_tree") else {
        return;
    };
    let store = database.open();
    append_rounds(&store, 2);
    let head = store.head().position;
    let root = store.tree_root(head).expect("root");
    drop(store);
    database.execute(BACK_TO_SCHEMA_1);

    // Two nodes opening at once: one migrates and builds, the other finds it built.
    let [store, other] = std::thread::scope(|scope| {
        let opening = [
            scope.spawn(|| database.open()),
            scope.spawn(|| database.open()),
        ];
        opening.map(|open| open.join().expect("opened"))
    });
    assert_eq!(other.tree_root(head).expect("root built at open"), root);
    drop(other);
    assert_eq!(store.tree_root(head).expect("root built at open"), root);
    check_tree(&store);
    append_rounds(&store, 1);
    check_tree(&store);
    // A node of an older build, moving the head without the tree, is refused.
    let refused = database
        .try_execute("UPDATE govledger_head SET position = position + 1 WHERE log_id = 1")
        .expect_err("the head cannot move without the tree");
    assert!(
        refused.contains("govledger_head_tree_follows_the_log"),
        "{refused}"
    );
}

#[test]
fn two_postgres_nodes_signing_at_once_keep_one_checkpoint_per_size() {
    let Some(database) = TestDatabase::create("two_postgres_nodes_signing_at_once") else {
        return;
    };
    let keys = tempfile::tempdir().expect("key dir");
    let signer = load_or_create(
        keys.path(),
        &NewOrigin::Default {
            community: "test".into(),
        },
    )
    .expect("key");
    let nodes = [database.open(), database.open()];
    append_rounds(&nodes[0], 1);
    converged(&[&nodes[0], &nodes[1]]);
    let barrier = std::sync::Barrier::new(2);
    let signed: Vec<StoredCheckpoint> = std::thread::scope(|scope| {
        let handles: Vec<_> = nodes
            .iter()
            .map(|node| {
                let (barrier, signer) = (&barrier, &signer);
                scope.spawn(move || {
                    barrier.wait();
                    node.sign_checkpoint(signer).expect("sign")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("signer thread"))
            .collect()
    });
    assert_eq!(signed[0], signed[1], "both nodes answer with the one kept");
    assert_eq!(
        nodes[1].checkpoints(None, 10).expect("list"),
        vec![signed[0].clone()]
    );
    // Cosignatures added by both nodes at once are all kept.
    let size = signed[0].tree_size;
    std::thread::scope(|scope| {
        for (n, node) in nodes.iter().enumerate() {
            scope.spawn(move || {
                let line = format!("— witness{n}.example AAAA{n}\n");
                node.add_cosignatures(size, &[line]).expect("cosign");
            });
        }
    });
    let kept = nodes[0].checkpoint_at(size).expect("read").expect("kept");
    assert!(kept.note.contains("witness0.example") && kept.note.contains("witness1.example"));
}

#[test]
fn verify_names_a_tampered_tree_hash_on_postgres() {
    let Some(database) = TestDatabase::create("verify_names_a_tampered_tree_hash") else {
        return;
    };
    let store = database.open();
    append_rounds(&store, 1);
    assert_eq!(store.verify().expect("verify").first_damage, None);
    database.execute(
        "UPDATE govledger_tree_hashes SET hashes = set_byte(hashes, 40, get_byte(hashes, 40) # 1) \
         WHERE first = (SELECT first FROM govledger_tree_hashes WHERE length(hashes) > 64 \
         ORDER BY first LIMIT 1)",
    );
    let damage = store
        .verify()
        .expect("verify")
        .first_damage
        .expect("damage found");
    assert!(damage.reason.contains("Merkle tree"), "{damage:?}");
}

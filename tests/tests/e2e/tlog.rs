//! The log over HTTP (issue 14): the real server signs a checkpoint within a second of new
//! events; `govledger tlog key` prints the key it verifies with; the entry bundles and hash
//! tiles fetched from `/tlog/` recompute the signed root, and an older checkpoint's root is
//! the root of a prefix of the same entries; cache headers as C2SP tlog-tiles asks; the
//! GraphQL inclusion and consistency proofs verify against the signed roots.

use std::path::Path;
use std::time::Duration;

use govledger_core::codec::{self, Placement};
use govledger_core::event::{Actor, EventType, NewEvent, RecordedEvent, StreamId};
use govledger_core::store::sled_store::{SledOptions, SledRestore, SledStore, StoredRecord};
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, LogQuery};
use govledger_core::time::Timestamp;
use govledger_core::tlog::key_file::{NewOrigin, load_or_create};

use govledger_core::hash::Hash256;
use govledger_core::tlog::note::{NoteSigner, NoteVerifier};
use govledger_core::tlog::tile::{TILE_WIDTH, Tile, TileKind};
use govledger_core::tlog::{
    Checkpoint, MemoryTree, leaf_hash, node_hash, verify_consistency, verify_inclusion,
};
use govledger_tests::e2e::{HttpResponse, World, request, run_cli};
use govledger_tests::postgres::TestDatabase;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::e2e::flow::receive;

/// How long after an append its checkpoint may appear (1 s interval, debug build, busy CI).
const CHECKPOINT_WITHIN: Duration = Duration::from_secs(5);

async fn get(world: &World, path: &str) -> HttpResponse {
    request(&world.address(), "GET", path, &[], b"").await
}

/// The latest checkpoint, once it covers `tree_size`.
async fn checkpoint_reaching(
    world: &World,
    verifier: &NoteVerifier,
    tree_size: u64,
) -> (Checkpoint, String) {
    let deadline = tokio::time::Instant::now() + CHECKPOINT_WITHIN;
    loop {
        let response = get(world, "/tlog/checkpoint").await;
        if response.status == 200 {
            assert_eq!(response.header("cache-control"), Some("no-cache"));
            let text = verifier
                .open(&response.body)
                .expect("the checkpoint is signed by the log key");
            let checkpoint = Checkpoint::parse(text).expect("a C2SP checkpoint");
            assert_eq!(checkpoint.origin, verifier.name());
            if checkpoint.tree_size >= tree_size {
                return (checkpoint, response.body);
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no checkpoint of size {tree_size} within {CHECKPOINT_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fetches a tile; checks its cache header.
async fn fetch_tile(world: &World, tile: Tile) -> Vec<u8> {
    let response = get(world, &format!("/tlog/tile/{}", tile.path())).await;
    assert_eq!(response.status, 200, "{}: {}", tile.path(), response.body);
    let cache = response.header("cache-control").expect("a cache header");
    if tile.width == TILE_WIDTH {
        assert!(cache.contains("immutable"), "{cache}");
    } else {
        assert!(!cache.contains("immutable"), "{cache}");
    }
    response.raw_body
}

/// The tiles covering `row_length` items of a row, full ones then the partial one.
fn tiles(kind: TileKind, row_length: u64) -> Vec<Tile> {
    let full = row_length / TILE_WIDTH;
    let mut out: Vec<Tile> = (0..full)
        .map(|index| Tile {
            kind,
            index,
            width: TILE_WIDTH,
        })
        .collect();
    if row_length % TILE_WIDTH != 0 {
        out.push(Tile {
            kind,
            index: full,
            width: row_length % TILE_WIDTH,
        });
    }
    out
}

/// Every entry of the tree of `tree_size` leaves, from its entry bundles.
async fn fetch_entries(world: &World, tree_size: u64) -> Vec<Vec<u8>> {
    let mut entries = Vec::new();
    for tile in tiles(TileKind::Entries, tree_size) {
        let bundle = fetch_tile(world, tile).await;
        let mut rest = bundle.as_slice();
        while !rest.is_empty() {
            let length = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
            entries.push(rest[2..2 + length].to_vec());
            rest = &rest[2 + length..];
        }
    }
    assert_eq!(entries.len() as u64, tree_size);
    entries
}

/// The root from level-0 hash tiles alone: RFC 6962's shape over the fetched leaf hashes.
async fn root_from_hash_tiles(world: &World, tree_size: u64) -> Hash256 {
    let mut leaves = Vec::new();
    for tile in tiles(TileKind::Hashes { level: 0 }, tree_size) {
        let data = fetch_tile(world, tile).await;
        leaves.extend(
            data.chunks_exact(32)
                .map(|h| Hash256(h.try_into().expect("32 bytes"))),
        );
    }
    fn root(leaves: &[Hash256]) -> Hash256 {
        match leaves.len() {
            0 => Hash256::of_bytes(b""),
            1 => leaves[0],
            n => {
                let split = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(&root(&leaves[..split]), &root(&leaves[split..]))
            }
        }
    }
    root(&leaves)
}

#[tokio::test(flavor = "multi_thread")]
async fn tiles_from_the_real_server_recompute_the_signed_root() {
    tiles_recompute_the_signed_root(&World::start().await).await;
}

/// The same over `serve --ledger postgres://…` (ADR 0024): the same tiles, checkpoints and
/// proofs, and `govledger tlog verify --log-url` accepts them.
#[tokio::test(flavor = "multi_thread")]
async fn tiles_from_the_real_server_on_postgres_recompute_the_signed_root() {
    let Some(database) = TestDatabase::create("tiles_from_the_real_server_on_postgres") else {
        return;
    };
    let world = World::start_serving_with(&["--ledger", database.url()]).await;
    tiles_recompute_the_signed_root(&world).await;
    // `tlog checkpoint` and `tlog prove` on the same database, beside the running node.
    let data = world.data();
    let data = data.to_str().expect("UTF-8 path");
    let key = run_cli(&["tlog", "key", "--data", data]);
    let verifier = NoteVerifier::parse(String::from_utf8_lossy(&key.stdout).trim_end())
        .expect("a verifier key");
    let signed = run_cli(&[
        "tlog",
        "checkpoint",
        "--data",
        data,
        "--ledger",
        database.url(),
    ]);
    assert!(signed.status.success(), "{signed:?}");
    let note = format!("{}\n", String::from_utf8_lossy(&signed.stdout).trim_end());
    let checkpoint =
        Checkpoint::parse(verifier.open(&note).expect("signed by the log key")).expect("text");
    let size = checkpoint.tree_size.to_string();
    let proved = run_cli(&[
        "tlog",
        "prove",
        "--data",
        data,
        "--ledger",
        database.url(),
        "--tree-size",
        &size,
        "--position",
        "1",
    ]);
    assert!(proved.status.success(), "{proved:?}");
    let printed = String::from_utf8_lossy(&proved.stdout);
    assert!(
        printed.contains(&format!("root {}", checkpoint.root.to_hex())),
        "{printed}"
    );
}

async fn tiles_recompute_the_signed_root(world: &World) {
    let data = world.data();
    let output = run_cli(&["tlog", "key", "--data", data.to_str().expect("UTF-8 path")]);
    assert!(output.status.success(), "{output:?}");
    let key_line = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(
        key_line.lines().count(),
        1,
        "the key alone on one line: {key_line:?}"
    );
    let verifier = NoteVerifier::parse(key_line.trim_end()).expect("a note verifier key");
    // The server names the same key at /tlog/key (for the explorer's in-browser check).
    let served = request(&world.address(), "GET", "/tlog/key", &[], b"").await;
    assert_eq!(served.status, 200);
    assert_eq!(served.body, key_line);

    let clerk = world.client(&world.cast.clerk);
    clerk.run(&receive(world, Uuid::now_v7(), None, None)).await;
    let old_size = clerk.head_position().await;
    let (old, old_note) = checkpoint_reaching(world, &verifier, old_size).await;

    for _ in 0..3 {
        clerk.run(&receive(world, Uuid::now_v7(), None, None)).await;
    }
    let head = clerk.head_position().await;
    let (new, _) = checkpoint_reaching(world, &verifier, head).await;
    assert_eq!(new.tree_size, head);

    let entries = fetch_entries(world, new.tree_size).await;
    let mut tree = MemoryTree::new();
    for (index, entry) in entries.iter().enumerate() {
        tree.push(entry);
        if tree.size() == old.tree_size {
            assert_eq!(
                tree.root(),
                old.root,
                "the old checkpoint is a prefix of the new tree"
            );
        }
        assert!(!entry.is_empty(), "entry {index}");
    }
    assert_eq!(
        tree.root(),
        new.root,
        "the entries recompute the signed root"
    );
    assert_eq!(root_from_hash_tiles(world, new.tree_size).await, new.root);
    let leaf_hashes: Vec<Hash256> = entries.iter().map(|e| leaf_hash(e)).collect();
    assert_eq!(leaf_hashes.len() as u64, new.tree_size);

    // The same tree through GraphQL, checked with nothing but the proofs and the
    // checkpoints' roots.
    let public = world.public();
    let proofs = public
        .data(
            "query($position: Int64!, $old: Int64!, $new: Int64!) { \
             event(position: $position) { inclusionProof(treeSize: $new) { leafIndex leafHash rootHash hashes } } \
             consistencyProof(fromSize: $old, toSize: $new) { fromRootHash toRootHash hashes } \
             checkpoints(first: 2) { nodes { treeSize rootHash note } pageInfo { hasNextPage } } \
             ledgerHead { checkpoint { treeSize } } }",
            json!({"position": old.tree_size, "old": old.tree_size, "new": new.tree_size}),
        )
        .await;
    let hash = |value: &Value| Hash256::from_hex(value.as_str().expect("hex")).expect("a hash");
    let hashes = |value: &Value| {
        value
            .as_array()
            .expect("a list")
            .iter()
            .map(hash)
            .collect::<Vec<_>>()
    };
    let inclusion = &proofs["event"]["inclusionProof"];
    assert_eq!(
        hash(&inclusion["leafHash"]),
        leaf_hash(&entries[old.tree_size as usize - 1])
    );
    assert_eq!(hash(&inclusion["rootHash"]), new.root);
    assert_eq!(
        verify_inclusion(
            old.tree_size - 1,
            new.tree_size,
            &hash(&inclusion["leafHash"]),
            &hashes(&inclusion["hashes"]),
            &new.root
        ),
        Ok(())
    );
    let consistency = &proofs["consistencyProof"];
    assert_eq!(
        verify_consistency(
            old.tree_size,
            new.tree_size,
            &old.root,
            &new.root,
            &hashes(&consistency["hashes"])
        ),
        Ok(())
    );
    assert_eq!(
        proofs["checkpoints"]["nodes"][0]["treeSize"],
        json!(new.tree_size)
    );
    assert!(proofs["ledgerHead"]["checkpoint"]["treeSize"].as_u64() >= Some(new.tree_size));

    let beyond = Tile {
        kind: TileKind::Entries,
        index: 0,
        width: new.tree_size + 1,
    };
    assert_eq!(
        get(world, &format!("/tlog/tile/{}", beyond.path()))
            .await
            .status,
        404
    );
    assert_eq!(
        get(world, "/tlog/tile/0/x000/000").await.status,
        404,
        "non-canonical path"
    );
    assert_eq!(get(world, "/tlog/tile/9/000").await.status, 404);

    // An auditor checks the served log over HTTP alone: tiles, root, the older checkpoint.
    let older = world.scratch("older-checkpoint.txt");
    std::fs::write(&older, &old_note).expect("write");
    let log_url = format!("http://{}/tlog/", world.address());
    let verified = run_cli(&[
        "tlog",
        "verify",
        "--key",
        key_line.trim_end(),
        "--log-url",
        &log_url,
        "--older",
        older.to_str().expect("UTF-8"),
    ]);
    assert!(verified.status.success(), "{verified:?}");
    let said = String::from_utf8_lossy(&verified.stdout);
    for expected in ["exactly the signed tree", "append-only"] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
}

/// The Python check printed in docs/audit.md, as the docs show it.
fn audit_script() -> String {
    let audit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/audit.md"))
        .expect("docs/audit.md");
    let start = audit
        .find("```python\nimport base64")
        .expect("the checkpoint script in docs/audit.md")
        + "```python\n".len();
    let length = audit[start..].find("```").expect("the script's end");
    audit[start..start + length].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_documented_python_check_accepts_the_export_and_refuses_a_foreign_checkpoint() {
    let mut world = World::start().await;
    let data = world.data();
    let data = data.to_str().expect("UTF-8 path");
    let output = run_cli(&["tlog", "key", "--data", data]);
    let key = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim_end()
        .to_string();
    let verifier = NoteVerifier::parse(&key).expect("a verifier key");
    let clerk = world.client(&world.cast.clerk);
    let old_size = clerk.head_position().await;
    let (_, old_note) = checkpoint_reaching(&world, &verifier, old_size).await;
    clerk
        .run(&receive(&world, Uuid::now_v7(), None, None))
        .await;
    let head = clerk.head_position().await;
    let (_, new_note) = checkpoint_reaching(&world, &verifier, head).await;
    assert_eq!(world.stop(), Some(0));

    let file = |name: &str, text: &str| {
        let path = world.scratch(name);
        std::fs::write(&path, text).expect("writing a scratch file");
        path.to_str().expect("UTF-8 path").to_string()
    };
    let (script, old, new) = (
        file("verify.py", &audit_script()),
        file("old.txt", &old_note),
        file("new.txt", &new_note),
    );
    let export = world.scratch("ledger.jsonl");
    let export = export.to_str().expect("UTF-8 path");
    assert!(
        run_cli(&["export", "--data", data, "--out", export])
            .status
            .success()
    );
    let python = |args: &[&str]| {
        std::process::Command::new("python3")
            .arg(&script)
            .args(args)
            .output()
            .expect("python3 runs")
    };

    let accepted = python(&[&key, export, &new, &old]);
    assert!(accepted.status.success(), "{accepted:?}");
    assert!(
        String::from_utf8_lossy(&accepted.stdout).contains("exactly the signed tree"),
        "{accepted:?}"
    );
    // A checkpoint of a tree the export is not (the older one, as if it were current).
    assert!(!python(&[&key, export, &old]).status.success());
    // Another log's key.
    let foreign = NoteSigner::new(verifier.name(), &[7; 32])
        .expect("a key")
        .verifier()
        .to_text();
    assert!(!python(&[&foreign, export, &new]).status.success());
}

/// Appends `count` single-event appends of opaque payloads to `store`.
pub(super) fn append_events(store: &dyn EventStore, count: usize) {
    for i in 0..count {
        let event = NewEvent {
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
            payload: format!("event {i}").into_bytes(),
        };
        store
            .append(AppendRequest {
                stream: StreamId::new(format!("case-{i}")).expect("stream"),
                expected: ExpectedVersion::Any,
                events: vec![event],
                idempotency: None,
            })
            .expect("append");
    }
}

/// Rewrites the payload of `position` in `events` and re-seals the whole chain after it, as
/// an operator with write access to the disk could; returns the forged records.
pub(super) fn forge(events: &[RecordedEvent], position: u64) -> Vec<StoredRecord> {
    let mut prev_hash = Hash256::GENESIS;
    events
        .iter()
        .map(|event| {
            let mut proposal = NewEvent {
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                occurred_at: event.occurred_at,
                actor: event.actor.clone(),
                correlation_id: event.correlation_id,
                causation_id: event.causation_id,
                payload: event.payload.clone(),
            };
            if event.position == position {
                proposal.payload = b"a different decision".to_vec();
            }
            let placement = Placement {
                position: event.position,
                stream_id: &event.stream_id,
                stream_version: event.stream_version,
                recorded_at: event.recorded_at,
                prev_hash,
            };
            let sealed = codec::seal_record(&proposal, &placement).expect("sealing");
            prev_hash = sealed.hash;
            let covered = sealed.value.len() - 32;
            StoredRecord {
                position: event.position,
                record: sealed.value[..covered].to_vec(),
                hash: sealed.hash,
            }
        })
        .collect()
}

fn tlog_verify(key: &str, checkpoint: &Path, export: &Path, older: &Path) -> std::process::Output {
    let text = |p: &Path| p.to_str().expect("UTF-8 path").to_string();
    run_cli(&[
        "tlog",
        "verify",
        "--key",
        key,
        "--checkpoint",
        &text(checkpoint),
        "--export",
        &text(export),
        "--older",
        &text(older),
    ])
}

#[test]
fn a_rewritten_history_resealed_with_the_same_key_is_named_a_fork() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (honest, forged) = (dir.path().join("honest"), dir.path().join("forged"));
    let signer = load_or_create(
        &honest.join("tlog"),
        &NewOrigin::Default {
            community: "test".into(),
        },
    )
    .expect("log key");
    let key = signer.verifier().to_text();
    let store = SledStore::open(honest.join("ledger")).expect("open");
    append_events(&store, 5);
    let old = dir.path().join("old-checkpoint.txt");
    std::fs::write(&old, store.sign_checkpoint(&signer).expect("sign").note).expect("write");
    let events = store
        .read_log(&LogQuery::forwards(1, 100))
        .expect("read")
        .events;

    // The operator copies the directory, rewrites event 2, re-seals every record after it
    // with the same key and lets the log go on.
    std::fs::create_dir_all(forged.join("tlog")).expect("mkdir");
    for file in ["log-key", "origin"] {
        std::fs::copy(
            honest.join("tlog").join(file),
            forged.join("tlog").join(file),
        )
        .expect("copy the key");
    }
    let mut restore =
        SledRestore::begin(&SledOptions::new(forged.join("ledger"))).expect("restore");
    for record in forge(&events, 2) {
        restore.push(record).expect("push");
    }
    restore.finish().expect("finish");
    let forged_signer =
        load_or_create(&forged.join("tlog"), &NewOrigin::Given("unused".into())).expect("same key");
    assert_eq!(forged_signer.verifier(), signer.verifier());
    let forged_store = SledStore::open(forged.join("ledger")).expect("open forged");
    append_events(&forged_store, 1);
    let forged_checkpoint = dir.path().join("forged-checkpoint.txt");
    std::fs::write(
        &forged_checkpoint,
        forged_store
            .sign_checkpoint(&forged_signer)
            .expect("sign")
            .note,
    )
    .expect("write");
    let damage = forged_store.verify().expect("verify").first_damage;
    assert_eq!(damage, None, "the forgery is consistent in itself");
    drop(forged_store);

    // The honest log grows too.
    append_events(&store, 1);
    let honest_checkpoint = dir.path().join("honest-checkpoint.txt");
    std::fs::write(
        &honest_checkpoint,
        store.sign_checkpoint(&signer).expect("sign").note,
    )
    .expect("write");
    drop(store);

    let export = |root: &Path, name: &str| {
        let out = dir.path().join(name);
        let output = run_cli(&[
            "export",
            "--data",
            root.to_str().expect("UTF-8"),
            "--out",
            out.to_str().expect("UTF-8"),
        ]);
        assert!(output.status.success(), "{output:?}");
        out
    };
    let honest_export = export(&honest, "honest.jsonl");
    let forged_export = export(&forged, "forged.jsonl");

    let accepted = tlog_verify(&key, &honest_checkpoint, &honest_export, &old);
    assert!(accepted.status.success(), "{accepted:?}");
    assert!(
        String::from_utf8_lossy(&accepted.stdout).contains("append-only"),
        "{accepted:?}"
    );

    let refused = tlog_verify(&key, &forged_checkpoint, &forged_export, &old);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("fork") && stderr.contains("first 5 events"),
        "{stderr}"
    );
    // Its own checkpoint and export agree: only the older checkpoint exposes the rewrite.
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("exactly the signed tree"),
        "{refused:?}"
    );
}

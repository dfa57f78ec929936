//! The ledger on PostgreSQL through the real binary: a sled ledger exported, imported into
//! PostgreSQL and exported again is the same file byte for byte; the server on the same data
//! directory, now with `--ledger postgres://…`, reports the same head hash and takes new
//! commands, signing checkpoints of its grown tree with the same key (ADR 0024); a ledger
//! written on PostgreSQL moves back to sled unchanged, checkpoints and all. With the
//! database gone, `/readyz` is not ready and writes answer `UNAVAILABLE`.

use govledger_tests::e2e::{World, run_cli};
use govledger_tests::postgres::TestDatabase;
use serde_json::{Value, json};

use crate::e2e::flow::{Repair, run_repair};

const HEAD: &str = "{ ledgerHead { position hash } }";

/// Runs a CLI command; checks its exit code and returns its stdout.
fn check_cli(args: &[&str], exit_code: i32) -> String {
    let output = run_cli(args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        output.status.code(),
        Some(exit_code),
        "govledger {args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

fn read(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).expect("the export reads")
}

#[tokio::test]
async fn a_sled_ledger_moves_to_postgres_and_back_with_every_hash_unchanged() {
    let Some(database) = TestDatabase::create("a_sled_ledger_moves_to_postgres_and_back") else {
        return;
    };
    let url = database.url();
    let mut world = World::start().await;
    run_repair(&world, &Repair::new()).await;
    let sled_head: Value = world.public().data(HEAD, json!({})).await;
    assert_eq!(world.stop(), Some(0));

    let from_sled = world.scratch("from-sled.jsonl");
    check_cli(
        &[
            "export",
            "--data",
            path_str(&world.data()),
            "--out",
            path_str(&from_sled),
        ],
        0,
    );
    check_cli(&["migrate", "--ledger", url], 0);
    let imported = check_cli(
        &["import", "--ledger", url, "--in", path_str(&from_sled)],
        0,
    );
    let hash = sled_head["ledgerHead"]["hash"]
        .as_str()
        .expect("a head hash");
    assert!(imported.contains(hash), "{imported}");
    // A second import into the same ledger is refused.
    check_cli(
        &["import", "--ledger", url, "--in", path_str(&from_sled)],
        1,
    );

    let from_postgres = world.scratch("from-postgres.jsonl");
    check_cli(
        &["export", "--ledger", url, "--out", path_str(&from_postgres)],
        0,
    );
    assert!(
        read(&from_postgres) == read(&from_sled),
        "the PostgreSQL ledger exports differently from the sled one"
    );
    let verified = check_cli(&["verify", "--ledger", url], 0);
    let position = sled_head["ledgerHead"]["position"]
        .as_u64()
        .expect("a position");
    assert!(
        verified.contains(&format!("{position} events verified")),
        "{verified}"
    );

    // The same node, now on PostgreSQL: the same head, and it takes new commands.
    world.restart_serving_with(&["--ledger", url]);
    let postgres_head: Value = world.public().data(HEAD, json!({})).await;
    assert_eq!(postgres_head, sled_head);
    run_repair(&world, &Repair::new()).await;
    let grown: Value = world.public().data(HEAD, json!({})).await;
    assert!(
        grown["ledgerHead"]["position"].as_u64() > Some(position),
        "{grown}"
    );
    // It signs the grown tree with the key it signed on sled with, after the imported
    // checkpoints.
    let grown_size = grown["ledgerHead"]["position"]
        .as_u64()
        .expect("a position");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let listed: Value = world
            .public()
            .data(
                "{ checkpoints(first: 100) { nodes { treeSize } } }",
                json!({}),
            )
            .await;
        let sizes: Vec<u64> = listed["checkpoints"]["nodes"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|node| node["treeSize"].as_u64())
            .collect();
        if sizes.first() >= Some(&grown_size) {
            assert!(
                sizes.iter().any(|size| *size <= position),
                "the checkpoints imported from sled are still listed: {sizes:?}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint of {grown_size} events: {sizes:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(world.stop(), Some(0));

    // Back to sled: the grown ledger exports the same from both.
    let grown_export = world.scratch("grown.jsonl");
    check_cli(
        &["export", "--ledger", url, "--out", path_str(&grown_export)],
        0,
    );
    let back = world.scratch("back-on-sled");
    check_cli(
        &[
            "import",
            "--data",
            path_str(&back),
            "--in",
            path_str(&grown_export),
        ],
        0,
    );
    let again = world.scratch("again.jsonl");
    check_cli(
        &[
            "export",
            "--data",
            path_str(&back),
            "--out",
            path_str(&again),
        ],
        0,
    );
    assert!(
        read(&again) == read(&grown_export),
        "sled re-exports differently"
    );
}

/// With the database gone, `/readyz` answers not ready and a write answers `UNAVAILABLE`
/// ("retry later"); the node keeps running.
#[tokio::test]
async fn readyz_is_not_ready_and_writes_say_retry_while_the_database_is_gone() {
    let Some(database) = TestDatabase::create("readyz_while_the_database_is_gone") else {
        return;
    };
    let world = World::start_serving_with(&["--ledger", database.url()]).await;
    let address = world.address();
    let ready = govledger_tests::e2e::request(&address, "GET", "/readyz", &[], b"").await;
    assert_eq!(ready.status, 200, "{}", ready.body);

    database.drop_now();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let ready = govledger_tests::e2e::request(&address, "GET", "/readyz", &[], b"").await;
        if ready.status == 503 {
            assert!(
                ready.body.contains("database is unreachable"),
                "{}",
                ready.body
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still ready: {}",
            ready.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let clerk = world.client(&world.cast.clerk);
    let command = crate::e2e::flow::receive(&world, uuid::Uuid::now_v7(), None, None);
    let refused = clerk
        .try_execute(&command, "while-the-database-is-gone")
        .await
        .expect("the node still answers");
    assert_eq!(
        refused.body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{}",
        refused.body
    );
}

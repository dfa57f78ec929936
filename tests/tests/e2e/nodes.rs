//! Three `govledger serve` nodes on one PostgreSQL ledger: 16 clients send `receiveRequest`
//! commands through all three at once, and one node is killed (SIGKILL) mid-load: its
//! clients retry on the first node with the same idempotency key. Every acknowledged write is
//! in the log exactly once at the position it was acknowledged at, positions are gap-free
//! (`verify --ledger`), the surviving nodes report the same head hash within a second of the
//! last write, and a write made through one node is read through another with its
//! consistency token.

use std::path::Path;
use std::time::{Duration, Instant};

use govledger_tests::e2e::{Client, Server, World, run_cli};
use govledger_tests::postgres::TestDatabase;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::e2e::flow::receive_in;

const CLIENTS: usize = 16;
const WRITES_PER_CLIENT: usize = 10;
const CONVERGED_WITHIN: Duration = Duration::from_secs(1);
/// When the third node is killed, after the clients start.
const KILL_AFTER: Duration = Duration::from_millis(300);

const CASE_AT: &str = "query($id: ID!, $consistency: Int64) { \
     case(kind: REQUEST, id: $id, consistency: $consistency) { eventCount lastPosition } }";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a copy's directory");
    for entry in std::fs::read_dir(from).expect("reading a directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copying a file");
        }
    }
}

#[tokio::test]
async fn three_nodes_on_one_postgres_ledger_serve_one_gap_free_log() {
    let Some(database) = TestDatabase::create("three_nodes_on_one_postgres_ledger") else {
        return;
    };
    let url = database.url().to_string();
    let world = World::start_serving_with(&["--ledger", &url]).await;
    // A node with a log key of its own is refused: every node signs with one key.
    let stranger = world.scratch("node-with-another-key");
    let refused = run_cli(&[
        "serve",
        "--data",
        stranger.to_str().expect("temp paths are UTF-8"),
        "--ledger",
        &url,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("the same tlog/log-key"),
        "{refused:?}"
    );
    // Two more nodes, each with its own data directory (read models rebuilt from the shared
    // log), a copy of the first node's tokens and of its log key.
    let mut servers = Vec::new();
    for name in ["node-b", "node-c"] {
        let data = world.scratch(name);
        copy_dir(&world.data().join("access"), &data.join("access"));
        copy_dir(&world.data().join("tlog"), &data.join("tlog"));
        let data = data.to_str().expect("temp paths are UTF-8").to_string();
        servers.push(Server::start(
            &["serve", "--data", &data, "--ledger", &url],
            &world.scratch(&format!("{name}.log")),
        ));
    }
    let mut addresses = vec![world.address()];
    addresses.extend(servers.iter().map(Server::address));
    let token = world.cast.clerk.token.clone();

    let writers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            // Its own node, and the first node (never killed) once its own is gone.
            let nodes = [
                Client::new(&addresses[client % 3], Some(&token)),
                Client::new(&addresses[0], Some(&token)),
            ];
            let places = world.places;
            tokio::spawn(async move {
                let mut acknowledged = Vec::new();
                let mut node = 0;
                for _ in 0..WRITES_PER_CLIENT {
                    let request_id = Uuid::now_v7();
                    let command = receive_in(places, request_id, None, None);
                    let key = Uuid::now_v7().to_string();
                    let executed = loop {
                        match nodes[node].try_execute(&command, &key).await {
                            Ok(executed) => break executed,
                            // The node is gone (maybe after committing): retry on the first.
                            Err(error) => {
                                assert_eq!(node, 0, "the first node failed too: {error}");
                                node = 1;
                            }
                        }
                    };
                    acknowledged.push((request_id, executed.consistency()));
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(KILL_AFTER).await;
    servers.pop().expect("the third node").kill();
    addresses.pop();
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("a client task"));
    }
    let last_write = Instant::now();
    let mut positions: Vec<u64> = acknowledged.iter().map(|(_, p)| *p).collect();
    positions.sort_unstable();
    positions.dedup();
    assert_eq!(
        positions.len(),
        CLIENTS * WRITES_PER_CLIENT,
        "each write at its own position"
    );

    // Every surviving node reports the same head within a second.
    let head = |address: &str| {
        let client = Client::new(address, None);
        async move {
            client
                .data("{ ledgerHead { position hash } }", json!({}))
                .await
        }
    };
    let heads = loop {
        let mut heads: Vec<Value> = Vec::new();
        for address in &addresses {
            heads.push(head(address).await);
        }
        if heads.iter().all(|h| *h == heads[0]) {
            break heads;
        }
        assert!(
            last_write.elapsed() < CONVERGED_WITHIN,
            "heads differ {:?} after the last write: {heads:?}",
            last_write.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let head_position = heads[0]["ledgerHead"]["position"]
        .as_u64()
        .expect("a position");
    assert!(head_position >= *positions.last().expect("writes"));

    // A write through one node reads through the next with its token, once.
    for (index, (request_id, position)) in acknowledged.iter().enumerate() {
        let reader = Client::new(&addresses[(index + 1) % addresses.len()], Some(&token));
        let case = reader
            .data(
                CASE_AT,
                json!({ "id": request_id, "consistency": position }),
            )
            .await;
        assert_eq!(case["case"]["eventCount"], 1, "{request_id}: {case}");
        assert_eq!(
            case["case"]["lastPosition"].as_u64(),
            Some(*position),
            "{case}"
        );
    }

    // The shared log is gap-free and its chain intact.
    let verified = run_cli(&["verify", "--ledger", &url]);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("{head_position} events verified")),
        "{stdout}"
    );
}

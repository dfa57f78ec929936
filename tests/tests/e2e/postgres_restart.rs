//! `govledger serve --ledger postgres://…` while PostgreSQL itself crashes and restarts (a
//! cluster of the test's own, `govledger_tests::postgres_cluster`): clients keep sending
//! `receiveRequest` commands and retry each one answered `UNAVAILABLE` with the same
//! idempotency key. `/readyz` says not ready while the server is down and ready once it is
//! back, with no restart of the node; afterwards every acknowledged write is in the log once
//! at the position it was acknowledged at, read back through the read models, positions are
//! gap-free and `verify --ledger` passes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use govledger_tests::e2e::{Client, Places, World, request};
use govledger_tests::postgres_cluster::PrivateCluster;
use serde_json::json;
use uuid::Uuid;

use crate::e2e::flow::receive_in;
use crate::e2e::nodes::{assert_verifies, assert_written_once_at};

const CLIENTS: usize = 4;
/// Writes each client acknowledges after the last outage: the node works again.
const WRITES_AFTER_OUTAGES: usize = 3;
/// Appends between outages.
const UP_FOR: Duration = Duration::from_millis(500);
/// How long the server stays down in the stop-and-start outage.
const DOWN_FOR: Duration = Duration::from_millis(500);
/// How long a client keeps retrying one write.
const RETRY_FOR: Duration = Duration::from_secs(30);
/// How long `/readyz` may take to follow the database down or back.
const READYZ_FOLLOWS_WITHIN: Duration = Duration::from_secs(15);

/// Sends receive commands until the outages are over and it has acknowledged
/// `WRITES_AFTER_OUTAGES` more; returns each request with the position acknowledged.
async fn write(
    client: Client,
    places: Places,
    outages: tokio::sync::watch::Receiver<bool>,
    server_log: PathBuf,
) -> (Vec<(Uuid, u64)>, u32) {
    let mut acknowledged = Vec::new();
    let mut retried = 0;
    let mut after_outages = 0;
    loop {
        if !*outages.borrow() {
            if after_outages == WRITES_AFTER_OUTAGES {
                return (acknowledged, retried);
            }
            after_outages += 1;
        }
        let request_id = Uuid::now_v7();
        let command = receive_in(places, request_id, None, None);
        let key = Uuid::now_v7().to_string();
        let started = Instant::now();
        let executed = loop {
            let executed = client
                .try_execute(&command, &key)
                .await
                .unwrap_or_else(|error| panic!("the node itself failed: {error}"));
            let code = &executed.body["errors"][0]["extensions"]["code"];
            if code.is_null() {
                break executed;
            }
            assert_eq!(
                code,
                "UNAVAILABLE",
                "{}\nthe node's errors:\n{}",
                executed.body,
                errors_in(&server_log)
            );
            assert!(
                started.elapsed() < RETRY_FOR,
                "still unavailable after {RETRY_FOR:?}: {}",
                executed.body
            );
            retried += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            executed.payload()["userErrors"],
            json!([]),
            "{}",
            executed.body
        );
        acknowledged.push((request_id, executed.consistency()));
    }
}

/// The lines of the node's log that report errors (for a failing test's message).
fn errors_in(server_log: &Path) -> String {
    std::fs::read_to_string(server_log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains("ERROR"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Polls `/readyz` until its status is `status`.
async fn wait_for_readyz(world: &World, status: u16, cluster: &PrivateCluster) {
    let deadline = Instant::now() + READYZ_FOLLOWS_WITHIN;
    loop {
        let ready = request(&world.address(), "GET", "/readyz", &[], b"").await;
        if ready.status == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz still {} ({}) after {READYZ_FOLLOWS_WITHIN:?}; the node's errors:\n{}\n\
             the database's log:\n{}",
            ready.status,
            ready.body,
            errors_in(&world.log()),
            cluster.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_survive_immediate_restarts_of_postgres_and_readyz_follows() {
    let Some(cluster) = PrivateCluster::start("serve_survives_postgres_restarts") else {
        return;
    };
    let url = cluster.admin_url();
    let world = World::start_serving_with(&["--ledger", &url]).await;
    wait_for_readyz(&world, 200, &cluster).await;
    let first = world.public().head_position().await + 1;

    let (outages_tx, outages_rx) = tokio::sync::watch::channel(true);
    let writers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::spawn(write(
                world.client(&world.cast.clerk),
                world.places,
                outages_rx.clone(),
                world.log(),
            ))
        })
        .collect();
    // A stop held for a while (the node reports it), then a restart back to back.
    tokio::time::sleep(UP_FOR).await;
    tokio::task::block_in_place(|| cluster.stop_immediately());
    wait_for_readyz(&world, 503, &cluster).await;
    tokio::time::sleep(DOWN_FOR).await;
    tokio::task::block_in_place(|| cluster.start_again());
    wait_for_readyz(&world, 200, &cluster).await;
    tokio::time::sleep(UP_FOR).await;
    tokio::task::block_in_place(|| cluster.restart_immediately());
    wait_for_readyz(&world, 200, &cluster).await;
    outages_tx.send(false).expect("the writers listen");

    let mut acknowledged = Vec::new();
    let mut retried = 0;
    for writer in writers {
        let (acked, retries) = writer.await.expect("a client task");
        acknowledged.extend(acked);
        retried += retries;
    }
    eprintln!(
        "{} writes acknowledged through two outages; {retried} answers said UNAVAILABLE",
        acknowledged.len()
    );
    assert!(
        retried > 0,
        "no write met an outage: the test tested nothing"
    );

    // Each write once, at its own position; together with the directory, gap-free.
    let head = world.public().head_position().await;
    let mut positions: Vec<u64> = acknowledged.iter().map(|(_, at)| *at).collect();
    positions.sort_unstable();
    assert_eq!(positions, (first..=head).collect::<Vec<_>>());
    let auditor = world.client(&world.cast.auditor);
    for (request_id, position) in &acknowledged {
        assert_written_once_at(&auditor, *request_id, *position).await;
    }
    assert_verifies(&url, head);
}

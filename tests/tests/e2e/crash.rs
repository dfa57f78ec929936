//! kill -9 during concurrent GraphQL writes, through the real binary: five rounds of eight
//! clerks sending `receiveRequest` commands while the server is killed with SIGKILL at a
//! different moment each round. After each kill: `verify` passes offline (no gap, the hash
//! chain intact); after each restart every read model is ready, every acknowledged write is
//! at the position it was acknowledged at and its case is served, the head recorded after the
//! previous restart still has the same hash, and the requests served lie between the
//! acknowledged and the attempted counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use govledger_core::domain::ids::PersonId;
use govledger_tests::e2e::{Client, Places, World, request, run_cli};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::e2e::flow::receive_in;

const ROUNDS_KILL_AFTER_MS: [u64; 5] = [350, 900, 150, 600, 1_200];
const WRITERS: usize = 8;
/// Longest the restarted server may take to report ready in a debug build.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// Fields per batched query (aliases), well inside the query cost limit.
const ALIASES_PER_QUERY: usize = 25;

/// A write the server acknowledged: the request and the position it was given.
#[derive(Debug, Clone, Copy)]
struct Acknowledged {
    request_id: Uuid,
    position: u64,
}

#[tokio::test]
async fn no_acknowledged_write_is_lost_to_kill_9_during_concurrent_writes() {
    let mut world = World::start().await;
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    let attempted = Arc::new(AtomicU64::new(0));
    let mut previous_head: Option<(u64, String)> = None;

    for (round, kill_after_ms) in ROUNDS_KILL_AFTER_MS.into_iter().enumerate() {
        let acked_this_round = Arc::new(Mutex::new(Vec::new()));
        let mut writers = Vec::new();
        for _ in 0..WRITERS {
            let clerk = world.client(&world.cast.clerk);
            let commands = CommandSource::of(&world);
            let acked = Arc::clone(&acked_this_round);
            let attempted = Arc::clone(&attempted);
            writers.push(tokio::spawn(async move {
                write_until_the_server_is_gone(clerk, commands, acked, attempted).await
            }));
        }
        tokio::time::sleep(Duration::from_millis(kill_after_ms)).await;
        world.kill();
        for writer in writers {
            writer.await.expect("a writer task does not panic");
        }
        let acked_now = acked_this_round.lock().await.clone();
        assert!(
            !acked_now.is_empty(),
            "round {round}: no write was acknowledged within {kill_after_ms} ms"
        );
        acknowledged.extend(acked_now);

        let data = world.data();
        let data = data.to_str().expect("temp paths are UTF-8");
        let verified = run_cli(&["verify", "--data", data]);
        assert_eq!(
            verified.status.code(),
            Some(0),
            "round {round}: verify after kill -9: {}{}",
            String::from_utf8_lossy(&verified.stdout),
            String::from_utf8_lossy(&verified.stderr)
        );

        world.restart();
        wait_until_ready(&world, round).await;
        let auditor = world.client(&world.cast.auditor);
        let head = auditor
            .data("{ ledgerHead { position hash } }", json!({}))
            .await;
        let head_position = head["ledgerHead"]["position"].as_u64().expect("position");
        let highest_acked = acknowledged.iter().map(|a| a.position).max().unwrap_or(0);
        assert!(
            head_position >= highest_acked,
            "round {round}: head {head_position} is below an acknowledged position {highest_acked}"
        );
        if let Some((position, hash)) = &previous_head {
            let event = auditor
                .data(
                    &format!("{{ event(position: {position}) {{ hash }} }}"),
                    json!({}),
                )
                .await;
            assert_eq!(
                event["event"]["hash"].as_str(),
                Some(hash.as_str()),
                "round {round}: the event at the previous head {position} changed"
            );
        }
        previous_head = Some((
            head_position,
            head["ledgerHead"]["hash"]
                .as_str()
                .expect("hash")
                .to_string(),
        ));

        check_every_acknowledged_write_is_served(&auditor, &acknowledged, round).await;
        let served = auditor
            .data(
                "{ cases(filter: { kind: REQUEST }, first: 1) { totalCount totalIsExact } }",
                json!({}),
            )
            .await;
        let served = served["cases"]["totalCount"].as_u64().expect("totalCount");
        let attempted_now = attempted.load(Ordering::SeqCst);
        assert!(
            acknowledged.len() as u64 <= served && served <= attempted_now,
            "round {round}: {served} requests served, {} acknowledged, {attempted_now} attempted",
            acknowledged.len()
        );
    }
}

/// What a writer needs to make its commands: a new request each time, in a resident's name.
struct CommandSource {
    places: Places,
    requester: Option<PersonId>,
}

impl CommandSource {
    fn of(world: &World) -> CommandSource {
        CommandSource {
            places: world.places,
            requester: world.cast.resident.person_id.map(PersonId),
        }
    }
}

async fn write_until_the_server_is_gone(
    clerk: Client,
    commands: CommandSource,
    acked: Arc<Mutex<Vec<Acknowledged>>>,
    attempted: Arc<AtomicU64>,
) {
    loop {
        let request_id = Uuid::now_v7();
        let command = receive_in(commands.places, request_id, commands.requester, None);
        attempted.fetch_add(1, Ordering::SeqCst);
        let Ok(executed) = clerk.try_execute(&command, &request_id.to_string()).await else {
            return;
        };
        match executed.payload()["positions"]
            .as_array()
            .map(Vec::as_slice)
        {
            Some([position]) => {
                let position = position.as_u64().expect("a position is a number");
                acked.lock().await.push(Acknowledged {
                    request_id,
                    position,
                });
            }
            // Refused or failed while the server went down: not acknowledged.
            _ => {
                let errors = executed.body["errors"].to_string();
                assert!(
                    executed.status >= 500 || errors.contains("shutting down"),
                    "a write was refused for another reason: {}",
                    executed.body
                );
            }
        }
    }
}

async fn wait_until_ready(world: &World, round: usize) {
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    loop {
        let ready = request(&world.address(), "GET", "/readyz", &[], b"").await;
        if ready.status == 200 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "round {round}: not ready within {READY_WITHIN:?}: {}",
            ready.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Every acknowledged write is the event at its position, and its case is served.
async fn check_every_acknowledged_write_is_served(
    auditor: &Client,
    acknowledged: &[Acknowledged],
    round: usize,
) {
    for batch in acknowledged.chunks(ALIASES_PER_QUERY) {
        let fields: Vec<String> = batch
            .iter()
            .enumerate()
            .map(|(i, a)| {
                format!(
                    "e{i}: event(position: {}) {{ streamId }} c{i}: case(kind: REQUEST, id: \"{}\") {{ caseId }}",
                    a.position, a.request_id
                )
            })
            .collect();
        let data: Value = auditor
            .data(&format!("{{ {} }}", fields.join(" ")), json!({}))
            .await;
        for (i, a) in batch.iter().enumerate() {
            let stream = data[format!("e{i}")]["streamId"].as_str().unwrap_or("");
            assert!(
                stream.contains(&a.request_id.to_string()),
                "round {round}: position {} holds {stream:?}, acknowledged for request {}",
                a.position,
                a.request_id
            );
            assert!(
                !data[format!("c{i}")].is_null(),
                "round {round}: the acknowledged request {} is not served",
                a.request_id
            );
        }
    }
}

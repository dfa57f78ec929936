//! Three `govledger serve` nodes on one PostgreSQL ledger: 16 clients send `receiveRequest`
//! commands through all three at once, and one node is killed (SIGKILL) mid-load: its
//! clients retry on the first node with the same idempotency key. Every acknowledged write is
//! in the log exactly once at the position it was acknowledged at, positions are gap-free
//! (`verify --ledger`), the surviving nodes report the same head hash within a second of the
//! last write, and a write made through one node is read through another with its
//! consistency token. Nodes keep nothing of their own (ADR 0025): a token created with
//! `govledger token --ledger` works on every node and, revoked, is refused on every node
//! within a second (and an open WebSocket on another node is closed within that second); personal details erased through either node are gone for both.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::domain::command::Command;
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::ids::{AccountId, OrganisationId, PersonId, UnitId};
use govledger_core::domain::role::Role;
use govledger_core::personal_data::{
    PersonDetails, PersonLookup, PersonalDataError, PersonalDataStore,
};
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::time::Timestamp;
use govledger_tests::e2e::websocket::GraphQlSocket;
use govledger_tests::e2e::{Client, Server, World, create_token_on, run_cli, token_command_on};
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

/// The request `request_id` was written once, at `position`: `client` reads its case with
/// that position as the consistency token (read-your-write, on whichever node).
pub(crate) async fn assert_written_once_at(client: &Client, request_id: Uuid, position: u64) {
    let case = client
        .data(
            CASE_AT,
            json!({ "id": request_id, "consistency": position }),
        )
        .await;
    assert_eq!(case["case"]["eventCount"], 1, "{request_id}: {case}");
    assert_eq!(
        case["case"]["lastPosition"].as_u64(),
        Some(position),
        "{case}"
    );
}

/// `govledger verify --ledger <url>` passes over exactly `events` events: gap-free, the chain
/// and the tree intact.
pub(crate) fn assert_verifies(url: &str, events: u64) {
    let verified = run_cli(&["verify", "--ledger", url]);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!("{events} events verified")),
        "{stdout}"
    );
}

/// Copies a directory tree (a node's log key, say).
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
    // log), no tokens of its own (the first node copied the world's into the database) and a
    // copy of the first node's log key.
    let mut servers = Vec::new();
    for name in ["node-b", "node-c"] {
        let data = world.scratch(name);
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
        assert_written_once_at(&reader, *request_id, *position).await;
    }

    // The shared log is gap-free and its chain intact.
    assert_verifies(&url, head_position);
}

/// How soon a token created or revoked through the database counts on every node.
const TOKENS_SEEN_WITHIN: Duration = Duration::from_secs(1);

/// What a request with `client`'s token gets: the status and the first error's code.
async fn answer_to(client: &Client) -> (u16, Option<String>) {
    let response = client.post("{ ledgerHead { position } }", json!({})).await;
    let code = response.json()["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_string);
    (response.status, code)
}

/// Waits until `client` gets `expect`; returns how long that took, failing past
/// `TOKENS_SEEN_WITHIN`.
async fn until_answered(client: &Client, expect: (u16, Option<&str>)) -> Duration {
    let started = Instant::now();
    loop {
        let (status, code) = answer_to(client).await;
        if (status, code.as_deref()) == expect {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < TOKENS_SEEN_WITHIN,
            "still {status} {code:?} after {:?}, expected {expect:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn details(name: &str) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        phone: "138-0000-0000".into(),
        id_number: "110101199003070000".into(),
        unit_id: Some(UnitId(Uuid::from_u128(0x3501))),
    }
}

#[tokio::test]
async fn two_nodes_share_their_tokens_and_personal_data_through_the_database() {
    let Some(database) = TestDatabase::create("two_nodes_share_tokens_and_people") else {
        return;
    };
    let url = database.url().to_string();
    let ledger = ["--ledger", url.as_str()];
    let node_a = World::start_serving_with(&ledger).await;
    let data_b = node_a.scratch("node-b");
    // Nothing of node A's but its log key: the tokens and people come from the database.
    copy_dir(&node_a.data().join("tlog"), &data_b.join("tlog"));
    let node_b = Server::start(
        &[
            "serve",
            "--data",
            data_b.to_str().expect("temp paths are UTF-8"),
            "--ledger",
            &url,
        ],
        &node_a.scratch("node-b.log"),
    );
    // The tokens made in A's data directory before it first started were copied into the
    // database: they work on B, which never had them.
    assert_eq!(
        answer_to(&Client::new(
            &node_b.address(),
            Some(&node_a.cast.auditor.token)
        ))
        .await,
        (200, None)
    );
    assert!(!data_b.join("access").join("tokens.jsonl").exists());

    // A token made against the database, from an operator's directory no node uses.
    let operator = node_a.scratch("operator");
    let auditor = &node_a.cast.auditor;
    let issued = create_token_on(
        &operator,
        &ledger,
        auditor.account_id,
        Role::Auditor,
        auditor.organisation_id,
    );
    let (on_a, on_b) = (
        Client::new(&node_a.address(), Some(&issued.secret)),
        Client::new(&node_b.address(), Some(&issued.secret)),
    );
    let created_on_b = until_answered(&on_b, (200, None)).await;
    until_answered(&on_a, (200, None)).await;
    let mut socket_on_b = GraphQlSocket::connect(&node_b.address(), Some(&issued.secret))
        .await
        .expect("the new token opens a socket on B");
    let revoked = token_command_on(&operator, &ledger, &["revoke", &issued.token_id]);
    let revoked_at = Instant::now();
    assert!(revoked.contains(&issued.token_id), "{revoked}");
    let refused_on_b = until_answered(&on_b, (401, Some("UNAUTHENTICATED"))).await;
    until_answered(&on_a, (401, Some("UNAUTHENTICATED"))).await;
    // B's socket opened before the revoke is closed (4403) within a second of it too.
    let closed = tokio::time::timeout(TOKENS_SEEN_WITHIN, async {
        loop {
            match socket_on_b.next_message().await {
                Some(message) if message["type"] == "close" => return Some(message),
                Some(_) => continue,
                None => return None,
            }
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "B's socket still open {:?} after the revoke",
            revoked_at.elapsed()
        )
    })
    .expect("the socket ended without a close frame");
    assert_eq!(closed["code"], 4403, "{closed}");
    eprintln!(
        "a new token worked on B after {created_on_b:?}; revoked, refused after {refused_on_b:?}"
    );
    let listed = token_command_on(&operator, &ledger, &["list"]);
    assert!(
        listed
            .lines()
            .any(|line| line.starts_with(&issued.token_id) && line.contains("\trevoked ")),
        "{listed}"
    );
    assert!(
        !operator.join("access").join("tokens.jsonl").exists(),
        "the CLI wrote to the database, not a local token log"
    );

    // Personal details recorded in the database (as `demo` or a node's import records them);
    // a data protection officer erases one through B and one through A.
    let store = Arc::new(PostgresStore::open(&database.options()).expect("the ledger"));
    let people = PersonalDataStore::on_postgres(&store);
    let (erased_via_b, erased_via_a) = (PersonId::new_v7(), PersonId::new_v7());
    people.put(erased_via_b, &details("Li Hua")).expect("put");
    people
        .put(erased_via_a, &details("Wang Fang"))
        .expect("put");
    let dpo_account = Uuid::now_v7();
    let committee = node_a.organisations.community_committee;
    let admin = node_a.client(&node_a.cast.administrator);
    for command in [
        DirectoryCommand::OpenAccount {
            account_id: AccountId(dpo_account),
            person_id: None,
        },
        DirectoryCommand::GrantRole {
            account_id: AccountId(dpo_account),
            organisation_id: OrganisationId(committee),
            role: Role::DataProtectionOfficer,
            starts_at: Timestamp::from_civil(2020, 1, 1).expect("date"),
            ends_at: None,
        },
    ] {
        admin.run(&Command::Directory(command)).await;
    }
    let dpo = create_token_on(
        &operator,
        &ledger,
        dpo_account,
        Role::DataProtectionOfficer,
        committee,
    );
    let (dpo_on_a, dpo_on_b) = (
        Client::new(&node_a.address(), Some(&dpo.secret)),
        Client::new(&node_b.address(), Some(&dpo.secret)),
    );
    until_answered(&dpo_on_b, (200, None)).await;
    until_answered(&dpo_on_a, (200, None)).await;
    for (client, person_id) in [(&dpo_on_b, erased_via_b), (&dpo_on_a, erased_via_a)] {
        client
            .run(&Command::ErasePersonalData {
                person_id,
                basis: ErasureBasis::DataSubjectRequest,
            })
            .await;
        // The node removed the details before it answered: gone for every node at once.
        assert_eq!(
            people.get(person_id).expect("get"),
            PersonLookup::Erased(ErasureBasis::DataSubjectRequest)
        );
        assert!(matches!(
            people.put(person_id, &details("again")),
            Err(PersonalDataError::Erased(_))
        ));
    }
    assert_eq!(people.known_count().expect("count"), 0);
    assert_eq!(node_b.stop(), Some(0));
}

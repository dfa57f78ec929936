//! `ledgerEvents` over `graphql-transport-ws`: `connection_init` carries the token, a
//! subscription receives the repair's events live as `next` messages, in ledger order, and
//! `caseUpdates` those of one case. A socket that never sends `connection_init` is closed
//! with 4408 once the (configurable) initialisation timeout has passed.

use std::time::Duration;

use govledger_tests::e2e::websocket::GraphQlSocket;
use govledger_tests::e2e::{Backend, BackendLedger, Server, World};
use serde_json::Value;

use crate::e2e::flow::{Repair, repair_steps, run_repair};

/// Longest to wait for one live event.
const NEXT_MESSAGE_TIMEOUT: Duration = Duration::from_secs(10);

const LEDGER_EVENTS: &str = "subscription($from: Int64, $prefix: String) { \
     ledgerEvents(fromPosition: $from, filter: { streamPrefix: $prefix }) { \
     position eventType streamId payload } }";

const CASE_UPDATES: &str = "subscription($from: Int64, $id: ID!) { \
     caseUpdates(kind: WORK_PROJECT, id: $id, fromPosition: $from) { position eventType } }";

/// The next `n` events of subscription `id`, each checked to be a `next` message.
async fn next_events(socket: &mut GraphQlSocket, id: &str, n: usize) -> Vec<Value> {
    let mut events = Vec::with_capacity(n);
    while events.len() < n {
        let message = tokio::time::timeout(NEXT_MESSAGE_TIMEOUT, socket.next_message())
            .await
            .unwrap_or_else(|_| panic!("no event after {} of {n}: {events:?}", events.len()))
            .expect("the socket stays open");
        assert_eq!(message["type"], "next", "{message}");
        assert_eq!(message["id"], id, "{message}");
        events.push(message["payload"]["data"]["ledgerEvents"].clone());
    }
    events
}

/// The next `n` events of each of two subscriptions sharing one socket.
async fn next_events_of_two(
    socket: &mut GraphQlSocket,
    ids: [&str; 2],
    n: usize,
) -> (Vec<Value>, Vec<Value>) {
    let mut events = (Vec::with_capacity(n), Vec::with_capacity(n));
    while events.0.len() < n || events.1.len() < n {
        let message = tokio::time::timeout(NEXT_MESSAGE_TIMEOUT, socket.next_message())
            .await
            .unwrap_or_else(|_| panic!("no event after {events:?}"))
            .expect("the socket stays open");
        assert_eq!(message["type"], "next", "{message}");
        let data = &message["payload"]["data"];
        match message["id"].as_str() {
            Some(id) if id == ids[0] => events.0.push(data["ledgerEvents"].clone()),
            Some(id) if id == ids[1] => events.1.push(data["caseUpdates"].clone()),
            _ => panic!("a message for no subscription: {message}"),
        }
    }
    events
}

async fn a_subscriber_receives_the_repair_as_it_happens(backend: Backend) {
    let world = World::start_on(backend).await;
    let repair = Repair::new();
    let from = world.public().head_position().await + 1;
    let mut everything = GraphQlSocket::connect(&world.address(), Some(&world.cast.auditor.token))
        .await
        .expect("the auditor's token is accepted in connection_init");
    everything
        .subscribe_with(
            "all",
            LEDGER_EVENTS,
            serde_json::json!({ "from": from, "prefix": null }),
        )
        .await;
    let mut works = GraphQlSocket::connect(&world.address(), Some(&world.cast.clerk.token))
        .await
        .expect("the clerk's token is accepted in connection_init");
    works
        .subscribe_with(
            "works",
            LEDGER_EVENTS,
            serde_json::json!({ "from": from, "prefix": "work-" }),
        )
        .await;
    // The same socket carries a second subscription: one case's updates.
    works
        .subscribe_with(
            "one-case",
            CASE_UPDATES,
            serde_json::json!({ "from": from, "id": repair.work_project_id }),
        )
        .await;

    let steps = repair_steps(&world, &repair);
    let expected: Vec<&str> = steps
        .iter()
        .flat_map(|s| s.events.iter().copied())
        .collect();
    let expected_works: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|t| t.starts_with("WorkProject"))
        .collect();
    let types = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["eventType"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let (last, received, received_works) = tokio::join!(
        run_repair(&world, &repair),
        next_events(&mut everything, "all", expected.len()),
        next_events_of_two(&mut works, ["works", "one-case"], expected_works.len()),
    );
    let (received_works, received_case) = received_works;
    assert_eq!(types(&received_case), expected_works);

    assert_eq!(types(&received), expected);
    assert_eq!(types(&received_works), expected_works);
    let positions: Vec<u64> = received
        .iter()
        .filter_map(|e| e["position"].as_u64())
        .collect();
    let in_order: Vec<u64> = (from..=last).collect();
    assert_eq!(positions, in_order);
    assert!(
        received.iter().all(|e| e["payload"].is_object()),
        "a member's subscription carries payloads: {received:?}"
    );
}

async fn a_public_subscriber_gets_no_payloads_and_a_bad_token_gets_no_connection(backend: Backend) {
    let world = World::start_on(backend).await;
    let from = world.public().head_position().await + 1;
    let mut public = GraphQlSocket::connect(&world.address(), None)
        .await
        .expect("no token is the public view");
    public
        .subscribe_with(
            "public",
            LEDGER_EVENTS,
            serde_json::json!({ "from": from, "prefix": "request-" }),
        )
        .await;
    let repair = Repair::new();
    let receive = repair_steps(&world, &repair).remove(0);
    let resident = world.client(&world.cast.resident);
    let (_, received) = tokio::join!(
        resident.run(&receive.command),
        next_events(&mut public, "public", 1)
    );
    assert_eq!(received[0]["eventType"], "RequestReceived");
    assert_eq!(received[0]["payload"], Value::Null, "{received:?}");

    let refused = GraphQlSocket::connect(&world.address(), Some("glt_not-a-token")).await;
    assert!(refused.is_err(), "an unknown token must not get an ack");
}

async fn a_socket_without_connection_init_is_closed_with_4408(backend: Backend) {
    /// The timeout this server runs with: short, so the test is quick.
    const INIT_TIMEOUT_MS: u64 = 300;
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let timeout = INIT_TIMEOUT_MS.to_string();
    let ledger = BackendLedger::create(backend);
    let mut args = vec![
        "serve",
        "--data",
        data.to_str().expect("temp paths are UTF-8"),
        "--connection-init-timeout-ms",
        &timeout,
    ];
    args.extend(ledger.serve_args());
    let server = Server::start(&args, &dir.path().join("server.log"));
    let started = std::time::Instant::now();
    let mut silent = GraphQlSocket::open(&server.address())
        .await
        .expect("the socket opens");
    // One that initialises in time is served as usual, past the timeout.
    let mut prompt = GraphQlSocket::connect(&server.address(), None)
        .await
        .expect("a prompt connection_init is acknowledged");
    let closed = tokio::time::timeout(NEXT_MESSAGE_TIMEOUT, silent.next_message())
        .await
        .expect("the silent socket is closed in time")
        .expect("a close frame");
    assert_eq!(closed["type"], "close", "{closed}");
    assert_eq!(closed["code"], 4408, "{closed}");
    assert_eq!(
        closed["reason"], "Connection initialisation timeout",
        "{closed}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(INIT_TIMEOUT_MS),
        "closed after {:?}, before the timeout",
        started.elapsed()
    );
    prompt
        .subscribe_with(
            "late",
            "subscription { ledgerEvents(fromPosition: 1) { position } }",
            serde_json::json!({}),
        )
        .await;
    let answer = tokio::time::timeout(
        Duration::from_millis(3 * INIT_TIMEOUT_MS),
        prompt.next_message(),
    )
    .await;
    // An empty ledger sends nothing: the socket staying open (no close) is the point.
    if let Ok(message) = answer {
        let message = message.expect("the initialised socket stays open");
        assert_ne!(message["type"], "close", "{message}");
    }
}

govledger_tests::on_both_backends!(
    a_subscriber_receives_the_repair_as_it_happens,
    a_public_subscriber_gets_no_payloads_and_a_bad_token_gets_no_connection,
    a_socket_without_connection_init_is_closed_with_4408,
);

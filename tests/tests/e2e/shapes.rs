//! Issue 13's load shapes, at the scale of a test, through the real binary: each is recorded
//! into a fresh data directory (`govledger_tests::shapes`), then `govledger serve` builds its
//! read models; every read model must become ready, and the cases answer with the counts the
//! shape recorded.

use std::time::Duration;

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_tests::e2e::{Client, Server, request};
use govledger_tests::shapes::{self, Recorded, Shape};
use serde_json::json;

/// The share of each shape's full size recorded here (a few thousand events each).
const SCALES: [(Shape, f64); 4] = [
    (Shape::Burst, 0.005),
    (Shape::HotCase, 0.1),
    (Shape::BusyOrganisation, 0.01),
    (Shape::CompressedMonth, 0.005),
];
const READY_WITHIN: Duration = Duration::from_secs(120);

async fn count(client: &Client, filter: serde_json::Value) -> u64 {
    let data = client
        .data(
            "query($filter: CaseFilterInput!) { cases(filter: $filter, first: 1) { totalCount } }",
            json!({ "filter": filter }),
        )
        .await;
    data["cases"]["totalCount"].as_u64().unwrap_or(u64::MAX)
}

async fn check(address: &str, shape: Shape, recorded: &Recorded) {
    let client = Client::new(address, None);
    let name = shape.name();
    let models = client
        .data("{ readModels { name state } }", json!({}))
        .await;
    for model in models["readModels"].as_array().expect("a list") {
        assert_eq!(model["state"], "CAUGHT_UP", "{name}: {model}");
    }
    for (kind, expect) in [
        ("REQUEST", recorded.requests),
        ("WORK_PROJECT", recorded.work_projects),
        ("DECISION", recorded.decisions),
        ("MEDIATION", recorded.mediations),
    ] {
        let counted = count(&client, json!({ "kind": kind })).await;
        assert_eq!(counted, expect, "{name}: {kind}");
    }
    if recorded.closed_requests > 0 {
        let closed = count(&client, json!({ "kind": "REQUEST", "status": "closed" })).await;
        assert_eq!(closed, recorded.closed_requests, "{name}: closed");
    }
    if let Some((organisation, expect)) = recorded.dispatched_to {
        let filter = json!({ "kind": "REQUEST", "organisationId": organisation.to_string() });
        assert_eq!(count(&client, filter).await, expect, "{name}: organisation");
    }
    if let Some((request, events)) = recorded.hot_request {
        let data = client
            .data(
                "query($id: ID!) { case(kind: REQUEST, id: $id) { eventCount } }",
                json!({ "id": request.to_string() }),
            )
            .await;
        assert_eq!(
            data["case"]["eventCount"],
            json!(events),
            "{name}: hot case"
        );
    }
}

#[tokio::test]
async fn every_load_shape_is_served_ready_with_its_counts() {
    for (shape, scale) in SCALES {
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = dir.path().join("data");
        let ledger = data.join("ledger");
        // The store's appends block: off the runtime's threads.
        let recorded = tokio::task::spawn_blocking(move || {
            let store = SledStore::open(ledger).expect("a store");
            let recorded = shapes::record(&store, shape, scale).expect("recorded");
            assert_eq!(store.head().position, recorded.events, "{}", shape.name());
            store.close().expect("closed");
            recorded
        })
        .await
        .expect("recorded");
        let data_arg = data.to_str().expect("temp paths are UTF-8");
        let server = Server::start(&["serve", "--data", data_arg], &dir.path().join("log"));
        let address = server.address();
        let deadline = tokio::time::Instant::now() + READY_WITHIN;
        loop {
            let ready = request(&address, "GET", "/readyz", &[], b"").await;
            if ready.status == 200 {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} not ready within {READY_WITHIN:?}: {}",
                shape.name(),
                ready.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        check(&address, shape, &recorded).await;
        assert_eq!(server.stop(), Some(0), "{}", shape.name());
    }
}

//! Operating the read models of a running server: `readModels` reports each one's state and
//! position, `/metrics` the same per projection, and a directory administrator (nobody else)
//! rebuilds one with `rebuildReadModel` while queries keep answering.

use std::time::Duration;

use govledger_tests::e2e::{Backend, Client, World, request};
use serde_json::{Value, json};

const READ_MODELS: &str = "{ readModels { name state appliedPosition headPosition lagEvents \
     rebuiltPosition stoppedAtPosition stopReason } }";
const REBUILD: &str = "mutation($name: String) { rebuildReadModel(name: $name) { names } }";
const REBUILT_WITHIN: Duration = Duration::from_secs(60);

fn error_code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn states(client: &Client) -> Vec<(String, String)> {
    let data = client.data(READ_MODELS, json!({})).await;
    data["readModels"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap_or("").to_string(),
                m["state"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Polls `readModels` until every one is caught up, asking for a page of cases each time:
/// queries keep answering (from the previous generation during a rebuild) meanwhile.
async fn all_caught_up(public: &Client) {
    let deadline = tokio::time::Instant::now() + REBUILT_WITHIN;
    loop {
        public
            .data(
                "{ cases(filter: { kind: REQUEST }, first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        let now = states(public).await;
        if now.iter().all(|(_, state)| state == "CAUGHT_UP") {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not caught up within {REBUILT_WITHIN:?}: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn read_models_report_their_state_and_an_administrator_rebuilds_one(backend: Backend) {
    let world = World::start_on(backend).await;
    let public = world.public();
    let head = public.head_position().await;
    // `World::start` reads its directory back; the other read models follow within moments.
    all_caught_up(&public).await;
    let data = public.data(READ_MODELS, json!({})).await;
    let models = data["readModels"].as_array().expect("a list");
    let names: Vec<&str> = models.iter().filter_map(|m| m["name"].as_str()).collect();
    assert_eq!(names, ["cases", "directory", "audit", "metrics"], "{data}");
    for model in models {
        assert_eq!(model["state"], "CAUGHT_UP", "{model}");
        assert_eq!(model["appliedPosition"], json!(head), "{model}");
        assert_eq!(model["lagEvents"], 0, "{model}");
        assert!(model["stopReason"].is_null(), "{model}");
    }

    for (caller, name, code) in [
        (world.public(), json!("cases"), "UNAUTHENTICATED"),
        (world.client(&world.cast.clerk), json!("cases"), "FORBIDDEN"),
        (world.client(&world.cast.auditor), json!(null), "FORBIDDEN"),
        (
            world.client(&world.cast.administrator),
            json!("nope"),
            "BAD_USER_INPUT",
        ),
    ] {
        let body = caller.query(REBUILD, json!({ "name": name })).await;
        assert_eq!(error_code(&body), code, "{name}: {body}");
    }

    let administrator = world.client(&world.cast.administrator);
    let started = administrator
        .data(REBUILD, json!({ "name": "cases" }))
        .await;
    assert_eq!(started["rebuildReadModel"]["names"], json!(["cases"]));
    all_caught_up(&public).await;

    let metrics = request(&world.address(), "GET", "/metrics", &[], b"").await;
    for line in [
        "govledger_read_model_state{projection=\"cases\",state=\"caught_up\"} 1",
        "govledger_read_model_state{projection=\"cases\",state=\"failed\"} 0",
        &format!("govledger_read_model_applied_position{{projection=\"audit\"}} {head}"),
    ] {
        assert!(
            metrics.body.contains(line),
            "no {line:?} in\n{}",
            metrics.body
        );
    }
}

govledger_tests::on_both_backends!(
    read_models_report_their_state_and_an_administrator_rebuilds_one,
);

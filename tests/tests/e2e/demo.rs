//! The README's quick start: `govledger demo --data DIR` builds the Wanghai demo, serves it,
//! and once the read models have caught up prints an auditor token and the URL; the README's
//! auditor queries answer with the report's figures.

use std::time::Duration;

use govledger_tests::e2e::{Backend, BackendLedger, Client, Server, request};
use serde_json::{Value, json};

/// Longest the background verification of the demo ledger may take in a debug build.
const VERIFIED_WITHIN: Duration = Duration::from_secs(30);

/// README: the unit-door work project with its details and history.
const UNIT_DOORS: &str = "{
  cases(filter: { kind: WORK_PROJECT, category: \"unit_door_replacement\" }) {
    nodes {
      caseId title status
      details { ... on WorkProjectDetails { plannedQuantities { amount unit } linkedRequestIds } }
      history { nodes { eventId eventType occurredAt actorRole hash } }
    }
  }
}";

/// README: the decision trace from the completion event.
const TRACE: &str = "query ($eventId: ID!) {
  decisionTrace(eventId: $eventId) {
    event { eventType occurredAt }
    causes { eventType occurredAt actorRole position hash }
    cases { kind caseId role isOrigin }
    links { fromKind fromId relation toKind toId }
  }
}";

/// README: rates per organisation, with their samples.
const RATES: &str = "query ($organisationId: ID!) {
  organisations(first: 50) { nodes { organisationId kind name } }
  metrics(scope: { organisationId: $organisationId }, period: { year: 2019 }) {
    requests {
      dispatched
      responseRate { numerator denominator value }
      satisfactionRate { numerator denominator value }
      onTimeClosureRate { numerator denominator value }
    }
  }
}";

async fn the_demo_answers_the_readme_auditor_queries(backend: Backend) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("demo");
    let data = data.to_str().expect("temp paths are UTF-8");
    let ledger = BackendLedger::create(backend);
    let mut args = vec!["demo", "--data", data];
    args.extend(ledger.serve_args());
    let server = Server::start(&args, &dir.path().join("demo.log"));
    let token = server
        .banner_value("auditor token: ")
        .unwrap_or_else(|| panic!("no auditor token in {:?}", server.banner));
    let auditor = Client::new(&server.address(), Some(&token));

    // The URL is printed only once the read models have caught up with the demo ledger:
    // the service is ready and answers from complete read models at once.
    let ready = request(&server.address(), "GET", "/readyz", &[], b"").await;
    assert_eq!(ready.status, 200, "/readyz: {}", ready.body);
    let doors = auditor.data(UNIT_DOORS, json!({})).await;
    let project = &doors["cases"]["nodes"][0];
    assert_eq!(project["title"], "Replace all 16 unit doors", "{doors}");
    let details = project["details"].to_string();
    assert!(details.contains("16"), "{details}");
    let completed = project["history"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .find(|n| n["eventType"] == "WorkProjectCompleted")
        .unwrap_or_else(|| panic!("no completion in {doors}"))["eventId"]
        .clone();

    let trace = auditor.data(TRACE, json!({ "eventId": completed })).await;
    let cases = trace["decisionTrace"]["cases"].as_array().expect("cases");
    let of_kind = |kind: &str| cases.iter().filter(|c| c["kind"] == kind).count();
    assert!(of_kind("DECISION") >= 1, "no decision in {trace}");
    // The door complaints the project was proposed for are among the origins (with the
    // other requests the same decision answered).
    let linked = project["details"]["linkedRequestIds"]
        .as_array()
        .unwrap_or_else(|| panic!("no linked requests in {details}"));
    assert_eq!(linked.len(), 2, "{details}");
    for request in linked {
        assert!(
            cases.iter().any(|c| c["kind"] == "REQUEST"
                && c["caseId"] == *request
                && c["isOrigin"] == true),
            "{request} is not an origin in {trace}"
        );
    }

    let organisations = auditor
        .data(
            "{ organisations(first: 50) { nodes { organisationId kind } } }",
            json!({}),
        )
        .await;
    let property_company = organisations["organisations"]["nodes"]
        .as_array()
        .expect("organisations")
        .iter()
        .find(|o| o.to_string().contains("property_company"))
        .and_then(|o| o.get("organisationId").cloned())
        .unwrap_or_else(|| panic!("no property company in {organisations}"));
    let rates = auditor
        .data(RATES, json!({ "organisationId": property_company }))
        .await;
    let requests = &rates["metrics"]["requests"];
    assert!(
        requests["dispatched"].as_u64().is_some_and(|n| n > 0),
        "{rates}"
    );
    let satisfaction = &requests["satisfactionRate"];
    assert!(
        satisfaction["denominator"].as_u64().is_some_and(|n| n > 0),
        "a rate comes with its sample: {rates}"
    );

    wait_until_verified(&auditor).await;
}

async fn wait_until_verified(client: &Client) -> Value {
    let deadline = tokio::time::Instant::now() + VERIFIED_WITHIN;
    loop {
        let head = client
            .data(
                "{ ledgerHead { position hash verification { status checkedThroughPosition } } }",
                json!({}),
            )
            .await;
        if head["ledgerHead"]["verification"]["status"] == "VERIFIED" {
            assert_eq!(
                head["ledgerHead"]["verification"]["checkedThroughPosition"],
                head["ledgerHead"]["position"]
            );
            return head;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not verified within {VERIFIED_WITHIN:?}: {head}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

govledger_tests::on_both_backends!(the_demo_answers_the_readme_auditor_queries);

//! Open311 GeoReport v2 (ADR 0008), reading: discovery, the services (request categories) and
//! their definitions, and requests read by id, as JSON and XML, equal to GraphQL's answers;
//! errors in the spec's format. Creating and listing: `open311_requests.rs`.

use govledger_tests::e2e::{Backend, BackendLedger, BareServer, request};
use serde_json::Value;

async fn an_open311_client_lists_the_services_as_json_and_xml(backend: Backend) {
    let server = BareServer::start_on(backend, &[]);
    let address = server.address();
    let get = |path: &str| {
        let address = address.clone();
        let path = path.to_string();
        async move { request(&address, "GET", &path, &[], b"").await }
    };

    let services = get("/open311/v2/services.json").await;
    assert_eq!(services.status, 200);
    assert!(
        services
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let list: Vec<Value> = serde_json::from_str(&services.body).expect("a JSON array");
    assert_eq!(list.len(), 12);
    for service in &list {
        for field in [
            "service_code",
            "service_name",
            "description",
            "type",
            "group",
        ] {
            assert!(service[field].is_string(), "{field} in {service}");
        }
        assert_eq!(service["metadata"], true);
        assert_eq!(service["type"], "realtime");
    }
    assert!(list.iter().any(|s| s["service_code"] == "lift"));

    let xml = get("/open311/v2/services.xml").await;
    assert_eq!(xml.status, 200);
    assert!(
        xml.header("content-type")
            .unwrap_or_default()
            .starts_with("text/xml")
    );
    assert!(
        xml.body
            .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>")
    );
    assert_eq!(xml.body.matches("<service>").count(), 12);
    assert!(xml.body.contains("<service_code>lift</service_code>"));

    let definition = get("/open311/v2/services/lift.json").await;
    assert_eq!(definition.status, 200);
    let definition = definition.json();
    assert_eq!(definition["service_code"], "lift");
    let attribute = &definition["attributes"][0];
    assert_eq!(attribute["code"], "kind");
    assert_eq!(attribute["datatype"], "singlevaluelist");
    assert_eq!(attribute["values"].as_array().map(Vec::len), Some(4));
    let definition_xml = get("/open311/v2/services/lift.xml").await;
    assert!(
        definition_xml
            .body
            .contains("<service_definition><attributes><attribute>"),
        "{}",
        definition_xml.body
    );
    assert_eq!(definition_xml.body.matches("<value>").count(), 4);

    let discovery = get("/open311/v2/discovery.json").await.json();
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert!(
        discovery["endpoints"][0]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/open311/v2"))
    );

    for (path, status) in [
        ("/open311/v2/services/teleport.json", 404),
        ("/open311/v2/services", 404),
        (
            "/open311/v2/tokens/0190f5a4-0000-7000-8000-000000000001.json",
            404,
        ),
    ] {
        let response = get(path).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        let errors: Value = serde_json::from_str(&response.body).expect("JSON errors");
        assert_eq!(errors[0]["code"], status, "{path}");
        assert!(errors[0]["description"].is_string(), "{path}");
    }
    let xml_error = get("/open311/v2/services/teleport.xml").await;
    assert_eq!(xml_error.status, 404);
    assert!(
        xml_error
            .body
            .contains("<errors><error><code>404</code><description>"),
        "{}",
        xml_error.body
    );
}

async fn a_request_reads_the_same_over_open311_as_over_graphql(backend: Backend) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("demo");
    let data = data.to_str().expect("temp paths are UTF-8");
    let ledger = BackendLedger::create(backend);
    let mut args = vec!["demo", "--data", data];
    args.extend(ledger.serve_args());
    let server = govledger_tests::e2e::Server::start(&args, &dir.path().join("demo.log"));
    let token = server
        .banner_value("auditor token: ")
        .expect("an auditor token");
    let address = server.address();
    let auditor = govledger_tests::e2e::Client::new(&address, Some(&token));
    let cases = auditor
        .data(
            "{ cases(filter: { kind: REQUEST }, first: 2) { nodes { caseId status category title \
             openedAt dueAt } } }",
            serde_json::json!({}),
        )
        .await;
    let nodes = cases["cases"]["nodes"]
        .as_array()
        .expect("requests")
        .clone();
    assert_eq!(nodes.len(), 2);
    let case = &nodes[0];
    let id = case["caseId"].as_str().expect("an id");
    for key in [None, Some(token.as_str())] {
        let path = match key {
            None => format!("/open311/v2/requests/{id}.json"),
            Some(key) => format!("/open311/v2/requests/{id}.json?api_key={key}"),
        };
        let response = request(&address, "GET", &path, &[], b"").await;
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        let record = &response.json()[0];
        assert_eq!(record["service_request_id"], case["caseId"]);
        assert_eq!(record["service_code"], case["category"]);
        assert_eq!(record["description"], case["title"]);
        assert_eq!(record["requested_datetime"], case["openedAt"]);
        assert_eq!(record["expected_datetime"], case["dueAt"]);
        let closed = ["rejected", "merged", "followed_up", "closed"]
            .contains(&case["status"].as_str().unwrap_or_default());
        assert_eq!(record["status"], if closed { "closed" } else { "open" });
    }
    let xml = request(
        &address,
        "GET",
        &format!("/open311/v2/requests/{id}.xml"),
        &[],
        b"",
    )
    .await;
    assert!(
        xml.body.contains("<service_requests><request>"),
        "{}",
        xml.body
    );
    assert!(
        xml.body
            .contains(&format!("<service_request_id>{id}</service_request_id>"))
    );
    let both = format!(
        "/open311/v2/requests.json?service_request_id={},{}",
        nodes[0]["caseId"].as_str().unwrap_or_default(),
        nodes[1]["caseId"].as_str().unwrap_or_default()
    );
    let listed = request(&address, "GET", &both, &[], b"").await;
    assert_eq!(
        listed.json().as_array().map(Vec::len),
        Some(2),
        "{}",
        listed.body
    );
    for (path, status) in [
        (
            "/open311/v2/requests/0190f5a4-0000-7000-8000-000000000001.json".to_string(),
            404,
        ),
        (
            format!("/open311/v2/requests/{id}.json?api_key=glt_unknown"),
            403,
        ),
        ("/open311/v2/requests/not-a-uuid.json".to_string(), 400),
        ("/open311/v2/requests.json?status=pending".to_string(), 400),
    ] {
        let response = request(&address, "GET", &path, &[], b"").await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        assert_eq!(response.json()[0]["code"], status, "{path}");
    }
}

govledger_tests::on_both_backends!(
    an_open311_client_lists_the_services_as_json_and_xml,
    a_request_reads_the_same_over_open311_as_over_graphql,
);

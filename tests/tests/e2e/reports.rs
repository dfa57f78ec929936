//! Reports at `/reports/<kind>` equal the GraphQL answers they are made of, on the demo:
//! the cases (every page), an organisation's activity and the accountability metrics, as
//! CSV and JSON Lines; refused parameters and tokens get the usual JSON errors.

use govledger_tests::e2e::{
    Backend, BackendLedger, Client, HttpResponse, Server, request, run_cli,
};
use serde_json::{Value, json};

const CASES: &str = "query($after: String) {
  cases(filter: { kind: REQUEST }, first: 100, after: $after) {
    nodes { kind caseId status category title compoundId buildingIds unitIds
            responsibleOrganisationId openedAt updatedAt closedAt dueAt awaitingOutcome
            firstPosition lastPosition eventCount correctionCount }
    pageInfo { hasNextPage endCursor }
  }
}";

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn report(address: &str, token: Option<&str>, path: &str) -> HttpResponse {
    let authorization = token.map(|t| format!("Bearer {t}"));
    let mut headers = Vec::new();
    if let Some(value) = &authorization {
        headers.push(("Authorization", value.as_str()));
    }
    request(address, "GET", path, &headers, b"").await
}

/// Every request case, through all pages of the GraphQL connection.
async fn all_cases(client: &Client) -> Vec<Value> {
    let mut nodes = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = client.data(CASES, json!({ "after": after })).await;
        let connection = &data["cases"];
        nodes.extend(connection["nodes"].as_array().cloned().unwrap_or_default());
        if connection["pageInfo"]["hasNextPage"] != true {
            return nodes;
        }
        after = connection["pageInfo"]["endCursor"].clone();
    }
}

/// A CSV line split into cells (the reports quote only cells with `,`, `"` or newlines; the
/// demo's cells here have none of them except titles, which the test does not split on).
fn csv_cells(line: &str) -> Vec<String> {
    line.split(',').map(str::to_string).collect()
}

async fn reports_equal_the_graphql_answers_on_the_demo(backend: Backend) {
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
    let address = server.address();
    let auditor = Client::new(&address, Some(&token));

    // Cases, as JSON Lines: row for row what GraphQL answers.
    let expected = all_cases(&auditor).await;
    assert!(!expected.is_empty());
    let filter = encode("{\"kind\":\"REQUEST\"}");
    let jsonl = report(
        &address,
        Some(&token),
        &format!("/reports/cases?format=jsonl&filter={filter}"),
    )
    .await;
    assert_eq!(jsonl.status, 200, "{}", jsonl.body);
    assert!(
        jsonl
            .header("content-type")
            .unwrap_or_default()
            .starts_with("application/jsonl")
    );
    let rows: Vec<Value> = jsonl
        .body
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(rows, expected);

    // The same as CSV: a header and one line per case, ids in the same order.
    let csv = report(
        &address,
        Some(&token),
        &format!("/reports/cases?filter={filter}"),
    )
    .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    assert!(
        csv.header("content-disposition")
            .unwrap_or_default()
            .contains("cases.csv")
    );
    let lines: Vec<&str> = csv.body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("kind,caseId,status,category,title,"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), expected.len() + 1);
    for (line, case) in lines[1..].iter().zip(&expected) {
        assert_eq!(
            csv_cells(line)[1],
            case["caseId"].as_str().unwrap_or_default()
        );
    }

    // The metrics of 2019, as CSV: every figure GraphQL gives, by name.
    let period = encode("{\"year\":2019}");
    let metrics = report(
        &address,
        Some(&token),
        &format!("/reports/metrics?period={period}"),
    )
    .await;
    assert_eq!(metrics.status, 200, "{}", metrics.body);
    let figures: std::collections::HashMap<String, String> = metrics
        .body
        .split("\r\n")
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let graphql = auditor
        .data(
            "{ metrics(period: { year: 2019 }) { requests { received dispatched \
             responseRate { numerator denominator value } } works { budgetCents costCents } } }",
            json!({}),
        )
        .await;
    let m = &graphql["metrics"];
    for (name, value) in [
        ("requests.received", &m["requests"]["received"]),
        ("requests.dispatched", &m["requests"]["dispatched"]),
        (
            "requests.responseRate.numerator",
            &m["requests"]["responseRate"]["numerator"],
        ),
        (
            "requests.responseRate.denominator",
            &m["requests"]["responseRate"]["denominator"],
        ),
        (
            "requests.responseRate.value",
            &m["requests"]["responseRate"]["value"],
        ),
        ("works.budgetCents", &m["works"]["budgetCents"]),
        ("works.costCents", &m["works"]["costCents"]),
    ] {
        assert_eq!(figures.get(name), Some(&value.to_string()), "{name}");
    }

    // The busiest organisation's activity (several pages): as many rows as GraphQL counts.
    let organisations = auditor
        .data(
            "{ organisations(first: 50) { nodes { organisationId \
             } } }",
            json!({}),
        )
        .await;
    let mut busiest = (0, String::new());
    for node in organisations["organisations"]["nodes"]
        .as_array()
        .expect("organisations")
    {
        let id = node["organisationId"].as_str().expect("an id").to_string();
        let counted = auditor
            .data(
                "query($id: ID!) { organisationActivity(organisationId: $id) { totalCount } }",
                json!({ "id": id }),
            )
            .await["organisationActivity"]["totalCount"]
            .as_u64()
            .expect("a count");
        if counted > busiest.0 {
            busiest = (counted, id);
        }
    }
    let (counted, organisation) = busiest;
    assert!(
        counted > 100,
        "the busiest organisation has {counted} entries"
    );
    let activity = report(
        &address,
        Some(&token),
        &format!("/reports/activity?format=jsonl&organisationId={organisation}"),
    )
    .await;
    assert_eq!(activity.status, 200, "{}", activity.body);
    assert_eq!(activity.body.lines().count() as u64, counted);

    // Refusals: the usual JSON error, nothing streamed.
    for (path, token, status, code) in [
        (
            "/reports/cases",
            Some(token.as_str()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/reports/cases?filter=%7B%7D",
            Some(token.as_str()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/reports/people",
            Some(token.as_str()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/reports/activity?accountId=nope",
            Some(token.as_str()),
            400,
            "BAD_USER_INPUT",
        ),
        (
            "/reports/metrics?period=%7B%22year%22%3A2019%7D",
            Some("glt_unknown"),
            401,
            "UNAUTHENTICATED",
        ),
    ] {
        let response = report(&address, token, path).await;
        assert_eq!(response.status, status, "{path}: {}", response.body);
        assert_eq!(
            response.json()["errors"][0]["extensions"]["code"],
            code,
            "{path}"
        );
    }

    // The public view: the same report without residents' data.
    let public = report(
        &address,
        None,
        &format!("/reports/cases?format=jsonl&filter={filter}"),
    )
    .await;
    assert_eq!(public.status, 200);
    let first: Value =
        serde_json::from_str(public.body.lines().next().expect("a row")).expect("JSON");
    assert!(first["unitIds"].is_null(), "{first}");

    // `govledger report`, the server stopped: byte for byte what the server answered, the
    // public view (no residents' data) unless `--token` names a role.
    assert_eq!(server.stop(), Some(0));
    let jsonl_cases = vec![
        "report",
        "cases",
        "--format",
        "jsonl",
        "--filter",
        "{\"kind\":\"REQUEST\"}",
    ];
    for (args, token, expected) in [
        (jsonl_cases.clone(), Some(token.as_str()), &jsonl.body),
        (jsonl_cases, None, &public.body),
        (
            vec!["report", "metrics", "--period", "{\"year\":2019}"],
            Some(token.as_str()),
            &metrics.body,
        ),
    ] {
        let mut args = args;
        args.extend(["--data", data]);
        args.extend(ledger.serve_args());
        if let Some(token) = token {
            args.extend(["--token", token]);
        }
        let output = run_cli(&args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            &String::from_utf8_lossy(&output.stdout),
            expected,
            "{args:?}"
        );
    }
    let refused = run_cli(&["report", "cases", "--data", data]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs `filter`"));
}

govledger_tests::on_both_backends!(reports_equal_the_graphql_answers_on_the_demo);

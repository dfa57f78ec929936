//! GraphQL over HTTP at the edges: every malformed, refused or unanswerable request gets a
//! status and an `extensions.code` a client can act on, and none of them appends anything.

use govledger_core::domain::command::Command;
use govledger_core::domain::ids::RequestId;
use govledger_core::domain::request::commands::RequestCommand;
use govledger_tests::e2e::{Backend, Cast, Member, World, request};
use serde_json::{Value, json};
use uuid::Uuid;

/// Largest body the server takes (`govledger_graphql::limits::REQUEST_BODY_BYTES_MAX`).
const REQUEST_BODY_BYTES_MAX: usize = 256 * 1024;
/// Longest a consistency token is waited for (`govledger_graphql::limits::CONSISTENCY_WAIT_MAX`).
const CONSISTENCY_WAIT_MAX: std::time::Duration = std::time::Duration::from_secs(5);
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// Who sends a command in a table.
type Sender = fn(&Cast) -> &Member;

/// One raw HTTP request to `/graphql` (or a query string on it).
struct Raw {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// What the server must answer: the status and, when there is a GraphQL error, its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Answer {
    status: u16,
    code: Option<&'static str>,
}

const fn answer(status: u16, code: &'static str) -> Answer {
    Answer {
        status,
        code: Some(code),
    }
}

/// A POSTed GraphQL request as a client sends it, without a token.
fn post(body: impl Into<Vec<u8>>) -> Raw {
    Raw {
        method: "POST",
        path: "/graphql".into(),
        headers: vec![
            ("Content-Type", "application/json".into()),
            ("Accept", GRAPHQL_RESPONSE_JSON.into()),
        ],
        body: body.into(),
    }
}

/// A query with variables, POSTed.
fn query(text: &str, variables: Value) -> Raw {
    post(
        json!({ "query": text, "variables": variables })
            .to_string()
            .into_bytes(),
    )
}

/// A GET with the query in the query string.
fn get(text: &str) -> Raw {
    Raw {
        method: "GET",
        path: format!("/graphql?query={}", percent_encode(text)),
        headers: vec![("Accept", GRAPHQL_RESPONSE_JSON.into())],
        body: Vec::new(),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Raw {
    fn header(mut self, name: &'static str, value: &str) -> Raw {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value.to_string()));
        self
    }
}

/// Sends `raw`; checks the status, the first error's code, and that the head did not move.
async fn check(world: &World, raw: Raw, expect: Answer) -> Value {
    let auditor = world.client(&world.cast.auditor);
    let head = auditor.head_position().await;
    let headers: Vec<(&str, &str)> = raw.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let response = request(&world.address(), raw.method, &raw.path, &headers, &raw.body).await;
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    let got = (
        response.status,
        body["errors"][0]["extensions"]["code"].as_str(),
    );
    assert_eq!(
        got,
        (expect.status, expect.code),
        "{} {}: answered {} {}",
        raw.method,
        raw.path,
        response.status,
        response.body
    );
    assert_eq!(auditor.head_position().await, head, "the ledger grew");
    if response.status >= 400 {
        let content_type = response.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/") && content_type.contains("json"),
            "{} {}: error answered as {content_type:?}",
            raw.method,
            raw.path
        );
    }
    if let Some(errors) = body["errors"].as_array() {
        for error in errors {
            assert!(
                error["extensions"]["code"].is_string(),
                "an error without a code: {error}"
            );
        }
    }
    body
}

/// A query nested past the depth limit (12): introspection beside an ordinary field (an
/// operation of nothing but introspection has its own limit, see `introspection.rs`).
fn over_deep_query() -> String {
    let mut inner = String::from("name");
    for _ in 0..14 {
        inner = format!("ofType {{ {inner} }}");
    }
    format!(
        "{{ ledgerHead {{ position }} __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}"
    )
}

async fn malformed_refused_and_over_limit_requests_get_clear_errors_and_append_nothing(
    backend: Backend,
) {
    let world = World::start_on(backend).await;
    let mutation = "mutation { executeCommand(input: { command: {}, idempotencyKey: \"k\" }) \
                    { positions } }";
    let cases = [
        (post("{\"query\": "), answer(400, "BAD_USER_INPUT")),
        (
            post("[{\"query\": \"{ ledgerHead { position } }\"}]"),
            answer(400, "BAD_USER_INPUT"),
        ),
        (post("{\"variables\": {}}"), answer(400, "BAD_USER_INPUT")),
        (
            query("{ ledgerHead { position } }", json!({})).header("Content-Type", "text/plain"),
            answer(415, "BAD_USER_INPUT"),
        ),
        (get(mutation), answer(405, "BAD_USER_INPUT")),
        (
            post(vec![b' '; REQUEST_BODY_BYTES_MAX + 1]),
            answer(413, "BAD_USER_INPUT"),
        ),
        (
            query("{ ledgerHead { position ", json!({})),
            answer(400, "GRAPHQL_PARSE_FAILED"),
        ),
        (
            query("{ ledgerHeadd { position } }", json!({})),
            answer(400, "GRAPHQL_VALIDATION_FAILED"),
        ),
        (
            query(&over_deep_query(), json!({})),
            answer(400, "QUERY_TOO_COSTLY"),
        ),
        (
            query(
                "{ cases(filter: { kind: REQUEST }, first: 100) { nodes { \
                 history(first: 100) { nodes { position eventType hash } } } } }",
                json!({}),
            ),
            answer(400, "QUERY_TOO_COSTLY"),
        ),
        (
            query("subscription { ledgerEvents { position } }", json!({})),
            answer(400, "BAD_USER_INPUT"),
        ),
        (
            query("{ ledgerHead { position } }", json!({}))
                .header("Authorization", "Basic e2U6ZTJl"),
            answer(401, "UNAUTHENTICATED"),
        ),
        (
            get("{ ledgerHead { position } }"),
            Answer {
                status: 200,
                code: None,
            },
        ),
    ];
    for (raw, expect) in cases {
        check(&world, raw, expect).await;
    }
    let not_acceptable =
        query("{ ledgerHead { position } }", json!({})).header("Accept", "text/html");
    check(&world, not_acceptable, answer(406, "BAD_USER_INPUT")).await;
}

async fn unknown_ids_bad_cursors_and_page_sizes_get_clear_errors(backend: Backend) {
    let world = World::start_on(backend).await;
    let unknown = Uuid::now_v7();
    let hex = |text: &str| text.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let node = "query($id: ID!) { node(id: $id) { id } }";
    let case = "query($id: ID!) { case(kind: REQUEST, id: $id) { status } }";
    let events_after = "query($after: String) { events(first: 5, after: $after) { totalCount } }";
    let cases_after = "query($after: String) { cases(filter: { kind: REQUEST }, after: $after) \
                       { totalCount } }";
    let case_at = "query($id: ID!, $at: Int64) { case(kind: REQUEST, id: $id, consistency: $at) \
                   { status } }";
    let head = world.client(&world.cast.auditor).head_position().await;
    let history_cursor = world
        .client(&world.cast.auditor)
        .data(
            "query($id: ID!) { accountActivity(accountId: $id, first: 1) { pageInfo { endCursor } } }",
            json!({ "id": world.cast.administrator.account_id }),
        )
        .await["accountActivity"]["pageInfo"]["endCursor"]
        .clone();
    assert!(history_cursor.is_string(), "the administrator has activity");
    // `null` data and no error: nothing has that id.
    let nothing = Answer {
        status: 200,
        code: None,
    };
    let cases = [
        (
            query(node, json!({ "id": "zz" })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query(node, json!({ "id": hex("Nothing:1") })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query(
                node,
                json!({ "id": hex(&format!("Case:request:{unknown}")) }),
            ),
            nothing,
        ),
        (
            query(node, json!({ "id": hex("LedgerEvent:999999") })),
            nothing,
        ),
        (
            query(case, json!({ "id": "not-a-uuid" })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (query(case, json!({ "id": unknown })), nothing),
        // A consistency token beyond the head is refused at once (no write produced it)…
        (
            query(case_at, json!({ "id": unknown, "at": 999_999 })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query(case_at, json!({ "id": unknown, "at": head + 1 })),
            answer(200, "BAD_USER_INPUT"),
        ),
        // … one at the head is waited for and answered.
        (
            query(case_at, json!({ "id": unknown, "at": head })),
            nothing,
        ),
        (
            query(events_after, json!({ "after": "garbage" })),
            answer(200, "BAD_USER_INPUT"),
        ),
        // A cursor of another connection is refused, not misread.
        (
            query(events_after, json!({ "after": history_cursor })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query(cases_after, json!({ "after": "garbage" })),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query("{ events(first: 101) { totalCount } }", json!({})),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query("{ events(first: -1) { totalCount } }", json!({})),
            answer(200, "BAD_USER_INPUT"),
        ),
        (
            query("{ events(first: 1, last: 1) { totalCount } }", json!({})),
            answer(200, "BAD_USER_INPUT"),
        ),
    ];
    for (raw, expect) in cases {
        let started = std::time::Instant::now();
        let body = check(&world, raw, expect).await;
        assert!(
            started.elapsed() < CONSISTENCY_WAIT_MAX,
            "a request waited {:?}, as long as a consistency token can",
            started.elapsed()
        );
        if expect == nothing {
            let data = body["data"].as_object().expect("data");
            assert!(data.values().all(Value::is_null), "{body}");
        }
    }
}

async fn refused_commands_name_the_field_or_the_reason_and_append_nothing(backend: Backend) {
    let world = World::start_on(backend).await;
    let accept_unknown = Command::Request {
        request_id: RequestId(Uuid::now_v7()),
        command: RequestCommand::Accept { category: None },
    };
    let mutation = "mutation($input: ExecuteCommandInput!) { executeCommand(input: $input) { \
                    positions userErrors { field message code } } }";
    let input = |command: Value, key: &str, expected_version: Option<u64>| {
        json!({ "input": {
            "command": command,
            "idempotencyKey": key,
            "expectedVersion": expected_version,
        } })
    };
    let accept_unknown = serde_json::to_value(&accept_unknown).expect("serialises");
    let directory_version = world
        .client(&world.cast.auditor)
        .data("{ events(last: 1) { nodes { streamVersion } } }", json!({}))
        .await["events"]["nodes"][0]["streamVersion"]
        .as_u64()
        .expect("a version");
    // A command the directory would take, sent with a stale expected version.
    let register_compound = json!({ "Directory": { "RegisterCompound": {
        "compound_id": Uuid::now_v7(), "name": "Oriental Coast", "registered_households": 964,
    } } });
    let cases: [(Sender, Value, &str, Option<Value>); 4] = [
        (
            |c| &c.clerk,
            input(json!({ "Request": { "nonsense": true } }), "k1", None),
            "BAD_USER_INPUT",
            Some(json!(["input", "command"])),
        ),
        (
            |c| &c.clerk,
            input(accept_unknown.clone(), "", None),
            "BAD_USER_INPUT",
            Some(json!(["input", "idempotencyKey"])),
        ),
        (
            |c| &c.clerk,
            input(accept_unknown, "k2", None),
            "NOT_FOUND",
            None,
        ),
        (
            |c| &c.administrator,
            input(register_compound, "k3", Some(directory_version - 1)),
            "CONFLICT",
            None,
        ),
    ];
    for (sender, variables, code, field) in cases {
        let client = world.client(sender(&world.cast));
        let head = client.head_position().await;
        let body = client.query(mutation, variables.clone()).await;
        let error = &body["data"]["executeCommand"]["userErrors"][0];
        assert_eq!(error["code"], code, "{variables}: {body}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        if let Some(field) = field {
            assert_eq!(error["field"], field, "{body}");
        }
        assert_eq!(body["data"]["executeCommand"]["positions"], json!([]));
        assert_eq!(
            client.head_position().await,
            head,
            "{variables}: the ledger grew"
        );
    }
}

govledger_tests::on_both_backends!(
    malformed_refused_and_over_limit_requests_get_clear_errors_and_append_nothing,
    unknown_ids_bad_cursors_and_page_sizes_get_clear_errors,
    refused_commands_name_the_field_or_the_reason_and_append_nothing,
);

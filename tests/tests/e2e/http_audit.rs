//! The GraphQL-over-HTTP audit (`graphql-http`'s `auditServer`, 1.23) as Rust tests: the
//! cases about media types, status codes, GET/POST rules and request parameters, each named by
//! the audit's id, so a regression fails CI without node. The audit itself, run against a
//! server by hand, reports 0 errors and 0 warnings (docs/graphql.md).

use govledger_tests::e2e::{Backend, BareServer, HttpResponse, request};
use serde_json::{Value, json};

const GQL: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// One raw request.
struct Raw {
    method: &'static str,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// A POST to `/graphql` with `Content-Type: application/json` and `accept` when given.
fn post(accept: Option<&str>, body: Value) -> Raw {
    post_text(accept, &body.to_string())
}

fn post_text(accept: Option<&str>, body: &str) -> Raw {
    let mut headers = vec![("Content-Type", JSON.to_string())];
    if let Some(accept) = accept {
        headers.push(("Accept", accept.to_string()));
    }
    Raw {
        method: "POST",
        path: "/graphql".into(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

/// A GET with `params` form-encoded into the query string.
fn get(accept: Option<&str>, params: &[(&str, &str)]) -> Raw {
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", percent_encode(value)))
        .collect();
    let mut headers = Vec::new();
    if let Some(accept) = accept {
        headers.push(("Accept", accept.to_string()));
    }
    Raw {
        method: "GET",
        path: format!("/graphql?{}", query.join("&")),
        headers,
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

/// What the body must hold.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// `data` and no `errors`.
    NoErrors,
    /// `errors`, with or without `data`.
    Errors,
    /// `errors` and no `data` entry at all (a request error).
    ErrorsWithoutData,
}

/// The expected answer: status range, content type (a prefix), body.
struct Expect {
    status: (u16, u16),
    content_type: Option<&'static str>,
    body: Body,
}

const fn status(code: u16, content_type: Option<&'static str>, body: Body) -> Expect {
    Expect {
        status: (code, code),
        content_type,
        body,
    }
}

const fn client_error(body: Body) -> Expect {
    Expect {
        status: (400, 499),
        content_type: None,
        body,
    }
}

async fn send(address: &str, raw: &Raw) -> HttpResponse {
    let headers: Vec<(&str, &str)> = raw.headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    request(address, raw.method, &raw.path, &headers, &raw.body).await
}

fn check(id: &str, raw: &Raw, response: &HttpResponse, expect: &Expect) {
    let context = format!(
        "{id}: {} {} answered {} {:?} {}",
        raw.method,
        raw.path,
        response.status,
        response.header("content-type"),
        response.body
    );
    assert!(
        (expect.status.0..=expect.status.1).contains(&response.status),
        "{context}"
    );
    if let Some(content_type) = expect.content_type {
        let got = response.header("content-type").unwrap_or_default();
        assert!(got.starts_with(content_type), "{context}");
        assert!(got.contains("charset=utf-8"), "{context}");
    }
    let body: Value = serde_json::from_str(&response.body).unwrap_or(Value::Null);
    match expect.body {
        Body::NoErrors => {
            assert!(body.get("data").is_some(), "{context}");
            assert!(body.get("errors").is_none(), "{context}");
        }
        Body::Errors => assert!(body["errors"].is_array(), "{context}"),
        Body::ErrorsWithoutData => {
            assert!(body["errors"].is_array(), "{context}");
            assert!(body.get("data").is_none(), "{context}");
        }
    }
}

async fn the_graphql_over_http_audit_cases_pass(backend: Backend) {
    let server = BareServer::start_on(backend, &[]);
    let typename = json!({ "query": "{ __typename }" });
    let coerce = json!({ "query": "query CoerceFailure($id: ID!){ __typename }",
                         "variables": { "id": null } });
    let variables = json!({ "query": "query Type($name: String!) { __type(name: $name) { name } }",
                            "variables": { "name": "sometype" } });
    let mut cases: Vec<(&str, Raw, Expect)> = vec![
        // Media types.
        (
            "4655",
            post(Some(JSON), typename.clone()),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "22EB",
            post(Some(GQL), typename.clone()),
            status(200, Some(GQL), Body::NoErrors),
        ),
        (
            "47DE",
            post(Some("*/*"), typename.clone()),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "80D8",
            post(None, typename.clone()),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "BF61",
            post(
                Some(JSON),
                json!({ "query": "{ __type(name: \"Run🏃Swim🏊\") { name } }" }),
            )
            .with_header("Content-Type", "application/json; charset=utf-8"),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "406",
            post(Some("text/html"), typename.clone()),
            status(406, Some(JSON), Body::Errors),
        ),
        // GET and POST.
        (
            "5A70",
            get(None, &[("query", "{ __typename }")]),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "9C48",
            get(Some(GQL), &[("query", "mutation { __typename }")]),
            client_error(Body::Errors),
        ),
        (
            "9ABE",
            post(None, typename.clone()).without_header("Content-Type"),
            client_error(Body::Errors),
        ),
        ("A5BF", post_text(None, ""), status(400, None, Body::Errors)),
        (
            "D6D5",
            get(
                Some(GQL),
                &[
                    (
                        "query",
                        "query Type($name: String!) { __type(name: $name) { name } }",
                    ),
                    ("variables", "{\"name\":\"sometype\"}"),
                ],
            ),
            status(200, Some(GQL), Body::NoErrors),
        ),
        // Request parameters.
        (
            "423L",
            post(Some(GQL), json!({ "notquery": "{ __typename }" })),
            status(400, None, Body::Errors),
        ),
        (
            "8764",
            post(None, json!({ "qeury": "{ __typename }" })),
            client_error(Body::Errors),
        ),
        (
            "13EE",
            post(Some(JSON), typename.clone()),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "B8B3",
            post(
                Some(JSON),
                json!({ "operationName": "Query", "query": "query Query { __typename }" }),
            ),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "28B9",
            post(Some(JSON), variables.clone()),
            status(200, Some(JSON), Body::NoErrors),
        ),
        (
            "2EA1",
            post(Some(GQL), variables),
            status(200, Some(GQL), Body::NoErrors),
        ),
        (
            "1B7A",
            post(
                Some(JSON),
                json!({ "query": "{ __typename }", "extensions": { "some": "value" } }),
            ),
            status(200, Some(JSON), Body::NoErrors),
        ),
        // Failures, by the type the client accepts.
        (
            "BCF8",
            post_text(Some(JSON), "{ \"not\": \"valid"),
            status(400, Some(JSON), Body::Errors),
        ),
        (
            "572B",
            post(Some(JSON), json!({ "query": "{" })),
            status(200, Some(JSON), Body::ErrorsWithoutData),
        ),
        (
            "FDE2",
            post(
                Some(JSON),
                json!({ "query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }" }),
            ),
            status(200, Some(JSON), Body::ErrorsWithoutData),
        ),
        (
            "7B9B",
            post(Some(JSON), coerce.clone()),
            status(200, Some(JSON), Body::ErrorsWithoutData),
        ),
        (
            "556A/D586",
            post(Some(GQL), json!({ "query": "{" })),
            status(400, Some(GQL), Body::ErrorsWithoutData),
        ),
        (
            "74FF/5E5B",
            post(
                Some(GQL),
                json!({ "query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }" }),
            ),
            status(400, Some(GQL), Body::ErrorsWithoutData),
        ),
        (
            "86EE",
            post(Some(GQL), coerce),
            status(400, Some(GQL), Body::ErrorsWithoutData),
        ),
    ];
    let invalid = [
        json!({ "obj": "ect" }),
        json!(0),
        json!(false),
        json!(["array"]),
    ];
    for value in &invalid {
        cases.push((
            "LKJ*",
            post(None, json!({ "query": value })),
            status(400, None, Body::Errors),
        ));
        cases.push((
            "6C0*",
            post(
                None,
                json!({ "operationName": value, "query": "{ __typename }" }),
            ),
            status(400, None, Body::Errors),
        ));
    }
    for value in [json!("string"), json!(0), json!(false), json!(["array"])] {
        cases.push((
            "476*",
            post(
                None,
                json!({ "query": "{ __typename }", "variables": value }),
            ),
            status(400, None, Body::Errors),
        ));
    }
    for parameter in ["variables", "operationName", "extensions"] {
        for accept in [JSON, GQL] {
            cases.push((
                "022*/94B*",
                post(
                    Some(accept),
                    json!({ "query": "{ __typename }", parameter: null }),
                ),
                status(200, Some(accept), Body::NoErrors),
            ));
        }
    }
    for (id, raw, expect) in &cases {
        let response = send(&server.address(), raw).await;
        check(id, raw, &response, expect);
    }
}

async fn a_response_reports_at_most_100_errors(backend: Backend) {
    let server = BareServer::start_on(backend, &[]);
    let aliases: Vec<String> = (0..1_000).map(|i| format!("a{i}: unknownField")).collect();
    let raw = post(
        Some(GQL),
        json!({ "query": format!("{{ {} }}", aliases.join(" ")) }),
    );
    let response = send(&server.address(), &raw).await;
    assert_eq!(response.status, 400, "{}", response.body);
    let body = response.json();
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 100);
    let last = &errors[99];
    assert_eq!(last["extensions"]["omittedErrors"], 901, "{last}");
    assert_eq!(
        last["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{last}"
    );
    assert!(
        response.body.len() < 20_000,
        "{} bytes",
        response.body.len()
    );
}

impl Raw {
    fn with_header(mut self, name: &'static str, value: &str) -> Raw {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value.to_string()));
        self
    }

    fn without_header(mut self, name: &str) -> Raw {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }
}

govledger_tests::on_both_backends!(
    the_graphql_over_http_audit_cases_pass,
    a_response_reports_at_most_100_errors,
);

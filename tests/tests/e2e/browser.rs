//! Browsers: CORS preflights allowed for the `--cors-origin` allow-list only (none by
//! default), and responses compressed with gzip or brotli as `Accept-Encoding` asks.

use govledger_tests::e2e::{BareServer, HttpResponse, request, run_cli};

const ALLOWED: &str = "https://app.example.org";
const OTHER_ALLOWED: &str = "http://localhost:5173";
const INTROSPECTION_QUERY: &str = include_str!("../fixtures/introspection_query.graphql");

async fn preflight(address: &str, origin: &str) -> HttpResponse {
    request(
        address,
        "OPTIONS",
        "/graphql",
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,authorization",
            ),
        ],
        b"",
    )
    .await
}

async fn post_from(address: &str, origin: &str, accept_encoding: Option<&str>) -> HttpResponse {
    let body = serde_json::json!({ "query": INTROSPECTION_QUERY }).to_string();
    let mut headers = vec![
        ("Origin", origin),
        ("Content-Type", "application/json"),
        ("Accept", "application/graphql-response+json"),
    ];
    if let Some(encoding) = accept_encoding {
        headers.push(("Accept-Encoding", encoding));
    }
    request(address, "POST", "/graphql", &headers, body.as_bytes()).await
}

#[tokio::test]
async fn cors_preflights_are_allowed_for_the_allow_list_only() {
    let server = BareServer::start(&["--cors-origin", ALLOWED, "--cors-origin", OTHER_ALLOWED]);
    let address = server.address();
    for origin in [ALLOWED, OTHER_ALLOWED] {
        let response = preflight(&address, origin).await;
        assert!(response.status < 300, "{origin}: {response:?}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some(origin),
            "{response:?}"
        );
        let methods = response
            .header("access-control-allow-methods")
            .unwrap_or_default();
        assert!(
            methods.contains("POST") && methods.contains("GET"),
            "{methods}"
        );
        let headers = response
            .header("access-control-allow-headers")
            .unwrap_or_default();
        assert!(
            headers.contains("authorization") && headers.contains("content-type"),
            "{headers}"
        );
        let answered = post_from(&address, origin, None).await;
        assert_eq!(answered.status, 200);
        assert_eq!(answered.header("access-control-allow-origin"), Some(origin));
    }
    for refused in [
        "https://evil.example",
        "https://app.example.org.evil.example",
        "null",
    ] {
        let response = preflight(&address, refused).await;
        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{refused}: {response:?}"
        );
        let answered = post_from(&address, refused, None).await;
        assert_eq!(answered.header("access-control-allow-origin"), None);
    }
}

#[tokio::test]
async fn without_an_allow_list_no_origin_is_allowed() {
    let server = BareServer::start(&[]);
    let response = preflight(&server.address(), ALLOWED).await;
    assert_eq!(
        response.header("access-control-allow-origin"),
        None,
        "{response:?}"
    );
    let answered = post_from(&server.address(), ALLOWED, None).await;
    assert_eq!(answered.status, 200);
    assert_eq!(answered.header("access-control-allow-origin"), None);
}

#[test]
fn a_wildcard_or_malformed_origin_is_refused_at_start() {
    let data = tempfile::tempdir().expect("a temp dir");
    let data = data.path().to_str().expect("UTF-8");
    for origin in ["*", "https://app.example.org/", "app.example.org"] {
        let output = run_cli(&["serve", "--data", data, "--cors-origin", origin]);
        assert!(!output.status.success(), "{origin} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not a CORS origin"), "{origin}: {stderr}");
    }
}

#[tokio::test]
async fn responses_are_compressed_as_the_client_asks() {
    let server = BareServer::start(&[]);
    let address = server.address();
    let cases = [
        (Some("gzip"), Some("gzip")),
        (Some("br"), Some("br")),
        (Some("br;q=1.0, gzip;q=0.5"), Some("br")),
        (Some("gzip, deflate"), Some("gzip")),
        (Some("identity"), None),
        (None, None),
    ];
    let plain = post_from(&address, ALLOWED, None).await;
    assert!(plain.json()["data"]["__schema"].is_object());
    for (accept, expect) in cases {
        let response = post_from(&address, ALLOWED, accept).await;
        assert_eq!(response.status, 200, "{accept:?}");
        assert_eq!(response.header("content-encoding"), expect, "{accept:?}");
        if expect.is_some() {
            assert!(
                response.raw_body.len() * 4 < plain.raw_body.len(),
                "{accept:?}: {} bytes compressed, {} plain",
                response.raw_body.len(),
                plain.raw_body.len()
            );
        } else {
            assert_eq!(response.raw_body, plain.raw_body, "{accept:?}");
        }
    }
    let page = request(&address, "GET", "/", &[("Accept-Encoding", "gzip")], b"").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-encoding"), Some("gzip"));
}

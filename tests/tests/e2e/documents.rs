//! Persisted documents: automatic persisted queries by default (a hash alone once the server
//! has seen the query), and with `--documents FILE` only the registered documents run, by id
//! or by their exact text, over HTTP and over WebSocket alike.

use govledger_tests::e2e::websocket::GraphQlSocket;
use govledger_tests::e2e::{Backend, BareServer, request, run_cli};
use serde_json::{Value, json};

const HEAD: &str = "{ ledgerHead { position } }";

fn sha256_hex(text: &str) -> String {
    // The tests crate has no SHA-256 of its own; coreutils' is independent of the server's.
    let output = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum runs");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// POSTs `body` (application/json); returns the status and the body.
async fn post(address: &str, body: Value) -> (u16, Value) {
    let response = request(
        address,
        "POST",
        "/graphql",
        &[
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
    .await;
    let status = response.status;
    (status, response.json())
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

fn code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

async fn automatic_persisted_queries_send_the_query_once(backend: Backend) {
    let hash = sha256_hex(HEAD);
    let server = BareServer::start_on(backend, &[]);
    let address = server.address();
    let (status, body) = post(&address, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(
        (status, code(&body)),
        (200, Some("PERSISTED_QUERY_NOT_FOUND")),
        "{body}"
    );
    let (status, body) = post(
        &address,
        json!({ "query": HEAD, "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["ledgerHead"]["position"], 0);
    let (status, body) = post(&address, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["ledgerHead"]["position"], 0);
    let (status, body) = post(
        &address,
        json!({ "query": "{ __typename }", "extensions": persisted(&hash) }),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (400, Some("BAD_USER_INPUT")),
        "{body}"
    );
    // Any document still runs without a hash.
    let (status, body) = post(&address, json!({ "query": "{ __typename }" })).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
}

async fn with_trusted_documents_only_registered_documents_run(backend: Backend) {
    let hash = sha256_hex(HEAD);
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("documents.json");
    std::fs::write(&file, json!({ hash.clone(): HEAD }).to_string()).expect("written");
    let file = file.to_str().expect("UTF-8");
    let server = BareServer::start_on(backend, &["--documents", file]);
    let address = server.address();
    for body in [
        json!({ "documentId": format!("sha256:{hash}") }),
        json!({ "extensions": persisted(&hash) }),
        json!({ "query": HEAD }),
    ] {
        let (status, answer) = post(&address, body.clone()).await;
        assert_eq!(status, 200, "{body}: {answer}");
        assert_eq!(
            answer["data"]["ledgerHead"]["position"], 0,
            "{body}: {answer}"
        );
    }
    let (status, body) = post(&address, json!({ "query": "{ __typename }" })).await;
    assert_eq!(
        (status, code(&body)),
        (403, Some("DOCUMENT_NOT_TRUSTED")),
        "{body}"
    );
    let unknown = sha256_hex("{ __typename }");
    let (status, body) = post(&address, json!({ "documentId": unknown })).await;
    assert_eq!(
        (status, code(&body)),
        (200, Some("PERSISTED_QUERY_NOT_FOUND")),
        "{body}"
    );
    // APQ cannot register new documents in trusted mode.
    let (status, body) = post(
        &address,
        json!({ "query": "{ __typename }", "extensions": persisted(&unknown) }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(code(&body), Some("PERSISTED_QUERY_NOT_FOUND"), "{body}");
}

async fn with_trusted_documents_a_websocket_runs_only_registered_documents(backend: Backend) {
    let hash = sha256_hex(HEAD);
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("documents.json");
    std::fs::write(&file, json!({ hash.clone(): HEAD }).to_string()).expect("written");
    let server = BareServer::start_on(backend, &["--documents", file.to_str().expect("UTF-8")]);
    let mut socket = GraphQlSocket::connect(&server.address(), None)
        .await
        .expect("a socket");
    let cases = [
        (json!({ "extensions": persisted(&hash) }), None),
        (json!({ "query": HEAD }), None),
        (
            json!({ "query": "subscription { ledgerEvents { position } }" }),
            Some("DOCUMENT_NOT_TRUSTED"),
        ),
        (
            json!({ "extensions": persisted(&sha256_hex("{ __typename }")) }),
            Some("PERSISTED_QUERY_NOT_FOUND"),
        ),
    ];
    for (id, (payload, refused)) in cases.iter().enumerate() {
        let id = id.to_string();
        socket
            .send(json!({ "id": id, "type": "subscribe", "payload": payload }))
            .await;
        let answer = socket.next_message().await.expect("an answer");
        assert_eq!(answer["id"], id.as_str(), "{payload}: {answer}");
        assert_eq!(answer["type"], "next", "{payload}: {answer}");
        match refused {
            None => assert_eq!(
                answer["payload"]["data"]["ledgerHead"]["position"], 0,
                "{payload}: {answer}"
            ),
            Some(refused) => {
                assert_eq!(
                    code(&answer["payload"]),
                    Some(*refused),
                    "{payload}: {answer}"
                );
                assert!(answer["payload"]["data"].is_null(), "nothing ran: {answer}");
            }
        }
        let complete = socket.next_message().await.expect("complete");
        assert_eq!(complete["type"], "complete", "{payload}: {complete}");
    }
}

async fn a_websocket_sends_a_known_query_by_hash_alone(backend: Backend) {
    let hash = sha256_hex(HEAD);
    let server = BareServer::start_on(backend, &[]);
    let mut socket = GraphQlSocket::connect(&server.address(), None)
        .await
        .expect("a socket");
    for (id, payload, expect) in [
        ("1", json!({ "extensions": persisted(&hash) }), None),
        (
            "2",
            json!({ "query": HEAD, "extensions": persisted(&hash) }),
            Some(0),
        ),
        ("3", json!({ "extensions": persisted(&hash) }), Some(0)),
    ] {
        socket
            .send(json!({ "id": id, "type": "subscribe", "payload": payload }))
            .await;
        let answer = socket.next_message().await.expect("an answer");
        match expect {
            Some(position) => assert_eq!(
                answer["payload"]["data"]["ledgerHead"]["position"], position,
                "{answer}"
            ),
            None => assert_eq!(
                code(&answer["payload"]),
                Some("PERSISTED_QUERY_NOT_FOUND"),
                "{answer}"
            ),
        }
        let complete = socket.next_message().await.expect("complete");
        assert_eq!(complete["type"], "complete", "{complete}");
    }
}

#[test]
fn a_trusted_documents_file_with_a_wrong_hash_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("documents.json");
    std::fs::write(&file, json!({ sha256_hex("{ x }"): HEAD }).to_string()).expect("written");
    let data = dir.path().join("data");
    let output = run_cli(&[
        "serve",
        "--data",
        data.to_str().expect("UTF-8"),
        "--documents",
        file.to_str().expect("UTF-8"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is not the SHA-256 of its document"),
        "{stderr}"
    );
}

govledger_tests::on_both_backends!(
    automatic_persisted_queries_send_the_query_once,
    with_trusted_documents_only_registered_documents_run,
    with_trusted_documents_a_websocket_runs_only_registered_documents,
    a_websocket_sends_a_known_query_by_hash_alone,
);

//! Operations over WebSocket follow GraphQL over HTTP's rules: the standard introspection
//! query is answered (the same schema as over HTTP), over-nested introspection is refused,
//! and a response carries at most 100 errors. (Persisted and trusted documents over
//! WebSocket: `documents.rs`.)

use govledger_tests::e2e::websocket::GraphQlSocket;
use govledger_tests::e2e::{Backend, BareServer, Client};
use serde_json::{Value, json};

const INTROSPECTION_QUERY: &str = include_str!("../fixtures/introspection_query.graphql");

/// Runs `query` as operation `id`; its one `next` payload (then `complete`).
async fn run(socket: &mut GraphQlSocket, id: &str, query: &str) -> Value {
    socket.subscribe_with(id, query, json!({})).await;
    let answer = socket.next_message().await.expect("an answer");
    assert_eq!(
        (answer["id"].as_str(), answer["type"].as_str()),
        (Some(id), Some("next")),
        "{answer}"
    );
    let complete = socket.next_message().await.expect("complete");
    assert_eq!(complete["type"], "complete", "{complete}");
    answer["payload"].clone()
}

async fn operations_over_websocket_follow_the_http_rules(backend: Backend) {
    let server = BareServer::start_on(backend, &[]);
    let address = server.address();
    let mut socket = GraphQlSocket::connect(&address, None)
        .await
        .expect("a socket");

    let over_socket = run(&mut socket, "1", INTROSPECTION_QUERY).await;
    assert!(
        over_socket.get("errors").is_none(),
        "{}",
        over_socket["errors"]
    );
    let over_http = Client::new(&address, None)
        .data(INTROSPECTION_QUERY, json!({}))
        .await;
    assert_eq!(over_socket["data"], over_http, "the same schema both ways");

    let too_deep =
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
    let refused = run(&mut socket, "2", too_deep).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "QUERY_TOO_COSTLY",
        "{refused}"
    );

    let aliases: Vec<String> = (0..1_000).map(|i| format!("a{i}: unknownField")).collect();
    let many = run(&mut socket, "3", &format!("{{ {} }}", aliases.join(" "))).await;
    let errors = many["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 100);
    assert_eq!(
        errors[99]["extensions"]["omittedErrors"], 901,
        "{}",
        errors[99]
    );
}

govledger_tests::on_both_backends!(operations_over_websocket_follow_the_http_rules,);

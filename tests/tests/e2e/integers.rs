//! GraphQL's `Int` is 32-bit: an out-of-range `Int` is refused with a clear error; positions,
//! amounts, areas and counts are `Int64` (a number or a string of digits), so a position or
//! a budget past 2³¹ is carried exactly.

use govledger_tests::e2e::{Backend, BareServer, graphql};
use serde_json::{Value, json};

/// Posts `query` anonymously; returns the status, the first error's message (if any) and
/// `data`.
async fn ask(address: &str, query: &str, variables: Value) -> (u16, String, Value) {
    let response = graphql(address, None, query, variables).await;
    let body = response.json();
    let message = body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (response.status, message, body["data"].clone())
}

async fn int_is_32_bit_and_int64_carries_the_rest(backend: Backend) {
    let server = BareServer::start_on(backend, &[]);
    let address = server.address();
    // (query, variables, status, a piece of the first error's message or "" for none)
    let cases: [(&str, Value, u16, &str); 9] = [
        (
            "{ event(position: 9999999999999) { position } }",
            json!({}),
            200,
            "",
        ),
        (
            "{ event(position: \"9999999999999\") { position } }",
            json!({}),
            200,
            "",
        ),
        (
            "query($p: Int64!) { event(position: $p) { position } }",
            json!({ "p": 9_999_999_999_999_i64 }),
            200,
            "",
        ),
        (
            "{ event(position: 99999999999999999999) { position } }",
            json!({}),
            400,
            "expected type \"Int64\"",
        ),
        (
            "{ event(position: -1) { position } }",
            json!({}),
            200,
            "must not be negative",
        ),
        (
            "{ events(first: 3000000000) { totalCount } }",
            json!({}),
            400,
            "Only integers from -2147483648 to 2147483647",
        ),
        (
            "query($n: Int) { events(first: $n) { totalCount } }",
            json!({ "n": 3_000_000_000_u64 }),
            400,
            "Only integers from -2147483648 to 2147483647",
        ),
        (
            "mutation { registerCompound(input: { compoundId: \"0190f5a4-0000-7000-8000-000000000001\", \
             name: \"x\", registeredHouseholds: 3000000000, idempotencyKey: \"k\" }) { positions } }",
            json!({}),
            200,
            "must be less than or equal to 2147483647",
        ),
        (
            "{ events(filter: { fromPosition: 4294967296 }) { totalCount } }",
            json!({}),
            200,
            "",
        ),
    ];
    for (query, variables, status, message) in cases {
        let (got_status, got_message, data) = ask(&address, query, variables).await;
        assert_eq!(got_status, status, "{query}: {got_message}");
        if message.is_empty() {
            assert_eq!(got_message, "", "{query}");
        } else {
            assert!(got_message.contains(message), "{query}: {got_message}");
        }
        if status == 200 && message.is_empty() {
            assert!(!data.is_null(), "{query}: no data");
        }
    }
}

govledger_tests::on_both_backends!(int_is_32_bit_and_int64_carries_the_rest,);

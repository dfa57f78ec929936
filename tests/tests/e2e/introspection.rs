//! Standard introspection: the query graphql-js's `getIntrospectionQuery()` sends with every
//! option on (what GraphiQL's docs explorer, graphql-codegen, Apollo tooling and
//! `get-graphql-schema` send) is answered for every role and the public view, while the
//! depth limit still holds for ordinary operations and over-nested type lists are refused.
//!
//! `tests/fixtures/introspection_query.graphql` is, byte for byte, what
//! `getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable:
//! true, schemaDescription: true, inputValueDeprecation: true, oneOf: true })` returns in
//! graphql-js 16.15.0 and 17.1.0 (the two print the same text).

use govledger_tests::e2e::{Client, World};
use serde_json::{Value, json};

const INTROSPECTION_QUERY: &str = include_str!("../fixtures/introspection_query.graphql");

/// `{ __schema { types { fields { type { ofType { … name } } } } } }` with `of_types` levels,
/// with `prefix` fields beside `__schema`.
fn nested_of_types(prefix: &str, of_types: usize) -> String {
    let mut inner = String::from("name");
    for _ in 0..of_types {
        inner = format!("ofType {{ {inner} }}");
    }
    format!("{{ {prefix} __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}")
}

/// Posts `query`; returns the status and the body.
async fn post(client: &Client, query: &str) -> (u16, Value) {
    let response = client.post(query, json!({})).await;
    let status = response.status;
    (status, response.json())
}

fn named_type<'a>(schema: &'a Value, name: &str) -> &'a Value {
    schema["types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no type {name} in the introspection"))
}

#[tokio::test]
async fn the_standard_introspection_query_is_answered_for_every_role() {
    let world = World::start().await;
    let cast = &world.cast;
    let mut clients = vec![("public".to_string(), world.public())];
    for member in [
        &cast.administrator,
        &cast.clerk,
        &cast.resident,
        &cast.party_member,
        &cast.dispatcher,
        &cast.inspector,
        &cast.auditor,
    ] {
        clients.push((format!("{:?}", member.role), world.client(member)));
    }
    let mut answers = Vec::new();
    for (who, client) in &clients {
        let (status, body) = post(client, INTROSPECTION_QUERY).await;
        assert_eq!(status, 200, "{who}: {body}");
        assert!(body.get("errors").is_none(), "{who}: {}", body["errors"]);
        answers.push(body);
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "every caller reads the same schema"
    );
    let schema = &answers[0]["data"]["__schema"];
    for root in ["queryType", "mutationType", "subscriptionType"] {
        assert!(schema[root]["name"].is_string(), "{root}: {}", schema[root]);
    }
    assert!(
        schema["directives"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    let query_type = schema["queryType"]["name"].as_str().unwrap_or_default();
    let query = named_type(schema, query_type);
    assert_eq!(query["kind"], "OBJECT");
    assert!(query["fields"].as_array().is_some_and(|f| f.len() > 5));
    assert!(
        query["isOneOf"].is_null(),
        "only input objects are oneOf or not"
    );
    let input = schema["types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["kind"] == "INPUT_OBJECT"))
        .expect("an input object");
    assert!(input["isOneOf"].is_boolean(), "{input}");
    assert!(named_type(schema, "String")["specifiedByURL"].is_null());
}

#[tokio::test]
async fn limits_still_hold_around_introspection() {
    let world = World::start().await;
    let client = world.client(&world.cast.auditor);
    let cases: [(&str, String, u16, Option<&str>); 5] = [
        // Introspection alone may nest as deep as the standard query (15) and a little more.
        ("introspection at 19", nested_of_types("", 14), 200, None),
        (
            "introspection past its own limit (20)",
            nested_of_types("", 20),
            400,
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "ordinary fields beside it keep the ordinary limit (12)",
            nested_of_types("ledgerHead { position }", 14),
            400,
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "type lists nested three deep",
            "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
                .to_string(),
            400,
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "type lists nested twice",
            "{ __schema { types { fields { type { fields { name } } } } } }".to_string(),
            200,
            None,
        ),
    ];
    for (what, query, status, code) in cases {
        let (got_status, body) = post(&client, &query).await;
        assert_eq!(
            (got_status, body["errors"][0]["extensions"]["code"].as_str()),
            (status, code),
            "{what}: {body}"
        );
    }
}

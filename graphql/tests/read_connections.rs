//! The read models through GraphQL, on a ledger that went through every step of
//! `support::steps`: every connection pages forwards and backwards to the same list with
//! Relay's page info; a cursor of one list is refused by another; the directory and case
//! details are typed nodes; the public view withholds residents' personal data.

mod support;

use serde_json::{Value, json};
use support::steps::*;
use support::{Backend, Ledger, Member, ReadModels, on_both_backends};

/// The ledger after every step, plus a request with a requester and a unit, and the unit's
/// owner, so that the public view has personal data to withhold.
async fn ledger(backend: Backend) -> Ledger {
    let ledger = Ledger::open_with(backend, ReadModels::With);
    let request_stream = format!("request-{}", uuid(REQUEST));
    for (index, step) in steps().iter().enumerate() {
        let facts = Facts {
            received_event_id: ledger.first_event_id(ADMIN, &request_stream).await,
        };
        let (mut input, _) = (step.build)(&facts);
        for (key, value) in options(index).as_object().expect("an object") {
            input[key] = value.clone();
        }
        let payload = ledger
            .typed(step.member, step.mutation, step.input_type, input)
            .await;
        assert_eq!(
            payload["userErrors"],
            json!([]),
            "{}: {payload}",
            step.mutation
        );
    }
    let extra = [
        (
            ADMIN,
            "recordUnitOwners",
            "RecordUnitOwnersInput",
            json!({ "unitId": id(UNIT), "owners": [id(PARTY_PERSON)], "idempotencyKey": "owners" }),
        ),
        (
            CLERK,
            "receiveRequest",
            "ReceiveRequestInput",
            json!({
                "requestId": id(PERSONAL_REQUEST), "kind": "COMPLAINT", "category": "REPAIR",
                "description": "The door of my flat does not lock.",
                "location": { "compoundId": id(COMPOUND), "buildingId": id(BUILDING), "unitId": id(UNIT) },
                "requesterId": id(PARTY_PERSON), "channel": "SERVICE_STATION",
                "idempotencyKey": "personal-request",
            }),
        ),
    ];
    for (member, mutation, input_type, input) in extra {
        let payload = ledger.typed(member, mutation, input_type, input).await;
        assert_eq!(payload["userErrors"], json!([]), "{mutation}: {payload}");
    }
    ledger.caught_up(ADMIN).await;
    ledger
}

/// A request of this test only (the steps use `REQUEST`).
const PERSONAL_REQUEST: u128 = 41;

/// Reads the list `field` (a query field with its own arguments, e.g.
/// `caseHistory(kind: WORK_PROJECT, id: "…")`) `page_size` nodes at a time, forwards with
/// `first/after` and backwards with `last/before`; both must give `expect` (the values of
/// node field `key`, in list order), with `edges` matching `nodes`, Relay's page info at
/// every page and `totalCount` the list's length.
async fn check(ledger: &Ledger, field: &str, key: &str, page_size: usize, expect: &[Value]) {
    let (name, arguments) = match field.split_once('(') {
        Some((name, rest)) => (name, format!("{}, ", rest.trim_end_matches(')'))),
        None => (field, String::new()),
    };
    let read = |paging: String| {
        let document = format!(
            "{{ {name}({arguments}{paging}) {{ totalCount edges {{ cursor node {{ {key} }} }} \
             nodes {{ {key} }} pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
        );
        async move {
            let data = ledger.run(ADMIN, &document, json!({})).await;
            data[name].clone()
        }
    };
    let keys_of = |page: &Value| -> Vec<Value> {
        let nodes: Vec<Value> = page["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| n[key].clone())
            .collect();
        let edges: Vec<Value> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"][key].clone())
            .collect();
        assert_eq!(nodes, edges, "{field}: nodes and edges disagree");
        nodes
    };

    let mut forwards = Vec::new();
    let mut paging = format!("first: {page_size}");
    for pages in 0.. {
        let page = read(paging.clone()).await;
        assert_eq!(page["totalCount"], json!(expect.len()), "{field}");
        assert_eq!(
            page["pageInfo"]["hasPreviousPage"],
            json!(pages > 0),
            "{field}: {page}"
        );
        let edges = page["edges"].as_array().expect("edges");
        assert_eq!(
            page["pageInfo"]["startCursor"], edges[0]["cursor"],
            "{field}"
        );
        assert_eq!(
            page["pageInfo"]["endCursor"],
            edges[edges.len() - 1]["cursor"],
            "{field}"
        );
        forwards.extend(keys_of(&page));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            break;
        }
        let end = page["pageInfo"]["endCursor"]
            .as_str()
            .expect("an end cursor");
        paging = format!("first: {page_size}, after: \"{end}\"");
    }
    assert_eq!(forwards, expect, "{field} read forwards");

    let mut backwards = Vec::new();
    let mut paging = format!("last: {page_size}");
    for pages in 0.. {
        let page = read(paging.clone()).await;
        assert_eq!(
            page["pageInfo"]["hasNextPage"],
            json!(pages > 0),
            "{field}: {page}"
        );
        let mut keys = keys_of(&page);
        keys.extend(backwards);
        backwards = keys;
        if page["pageInfo"]["hasPreviousPage"] != json!(true) {
            break;
        }
        let start = page["pageInfo"]["startCursor"]
            .as_str()
            .expect("a start cursor");
        paging = format!("last: {page_size}, before: \"{start}\"");
    }
    assert_eq!(backwards, expect, "{field} read backwards");
}

/// The positions of the events a raw-ledger filter selects, in `order`.
async fn positions(ledger: &Ledger, filter: &str, order: &str) -> Vec<Value> {
    let data = ledger
        .run(
            ADMIN,
            &format!("{{ events(first: 100, order: {order}, filter: {{ {filter} }}) {{ nodes {{ position }} }} }}"),
            json!({}),
        )
        .await;
    data["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .map(|n| n["position"].clone())
        .collect()
}

fn ids_of(numbers: &[u128]) -> Vec<Value> {
    numbers.iter().map(|n| json!(id(*n))).collect()
}

async fn every_connection_pages_both_ways_over_a_known_list(backend: Backend) {
    let ledger = ledger(backend).await;
    // Organisations and members list in id order (the steps' ids are ascending).
    let organisations = ids_of(&[
        COMMITTEE,
        STATION,
        PARTY_COMMITTEE,
        MEDIATION_COMMITTEE,
        PROPERTY_COMPANY,
    ]);
    let request_stream = format!("streamId: \"request-{}\"", id(REQUEST));
    let history = positions(&ledger, &request_stream, "POSITION_ASC").await;
    let admin_acts = format!("actorAccountId: \"{}\"", id(ADMIN_ACCOUNT));
    let activity = positions(&ledger, &admin_acts, "POSITION_DESC").await;
    let station_acts = format!("actorOrganisationId: \"{}\"", id(STATION));
    let station_activity = positions(&ledger, &station_acts, "POSITION_DESC").await;
    assert!(
        history.len() >= 3 && activity.len() >= 10,
        "{history:?} {activity:?}"
    );
    let history_field = format!("caseHistory(kind: REQUEST, id: \"{}\")", id(REQUEST));
    let activity_field = format!("accountActivity(accountId: \"{}\")", id(ADMIN_ACCOUNT));
    let station_field = format!("organisationActivity(organisationId: \"{}\")", id(STATION));
    let members_field = format!("organisationMembers(organisationId: \"{}\")", id(COMMITTEE));
    // Requests newest opened first: the test's own request came after the steps'.
    let requests = ids_of(&[PERSONAL_REQUEST, REQUEST]);
    let table: Vec<(&str, &str, usize, Vec<Value>)> = vec![
        ("organisations", "organisationId", 2, organisations.clone()),
        ("organisations", "organisationId", 5, organisations.clone()),
        ("organisations", "organisationId", 100, organisations),
        ("compounds", "compoundId", 1, ids_of(&[COMPOUND])),
        (&history_field, "position", 1, history.clone()),
        (&history_field, "position", 3, history),
        (&activity_field, "position", 4, activity.clone()),
        (&activity_field, "position", 1, activity),
        (&station_field, "position", 2, station_activity),
        (
            &members_field,
            "accountId",
            1,
            ids_of(&[ADMIN_ACCOUNT, PRIVACY_ACCOUNT]),
        ),
        (
            "cases(filter: { kind: REQUEST })",
            "caseId",
            1,
            requests.clone(),
        ),
        ("cases(filter: { kind: REQUEST })", "caseId", 20, requests),
    ];
    for (field, key, page_size, expect) in table {
        check(&ledger, field, key, page_size, &expect).await;
    }
}

/// The `extensions.code` of the first error of `document`, run as the administrator.
async fn error_code(ledger: &Ledger, document: &str, variables: Value) -> Option<String> {
    let response = ledger.execute(Some(ADMIN), document, variables).await;
    response.errors.first().map(|e| {
        e.extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(|code| code.to_string().trim_matches('"').to_string())
            .unwrap_or_default()
    })
}

async fn a_cursor_of_one_list_is_refused_by_another(backend: Backend) {
    let ledger = ledger(backend).await;
    let cursor_of = |document: &'static str, field: &'static str| {
        let ledger = &ledger;
        async move {
            let data = ledger.run(ADMIN, document, json!({})).await;
            data[field]["pageInfo"]["endCursor"]
                .as_str()
                .expect("an end cursor")
                .to_string()
        }
    };
    let organisation = cursor_of(
        "{ organisations(first: 1) { pageInfo { endCursor } } }",
        "organisations",
    )
    .await;
    let case = cursor_of(
        "{ cases(filter: { kind: REQUEST }, first: 1) { pageInfo { endCursor } } }",
        "cases",
    )
    .await;
    let events = cursor_of("{ events(first: 1) { pageInfo { endCursor } } }", "events").await;
    let activity = format!("accountActivity(accountId: \"{}\", ", id(ADMIN_ACCOUNT));
    let history = format!(
        "caseHistory(kind: WORK_PROJECT, id: \"{}\", ",
        id(WORK_PROJECT)
    );
    let lists = [
        "organisations(".to_string(),
        "compounds(".to_string(),
        "cases(filter: { kind: REQUEST }, ".to_string(),
        "events(".to_string(),
        activity,
        history,
    ];
    for list in &lists {
        for (cursor, own) in [
            (&organisation, "organisations("),
            (&case, "cases("),
            (&events, "events("),
        ] {
            for direction in ["after", "before"] {
                let document =
                    format!("query($c: String) {{ {list}{direction}: $c) {{ totalCount }} }}");
                let code = error_code(&ledger, &document, json!({ "c": cursor })).await;
                let expect = (!list.starts_with(own)).then(|| "BAD_USER_INPUT".to_string());
                assert_eq!(code, expect, "{document} with the cursor of {own}");
            }
        }
    }
}

async fn the_cost_of_a_connection_counts_last_like_first(backend: Backend) {
    let ledger = ledger(backend).await;
    for (document, expect) in [
        (
            "{ cases(filter: { kind: REQUEST }, last: 100) { nodes { history(last: 100) { nodes { position } } } } }",
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "{ cases(filter: { kind: REQUEST }, first: 100) { nodes { history(first: 100) { nodes { position } } } } }",
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "{ organisations(last: 100) { nodes { members(last: 100) { nodes { role } } } } }",
            Some("QUERY_TOO_COSTLY"),
        ),
        (
            "{ cases(filter: { kind: REQUEST }, last: 10) { nodes { history(last: 10) { nodes { position } } } } }",
            None,
        ),
    ] {
        let response = ledger.execute(Some(ADMIN), document, json!({})).await;
        let code = response.errors.first().map(|e| {
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(|code| code.to_string())
                .unwrap_or_else(|| e.message.clone())
        });
        let refused = code.is_some();
        assert_eq!(
            refused,
            expect.is_some(),
            "{document}: {:?}",
            response.errors
        );
    }
}

const DIRECTORY: &str = "query($unit: ID!, $account: ID!, $building: ID!) {
  community { id name residents }
  compounds(first: 5) { nodes { id name buildingCount
    buildings(first: 5) { nodes { id name floors compound { name }
      units(first: 5) { nodes { id label floorAreaDm2 ownerIds } } } } } }
  organisations(last: 1) { nodes { id kind name members { nodes { role account { accountId } } } } }
  unit: node(id: $unit) { __typename ... on Unit { label ownerIds buildingId } }
  account: node(id: $account) { __typename ... on Account { accountId personId roles { nodes { role organisation { name } } } } }
  building: node(id: $building) { __typename ... on Building { name } }
}";

const DETAILS: &str = "query($request: ID!, $work: ID!, $decision: ID!) {
  request: case(kind: REQUEST, id: $request) { unitIds details { __typename
    ... on RequestDetails { requestKind channel requesterId } } }
  work: case(kind: WORK_PROJECT, id: $work) { details { __typename
    ... on WorkProjectDetails { plannedQuantities { amount unit } linkedRequestIds
      inspections { inspectorAccountId } } } }
  decision: case(kind: DECISION, id: $decision) { details { __typename
    ... on DecisionDetails { text ballotCount authorisations { budgetCentsMax } } } }
}";

fn global_id(type_name: &str, n: u128) -> String {
    format!("{type_name}:{}", id(n))
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `document` as `caller` (`None`: the public view) and returns its data.
async fn data(ledger: &Ledger, caller: Option<Member>, document: &str, variables: Value) -> Value {
    let response = ledger.execute(caller, document, variables).await;
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    response.data.into_json().expect("JSON data")
}

async fn the_directory_and_case_details_are_typed_and_the_public_view_withholds_residents(
    backend: Backend,
) {
    let ledger = ledger(backend).await;
    let variables = json!({
        "unit": global_id("Unit", UNIT),
        "account": global_id("Account", PARTY_ACCOUNT),
        "building": global_id("Building", BUILDING),
        "request": id(PERSONAL_REQUEST),
        "work": id(WORK_PROJECT),
        "decision": id(DECISION),
    });
    let member = data(&ledger, Some(CLERK), DIRECTORY, variables.clone()).await;
    assert_eq!(member["community"]["residents"], 6723, "{member}");
    let compound = &member["compounds"]["nodes"][0];
    assert_eq!(
        (
            compound["name"].as_str(),
            compound["buildingCount"].as_u64()
        ),
        (Some("Sun Coast"), Some(1))
    );
    let building = &compound["buildings"]["nodes"][0];
    assert_eq!(building["compound"]["name"], "Sun Coast");
    assert_eq!(building["id"], global_id("Building", BUILDING));
    let unit = &building["units"]["nodes"][0];
    assert_eq!(unit["label"], "1-1-0101", "{member}");
    assert_eq!(unit["ownerIds"], json!([id(PARTY_PERSON)]));
    assert_eq!(
        member["organisations"]["nodes"][0]["kind"], "property_company",
        "{member}"
    );
    assert_eq!(member["unit"]["__typename"], "Unit");
    assert_eq!(member["account"]["personId"], id(PARTY_PERSON));
    assert_eq!(
        member["account"]["roles"]["nodes"][0]["organisation"]["name"],
        "Wanghai Party Committee"
    );
    assert_eq!(
        member["building"],
        json!({ "__typename": "Building", "name": "Building 1" })
    );

    let details = data(&ledger, Some(CLERK), DETAILS, variables.clone()).await;
    let request = &details["request"]["details"];
    assert_eq!(request["__typename"], "RequestDetails", "{details}");
    assert_eq!(request["requesterId"], id(PARTY_PERSON));
    assert_eq!(details["request"]["unitIds"], json!([id(UNIT)]));
    let work = &details["work"]["details"];
    assert_eq!(work["__typename"], "WorkProjectDetails", "{details}");
    assert_eq!(
        work["plannedQuantities"],
        json!([{ "amount": 16, "unit": "UNIT_DOOR" }])
    );
    assert_eq!(
        details["decision"]["details"]["__typename"],
        "DecisionDetails"
    );

    // Without a token: the same shapes, residents' data null and nowhere in the answer.
    let public_directory = data(&ledger, None, DIRECTORY, variables.clone()).await;
    let public_details = data(&ledger, None, DETAILS, variables).await;
    let unit =
        &public_directory["compounds"]["nodes"][0]["buildings"]["nodes"][0]["units"]["nodes"][0];
    assert_eq!(
        (&unit["label"], &unit["ownerIds"]),
        (&Value::Null, &Value::Null),
        "{public_directory}"
    );
    assert_eq!(public_directory["unit"]["label"], Value::Null);
    assert_eq!(public_directory["account"]["personId"], Value::Null);
    assert_eq!(
        public_details["request"]["details"]["requesterId"],
        Value::Null
    );
    assert_eq!(public_details["request"]["unitIds"], Value::Null);
    assert_eq!(
        public_details["request"]["details"]["requestKind"],
        "complaint"
    );
    let text = format!("{public_directory}{public_details}");
    for personal in [id(PARTY_PERSON), id(UNIT), "1-1-0101".to_string()] {
        assert!(!text.contains(&personal), "{personal} leaked: {text}");
    }
}

/// The unit-door work project's inspections and every request's requester, on the demo.
const INSPECTORS_AND_REQUESTERS: &str = "{
  work: cases(filter: { kind: WORK_PROJECT, category: \"unit_door_replacement\" }) {
    nodes { details { ... on WorkProjectDetails { inspections { passed inspectorAccountId } } } } }
  requests: cases(filter: { kind: REQUEST }, last: 100) {
    nodes { details { ... on RequestDetails { requesterId } } } }
}";

/// Seed of the Wanghai demo (any seed builds the same report figures).
const DEMO_SEED: u64 = 2021;

fn values_at<'a>(data: &'a Value, list: &str, path: &[&str]) -> Vec<&'a Value> {
    let mut found = Vec::new();
    for node in data[list]["nodes"].as_array().expect("nodes") {
        let mut values = vec![&node["details"]];
        for step in path {
            values = values
                .into_iter()
                .flat_map(|v| match &v[*step] {
                    Value::Array(items) => items.iter().collect::<Vec<_>>(),
                    other => vec![other],
                })
                .collect();
        }
        found.extend(values);
    }
    found
}

async fn on_the_demo_the_public_view_names_no_requester_or_inspector(backend: Backend) {
    let ledger = tokio::task::block_in_place(|| Ledger::open_demo(backend, DEMO_SEED));
    ledger.caught_up(ADMIN).await;
    let member = data(&ledger, Some(ADMIN), INSPECTORS_AND_REQUESTERS, json!({})).await;
    let public = data(&ledger, None, INSPECTORS_AND_REQUESTERS, json!({})).await;
    let inspectors = values_at(&member, "work", &["inspections", "inspectorAccountId"]);
    let requesters = values_at(&member, "requests", &["requesterId"]);
    let named: Vec<&str> = inspectors
        .iter()
        .chain(&requesters)
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        inspectors.iter().any(|v| v.is_string()) && requesters.iter().any(|v| v.is_string()),
        "the demo names inspectors and requesters: {member}"
    );
    let public_inspectors = values_at(&public, "work", &["inspections", "inspectorAccountId"]);
    let public_requesters = values_at(&public, "requests", &["requesterId"]);
    assert_eq!(public_inspectors.len(), inspectors.len(), "{public}");
    assert_eq!(public_requesters.len(), requesters.len(), "{public}");
    assert!(
        public_inspectors
            .iter()
            .chain(&public_requesters)
            .all(|v| v.is_null()),
        "{public}"
    );
    let text = public.to_string();
    for id in named {
        assert!(!text.contains(id), "{id} leaked: {text}");
    }
}

/// The `graphql` examples of `docs/graphql.md`'s "Connections" section, one document each.
fn connection_examples() -> Vec<String> {
    let guide = include_str!("../../docs/graphql.md");
    let section = guide
        .split("### Connections")
        .nth(1)
        .expect("docs/graphql.md has a Connections section");
    let block = section
        .split("```graphql")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the section has a graphql example");
    let mut documents = Vec::new();
    let (mut current, mut depth) = (String::new(), 0i32);
    for line in block.lines().filter(|l| !l.trim_start().starts_with('#')) {
        current.push_str(line);
        current.push('\n');
        depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        if depth == 0 && !current.trim().is_empty() {
            documents.push(std::mem::take(&mut current));
        }
    }
    documents
}

async fn the_guides_connection_examples_run(backend: Backend) {
    let ledger = ledger(backend).await;
    let examples = connection_examples();
    assert!(examples.len() >= 4, "{examples:?}");
    for example in examples {
        let document = example.replace("<uuid>", &id(ADMIN_ACCOUNT));
        let response = ledger.execute(Some(ADMIN), &document, json!({})).await;
        assert!(
            response.errors.is_empty(),
            "{document}: {:?}",
            response.errors
        );
    }
}

on_both_backends!(
    every_connection_pages_both_ways_over_a_known_list,
    a_cursor_of_one_list_is_refused_by_another,
    the_cost_of_a_connection_counts_last_like_first,
    the_directory_and_case_details_are_typed_and_the_public_view_withholds_residents,
    on_the_demo_the_public_view_names_no_requester_or_inspector,
    the_guides_connection_examples_run,
);

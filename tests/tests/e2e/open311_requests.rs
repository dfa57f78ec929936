//! Open311 GeoReport v2 (ADR 0008), creating and listing: a request POSTed with a clerk's
//! token reads back over Open311 and over GraphQL with the same id and history; a retry
//! creates nothing; refused input gets the spec's errors and appends nothing; GET `requests`
//! filters and `tokens/<id>`.

use govledger_tests::e2e::{Backend, HttpResponse, World, request};
use serde_json::{Value, json};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn post(address: &str, path: &str, body: &str) -> HttpResponse {
    request(address, "POST", path, &[FORM], body.as_bytes()).await
}

async fn get(address: &str, path: &str) -> HttpResponse {
    request(address, "GET", path, &[], b"").await
}

/// The fields of a request in the spec's GET `requests` example, sorted.
const SPEC_REQUEST_FIELDS: [&str; 17] = [
    "address",
    "address_id",
    "agency_responsible",
    "description",
    "expected_datetime",
    "lat",
    "long",
    "media_url",
    "requested_datetime",
    "service_code",
    "service_name",
    "service_notice",
    "service_request_id",
    "status",
    "status_notes",
    "updated_datetime",
    "zipcode",
];

/// An object's field names, sorted.
fn fields(object: &Value) -> Vec<String> {
    let mut names: Vec<String> = object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// The spec's error format with `status` as its code.
fn assert_refused(response: &HttpResponse, status: u16, what: &str) {
    assert_eq!(response.status, status, "{what}: {}", response.body);
    let errors = response.json();
    assert_eq!(errors[0]["code"], status, "{what}");
    assert!(errors[0]["description"].is_string(), "{what}");
}

async fn a_request_created_over_open311_is_the_same_request_in_graphql(backend: Backend) {
    let world = World::start_on(backend).await;
    let address = world.address();
    let clerk = world.cast.clerk.token.clone();
    let unit = world.places.unit_id;
    let body = format!(
        "api_key={clerk}&service_code=lift&attribute%5Bkind%5D=help\
         &description=Lift+stuck+between+floors&address_id={unit}\
         &first_name=Li&last_name=Wei&email=li%40example.org&phone=13800000000"
    );
    let head_before = world.public().head_position().await;
    let created = post(&address, "/open311/v2/requests.json", &body).await;
    assert_eq!(created.status, 200, "{}", created.body);
    let created = created.json();
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_string();
    assert_eq!(created[0]["account_id"], Value::Null);
    assert_eq!(
        fields(&created[0]),
        ["account_id", "service_notice", "service_request_id"],
        "the spec's POST answer"
    );
    let head = world.public().head_position().await;
    assert_eq!(head, head_before + 1, "one event appended");

    // A client's retry after a timeout: the same request, nothing appended.
    let retried = post(&address, "/open311/v2/requests.json", &body).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()[0]["service_request_id"], id.as_str());
    assert_eq!(world.public().head_position().await, head);

    // Read back over Open311, right away (the POST answered once the read models showed it).
    let read = get(&address, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(read.status, 200, "{}", read.body);
    let record = &read.json()[0];
    assert_eq!(
        fields(record),
        SPEC_REQUEST_FIELDS,
        "the spec's request fields"
    );
    assert_eq!(record["service_request_id"], id.as_str());
    assert_eq!(record["status"], "open");
    assert_eq!(record["service_code"], "lift");
    assert_eq!(record["description"], "Lift stuck between floors");
    assert_eq!(record["address_id"], world.places.building_id.to_string());
    assert_eq!(
        record["address"], "Sun Coast Building 1",
        "the public view names the building, not the unit"
    );
    let as_auditor = get(
        &address,
        &format!(
            "/open311/v2/requests/{id}.json?api_key={}",
            world.cast.auditor.token
        ),
    )
    .await;
    assert_eq!(
        as_auditor.json()[0]["address"],
        "Sun Coast Building 1, 1-1-0101"
    );
    assert!(
        !read.body.contains("Wei") && !read.body.contains("example.org"),
        "contact details are never returned: {}",
        read.body
    );

    // `jurisdiction_id`: the community's id, or none.
    let community = world.places.community_id;
    let here = get(
        &address,
        &format!("/open311/v2/requests/{id}.json?jurisdiction_id={community}"),
    )
    .await;
    assert_eq!(here.status, 200, "{}", here.body);
    assert_refused(
        &get(
            &address,
            "/open311/v2/services.json?jurisdiction_id=elsewhere.gov",
        )
        .await,
        404,
        "another jurisdiction",
    );

    // The same id and history in GraphQL.
    let auditor = world.client(&world.cast.auditor);
    let data = auditor
        .data(
            "query($id: ID!) {
               case(kind: REQUEST, id: $id) {
                 caseId status category title openedAt buildingIds
                 details { ... on RequestDetails { requestKind channel receivedByOrganisationId } }
               }
               caseHistory(kind: REQUEST, id: $id) {
                 nodes { eventType actorAccountId actorRole actorOrganisationId }
               }
             }",
            json!({ "id": id }),
        )
        .await;
    let case = &data["case"];
    assert_eq!(case["caseId"], id.as_str());
    assert_eq!(case["category"], "lift");
    assert_eq!(case["title"], record["description"]);
    assert_eq!(case["openedAt"], record["requested_datetime"]);
    assert_eq!(case["details"]["requestKind"], "help");
    assert_eq!(case["details"]["channel"], "online");
    assert_eq!(
        case["details"]["receivedByOrganisationId"],
        world.organisations.service_station.to_string()
    );
    let history = data["caseHistory"]["nodes"].as_array().expect("a history");
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["eventType"], "RequestReceived");
    assert_eq!(
        history[0]["actorAccountId"],
        world.cast.clerk.account_id.to_string()
    );
    assert_eq!(history[0]["actorRole"], "station_clerk");

    // XML: the spec's `<service_requests><request>…`.
    let xml_body = body.replace("stuck", "stuck+again");
    let xml = post(&address, "/open311/v2/requests.xml", &xml_body).await;
    assert_eq!(xml.status, 200, "{}", xml.body);
    assert!(
        xml.header("content-type")
            .unwrap_or_default()
            .starts_with("text/xml")
    );
    assert!(
        xml.body
            .contains("<service_requests><request><account_id></account_id>"),
        "{}",
        xml.body
    );
    assert!(xml.body.contains("<service_request_id>"), "{}", xml.body);

    // tokens/<id>: requests are created synchronously, so the token is the id.
    let token = get(&address, &format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(token.status, 200, "{}", token.body);
    assert_eq!(
        token.json(),
        json!([{ "service_request_id": id, "token": id }])
    );
    assert_refused(
        &get(
            &address,
            "/open311/v2/tokens/0190f5a4-0000-7000-8000-000000000001.json",
        )
        .await,
        404,
        "an unknown token",
    );
}

async fn refused_posts_get_the_spec_errors_and_append_nothing(backend: Backend) {
    let world = World::start_on(backend).await;
    let address = world.address();
    let cast = &world.cast;
    let unit = world.places.unit_id;
    let valid = |token: &str| {
        format!("api_key={token}&service_code=repair&description=Door+broken&address_id={unit}")
    };
    let clerk = cast.clerk.token.as_str();
    let head = world.public().head_position().await;
    let cases: Vec<(String, u16, &str)> = vec![
        (
            valid(&cast.inspector.token),
            403,
            "an inspector may not receive requests",
        ),
        (valid(&cast.auditor.token), 403, "an auditor writes nothing"),
        (valid("glt_unknown"), 403, "an unknown token"),
        (
            format!("service_code=repair&description=Door&address_id={unit}"),
            403,
            "no api_key",
        ),
        (
            format!("api_key={clerk}&description=Door&address_id={unit}"),
            400,
            "no service_code",
        ),
        (
            format!("api_key={clerk}&service_code=repair&description=&address_id={unit}"),
            400,
            "an empty description (the domain's rule)",
        ),
        (
            format!(
                "api_key={clerk}&service_code=repair&description=Door&address_id={}",
                world.organisations.audit_office
            ),
            400,
            "an address that is no building or unit",
        ),
        (
            format!(
                "api_key={clerk}&service_code=repair&description={}&address_id={unit}",
                "x".repeat(5_000)
            ),
            400,
            "a description past the domain's limit",
        ),
        (
            format!("{}&lat=31.23&long=121.47", valid(clerk)),
            400,
            "coordinates",
        ),
        (
            format!("{}&service_code=lift", valid(clerk)),
            400,
            "a field given twice",
        ),
        (
            format!(
                "{}&jurisdiction_id={}",
                valid(clerk),
                world.organisations.audit_office
            ),
            404,
            "another jurisdiction",
        ),
    ];
    for (body, status, what) in &cases {
        let response = post(&address, "/open311/v2/requests.json", body).await;
        assert_refused(&response, *status, what);
    }
    let json_body = request(
        &address,
        "POST",
        "/open311/v2/requests.json",
        &[("content-type", "application/json")],
        b"{}",
    )
    .await;
    assert_refused(&json_body, 415, "a JSON body");
    let xml = post(
        &address,
        "/open311/v2/requests.xml",
        &format!("api_key={clerk}&address_id={unit}"),
    )
    .await;
    assert_eq!(xml.status, 400);
    assert!(
        xml.body
            .contains("<errors><error><code>400</code><description>service_code is required"),
        "{}",
        xml.body
    );
    assert_eq!(
        world.public().head_position().await,
        head,
        "no refused POST appended anything"
    );
}

/// The input type of a typed request mutation.
fn input_type(mutation: &str) -> &'static str {
    match mutation {
        "rejectRequest" | "sendBackRequest" => "RequestReasonInput!",
        "acceptRequest" => "AcceptRequestInput!",
        _ => "DispatchRequestInput!",
    }
}

async fn requests_are_listed_with_the_spec_filters(backend: Backend) {
    let world = World::start_on(backend).await;
    let address = world.address();
    let clerk = world.cast.clerk.token.clone();
    let building = world.places.building_id;
    let mut ids = Vec::new();
    for (code, text) in [("lift", "Lift+noise"), ("parking", "Blocked+gate")] {
        let created = post(
            &address,
            "/open311/v2/requests.json",
            &format!(
                "api_key={clerk}&service_code={code}&description={text}&address_id={building}"
            ),
        )
        .await;
        assert_eq!(created.status, 200, "{}", created.body);
        ids.push(created.json()[0]["service_request_id"].clone());
    }
    // The lift request is rejected (closed); the parking one is dispatched and sent back by
    // the property company (still open, back with the station).
    let clerk_client = world.client(&world.cast.clerk);
    let dispatcher = world.client(&world.cast.dispatcher);
    let property = world.organisations.property_company;
    for (client, mutation, input) in [
        (
            &clerk_client,
            "rejectRequest",
            json!({ "requestId": ids[0], "reason": "Not a lift fault", "idempotencyKey": "r1" }),
        ),
        (
            &clerk_client,
            "acceptRequest",
            json!({ "requestId": ids[1], "idempotencyKey": "a2" }),
        ),
        (
            &clerk_client,
            "dispatchRequest",
            json!({ "requestId": ids[1], "organisationId": property, "idempotencyKey": "d2" }),
        ),
        (
            &dispatcher,
            "sendBackRequest",
            json!({ "requestId": ids[1], "reason": "Not ours: the road", "idempotencyKey": "s2" }),
        ),
    ] {
        let data = client
            .data(
                &format!(
                    "mutation($input: {}) {{ {mutation}(input: $input) {{ userErrors {{ message }} }} }}",
                    input_type(mutation)
                ),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(data[mutation]["userErrors"], json!([]), "{mutation}");
    }
    let listed = |query: &str| {
        let path = format!("/open311/v2/requests.json{query}");
        let address = address.clone();
        async move {
            let response = get(&address, &path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.body);
            response
                .json()
                .as_array()
                .expect("a list")
                .iter()
                .map(|r| r["service_request_id"].clone())
                .collect::<Vec<Value>>()
        }
    };
    // Newest first, the last 90 days by default.
    assert_eq!(listed("").await, vec![ids[1].clone(), ids[0].clone()]);
    assert_eq!(listed("?service_code=lift").await, vec![ids[0].clone()]);
    assert_eq!(listed("?status=open").await, vec![ids[1].clone()]);
    assert_eq!(listed("?status=closed").await, vec![ids[0].clone()]);
    assert_eq!(
        listed("?status=open,closed&service_code=parking,lift").await,
        vec![ids[1].clone(), ids[0].clone()],
        "comma lists, as the spec allows"
    );
    assert_eq!(
        listed("?status=closed&service_code=parking").await,
        Vec::<Value>::new()
    );
    assert_eq!(listed("?limit=1").await, vec![ids[1].clone()]);
    assert_eq!(
        listed("?start_date=2020-01-01T00:00:00Z").await,
        Vec::<Value>::new(),
        "90 days from 2020 hold none of today's requests"
    );
    assert_eq!(
        listed("?status=open&service_code=parking&limit=1").await,
        vec![ids[1].clone()]
    );
    let xml = get(&address, "/open311/v2/requests.xml?service_code=lift").await;
    assert_eq!(xml.body.matches("<request>").count(), 1, "{}", xml.body);
    for (query, what) in [
        ("?status=pending", "an unknown status"),
        (
            "?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
            "a window past 90 days",
        ),
        ("?service_code=teleport", "an unknown service"),
        ("?lat=31.2", "an unknown parameter"),
    ] {
        let response = get(&address, &format!("/open311/v2/requests.json{query}")).await;
        assert_refused(&response, 400, what);
    }
}

govledger_tests::on_both_backends!(
    a_request_created_over_open311_is_the_same_request_in_graphql,
    refused_posts_get_the_spec_errors_and_append_nothing,
    requests_are_listed_with_the_spec_filters,
);

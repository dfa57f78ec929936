//! Who may do what: every refused command comes back with its code and leaves the ledger
//! head where it was; without a token the reads withhold residents' personal data.

use govledger_core::domain::command::Command;
use govledger_core::domain::ids::{OrganisationId, PersonId, RequestId, WorkProjectId};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::role::Role;
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::time::Timestamp;
use govledger_tests::e2e::websocket::GraphQlSocket;
use govledger_tests::e2e::{
    Backend, Cast, Client, Member, World, create_token_on, token_command_on,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::e2e::flow::{Repair, receive, repair_steps};

/// Who sends a command.
#[derive(Clone, Copy)]
enum Caller {
    Token(fn(&Cast) -> &Member),
    NoToken,
    UnknownToken,
}

/// How the refusal shows.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// `userErrors[0].code` of a payload (the command reached the domain).
    UserError(&'static str),
    /// A top-level error's `extensions.code`, with the HTTP status.
    Error(u16, &'static str),
}

impl Refusal {
    fn describe(self) -> String {
        match self {
            Refusal::UserError(code) => format!("userErrors {code}"),
            Refusal::Error(status, code) => format!("HTTP {status} errors {code}"),
        }
    }
}

/// Sends `command` as `caller`; checks the refusal and that nothing was appended.
async fn check(world: &World, caller: Caller, command: Command, expect: Refusal) {
    let client = match caller {
        Caller::Token(member) => world.client(member(&world.cast)),
        Caller::NoToken => world.public(),
        Caller::UnknownToken => Client::new(&world.address(), Some("glt_0123456789abcdef")),
    };
    let auditor = world.client(&world.cast.auditor);
    let head = auditor.head_position().await;
    let executed = client.execute(&command, &Uuid::now_v7().to_string()).await;
    let got = match executed.payload()["userErrors"].as_array() {
        Some(errors) if !errors.is_empty() => format!("userErrors {}", text(&errors[0]["code"])),
        _ => format!(
            "HTTP {} errors {}",
            executed.status,
            text(&executed.body["errors"][0]["extensions"]["code"])
        ),
    };
    assert_eq!(
        got,
        expect.describe(),
        "{}: {}",
        command.name(),
        executed.body
    );
    assert_eq!(
        auditor.head_position().await,
        head,
        "{} was refused, yet the ledger grew",
        command.name()
    );
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("<none>")
}

async fn each_role_is_refused_what_it_may_not_do_and_nothing_is_appended(backend: Backend) {
    let world = World::start_on(backend).await;
    let repair = Repair::new();
    let steps = repair_steps(&world, &repair);
    // The request is received and accepted; it waits to be dispatched.
    for step in &steps[..2] {
        world
            .client((step.actor)(&world.cast))
            .run(&step.command)
            .await;
    }
    let resident_person = world.cast.resident.person_id.map(PersonId);
    let receive_another = || receive(&world, Uuid::now_v7(), resident_person, None);
    let dispatch = steps[2].command.clone();
    let request = |command| Command::Request {
        request_id: RequestId(repair.request_id),
        command,
    };
    let cases = [
        // An auditor reads everything and writes nothing.
        (
            Caller::Token(|c| &c.auditor),
            receive_another(),
            Refusal::Error(200, "FORBIDDEN"),
        ),
        // No token: the public view, read only.
        (
            Caller::NoToken,
            receive_another(),
            Refusal::Error(200, "UNAUTHENTICATED"),
        ),
        (
            Caller::UnknownToken,
            receive_another(),
            Refusal::Error(401, "UNAUTHENTICATED"),
        ),
        // A resident raises requests but does not dispatch them.
        (
            Caller::Token(|c| &c.resident),
            dispatch.clone(),
            Refusal::UserError("FORBIDDEN"),
        ),
        (
            Caller::Token(|c| &c.dispatcher),
            dispatch,
            Refusal::UserError("FORBIDDEN"),
        ),
        // Only inspectors accept works; only intake roles accept requests.
        (
            Caller::Token(|c| &c.clerk),
            Command::WorkProject {
                work_project_id: WorkProjectId(repair.work_project_id),
                command: WorkProjectCommand::PassInspection {
                    report: "Looks fine from the office.".into(),
                    warranty_months: 12,
                },
            },
            Refusal::UserError("FORBIDDEN"),
        ),
        (
            Caller::Token(|c| &c.inspector),
            request(RequestCommand::Reject {
                reason: "Not our business".into(),
            }),
            Refusal::UserError("FORBIDDEN"),
        ),
        // The administrator keeps the directory, not the cases.
        (
            Caller::Token(|c| &c.administrator),
            receive_another(),
            Refusal::UserError("FORBIDDEN"),
        ),
        // A resident raises requests in their own name only.
        (
            Caller::Token(|c| &c.resident),
            receive(&world, Uuid::now_v7(), Some(PersonId(Uuid::now_v7())), None),
            Refusal::UserError("BAD_USER_INPUT"),
        ),
        // The clerk may escalate, but not to a date already past.
        (
            Caller::Token(|c| &c.clerk),
            request(RequestCommand::Escalate {
                escalated_to_organisation_id: OrganisationId(world.organisations.party_committee),
                new_due_at: Timestamp::now().plus_days(-1),
            }),
            Refusal::UserError("BAD_USER_INPUT"),
        ),
    ];
    for (caller, command, expect) in cases {
        check(&world, caller, command, expect).await;
    }
}

const CASE_PRIVACY: &str = "query($id: ID!, $consistency: Int64) { \
     case(kind: REQUEST, id: $id, consistency: $consistency) { unitIds \
     details { __typename ... on RequestDetails { requestKind requesterId } } } \
     events(last: 1) { nodes { eventType payload payloadHex actor { accountId } } } }";

async fn without_a_token_reads_withhold_residents_personal_data(backend: Backend) {
    let world = World::start_on(backend).await;
    let repair = Repair::new();
    let receive = receive(
        &world,
        repair.request_id,
        world.cast.resident.person_id.map(PersonId),
        Some(world.places.unit_id),
    );
    // Read at the write's consistency token: the case read model may trail the ledger.
    let written = world.client(&world.cast.resident).run(&receive).await;
    let variables = json!({ "id": repair.request_id, "consistency": written });

    let public = world.public().data(CASE_PRIVACY, variables.clone()).await;
    let case = &public["case"];
    assert_eq!(case["unitIds"], Value::Null, "{public}");
    assert_eq!(case["details"]["__typename"], "RequestDetails", "{public}");
    assert_eq!(case["details"]["requesterId"], Value::Null, "{public}");
    let event = &public["events"]["nodes"][0];
    assert_eq!(event["eventType"], "RequestReceived", "{public}");
    assert_eq!(event["payload"], Value::Null, "{public}");
    assert_eq!(event["payloadHex"], Value::Null, "{public}");
    let text = public.to_string();
    for personal in [
        world.places.unit_id.to_string(),
        world.cast.resident.person_id.expect("a person").to_string(),
    ] {
        assert!(!text.contains(&personal), "{personal} leaked: {text}");
    }

    let auditor = world
        .client(&world.cast.auditor)
        .data(CASE_PRIVACY, variables)
        .await;
    assert_eq!(
        auditor["case"]["unitIds"],
        json!([world.places.unit_id]),
        "{auditor}"
    );
    assert_eq!(
        auditor["case"]["details"]["requesterId"],
        json!(world.cast.resident.person_id),
        "{auditor}"
    );
    assert!(auditor["events"]["nodes"][0]["payload"].is_object());
}

/// What a request with one token gets: the status and the first error's code.
async fn answer_to(client: &Client) -> (u16, Option<String>) {
    let response = client.post("{ ledgerHead { position } }", json!({})).await;
    let body = response.json();
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_string);
    (response.status, code)
}

/// What a request with `client`'s token gets once the server has seen the token's latest
/// change: at once where tokens live in the data directory (the server re-reads the token
/// log on the next request), within a second where they live in the PostgreSQL ledger's
/// database (ADR 0025: LISTEN/NOTIFY, a 250 ms poll behind it).
async fn answer_within(
    world: &World,
    client: &Client,
    expect: (u16, Option<String>),
) -> (u16, Option<String>) {
    let shared = !world.ledger_args().is_empty();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let answer = answer_to(client).await;
        if answer == expect || !shared || std::time::Instant::now() >= deadline {
            return answer;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Longest the server may take to close the socket of a revoked token (it checks every
/// second).
const REVOKED_SOCKET_CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

async fn a_token_created_while_serving_works_at_once_and_a_revoked_one_is_refused_at_once(
    backend: Backend,
) {
    let world = World::start_on(backend).await;
    let auditor = &world.cast.auditor;
    let issued = create_token_on(
        &world.data(),
        &world.ledger_args(),
        auditor.account_id,
        Role::Auditor,
        auditor.organisation_id,
    );
    let client = Client::new(&world.address(), Some(&issued.secret));
    assert_eq!(
        answer_within(&world, &client, (200, None)).await,
        (200, None),
        "the new token reads"
    );
    let mut open_socket = GraphQlSocket::connect(&world.address(), Some(&issued.secret))
        .await
        .expect("the new token opens a subscription socket");
    let listed = token_command_on(&world.data(), &world.ledger_args(), &["list"]);
    let line = |listed: &str| {
        listed
            .lines()
            .find(|line| line.starts_with(&issued.token_id))
            .unwrap_or_else(|| panic!("token list misses {}: {listed}", issued.token_id))
            .to_string()
    };
    assert!(line(&listed).contains("\tlive\t"), "{listed}");

    let revoked = token_command_on(
        &world.data(),
        &world.ledger_args(),
        &["revoke", &issued.token_id],
    );
    assert!(revoked.contains(&issued.token_id), "{revoked}");
    let refused = (401, Some("UNAUTHENTICATED".into()));
    assert_eq!(
        answer_within(&world, &client, refused.clone()).await,
        refused,
        "the revoked token is refused from the next request on"
    );
    let refused = GraphQlSocket::connect(&world.address(), Some(&issued.secret)).await;
    assert!(refused.is_err(), "a revoked token opened a socket");
    // A socket opened before the revoke is closed by the server, with 4403, soon after.
    let closed = tokio::time::timeout(REVOKED_SOCKET_CLOSE_WAIT, async {
        loop {
            match open_socket.next_message().await {
                Some(message) if message["type"] == "close" => return Some(message),
                Some(_) => continue,
                None => return None,
            }
        }
    })
    .await
    .expect("the socket of a revoked token stayed open");
    let closed = closed.expect("the socket ended without a close frame");
    assert_eq!(closed["code"], 4403, "{closed}");
    let listed = token_command_on(&world.data(), &world.ledger_args(), &["list"]);
    assert!(line(&listed).contains("\trevoked "), "{listed}");
    // The tokens made before the server started still work.
    assert_eq!(answer_to(&world.client(auditor)).await, (200, None));
}

govledger_tests::on_both_backends!(
    each_role_is_refused_what_it_may_not_do_and_nothing_is_appended,
    without_a_token_reads_withhold_residents_personal_data,
    a_token_created_while_serving_works_at_once_and_a_revoked_one_is_refused_at_once,
);

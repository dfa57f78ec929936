//! The typed mutations against the generic `executeCommand`: for commands of every aggregate,
//! the typed mutation and the domain JSON of the same command append the same events; bad
//! input comes back in `userErrors` with the field at fault and appends nothing.

mod support;

use govledger_core::domain::command::Command;
use govledger_core::domain::correction::{CorrectFact, CorrectedField};
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::ids::*;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::commands::MediationCommand;
use govledger_core::domain::mediation::vocabulary::{DisputeType, MediationSource};
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::role::{OrganisationKind, Role};
use govledger_core::domain::streams::StreamRef;
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::time::Timestamp;
use serde_json::{Value, json};
use support::{Ledger, Member};
use uuid::Uuid;

/// Fixed ids, so that both ledgers receive the same commands.
fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

const COMMITTEE: u128 = 10;
const STATION: u128 = 11;
const PARTY_COMMITTEE: u128 = 12;
const MEDIATION_COMMITTEE: u128 = 13;
const PROPERTY_COMPANY: u128 = 14;
const ADMIN_ACCOUNT: u128 = 20;
const CLERK_ACCOUNT: u128 = 21;
const PARTY_ACCOUNT: u128 = 22;
const COMPOUND: u128 = 30;
const BUILDING: u128 = 31;
const UNIT: u128 = 32;
const GRID: u128 = 33;
const REQUEST: u128 = 40;
const WORK_PROJECT: u128 = 50;
const MEDIATION: u128 = 60;
const DECISION: u128 = 70;
const PARTY_PERSON: u128 = 80;

const ADMIN: Member = member(ADMIN_ACCOUNT, Role::DirectoryAdministrator, COMMITTEE);
const CLERK: Member = member(CLERK_ACCOUNT, Role::StationClerk, STATION);
const PARTY: Member = member(PARTY_ACCOUNT, Role::PartyCommitteeMember, PARTY_COMMITTEE);

const fn member(account: u128, role: Role, organisation: u128) -> Member {
    Member {
        account_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + account),
        role,
        organisation_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + organisation),
    }
}

fn id(n: u128) -> String {
    uuid(n).to_string()
}

fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("an RFC 3339 time")
}

/// What a step may need from the ledger it runs on.
struct Facts {
    /// The id of the request's `RequestReceived` event, once there is one.
    received_event_id: Option<String>,
}

/// One command, typed and as the domain's JSON.
struct Step {
    member: Member,
    mutation: &'static str,
    input_type: &'static str,
    build: fn(&Facts) -> (Value, Command),
}

const fn step(
    member: Member,
    mutation: &'static str,
    input_type: &'static str,
    build: fn(&Facts) -> (Value, Command),
) -> Step {
    Step {
        member,
        mutation,
        input_type,
        build,
    }
}

fn organisation(n: u128, kind: OrganisationKind, kind_name: &str, name: &str) -> (Value, Command) {
    (
        json!({ "organisationId": id(n), "kind": kind_name, "name": name }),
        Command::Directory(DirectoryCommand::RegisterOrganisation {
            organisation_id: OrganisationId(uuid(n)),
            kind,
            name: name.to_string(),
            compound_id: None,
            grid_id: None,
        }),
    )
}

fn open_account(account: u128, person: Option<u128>) -> (Value, Command) {
    (
        json!({ "accountId": id(account), "personId": person.map(id) }),
        Command::Directory(DirectoryCommand::OpenAccount {
            account_id: AccountId(uuid(account)),
            person_id: person.map(|p| PersonId(uuid(p))),
        }),
    )
}

fn grant_role(account: u128, organisation: u128, role: Role, role_name: &str) -> (Value, Command) {
    (
        json!({ "accountId": id(account), "organisationId": id(organisation), "role": role_name, "startsAt": "2020-01-01T00:00:00Z" }),
        Command::Directory(DirectoryCommand::GrantRole {
            account_id: AccountId(uuid(account)),
            organisation_id: OrganisationId(uuid(organisation)),
            role,
            starts_at: at("2020-01-01T00:00:00Z"),
            ends_at: None,
        }),
    )
}

fn steps() -> Vec<Step> {
    vec![
        step(
            ADMIN,
            "bootstrapDirectory",
            "BootstrapDirectoryInput",
            |_| {
                (
                    json!({
                        "communityId": id(1), "name": "Wanghai Community", "subdistrict": "Shijiu",
                        "city": "Rizhao", "foundedYear": 2006, "registeredHouseholds": 4144,
                        "residentHouseholds": 2771, "residents": 6723,
                        "committeeOrganisationId": id(COMMITTEE),
                        "committeeName": "Wanghai Residents' Committee",
                        "administratorAccountId": id(ADMIN_ACCOUNT),
                    }),
                    Command::Directory(DirectoryCommand::Bootstrap {
                        community_id: CommunityId(uuid(1)),
                        name: "Wanghai Community".into(),
                        subdistrict: "Shijiu".into(),
                        city: "Rizhao".into(),
                        founded_year: 2006,
                        registered_households: 4144,
                        resident_households: 2771,
                        residents: 6723,
                        committee_organisation_id: OrganisationId(uuid(COMMITTEE)),
                        committee_name: "Wanghai Residents' Committee".into(),
                        administrator_account_id: AccountId(uuid(ADMIN_ACCOUNT)),
                        administrator_person_id: None,
                    }),
                )
            },
        ),
        step(ADMIN, "registerCompound", "RegisterCompoundInput", |_| {
            (
                json!({ "compoundId": id(COMPOUND), "name": "Sun Coast", "registeredHouseholds": 360 }),
                Command::Directory(DirectoryCommand::RegisterCompound {
                    compound_id: CompoundId(uuid(COMPOUND)),
                    name: "Sun Coast".into(),
                    registered_households: 360,
                }),
            )
        }),
        step(ADMIN, "registerBuilding", "RegisterBuildingInput", |_| {
            (
                json!({ "buildingId": id(BUILDING), "compoundId": id(COMPOUND), "name": "Building 1", "floors": 18 }),
                Command::Directory(DirectoryCommand::RegisterBuilding {
                    building_id: BuildingId(uuid(BUILDING)),
                    compound_id: CompoundId(uuid(COMPOUND)),
                    name: "Building 1".into(),
                    floors: 18,
                }),
            )
        }),
        step(ADMIN, "registerUnit", "RegisterUnitInput", |_| {
            (
                json!({ "unitId": id(UNIT), "buildingId": id(BUILDING), "label": "1-1-0101", "floorAreaDm2": 9000 }),
                Command::Directory(DirectoryCommand::RegisterUnit {
                    unit_id: UnitId(uuid(UNIT)),
                    building_id: BuildingId(uuid(BUILDING)),
                    label: "1-1-0101".into(),
                    floor_area_dm2: 9000,
                }),
            )
        }),
        step(ADMIN, "registerGrid", "RegisterGridInput", |_| {
            (
                json!({ "gridId": id(GRID), "name": "Sun Coast Grid", "compoundIds": [id(COMPOUND)], "buildingIds": [id(BUILDING)] }),
                Command::Directory(DirectoryCommand::RegisterGrid {
                    grid_id: GridId(uuid(GRID)),
                    parent_grid_id: None,
                    name: "Sun Coast Grid".into(),
                    compound_ids: vec![CompoundId(uuid(COMPOUND))],
                    building_ids: vec![BuildingId(uuid(BUILDING))],
                }),
            )
        }),
        step(
            ADMIN,
            "registerOrganisation",
            "RegisterOrganisationInput",
            |_| {
                organisation(
                    STATION,
                    OrganisationKind::ServiceStation,
                    "SERVICE_STATION",
                    "Wanghai Station",
                )
            },
        ),
        step(
            ADMIN,
            "registerOrganisation",
            "RegisterOrganisationInput",
            |_| {
                organisation(
                    PARTY_COMMITTEE,
                    OrganisationKind::CommunityPartyCommittee,
                    "COMMUNITY_PARTY_COMMITTEE",
                    "Wanghai Party Committee",
                )
            },
        ),
        step(
            ADMIN,
            "registerOrganisation",
            "RegisterOrganisationInput",
            |_| {
                organisation(
                    MEDIATION_COMMITTEE,
                    OrganisationKind::MediationCommittee,
                    "MEDIATION_COMMITTEE",
                    "Wanghai Mediation Committee",
                )
            },
        ),
        step(
            ADMIN,
            "registerOrganisation",
            "RegisterOrganisationInput",
            |_| {
                organisation(
                    PROPERTY_COMPANY,
                    OrganisationKind::PropertyCompany,
                    "PROPERTY_COMPANY",
                    "Bluewave Property",
                )
            },
        ),
        step(ADMIN, "openAccount", "OpenAccountInput", |_| {
            open_account(CLERK_ACCOUNT, None)
        }),
        step(ADMIN, "grantRole", "GrantRoleInput", |_| {
            grant_role(CLERK_ACCOUNT, STATION, Role::StationClerk, "STATION_CLERK")
        }),
        step(ADMIN, "openAccount", "OpenAccountInput", |_| {
            open_account(PARTY_ACCOUNT, Some(PARTY_PERSON))
        }),
        step(ADMIN, "grantRole", "GrantRoleInput", |_| {
            grant_role(
                PARTY_ACCOUNT,
                PARTY_COMMITTEE,
                Role::PartyCommitteeMember,
                "PARTY_COMMITTEE_MEMBER",
            )
        }),
        step(CLERK, "receiveRequest", "ReceiveRequestInput", |_| {
            (
                json!({
                    "requestId": id(REQUEST), "kind": "HELP", "category": "REPAIR",
                    "description": "The unit doors of building 1 do not lock.",
                    "location": { "compoundId": id(COMPOUND), "buildingId": id(BUILDING) },
                    "channel": "SERVICE_STATION",
                }),
                request(RequestCommand::Receive {
                    kind: RequestKind::Help,
                    category: RequestCategory::Repair,
                    description: "The unit doors of building 1 do not lock.".into(),
                    requester_id: None,
                    location: Location {
                        compound_id: Some(CompoundId(uuid(COMPOUND))),
                        building_id: Some(BuildingId(uuid(BUILDING))),
                        ..Location::NOWHERE
                    },
                    channel: Channel::ServiceStation,
                }),
            )
        }),
        step(CLERK, "acceptRequest", "AcceptRequestInput", |_| {
            (
                json!({ "requestId": id(REQUEST), "category": "SECURITY" }),
                request(RequestCommand::Accept {
                    category: Some(RequestCategory::Security),
                }),
            )
        }),
        step(CLERK, "dispatchRequest", "DispatchRequestInput", |_| {
            (
                json!({ "requestId": id(REQUEST), "organisationId": id(PROPERTY_COMPANY), "dueAt": "2026-04-01T00:00:00Z" }),
                request(RequestCommand::Dispatch {
                    organisation_id: OrganisationId(uuid(PROPERTY_COMPANY)),
                    response_due_at: None,
                    due_at: Some(at("2026-04-01T00:00:00Z")),
                }),
            )
        }),
        step(CLERK, "correctFact", "CorrectFactInput", |facts| {
            let event_id = facts
                .received_event_id
                .clone()
                .expect("the request was received");
            (
                json!({
                    "target": { "requestId": id(REQUEST) },
                    "correctsEventId": event_id,
                    "reason": "misheard at the counter",
                    "corrected": [{ "description": "The unit doors of building 1 do not close." }],
                }),
                Command::CorrectFact {
                    target: StreamRef::Request(RequestId(uuid(REQUEST))),
                    correction: CorrectFact {
                        corrects_event_id: event_id.parse().expect("an event id"),
                        reason: "misheard at the counter".into(),
                        corrected: vec![CorrectedField::Description(
                            "The unit doors of building 1 do not close.".into(),
                        )],
                    },
                },
            )
        }),
        step(
            PARTY,
            "proposeWorkProject",
            "ProposeWorkProjectInput",
            |_| {
                (
                    json!({
                        "workProjectId": id(WORK_PROJECT), "category": "UNIT_DOOR_REPLACEMENT",
                        "title": "Unit doors, building 1", "description": "Replace the 16 unit doors.",
                        "compoundId": id(COMPOUND), "buildingIds": [id(BUILDING)], "unitIds": [],
                        "plannedQuantities": [{ "amount": 16, "unit": "UNIT_DOOR" }],
                        "linkedRequestIds": [id(REQUEST)],
                    }),
                    Command::WorkProject {
                        work_project_id: WorkProjectId(uuid(WORK_PROJECT)),
                        command: WorkProjectCommand::Propose {
                            category: WorkCategory::UnitDoorReplacement,
                            title: "Unit doors, building 1".into(),
                            description: "Replace the 16 unit doors.".into(),
                            compound_id: CompoundId(uuid(COMPOUND)),
                            building_ids: vec![BuildingId(uuid(BUILDING))],
                            unit_ids: Vec::new(),
                            planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
                            linked_request_ids: vec![RequestId(uuid(REQUEST))],
                        },
                    },
                )
            },
        ),
        step(PARTY, "proposeDecision", "ProposeDecisionInput", |_| {
            (
                json!({
                    "decisionId": id(DECISION), "bodyOrganisationId": id(PARTY_COMMITTEE),
                    "matter": "BODY_RESOLUTION", "title": "Unit doors",
                    "text": "The committee backs replacing the unit doors.",
                    "authorisations": [{ "workProjectId": id(WORK_PROJECT), "fundingSource": "PROPERTY_FEES", "budgetCentsMax": 4_800_000 }],
                    "linkedRequestIds": [id(REQUEST)],
                }),
                decision(DecisionCommand::Propose {
                    body_organisation_id: OrganisationId(uuid(PARTY_COMMITTEE)),
                    matter: DecisionMatter::BodyResolution,
                    title: "Unit doors".into(),
                    text: "The committee backs replacing the unit doors.".into(),
                    authorisations: vec![Authorisation {
                        work_project_id: WorkProjectId(uuid(WORK_PROJECT)),
                        funding_source: FundingSource::PropertyFees,
                        budget_cents_max: 4_800_000,
                    }],
                    linked_request_ids: vec![RequestId(uuid(REQUEST))],
                }),
            )
        }),
        step(PARTY, "openVoting", "OpenVotingInput", |_| {
            (
                json!({ "decisionId": id(DECISION), "closesAt": "2026-03-20T00:00:00Z" }),
                decision(DecisionCommand::OpenVoting {
                    closes_at: at("2026-03-20T00:00:00Z"),
                }),
            )
        }),
        step(PARTY, "castBallot", "CastBallotInput", |_| {
            (
                json!({ "decisionId": id(DECISION), "ballotFor": { "memberAccountId": id(PARTY_ACCOUNT) }, "choice": "FOR" }),
                decision(DecisionCommand::CastBallot {
                    ballot_for: BallotFor::Member {
                        account_id: AccountId(uuid(PARTY_ACCOUNT)),
                    },
                    choice: BallotChoice::For,
                }),
            )
        }),
        step(CLERK, "registerMediation", "RegisterMediationInput", |_| {
            (
                json!({
                    "mediationId": id(MEDIATION), "source": "PARTY_APPLICATION",
                    "mediationCommitteeId": id(MEDIATION_COMMITTEE), "disputeType": "NOISE",
                    "parties": [id(PARTY_PERSON)], "summary": "Music at night.",
                    "location": { "unitId": id(UNIT) },
                }),
                Command::Mediation {
                    mediation_id: MediationId(uuid(MEDIATION)),
                    command: MediationCommand::Register {
                        source: MediationSource::PartyApplication,
                        referred_by_organisation_id: None,
                        mediation_committee_id: OrganisationId(uuid(MEDIATION_COMMITTEE)),
                        dispute_type: DisputeType::Noise,
                        parties: vec![PersonId(uuid(PARTY_PERSON))],
                        summary: "Music at night.".into(),
                        location: Location {
                            unit_id: Some(UnitId(uuid(UNIT))),
                            ..Location::NOWHERE
                        },
                    },
                },
            )
        }),
    ]
}

fn request(command: RequestCommand) -> Command {
    Command::Request {
        request_id: RequestId(uuid(REQUEST)),
        command,
    }
}

fn decision(command: DecisionCommand) -> Command {
    Command::Decision {
        decision_id: DecisionId(uuid(DECISION)),
        command,
    }
}

/// The common fields of step `index`: the same in both ledgers.
fn options(index: usize) -> Value {
    json!({
        "idempotencyKey": format!("step-{index}"),
        "occurredAt": format!("2026-03-02T09:{index:02}:00Z"),
    })
}

async fn facts(ledger: &Ledger) -> Facts {
    let stream = format!("request-{}", uuid(REQUEST));
    Facts {
        received_event_id: ledger.first_event_id(ADMIN, &stream).await,
    }
}

/// Both ledgers after every step: one through the typed mutations, one through
/// `executeCommand`.
async fn run_steps() -> (Ledger, Ledger) {
    let typed = Ledger::open();
    let generic = Ledger::open();
    for (index, step) in steps().iter().enumerate() {
        let (input, _) = (step.build)(&facts(&typed).await);
        let mut input = input;
        for (key, value) in options(index).as_object().expect("an object") {
            input[key] = value.clone();
        }
        let by_type = typed
            .typed(step.member, step.mutation, step.input_type, input)
            .await;
        let (_, command) = (step.build)(&facts(&generic).await);
        let command = serde_json::to_value(&command).expect("a command serialises");
        let by_json = generic.generic(step.member, command, options(index)).await;
        assert_eq!(
            by_type["userErrors"],
            json!([]),
            "{}: {by_type}",
            step.mutation
        );
        assert_eq!(by_type, by_json, "{}", step.mutation);
    }
    (typed, generic)
}

#[tokio::test]
async fn typed_mutations_append_what_execute_command_appends() {
    let (typed, generic) = run_steps().await;
    let by_type = typed.events(ADMIN).await;
    let by_json = generic.events(ADMIN).await;
    assert!(by_type.len() >= steps().len(), "every step appended");
    for (typed_event, generic_event) in by_type.iter().zip(&by_json) {
        assert_eq!(typed_event, generic_event);
    }
    assert_eq!(by_type.len(), by_json.len());
}

/// A bad input: what is sent, and where the fault is reported.
struct Bad {
    member: Member,
    mutation: &'static str,
    input_type: &'static str,
    input: Value,
    /// The path below `input`; empty when the fault is no one field's.
    field: &'static [&'static str],
    code: &'static str,
}

/// Sends the bad input; it must come back in `userErrors` naming `field`, with nothing appended.
async fn check(ledger: &Ledger, bad: Bad) {
    let head = ledger.head(ADMIN).await;
    let mut input = bad.input;
    input["idempotencyKey"] = input
        .get("idempotencyKey")
        .cloned()
        .unwrap_or_else(|| json!(format!("bad-{}", bad.mutation)));
    let payload = ledger
        .typed(bad.member, bad.mutation, bad.input_type, input)
        .await;
    let errors = payload["userErrors"].as_array().expect("a list");
    assert_eq!(errors.len(), 1, "{}: {payload}", bad.mutation);
    let field = match bad.field {
        [] => Value::Null,
        path => json!(std::iter::once(&"input").chain(path).collect::<Vec<_>>()),
    };
    assert_eq!(errors[0]["field"], field, "{}: {payload}", bad.mutation);
    assert_eq!(errors[0]["code"], bad.code, "{}: {payload}", bad.mutation);
    assert_eq!(payload["positions"], json!([]), "{}", bad.mutation);
    assert_eq!(ledger.head(ADMIN).await, head, "{} appended", bad.mutation);
}

#[tokio::test]
async fn bad_input_comes_back_in_user_errors_and_appends_nothing() {
    let (ledger, _) = run_steps().await;
    let receive = |description: &str, unit_id: &str| {
        json!({
            "requestId": id(REQUEST + 1), "kind": "HELP", "category": "REPAIR",
            "description": description, "location": { "unitId": unit_id },
            "channel": "PHONE",
        })
    };
    let propose = |amount: i64| {
        json!({
            "workProjectId": id(WORK_PROJECT + 1), "category": "PLANTING", "title": "Trees",
            "description": "Plant trees.", "compoundId": id(COMPOUND), "buildingIds": [],
            "unitIds": [], "plannedQuantities": [{ "amount": amount, "unit": "PIECE" }],
            "linkedRequestIds": [],
        })
    };
    let table = [
        Bad {
            member: CLERK,
            mutation: "acceptRequest",
            input_type: "AcceptRequestInput",
            input: json!({ "requestId": "not-a-uuid" }),
            field: &["requestId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: receive("Leaking pipe.", "unit 101"),
            field: &["location", "unitId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: receive("", &id(UNIT)),
            field: &["description"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "receiveRequest",
            input_type: "ReceiveRequestInput",
            input: {
                let mut input = receive("Leaking pipe.", &id(UNIT));
                input["idempotencyKey"] = json!("");
                input
            },
            field: &["idempotencyKey"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "proposeWorkProject",
            input_type: "ProposeWorkProjectInput",
            input: propose(-3),
            field: &["plannedQuantities"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "proposeWorkProject",
            input_type: "ProposeWorkProjectInput",
            input: {
                let mut input = propose(3);
                input["buildingIds"] = json!([id(BUILDING), "b2"]);
                input
            },
            field: &["buildingIds", "1"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: PARTY,
            mutation: "castBallot",
            input_type: "CastBallotInput",
            input: json!({ "decisionId": id(DECISION), "ballotFor": { "ownerPersonId": "owner" }, "choice": "AGAINST" }),
            field: &["ballotFor", "ownerPersonId"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "correctFact",
            input_type: "CorrectFactInput",
            input: json!({ "target": { "directory": false }, "correctsEventId": id(1), "reason": "typo", "corrected": [] }),
            field: &["target", "directory"],
            code: "BAD_USER_INPUT",
        },
        Bad {
            member: CLERK,
            mutation: "closeRequest",
            input_type: "CloseRequestInput",
            input: json!({ "requestId": id(REQUEST + 99) }),
            field: &[],
            code: "NOT_FOUND",
        },
    ];
    for bad in table {
        check(&ledger, bad).await;
    }
}

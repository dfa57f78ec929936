//! The cast, the places and the steps both ledgers go through: each a command of one
//! aggregate, as a typed mutation's input and as the domain's `Command`.

use govledger_core::domain::command::Command;
use govledger_core::domain::correction::{CorrectFact, CorrectedField};
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::ids::*;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::commands::MediationCommand;
use govledger_core::domain::mediation::vocabulary::{DisputeType, MediationSource};
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::vocabulary::{
    Channel, RequestCategory, RequestKind, TimeLimit,
};
use govledger_core::domain::role::{OrganisationKind, Role};
use govledger_core::domain::streams::StreamRef;
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::time::{CivilDate, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::Member;

/// Fixed ids, so that both ledgers receive the same commands.
pub(crate) fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

pub(crate) const COMMITTEE: u128 = 10;
pub(crate) const STATION: u128 = 11;
pub(crate) const PARTY_COMMITTEE: u128 = 12;
pub(crate) const MEDIATION_COMMITTEE: u128 = 13;
pub(crate) const PROPERTY_COMPANY: u128 = 14;
pub(crate) const ADMIN_ACCOUNT: u128 = 20;
pub(crate) const CLERK_ACCOUNT: u128 = 21;
pub(crate) const PARTY_ACCOUNT: u128 = 22;
pub(crate) const MEDIATOR_ACCOUNT: u128 = 23;
pub(crate) const PRIVACY_ACCOUNT: u128 = 24;
pub(crate) const COMPOUND: u128 = 30;
pub(crate) const BUILDING: u128 = 31;
pub(crate) const UNIT: u128 = 32;
pub(crate) const GRID: u128 = 33;
pub(crate) const REQUEST: u128 = 40;
pub(crate) const WORK_PROJECT: u128 = 50;
pub(crate) const MEDIATION: u128 = 60;
pub(crate) const DECISION: u128 = 70;
pub(crate) const PARTY_PERSON: u128 = 80;

pub(crate) const ADMIN: Member = member(ADMIN_ACCOUNT, Role::DirectoryAdministrator, COMMITTEE);
pub(crate) const CLERK: Member = member(CLERK_ACCOUNT, Role::StationClerk, STATION);
pub(crate) const MEDIATOR: Member = member(MEDIATOR_ACCOUNT, Role::Mediator, MEDIATION_COMMITTEE);
pub(crate) const PRIVACY_OFFICER: Member =
    member(PRIVACY_ACCOUNT, Role::DataProtectionOfficer, COMMITTEE);
pub(crate) const PARTY: Member = member(PARTY_ACCOUNT, Role::PartyCommitteeMember, PARTY_COMMITTEE);

pub(crate) const fn member(account: u128, role: Role, organisation: u128) -> Member {
    Member {
        account_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + account),
        role,
        organisation_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + organisation),
    }
}

pub(crate) fn id(n: u128) -> String {
    uuid(n).to_string()
}

pub(crate) fn at(text: &str) -> Timestamp {
    Timestamp::parse_rfc3339(text).expect("an RFC 3339 time")
}

/// What a step may need from the ledger it runs on.
pub(crate) struct Facts {
    /// The id of the request's `RequestReceived` event, once there is one.
    pub(crate) received_event_id: Option<String>,
}

/// One command, typed and as the domain's JSON.
pub(crate) struct Step {
    pub(crate) member: Member,
    pub(crate) mutation: &'static str,
    pub(crate) input_type: &'static str,
    pub(crate) build: fn(&Facts) -> (Value, Command),
}

pub(crate) const fn step(
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

pub(crate) fn organisation(
    n: u128,
    kind: OrganisationKind,
    kind_name: &str,
    name: &str,
) -> (Value, Command) {
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

pub(crate) fn open_account(account: u128, person: Option<u128>) -> (Value, Command) {
    (
        json!({ "accountId": id(account), "personId": person.map(id) }),
        Command::Directory(DirectoryCommand::OpenAccount {
            account_id: AccountId(uuid(account)),
            person_id: person.map(|p| PersonId(uuid(p))),
        }),
    )
}

pub(crate) fn grant_role(
    account: u128,
    organisation: u128,
    role: Role,
    role_name: &str,
) -> (Value, Command) {
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

pub(crate) fn steps() -> Vec<Step> {
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
        step(
            ADMIN,
            "setCommunityTimeZone",
            "SetCommunityTimeZoneInput",
            |_| {
                (
                    json!({ "timeZone": "Asia/Shanghai" }),
                    Command::Directory(DirectoryCommand::SetCommunityTimeZone {
                        time_zone: "Asia/Shanghai".into(),
                    }),
                )
            },
        ),
        step(ADMIN, "publishHolidays", "PublishHolidaysInput", |_| {
            let date = |month, day| CivilDate {
                year: 2020,
                month,
                day,
            };
            (
                json!({
                    "year": 2020, "publicHolidays": ["2020-10-01", "2020-10-02"],
                    "workingWeekendDays": ["2020-09-27"],
                }),
                Command::Directory(DirectoryCommand::PublishHolidays {
                    year: 2020,
                    public_holidays: vec![date(10, 1), date(10, 2)],
                    working_weekend_days: vec![date(9, 27)],
                }),
            )
        }),
        step(
            ADMIN,
            "setCategoryTimeLimits",
            "SetCategoryTimeLimitsInput",
            |_| {
                (
                    json!({
                        "category": "OTHER", "responseLimit": { "hours": 24 },
                        "resolutionLimit": { "workingDays": 3 },
                    }),
                    Command::Directory(DirectoryCommand::SetCategoryTimeLimits {
                        category: RequestCategory::Other,
                        response_limit: TimeLimit::Hours(24),
                        resolution_limit: TimeLimit::WorkingDays(3),
                    }),
                )
            },
        ),
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
        step(ADMIN, "openAccount", "OpenAccountInput", |_| {
            open_account(MEDIATOR_ACCOUNT, None)
        }),
        step(ADMIN, "grantRole", "GrantRoleInput", |_| {
            grant_role(
                MEDIATOR_ACCOUNT,
                MEDIATION_COMMITTEE,
                Role::Mediator,
                "MEDIATOR",
            )
        }),
        step(ADMIN, "openAccount", "OpenAccountInput", |_| {
            open_account(PRIVACY_ACCOUNT, None)
        }),
        step(ADMIN, "grantRole", "GrantRoleInput", |_| {
            grant_role(
                PRIVACY_ACCOUNT,
                COMMITTEE,
                Role::DataProtectionOfficer,
                "DATA_PROTECTION_OFFICER",
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
        step(MEDIATOR, "acceptMediation", "AcceptMediationInput", |_| {
            (
                json!({ "mediationId": id(MEDIATION), "mediatorAccountId": id(MEDIATOR_ACCOUNT) }),
                mediation(MediationCommand::Accept {
                    mediator_account_id: AccountId(uuid(MEDIATOR_ACCOUNT)),
                }),
            )
        }),
        step(
            MEDIATOR,
            "recordMediationSession",
            "RecordMediationSessionInput",
            |_| {
                (
                    json!({ "mediationId": id(MEDIATION), "attendingParties": [id(PARTY_PERSON)], "record": "Agreed quiet hours." }),
                    mediation(MediationCommand::RecordSession {
                        attending_parties: vec![PersonId(uuid(PARTY_PERSON))],
                        record: "Agreed quiet hours.".into(),
                    }),
                )
            },
        ),
        step(
            PRIVACY_OFFICER,
            "erasePersonalData",
            "ErasePersonalDataInput",
            |_| {
                (
                    json!({ "personId": id(PARTY_PERSON), "basis": "DATA_SUBJECT_REQUEST" }),
                    Command::ErasePersonalData {
                        person_id: PersonId(uuid(PARTY_PERSON)),
                        basis: ErasureBasis::DataSubjectRequest,
                    },
                )
            },
        ),
    ]
}

pub(crate) fn request(command: RequestCommand) -> Command {
    Command::Request {
        request_id: RequestId(uuid(REQUEST)),
        command,
    }
}

pub(crate) fn mediation(command: MediationCommand) -> Command {
    Command::Mediation {
        mediation_id: MediationId(uuid(MEDIATION)),
        command,
    }
}

pub(crate) fn decision(command: DecisionCommand) -> Command {
    Command::Decision {
        decision_id: DecisionId(uuid(DECISION)),
        command,
    }
}

/// The common fields of step `index`: the same in both ledgers.
pub(crate) fn options(index: usize) -> Value {
    json!({
        "idempotencyKey": format!("step-{index}"),
        "occurredAt": format!("2026-03-02T09:{index:02}:00Z"),
    })
}

//! Shared given/when/then harness for the domain tests: a fixed directory (one compound, two
//! buildings, four units, every kind of actor) and a `Scenario` that folds the given events,
//! runs the authority gate and the aggregate's decision, and compares the outcome.

#![allow(dead_code, unreachable_pub)]

pub mod lagging_node;

use govledger_core::domain::aggregate::{ActingAs, Aggregate, Context, Folded, Related};
use govledger_core::domain::authority;
use govledger_core::domain::command::Command;
use govledger_core::domain::decision::Decision;
use govledger_core::domain::directory::Directory;
use govledger_core::domain::directory::events::*;
use govledger_core::domain::erasure::PersonRecord;
use govledger_core::domain::error::DomainError;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::*;
use govledger_core::domain::mediation::Mediation;
use govledger_core::domain::request::ServiceRequest;
use govledger_core::domain::role::{OrganisationKind, Role};
use govledger_core::domain::work_project::WorkProject;
use govledger_core::time::Timestamp;
use uuid::Uuid;

pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

pub fn day(y: i32, m: u8, d: u8) -> Timestamp {
    Timestamp::from_civil(y, m, d).unwrap()
}

pub const COMMUNITY: CommunityId = CommunityId(Uuid::from_u128(0xC0));
pub const COMPOUND: CompoundId = CompoundId(Uuid::from_u128(0xC1));
pub const OTHER_COMPOUND: CompoundId = CompoundId(Uuid::from_u128(0xC2));
pub const BUILDING_1: BuildingId = BuildingId(Uuid::from_u128(0xB1));
pub const BUILDING_2: BuildingId = BuildingId(Uuid::from_u128(0xB2));
pub const UNIT_1: UnitId = UnitId(Uuid::from_u128(0xD1));
pub const UNIT_2: UnitId = UnitId(Uuid::from_u128(0xD2));
pub const UNIT_3: UnitId = UnitId(Uuid::from_u128(0xD3));
pub const UNIT_4: UnitId = UnitId(Uuid::from_u128(0xD4));
/// Owns units 1 and 4 (16,000 dm²): one head.
pub const OWNER_1: PersonId = PersonId(Uuid::from_u128(0xE1));
/// Owns unit 2 (8,000 dm²).
pub const OWNER_2: PersonId = PersonId(Uuid::from_u128(0xE2));
/// Owns unit 3 (12,000 dm²).
pub const OWNER_3: PersonId = PersonId(Uuid::from_u128(0xE3));
pub const STRANGER: PersonId = PersonId(Uuid::from_u128(0xE9));

pub const COMMITTEE: OrganisationId = OrganisationId(Uuid::from_u128(0xF0));
pub const STATION: OrganisationId = OrganisationId(Uuid::from_u128(0xF1));
pub const PROPERTY: OrganisationId = OrganisationId(Uuid::from_u128(0xF2));
pub const ASSEMBLY: OrganisationId = OrganisationId(Uuid::from_u128(0xF3));
pub const OWNERS_COMMITTEE: OrganisationId = OrganisationId(Uuid::from_u128(0xF4));
pub const MEDIATION_COMMITTEE: OrganisationId = OrganisationId(Uuid::from_u128(0xF5));
pub const CONTRACTOR: OrganisationId = OrganisationId(Uuid::from_u128(0xF6));
pub const PARTY: OrganisationId = OrganisationId(Uuid::from_u128(0xF7));
pub const AUDIT: OrganisationId = OrganisationId(Uuid::from_u128(0xF8));
pub const POLICE: OrganisationId = OrganisationId(Uuid::from_u128(0xF9));

pub const fn acting(n: u128, role: Role, organisation_id: OrganisationId) -> ActingAs {
    ActingAs {
        account_id: AccountId(Uuid::from_u128(0xA00 + n)),
        role,
        organisation_id,
    }
}

pub const ADMIN: ActingAs = acting(0, Role::DirectoryAdministrator, COMMITTEE);
pub const CLERK: ActingAs = acting(1, Role::StationClerk, STATION);
pub const TECHNICIAN: ActingAs = acting(2, Role::PropertyTechnician, PROPERTY);
pub const MEMBER: ActingAs = acting(3, Role::OwnersCommitteeMember, OWNERS_COMMITTEE);
pub const MEMBER_2: ActingAs = acting(4, Role::OwnersCommitteeMember, OWNERS_COMMITTEE);
pub const RESIDENT: ActingAs = acting(5, Role::Resident, ASSEMBLY);
pub const MEDIATOR: ActingAs = acting(6, Role::Mediator, MEDIATION_COMMITTEE);
pub const INSPECTOR: ActingAs = acting(7, Role::Inspector, COMMITTEE);
pub const SITE: ActingAs = acting(8, Role::ContractorManager, CONTRACTOR);
pub const AUDITOR: ActingAs = acting(9, Role::Auditor, AUDIT);
pub const PARTY_MEMBER: ActingAs = acting(10, Role::PartyCommitteeMember, PARTY);
pub const DPO: ActingAs = acting(11, Role::DataProtectionOfficer, COMMITTEE);
/// Holds the clerk role, but only from 2030.
pub const FUTURE_CLERK: ActingAs = acting(12, Role::StationClerk, STATION);

/// The fixture directory, as events.
pub fn directory_events() -> Vec<DomainEvent> {
    let mut events: Vec<DomainEvent> = vec![
        CommunityRegistered {
            community_id: COMMUNITY,
            name: "Test Community".into(),
            subdistrict: "Test".into(),
            city: "Test".into(),
            founded_year: 2006,
            registered_households: 10,
            resident_households: 8,
            residents: 20,
        }
        .into(),
    ];
    for (compound_id, name) in [(COMPOUND, "Sun Coast"), (OTHER_COMPOUND, "Wanghai")] {
        events.push(
            CompoundRegistered {
                compound_id,
                community_id: COMMUNITY,
                name: name.into(),
                registered_households: 4,
            }
            .into(),
        );
    }
    for building_id in [BUILDING_1, BUILDING_2] {
        events.push(
            BuildingRegistered {
                building_id,
                compound_id: COMPOUND,
                name: "Building".into(),
                floors: 18,
            }
            .into(),
        );
    }
    for (unit_id, building_id, area, owner) in [
        (UNIT_1, BUILDING_1, 10_000, OWNER_1),
        (UNIT_2, BUILDING_1, 8_000, OWNER_2),
        (UNIT_3, BUILDING_2, 12_000, OWNER_3),
        (UNIT_4, BUILDING_2, 6_000, OWNER_1),
    ] {
        events.push(
            UnitRegistered {
                unit_id,
                building_id,
                compound_id: COMPOUND,
                label: "1-1-0101".into(),
                floor_area_dm2: area,
            }
            .into(),
        );
        events.push(
            UnitOwnersRecorded {
                unit_id,
                owners: vec![owner],
            }
            .into(),
        );
    }
    use OrganisationKind as K;
    for (organisation_id, kind, compound_id) in [
        (COMMITTEE, K::CommunityCommittee, None),
        (STATION, K::ServiceStation, None),
        (PROPERTY, K::PropertyCompany, Some(COMPOUND)),
        (ASSEMBLY, K::OwnersAssembly, Some(COMPOUND)),
        (OWNERS_COMMITTEE, K::OwnersCommittee, Some(COMPOUND)),
        (MEDIATION_COMMITTEE, K::MediationCommittee, None),
        (CONTRACTOR, K::Contractor, None),
        (PARTY, K::CommunityPartyCommittee, None),
        (AUDIT, K::AuditOffice, None),
        (POLICE, K::GovernmentDepartment, None),
    ] {
        events.push(
            OrganisationRegistered {
                organisation_id,
                kind,
                name: kind.as_str().into(),
                community_id: COMMUNITY,
                compound_id,
                grid_id: None,
            }
            .into(),
        );
    }
    let people = [
        (ADMIN, None),
        (CLERK, None),
        (TECHNICIAN, None),
        (MEMBER, Some(OWNER_1)),
        (MEMBER_2, Some(OWNER_3)),
        (RESIDENT, Some(OWNER_2)),
        (MEDIATOR, None),
        (INSPECTOR, None),
        (SITE, None),
        (AUDITOR, None),
        (PARTY_MEMBER, None),
        (DPO, None),
    ];
    for (actor, person_id) in people {
        events.push(
            AccountOpened {
                account_id: actor.account_id,
                person_id,
            }
            .into(),
        );
        events.push(
            RoleGranted {
                account_id: actor.account_id,
                organisation_id: actor.organisation_id,
                role: actor.role,
                starts_at: day(2018, 1, 1),
                ends_at: None,
            }
            .into(),
        );
    }
    events.push(
        AccountOpened {
            account_id: FUTURE_CLERK.account_id,
            person_id: None,
        }
        .into(),
    );
    events.push(
        RoleGranted {
            account_id: FUTURE_CLERK.account_id,
            organisation_id: STATION,
            role: Role::StationClerk,
            starts_at: day(2030, 1, 1),
            ends_at: None,
        }
        .into(),
    );
    events
}

pub fn fold<A: Aggregate>(events: &[DomainEvent]) -> Folded<A> {
    Folded::from_events(
        events
            .iter()
            .enumerate()
            .map(|(i, e)| (uuid(0x1000 + i as u128), e)),
    )
}

pub fn directory() -> Directory {
    fold::<Directory>(&directory_events()).state
}

/// A given/when/then scenario.
pub struct Scenario {
    given: Vec<DomainEvent>,
    /// Directory events after `directory_events()` (a zone, holidays, category limits).
    directory: Vec<DomainEvent>,
    decision: Vec<DomainEvent>,
    request: Vec<DomainEvent>,
    work_project: Vec<DomainEvent>,
    now: Timestamp,
    actor: ActingAs,
}

pub fn given(events: Vec<DomainEvent>) -> Scenario {
    Scenario {
        given: events,
        directory: Vec::new(),
        decision: Vec::new(),
        request: Vec::new(),
        work_project: Vec::new(),
        now: day(2020, 6, 1),
        actor: CLERK,
    }
}

impl Scenario {
    pub fn with_directory(mut self, events: Vec<DomainEvent>) -> Scenario {
        self.directory = events;
        self
    }

    pub fn with_decision(mut self, events: Vec<DomainEvent>) -> Scenario {
        self.decision = events;
        self
    }

    pub fn with_request(mut self, events: Vec<DomainEvent>) -> Scenario {
        self.request = events;
        self
    }

    pub fn with_work_project(mut self, events: Vec<DomainEvent>) -> Scenario {
        self.work_project = events;
        self
    }

    pub fn at(mut self, now: Timestamp) -> Scenario {
        self.now = now;
        self
    }

    pub fn by(mut self, actor: ActingAs) -> Scenario {
        self.actor = actor;
        self
    }

    pub fn when(self, command: Command) -> Then {
        Then(self.decide(&command))
    }

    fn decide(&self, command: &Command) -> Result<Vec<DomainEvent>, DomainError> {
        let mut directory = fold::<Directory>(&directory_events());
        for (i, event) in self.directory.iter().enumerate() {
            directory.push(uuid(0x1800 + i as u128), event);
        }
        if matches!(command, Command::Directory(_)) {
            for (i, event) in self.given.iter().enumerate() {
                directory.push(uuid(0x2000 + i as u128), event);
            }
        }
        let directory = directory.state;
        authority::authorise(&self.actor, command, &directory, self.now)?;
        let decision = fold::<Decision>(&self.decision).state;
        let request = fold::<ServiceRequest>(&self.request).state;
        let work_project = fold::<WorkProject>(&self.work_project).state;
        let context = Context {
            now: self.now,
            actor: self.actor,
            directory: &directory,
            related: Related {
                decision: (!self.decision.is_empty()).then_some(&decision),
                request: (!self.request.is_empty()).then_some(&request),
                work_project: (!self.work_project.is_empty()).then_some(&work_project),
            },
        };
        fn run<A: Aggregate>(
            given: &[DomainEvent],
            id: A::Id,
            command: &A::Command,
            context: &Context<'_>,
        ) -> Result<Vec<DomainEvent>, DomainError> {
            let state = fold::<A>(given).state;
            state
                .handle(id, command, context)
                .map(|events| events.into_iter().map(Into::into).collect())
        }
        match command {
            Command::Request {
                request_id,
                command,
            } => run::<ServiceRequest>(&self.given, *request_id, command, &context),
            Command::WorkProject {
                work_project_id,
                command,
            } => run::<WorkProject>(&self.given, *work_project_id, command, &context),
            Command::Mediation {
                mediation_id,
                command,
            } => run::<Mediation>(&self.given, *mediation_id, command, &context),
            Command::Decision {
                decision_id,
                command,
            } => run::<Decision>(&self.given, *decision_id, command, &context),
            Command::Directory(command) => directory
                .handle((), command, &context)
                .map(|e| e.into_iter().map(Into::into).collect()),
            Command::ErasePersonalData { person_id, basis } => {
                run::<PersonRecord>(&self.given, *person_id, basis, &context)
            }
            Command::CorrectFact { .. } => panic!("corrections are tested through the service"),
        }
    }
}

pub struct Then(pub Result<Vec<DomainEvent>, DomainError>);

impl Then {
    #[track_caller]
    pub fn then_expect(self, events: Vec<DomainEvent>) {
        assert_eq!(self.0, Ok(events));
    }

    #[track_caller]
    pub fn then_reject(self, error: DomainError) {
        assert_eq!(self.0, Err(error));
    }

    /// The produced events' types, for long lifecycles where the fields are checked elsewhere.
    #[track_caller]
    pub fn then_expect_types(self, types: &[&str]) -> Vec<DomainEvent> {
        let events = self.0.unwrap_or_else(|e| panic!("rejected: {e}"));
        assert_eq!(
            events.iter().map(|e| e.event_type()).collect::<Vec<_>>(),
            types
        );
        events
    }

    pub fn events(self) -> Vec<DomainEvent> {
        self.0.unwrap_or_else(|e| panic!("rejected: {e}"))
    }
}

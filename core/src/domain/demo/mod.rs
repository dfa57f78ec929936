//! The demo ledger: the Wanghai community of DOMAIN.md with the Sun Coast works of the report,
//! built deterministically from a seed through the real `CommandHandler`, so every event in it
//! passed validation and authority checks.
//!
//! Household counts per compound are an illustrative split of the report's 4,144 registered
//! households. Names of people are fictional and live only in the personal-data store.

mod cases;
mod directory;
mod names;
mod works;

use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::ids::{
    BuildingId, CommunityId, CompoundId, DecisionId, MediationId, OrganisationId, PersonId,
    RequestId, UnitId, WorkProjectId,
};
use crate::domain::seeded_rng::SeededRng;
use crate::domain::service::CommandHandler;
use crate::domain::service::envelope::{CommandEnvelope, CommandError, CommandOutcome};
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::personal_data::{PersonDetails, PersonalDataError, PersonalDataStore};
use crate::store::EventStore;
use crate::time::Timestamp;

/// The actors a front end or a test needs, each ready to send commands.
#[derive(Debug, Clone)]
pub struct DemoActors {
    pub administrator: ActingAs,
    pub clerk: ActingAs,
    pub grid_worker: ActingAs,
    pub party_committee_member: ActingAs,
    pub party_branch_member: ActingAs,
    pub dispatcher: ActingAs,
    pub technician: ActingAs,
    pub committee_members: Vec<ActingAs>,
    pub mediator: ActingAs,
    pub inspector: ActingAs,
    pub volunteer: ActingAs,
    pub auditor: ActingAs,
    pub data_protection_officer: ActingAs,
    /// One contractor manager per contractor, in `DemoOrganisations::contractors` order.
    pub contractor_managers: Vec<ActingAs>,
}

#[derive(Debug, Clone)]
pub struct DemoOrganisations {
    pub community_committee: OrganisationId,
    pub party_committee: OrganisationId,
    pub service_station: OrganisationId,
    pub sun_coast_party_branch: OrganisationId,
    pub owners_assembly: OrganisationId,
    pub owners_committee: OrganisationId,
    pub property_company: OrganisationId,
    pub volunteer_team: OrganisationId,
    pub mediation_committee: OrganisationId,
    pub audit_office: OrganisationId,
    /// Refers disputes to mediation.
    pub police_station: OrganisationId,
    pub contractors: Vec<OrganisationId>,
}

/// One Sun Coast work project and how it came about.
#[derive(Debug, Clone)]
pub struct DemoWork {
    pub category: WorkCategory,
    pub work_project_id: WorkProjectId,
    pub decision_id: DecisionId,
    pub request_ids: Vec<RequestId>,
}

/// What `build` made: the ids a front end or a test needs.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    pub community_id: CommunityId,
    /// The six compounds by name, in DOMAIN.md order.
    pub compounds: Vec<(String, CompoundId)>,
    pub sun_coast_compound_id: CompoundId,
    pub sun_coast_building_ids: Vec<BuildingId>,
    pub sun_coast_unit_ids: Vec<UnitId>,
    pub organisations: DemoOrganisations,
    pub actors: DemoActors,
    pub works: Vec<DemoWork>,
    pub unit_door_work_project_id: WorkProjectId,
    /// Owners' decisions: the failed lift proposal, the 2019 repairs, the 2020 parking.
    pub decision_ids: Vec<DecisionId>,
    pub request_ids: Vec<RequestId>,
    pub mediation_ids: Vec<MediationId>,
    /// A resident whose personal data was erased at the end of 2021.
    pub erased_person_id: PersonId,
    pub commands_executed: u64,
    /// The ledger's head position after the build.
    pub events_appended: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("demo step {step} ({command}) failed: {source}")]
    Command {
        step: &'static str,
        command: &'static str,
        source: CommandError,
    },
    #[error("demo personal data: {0}")]
    PersonalData(#[from] PersonalDataError),
    #[error("demo invariant broken: {0}")]
    Invariant(String),
}

/// The builder's working state.
pub(super) struct Demo<'a> {
    handler: CommandHandler,
    personal_data: &'a PersonalDataStore,
    rng: SeededRng,
    commands: u64,
    step: &'static str,
}

impl<'a> Demo<'a> {
    fn new(
        store: Arc<dyn EventStore>,
        personal_data: &'a PersonalDataStore,
        seed: u64,
    ) -> Demo<'a> {
        let event_rng = Mutex::new(SeededRng::new(seed ^ 0x0005_EED0_FEE1_71D5));
        let handler = CommandHandler::with_event_ids(
            store,
            Box::new(move |at| {
                event_rng
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .uuid_v7(at)
            }),
        );
        Demo {
            handler,
            personal_data,
            rng: SeededRng::new(seed),
            commands: 0,
            step: "start",
        }
    }

    pub(super) fn uuid(&mut self, at: Timestamp) -> Uuid {
        self.rng.uuid_v7(at)
    }

    pub(super) fn rng(&mut self) -> &mut SeededRng {
        &mut self.rng
    }

    pub(super) fn step(&mut self, step: &'static str) {
        self.step = step;
    }

    pub(super) fn handler(&self) -> &CommandHandler {
        &self.handler
    }

    pub(super) fn personal_data(&self) -> &PersonalDataStore {
        self.personal_data
    }

    /// Executes one command at a time in the past.
    pub(super) fn run(
        &mut self,
        actor: ActingAs,
        at: Timestamp,
        command: Command,
    ) -> Result<CommandOutcome, DemoError> {
        let name = command.name();
        self.commands += 1;
        self.handler
            .execute(&CommandEnvelope::new(actor, command).at(at))
            .map_err(|source| DemoError::Command {
                step: self.step,
                command: name,
                source,
            })
    }

    /// A new fictional person with details in the personal-data store.
    pub(super) fn person(
        &mut self,
        at: Timestamp,
        unit_id: Option<UnitId>,
    ) -> Result<PersonId, DemoError> {
        let person_id = PersonId(self.uuid(at));
        let details = PersonDetails {
            name: names::fictional_name(&mut self.rng),
            phone: names::fictional_phone(&mut self.rng),
            id_number: names::fictional_id_number(&mut self.rng),
            unit_id,
        };
        self.personal_data.put(person_id, &details)?;
        Ok(person_id)
    }
}

/// `y-m-d` at `hour`:00 UTC; the demo's dates are all valid, so an invalid one is a bug.
pub(super) fn at(year: i32, month: u8, day: u8, hour: i64) -> Timestamp {
    Timestamp::from_civil(year, month, day)
        .expect("demo dates are valid calendar dates")
        .plus_hours(hour)
}

/// Builds the demo ledger into an empty store. Same seed, same ids and same events.
pub fn build(
    store: Arc<dyn EventStore>,
    personal_data: &PersonalDataStore,
    seed: u64,
) -> Result<DemoSummary, DemoError> {
    if store.head().position != 0 {
        return Err(DemoError::Invariant(
            "the demo is built into an empty ledger".into(),
        ));
    }
    let mut demo = Demo::new(store.clone(), personal_data, seed);
    let world = directory::build(&mut demo)?;
    let sun_coast = works::build(&mut demo, &world)?;
    let cases = cases::build(&mut demo, &world)?;
    let summary = DemoSummary {
        community_id: world.community_id,
        compounds: world.compounds.clone(),
        sun_coast_compound_id: world.sun_coast,
        sun_coast_building_ids: world.buildings.clone(),
        sun_coast_unit_ids: world.units.iter().map(|(unit, _)| *unit).collect(),
        organisations: world.organisations.clone(),
        actors: world.actors.clone(),
        unit_door_work_project_id: sun_coast
            .works
            .iter()
            .find(|w| w.category == WorkCategory::UnitDoorReplacement)
            .map(|w| w.work_project_id)
            .ok_or_else(|| DemoError::Invariant("no unit-door project".into()))?,
        works: sun_coast.works,
        decision_ids: sun_coast.decision_ids,
        request_ids: [sun_coast.request_ids, cases.request_ids].concat(),
        mediation_ids: cases.mediation_ids,
        erased_person_id: cases.erased_person_id,
        commands_executed: demo.commands,
        events_appended: store.head().position,
    };
    tracing::info!(
        commands = summary.commands_executed,
        events = summary.events_appended,
        "demo ledger built"
    );
    Ok(summary)
}

//! Directory commands and how the directory decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::correction::FactCorrected;
use crate::domain::directory::decide::{
    bootstrap, publish_holidays, set_category_time_limits, set_time_zone,
};
use crate::domain::directory::state::Directory;
use crate::domain::error::DomainError;
use crate::domain::event::{DirectoryEvent, DomainEvent};
use crate::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use crate::domain::request::vocabulary::{RequestCategory, TimeLimit};
use crate::domain::role::{OrganisationKind, Role};
use crate::time::{CivilDate, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectoryCommand {
    /// Starts an empty directory: the community, its committee and the first administrator.
    /// Only allowed while the directory is empty, by the administrator being created.
    Bootstrap {
        community_id: CommunityId,
        name: String,
        subdistrict: String,
        city: String,
        founded_year: u16,
        registered_households: u32,
        resident_households: u32,
        residents: u32,
        committee_organisation_id: OrganisationId,
        committee_name: String,
        administrator_account_id: AccountId,
        administrator_person_id: Option<PersonId>,
    },
    /// Sets the community's IANA time zone (`Asia/Shanghai`).
    SetCommunityTimeZone {
        time_zone: String,
    },
    /// Publishes a year's public holidays and adjusted working weekend days (replaces an
    /// earlier publication for that year).
    PublishHolidays {
        year: i32,
        public_holidays: Vec<CivilDate>,
        working_weekend_days: Vec<CivilDate>,
    },
    /// Sets a request category's response and resolution limits, in hours or working days.
    SetCategoryTimeLimits {
        category: RequestCategory,
        response_limit: TimeLimit,
        resolution_limit: TimeLimit,
    },
    RegisterCompound {
        compound_id: CompoundId,
        name: String,
        registered_households: u32,
    },
    RegisterBuilding {
        building_id: BuildingId,
        compound_id: CompoundId,
        name: String,
        floors: u16,
    },
    RegisterUnit {
        unit_id: UnitId,
        building_id: BuildingId,
        label: String,
        floor_area_dm2: u64,
    },
    RecordUnitOwners {
        unit_id: UnitId,
        owners: Vec<PersonId>,
    },
    RegisterGrid {
        grid_id: GridId,
        parent_grid_id: Option<GridId>,
        name: String,
        compound_ids: Vec<CompoundId>,
        building_ids: Vec<BuildingId>,
    },
    RegisterOrganisation {
        organisation_id: OrganisationId,
        kind: OrganisationKind,
        name: String,
        compound_id: Option<CompoundId>,
        grid_id: Option<GridId>,
    },
    OpenAccount {
        account_id: AccountId,
        person_id: Option<PersonId>,
    },
    GrantRole {
        account_id: AccountId,
        organisation_id: OrganisationId,
        role: Role,
        starts_at: Timestamp,
        ends_at: Option<Timestamp>,
    },
    EndRole {
        account_id: AccountId,
        organisation_id: OrganisationId,
        role: Role,
        ends_at: Timestamp,
    },
    CloseAccount {
        account_id: AccountId,
    },
}

impl DirectoryCommand {
    pub const fn name(&self) -> &'static str {
        match self {
            DirectoryCommand::Bootstrap { .. } => "bootstrap_directory",
            DirectoryCommand::SetCommunityTimeZone { .. } => "set_community_time_zone",
            DirectoryCommand::PublishHolidays { .. } => "publish_holidays",
            DirectoryCommand::SetCategoryTimeLimits { .. } => "set_category_time_limits",
            DirectoryCommand::RegisterCompound { .. } => "register_compound",
            DirectoryCommand::RegisterBuilding { .. } => "register_building",
            DirectoryCommand::RegisterUnit { .. } => "register_unit",
            DirectoryCommand::RecordUnitOwners { .. } => "record_unit_owners",
            DirectoryCommand::RegisterGrid { .. } => "register_grid",
            DirectoryCommand::RegisterOrganisation { .. } => "register_organisation",
            DirectoryCommand::OpenAccount { .. } => "open_account",
            DirectoryCommand::GrantRole { .. } => "grant_role",
            DirectoryCommand::EndRole { .. } => "end_role",
            DirectoryCommand::CloseAccount { .. } => "close_account",
        }
    }
}

impl Aggregate for Directory {
    type Id = ();
    type Command = DirectoryCommand;
    type Event = DirectoryEvent;
    const NAME: &'static str = "directory";

    fn apply(&mut self, event: &DirectoryEvent) {
        self.apply_event(event);
    }

    fn apply_correction(&mut self, correction: &FactCorrected, corrected: &DirectoryEvent) {
        self.apply_correction_of(correction, corrected);
    }

    fn select(event: &DomainEvent) -> Option<&DirectoryEvent> {
        match event {
            DomainEvent::Directory(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        self.community.is_some()
    }

    fn handle(
        &self,
        _id: (),
        command: &DirectoryCommand,
        context: &Context<'_>,
    ) -> Result<Vec<DirectoryEvent>, DomainError> {
        use DirectoryCommand as C;
        let community_id = match (&self.community, command) {
            (None, C::Bootstrap { .. }) => CommunityId(uuid::Uuid::nil()),
            (None, _) => return Err(not_found("community", "(directory is empty)")),
            (Some(_), C::Bootstrap { .. }) => {
                return Err(DomainError::WrongState {
                    aggregate: "directory",
                    state: "already bootstrapped",
                    action: "bootstrap again",
                });
            }
            (Some(community), _) => community.community_id,
        };
        match command {
            C::Bootstrap {
                community_id,
                name,
                subdistrict,
                city,
                founded_year,
                registered_households,
                resident_households,
                residents,
                committee_organisation_id,
                committee_name,
                administrator_account_id,
                administrator_person_id,
            } => bootstrap(
                *community_id,
                name,
                subdistrict,
                city,
                *founded_year,
                *registered_households,
                *resident_households,
                *residents,
                *committee_organisation_id,
                committee_name,
                *administrator_account_id,
                *administrator_person_id,
                context,
            ),
            C::SetCommunityTimeZone { time_zone } => set_time_zone(community_id, time_zone),
            C::PublishHolidays {
                year,
                public_holidays,
                working_weekend_days,
            } => publish_holidays(*year, public_holidays, working_weekend_days),
            C::SetCategoryTimeLimits {
                category,
                response_limit,
                resolution_limit,
            } => set_category_time_limits(*category, *response_limit, *resolution_limit),
            C::RegisterCompound {
                compound_id,
                name,
                registered_households,
            } => self.register_compound(community_id, *compound_id, name, *registered_households),
            C::RegisterBuilding {
                building_id,
                compound_id,
                name,
                floors,
            } => self.register_building(*building_id, *compound_id, name, *floors),
            C::RegisterUnit {
                unit_id,
                building_id,
                label,
                floor_area_dm2,
            } => self.register_unit(*unit_id, *building_id, label, *floor_area_dm2),
            C::RecordUnitOwners { unit_id, owners } => self.record_unit_owners(*unit_id, owners),
            C::RegisterGrid {
                grid_id,
                parent_grid_id,
                name,
                compound_ids,
                building_ids,
            } => self.register_grid(
                community_id,
                *grid_id,
                *parent_grid_id,
                name,
                compound_ids,
                building_ids,
            ),
            C::RegisterOrganisation {
                organisation_id,
                kind,
                name,
                compound_id,
                grid_id,
            } => self.register_organisation(
                community_id,
                *organisation_id,
                *kind,
                name,
                *compound_id,
                *grid_id,
            ),
            C::OpenAccount {
                account_id,
                person_id,
            } => self.open_new_account(*account_id, *person_id),
            C::GrantRole {
                account_id,
                organisation_id,
                role,
                starts_at,
                ends_at,
            } => self.grant_role(*account_id, *organisation_id, *role, *starts_at, *ends_at),
            C::EndRole {
                account_id,
                organisation_id,
                role,
                ends_at,
            } => self.end_role(*account_id, *organisation_id, *role, *ends_at),
            C::CloseAccount { account_id } => self.close_account(*account_id, context),
        }
    }
}

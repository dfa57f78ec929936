//! Directory commands and how the directory decides them.

use serde::{Deserialize, Serialize};

use crate::calendar::{CommunityCalendar, WORKING_DAYS_MAX, check_publication};
use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::correction::FactCorrected;
use crate::domain::directory::events::*;
use crate::domain::directory::state::Directory;
use crate::domain::error::DomainError;
use crate::domain::event::{DirectoryEvent, DomainEvent};
use crate::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use crate::domain::limits::{
    HOLIDAY_DATES_PER_YEAR_MAX, LOCATIONS_PER_PROJECT_MAX, OWNERS_PER_UNIT_MAX,
    RESOLUTION_DAYS_MAX, TITLE_BYTES_MAX, UNIT_FLOOR_AREA_DM2_MAX,
};
use crate::domain::request::vocabulary::{RequestCategory, TimeLimit};
use crate::domain::role::{OrganisationKind, Role};
use crate::domain::validate::{at_most, distinct, required_text};
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

fn exists_already(what: &'static str, id: impl std::fmt::Display) -> DomainError {
    DomainError::AlreadyExists {
        what,
        id: id.to_string(),
    }
}

/// A limit of at least one hour or working day, at most `RESOLUTION_DAYS_MAX` days' worth.
fn check_time_limit(field: &'static str, limit: TimeLimit) -> Result<(), DomainError> {
    let (amount, max) = match limit {
        TimeLimit::Hours(hours) => (i64::from(hours), RESOLUTION_DAYS_MAX * 24),
        TimeLimit::WorkingDays(days) => (
            i64::from(days),
            RESOLUTION_DAYS_MAX.min(i64::from(WORKING_DAYS_MAX)),
        ),
    };
    if amount < 1 || amount > max {
        return Err(DomainError::InvalidInput {
            field,
            reason: format!("{limit:?} is outside 1..={max}"),
        });
    }
    Ok(())
}

fn name(field: &'static str, value: &str) -> Result<String, DomainError> {
    required_text(field, value, TITLE_BYTES_MAX)
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
        let community_id = match (&self.community, command) {
            (None, DirectoryCommand::Bootstrap { .. }) => CommunityId(uuid::Uuid::nil()),
            (None, _) => return Err(not_found("community", "(directory is empty)")),
            (Some(_), DirectoryCommand::Bootstrap { .. }) => {
                return Err(DomainError::WrongState {
                    aggregate: "directory",
                    state: "already bootstrapped",
                    action: "bootstrap again",
                });
            }
            (Some(community), _) => community.community_id,
        };
        let event: Vec<DirectoryEvent> = match command {
            DirectoryCommand::Bootstrap {
                community_id,
                name: community_name,
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
            } => {
                if context.actor.account_id != *administrator_account_id
                    || context.actor.organisation_id != *committee_organisation_id
                    || context.actor.role != Role::DirectoryAdministrator
                {
                    return Err(DomainError::InvalidInput {
                        field: "actor",
                        reason: "the bootstrap must be sent by the administrator it creates, \
                                 as directory_administrator of the committee it creates"
                            .into(),
                    });
                }
                vec![
                    CommunityRegistered {
                        community_id: *community_id,
                        name: name("name", community_name)?,
                        subdistrict: name("subdistrict", subdistrict)?,
                        city: name("city", city)?,
                        founded_year: *founded_year,
                        registered_households: *registered_households,
                        resident_households: *resident_households,
                        residents: *residents,
                    }
                    .into(),
                    OrganisationRegistered {
                        organisation_id: *committee_organisation_id,
                        kind: OrganisationKind::CommunityCommittee,
                        name: name("committee_name", committee_name)?,
                        community_id: *community_id,
                        compound_id: None,
                        grid_id: None,
                    }
                    .into(),
                    AccountOpened {
                        account_id: *administrator_account_id,
                        person_id: *administrator_person_id,
                    }
                    .into(),
                    RoleGranted {
                        account_id: *administrator_account_id,
                        organisation_id: *committee_organisation_id,
                        role: Role::DirectoryAdministrator,
                        starts_at: context.now,
                        ends_at: None,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::SetCommunityTimeZone { time_zone } => {
                let calendar = CommunityCalendar::of_zone(time_zone).map_err(|e| {
                    DomainError::InvalidInput {
                        field: "time_zone",
                        reason: e.to_string(),
                    }
                })?;
                vec![
                    CommunityTimeZoneSet {
                        community_id,
                        time_zone: calendar.zone_name().into(),
                    }
                    .into(),
                ]
            }
            DirectoryCommand::PublishHolidays {
                year,
                public_holidays,
                working_weekend_days,
            } => {
                at_most(
                    "public_holidays",
                    public_holidays.len() + working_weekend_days.len(),
                    HOLIDAY_DATES_PER_YEAR_MAX,
                )?;
                check_publication(*year, public_holidays, working_weekend_days).map_err(
                    |reason| DomainError::InvalidInput {
                        field: "public_holidays",
                        reason,
                    },
                )?;
                vec![
                    HolidaysPublished {
                        year: *year,
                        public_holidays: public_holidays.clone(),
                        working_weekend_days: working_weekend_days.clone(),
                    }
                    .into(),
                ]
            }
            DirectoryCommand::SetCategoryTimeLimits {
                category,
                response_limit,
                resolution_limit,
            } => {
                check_time_limit("response_limit", *response_limit)?;
                check_time_limit("resolution_limit", *resolution_limit)?;
                vec![
                    CategoryTimeLimitsSet {
                        category: *category,
                        response_limit: *response_limit,
                        resolution_limit: *resolution_limit,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RegisterCompound {
                compound_id,
                name: compound_name,
                registered_households,
            } => {
                if self.compounds.contains_key(compound_id) {
                    return Err(exists_already("compound", compound_id));
                }
                vec![
                    CompoundRegistered {
                        compound_id: *compound_id,
                        community_id,
                        name: name("name", compound_name)?,
                        registered_households: *registered_households,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RegisterBuilding {
                building_id,
                compound_id,
                name: building_name,
                floors,
            } => {
                if self.buildings.contains_key(building_id) {
                    return Err(exists_already("building", building_id));
                }
                if !self.compounds.contains_key(compound_id) {
                    return Err(not_found("compound", compound_id));
                }
                if *floors == 0 {
                    return Err(DomainError::NotPositive {
                        field: "floors",
                        value: 0,
                    });
                }
                vec![
                    BuildingRegistered {
                        building_id: *building_id,
                        compound_id: *compound_id,
                        name: name("name", building_name)?,
                        floors: *floors,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RegisterUnit {
                unit_id,
                building_id,
                label,
                floor_area_dm2,
            } => {
                if self.units.contains_key(unit_id) {
                    return Err(exists_already("unit", unit_id));
                }
                let building = self
                    .buildings
                    .get(building_id)
                    .ok_or_else(|| not_found("building", building_id))?;
                if *floor_area_dm2 == 0 {
                    return Err(DomainError::NotPositive {
                        field: "floor_area_dm2",
                        value: 0,
                    });
                }
                if *floor_area_dm2 > UNIT_FLOOR_AREA_DM2_MAX {
                    return Err(DomainError::TooLarge {
                        field: "floor_area_dm2",
                        value: i64::try_from(*floor_area_dm2).unwrap_or(i64::MAX),
                        max: UNIT_FLOOR_AREA_DM2_MAX as i64,
                    });
                }
                vec![
                    UnitRegistered {
                        unit_id: *unit_id,
                        building_id: *building_id,
                        compound_id: building.compound_id,
                        label: name("label", label)?,
                        floor_area_dm2: *floor_area_dm2,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RecordUnitOwners { unit_id, owners } => {
                if !self.units.contains_key(unit_id) {
                    return Err(not_found("unit", unit_id));
                }
                at_most("owners", owners.len(), OWNERS_PER_UNIT_MAX)?;
                vec![
                    UnitOwnersRecorded {
                        unit_id: *unit_id,
                        owners: distinct("owners", owners)?,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RegisterGrid {
                grid_id,
                parent_grid_id,
                name: grid_name,
                compound_ids,
                building_ids,
            } => {
                if self.grids.contains_key(grid_id) {
                    return Err(exists_already("grid", grid_id));
                }
                if let Some(parent) = parent_grid_id
                    && !self.grids.contains_key(parent)
                {
                    return Err(not_found("grid", parent));
                }
                at_most(
                    "compound_ids",
                    compound_ids.len(),
                    LOCATIONS_PER_PROJECT_MAX,
                )?;
                at_most(
                    "building_ids",
                    building_ids.len(),
                    LOCATIONS_PER_PROJECT_MAX,
                )?;
                if let Some(missing) = compound_ids
                    .iter()
                    .find(|c| !self.compounds.contains_key(c))
                {
                    return Err(not_found("compound", missing));
                }
                if let Some(missing) = building_ids
                    .iter()
                    .find(|b| !self.buildings.contains_key(b))
                {
                    return Err(not_found("building", missing));
                }
                vec![
                    GridRegistered {
                        grid_id: *grid_id,
                        community_id,
                        parent_grid_id: *parent_grid_id,
                        name: name("name", grid_name)?,
                        compound_ids: distinct("compound_ids", compound_ids)?,
                        building_ids: distinct("building_ids", building_ids)?,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::RegisterOrganisation {
                organisation_id,
                kind,
                name: organisation_name,
                compound_id,
                grid_id,
            } => {
                if self.organisations.contains_key(organisation_id) {
                    return Err(exists_already("organisation", organisation_id));
                }
                if let Some(compound) = compound_id
                    && !self.compounds.contains_key(compound)
                {
                    return Err(not_found("compound", compound));
                }
                if let Some(grid) = grid_id
                    && !self.grids.contains_key(grid)
                {
                    return Err(not_found("grid", grid));
                }
                let needs_compound = matches!(
                    kind,
                    OrganisationKind::OwnersAssembly | OrganisationKind::OwnersCommittee
                );
                if needs_compound && compound_id.is_none() {
                    return Err(DomainError::InvalidInput {
                        field: "compound_id",
                        reason: format!(
                            "an organisation of kind {} belongs to a compound",
                            kind.as_str()
                        ),
                    });
                }
                vec![
                    OrganisationRegistered {
                        organisation_id: *organisation_id,
                        kind: *kind,
                        name: name("name", organisation_name)?,
                        community_id,
                        compound_id: *compound_id,
                        grid_id: *grid_id,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::OpenAccount {
                account_id,
                person_id,
            } => {
                if self.accounts.contains_key(account_id) {
                    return Err(exists_already("account", account_id));
                }
                vec![
                    AccountOpened {
                        account_id: *account_id,
                        person_id: *person_id,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::GrantRole {
                account_id,
                organisation_id,
                role,
                starts_at,
                ends_at,
            } => {
                self.open_account(*account_id)?;
                if !self.organisations.contains_key(organisation_id) {
                    return Err(not_found("organisation", organisation_id));
                }
                if let Some(end) = ends_at
                    && end <= starts_at
                {
                    return Err(DomainError::InvalidInput {
                        field: "ends_at",
                        reason: format!("{end} is not after the start {starts_at}"),
                    });
                }
                vec![
                    RoleGranted {
                        account_id: *account_id,
                        organisation_id: *organisation_id,
                        role: *role,
                        starts_at: *starts_at,
                        ends_at: *ends_at,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::EndRole {
                account_id,
                organisation_id,
                role,
                ends_at,
            } => {
                let account = self.open_account(*account_id)?;
                let holds = account.roles.iter().any(|h| {
                    h.organisation_id == *organisation_id
                        && h.role == *role
                        && h.starts_at < *ends_at
                        && h.ends_at.is_none_or(|end| *ends_at < end)
                });
                if !holds {
                    return Err(DomainError::WrongState {
                        aggregate: "account",
                        state: "without that role at that time",
                        action: "end it",
                    });
                }
                vec![
                    RoleEnded {
                        account_id: *account_id,
                        organisation_id: *organisation_id,
                        role: *role,
                        ends_at: *ends_at,
                    }
                    .into(),
                ]
            }
            DirectoryCommand::CloseAccount { account_id } => {
                self.open_account(*account_id)?;
                if *account_id == context.actor.account_id {
                    return Err(DomainError::InvalidInput {
                        field: "account_id",
                        reason: "an administrator cannot close their own account".into(),
                    });
                }
                vec![
                    AccountClosed {
                        account_id: *account_id,
                    }
                    .into(),
                ]
            }
        };
        Ok(event)
    }
}

impl Directory {
    fn open_account(
        &self,
        account_id: AccountId,
    ) -> Result<&crate::domain::directory::state::Account, DomainError> {
        let account = self
            .accounts
            .get(&account_id)
            .ok_or_else(|| not_found("account", account_id))?;
        if account.status != crate::domain::directory::state::AccountStatus::Open {
            return Err(DomainError::WrongState {
                aggregate: "account",
                state: "closed",
                action: "change",
            });
        }
        Ok(account)
    }
}

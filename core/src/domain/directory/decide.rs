//! How the directory decides each command: one function per command, each checking the
//! directory's state and the command's input and returning the events it produces.

use crate::calendar::{CommunityCalendar, WORKING_DAYS_MAX, check_publication};
use crate::domain::aggregate::{Context, not_found};
use crate::domain::directory::events::*;
use crate::domain::directory::state::{Account, AccountStatus, Directory};
use crate::domain::error::DomainError;
use crate::domain::event::DirectoryEvent;
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

type Decided = Result<Vec<DirectoryEvent>, DomainError>;

/// Starts the directory: the community, its committee and the first administrator, who must
/// be the one sending the command.
#[expect(
    clippy::too_many_arguments,
    reason = "the command's fields, one argument each"
)]
pub(super) fn bootstrap(
    community_id: CommunityId,
    community_name: &str,
    subdistrict: &str,
    city: &str,
    founded_year: u16,
    registered_households: u32,
    resident_households: u32,
    residents: u32,
    committee_organisation_id: OrganisationId,
    committee_name: &str,
    administrator_account_id: AccountId,
    administrator_person_id: Option<PersonId>,
    context: &Context<'_>,
) -> Decided {
    if context.actor.account_id != administrator_account_id
        || context.actor.organisation_id != committee_organisation_id
        || context.actor.role != Role::DirectoryAdministrator
    {
        return Err(DomainError::InvalidInput {
            field: "actor",
            reason: "the bootstrap must be sent by the administrator it creates, \
                     as directory_administrator of the committee it creates"
                .into(),
        });
    }
    Ok(vec![
        CommunityRegistered {
            community_id,
            name: name("name", community_name)?,
            subdistrict: name("subdistrict", subdistrict)?,
            city: name("city", city)?,
            founded_year,
            registered_households,
            resident_households,
            residents,
        }
        .into(),
        OrganisationRegistered {
            organisation_id: committee_organisation_id,
            kind: OrganisationKind::CommunityCommittee,
            name: name("committee_name", committee_name)?,
            community_id,
            compound_id: None,
            grid_id: None,
        }
        .into(),
        AccountOpened {
            account_id: administrator_account_id,
            person_id: administrator_person_id,
        }
        .into(),
        RoleGranted {
            account_id: administrator_account_id,
            organisation_id: committee_organisation_id,
            role: Role::DirectoryAdministrator,
            starts_at: context.now,
            ends_at: None,
        }
        .into(),
    ])
}

pub(super) fn set_time_zone(community_id: CommunityId, time_zone: &str) -> Decided {
    let calendar =
        CommunityCalendar::of_zone(time_zone).map_err(|e| DomainError::InvalidInput {
            field: "time_zone",
            reason: e.to_string(),
        })?;
    Ok(vec![
        CommunityTimeZoneSet {
            community_id,
            time_zone: calendar.zone_name().into(),
        }
        .into(),
    ])
}

pub(super) fn publish_holidays(
    year: i32,
    public_holidays: &[CivilDate],
    working_weekend_days: &[CivilDate],
) -> Decided {
    at_most(
        "public_holidays",
        public_holidays.len() + working_weekend_days.len(),
        HOLIDAY_DATES_PER_YEAR_MAX,
    )?;
    check_publication(year, public_holidays, working_weekend_days).map_err(|reason| {
        DomainError::InvalidInput {
            field: "public_holidays",
            reason,
        }
    })?;
    Ok(vec![
        HolidaysPublished {
            year,
            public_holidays: public_holidays.to_vec(),
            working_weekend_days: working_weekend_days.to_vec(),
        }
        .into(),
    ])
}

pub(super) fn set_category_time_limits(
    category: RequestCategory,
    response_limit: TimeLimit,
    resolution_limit: TimeLimit,
) -> Decided {
    check_time_limit("response_limit", response_limit)?;
    check_time_limit("resolution_limit", resolution_limit)?;
    Ok(vec![
        CategoryTimeLimitsSet {
            category,
            response_limit,
            resolution_limit,
        }
        .into(),
    ])
}

impl Directory {
    pub(super) fn register_compound(
        &self,
        community_id: CommunityId,
        compound_id: CompoundId,
        compound_name: &str,
        registered_households: u32,
    ) -> Decided {
        if self.compounds.contains_key(&compound_id) {
            return Err(exists_already("compound", compound_id));
        }
        Ok(vec![
            CompoundRegistered {
                compound_id,
                community_id,
                name: name("name", compound_name)?,
                registered_households,
            }
            .into(),
        ])
    }

    pub(super) fn register_building(
        &self,
        building_id: BuildingId,
        compound_id: CompoundId,
        building_name: &str,
        floors: u16,
    ) -> Decided {
        if self.buildings.contains_key(&building_id) {
            return Err(exists_already("building", building_id));
        }
        if !self.compounds.contains_key(&compound_id) {
            return Err(not_found("compound", compound_id));
        }
        if floors == 0 {
            return Err(DomainError::NotPositive {
                field: "floors",
                value: 0,
            });
        }
        Ok(vec![
            BuildingRegistered {
                building_id,
                compound_id,
                name: name("name", building_name)?,
                floors,
            }
            .into(),
        ])
    }

    pub(super) fn register_unit(
        &self,
        unit_id: UnitId,
        building_id: BuildingId,
        label: &str,
        floor_area_dm2: u64,
    ) -> Decided {
        if self.units.contains_key(&unit_id) {
            return Err(exists_already("unit", unit_id));
        }
        let building = self
            .buildings
            .get(&building_id)
            .ok_or_else(|| not_found("building", building_id))?;
        if floor_area_dm2 == 0 {
            return Err(DomainError::NotPositive {
                field: "floor_area_dm2",
                value: 0,
            });
        }
        if floor_area_dm2 > UNIT_FLOOR_AREA_DM2_MAX {
            return Err(DomainError::TooLarge {
                field: "floor_area_dm2",
                value: i64::try_from(floor_area_dm2).unwrap_or(i64::MAX),
                max: UNIT_FLOOR_AREA_DM2_MAX as i64,
            });
        }
        Ok(vec![
            UnitRegistered {
                unit_id,
                building_id,
                compound_id: building.compound_id,
                label: name("label", label)?,
                floor_area_dm2,
            }
            .into(),
        ])
    }

    pub(super) fn record_unit_owners(&self, unit_id: UnitId, owners: &[PersonId]) -> Decided {
        if !self.units.contains_key(&unit_id) {
            return Err(not_found("unit", unit_id));
        }
        at_most("owners", owners.len(), OWNERS_PER_UNIT_MAX)?;
        Ok(vec![
            UnitOwnersRecorded {
                unit_id,
                owners: distinct("owners", owners)?,
            }
            .into(),
        ])
    }

    pub(super) fn register_grid(
        &self,
        community_id: CommunityId,
        grid_id: GridId,
        parent_grid_id: Option<GridId>,
        grid_name: &str,
        compound_ids: &[CompoundId],
        building_ids: &[BuildingId],
    ) -> Decided {
        if self.grids.contains_key(&grid_id) {
            return Err(exists_already("grid", grid_id));
        }
        if let Some(parent) = parent_grid_id
            && !self.grids.contains_key(&parent)
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
        Ok(vec![
            GridRegistered {
                grid_id,
                community_id,
                parent_grid_id,
                name: name("name", grid_name)?,
                compound_ids: distinct("compound_ids", compound_ids)?,
                building_ids: distinct("building_ids", building_ids)?,
            }
            .into(),
        ])
    }

    pub(super) fn register_organisation(
        &self,
        community_id: CommunityId,
        organisation_id: OrganisationId,
        kind: OrganisationKind,
        organisation_name: &str,
        compound_id: Option<CompoundId>,
        grid_id: Option<GridId>,
    ) -> Decided {
        if self.organisations.contains_key(&organisation_id) {
            return Err(exists_already("organisation", organisation_id));
        }
        if let Some(compound) = compound_id
            && !self.compounds.contains_key(&compound)
        {
            return Err(not_found("compound", compound));
        }
        if let Some(grid) = grid_id
            && !self.grids.contains_key(&grid)
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
        Ok(vec![
            OrganisationRegistered {
                organisation_id,
                kind,
                name: name("name", organisation_name)?,
                community_id,
                compound_id,
                grid_id,
            }
            .into(),
        ])
    }

    pub(super) fn open_new_account(
        &self,
        account_id: AccountId,
        person_id: Option<PersonId>,
    ) -> Decided {
        if self.accounts.contains_key(&account_id) {
            return Err(exists_already("account", account_id));
        }
        Ok(vec![
            AccountOpened {
                account_id,
                person_id,
            }
            .into(),
        ])
    }

    pub(super) fn grant_role(
        &self,
        account_id: AccountId,
        organisation_id: OrganisationId,
        role: Role,
        starts_at: Timestamp,
        ends_at: Option<Timestamp>,
    ) -> Decided {
        self.open_account(account_id)?;
        if !self.organisations.contains_key(&organisation_id) {
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
        Ok(vec![
            RoleGranted {
                account_id,
                organisation_id,
                role,
                starts_at,
                ends_at,
            }
            .into(),
        ])
    }

    pub(super) fn end_role(
        &self,
        account_id: AccountId,
        organisation_id: OrganisationId,
        role: Role,
        ends_at: Timestamp,
    ) -> Decided {
        let account = self.open_account(account_id)?;
        let holds = account.roles.iter().any(|h| {
            h.organisation_id == organisation_id
                && h.role == role
                && h.starts_at < ends_at
                && h.ends_at.is_none_or(|end| ends_at < end)
        });
        if !holds {
            return Err(DomainError::WrongState {
                aggregate: "account",
                state: "without that role at that time",
                action: "end it",
            });
        }
        Ok(vec![
            RoleEnded {
                account_id,
                organisation_id,
                role,
                ends_at,
            }
            .into(),
        ])
    }

    pub(super) fn close_account(&self, account_id: AccountId, context: &Context<'_>) -> Decided {
        self.open_account(account_id)?;
        if account_id == context.actor.account_id {
            return Err(DomainError::InvalidInput {
                field: "account_id",
                reason: "an administrator cannot close their own account".into(),
            });
        }
        Ok(vec![AccountClosed { account_id }.into()])
    }

    fn open_account(&self, account_id: AccountId) -> Result<&Account, DomainError> {
        let account = self
            .accounts
            .get(&account_id)
            .ok_or_else(|| not_found("account", account_id))?;
        if account.status != AccountStatus::Open {
            return Err(DomainError::WrongState {
                aggregate: "account",
                state: "closed",
                action: "change",
            });
        }
        Ok(account)
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

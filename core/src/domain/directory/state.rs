//! The directory folded from its stream, with the lookups decisions need: who holds which
//! role, which units an owner holds, the electorate of a compound.

use std::collections::{BTreeMap, BTreeSet};

use crate::calendar::{CommunityCalendar, HolidayCalendar};
use crate::domain::correction::{CorrectedField, FactCorrected};
use crate::domain::decision::vocabulary::Electorate;
use crate::domain::event::DirectoryEvent;
use crate::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use crate::domain::request::vocabulary::{RequestCategory, TimeLimit};
use crate::domain::role::{OrganisationKind, Role};
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Community {
    pub community_id: CommunityId,
    pub name: String,
    /// IANA name; `calendar::UNSET_TIME_ZONE` until `CommunityTimeZoneSet`.
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compound {
    pub community_id: CommunityId,
    pub name: String,
    pub registered_households: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Building {
    pub compound_id: CompoundId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub building_id: BuildingId,
    pub compound_id: CompoundId,
    pub label: String,
    pub floor_area_dm2: u64,
    /// The first owner is the unit's voting owner (a unit counts once by head).
    pub owners: Vec<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub parent_grid_id: Option<GridId>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub kind: OrganisationKind,
    pub name: String,
    pub compound_id: Option<CompoundId>,
    pub grid_id: Option<GridId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleHolding {
    pub organisation_id: OrganisationId,
    pub role: Role,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

impl RoleHolding {
    /// Whether the holding is in force at `at` (start inclusive, end exclusive).
    pub fn in_force(&self, at: Timestamp) -> bool {
        self.starts_at <= at && self.ends_at.is_none_or(|end| at < end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub person_id: Option<PersonId>,
    pub status: AccountStatus,
    pub roles: Vec<RoleHolding>,
}

/// The directory: every place, organisation and account, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    pub community: Option<Community>,
    pub compounds: BTreeMap<CompoundId, Compound>,
    pub buildings: BTreeMap<BuildingId, Building>,
    pub units: BTreeMap<UnitId, Unit>,
    pub grids: BTreeMap<GridId, Grid>,
    pub organisations: BTreeMap<OrganisationId, Organisation>,
    pub accounts: BTreeMap<AccountId, Account>,
    pub holidays: HolidayCalendar,
    /// Limits set by `CategoryTimeLimitsSet`; a category without uses its built-in ones.
    pub category_limits: BTreeMap<RequestCategory, CategoryTimeLimits>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryTimeLimits {
    pub response_limit: TimeLimit,
    pub resolution_limit: TimeLimit,
}

/// An owner's voting weight in one compound: their units and the summed area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerWeight {
    pub unit_ids: Vec<UnitId>,
    pub area_dm2: u64,
}

impl Directory {
    pub(super) fn apply_event(&mut self, event: &DirectoryEvent) {
        match event {
            DirectoryEvent::CommunityRegistered(e) => {
                self.community = Some(Community {
                    community_id: e.community_id,
                    name: e.name.clone(),
                    time_zone: crate::calendar::UNSET_TIME_ZONE.into(),
                });
            }
            DirectoryEvent::HolidaysPublished(e) => {
                self.holidays
                    .publish(e.year, &e.public_holidays, &e.working_weekend_days);
            }
            DirectoryEvent::CategoryTimeLimitsSet(e) => {
                self.category_limits.insert(
                    e.category,
                    CategoryTimeLimits {
                        response_limit: e.response_limit,
                        resolution_limit: e.resolution_limit,
                    },
                );
            }
            DirectoryEvent::CommunityTimeZoneSet(e) => {
                if let Some(community) = &mut self.community {
                    community.time_zone = e.time_zone.clone();
                }
            }
            DirectoryEvent::CompoundRegistered(e) => {
                self.compounds.insert(
                    e.compound_id,
                    Compound {
                        community_id: e.community_id,
                        name: e.name.clone(),
                        registered_households: e.registered_households,
                    },
                );
            }
            DirectoryEvent::BuildingRegistered(e) => {
                self.buildings.insert(
                    e.building_id,
                    Building {
                        compound_id: e.compound_id,
                        name: e.name.clone(),
                    },
                );
            }
            DirectoryEvent::UnitRegistered(e) => {
                self.units.insert(
                    e.unit_id,
                    Unit {
                        building_id: e.building_id,
                        compound_id: e.compound_id,
                        label: e.label.clone(),
                        floor_area_dm2: e.floor_area_dm2,
                        owners: Vec::new(),
                    },
                );
            }
            DirectoryEvent::UnitOwnersRecorded(e) => {
                if let Some(unit) = self.units.get_mut(&e.unit_id) {
                    unit.owners = e.owners.clone();
                }
            }
            DirectoryEvent::GridRegistered(e) => {
                self.grids.insert(
                    e.grid_id,
                    Grid {
                        parent_grid_id: e.parent_grid_id,
                        name: e.name.clone(),
                    },
                );
            }
            DirectoryEvent::OrganisationRegistered(e) => {
                self.organisations.insert(
                    e.organisation_id,
                    Organisation {
                        kind: e.kind,
                        name: e.name.clone(),
                        compound_id: e.compound_id,
                        grid_id: e.grid_id,
                    },
                );
            }
            DirectoryEvent::AccountOpened(e) => {
                self.accounts.insert(
                    e.account_id,
                    Account {
                        person_id: e.person_id,
                        status: AccountStatus::Open,
                        roles: Vec::new(),
                    },
                );
            }
            DirectoryEvent::RoleGranted(e) => {
                if let Some(account) = self.accounts.get_mut(&e.account_id) {
                    account.roles.push(RoleHolding {
                        organisation_id: e.organisation_id,
                        role: e.role,
                        starts_at: e.starts_at,
                        ends_at: e.ends_at,
                    });
                }
            }
            DirectoryEvent::RoleEnded(e) => {
                if let Some(account) = self.accounts.get_mut(&e.account_id) {
                    for holding in account.roles.iter_mut().filter(|h| {
                        h.organisation_id == e.organisation_id
                            && h.role == e.role
                            && h.ends_at.is_none_or(|end| e.ends_at < end)
                    }) {
                        holding.ends_at = Some(e.ends_at);
                    }
                }
            }
            DirectoryEvent::AccountClosed(e) => {
                if let Some(account) = self.accounts.get_mut(&e.account_id) {
                    account.status = AccountStatus::Closed;
                }
            }
        }
    }

    /// The community's calendar (UTC before it sets a zone, or for a zone this build's tz
    /// database does not know).
    pub fn calendar(&self) -> CommunityCalendar {
        self.community
            .as_ref()
            .and_then(|community| CommunityCalendar::of_zone(&community.time_zone).ok())
            .unwrap_or_else(CommunityCalendar::utc)
    }

    /// The default response and resolution due times of a request of `category` dispatched
    /// at `dispatched_at`: the category's limits in the directory, else its built-in ones.
    /// `None` when a working-day limit runs past the calendar's reach.
    pub fn due_times(
        &self,
        category: RequestCategory,
        dispatched_at: Timestamp,
    ) -> Option<(Timestamp, Timestamp)> {
        let Some(limits) = self.category_limits.get(&category) else {
            return Some((
                dispatched_at.plus_hours(category.response_limit_hours()),
                dispatched_at.plus_days(category.resolution_limit_days()),
            ));
        };
        let calendar = self.calendar();
        let due = |limit: TimeLimit| match limit {
            TimeLimit::Hours(hours) => Some(dispatched_at.plus_hours(i64::from(hours))),
            TimeLimit::WorkingDays(days) => {
                calendar.after_working_days(dispatched_at, days, &self.holidays)
            }
        };
        Some((due(limits.response_limit)?, due(limits.resolution_limit)?))
    }

    /// Corrections the directory acts on: a unit's floor area.
    pub(super) fn apply_correction_of(
        &mut self,
        correction: &FactCorrected,
        corrected: &DirectoryEvent,
    ) {
        let DirectoryEvent::UnitRegistered(registered) = corrected else {
            return;
        };
        let Some(unit) = self.units.get_mut(&registered.unit_id) else {
            return;
        };
        for field in &correction.corrected {
            if let CorrectedField::FloorAreaDm2(area) = field {
                unit.floor_area_dm2 = *area;
            }
        }
    }

    /// Whether the account is open and holds `role` in `organisation_id` at `at`.
    pub fn holds_role(
        &self,
        account_id: AccountId,
        role: Role,
        organisation_id: OrganisationId,
        at: Timestamp,
    ) -> bool {
        self.accounts.get(&account_id).is_some_and(|account| {
            account.status == AccountStatus::Open
                && account.roles.iter().any(|holding| {
                    holding.role == role
                        && holding.organisation_id == organisation_id
                        && holding.in_force(at)
                })
        })
    }

    /// Accounts holding any role in an organisation at `at` (a body's members).
    pub fn members_of(
        &self,
        organisation_id: OrganisationId,
        at: Timestamp,
    ) -> BTreeSet<AccountId> {
        self.accounts
            .iter()
            .filter(|(_, account)| {
                account.status == AccountStatus::Open
                    && account
                        .roles
                        .iter()
                        .any(|h| h.organisation_id == organisation_id && h.in_force(at))
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// The person behind an account, if any.
    pub fn person_of(&self, account_id: AccountId) -> Option<PersonId> {
        self.accounts.get(&account_id).and_then(|a| a.person_id)
    }

    pub fn organisation_kind(&self, organisation_id: OrganisationId) -> Option<OrganisationKind> {
        self.organisations.get(&organisation_id).map(|o| o.kind)
    }

    /// Every voting owner of a compound with their units and area. A unit counts once, for
    /// its first-listed owner; an owner of several units counts once with their areas summed
    /// (Judicial Interpretation on building ownership, Art. 9). Units without owners do not
    /// vote.
    pub fn owner_weights(&self, compound_id: CompoundId) -> BTreeMap<PersonId, OwnerWeight> {
        let mut weights: BTreeMap<PersonId, OwnerWeight> = BTreeMap::new();
        for (unit_id, unit) in &self.units {
            if unit.compound_id != compound_id {
                continue;
            }
            if let Some(owner) = unit.owners.first() {
                let weight = weights.entry(*owner).or_insert(OwnerWeight {
                    unit_ids: Vec::new(),
                    area_dm2: 0,
                });
                weight.unit_ids.push(*unit_id);
                weight.area_dm2 += unit.floor_area_dm2;
            }
        }
        weights
    }

    /// The owners' electorate of a compound: total area of owned units and voting owners.
    pub fn owners_electorate(&self, compound_id: CompoundId) -> Electorate {
        let weights = self.owner_weights(compound_id);
        Electorate {
            area_dm2: weights.values().map(|w| w.area_dm2).sum(),
            heads: weights.len() as u64,
        }
    }
}

//! Events of the directory stream (`directory`): places, organisations, accounts and roles.
//! Places and organisations have public names; people never do (accounts point at person
//! ids, whose details live in the personal-data store).

use serde::{Deserialize, Serialize};

use crate::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use crate::domain::request::vocabulary::{RequestCategory, TimeLimit};
use crate::domain::role::{OrganisationKind, Role};
use crate::time::{CivilDate, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityRegistered {
    pub community_id: CommunityId,
    pub name: String,
    pub subdistrict: String,
    pub city: String,
    pub founded_year: u16,
    pub registered_households: u32,
    pub resident_households: u32,
    pub residents: u32,
}

/// The community's calendar from now on: its IANA time zone (`Asia/Shanghai`). Periods,
/// local due dates and "within one month" rules of events recorded after this one use it;
/// a ledger that never sets one counts in UTC (ADR 0016).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityTimeZoneSet {
    pub community_id: CommunityId,
    pub time_zone: String,
}

/// The public holidays and adjusted working weekend days of `year`, as published (replaces
/// an earlier publication for that year). Working-day time limits follow them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidaysPublished {
    pub year: i32,
    pub public_holidays: Vec<CivilDate>,
    pub working_weekend_days: Vec<CivilDate>,
}

/// A request category's time limits from now on (dispatches after this event): by when the
/// responsible organisation must first act, and by when the request is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTimeLimitsSet {
    pub category: RequestCategory,
    pub response_limit: TimeLimit,
    pub resolution_limit: TimeLimit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompoundRegistered {
    pub compound_id: CompoundId,
    pub community_id: CommunityId,
    pub name: String,
    pub registered_households: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingRegistered {
    pub building_id: BuildingId,
    pub compound_id: CompoundId,
    pub name: String,
    pub floors: u16,
}

/// A housing unit with its exclusive floor area (in dm², exact to 0.01 m²: 1 m² = 100 dm²).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRegistered {
    pub unit_id: UnitId,
    pub building_id: BuildingId,
    pub compound_id: CompoundId,
    /// The door label, e.g. `2-1-1502` (building-entrance-floor/flat).
    pub label: String,
    pub floor_area_dm2: u64,
}

/// The unit's owners as of now (replaces the previous list; empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOwnersRecorded {
    pub unit_id: UnitId,
    pub owners: Vec<PersonId>,
}

/// A grid (网格); second-level grids name their parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridRegistered {
    pub grid_id: GridId,
    pub community_id: CommunityId,
    pub parent_grid_id: Option<GridId>,
    pub name: String,
    pub compound_ids: Vec<CompoundId>,
    pub building_ids: Vec<BuildingId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationRegistered {
    pub organisation_id: OrganisationId,
    pub kind: OrganisationKind,
    pub name: String,
    pub community_id: CommunityId,
    /// The compound it belongs to (owners' bodies, a property company's site office).
    pub compound_id: Option<CompoundId>,
    pub grid_id: Option<GridId>,
}

/// A login account, optionally tied to a person (whose details stay outside the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountOpened {
    pub account_id: AccountId,
    pub person_id: Option<PersonId>,
}

/// The account may act in `role` for `organisation_id` from `starts_at` until `ends_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGranted {
    pub account_id: AccountId,
    pub organisation_id: OrganisationId,
    pub role: Role,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

/// The account's role ends (term over, left the organisation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEnded {
    pub account_id: AccountId,
    pub organisation_id: OrganisationId,
    pub role: Role,
    pub ends_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountClosed {
    pub account_id: AccountId,
}

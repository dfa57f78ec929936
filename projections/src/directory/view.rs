//! Directory views.

use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityView {
    pub community_id: Uuid,
    pub name: String,
    pub subdistrict: String,
    pub city: String,
    pub founded_year: u16,
    pub registered_households: u32,
    pub resident_households: u32,
    pub residents: u32,
    /// IANA name (`UTC` until the community sets one).
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompoundView {
    pub compound_id: Uuid,
    pub community_id: Uuid,
    pub name: String,
    pub registered_households: u32,
    pub building_count: u32,
    pub unit_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingView {
    pub building_id: Uuid,
    pub compound_id: Uuid,
    pub name: String,
    pub floors: u16,
    pub unit_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitView {
    pub unit_id: Uuid,
    pub building_id: Uuid,
    pub compound_id: Uuid,
    pub label: String,
    pub floor_area_dm2: u64,
    /// Person ids; their details live in the personal-data store.
    pub owner_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridView {
    pub grid_id: Uuid,
    pub community_id: Uuid,
    pub parent_grid_id: Option<Uuid>,
    pub name: String,
    pub compound_ids: Vec<Uuid>,
    pub building_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationView {
    pub organisation_id: Uuid,
    /// `OrganisationKind::as_str`, e.g. `owners_committee`.
    pub kind: String,
    pub name: String,
    pub community_id: Uuid,
    pub compound_id: Option<Uuid>,
    pub grid_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub account_id: Uuid,
    pub person_id: Option<Uuid>,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub account_id: Uuid,
    pub organisation_id: Uuid,
    /// `Role::as_str`, e.g. `inspector`.
    pub role: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

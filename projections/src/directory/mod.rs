//! The directory read model: the community, compounds, buildings, units, grids,
//! organisations, accounts and their roles. Places and organisations carry public names;
//! accounts and owners are ids only (personal data stays outside the ledger).
//!
//! | tag | table or set                  | by                                | holds              |
//! |-----|-------------------------------|-----------------------------------|--------------------|
//! | `y` | `COMMUNITIES`                 | community id                      | `CommunityView`    |
//! | `k` | `COMPOUNDS`                   | compound id                       | `CompoundView`     |
//! | `b` | `BUILDINGS`                   | building id                       | `BuildingView`     |
//! | `q` | `BUILDINGS_OF_COMPOUND` (set) | compound id                       | building ids       |
//! | `u` | `UNITS`                       | unit id                           | `UnitView`         |
//! | `v` | `UNITS_OF_BUILDING` (set)     | building id                       | unit ids           |
//! | `g` | `GRIDS`                       | grid id                           | `GridView`         |
//! | `o` | `ORGANISATIONS`               | organisation id                   | `OrganisationView` |
//! | `a` | `ACCOUNTS`                    | account id                        | `AccountView`      |
//! | `r` | `ROLES`                       | account id, organisation id, role | `RoleView`         |
//! | `m` | `MEMBERS` (set)               | organisation id                   | account id, role   |

pub mod query;
pub mod view;

use govledger_core::domain::event::{DirectoryEvent, DomainEvent};

use uuid::Uuid;

use crate::error::ApplyError;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::ReadModelWrites;
use crate::storage::{Set, Table};
use view::*;

pub(crate) const COMMUNITIES: Table<Uuid, CommunityView> = Table::new(b'y');
pub(crate) const COMPOUNDS: Table<Uuid, CompoundView> = Table::new(b'k');
pub(crate) const BUILDINGS: Table<Uuid, BuildingView> = Table::new(b'b');
pub(crate) const BUILDINGS_OF_COMPOUND: Set<Uuid, Uuid> = Set::new(b'q', "buildings of a compound");
pub(crate) const UNITS: Table<Uuid, UnitView> = Table::new(b'u');
pub(crate) const UNITS_OF_BUILDING: Set<Uuid, Uuid> = Set::new(b'v', "units of a building");
pub(crate) const GRIDS: Table<Uuid, GridView> = Table::new(b'g');
pub(crate) const ORGANISATIONS: Table<Uuid, OrganisationView> = Table::new(b'o');
pub(crate) const ACCOUNTS: Table<Uuid, AccountView> = Table::new(b'a');
/// By account, organisation and role name.
pub(crate) const ROLES: Table<(Uuid, Uuid, String), RoleView> = Table::new(b'r');
/// The accounts holding (or having held) a role in an organisation, with the role's name.
pub(crate) const MEMBERS: Set<Uuid, (Uuid, String)> = Set::new(b'm', "members of an organisation");

pub const DIRECTORY_PROJECTION: &str = "directory";
/// 2: the community's time zone (`CommunityTimeZoneSet`).
const DIRECTORY_VERSION: u32 = 2;

pub struct DirectoryProjection;

impl Projection<DomainEvent> for DirectoryProjection {
    fn name(&self) -> &'static str {
        DIRECTORY_PROJECTION
    }

    fn version(&self) -> u32 {
        DIRECTORY_VERSION
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, DomainEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let DomainEvent::Directory(directory) = event.event else {
            return Ok(());
        };
        let at = event.recorded.occurred_at;
        match directory {
            DirectoryEvent::CommunityRegistered(e) => COMMUNITIES.put(
                writes,
                &e.community_id.0,
                &CommunityView {
                    community_id: e.community_id.0,
                    name: e.name.clone(),
                    subdistrict: e.subdistrict.clone(),
                    city: e.city.clone(),
                    founded_year: e.founded_year,
                    registered_households: e.registered_households,
                    resident_households: e.resident_households,
                    residents: e.residents,
                    time_zone: govledger_core::calendar::UNSET_TIME_ZONE.into(),
                },
            ),
            DirectoryEvent::CommunityTimeZoneSet(e) => {
                let id = &e.community_id.0;
                let mut view = COMMUNITIES.get(writes, id)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("time zone set for unknown community {id}"))
                })?;
                view.time_zone = e.time_zone.clone();
                COMMUNITIES.put(writes, id, &view)
            }
            DirectoryEvent::CompoundRegistered(e) => COMPOUNDS.put(
                writes,
                &e.compound_id.0,
                &CompoundView {
                    compound_id: e.compound_id.0,
                    community_id: e.community_id.0,
                    name: e.name.clone(),
                    registered_households: e.registered_households,
                    building_count: 0,
                    unit_count: 0,
                },
            ),
            DirectoryEvent::BuildingRegistered(e) => {
                let compound = &e.compound_id.0;
                let mut view = COMPOUNDS.get(writes, compound)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("building in unknown compound {compound}"))
                })?;
                view.building_count += 1;
                COMPOUNDS.put(writes, compound, &view)?;
                BUILDINGS_OF_COMPOUND.add(writes, compound, &e.building_id.0);
                BUILDINGS.put(
                    writes,
                    &e.building_id.0,
                    &BuildingView {
                        building_id: e.building_id.0,
                        compound_id: e.compound_id.0,
                        name: e.name.clone(),
                        floors: e.floors,
                        unit_count: 0,
                    },
                )
            }
            DirectoryEvent::UnitRegistered(e) => {
                let building = &e.building_id.0;
                let mut view = BUILDINGS.get(writes, building)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("unit in unknown building {building}"))
                })?;
                view.unit_count += 1;
                BUILDINGS.put(writes, building, &view)?;
                if let Some(mut view) = COMPOUNDS.get(writes, &e.compound_id.0)? {
                    view.unit_count += 1;
                    COMPOUNDS.put(writes, &e.compound_id.0, &view)?;
                }
                UNITS_OF_BUILDING.add(writes, building, &e.unit_id.0);
                UNITS.put(
                    writes,
                    &e.unit_id.0,
                    &UnitView {
                        unit_id: e.unit_id.0,
                        building_id: e.building_id.0,
                        compound_id: e.compound_id.0,
                        label: e.label.clone(),
                        floor_area_dm2: e.floor_area_dm2,
                        owner_ids: Vec::new(),
                    },
                )
            }
            DirectoryEvent::UnitOwnersRecorded(e) => {
                let unit = &e.unit_id.0;
                let mut view = UNITS.get(writes, unit)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("owners of unknown unit {unit}"))
                })?;
                view.owner_ids = e.owners.iter().map(|p| p.0).collect();
                UNITS.put(writes, unit, &view)
            }
            DirectoryEvent::GridRegistered(e) => GRIDS.put(
                writes,
                &e.grid_id.0,
                &GridView {
                    grid_id: e.grid_id.0,
                    community_id: e.community_id.0,
                    parent_grid_id: e.parent_grid_id.map(|g| g.0),
                    name: e.name.clone(),
                    compound_ids: e.compound_ids.iter().map(|c| c.0).collect(),
                    building_ids: e.building_ids.iter().map(|b| b.0).collect(),
                },
            ),
            DirectoryEvent::OrganisationRegistered(e) => ORGANISATIONS.put(
                writes,
                &e.organisation_id.0,
                &OrganisationView {
                    organisation_id: e.organisation_id.0,
                    kind: e.kind.as_str().into(),
                    name: e.name.clone(),
                    community_id: e.community_id.0,
                    compound_id: e.compound_id.map(|c| c.0),
                    grid_id: e.grid_id.map(|g| g.0),
                },
            ),
            DirectoryEvent::AccountOpened(e) => ACCOUNTS.put(
                writes,
                &e.account_id.0,
                &AccountView {
                    account_id: e.account_id.0,
                    person_id: e.person_id.map(|p| p.0),
                    opened_at: at,
                    closed_at: None,
                },
            ),
            // Holidays and category limits decide due times (core); no view lists them yet.
            DirectoryEvent::HolidaysPublished(_) | DirectoryEvent::CategoryTimeLimitsSet(_) => {
                Ok(())
            }
            DirectoryEvent::AccountClosed(e) => {
                let account = &e.account_id.0;
                let mut view = ACCOUNTS.get(writes, account)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("closing unknown account {account}"))
                })?;
                view.closed_at = Some(at);
                ACCOUNTS.put(writes, account, &view)
            }
            DirectoryEvent::RoleGranted(e) => {
                let role = e.role.as_str().to_owned();
                MEMBERS.add(
                    writes,
                    &e.organisation_id.0,
                    &(e.account_id.0, role.clone()),
                );
                ROLES.put(
                    writes,
                    &(e.account_id.0, e.organisation_id.0, role),
                    &RoleView {
                        account_id: e.account_id.0,
                        organisation_id: e.organisation_id.0,
                        role: e.role.as_str().into(),
                        starts_at: e.starts_at,
                        ends_at: e.ends_at,
                    },
                )
            }
            DirectoryEvent::RoleEnded(e) => {
                let key = (
                    e.account_id.0,
                    e.organisation_id.0,
                    e.role.as_str().to_owned(),
                );
                let mut view = ROLES.get(writes, &key)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!(
                        "ending role {} never granted to {}",
                        e.role.as_str(),
                        e.account_id
                    ))
                })?;
                view.ends_at = Some(e.ends_at);
                ROLES.put(writes, &key, &view)
            }
        }
    }
}

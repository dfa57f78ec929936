//! The directory read model: the community, compounds, buildings, units, grids,
//! organisations, accounts and their roles. Places and organisations carry public names;
//! accounts and owners are ids only (personal data stays outside the ledger).
//!
//! | tag | key                          | value              |
//! |-----|------------------------------|--------------------|
//! | `y` | community id                 | `CommunityView`    |
//! | `k` | compound id                  | `CompoundView`     |
//! | `b` | building id                  | `BuildingView`     |
//! | `q` | compound id, building id     | empty (buildings of a compound) |
//! | `u` | unit id                      | `UnitView`         |
//! | `v` | building id, unit id         | empty (units of a building) |
//! | `g` | grid id                      | `GridView`         |
//! | `o` | organisation id              | `OrganisationView` |
//! | `a` | account id                   | `AccountView`      |
//! | `r` | account id, organisation id, role | `RoleView`    |
//! | `m` | organisation id, account id, role | empty (members) |

pub mod query;
pub mod view;

use govledger_core::domain::event::{DirectoryEvent, DomainEvent};

use crate::error::ApplyError;
use crate::keys::Key;
use crate::projection::{ProjectedEvent, Projection};
use crate::runner::ReadModelWrites;
use view::*;

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
            DirectoryEvent::CommunityRegistered(e) => writes.put_record(
                Key::tag(b'y').uuid(&e.community_id.0).into_bytes(),
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
                let key = Key::tag(b'y').uuid(&e.community_id.0).into_bytes();
                let mut view: CommunityView = writes.get_record(&key)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!(
                        "time zone set for unknown community {}",
                        e.community_id.0
                    ))
                })?;
                view.time_zone = e.time_zone.clone();
                writes.put_record(key, &view)
            }
            DirectoryEvent::CompoundRegistered(e) => writes.put_record(
                compound_key(&e.compound_id.0),
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
                let compound = compound_key(&e.compound_id.0);
                let mut view: CompoundView = writes.get_record(&compound)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!(
                        "building in unknown compound {}",
                        e.compound_id
                    ))
                })?;
                view.building_count += 1;
                writes.put_record(compound, &view)?;
                writes.insert(
                    Key::tag(b'q')
                        .uuid(&e.compound_id.0)
                        .uuid(&e.building_id.0)
                        .into_bytes(),
                    Vec::new(),
                );
                writes.put_record(
                    building_key(&e.building_id.0),
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
                let building = building_key(&e.building_id.0);
                let mut view: BuildingView = writes.get_record(&building)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("unit in unknown building {}", e.building_id))
                })?;
                view.unit_count += 1;
                writes.put_record(building, &view)?;
                let compound = compound_key(&e.compound_id.0);
                if let Some(mut view) = writes.get_record::<CompoundView>(&compound)? {
                    view.unit_count += 1;
                    writes.put_record(compound, &view)?;
                }
                writes.insert(
                    Key::tag(b'v')
                        .uuid(&e.building_id.0)
                        .uuid(&e.unit_id.0)
                        .into_bytes(),
                    Vec::new(),
                );
                writes.put_record(
                    unit_key(&e.unit_id.0),
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
                let key = unit_key(&e.unit_id.0);
                let mut view: UnitView = writes.get_record(&key)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("owners of unknown unit {}", e.unit_id))
                })?;
                view.owner_ids = e.owners.iter().map(|p| p.0).collect();
                writes.put_record(key, &view)
            }
            DirectoryEvent::GridRegistered(e) => writes.put_record(
                Key::tag(b'g').uuid(&e.grid_id.0).into_bytes(),
                &GridView {
                    grid_id: e.grid_id.0,
                    community_id: e.community_id.0,
                    parent_grid_id: e.parent_grid_id.map(|g| g.0),
                    name: e.name.clone(),
                    compound_ids: e.compound_ids.iter().map(|c| c.0).collect(),
                    building_ids: e.building_ids.iter().map(|b| b.0).collect(),
                },
            ),
            DirectoryEvent::OrganisationRegistered(e) => writes.put_record(
                organisation_key(&e.organisation_id.0),
                &OrganisationView {
                    organisation_id: e.organisation_id.0,
                    kind: e.kind.as_str().into(),
                    name: e.name.clone(),
                    community_id: e.community_id.0,
                    compound_id: e.compound_id.map(|c| c.0),
                    grid_id: e.grid_id.map(|g| g.0),
                },
            ),
            DirectoryEvent::AccountOpened(e) => writes.put_record(
                account_key(&e.account_id.0),
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
                let key = account_key(&e.account_id.0);
                let mut view: AccountView = writes.get_record(&key)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!("closing unknown account {}", e.account_id))
                })?;
                view.closed_at = Some(at);
                writes.put_record(key, &view)
            }
            DirectoryEvent::RoleGranted(e) => {
                writes.insert(
                    Key::tag(b'm')
                        .uuid(&e.organisation_id.0)
                        .uuid(&e.account_id.0)
                        .text(e.role.as_str())
                        .into_bytes(),
                    Vec::new(),
                );
                writes.put_record(
                    role_key(&e.account_id.0, &e.organisation_id.0, e.role.as_str()),
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
                let key = role_key(&e.account_id.0, &e.organisation_id.0, e.role.as_str());
                let mut view: RoleView = writes.get_record(&key)?.ok_or_else(|| {
                    ApplyError::Inconsistent(format!(
                        "ending role {} never granted to {}",
                        e.role.as_str(),
                        e.account_id
                    ))
                })?;
                view.ends_at = Some(e.ends_at);
                writes.put_record(key, &view)
            }
        }
    }
}

pub(crate) fn compound_key(id: &uuid::Uuid) -> Vec<u8> {
    Key::tag(b'k').uuid(id).into_bytes()
}

pub(crate) fn building_key(id: &uuid::Uuid) -> Vec<u8> {
    Key::tag(b'b').uuid(id).into_bytes()
}

pub(crate) fn unit_key(id: &uuid::Uuid) -> Vec<u8> {
    Key::tag(b'u').uuid(id).into_bytes()
}

pub(crate) fn organisation_key(id: &uuid::Uuid) -> Vec<u8> {
    Key::tag(b'o').uuid(id).into_bytes()
}

pub(crate) fn account_key(id: &uuid::Uuid) -> Vec<u8> {
    Key::tag(b'a').uuid(id).into_bytes()
}

fn role_key(account: &uuid::Uuid, organisation: &uuid::Uuid, role: &str) -> Vec<u8> {
    Key::tag(b'r')
        .uuid(account)
        .uuid(organisation)
        .text(role)
        .into_bytes()
}

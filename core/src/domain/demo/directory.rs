//! The demo directory: the community, six compounds, Sun Coast's five high-rise buildings with
//! their units and owners, grids, organisations, accounts and roles.

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::demo::{Demo, DemoActors, DemoError, DemoOrganisations, at};
use crate::domain::directory::commands::DirectoryCommand;
use crate::domain::ids::{
    AccountId, BuildingId, CommunityId, CompoundId, GridId, OrganisationId, PersonId, UnitId,
};
use crate::domain::role::{OrganisationKind, Role};
use crate::time::Timestamp;

/// The six compounds (DOMAIN.md) with an illustrative split of the 4,144 households.
const COMPOUNDS: [(&str, u32); 6] = [
    ("Wanghai", 900),
    ("Cherry Blossom Garden", 800),
    ("Oriental Coast", 964),
    ("Sun Coast", 360),
    ("Shusibei'er Xintiandi", 700),
    ("Port Authority Living Area No. 3", 420),
];
const SUN_COAST_INDEX: usize = 3;
const SUN_COAST_BUILDINGS: u16 = 5;
const FLOORS_PER_BUILDING: u16 = 18;
const FLATS_PER_FLOOR: u16 = 4;
/// Owners who hold a second unit (they count once by head, with both areas).
const OWNERS_WITH_TWO_UNITS: usize = 10;

/// What the later demo steps refer to.
pub(super) struct World {
    pub community_id: CommunityId,
    pub compounds: Vec<(String, CompoundId)>,
    pub sun_coast: CompoundId,
    pub buildings: Vec<BuildingId>,
    /// Every Sun Coast unit with its building.
    pub units: Vec<(UnitId, BuildingId)>,
    /// Voting owners of Sun Coast, each with one of their units.
    pub owners: Vec<(PersonId, UnitId, BuildingId)>,
    pub grids: Vec<GridId>,
    pub sun_coast_grid: GridId,
    pub organisations: DemoOrganisations,
    pub actors: DemoActors,
}

pub(super) fn build(demo: &mut Demo<'_>) -> Result<World, DemoError> {
    demo.step("directory");
    let start = at(2018, 1, 2, 1);
    let community_id = CommunityId(demo.uuid(start));
    let committee = OrganisationId(demo.uuid(start));
    let admin_person = demo.person(start, None)?;
    let administrator = ActingAs {
        account_id: AccountId(demo.uuid(start)),
        role: Role::DirectoryAdministrator,
        organisation_id: committee,
    };
    demo.run(
        administrator,
        start,
        Command::Directory(DirectoryCommand::Bootstrap {
            community_id,
            name: "Wanghai Community".into(),
            subdistrict: "Shijiu Subdistrict".into(),
            city: "Rizhao, Shandong".into(),
            founded_year: 2006,
            registered_households: 4_144,
            resident_households: 2_771,
            residents: 6_723,
            committee_organisation_id: committee,
            committee_name: "Wanghai Community Residents' Committee".into(),
            administrator_account_id: administrator.account_id,
            administrator_person_id: Some(admin_person),
        }),
    )?;
    let mut admin = Admin {
        actor: administrator,
        time: start.plus_hours(1),
    };
    // Rizhao's calendar: the demo's periods are Chinese months (ADR 0016).
    admin.run(
        demo,
        DirectoryCommand::SetCommunityTimeZone {
            time_zone: DEMO_TIME_ZONE.into(),
        },
    )?;

    let mut compounds = Vec::new();
    for (name, households) in COMPOUNDS {
        let compound_id = CompoundId(demo.uuid(admin.time));
        admin.run(
            demo,
            DirectoryCommand::RegisterCompound {
                compound_id,
                name: name.into(),
                registered_households: households,
            },
        )?;
        compounds.push((name.to_string(), compound_id));
    }
    let sun_coast = compounds[SUN_COAST_INDEX].1;

    // Three first-level grids of two compounds each; Sun Coast is a second-level grid.
    let mut grids = Vec::new();
    for (index, pair) in compounds.chunks(2).enumerate() {
        let grid_id = GridId(demo.uuid(admin.time));
        admin.run(
            demo,
            DirectoryCommand::RegisterGrid {
                grid_id,
                parent_grid_id: None,
                name: format!("Wanghai Grid {}", index + 1),
                compound_ids: pair.iter().map(|(_, id)| *id).collect(),
                building_ids: Vec::new(),
            },
        )?;
        grids.push(grid_id);
    }

    let mut buildings = Vec::new();
    for number in 1..=SUN_COAST_BUILDINGS {
        let building_id = BuildingId(demo.uuid(admin.time));
        admin.run(
            demo,
            DirectoryCommand::RegisterBuilding {
                building_id,
                compound_id: sun_coast,
                name: format!("Sun Coast Building {number}"),
                floors: FLOORS_PER_BUILDING,
            },
        )?;
        buildings.push(building_id);
    }
    let sun_coast_grid = GridId(demo.uuid(admin.time));
    admin.run(
        demo,
        DirectoryCommand::RegisterGrid {
            grid_id: sun_coast_grid,
            parent_grid_id: Some(grids[SUN_COAST_INDEX / 2]),
            name: "Sun Coast Grid".into(),
            compound_ids: vec![sun_coast],
            building_ids: buildings.clone(),
        },
    )?;
    grids.push(sun_coast_grid);

    let organisations =
        register_organisations(demo, &mut admin, sun_coast, sun_coast_grid, committee)?;
    let (units, owners) = register_units(demo, &mut admin, &buildings)?;
    let actors = open_accounts(demo, &mut admin, &organisations, &owners)?;
    Ok(World {
        community_id,
        compounds,
        sun_coast,
        buildings,
        units,
        owners,
        grids,
        sun_coast_grid,
        organisations,
        actors,
    })
}

/// The administrator, sending directory commands a few minutes apart.
struct Admin {
    actor: ActingAs,
    time: Timestamp,
}

impl Admin {
    fn run(&mut self, demo: &mut Demo<'_>, command: DirectoryCommand) -> Result<(), DemoError> {
        self.time = self.time.plus_micros(60_000_000);
        demo.run(self.actor, self.time, Command::Directory(command))?;
        Ok(())
    }
}

/// The demo community's time zone (Rizhao, Shandong).
pub(super) const DEMO_TIME_ZONE: &str = "Asia/Shanghai";

fn register_organisations(
    demo: &mut Demo<'_>,
    admin: &mut Admin,
    sun_coast: CompoundId,
    sun_coast_grid: GridId,
    community_committee: OrganisationId,
) -> Result<DemoOrganisations, DemoError> {
    let mut register = |demo: &mut Demo<'_>,
                        kind: OrganisationKind,
                        name: &str,
                        compound: Option<CompoundId>,
                        grid: Option<GridId>|
     -> Result<OrganisationId, DemoError> {
        let organisation_id = OrganisationId(demo.uuid(admin.time));
        admin.run(
            demo,
            DirectoryCommand::RegisterOrganisation {
                organisation_id,
                kind,
                name: name.into(),
                compound_id: compound,
                grid_id: grid,
            },
        )?;
        Ok(organisation_id)
    };
    use OrganisationKind as K;
    let party_committee = register(
        demo,
        K::CommunityPartyCommittee,
        "Wanghai Community Party Committee",
        None,
        None,
    )?;
    let service_station = register(
        demo,
        K::ServiceStation,
        "Wanghai Party-and-Public Service Station",
        None,
        None,
    )?;
    let sun_coast_party_branch = register(
        demo,
        K::GridPartyBranch,
        "Sun Coast Grid Party Branch",
        Some(sun_coast),
        Some(sun_coast_grid),
    )?;
    let owners_assembly = register(
        demo,
        K::OwnersAssembly,
        "Sun Coast Owners' Assembly",
        Some(sun_coast),
        None,
    )?;
    let owners_committee = register(
        demo,
        K::OwnersCommittee,
        "Sun Coast Owners' Committee",
        Some(sun_coast),
        None,
    )?;
    let property_company = register(
        demo,
        K::PropertyCompany,
        "Bluewave Property Services (fictional)",
        Some(sun_coast),
        None,
    )?;
    let volunteer_team = register(
        demo,
        K::VolunteerTeam,
        "Love Commune Volunteer Team",
        None,
        Some(sun_coast_grid),
    )?;
    let mediation_committee = register(
        demo,
        K::MediationCommittee,
        "Wanghai People's Mediation Committee",
        None,
        None,
    )?;
    let audit_office = register(
        demo,
        K::AuditOffice,
        "Shijiu Subdistrict Review Office (fictional)",
        None,
        None,
    )?;
    let police_station = register(
        demo,
        K::GovernmentDepartment,
        "Shijiu Police Station (fictional)",
        None,
        None,
    )?;
    let mut contractors = Vec::new();
    for name in [
        "Donggang Waterproofing Works (fictional)",
        "Shijiu Building Services (fictional)",
        "Lanhai Security Systems (fictional)",
        "Greenline Landscaping (fictional)",
        "Harbour Road Paving (fictional)",
    ] {
        contractors.push(register(demo, K::Contractor, name, None, None)?);
    }
    Ok(DemoOrganisations {
        community_committee,
        party_committee,
        service_station,
        sun_coast_party_branch,
        owners_assembly,
        owners_committee,
        property_company,
        volunteer_team,
        mediation_committee,
        audit_office,
        police_station,
        contractors,
    })
}

type Units = (
    Vec<(UnitId, BuildingId)>,
    Vec<(PersonId, UnitId, BuildingId)>,
);

fn register_units(
    demo: &mut Demo<'_>,
    admin: &mut Admin,
    buildings: &[BuildingId],
) -> Result<Units, DemoError> {
    let mut units = Vec::new();
    for (building_index, building_id) in buildings.iter().enumerate() {
        for floor in 1..=FLOORS_PER_BUILDING {
            for flat in 1..=FLATS_PER_FLOOR {
                let unit_id = UnitId(demo.uuid(admin.time));
                // 70.00 to 140.00 m², in dm².
                let floor_area_dm2 = demo.rng().between(7_000, 14_000) as u64;
                admin.run(
                    demo,
                    DirectoryCommand::RegisterUnit {
                        unit_id,
                        building_id: *building_id,
                        label: format!(
                            "{}-{}-{:02}{:02}",
                            building_index + 1,
                            flat.div_ceil(2),
                            floor,
                            flat
                        ),
                        floor_area_dm2,
                    },
                )?;
                units.push((unit_id, *building_id));
            }
        }
    }
    let mut owners: Vec<(PersonId, UnitId, BuildingId)> = Vec::new();
    for (index, (unit_id, building_id)) in units.iter().enumerate() {
        // The last units belong to owners who already hold one (counted once by head).
        let second_unit_of = index.checked_sub(units.len() - OWNERS_WITH_TWO_UNITS);
        let owner = match second_unit_of {
            Some(k) => owners[k * 7].0,
            None => {
                let person = demo.person(admin.time, Some(*unit_id))?;
                owners.push((person, *unit_id, *building_id));
                person
            }
        };
        let mut unit_owners = vec![owner];
        if demo.rng().percent(30) {
            // A co-owner: listed, but the unit votes through its first owner.
            unit_owners.push(demo.person(admin.time, Some(*unit_id))?);
        }
        admin.run(
            demo,
            DirectoryCommand::RecordUnitOwners {
                unit_id: *unit_id,
                owners: unit_owners,
            },
        )?;
    }
    Ok((units, owners))
}

fn open_accounts(
    demo: &mut Demo<'_>,
    admin: &mut Admin,
    organisations: &DemoOrganisations,
    owners: &[(PersonId, UnitId, BuildingId)],
) -> Result<DemoActors, DemoError> {
    let roles_from = at(2018, 1, 1, 0);
    let mut open = |demo: &mut Demo<'_>,
                    role: Role,
                    organisation_id: OrganisationId,
                    person: Option<PersonId>|
     -> Result<ActingAs, DemoError> {
        let person_id = match person {
            Some(person) => person,
            None => demo.person(admin.time, None)?,
        };
        let account_id = AccountId(demo.uuid(admin.time));
        admin.run(
            demo,
            DirectoryCommand::OpenAccount {
                account_id,
                person_id: Some(person_id),
            },
        )?;
        admin.run(
            demo,
            DirectoryCommand::GrantRole {
                account_id,
                organisation_id,
                role,
                starts_at: roles_from,
                ends_at: None,
            },
        )?;
        Ok(ActingAs {
            account_id,
            role,
            organisation_id,
        })
    };
    let o = organisations;
    let clerk = open(demo, Role::StationClerk, o.service_station, None)?;
    let grid_worker = open(demo, Role::GridWorker, o.service_station, None)?;
    let party_committee_member = open(demo, Role::PartyCommitteeMember, o.party_committee, None)?;
    let party_branch_member = open(
        demo,
        Role::PartyBranchMember,
        o.sun_coast_party_branch,
        None,
    )?;
    let dispatcher = open(demo, Role::PropertyDispatcher, o.property_company, None)?;
    let technician = open(demo, Role::PropertyTechnician, o.property_company, None)?;
    let mut committee_members = Vec::new();
    for owner in owners.iter().take(3) {
        // Committee members are owners of the compound, elected at the first assembly.
        committee_members.push(open(
            demo,
            Role::OwnersCommitteeMember,
            o.owners_committee,
            Some(owner.0),
        )?);
    }
    let mediator = open(demo, Role::Mediator, o.mediation_committee, None)?;
    let inspector = open(demo, Role::Inspector, o.community_committee, None)?;
    let volunteer = open(demo, Role::Volunteer, o.volunteer_team, None)?;
    let auditor = open(demo, Role::Auditor, o.audit_office, None)?;
    let data_protection_officer = open(
        demo,
        Role::DataProtectionOfficer,
        o.community_committee,
        None,
    )?;
    let mut contractor_managers = Vec::new();
    for contractor in &o.contractors {
        contractor_managers.push(open(demo, Role::ContractorManager, *contractor, None)?);
    }
    Ok(DemoActors {
        administrator: admin.actor,
        clerk,
        grid_worker,
        party_committee_member,
        party_branch_member,
        dispatcher,
        technician,
        committee_members,
        mediator,
        inspector,
        volunteer,
        auditor,
        data_protection_officer,
        contractor_managers,
    })
}

//! The Sun Coast works of the report, each with the requests that raised it, the owners'
//! decision that approved it (ballots meeting Art. 278), its contract, completion and
//! inspection, and the requests' resolution and follow-up afterwards.

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::decision::Decision;
use crate::domain::decision::DecisionStatus;
use crate::domain::decision::commands::{BallotFor, DecisionCommand};
use crate::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use crate::domain::demo::directory::World;
use crate::domain::demo::{Demo, DemoError, DemoWork, at};
use crate::domain::ids::{BuildingId, DecisionId, RequestId, WorkProjectId};
use crate::domain::location::Location;
use crate::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use crate::domain::request::commands::RequestCommand;
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::domain::streams::decision_stream;
use crate::domain::work_project::commands::WorkProjectCommand;
use crate::domain::work_project::vocabulary::WorkCategory;
use crate::time::Timestamp;

/// Which Sun Coast buildings a work covers.
#[derive(Clone, Copy)]
enum Buildings {
    All,
    FirstFour,
    NoneInParticular,
}

struct WorkPlan {
    category: WorkCategory,
    title: &'static str,
    description: &'static str,
    buildings: Buildings,
    quantities: &'static [Quantity],
    funding: FundingSource,
    budget_cents: i64,
    cost_cents: i64,
    contractor: usize,
    warranty_months: u16,
    request_category: RequestCategory,
    requests: [&'static str; 2],
    first_inspection: Inspection,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Inspection {
    Passes,
    FailsOnce,
}

const fn q(amount: i64, unit: QuantityUnit) -> Quantity {
    Quantity::new(amount, unit)
}

const WORKS_2019: &[WorkPlan] = &[
    WorkPlan {
        category: WorkCategory::RoofWaterproofing,
        title: "Roof waterproofing, Buildings 1-4",
        description: "Strip and relay the waterproof membrane on the roofs of four buildings.",
        buildings: Buildings::FirstFour,
        quantities: &[q(4, QuantityUnit::Roof)],
        funding: FundingSource::MaintenanceFund,
        budget_cents: 48_000_000,
        cost_cents: 46_230_000,
        contractor: 0,
        warranty_months: 60,
        request_category: RequestCategory::Repair,
        requests: [
            "Rain leaks through the top-floor ceiling after every storm.",
            "Water stains spreading on the top-floor stairwell ceiling.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::UnitDoorReplacement,
        title: "Replace all 16 unit doors",
        description: "Replace the entrance doors of every unit entrance with access-controlled doors.",
        buildings: Buildings::All,
        quantities: &[q(16, QuantityUnit::UnitDoor)],
        funding: FundingSource::MaintenanceFund,
        budget_cents: 25_600_000,
        cost_cents: 24_960_000,
        contractor: 1,
        warranty_months: 24,
        request_category: RequestCategory::Security,
        requests: [
            "The unit entrance door does not close; strangers walk in at night.",
            "Entrance door lock broken for weeks.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::CameraReplacement,
        title: "Replace 126 surveillance cameras",
        description: "Replace the compound's failed analogue cameras with networked ones.",
        buildings: Buildings::All,
        quantities: &[q(126, QuantityUnit::Camera)],
        funding: FundingSource::PropertyFees,
        budget_cents: 18_900_000,
        cost_cents: 18_144_000,
        contractor: 2,
        warranty_months: 24,
        request_category: RequestCategory::Security,
        requests: [
            "Bicycle stolen; the camera at the shed has been dark for months.",
            "Most cameras along the main road show no picture.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::Planting,
        title: "Renew about 400 m2 of planting",
        description: "Replant bare and trampled beds along the central path.",
        buildings: Buildings::NoneInParticular,
        quantities: &[q(400, QuantityUnit::SquareMetre)],
        funding: FundingSource::CommonPartsIncome,
        budget_cents: 6_000_000,
        cost_cents: 5_800_000,
        contractor: 3,
        warranty_months: 12,
        request_category: RequestCategory::Greening,
        requests: [
            "Flower beds by the central path are bare mud.",
            "Dead shrubs along the path have not been replaced.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::RoadResurfacing,
        title: "Resurface 400 m2 of street-side road",
        description: "Mill and resurface the broken road along the street side of the compound.",
        buildings: Buildings::NoneInParticular,
        quantities: &[q(400, QuantityUnit::SquareMetre)],
        funding: FundingSource::Government,
        budget_cents: 12_000_000,
        cost_cents: 11_800_000,
        contractor: 4,
        warranty_months: 24,
        request_category: RequestCategory::Repair,
        requests: [
            "Potholes on the street-side road fill with water.",
            "An elderly resident tripped on the broken road surface.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::CarParkRoad,
        title: "Rebuild 150 m2 of underground car-park road",
        description: "Break out and recast the cracked ramp and driveway of the underground car park.",
        buildings: Buildings::NoneInParticular,
        quantities: &[q(150, QuantityUnit::SquareMetre)],
        funding: FundingSource::MaintenanceFund,
        budget_cents: 7_500_000,
        cost_cents: 7_350_000,
        contractor: 4,
        warranty_months: 24,
        request_category: RequestCategory::Parking,
        requests: [
            "The car-park ramp is cracked and cars scrape on it.",
            "Water pools on the underground driveway.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::ExteriorWallPainting,
        title: "Paint the exterior walls of 5 buildings",
        description: "Repair render and repaint the exterior walls of all five buildings.",
        buildings: Buildings::All,
        quantities: &[q(5, QuantityUnit::ExteriorWall)],
        funding: FundingSource::MaintenanceFund,
        budget_cents: 60_000_000,
        cost_cents: 58_800_000,
        contractor: 1,
        warranty_months: 24,
        request_category: RequestCategory::Repair,
        requests: [
            "Render is falling off the exterior wall above the entrance.",
            "Exterior paint peeling badly on the north face.",
        ],
        first_inspection: Inspection::FailsOnce,
    },
];

const WORKS_2020: &[WorkPlan] = &[
    WorkPlan {
        category: WorkCategory::ParkingLot,
        title: "Build a 200-car parking lot on the north side",
        description: "Turn the disused north strip into a surfaced 200-space parking lot.",
        buildings: Buildings::NoneInParticular,
        quantities: &[q(200, QuantityUnit::ParkingSpace)],
        funding: FundingSource::Government,
        budget_cents: 90_000_000,
        cost_cents: 87_000_000,
        contractor: 4,
        warranty_months: 24,
        request_category: RequestCategory::Parking,
        requests: [
            "Cars park on the fire lane every night; there is nowhere else.",
            "Please add parking; the roads are blocked by parked cars.",
        ],
        first_inspection: Inspection::Passes,
    },
    WorkPlan {
        category: WorkCategory::BicycleShed,
        title: "Enlarge 2 bicycle sheds: 550 places, 110 charging",
        description: "Enlarge both sheds and fit metered charging points for e-bikes.",
        buildings: Buildings::NoneInParticular,
        quantities: &[
            q(2, QuantityUnit::BicycleShed),
            q(550, QuantityUnit::BicyclePlace),
            q(110, QuantityUnit::ChargingPoint),
        ],
        funding: FundingSource::Government,
        budget_cents: 33_000_000,
        cost_cents: 32_200_000,
        contractor: 1,
        warranty_months: 24,
        request_category: RequestCategory::EBikeCharging,
        requests: [
            "E-bikes are charged with cables from upstairs windows; it is dangerous.",
            "The bicycle shed is full; bikes block the entrances.",
        ],
        first_inspection: Inspection::Passes,
    },
];

pub(super) struct SunCoastWorks {
    pub works: Vec<DemoWork>,
    pub decision_ids: Vec<DecisionId>,
    pub request_ids: Vec<RequestId>,
}

/// Percentages of owners taking part and, of those, voting for.
struct Turnout {
    participating_percent: u64,
    for_percent: u64,
}

pub(super) fn build(demo: &mut Demo<'_>, world: &World) -> Result<SunCoastWorks, DemoError> {
    let mut decision_ids = Vec::new();
    demo.step("failed lift decision");
    let lift = DecisionId(demo.uuid(at(2018, 10, 8, 1)));
    vote(
        demo,
        world,
        lift,
        at(2018, 10, 8, 1),
        DecisionMatter::Rebuilding,
        "Add a second lift to every building",
        Vec::new(),
        Vec::new(),
        &Turnout {
            participating_percent: 40,
            for_percent: 70,
        },
        DecisionStatus::Failed,
    )?;
    decision_ids.push(lift);

    let mut works = Vec::new();
    let mut request_ids = Vec::new();
    for (year, plans, matter, turnout) in [
        (
            2019,
            WORKS_2019,
            DecisionMatter::MaintenanceFundUse,
            Turnout {
                participating_percent: 86,
                for_percent: 82,
            },
        ),
        (
            2020,
            WORKS_2020,
            DecisionMatter::CommonPartsUseChange,
            Turnout {
                participating_percent: 90,
                for_percent: 90,
            },
        ),
    ] {
        demo.step("works requests");
        let mut raised = Vec::new();
        for (index, plan) in plans.iter().enumerate() {
            let received = at(year - 1, 11, 5, 2).plus_days(index as i64 * 9);
            let mut ids = Vec::new();
            for (n, text) in plan.requests.iter().enumerate() {
                ids.push(raise_request(
                    demo,
                    world,
                    plan,
                    text,
                    received.plus_days(n as i64 * 3),
                )?);
            }
            raised.push(ids);
        }
        demo.step("works proposals");
        let proposed_at = at(year, 3, 1, 2);
        let mut projects = Vec::new();
        for (plan, ids) in plans.iter().zip(&raised) {
            let work_project_id = WorkProjectId(demo.uuid(proposed_at));
            demo.run(
                world.actors.committee_members[0],
                proposed_at,
                Command::WorkProject {
                    work_project_id,
                    command: WorkProjectCommand::Propose {
                        category: plan.category,
                        title: plan.title.into(),
                        description: plan.description.into(),
                        compound_id: world.sun_coast,
                        building_ids: buildings(world, plan.buildings),
                        unit_ids: Vec::new(),
                        planned_quantities: plan.quantities.to_vec(),
                        linked_request_ids: ids.clone(),
                    },
                },
            )?;
            projects.push(work_project_id);
        }
        demo.step("works decision");
        let decision_id = DecisionId(demo.uuid(proposed_at));
        let authorisations = plans
            .iter()
            .zip(&projects)
            .map(|(plan, id)| Authorisation {
                work_project_id: *id,
                funding_source: plan.funding,
                budget_cents_max: plan.budget_cents,
            })
            .collect();
        let title = if year == 2019 {
            "2019 repairs: roofs, unit doors, cameras, planting, roads, walls"
        } else {
            "2020: north parking lot and bicycle sheds on common land"
        };
        vote(
            demo,
            world,
            decision_id,
            at(year, 3, 10, 1),
            matter,
            title,
            authorisations,
            raised.concat(),
            &turnout,
            DecisionStatus::Adopted,
        )?;
        decision_ids.push(decision_id);
        demo.step("works delivery");
        for (index, ((plan, project), ids)) in plans.iter().zip(&projects).zip(&raised).enumerate()
        {
            deliver(
                demo,
                world,
                plan,
                *project,
                decision_id,
                ids,
                at(year, 4, 20, 2).plus_days(index as i64 * 6),
            )?;
            works.push(DemoWork {
                category: plan.category,
                work_project_id: *project,
                decision_id,
                request_ids: ids.clone(),
            });
        }
        request_ids.extend(raised.concat());
    }
    Ok(SunCoastWorks {
        works,
        decision_ids,
        request_ids,
    })
}

fn buildings(world: &World, which: Buildings) -> Vec<BuildingId> {
    match which {
        Buildings::All => world.buildings.clone(),
        Buildings::FirstFour => world.buildings[..4].to_vec(),
        Buildings::NoneInParticular => Vec::new(),
    }
}

/// A resident's request that the property company assesses and keeps open until the works
/// that answer it are inspected.
fn raise_request(
    demo: &mut Demo<'_>,
    world: &World,
    plan: &WorkPlan,
    text: &str,
    received: Timestamp,
) -> Result<RequestId, DemoError> {
    let a = &world.actors;
    let request_id = RequestId(demo.uuid(received));
    let (requester, unit, building) = *demo.rng().pick(&world.owners);
    let location = Location {
        compound_id: Some(world.sun_coast),
        building_id: Some(building),
        unit_id: matches!(plan.category, WorkCategory::RoofWaterproofing).then_some(unit),
        grid_id: Some(world.sun_coast_grid),
    };
    let run = |demo: &mut Demo<'_>, actor: ActingAs, when: Timestamp, command: RequestCommand| {
        demo.run(
            actor,
            when,
            Command::Request {
                request_id,
                command,
            },
        )
    };
    run(
        demo,
        a.clerk,
        received,
        RequestCommand::Receive {
            kind: RequestKind::Complaint,
            category: plan.request_category,
            description: text.into(),
            requester_id: Some(requester),
            location,
            channel: Channel::ServiceStation,
        },
    )?;
    run(
        demo,
        a.clerk,
        received.plus_hours(1),
        RequestCommand::Accept { category: None },
    )?;
    // Works need an owners' decision first: the dispatcher gives the request most of a year.
    run(
        demo,
        a.clerk,
        received.plus_hours(2),
        RequestCommand::Dispatch {
            organisation_id: world.organisations.property_company,
            response_due_at: None,
            due_at: Some(received.plus_days(330)),
        },
    )?;
    run(
        demo,
        a.technician,
        received.plus_hours(20),
        RequestCommand::StartWork {
            assignee_account_id: Some(a.technician.account_id),
        },
    )?;
    Ok(request_id)
}

/// Proposes a decision of the Sun Coast owners' assembly, takes ballots, tallies, publishes.
#[allow(clippy::too_many_arguments)]
fn vote(
    demo: &mut Demo<'_>,
    world: &World,
    decision_id: DecisionId,
    proposed_at: Timestamp,
    matter: DecisionMatter,
    title: &str,
    authorisations: Vec<Authorisation>,
    linked_request_ids: Vec<RequestId>,
    turnout: &Turnout,
    expected: DecisionStatus,
) -> Result<(), DemoError> {
    let member = world.actors.committee_members[0];
    let run = |demo: &mut Demo<'_>, when: Timestamp, command: DecisionCommand| {
        demo.run(
            member,
            when,
            Command::Decision {
                decision_id,
                command,
            },
        )
    };
    run(
        demo,
        proposed_at,
        DecisionCommand::Propose {
            body_organisation_id: world.organisations.owners_assembly,
            matter,
            title: title.into(),
            text: format!("{title}. Budgets and funding sources as listed; see the notice board."),
            authorisations,
            linked_request_ids,
        },
    )?;
    let opens = proposed_at.plus_days(2);
    let closes = opens.plus_days(30);
    run(
        demo,
        opens,
        DecisionCommand::OpenVoting { closes_at: closes },
    )?;
    let mut when = opens.plus_hours(2);
    for (person_id, _, _) in world.owners.clone() {
        if !demo.rng().percent(turnout.participating_percent) {
            continue;
        }
        let roll = demo.rng().below(100);
        let choice = if roll < turnout.for_percent {
            BallotChoice::For
        } else if roll < turnout.for_percent + (100 - turnout.for_percent) * 2 / 3 {
            BallotChoice::Against
        } else {
            BallotChoice::Abstain
        };
        when = when.plus_micros(90 * 60 * 1_000_000);
        run(
            demo,
            when,
            DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id },
                choice,
            },
        )?;
    }
    run(demo, closes.plus_hours(1), DecisionCommand::Tally)?;
    run(
        demo,
        closes.plus_days(1),
        DecisionCommand::Publish {
            notice: "Posted on the Sun Coast notice boards and in the owners' group".into(),
        },
    )?;
    let decision = demo
        .handler()
        .load::<Decision>(&decision_stream(decision_id))
        .map_err(|source| DemoError::Command {
            step: "checking a tally",
            command: "load",
            source,
        })?;
    if decision.state().status != expected {
        return Err(DemoError::Invariant(format!(
            "decision {title:?} ended {}, expected {}",
            decision.state().status.as_str(),
            expected.as_str()
        )));
    }
    Ok(())
}

/// Approval, contract, works, completion, inspection, warranty and the requests' closure.
fn deliver(
    demo: &mut Demo<'_>,
    world: &World,
    plan: &WorkPlan,
    work_project_id: WorkProjectId,
    decision_id: DecisionId,
    request_ids: &[RequestId],
    approved_at: Timestamp,
) -> Result<(), DemoError> {
    let a = &world.actors;
    let member = a.committee_members[0];
    let site = a.contractor_managers[plan.contractor];
    let run =
        |demo: &mut Demo<'_>, actor: ActingAs, when: Timestamp, command: WorkProjectCommand| {
            demo.run(
                actor,
                when,
                Command::WorkProject {
                    work_project_id,
                    command,
                },
            )
        };
    run(
        demo,
        member,
        approved_at,
        WorkProjectCommand::Approve {
            decision_id,
            funding_source: plan.funding,
            budget_cents: plan.budget_cents,
        },
    )?;
    let contracted_at = approved_at.plus_days(5);
    let started_at = contracted_at.plus_days(10);
    let duration_days = 40 + plan.quantities[0].amount.min(60);
    let contract_number = demo.rng().below(1000);
    run(
        demo,
        member,
        contracted_at,
        WorkProjectCommand::Contract {
            contractor_organisation_id: world.organisations.contractors[plan.contractor],
            contract_reference: format!(
                "SC-{}-{contract_number:03}",
                contracted_at.civil_date().year
            ),
            contract_amount_cents: plan.budget_cents / 100 * 97,
            planned_completion_at: started_at.plus_days(duration_days + 10),
        },
    )?;
    run(demo, site, started_at, WorkProjectCommand::Start)?;
    let half: Vec<Quantity> = plan
        .quantities
        .iter()
        .map(|q| Quantity::new((q.amount / 2).max(1), q.unit))
        .collect();
    run(
        demo,
        site,
        started_at.plus_days(duration_days / 2),
        WorkProjectCommand::RecordProgress {
            milestone: "Half of the planned quantity delivered".into(),
            percent_complete: 50,
            quantities_done: half,
        },
    )?;
    let mut completed_at = started_at.plus_days(duration_days);
    let complete = WorkProjectCommand::Complete {
        actual_quantities: plan.quantities.to_vec(),
        cost_cents: plan.cost_cents,
    };
    run(demo, site, completed_at, complete.clone())?;
    if plan.first_inspection == Inspection::FailsOnce {
        run(
            demo,
            a.inspector,
            completed_at.plus_days(5),
            WorkProjectCommand::FailInspection {
                defects: "Paint runs and uneven colour on two facades; render cracks not filled."
                    .into(),
            },
        )?;
        completed_at = completed_at.plus_days(20);
        run(demo, site, completed_at, complete)?;
    }
    let inspected_at = completed_at.plus_days(5);
    run(
        demo,
        a.inspector,
        inspected_at,
        WorkProjectCommand::PassInspection {
            report: format!("Inspected on site: {} delivered as contracted.", plan.title),
            warranty_months: plan.warranty_months,
        },
    )?;
    for (n, request_id) in request_ids.iter().enumerate() {
        let resolved_at = inspected_at.plus_days(1 + n as i64);
        let run =
            |demo: &mut Demo<'_>, actor: ActingAs, when: Timestamp, command: RequestCommand| {
                demo.run(
                    actor,
                    when,
                    Command::Request {
                        request_id: *request_id,
                        command,
                    },
                )
            };
        run(
            demo,
            a.technician,
            resolved_at,
            RequestCommand::Resolve {
                outcome: Outcome::Fixed,
                note: format!("Fixed by the works project: {}", plan.title),
                work_project_id: Some(work_project_id),
            },
        )?;
        let satisfied = demo.rng().percent(80);
        run(
            demo,
            a.clerk,
            resolved_at.plus_days(3),
            RequestCommand::FollowUp {
                resolution: FollowUpResolution::Resolved,
                satisfaction: if satisfied {
                    Satisfaction::Satisfied
                } else {
                    Satisfaction::BasicallySatisfied
                },
                note: String::new(),
            },
        )?;
        run(
            demo,
            a.clerk,
            resolved_at.plus_days(4),
            RequestCommand::Close,
        )?;
    }
    if plan.category == WorkCategory::RoofWaterproofing {
        let claim_at = at(2020, 6, 12, 3);
        run(
            demo,
            member,
            claim_at,
            WorkProjectCommand::RaiseWarrantyClaim {
                description: "Seepage at one roof drain after heavy rain.".into(),
                linked_request_id: None,
            },
        )?;
        run(
            demo,
            site,
            claim_at.plus_days(8),
            WorkProjectCommand::SettleWarrantyClaim {
                claim_number: 1,
                note: "Drain flashing resealed under warranty.".into(),
            },
        )?;
    }
    let warranty_ends =
        crate::domain::work_project::commands::plus_months(inspected_at, plan.warranty_months);
    if warranty_ends < at(2021, 12, 1, 0) {
        run(
            demo,
            member,
            warranty_ends.plus_days(3),
            WorkProjectCommand::Close,
        )?;
    }
    Ok(())
}

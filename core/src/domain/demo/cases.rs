//! Illustrative requests and mediations over 2019-2021: every path of the lifecycles
//! (fixed, explained, escalated when overdue, reopened, sent back, rejected, merged, still
//! open), and one erasure of a resident's personal data.

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::demo::directory::World;
use crate::domain::demo::{Demo, DemoError, at};
use crate::domain::erasure::ErasureBasis;
use crate::domain::ids::{MediationId, OrganisationId, PersonId, RequestId};
use crate::domain::location::Location;
use crate::domain::mediation::commands::MediationCommand;
use crate::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use crate::domain::request::commands::RequestCommand;
use crate::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use crate::personal_data::erase_person;
use crate::time::Timestamp;

#[derive(Clone, Copy, PartialEq, Eq)]
enum RequestPath {
    Fixed,
    Explained,
    EscalatedWhenOverdue,
    Reopened,
    SentBack,
    Rejected,
    Merged,
    StillOpenOverdue,
}

const PATHS: [RequestPath; 8] = [
    RequestPath::Fixed,
    RequestPath::Explained,
    RequestPath::EscalatedWhenOverdue,
    RequestPath::Fixed,
    RequestPath::Reopened,
    RequestPath::SentBack,
    RequestPath::Rejected,
    RequestPath::Merged,
];

const TOPICS: [(RequestCategory, RequestKind, &str); 10] = [
    (
        RequestCategory::Lift,
        RequestKind::Help,
        "The lift stops between floors.",
    ),
    (
        RequestCategory::Sanitation,
        RequestKind::Complaint,
        "Rubbish not collected at the east gate for three days.",
    ),
    (
        RequestCategory::DogKeeping,
        RequestKind::Complaint,
        "Dogs off the lead in the children's playground.",
    ),
    (
        RequestCategory::Parking,
        RequestKind::Complaint,
        "A car blocks the fire lane every evening.",
    ),
    (
        RequestCategory::EBikeCharging,
        RequestKind::Suggestion,
        "Please add charging points near the sheds.",
    ),
    (
        RequestCategory::Repair,
        RequestKind::Help,
        "Stairwell lights out on several floors.",
    ),
    (
        RequestCategory::PolicyEnquiry,
        RequestKind::Enquiry,
        "How do I apply for the elderly care allowance?",
    ),
    (
        RequestCategory::Greening,
        RequestKind::Suggestion,
        "Trim the trees blocking the ground-floor windows.",
    ),
    (
        RequestCategory::NeighbourDispute,
        RequestKind::Help,
        "Water leaking from the flat above into the kitchen.",
    ),
    (
        RequestCategory::PropertyService,
        RequestKind::Enquiry,
        "Why did the property fee rise this year?",
    ),
];

/// Requests that keep their stories short: one every 25 days from January 2019.
const ILLUSTRATIVE_REQUESTS: usize = 40;

pub(super) struct Cases {
    pub request_ids: Vec<RequestId>,
    pub mediation_ids: Vec<MediationId>,
    pub erased_person_id: PersonId,
}

pub(super) fn build(demo: &mut Demo<'_>, world: &World) -> Result<Cases, DemoError> {
    demo.step("illustrative requests");
    let mut request_ids = Vec::new();
    let mut non_owner_requesters = Vec::new();
    for index in 0..ILLUSTRATIVE_REQUESTS {
        let received = at(2019, 1, 10, 1).plus_days(index as i64 * 25);
        let path = if index + 3 >= ILLUSTRATIVE_REQUESTS {
            RequestPath::StillOpenOverdue
        } else {
            PATHS[index % PATHS.len()]
        };
        let topic = TOPICS[index % TOPICS.len()];
        let (requester, location, responder, responsible) =
            requester_and_place(demo, world, index, received)?;
        if location.compound_id != Some(world.sun_coast) {
            non_owner_requesters.push(requester);
        }
        let case = Case {
            requester,
            location,
            responder,
            responsible,
            topic,
        };
        request_ids.extend(run_request(demo, world, &case, path, received)?);
    }
    demo.step("mediations");
    let mut mediation_ids = Vec::new();
    for index in 0..8 {
        let registered = at(2019, 2, 20, 2).plus_days(index as i64 * 110);
        mediation_ids.push(run_mediation(demo, world, index, registered)?);
    }
    demo.step("erasure");
    let erased_person_id = non_owner_requesters[0];
    erase_person(
        demo.handler(),
        demo.personal_data(),
        world.actors.data_protection_officer,
        erased_person_id,
        ErasureBasis::DataSubjectRequest,
        Some(at(2021, 12, 20, 2)),
    )?;
    Ok(Cases {
        request_ids,
        mediation_ids,
        erased_person_id,
    })
}

struct Case {
    requester: PersonId,
    location: Location,
    /// Who answers for the responsible organisation.
    responder: ActingAs,
    responsible: OrganisationId,
    topic: (RequestCategory, RequestKind, &'static str),
}

/// Sun Coast requests go to the property company; the other compounds' to the grid workers
/// of the service station.
fn requester_and_place(
    demo: &mut Demo<'_>,
    world: &World,
    index: usize,
    received: Timestamp,
) -> Result<(PersonId, Location, ActingAs, OrganisationId), DemoError> {
    let (name, compound) = world.compounds[index % world.compounds.len()].clone();
    let _ = name;
    if compound == world.sun_coast {
        let (person, unit, building) = *demo.rng().pick(&world.owners);
        let location = Location {
            compound_id: Some(compound),
            building_id: Some(building),
            unit_id: Some(unit),
            grid_id: Some(world.sun_coast_grid),
        };
        Ok((
            person,
            location,
            world.actors.technician,
            world.organisations.property_company,
        ))
    } else {
        let person = demo.person(received, None)?;
        let location = Location {
            compound_id: Some(compound),
            building_id: None,
            unit_id: None,
            grid_id: Some(world.grids[index % world.compounds.len() / 2]),
        };
        Ok((
            person,
            location,
            world.actors.grid_worker,
            world.organisations.service_station,
        ))
    }
}

fn run_request(
    demo: &mut Demo<'_>,
    world: &World,
    case: &Case,
    path: RequestPath,
    received: Timestamp,
) -> Result<Vec<RequestId>, DemoError> {
    let a = &world.actors;
    let request_id = RequestId(demo.uuid(received));
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
    let (category, kind, text) = case.topic;
    let channel = *demo.rng().pick(&[
        Channel::ServiceStation,
        Channel::Phone,
        Channel::GridVisit,
        Channel::Hotline12345,
    ]);
    run(
        demo,
        a.clerk,
        received,
        RequestCommand::Receive {
            kind,
            category,
            description: text.into(),
            requester_id: Some(case.requester),
            location: case.location,
            channel,
        },
    )?;
    if path == RequestPath::Rejected {
        run(
            demo,
            a.clerk,
            received.plus_hours(2),
            RequestCommand::Reject {
                reason: "A private commercial dispute, outside the community's remit".into(),
            },
        )?;
        return Ok(vec![request_id]);
    }
    run(
        demo,
        a.clerk,
        received.plus_hours(1),
        RequestCommand::Accept { category: None },
    )?;
    let mut ids = vec![request_id];
    if path == RequestPath::Merged {
        // A neighbour reports the same problem the next day; it is merged into this one.
        let duplicate = RequestId(demo.uuid(received));
        let neighbour = match case.location.compound_id {
            Some(compound) if compound == world.sun_coast => demo.rng().pick(&world.owners).0,
            _ => demo.person(received, None)?,
        };
        let dup = |demo: &mut Demo<'_>, when: Timestamp, command: RequestCommand| {
            demo.run(
                a.clerk,
                when,
                Command::Request {
                    request_id: duplicate,
                    command,
                },
            )
        };
        dup(
            demo,
            received.plus_days(1),
            RequestCommand::Receive {
                kind,
                category,
                description: format!("Same as reported yesterday: {text}"),
                requester_id: Some(neighbour),
                location: case.location,
                channel: Channel::Phone,
            },
        )?;
        dup(
            demo,
            received.plus_days(1).plus_hours(1),
            RequestCommand::MergeInto {
                into_request_id: request_id,
            },
        )?;
        ids.push(duplicate);
    }
    let dispatched = received.plus_hours(3);
    let (first_org, first_responder) = if path == RequestPath::SentBack {
        (world.organisations.property_company, a.technician)
    } else {
        (case.responsible, case.responder)
    };
    run(
        demo,
        a.clerk,
        dispatched,
        RequestCommand::Dispatch {
            organisation_id: first_org,
            response_due_at: None,
            due_at: None,
        },
    )?;
    let mut responder = first_responder;
    let mut now = dispatched;
    match path {
        RequestPath::StillOpenOverdue => return Ok(ids),
        RequestPath::EscalatedWhenOverdue => {
            now = received.plus_days(category.resolution_limit_days() + 1);
            run(
                demo,
                a.party_committee_member,
                now,
                RequestCommand::Escalate {
                    escalated_to_organisation_id: world.organisations.party_committee,
                    new_due_at: now.plus_days(3),
                },
            )?;
        }
        RequestPath::SentBack => {
            now = dispatched.plus_hours(5);
            run(
                demo,
                first_responder,
                now,
                RequestCommand::SendBack {
                    reason: "Not a property-management matter: the owners' committee rules on it"
                        .into(),
                },
            )?;
            now = now.plus_hours(2);
            run(
                demo,
                a.clerk,
                now,
                RequestCommand::Dispatch {
                    organisation_id: world.organisations.owners_committee,
                    response_due_at: None,
                    due_at: None,
                },
            )?;
            responder = a.committee_members[1];
        }
        _ => {}
    }
    run(
        demo,
        responder,
        now.plus_hours(4),
        RequestCommand::StartWork {
            assignee_account_id: None,
        },
    )?;
    let outcome = match path {
        RequestPath::Explained | RequestPath::SentBack => Outcome::Explained,
        _ => Outcome::Fixed,
    };
    let resolved = now.plus_days(2);
    run(
        demo,
        responder,
        resolved,
        RequestCommand::Resolve {
            outcome,
            note: if outcome == Outcome::Fixed {
                String::new()
            } else {
                "Explained the rules and the options to the resident".into()
            },
            work_project_id: None,
        },
    )?;
    let (resolution, satisfaction) = if path == RequestPath::Reopened {
        (FollowUpResolution::NotResolved, Satisfaction::Dissatisfied)
    } else {
        (FollowUpResolution::Resolved, Satisfaction::Satisfied)
    };
    run(
        demo,
        a.clerk,
        resolved.plus_days(3),
        RequestCommand::FollowUp {
            resolution,
            satisfaction,
            note: String::new(),
        },
    )?;
    run(demo, a.clerk, resolved.plus_days(4), RequestCommand::Close)?;
    if path == RequestPath::Reopened {
        let reopened = resolved.plus_days(6);
        run(
            demo,
            a.clerk,
            reopened,
            RequestCommand::Reopen {
                reason: "The resident reports the problem is back".into(),
            },
        )?;
        run(
            demo,
            a.clerk,
            reopened.plus_hours(1),
            RequestCommand::Dispatch {
                organisation_id: case.responsible,
                response_due_at: None,
                due_at: None,
            },
        )?;
        run(
            demo,
            case.responder,
            reopened.plus_days(1),
            RequestCommand::Resolve {
                outcome: Outcome::Fixed,
                note: "Repaired properly this time".into(),
                work_project_id: None,
            },
        )?;
        run(
            demo,
            a.clerk,
            reopened.plus_days(3),
            RequestCommand::FollowUp {
                resolution: FollowUpResolution::Resolved,
                satisfaction: Satisfaction::BasicallySatisfied,
                note: String::new(),
            },
        )?;
        run(demo, a.clerk, reopened.plus_days(4), RequestCommand::Close)?;
    }
    Ok(ids)
}

fn run_mediation(
    demo: &mut Demo<'_>,
    world: &World,
    index: usize,
    registered: Timestamp,
) -> Result<MediationId, DemoError> {
    let mediator = world.actors.mediator;
    let mediation_id = MediationId(demo.uuid(registered));
    let run = |demo: &mut Demo<'_>, when: Timestamp, command: MediationCommand| {
        demo.run(
            mediator,
            when,
            Command::Mediation {
                mediation_id,
                command,
            },
        )
    };
    let first = *demo.rng().pick(&world.owners);
    let second = *demo.rng().pick(&world.owners);
    let parties = if first.0 == second.0 {
        vec![first.0]
    } else {
        vec![first.0, second.0]
    };
    let (dispute_type, summary) = *demo.rng().pick(&[
        (
            DisputeType::WaterLeak,
            "Water from the upper flat damages the ceiling below; repair costs disputed.",
        ),
        (
            DisputeType::DogKeeping,
            "A dog barks at night and frightened a child; the neighbours quarrel.",
        ),
        (
            DisputeType::Parking,
            "Two neighbours both claim the same parking space.",
        ),
        (
            DisputeType::Noise,
            "Renovation noise outside permitted hours.",
        ),
    ]);
    let (source, referred_by) = if index % 4 == 2 {
        (
            MediationSource::PoliceReferral,
            Some(world.organisations.police_station),
        )
    } else {
        (MediationSource::PartyApplication, None)
    };
    run(
        demo,
        registered,
        MediationCommand::Register {
            source,
            referred_by_organisation_id: referred_by,
            mediation_committee_id: world.organisations.mediation_committee,
            dispute_type,
            parties: parties.clone(),
            summary: summary.into(),
            location: Location {
                compound_id: Some(world.sun_coast),
                building_id: Some(first.2),
                unit_id: None,
                grid_id: Some(world.sun_coast_grid),
            },
        },
    )?;
    let archive = |demo: &mut Demo<'_>, when: Timestamp| {
        let reference = format!("WH-MED-{}-{:02}", when.civil_date().year, index + 1);
        run(
            demo,
            when,
            MediationCommand::Archive {
                archive_reference: reference,
            },
        )
    };
    if index == 3 {
        run(
            demo,
            registered.plus_days(1),
            MediationCommand::Decline {
                reason: "One party refused mediation and has filed suit".into(),
            },
        )?;
        archive(demo, registered.plus_days(2))?;
        return Ok(mediation_id);
    }
    run(
        demo,
        registered.plus_hours(4),
        MediationCommand::Accept {
            mediator_account_id: mediator.account_id,
        },
    )?;
    let sessions = 1 + (index % 3) as i64;
    for n in 0..sessions {
        run(
            demo,
            registered.plus_days(3 + n * 6),
            MediationCommand::RecordSession {
                attending_parties: parties.clone(),
                record: format!(
                    "Session {}: both sides heard; the mediator explained the rules.",
                    n + 1
                ),
            },
        )?;
    }
    let decided = registered.plus_days(4 + sessions * 6);
    if index == 7 {
        return Ok(mediation_id); // still being mediated at the end of 2021
    }
    if index == 5 {
        run(
            demo,
            decided,
            MediationCommand::RecordFailure {
                reason: "No agreement on the amount; the parties were told they may go to court"
                    .into(),
            },
        )?;
        archive(demo, decided.plus_days(2))?;
        return Ok(mediation_id);
    }
    run(
        demo,
        decided,
        MediationCommand::RecordAgreement {
            form: if index % 2 == 0 {
                AgreementForm::Written
            } else {
                AgreementForm::Oral
            },
            terms:
                "The responsible party repairs the damage within 15 days and pays the agreed costs."
                    .into(),
        },
    )?;
    if index == 6 {
        return Ok(mediation_id); // agreed; performance not yet followed up
    }
    run(
        demo,
        decided.plus_days(20),
        MediationCommand::FollowUpPerformance {
            performance: if index == 4 {
                Performance::PartlyPerformed
            } else {
                Performance::Performed
            },
            note: String::new(),
        },
    )?;
    archive(demo, decided.plus_days(22))?;
    Ok(mediation_id)
}

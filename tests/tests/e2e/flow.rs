//! The whole life of a repair, through `executeCommand` with each actor's own token: a
//! resident's request, the Party committee's resolution authorising a work project, the
//! property company's works, the inspection, the resolution and the follow-up. After every
//! step the case is read back with the step's consistency token.

use govledger_core::domain::command::Command;
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use govledger_core::domain::ids::{
    AccountId, BuildingId, CompoundId, DecisionId, GridId, OrganisationId, PersonId, RequestId,
    UnitId, WorkProjectId,
};
use govledger_core::domain::location::Location;
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::time::Timestamp;
use govledger_tests::e2e::{Backend, Cast, Member, Places, World};
use serde_json::json;
use uuid::Uuid;

const BUDGET_CENTS: i64 = 25_600_000;
const DOORS: i64 = 16;

/// The cases of one repair.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Repair {
    pub(crate) request_id: Uuid,
    pub(crate) decision_id: Uuid,
    pub(crate) work_project_id: Uuid,
}

impl Repair {
    pub(crate) fn new() -> Repair {
        Repair {
            request_id: Uuid::now_v7(),
            decision_id: Uuid::now_v7(),
            work_project_id: Uuid::now_v7(),
        }
    }
}

/// A resident's complaint about the unit door, received in the name of `requester_id`,
/// located in the compound's building (and at `unit_id` when given).
pub(crate) fn receive(
    world: &World,
    request_id: Uuid,
    requester_id: Option<PersonId>,
    unit_id: Option<Uuid>,
) -> Command {
    receive_in(world.places, request_id, requester_id, unit_id)
}

/// [`receive`], given only where things are (a writer task holds no `World`).
pub(crate) fn receive_in(
    p: Places,
    request_id: Uuid,
    requester_id: Option<PersonId>,
    unit_id: Option<Uuid>,
) -> Command {
    Command::Request {
        request_id: RequestId(request_id),
        command: RequestCommand::Receive {
            kind: RequestKind::Complaint,
            category: RequestCategory::Security,
            description: "The unit entrance door does not close; strangers walk in.".into(),
            requester_id,
            location: Location {
                compound_id: Some(CompoundId(p.compound_id)),
                building_id: Some(BuildingId(p.building_id)),
                unit_id: unit_id.map(UnitId),
                grid_id: Some(GridId(p.grid_id)),
            },
            channel: Channel::ServiceStation,
        },
    }
}

/// Which case a step changes, as the `case` query names it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CaseRef {
    Request,
    Decision,
    WorkProject,
}

impl CaseRef {
    fn kind(self) -> &'static str {
        match self {
            CaseRef::Request => "REQUEST",
            CaseRef::Decision => "DECISION",
            CaseRef::WorkProject => "WORK_PROJECT",
        }
    }

    fn id(self, repair: &Repair) -> Uuid {
        match self {
            CaseRef::Request => repair.request_id,
            CaseRef::Decision => repair.decision_id,
            CaseRef::WorkProject => repair.work_project_id,
        }
    }
}

/// One step: who sends what, and the case status it leads to.
pub(crate) struct Step {
    pub(crate) actor: fn(&Cast) -> &Member,
    pub(crate) command: Command,
    pub(crate) case: CaseRef,
    pub(crate) status: &'static str,
    /// The event types the step appends, in order.
    pub(crate) events: &'static [&'static str],
}

/// Every step of the repair, in order.
pub(crate) fn repair_steps(world: &World, repair: &Repair) -> Vec<Step> {
    let o = world.organisations;
    let p = world.places;
    let c = &world.cast;
    let now = Timestamp::now();
    let request = |command| Command::Request {
        request_id: RequestId(repair.request_id),
        command,
    };
    let work = |command| Command::WorkProject {
        work_project_id: WorkProjectId(repair.work_project_id),
        command,
    };
    let decision = |command| Command::Decision {
        decision_id: DecisionId(repair.decision_id),
        command,
    };
    let doors = vec![Quantity::new(DOORS, QuantityUnit::UnitDoor)];
    let step = |actor: fn(&Cast) -> &Member,
                command: Command,
                case: CaseRef,
                status: &'static str,
                events: &'static [&'static str]| Step {
        actor,
        command,
        case,
        status,
        events,
    };
    use CaseRef::{Decision, Request, WorkProject};
    vec![
        step(
            |c| &c.resident,
            receive(
                world,
                repair.request_id,
                c.resident.person_id.map(PersonId),
                None,
            ),
            Request,
            "received",
            &["RequestReceived"],
        ),
        step(
            |c| &c.clerk,
            request(RequestCommand::Accept { category: None }),
            Request,
            "accepted",
            &["RequestAccepted"],
        ),
        step(
            |c| &c.clerk,
            request(RequestCommand::Dispatch {
                organisation_id: OrganisationId(o.property_company),
                response_due_at: None,
                due_at: Some(now.plus_days(90)),
            }),
            Request,
            "dispatched",
            &["RequestDispatched"],
        ),
        step(
            |c| &c.dispatcher,
            request(RequestCommand::StartWork {
                assignee_account_id: Some(AccountId(c.dispatcher.account_id)),
            }),
            Request,
            "in_progress",
            &["RequestWorkStarted"],
        ),
        step(
            |c| &c.party_member,
            work(WorkProjectCommand::Propose {
                category: WorkCategory::UnitDoorReplacement,
                title: "Replace all 16 unit doors".into(),
                description: "Access-controlled doors at every unit entrance.".into(),
                compound_id: CompoundId(p.compound_id),
                building_ids: vec![BuildingId(p.building_id)],
                unit_ids: Vec::new(),
                planned_quantities: doors.clone(),
                linked_request_ids: vec![RequestId(repair.request_id)],
            }),
            WorkProject,
            "proposed",
            &["WorkProjectProposed"],
        ),
        step(
            |c| &c.party_member,
            decision(DecisionCommand::Propose {
                body_organisation_id: OrganisationId(o.party_committee),
                matter: DecisionMatter::BodyResolution,
                title: "Fund the unit doors from the district programme".into(),
                text: "The committee asks the district programme to pay for 16 doors.".into(),
                authorisations: vec![Authorisation {
                    work_project_id: WorkProjectId(repair.work_project_id),
                    funding_source: FundingSource::Government,
                    budget_cents_max: BUDGET_CENTS,
                }],
                linked_request_ids: vec![RequestId(repair.request_id)],
            }),
            Decision,
            "proposed",
            &["DecisionProposed"],
        ),
        step(
            |c| &c.party_member,
            decision(DecisionCommand::OpenVoting {
                closes_at: now.plus_days(7),
            }),
            Decision,
            "voting",
            &["DecisionVotingOpened"],
        ),
        step(
            |c| &c.party_member,
            decision(DecisionCommand::CastBallot {
                ballot_for: BallotFor::Member {
                    account_id: AccountId(c.party_member.account_id),
                },
                choice: BallotChoice::For,
            }),
            Decision,
            "voting",
            &["DecisionBallotCast"],
        ),
        step(
            |c| &c.party_member,
            decision(DecisionCommand::Tally),
            Decision,
            "adopted",
            &["DecisionTallied", "DecisionAdopted"],
        ),
        step(
            |c| &c.party_member,
            decision(DecisionCommand::Publish {
                notice: "Posted on the Sun Coast notice boards".into(),
            }),
            Decision,
            "adopted",
            &["DecisionPublished"],
        ),
        step(
            |c| &c.party_member,
            work(WorkProjectCommand::Approve {
                decision_id: DecisionId(repair.decision_id),
                funding_source: FundingSource::Government,
                budget_cents: BUDGET_CENTS,
            }),
            WorkProject,
            "approved",
            &["WorkProjectApproved"],
        ),
        step(
            |c| &c.dispatcher,
            work(WorkProjectCommand::Contract {
                contractor_organisation_id: OrganisationId(o.property_company),
                contract_reference: "SC-2026-016".into(),
                contract_amount_cents: BUDGET_CENTS - 640_000,
                planned_completion_at: now.plus_days(30),
            }),
            WorkProject,
            "contracted",
            &["WorkProjectContracted"],
        ),
        step(
            |c| &c.dispatcher,
            work(WorkProjectCommand::Start),
            WorkProject,
            "in_progress",
            &["WorkProjectStarted"],
        ),
        step(
            |c| &c.dispatcher,
            work(WorkProjectCommand::Complete {
                actual_quantities: doors,
                cost_cents: BUDGET_CENTS - 640_000,
            }),
            WorkProject,
            "completed",
            &["WorkProjectCompleted"],
        ),
        step(
            |c| &c.inspector,
            work(WorkProjectCommand::PassInspection {
                report: "Sixteen doors fitted, locks and closers working.".into(),
                warranty_months: 24,
            }),
            WorkProject,
            "under_warranty",
            &["WorkProjectInspectionPassed"],
        ),
        step(
            |c| &c.dispatcher,
            request(RequestCommand::Resolve {
                outcome: Outcome::Fixed,
                note: "Fixed by the unit-door works.".into(),
                work_project_id: Some(WorkProjectId(repair.work_project_id)),
            }),
            Request,
            "resolved",
            &["RequestResolved"],
        ),
        step(
            |c| &c.clerk,
            request(RequestCommand::FollowUp {
                resolution: FollowUpResolution::Resolved,
                satisfaction: Satisfaction::Satisfied,
                note: String::new(),
            }),
            Request,
            "followed_up",
            &["RequestFollowedUp"],
        ),
        step(
            |c| &c.clerk,
            request(RequestCommand::Close),
            Request,
            "closed",
            &["RequestClosed"],
        ),
    ]
}

const CASE_STATUS: &str = "query($kind: CaseKind!, $id: ID!, $consistency: Int64) { \
     case(kind: $kind, id: $id, consistency: $consistency) { status lastPosition } }";

/// Sends one step and reads its case back at the step's consistency token.
async fn check(world: &World, repair: &Repair, step: &Step) -> u64 {
    let actor = (step.actor)(&world.cast);
    let executed = world
        .client(actor)
        .execute(&step.command, &Uuid::now_v7().to_string())
        .await;
    let payload = executed.payload();
    assert_eq!(
        payload["userErrors"],
        json!([]),
        "{} by {:?}: {}",
        step.command.name(),
        actor.role,
        executed.body
    );
    let positions = payload["positions"].as_array().expect("positions");
    assert_eq!(positions.len(), step.events.len(), "{}", executed.body);
    let consistency = executed.consistency();
    let read = world
        .client(&world.cast.auditor)
        .data(
            CASE_STATUS,
            json!({
                "kind": step.case.kind(),
                "id": step.case.id(repair),
                "consistency": consistency,
            }),
        )
        .await;
    assert_eq!(
        read["case"]["status"],
        step.status,
        "after {}: {read}",
        step.command.name()
    );
    assert_eq!(read["case"]["lastPosition"], consistency, "{read}");
    consistency
}

/// Runs every step of a repair; returns the last consistency token.
pub(crate) async fn run_repair(world: &World, repair: &Repair) -> u64 {
    let mut consistency = 0;
    for step in repair_steps(world, repair) {
        consistency = check(world, repair, &step).await;
    }
    consistency
}

async fn a_repair_runs_from_request_to_follow_up_and_reads_back_its_own_writes(backend: Backend) {
    let world = World::start_on(backend).await;
    let repair = Repair::new();
    let steps = repair_steps(&world, &repair);
    let expected_types: Vec<&str> = steps
        .iter()
        .flat_map(|s| s.events.iter().copied())
        .collect();
    let first = world.public().head_position().await + 1;
    let last = run_repair(&world, &repair).await;

    let auditor = world.client(&world.cast.auditor);
    let events = auditor
        .data(
            "query($from: Int64!) { events(first: 100, filter: { fromPosition: $from }) { \
             totalCount nodes { eventType } } }",
            json!({ "from": first }),
        )
        .await;
    let types: Vec<&str> = events["events"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["eventType"].as_str())
        .collect();
    assert_eq!(types, expected_types);
    assert_eq!(last - first + 1, expected_types.len() as u64);

    check_trace(&world, &repair, last).await;
    check_metrics(&world, last).await;
}

/// The approval traces back to the decision and to the resident's request.
async fn check_trace(world: &World, repair: &Repair, consistency: u64) {
    let auditor = world.client(&world.cast.auditor);
    let history = auditor
        .data(
            "query($id: ID!, $c: Int64) { caseHistory(kind: WORK_PROJECT, id: $id, consistency: $c) \
             { totalCount nodes { eventId eventType } } }",
            json!({ "id": repair.work_project_id, "c": consistency }),
        )
        .await;
    let approved = history["caseHistory"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["eventType"] == "WorkProjectApproved")
        .unwrap_or_else(|| panic!("no approval in {history}"))["eventId"]
        .clone();
    let trace = auditor
        .data(
            "query($id: ID!) { decisionTrace(eventId: $id) { cases { kind caseId isOrigin } } }",
            json!({ "id": approved }),
        )
        .await;
    let cases = trace["decisionTrace"]["cases"].as_array().expect("cases");
    let traced = |kind: &str, id: Uuid| {
        cases
            .iter()
            .find(|c| c["kind"] == kind && c["caseId"] == id.to_string())
            .unwrap_or_else(|| panic!("{kind} {id} is not in the trace {trace}"))
    };
    assert_eq!(traced("REQUEST", repair.request_id)["isOrigin"], true);
    traced("DECISION", repair.decision_id);
    traced("WORK_PROJECT", repair.work_project_id);
}

/// This year's metrics count the request as closed and fixed, with a satisfied follow-up,
/// and the 16 doors as delivered.
async fn check_metrics(world: &World, consistency: u64) {
    let year = Timestamp::now().civil_date().year;
    let metrics = world
        .public()
        .data(
            "query($year: Int!, $c: Int64) { metrics(period: { year: $year }, consistency: $c) { \
             requests { received closed closedFixed satisfactionRate { numerator denominator } } \
             works { completed quantities { unit planned delivered } } } }",
            json!({ "year": year, "c": consistency }),
        )
        .await;
    let requests = &metrics["metrics"]["requests"];
    assert_eq!(requests["received"], 1, "{metrics}");
    assert_eq!(requests["closed"], 1, "{metrics}");
    assert_eq!(requests["closedFixed"], 1, "{metrics}");
    assert_eq!(
        requests["satisfactionRate"],
        json!({ "numerator": 1, "denominator": 1 }),
        "{metrics}"
    );
    assert_eq!(metrics["metrics"]["works"]["completed"], 1, "{metrics}");
}

async fn a_retried_command_with_the_same_idempotency_key_appends_nothing(backend: Backend) {
    let world = World::start_on(backend).await;
    let repair = Repair::new();
    let receive = repair_steps(&world, &repair).remove(0);
    let resident = world.client(&world.cast.resident);
    let key = "resident-door-complaint-1";
    let first = resident.execute(&receive.command, key).await;
    let head = resident.head_position().await;
    let retry = resident.execute(&receive.command, key).await;
    assert_eq!(retry.payload()["replayed"], true, "{}", retry.body);
    assert_eq!(
        retry.payload()["positions"],
        first.payload()["positions"],
        "{}",
        retry.body
    );
    assert_eq!(resident.head_position().await, head);
}

govledger_tests::on_both_backends!(
    a_repair_runs_from_request_to_follow_up_and_reads_back_its_own_writes,
    a_retried_command_with_the_same_idempotency_key_appends_nothing,
);

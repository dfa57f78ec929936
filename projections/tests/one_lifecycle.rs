//! One lifecycle: every event type of each case kind, replayed through the domain aggregate
//! (`Folded`) and through the cases read model, leaves the case with the same status.
//!
//! Each case below walks a path of its kind's lifecycle; together the paths use every event
//! type of the kind's catalogue (checked), and after every event the view's status must be
//! the aggregate's.

mod support;

use std::collections::BTreeSet;

use govledger_core::domain::aggregate::{Aggregate, Folded};
use govledger_core::domain::decision::Decision;
use govledger_core::domain::decision::events::*;
use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::decision::vocabulary::{
    BallotChoice, DecisionFailure, DecisionMatter, Electorate, Voter, VotingRule,
};
use govledger_core::domain::event::{
    DecisionEvent, DomainEvent, MediationEvent, RequestEvent, WorkProjectEvent,
};
use govledger_core::domain::ids::{
    AccountId, CompoundId, DecisionId, MediationId, OrganisationId, PersonId, RequestId,
    WorkProjectId,
};
use govledger_core::domain::lifecycle::case_status_after;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::Mediation;
use govledger_core::domain::mediation::events::*;
use govledger_core::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::ServiceRequest;
use govledger_core::domain::request::events::*;
use govledger_core::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use govledger_core::domain::role::OrganisationKind;
use govledger_core::domain::streams::StreamRef;
use govledger_core::domain::work_project::WorkProject;
use govledger_core::domain::work_project::events::*;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::time::Timestamp;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::read_api::ReadApi;
use support::domain::{actor, at, id};
use support::{Ledger, WAIT};
use uuid::Uuid;

/// Appends `events` of one case in order; after each, the read model's status must equal
/// the status of the aggregate folded from the same events (and `case_status_after`'s, when
/// the event sets one). Returns the event types replayed.
async fn check<A: Aggregate>(
    ledger: &Ledger,
    api: &ReadApi,
    (kind, case_id, stream): (CaseKind, Uuid, StreamRef),
    events: Vec<DomainEvent>,
    status_of: fn(&A) -> &'static str,
) -> Vec<&'static str> {
    let who = actor(id(900), "station_clerk", Some(id(901)));
    let mut folded = Folded::<A>::default();
    let mut replayed = Vec::new();
    for (n, event) in events.into_iter().enumerate() {
        let hours = i64::try_from(n).expect("a short path");
        let recorded = ledger.record(stream, event.clone(), at(2021, 3, 1, hours), &who, None);
        folded.push(recorded.event_id, &event);
        api.wait_until(ledger.head(), WAIT)
            .await
            .expect("caught up");
        let view = api
            .case(kind, case_id)
            .expect("readable")
            .expect("the case exists");
        let domain = status_of(&folded.state);
        assert_eq!(
            view.status,
            domain,
            "{} {case_id} after {}",
            kind.as_str(),
            event.event_type()
        );
        if let Some(named) = case_status_after(&event) {
            assert_eq!(named, domain, "case_status_after({})", event.event_type());
        }
        replayed.push(event.event_type());
    }
    replayed
}

/// Every event type of a catalogue appears among `replayed`.
fn assert_covers(catalogue: &[(&'static str, u16)], replayed: &[&'static str]) {
    let replayed: BTreeSet<_> = replayed.iter().copied().collect();
    let missing: Vec<_> = catalogue
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !replayed.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "event types never replayed: {missing:?}"
    );
}

fn location() -> Location {
    Location {
        compound_id: Some(CompoundId(id(2))),
        building_id: None,
        unit_id: None,
        grid_id: None,
    }
}

fn day(d: u8) -> Timestamp {
    at(2021, 4, d, 0)
}

fn request_path(n: u128, ends: &[RequestEvent]) -> (Uuid, Vec<DomainEvent>) {
    let request_id = RequestId(id(n));
    let mut events = vec![RequestEvent::RequestReceived(RequestReceived {
        request_id,
        kind: RequestKind::Complaint,
        category: RequestCategory::Repair,
        description: "the unit door is broken".into(),
        requester_id: None,
        location: location(),
        received_by_organisation_id: None,
        channel: Channel::ServiceStation,
    })];
    events.extend(ends.iter().cloned());
    (request_id.0, events.into_iter().map(Into::into).collect())
}

fn request_paths() -> Vec<(Uuid, Vec<DomainEvent>)> {
    let company = OrganisationId(id(10));
    let r = |n| RequestId(id(n));
    let dispatched = |n| {
        RequestEvent::RequestDispatched(RequestDispatched {
            request_id: r(n),
            organisation_id: company,
            category: RequestCategory::Repair,
            response_due_at: day(2),
            due_at: day(5),
        })
    };
    let accepted = |n| {
        RequestEvent::RequestAccepted(RequestAccepted {
            request_id: r(n),
            category: RequestCategory::Repair,
        })
    };
    vec![
        request_path(
            100,
            &[
                accepted(100),
                dispatched(100),
                RequestEvent::RequestSentBack(RequestSentBack {
                    request_id: r(100),
                    organisation_id: company,
                    reason: "not ours".into(),
                }),
                dispatched(100),
                RequestEvent::RequestEscalated(RequestEscalated {
                    request_id: r(100),
                    organisation_id: company,
                    missed_due_at: day(5),
                    escalated_to_organisation_id: OrganisationId(id(11)),
                    new_due_at: day(9),
                    escalation_level: 1,
                }),
                RequestEvent::RequestWorkStarted(RequestWorkStarted {
                    request_id: r(100),
                    organisation_id: company,
                    assignee_account_id: None,
                }),
                RequestEvent::RequestResolved(RequestResolved {
                    request_id: r(100),
                    organisation_id: company,
                    outcome: Outcome::Fixed,
                    note: String::new(),
                    work_project_id: None,
                }),
                RequestEvent::RequestFollowedUp(RequestFollowedUp {
                    request_id: r(100),
                    resolution: FollowUpResolution::Resolved,
                    satisfaction: Satisfaction::Satisfied,
                    note: String::new(),
                }),
                RequestEvent::RequestClosed(RequestClosed {
                    request_id: r(100),
                    outcome: Outcome::Fixed,
                }),
                RequestEvent::RequestReopened(RequestReopened {
                    request_id: r(100),
                    reason: "broken again".into(),
                }),
            ],
        ),
        request_path(
            101,
            &[RequestEvent::RequestRejected(RequestRejected {
                request_id: r(101),
                reason: "not a request".into(),
            })],
        ),
        request_path(
            102,
            &[
                accepted(102),
                RequestEvent::RequestMerged(RequestMerged {
                    request_id: r(102),
                    into_request_id: r(100),
                }),
            ],
        ),
    ]
}

fn work_path(n: u128, ends: &[WorkProjectEvent]) -> (Uuid, Vec<DomainEvent>) {
    let work_project_id = WorkProjectId(id(n));
    let mut events = vec![WorkProjectEvent::WorkProjectProposed(WorkProjectProposed {
        work_project_id,
        category: WorkCategory::UnitDoorReplacement,
        title: "Unit doors".into(),
        description: "Replace the unit doors of building 1.".into(),
        compound_id: CompoundId(id(2)),
        building_ids: Vec::new(),
        unit_ids: Vec::new(),
        planned_quantities: vec![quantity(16)],
        linked_request_ids: Vec::new(),
        proposed_by_organisation_id: OrganisationId(id(11)),
    })];
    events.extend(ends.iter().cloned());
    (
        work_project_id.0,
        events.into_iter().map(Into::into).collect(),
    )
}

fn quantity(amount: i64) -> Quantity {
    Quantity {
        amount,
        unit: QuantityUnit::Piece,
    }
}

fn work_paths() -> Vec<(Uuid, Vec<DomainEvent>)> {
    let w = |n| WorkProjectId(id(n));
    let inspector = AccountId(id(21));
    let completed = || {
        WorkProjectEvent::WorkProjectCompleted(WorkProjectCompleted {
            work_project_id: w(200),
            actual_quantities: vec![quantity(16)],
            cost_cents: 1_000_000,
        })
    };
    vec![
        work_path(
            200,
            &[
                WorkProjectEvent::WorkProjectApproved(WorkProjectApproved {
                    work_project_id: w(200),
                    decision_id: DecisionId(id(400)),
                    funding_source: FundingSource::MaintenanceFund,
                    budget_cents: 2_000_000,
                }),
                WorkProjectEvent::WorkProjectContracted(WorkProjectContracted {
                    work_project_id: w(200),
                    contractor_organisation_id: OrganisationId(id(12)),
                    contract_reference: "C-1".into(),
                    contract_amount_cents: 1_500_000,
                    planned_completion_at: day(20),
                }),
                WorkProjectEvent::WorkProjectStarted(WorkProjectStarted {
                    work_project_id: w(200),
                }),
                WorkProjectEvent::WorkProjectProgressRecorded(WorkProjectProgressRecorded {
                    work_project_id: w(200),
                    milestone: "half the doors".into(),
                    percent_complete: 50,
                    quantities_done: vec![quantity(8)],
                }),
                completed(),
                WorkProjectEvent::WorkProjectInspectionFailed(WorkProjectInspectionFailed {
                    work_project_id: w(200),
                    inspector_account_id: inspector,
                    defects: "two locks stick".into(),
                }),
                completed(),
                WorkProjectEvent::WorkProjectInspectionPassed(WorkProjectInspectionPassed {
                    work_project_id: w(200),
                    inspector_account_id: inspector,
                    report: "all doors working".into(),
                    warranty_months: 24,
                    warranty_ends_at: at(2023, 4, 1, 0),
                }),
                WorkProjectEvent::WorkProjectWarrantyClaimRaised(WorkProjectWarrantyClaimRaised {
                    work_project_id: w(200),
                    claim_number: 1,
                    description: "a closer leaks oil".into(),
                    linked_request_id: None,
                }),
                WorkProjectEvent::WorkProjectWarrantyClaimSettled(
                    WorkProjectWarrantyClaimSettled {
                        work_project_id: w(200),
                        claim_number: 1,
                        note: String::new(),
                    },
                ),
                WorkProjectEvent::WorkProjectClosed(WorkProjectClosed {
                    work_project_id: w(200),
                }),
            ],
        ),
        work_path(
            201,
            &[WorkProjectEvent::WorkProjectCancelled(
                WorkProjectCancelled {
                    work_project_id: w(201),
                    reason: "no funds".into(),
                },
            )],
        ),
    ]
}

fn mediation_path(n: u128, ends: &[MediationEvent]) -> (Uuid, Vec<DomainEvent>) {
    let mediation_id = MediationId(id(n));
    let mut events = vec![MediationEvent::MediationRegistered(MediationRegistered {
        mediation_id,
        source: MediationSource::PartyApplication,
        referred_by_organisation_id: None,
        mediation_committee_id: OrganisationId(id(13)),
        dispute_type: DisputeType::WaterLeak,
        parties: vec![PersonId(id(70)), PersonId(id(71))],
        summary: "water through the ceiling".into(),
        location: location(),
    })];
    events.extend(ends.iter().cloned());
    (mediation_id.0, events.into_iter().map(Into::into).collect())
}

fn mediation_paths() -> Vec<(Uuid, Vec<DomainEvent>)> {
    let m = |n| MediationId(id(n));
    let mediator = AccountId(id(22));
    let opened = |n| {
        [
            MediationEvent::MediationAccepted(MediationAccepted {
                mediation_id: m(n),
                mediator_account_id: mediator,
                target_finish_at: day(30),
            }),
            MediationEvent::MediationSessionHeld(MediationSessionHeld {
                mediation_id: m(n),
                session_number: 1,
                mediator_account_id: mediator,
                attending_parties: vec![PersonId(id(70)), PersonId(id(71))],
                record: "both heard".into(),
            }),
        ]
    };
    let agreed = [
        MediationEvent::MediationAgreementReached(MediationAgreementReached {
            mediation_id: m(300),
            form: AgreementForm::Written,
            terms: "the upstairs owner repairs the pipe".into(),
            court_confirmation_deadline_at: day(30),
        }),
        MediationEvent::MediationPerformanceFollowedUp(MediationPerformanceFollowedUp {
            mediation_id: m(300),
            performance: Performance::Performed,
            note: String::new(),
        }),
        MediationEvent::MediationArchived(MediationArchived {
            mediation_id: m(300),
            archive_reference: "2021-M-1".into(),
        }),
    ];
    let failed = [MediationEvent::MediationFailed(MediationFailed {
        mediation_id: m(302),
        reason: "no agreement".into(),
    })];
    vec![
        mediation_path(300, &[opened(300).as_slice(), &agreed].concat()),
        mediation_path(
            301,
            &[MediationEvent::MediationDeclined(MediationDeclined {
                mediation_id: m(301),
                reason: "a court case is pending".into(),
            })],
        ),
        mediation_path(302, &[opened(302).as_slice(), &failed].concat()),
    ]
}

fn decision_path(n: u128, ends: &[DecisionEvent]) -> (Uuid, Vec<DomainEvent>) {
    let decision_id = DecisionId(id(n));
    let mut events = vec![DecisionEvent::DecisionProposed(DecisionProposed {
        decision_id,
        body_organisation_id: OrganisationId(id(11)),
        body_kind: OrganisationKind::OwnersCommittee,
        matter: DecisionMatter::BodyResolution,
        voting_rule: VotingRule::MembersMajority,
        title: "Door works".into(),
        text: "The committee backs the door works.".into(),
        compound_id: Some(CompoundId(id(2))),
        authorisations: Vec::new(),
        linked_request_ids: Vec::new(),
    })];
    events.extend(ends.iter().cloned());
    (decision_id.0, events.into_iter().map(Into::into).collect())
}

fn decision_paths() -> Vec<(Uuid, Vec<DomainEvent>)> {
    let d = |n| DecisionId(id(n));
    let voted = |n| {
        [
            DecisionEvent::DecisionVotingOpened(DecisionVotingOpened {
                decision_id: d(n),
                electorate: Electorate {
                    area_dm2: 0,
                    heads: 1,
                },
                closes_at: day(10),
            }),
            DecisionEvent::DecisionBallotCast(DecisionBallotCast {
                decision_id: d(n),
                voter: Voter::Member {
                    account_id: AccountId(id(23)),
                },
                area_dm2: 0,
                choice: BallotChoice::For,
            }),
            DecisionEvent::DecisionTallied(DecisionTallied {
                decision_id: d(n),
                tally: Tally {
                    electorate_heads: 1,
                    participating_heads: 1,
                    for_heads: 1,
                    ..Tally::default()
                },
            }),
        ]
    };
    let adopted = [
        DecisionEvent::DecisionAdopted(DecisionAdopted {
            decision_id: d(400),
        }),
        DecisionEvent::DecisionPublished(DecisionPublished {
            decision_id: d(400),
            notice: "posted at the gate".into(),
        }),
    ];
    let failed = [DecisionEvent::DecisionFailed(DecisionFailed {
        decision_id: d(401),
        failure: DecisionFailure::MajorityNotReached,
    })];
    vec![
        decision_path(400, &[voted(400).as_slice(), &adopted].concat()),
        decision_path(401, &[voted(401).as_slice(), &failed].concat()),
        decision_path(
            402,
            &[DecisionEvent::DecisionWithdrawn(DecisionWithdrawn {
                decision_id: d(402),
                reason: "superseded".into(),
            })],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_leaves_the_view_in_the_domains_status() {
    let ledger = Ledger::new();
    let api = ledger.open_read_api(64);

    let mut replayed = Vec::new();
    for (case_id, events) in request_paths() {
        let case = (
            CaseKind::Request,
            case_id,
            StreamRef::Request(RequestId(case_id)),
        );
        let status = |r: &ServiceRequest| r.status.as_str();
        replayed.extend(check(&ledger, &api, case, events, status).await);
    }
    assert_covers(RequestEvent::CATALOGUE, &replayed);

    let mut replayed = Vec::new();
    for (case_id, events) in work_paths() {
        let stream = StreamRef::WorkProject(WorkProjectId(case_id));
        let case = (CaseKind::WorkProject, case_id, stream);
        let status = |w: &WorkProject| w.status.as_str();
        replayed.extend(check(&ledger, &api, case, events, status).await);
    }
    assert_covers(WorkProjectEvent::CATALOGUE, &replayed);

    let mut replayed = Vec::new();
    for (case_id, events) in mediation_paths() {
        let stream = StreamRef::Mediation(MediationId(case_id));
        let case = (CaseKind::Mediation, case_id, stream);
        let status = |m: &Mediation| m.status.as_str();
        replayed.extend(check(&ledger, &api, case, events, status).await);
    }
    assert_covers(MediationEvent::CATALOGUE, &replayed);

    let mut replayed = Vec::new();
    for (case_id, events) in decision_paths() {
        let stream = StreamRef::Decision(DecisionId(case_id));
        let case = (CaseKind::Decision, case_id, stream);
        let status = |d: &Decision| d.status.as_str();
        replayed.extend(check(&ledger, &api, case, events, status).await);
    }
    assert_covers(DecisionEvent::CATALOGUE, &replayed);
}

//! The domain read models on the hand-built Sun Coast scenario (`support/scenario.rs`):
//! metrics equal the numbers worked out by hand below; cases filter and page; the directory,
//! the audit activity and the decision trace answer who did what on whose decision.

mod support;

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::RequestEvent;
use govledger_core::domain::ids::{MediationId, RequestId, WorkProjectId};
use govledger_core::domain::quantity::{Quantity, QuantityUnit};
use govledger_core::domain::request::events::RequestReopened;
use govledger_core::domain::request::vocabulary::RequestCategory;
use govledger_core::domain::streams::StreamRef;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::{CaseDetails, CaseKind};
use govledger_projections::metrics::query::Rate;
use govledger_projections::metrics::scope::{MetricsScope, Period};
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use support::domain::{actor, at, id};
use support::scenario::{self, Scenario};
use support::{Ledger, WAIT};

async fn scenario_read_models() -> (Ledger, Scenario, ReadApi) {
    let ledger = Ledger::new();
    let scenario = scenario::build(&ledger);
    let api = ledger.open_read_api(64);
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    (ledger, scenario, api)
}

fn rate(numerator: u64, denominator: u64) -> Rate {
    Rate::new(numerator, denominator)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_metrics_equal_the_hand_worked_figures() {
    let (_ledger, s, api) = scenario_read_models().await;
    let march = Period::Month {
        year: 2021,
        month: 3,
    };
    let m = api.metrics(&MetricsScope::All, march).unwrap().requests;
    // Received in March: R1 (03-01), R2 (03-02), R3 (03-10), R4 (03-15) = 4.
    assert_eq!(m.received, 4);
    // Dispatches in March: R1 once, R2 twice, R3 once = 4.
    assert_eq!(m.dispatched, 4);
    // First action by the response due time, per dispatch: R1 started 03-01 12:00 <= 03-02
    // (yes); R2 #1 sent back 03-04 > 03-03 (no); R2 #2 resolved 03-05 12:00 <= 03-06 (yes);
    // R3 never (no). 2 of 4.
    assert_eq!(m.response_rate, rate(2, 4));
    // Sent back: R2 #1 only. 1 of 4 dispatches.
    assert_eq!(m.send_back_rate, rate(1, 4));
    // Closed: R1 on 03-05 (due 03-08: on time), R2 on 03-20 (due 03-12: late). 1 of 2.
    assert_eq!(m.on_time_closure_rate, rate(1, 2));
    assert_eq!((m.closed, m.closed_fixed, m.closed_explained), (2, 1, 1));
    // Follow-ups: R1 resolved + satisfied, R2 not resolved + dissatisfied.
    assert_eq!(m.resolution_rate, rate(1, 2));
    assert_eq!(m.satisfaction_rate, rate(1, 2));
    // Reopened: R2 (03-21), against 2 closings.
    assert_eq!(m.reopen_rate, rate(1, 2));
    // R4 merged into R1: 1 of 4 received.
    assert_eq!(m.duplicate_share, rate(1, 4));
    // Time to close: R1 4 days = 345,600 s; R2 18 days = 1,555,200 s. Nearest rank over 2
    // samples: median rank ceil(1.0) = 1 -> 345,600; p90 rank ceil(1.8) = 2 -> 1,555,200.
    assert_eq!(m.time_to_close.sample_size, 2);
    assert_eq!(m.time_to_close.median_seconds, Some(345_600));
    assert_eq!(m.time_to_close.p90_seconds, Some(1_555_200));

    // The property company: every dispatch and closing was theirs; receipts are not
    // attributed to an organisation (nobody is responsible before dispatch).
    let company = MetricsScope::Organisation(s.property_company);
    let c = api.metrics(&company, march).unwrap().requests;
    assert_eq!((c.received, c.dispatched, c.closed), (0, 4, 2));
    assert_eq!(c.response_rate, rate(2, 4));
    // The first quarter holds March; April holds nothing of requests.
    let q1 = api
        .metrics(
            &MetricsScope::All,
            Period::Quarter {
                year: 2021,
                quarter: 1,
            },
        )
        .unwrap();
    assert_eq!(q1.requests, m);
    let april = api
        .metrics(
            &MetricsScope::All,
            Period::Month {
                year: 2021,
                month: 4,
            },
        )
        .unwrap();
    assert_eq!(april.requests.received, 0);

    // Overdue at 04-01: R3 (due 03-17, never acted on): 15 days = 360 hours. R2 was
    // reopened and awaits a new dispatch, so it has no due time.
    let backlog = api
        .overdue_backlog(&CaseFilter::kind(CaseKind::Request), at(2021, 4, 1, 0))
        .unwrap();
    assert_eq!(
        (
            backlog.count,
            backlog.max_overdue_hours,
            backlog.median_overdue_hours
        ),
        (1, 360, 360)
    );
    api.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mediation_work_and_decision_metrics_equal_the_hand_worked_figures() {
    let (_ledger, s, api) = scenario_read_models().await;
    let year = Period::Year { year: 2021 };
    let all = api.metrics(&MetricsScope::All, year).unwrap();
    // Mediations: M1 agreed on day 19 (within 30 days), M2 failed on day 45 (not).
    assert_eq!(all.mediations.registered, 2);
    assert_eq!(all.mediations.agreement_rate, rate(1, 2));
    assert_eq!(all.mediations.within_month_rate, rate(1, 2));
    assert_eq!(all.mediations.performance_rate, rate(1, 1));
    // March alone: only M1 concluded (03-20).
    let march = api
        .metrics(
            &MetricsScope::All,
            Period::Month {
                year: 2021,
                month: 3,
            },
        )
        .unwrap();
    assert_eq!(march.mediations.agreement_rate, rate(1, 1));

    // Works, in May (completion): 16 unit doors planned and delivered, 80,000.00 budget,
    // 76,000.00 spent; approved 04-10, completed 05-20 = 40 days.
    let may = api
        .metrics(
            &MetricsScope::Compound(s.sun_coast),
            Period::Month {
                year: 2021,
                month: 5,
            },
        )
        .unwrap()
        .works;
    assert_eq!(may.completed, 1);
    assert_eq!((may.budget_cents, may.cost_cents), (8_000_000, 7_600_000));
    assert_eq!(may.quantities.len(), 1);
    assert_eq!(
        (
            may.quantities[0].unit.as_str(),
            may.quantities[0].planned,
            may.quantities[0].delivered
        ),
        ("unit_door", 16, 16)
    );
    assert_eq!(may.decision_to_completion_days_total, 40);
    let contractor = api
        .metrics(&MetricsScope::Organisation(s.contractor), year)
        .unwrap()
        .works;
    assert_eq!(contractor.completed, 1);

    // Decision: 240,000 of 300,000 dm² and 24 of 30 heads took part; adopted 04-05,
    // published 04-06 (1 day).
    let d = api
        .metrics(&MetricsScope::Category("maintenance_fund_use".into()), year)
        .unwrap();
    assert_eq!(d.decisions.participation_by_area, rate(240_000, 300_000));
    assert_eq!(d.decisions.participation_by_head, rate(24, 30));
    assert_eq!((d.decisions.adopted, d.decisions.published), (1, 1));
    assert_eq!(d.decisions.decision_to_publication_days_total, 1);
    api.shutdown().await.unwrap();
}

/// Lists request ids (as scenario indexes R1..R4) for a filter, page by page.
fn check(
    api: &ReadApi,
    s: &Scenario,
    filter: CaseFilter,
    page_size: usize,
    expect: &[&str],
    total: u64,
) {
    let mut got = Vec::new();
    let mut page = PageRequest::first(page_size);
    loop {
        let result = api.cases(&filter, &page).unwrap();
        assert_eq!(result.total_count, total, "total of {filter:?}");
        assert!(result.items.len() <= page_size);
        for case in &result.items {
            let index = s.requests.iter().position(|r| *r == case.case_id).unwrap();
            got.push(format!("R{}", index + 1));
        }
        match result.next_cursor {
            Some(cursor) => page.after = Some(cursor),
            None => break,
        }
    }
    assert_eq!(got, expect, "cases of {filter:?}");
    // The same list read backwards, page by page from the end.
    let mut got_backwards = Vec::new();
    let mut page = PageRequest::last(page_size);
    loop {
        let result = api.cases(&filter, &page).unwrap();
        assert_eq!(
            result.total_count, total,
            "total of {filter:?} read backwards"
        );
        for case in result.items.iter().rev() {
            let index = s.requests.iter().position(|r| *r == case.case_id).unwrap();
            got_backwards.push(format!("R{}", index + 1));
        }
        match (result.has_previous_page, result.start_cursor) {
            (true, Some(cursor)) => page.before = Some(cursor),
            _ => break,
        }
    }
    got_backwards.reverse();
    assert_eq!(got_backwards, expect, "cases of {filter:?} read backwards");
}

/// A correction of the completion restates what was delivered, what it cost and when: the
/// work then counts in June instead of May, with the corrected figures (history unchanged).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_completion_moves_the_work_metrics() {
    let ledger = Ledger::new();
    let s = scenario::build(&ledger);
    ledger.record(
        StreamRef::WorkProject(WorkProjectId(s.work_project)),
        FactCorrected {
            corrects_event_id: s.work_completed.event_id,
            reason: "the paper record: 15 doors, finished on 2 June".into(),
            corrected: vec![
                CorrectedField::ActualQuantities(vec![Quantity::new(15, QuantityUnit::UnitDoor)]),
                CorrectedField::CostCents(7_500_000),
                CorrectedField::OccurredAt(at(2021, 6, 2, 0)),
            ],
        },
        at(2021, 6, 10, 0),
        &actor(s.clerk, "service_station_clerk", Some(s.property_company)),
        None,
    );
    let api = ledger.open_read_api(64);
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    let works_in = |month: u8| {
        api.metrics(
            &MetricsScope::Compound(s.sun_coast),
            Period::Month { year: 2021, month },
        )
        .unwrap()
        .works
    };
    let may = works_in(5);
    assert_eq!(
        (may.completed, may.cost_cents),
        (0, 0),
        "no longer counted in May"
    );
    let june = works_in(6);
    assert_eq!(june.completed, 1);
    assert_eq!((june.budget_cents, june.cost_cents), (8_000_000, 7_500_000));
    assert_eq!(
        june.quantities
            .iter()
            .map(|q| (q.unit.as_str(), q.planned, q.delivered))
            .collect::<Vec<_>>(),
        vec![("unit_door", 16, 15)]
    );
    // Approved 04-10, completed (as corrected) 06-02: 20 + 31 + 2 = 53 days.
    assert_eq!(june.decision_to_completion_days_total, 53);
    api.shutdown().await.unwrap();
}

/// A correction of a request recounts it: R1's receipt, corrected to 26 February and to the
/// sanitation category, moves its receipt to February (in that category), and its time to
/// close grows from 4 to 7 days; its dispatch (which reclassified it as a repair) and its
/// closing stay in March.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_request_is_recounted() {
    let (ledger, s, api) = scenario_read_models().await;
    // Recorded while the read models follow the ledger, in a batch of its own.
    ledger.record(
        StreamRef::Request(RequestId(s.requests[0])),
        FactCorrected {
            corrects_event_id: s.r1_received.event_id,
            reason: "the paper form: received on 26 February, about rubbish".into(),
            corrected: vec![
                CorrectedField::OccurredAt(at(2021, 2, 26, 0)),
                CorrectedField::RequestCategory(RequestCategory::Sanitation),
            ],
        },
        at(2021, 3, 25, 0),
        &actor(s.clerk, "service_station_clerk", Some(s.property_company)),
        None,
    );
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    let requests_in = |scope: MetricsScope, month: u8| {
        api.metrics(&scope, Period::Month { year: 2021, month })
            .unwrap()
            .requests
    };
    let category = |name: &str| MetricsScope::Category(name.into());
    // Received: R1 now in February (sanitation); R2, R3, R4 in March (repair).
    assert_eq!(requests_in(MetricsScope::All, 2).received, 1);
    assert_eq!(requests_in(category("sanitation"), 2).received, 1);
    assert_eq!(requests_in(category("repair"), 2).received, 0);
    let march = requests_in(MetricsScope::All, 3);
    assert_eq!(march.received, 3);
    assert_eq!(requests_in(category("repair"), 3).received, 3);
    assert_eq!(requests_in(category("sanitation"), 3).received, 0);
    // Everything else as in the hand-worked figures: 4 dispatches, 2 closings (1 on time).
    assert_eq!(march.dispatched, 4);
    assert_eq!(march.on_time_closure_rate, rate(1, 2));
    assert_eq!(
        (march.closed, march.closed_fixed, march.closed_explained),
        (2, 1, 1)
    );
    // R4 merged into R1: 1 of the 3 received in March.
    assert_eq!(march.duplicate_share, rate(1, 3));
    // Time to close: R1 02-26 -> 03-05 = 7 days = 604,800 s (2021 is no leap year); R2 18
    // days = 1,555,200 s. Median rank 1 -> 604,800; p90 rank 2 -> 1,555,200.
    assert_eq!(march.time_to_close.sample_size, 2);
    assert_eq!(march.time_to_close.median_seconds, Some(604_800));
    assert_eq!(march.time_to_close.p90_seconds, Some(1_555_200));
    // A later event of R1, in a later batch, counts with the corrected facts: R1 closed on
    // 03-05 and reopened on 03-26 is a second reopening in March (R2's was the first).
    ledger.record(
        StreamRef::Request(RequestId(s.requests[0])),
        RequestEvent::RequestReopened(RequestReopened {
            request_id: RequestId(s.requests[0]),
            reason: "the door sticks again".into(),
        }),
        at(2021, 3, 26, 0),
        &actor(s.clerk, "service_station_clerk", Some(s.property_company)),
        None,
    );
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    let march = requests_in(MetricsScope::All, 3);
    assert_eq!(march.reopen_rate, rate(2, 2));
    assert_eq!(march.received, 3);
    assert_eq!(requests_in(MetricsScope::All, 2).received, 1);
    api.shutdown().await.unwrap();
}

/// A correction of a mediation recounts it: M2's failure, corrected from 15 April to
/// 25 March, concludes it in March, on day 24, within the month.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrected_mediation_is_recounted() {
    let (ledger, s, api) = scenario_read_models().await;
    ledger.record(
        StreamRef::Mediation(MediationId(s.mediations[1])),
        FactCorrected {
            corrects_event_id: s.m2_failed.event_id,
            reason: "the minutes are dated 25 March".into(),
            corrected: vec![CorrectedField::OccurredAt(at(2021, 3, 25, 0))],
        },
        at(2021, 4, 30, 0),
        &actor(id(25), "mediator", Some(s.mediation_committee)),
        None,
    );
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    let mediations_in =
        |period: Period| api.metrics(&MetricsScope::All, period).unwrap().mediations;
    // The year: M1 agreed on day 19, M2 failed on day 24: both within 30 days.
    let year = mediations_in(Period::Year { year: 2021 });
    assert_eq!(year.registered, 2);
    assert_eq!(year.agreement_rate, rate(1, 2));
    assert_eq!(year.within_month_rate, rate(2, 2));
    // March now holds both conclusions; April none.
    let march = mediations_in(Period::Month {
        year: 2021,
        month: 3,
    });
    assert_eq!(march.agreement_rate, rate(1, 2));
    assert_eq!(march.within_month_rate, rate(2, 2));
    let april = mediations_in(Period::Month {
        year: 2021,
        month: 4,
    });
    assert_eq!(april.within_month_rate, rate(0, 0));
    // M1's performance follow-up (04-20) is untouched.
    assert_eq!(april.performance_rate, rate(1, 1));
    api.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_lists_filter_page_and_count() {
    let (_ledger, s, api) = scenario_read_models().await;
    let requests = CaseFilter::kind(CaseKind::Request);
    // Newest opened first: R4 (03-15), R3 (03-10), R2 (03-02), R1 (03-01).
    check(&api, &s, requests.clone(), 20, &["R4", "R3", "R2", "R1"], 4);
    check(&api, &s, requests.clone(), 3, &["R4", "R3", "R2", "R1"], 4);
    check(
        &api,
        &s,
        CaseFilter {
            status: Some("closed".into()),
            ..requests.clone()
        },
        20,
        &["R1"],
        1,
    );
    check(
        &api,
        &s,
        CaseFilter {
            organisation_id: Some(s.property_company),
            ..requests.clone()
        },
        2,
        &["R3", "R2", "R1"],
        3,
    );
    check(
        &api,
        &s,
        CaseFilter {
            compound_id: Some(s.sun_coast),
            category: Some("repair".into()),
            opened_before: Some(at(2021, 3, 10, 0)),
            ..requests.clone()
        },
        20,
        &["R2", "R1"],
        2,
    );
    check(
        &api,
        &s,
        CaseFilter {
            opened_from: Some(at(2021, 3, 2, 0)),
            ..requests.clone()
        },
        1,
        &["R4", "R3", "R2"],
        3,
    );
    check(
        &api,
        &s,
        CaseFilter {
            overdue_at: Some(at(2021, 4, 1, 0)),
            ..requests.clone()
        },
        20,
        &["R3"],
        1,
    );
    check(
        &api,
        &s,
        CaseFilter {
            satisfaction: Some("satisfied".into()),
            ..requests.clone()
        },
        20,
        &["R1"],
        1,
    );
    check(
        &api,
        &s,
        CaseFilter {
            opened_from: Some(at(2021, 3, 2, 0)),
            opened_before: Some(at(2021, 3, 11, 0)),
            ..requests
        },
        1,
        &["R3", "R2"],
        2,
    );

    // A closed request is fixed only when its outcome says so.
    let r2 = api.case(CaseKind::Request, s.requests[1]).unwrap().unwrap();
    let CaseDetails::Request(details) = &r2.details else {
        panic!("a request")
    };
    assert_eq!(
        (
            r2.status.as_str(),
            details.outcome.as_deref(),
            details.reopen_count
        ),
        ("accepted", Some("explained"), 1)
    );

    let bad = api.cases(
        &CaseFilter::kind(CaseKind::Request),
        &PageRequest {
            first: Some(1),
            after: Some("zz".into()),
            ..PageRequest::default()
        },
    );
    assert!(bad.is_err());
    let too_big = api.cases(
        &CaseFilter::kind(CaseKind::Request),
        &PageRequest::first(1_000),
    );
    assert!(too_big.is_err());
    api.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_doors_trace_back_to_the_request_and_the_decision() {
    let (_ledger, s, api) = scenario_read_models().await;
    // Which work replaced the doors, on whose decision, inspected by whom?
    let works = api
        .cases(
            &CaseFilter {
                category: Some("unit_door_replacement".into()),
                compound_id: Some(s.sun_coast),
                ..CaseFilter::kind(CaseKind::WorkProject)
            },
            &PageRequest::first(10),
        )
        .unwrap();
    assert_eq!(works.items.len(), 1);
    let CaseDetails::WorkProject(work) = &works.items[0].details else {
        panic!("a work project")
    };
    assert_eq!(work.decision_id, Some(s.decision));
    assert_eq!(work.funding_source.as_deref(), Some("maintenance_fund"));
    assert_eq!(work.delivered_quantities[0].amount, 16);
    assert_eq!(work.inspections[0].inspector_account_id, s.inspector);
    assert!(work.inspections[0].passed);

    let trace = api.trace(s.inspection_passed.event_id).unwrap().unwrap();
    assert_eq!(trace.event.event_type, "WorkProjectInspectionPassed");
    assert_eq!(trace.event.actor_account_id, s.inspector);
    let mut cases: Vec<(CaseKind, uuid::Uuid, bool)> = trace
        .cases
        .iter()
        .map(|c| (c.kind, c.case_id, c.is_origin))
        .collect();
    cases.sort_by_key(|c| (c.0.as_str(), c.1));
    assert_eq!(
        cases,
        vec![
            (CaseKind::Decision, s.decision, false),
            (CaseKind::Request, s.requests[0], true),
            // R4 was merged into R1: it raised the same problem.
            (CaseKind::Request, s.requests[3], true),
            (CaseKind::WorkProject, s.work_project, false),
        ]
    );
    let relations: Vec<&str> = trace.links.iter().map(|l| l.relation.as_str()).collect();
    assert!(
        relations.contains(&"approved")
            && relations.contains(&"raised")
            && relations.contains(&"led_to")
    );

    // Forward from the originating request: the decision and the work project.
    let forward = api.trace(s.r1_received.event_id).unwrap().unwrap();
    let kinds: Vec<CaseKind> = forward.cases.iter().map(|c| c.kind).collect();
    assert!(kinds.contains(&CaseKind::Decision) && kinds.contains(&CaseKind::WorkProject));
    // The approval names the adoption as its cause.
    let adopted = api.trace(s.decision_adopted.event_id).unwrap().unwrap();
    let effects: Vec<&str> = adopted
        .effects
        .iter()
        .map(|e| e.event_type.as_str())
        .collect();
    assert_eq!(effects, vec!["DecisionPublished", "WorkProjectApproved"]);

    // The inspector's activity, and the case history with hashes.
    let activity = api
        .activity_of_account(s.inspector, &PageRequest::first(10))
        .unwrap();
    assert_eq!(activity.items.len(), 1);
    assert_eq!(activity.items[0].event_type, "WorkProjectInspectionPassed");
    let history = api
        .case_history(
            CaseKind::WorkProject,
            s.work_project,
            &PageRequest::first(2),
        )
        .unwrap();
    assert_eq!((history.items.len(), history.total_count), (2, 6));
    assert_eq!(history.items[0].hash.len(), 64);
    let rest = api
        .case_history(
            CaseKind::WorkProject,
            s.work_project,
            &PageRequest {
                first: Some(10),
                after: history.next_cursor,
                ..PageRequest::default()
            },
        )
        .unwrap();
    assert_eq!(rest.items.len(), 4);
    assert_eq!(rest.next_cursor, None);
    api.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_lists_places_organisations_and_roles() {
    let (_ledger, s, api) = scenario_read_models().await;
    let community = api.community().unwrap().unwrap();
    assert_eq!(
        (community.name.as_str(), community.residents),
        ("Wanghai", 6723)
    );
    let compound = api.compound(s.sun_coast).unwrap().unwrap();
    assert_eq!(
        (
            compound.name.as_str(),
            compound.building_count,
            compound.unit_count
        ),
        ("Sun Coast", 1, 1)
    );
    let buildings = api
        .buildings_of(s.sun_coast, &PageRequest::first(10))
        .unwrap();
    assert_eq!(buildings.items.len(), 1);
    let units = api.units_of(s.building, &PageRequest::first(10)).unwrap();
    assert_eq!(units.items[0].floor_area_dm2, 9_850);
    let organisations = api.organisations(&PageRequest::first(2)).unwrap();
    assert_eq!(
        (organisations.items.len(), organisations.total_count),
        (2, 4)
    );
    assert!(organisations.next_cursor.is_some());
    let roles = api
        .roles_of_account(s.inspector, &PageRequest::first(10))
        .unwrap();
    assert_eq!(roles.items[0].role, "inspector");
    let members = api
        .members_of(s.owners_committee, &PageRequest::first(10))
        .unwrap();
    assert_eq!(members.items[0].account_id, s.inspector);
    api.shutdown().await.unwrap();
}

//! The read models answer the report's figures on the Wanghai demo ledger
//! (`domain::demo::build`): for each Sun Coast work, how much was planned and delivered, on
//! which decision (adopted with Art. 278 participation), raised by which requests, paid from
//! which fund, within which budget, inspected by whom; and the accountability metrics of the
//! property company carry their sample sizes.

mod support;

use govledger_core::domain::decision::tally::participation_met;
use govledger_core::domain::demo::{self, DemoSummary, DemoWork};
use govledger_core::personal_data::PersonalDataStore;
use govledger_projections::audit::query::TraceRole;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::{CaseDetails, CaseKind, CaseView};
use govledger_projections::metrics::query::{MetricsReport, Rate};
use govledger_projections::metrics::scope::{MetricsScope, Period};
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use support::{Ledger, WAIT};
use uuid::Uuid;

const DEMO_SEED: u64 = 2021;
/// Batches smaller than the demo, so the catch-up commits many checkpoints.
const BATCH_EVENTS: usize = 500;

struct Demo {
    _ledger: Ledger,
    summary: DemoSummary,
    api: ReadApi,
}

async fn demo_read_models() -> Demo {
    let ledger = Ledger::new();
    let personal_data =
        PersonalDataStore::open(ledger.dir.path().join("people")).expect("personal data");
    let summary = tokio::task::block_in_place(|| {
        demo::build(ledger.store.clone(), &personal_data, DEMO_SEED)
    })
    .expect("demo builds");
    let api = ledger.open_read_api(BATCH_EVENTS);
    api.wait_until(summary.events_appended, WAIT)
        .await
        .expect("read models catch up");
    Demo {
        _ledger: ledger,
        summary,
        api,
    }
}

/// One work of the report as the read models should show it.
struct ReportedWork {
    category: &'static str,
    /// Planned and delivered, per unit.
    quantities: &'static [(&'static str, i64)],
    funding_source: &'static str,
    /// Owners' decision: 1 = the 2019 repairs, 2 = the 2020 parking (`decision_ids` order).
    decision_index: usize,
    /// Inspections before the passing one.
    failed_inspections: usize,
}

const REPORTED_WORKS: &[ReportedWork] = &[
    ReportedWork {
        category: "roof_waterproofing",
        quantities: &[("roof", 4)],
        funding_source: "maintenance_fund",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "unit_door_replacement",
        quantities: &[("unit_door", 16)],
        funding_source: "maintenance_fund",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "camera_replacement",
        quantities: &[("camera", 126)],
        funding_source: "property_fees",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "planting",
        quantities: &[("m2", 400)],
        funding_source: "common_parts_income",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "road_resurfacing",
        quantities: &[("m2", 400)],
        funding_source: "government",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "car_park_road",
        quantities: &[("m2", 150)],
        funding_source: "maintenance_fund",
        decision_index: 1,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "exterior_wall_painting",
        quantities: &[("exterior_wall", 5)],
        funding_source: "maintenance_fund",
        decision_index: 1,
        failed_inspections: 1,
    },
    ReportedWork {
        category: "parking_lot",
        quantities: &[("parking_space", 200)],
        funding_source: "government",
        decision_index: 2,
        failed_inspections: 0,
    },
    ReportedWork {
        category: "bicycle_shed",
        quantities: &[
            ("bicycle_shed", 2),
            ("bicycle_place", 550),
            ("charging_point", 110),
        ],
        funding_source: "government",
        decision_index: 2,
        failed_inspections: 0,
    },
];

fn case(api: &ReadApi, kind: CaseKind, id: Uuid) -> CaseView {
    api.case(kind, id)
        .expect("case query")
        .unwrap_or_else(|| panic!("{} {id} is in the read model", kind.as_str()))
}

fn amounts(quantities: &[govledger_core::domain::quantity::Quantity]) -> Vec<(&'static str, i64)> {
    quantities
        .iter()
        .map(|q| (q.unit.as_str(), q.amount))
        .collect()
}

/// Checks one work against the report: its case, its decision, its requests, its inspector
/// and its place in the decision trace.
fn check_work(demo: &Demo, work: &DemoWork, expect: &ReportedWork) {
    let s = &demo.summary;
    let api = &demo.api;
    let what = expect.category;
    let view = case(api, CaseKind::WorkProject, work.work_project_id.0);
    assert_eq!(view.category, expect.category);
    assert_eq!(view.compound_id, Some(s.sun_coast_compound_id.0), "{what}");
    assert!(
        ["under_warranty", "closed"].contains(&view.status.as_str()),
        "{what} is {}",
        view.status
    );
    let CaseDetails::WorkProject(details) = &view.details else {
        panic!("{what} has work-project details");
    };
    assert_eq!(
        amounts(&details.planned_quantities),
        expect.quantities,
        "{what} planned"
    );
    assert_eq!(
        amounts(&details.delivered_quantities),
        expect.quantities,
        "{what} delivered"
    );

    // On whose decision, from which fund, within which budget.
    let decision_id = s.decision_ids[expect.decision_index].0;
    assert_eq!(work.decision_id.0, decision_id, "{what}");
    assert_eq!(details.decision_id, Some(decision_id), "{what}");
    assert_eq!(
        details.funding_source.as_deref(),
        Some(expect.funding_source)
    );
    let budget = details.budget_cents.expect("approved with a budget");
    let cost = details.cost_cents.expect("completed with a cost");
    assert!(
        0 < cost && cost <= budget,
        "{what}: spent {cost} of {budget}"
    );
    let decision = case(api, CaseKind::Decision, decision_id);
    assert_eq!(decision.status, "adopted", "{what}'s decision");
    let CaseDetails::Decision(voted) = &decision.details else {
        panic!("decision details");
    };
    assert!(voted.published_at.is_some(), "the decision was published");
    let tally = voted.tally.expect("the decision was tallied");
    assert!(
        participation_met(&tally),
        "Art. 278 participation: {tally:?}"
    );
    let authorised = voted
        .authorisations
        .iter()
        .find(|a| a.work_project_id == work.work_project_id.0)
        .unwrap_or_else(|| panic!("the decision authorises {what}"));
    assert_eq!(authorised.funding_source, expect.funding_source);
    assert_eq!(authorised.budget_cents_max, budget, "{what}");

    // The requests that raised it, each closed as fixed by it, and linked to the decision.
    let request_ids: Vec<Uuid> = work.request_ids.iter().map(|id| id.0).collect();
    assert_eq!(details.linked_request_ids, request_ids, "{what}");
    assert!(!request_ids.is_empty());
    for request_id in &request_ids {
        assert!(voted.linked_request_ids.contains(request_id), "{what}");
        let request = case(api, CaseKind::Request, *request_id);
        assert_eq!(request.status, "closed", "{what}'s request");
        assert_eq!(
            request.responsible_organisation_id,
            Some(s.organisations.property_company.0)
        );
        let CaseDetails::Request(answered) = &request.details else {
            panic!("request details");
        };
        assert_eq!(answered.outcome.as_deref(), Some("fixed"));
        assert_eq!(answered.work_project_id, Some(work.work_project_id.0));
        assert_eq!(answered.follow_up_resolution.as_deref(), Some("resolved"));
    }

    // Inspected by whom.
    let inspector = s.actors.inspector.account_id.0;
    assert_eq!(
        details.inspections.len(),
        expect.failed_inspections + 1,
        "{what}"
    );
    let (last, failed) = details.inspections.split_last().expect("inspected");
    assert!(last.passed && failed.iter().all(|i| !i.passed), "{what}");
    assert!(
        details
            .inspections
            .iter()
            .all(|i| i.inspector_account_id == inspector)
    );

    // From the passing inspection, the trace leads back to the decision and the requests.
    let history = api
        .case_history(
            CaseKind::WorkProject,
            work.work_project_id.0,
            &PageRequest::first(100),
        )
        .expect("history");
    let inspection = history
        .items
        .iter()
        .find(|entry| entry.position == last.position)
        .expect("the inspection is in the work's history");
    assert_eq!(inspection.event_type, "WorkProjectInspectionPassed");
    assert_eq!(inspection.actor_account_id, inspector);
    let trace = api
        .trace(inspection.event_id)
        .expect("trace")
        .expect("the event exists");
    let role_of = |kind: CaseKind, id: Uuid| {
        trace
            .cases
            .iter()
            .find(|c| c.kind == kind && c.case_id == id)
            .map(|c| (c.role, c.is_origin))
    };
    assert_eq!(
        role_of(CaseKind::Decision, decision_id),
        Some((TraceRole::Upstream, false)),
        "{what}: the trace reaches the decision"
    );
    for request_id in &request_ids {
        assert_eq!(
            role_of(CaseKind::Request, *request_id),
            Some((TraceRole::Upstream, true)),
            "{what}: the trace reaches an originating request"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_read_models_answer_the_reports_figures() {
    let demo = demo_read_models().await;
    let s = &demo.summary;
    assert_eq!(s.works.len(), REPORTED_WORKS.len());
    for expect in REPORTED_WORKS {
        let work = s
            .works
            .iter()
            .find(|w| w.category.as_str() == expect.category)
            .unwrap_or_else(|| panic!("the demo has a {} work", expect.category));
        check_work(&demo, work, expect);
    }
    let doors = &s.works[1];
    assert_eq!(doors.work_project_id, s.unit_door_work_project_id);

    inspector_is_in_the_directory(&demo);
    sun_coast_lists_its_works(&demo);
    works_metrics_count_each_work_once(&demo);
    property_company_metrics_have_sample_sizes(&demo);
    failed_lift_decision_shows_its_participation(&demo);
}

fn inspector_is_in_the_directory(demo: &Demo) {
    let inspector = demo.summary.actors.inspector;
    let account = demo
        .api
        .account(inspector.account_id.0)
        .unwrap()
        .expect("the inspector's account");
    assert_eq!(account.closed_at, None);
    let roles = demo
        .api
        .roles_of_account(inspector.account_id.0, &PageRequest::first(10))
        .unwrap();
    assert!(
        roles
            .items
            .iter()
            .any(|r| r.role == "inspector" && r.organisation_id == inspector.organisation_id.0),
        "{roles:?}"
    );
}

fn sun_coast_lists_its_works(demo: &Demo) {
    let mut filter = CaseFilter::kind(CaseKind::WorkProject);
    filter.compound_id = Some(demo.summary.sun_coast_compound_id.0);
    let page = demo.api.cases(&filter, &PageRequest::first(50)).unwrap();
    assert_eq!(page.total_count, REPORTED_WORKS.len() as u64);
    assert!(page.total_is_exact);
    filter.category = Some("unit_door_replacement".into());
    let doors = demo.api.cases(&filter, &PageRequest::first(50)).unwrap();
    assert_eq!(doors.items.len(), 1);
    assert_eq!(
        doors.items[0].case_id,
        demo.summary.unit_door_work_project_id.0
    );
}

fn year(year: i32) -> Period {
    Period::Year { year }
}

fn quantities(report: &MetricsReport) -> Vec<(&str, i64, i64)> {
    report
        .works
        .quantities
        .iter()
        .map(|q| (q.unit.as_str(), q.planned, q.delivered))
        .collect()
}

/// A work completed twice (the walls failed their first inspection) counts once.
fn works_metrics_count_each_work_once(demo: &Demo) {
    let sun_coast = MetricsScope::Compound(demo.summary.sun_coast_compound_id.0);
    let check = |period: Period, completed: u64, expect: &[(&str, i64, i64)]| {
        let report = demo.api.metrics(&sun_coast, period).unwrap();
        assert_eq!(report.works.completed, completed, "{}", period.label());
        assert_eq!(quantities(&report), expect, "{}", period.label());
        assert!(report.works.cost_cents <= report.works.budget_cents);
        assert!(report.works.cost_cents > 0);
    };
    // Units sort by name. 950 m2 = 400 planting + 400 road + 150 car park.
    check(
        year(2019),
        7,
        &[
            ("camera", 126, 126),
            ("exterior_wall", 5, 5),
            ("m2", 950, 950),
            ("roof", 4, 4),
            ("unit_door", 16, 16),
        ],
    );
    check(
        year(2020),
        2,
        &[
            ("bicycle_place", 550, 550),
            ("bicycle_shed", 2, 2),
            ("charging_point", 110, 110),
            ("parking_space", 200, 200),
        ],
    );
    let doors = MetricsScope::Category("unit_door_replacement".into());
    let report = demo.api.metrics(&doors, year(2019)).unwrap();
    assert_eq!(quantities(&report), [("unit_door", 16, 16)]);
}

fn check_rate(what: &str, rate: Rate) {
    assert!(rate.denominator > 0, "{what} has a sample: {rate:?}");
    assert!(rate.numerator <= rate.denominator, "{what}: {rate:?}");
}

fn property_company_metrics_have_sample_sizes(demo: &Demo) {
    let company = MetricsScope::Organisation(demo.summary.organisations.property_company.0);
    let report = demo.api.metrics(&company, year(2019)).unwrap();
    let r = &report.requests;
    // The 14 requests behind the 2019 works were all closed as fixed in 2019, after a
    // follow-up that found them resolved; the other requests add to these.
    assert!(r.closed >= 14 && r.closed_fixed >= 14, "{r:?}");
    assert_eq!(r.time_to_close.sample_size, r.closed);
    assert!(r.time_to_close.is_exact);
    let median = r.time_to_close.median_seconds.expect("a median");
    let p90 = r.time_to_close.p90_seconds.expect("a p90");
    assert!(0 < median && median <= p90, "{median} <= {p90}");
    for (what, rate) in [
        ("on-time closure", r.on_time_closure_rate),
        ("resolution", r.resolution_rate),
        ("satisfaction", r.satisfaction_rate),
        ("send-back", r.send_back_rate),
        ("response", r.response_rate),
    ] {
        check_rate(what, rate);
    }
    assert!(r.resolution_rate.numerator >= 14, "{r:?}");
    assert_eq!(
        r.resolution_rate.denominator,
        r.satisfaction_rate.denominator
    );
    assert_eq!(r.reopen_rate.denominator, r.closed);
    // Closings are counted for the organisation at the time; the year sums its quarters.
    let quarters: u64 = (1..=4)
        .map(|quarter| {
            let period = Period::Quarter {
                year: 2019,
                quarter,
            };
            demo.api.metrics(&company, period).unwrap().requests.closed
        })
        .sum();
    assert_eq!(quarters, r.closed);
}

fn failed_lift_decision_shows_its_participation(demo: &Demo) {
    let lift = case(
        &demo.api,
        CaseKind::Decision,
        demo.summary.decision_ids[0].0,
    );
    assert_eq!(lift.status, "failed");
    let CaseDetails::Decision(voted) = &lift.details else {
        panic!("decision details");
    };
    assert_eq!(voted.failure.as_deref(), Some("participation_too_low"));
    let tally = voted.tally.expect("tallied");
    assert!(!participation_met(&tally));
    let sun_coast = MetricsScope::Compound(demo.summary.sun_coast_compound_id.0);
    let decisions = demo.api.metrics(&sun_coast, year(2018)).unwrap().decisions;
    assert_eq!((decisions.tallied, decisions.failed), (1, 1));
    assert_eq!(
        decisions.participation_by_head,
        Rate::new(tally.participating_heads, tally.electorate_heads)
    );
}

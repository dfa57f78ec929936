//! Skewed load on one case, at the scale of a test (issue 13): one request with thousands of
//! follow-ups, every one caused by its receipt, and corrections that move it from
//! category to category (each makes the metrics recount it); one work project that fails
//! inspection after inspection with the longest defect notes allowed. Live (small batches) and
//! rebuilt from position 1, every read model stays up, the case reads right, and no stored
//! read-model value grows with the number of events.

mod support;

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::{RequestEvent, WorkProjectEvent};
use govledger_core::domain::ids::{
    AccountId, CompoundId, OrganisationId, RequestId, WorkProjectId,
};
use govledger_core::domain::limits::DESCRIPTION_BYTES_MAX;
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::{RequestFollowedUp, RequestReceived};
use govledger_core::domain::request::vocabulary::{
    Channel, FollowUpResolution, RequestCategory, RequestKind, Satisfaction,
};
use govledger_core::domain::streams::StreamRef;
use govledger_core::domain::work_project::events::{
    WorkProjectInspectionFailed, WorkProjectProposed,
};
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_projections::audit::query::TRACE_EFFECTS_MAX;
use govledger_projections::cases::view::{CaseDetails, CaseKind, INSPECTIONS_KEPT};
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{actor, assert_none_stopped, assert_values_within, at, id};
use support::{Ledger, WAIT};

const FOLLOW_UPS: usize = 2_000;
/// Each category correction recounts the case from its history (`metrics/corrections.rs`):
/// O(events of the case) per correction, so a few dozen here.
const CORRECTIONS: usize = 20;
const INSPECTIONS: usize = 40;
/// Largest read-model value a hot case may leave (the decoder reads back up to 68 KiB): the
/// work project's record keeps `INSPECTIONS_KEPT` notes of up to 4 KiB, ~33 KB in all.
const STORED_VALUE_BYTES_MAX: usize = 40 * 1024;

struct Hot {
    request: uuid::Uuid,
    received_event_id: uuid::Uuid,
    received_position: u64,
    work_project: uuid::Uuid,
    inspection_positions: Vec<u64>,
}

fn record_hot_case(ledger: &Ledger) -> Hot {
    let clerk = actor(id(1), "station_clerk", Some(id(2)));
    let inspector = actor(id(5), "inspector", Some(id(6)));
    let start = at(2024, 6, 3, 9);
    let request = id(10);
    let stream = StreamRef::Request(RequestId(request));
    let received = ledger.record(
        stream,
        RequestEvent::RequestReceived(RequestReceived {
            request_id: RequestId(request),
            kind: RequestKind::Complaint,
            category: RequestCategory::Repair,
            description: "The lift stops between floors".into(),
            requester_id: None,
            location: Location::NOWHERE,
            received_by_organisation_id: Some(OrganisationId(id(2))),
            channel: Channel::ServiceStation,
        }),
        start,
        &clerk,
        None,
    );
    for n in 0..FOLLOW_UPS {
        ledger.record(
            stream,
            RequestEvent::RequestFollowedUp(RequestFollowedUp {
                request_id: RequestId(request),
                resolution: FollowUpResolution::NotResolved,
                satisfaction: Satisfaction::Dissatisfied,
                note: format!("visit {n}: still stuck"),
            }),
            start.plus_hours(1 + n as i64),
            &clerk,
            Some(received.event_id),
        );
    }
    let categories = [RequestCategory::Security, RequestCategory::Repair];
    for n in 0..CORRECTIONS {
        ledger.record(
            stream,
            FactCorrected {
                corrects_event_id: received.event_id,
                reason: format!("re-filed, round {n}"),
                corrected: vec![CorrectedField::RequestCategory(categories[n % 2])],
            },
            start.plus_hours(5_000 + n as i64),
            &clerk,
            Some(received.event_id),
        );
    }

    let work_project = id(20);
    let work_stream = StreamRef::WorkProject(WorkProjectId(work_project));
    ledger.record(
        work_stream,
        WorkProjectEvent::WorkProjectProposed(WorkProjectProposed {
            work_project_id: WorkProjectId(work_project),
            category: WorkCategory::OtherRepair,
            title: "Lift repair".into(),
            description: "Replace the lift's controller".into(),
            compound_id: CompoundId(id(30)),
            building_ids: Vec::new(),
            unit_ids: Vec::new(),
            planned_quantities: Vec::new(),
            linked_request_ids: vec![RequestId(request)],
            proposed_by_organisation_id: OrganisationId(id(6)),
        }),
        start,
        &inspector,
        None,
    );
    let defects = "d".repeat(DESCRIPTION_BYTES_MAX);
    let inspection_positions = (0..INSPECTIONS)
        .map(|n| {
            ledger
                .record(
                    work_stream,
                    WorkProjectEvent::WorkProjectInspectionFailed(WorkProjectInspectionFailed {
                        work_project_id: WorkProjectId(work_project),
                        inspector_account_id: AccountId(id(5)),
                        defects: defects.clone(),
                    }),
                    start.plus_hours(24 * (1 + n as i64)),
                    &inspector,
                    None,
                )
                .position
        })
        .collect();
    Hot {
        request,
        received_event_id: received.event_id,
        received_position: received.position,
        work_project,
        inspection_positions,
    }
}

fn check_hot_case(api: &ReadApi, hot: &Hot) {
    assert_none_stopped(api);
    let request = api
        .case(CaseKind::Request, hot.request)
        .expect("a read")
        .expect("the hot request");
    assert_eq!(request.event_count as usize, 1 + FOLLOW_UPS + CORRECTIONS);
    assert_eq!(request.correction_count as usize, CORRECTIONS);
    // The last correction (an odd round) re-filed it under repair.
    assert_eq!(request.category, "repair");

    let work = api
        .case(CaseKind::WorkProject, hot.work_project)
        .expect("a read")
        .expect("the failing work project");
    let CaseDetails::WorkProject(details) = &work.details else {
        panic!("not a work project: {work:?}");
    };
    assert_eq!(details.inspection_count as usize, INSPECTIONS);
    let kept: Vec<u64> = details.inspections.iter().map(|i| i.position).collect();
    assert_eq!(
        kept,
        hot.inspection_positions[INSPECTIONS - INSPECTIONS_KEPT..],
        "the latest inspections, oldest first"
    );

    // The receipt caused every follow-up and correction: the trace lists the first of them.
    let trace = api
        .trace(hot.received_event_id)
        .expect("a trace")
        .expect("the receipt");
    let effects: Vec<u64> = trace.effects.iter().map(|e| e.position).collect();
    assert_eq!(effects.first(), Some(&(hot.received_position + 1)));
    assert!(
        effects.windows(2).all(|pair| pair[0] < pair[1]),
        "{effects:?}"
    );
    assert_eq!(effects.len(), TRACE_EFFECTS_MAX);

    assert_values_within(
        api,
        &["cases", "audit", "metrics", "directory"],
        STORED_VALUE_BYTES_MAX,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_case_and_a_failing_project_stay_bounded_live_and_rebuilt() {
    let ledger = Ledger::new();
    let api = ledger.open_read_api(64);
    let hot = record_hot_case(&ledger);
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    check_hot_case(&api, &hot);
    api.rebuild(RebuildScope::All).await.expect("rebuilt");
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    check_hot_case(&api, &hot);
    api.shutdown().await.expect("shut down");
}

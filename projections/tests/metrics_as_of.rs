//! Figures that cite the ledger (issue 19): a metrics answer says the position it was
//! computed at, and `metrics_as_of(position)` answers the figures as they stood when the
//! ledger ended there, corrections after it not yet applied.

mod support;

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::ids::RequestId;
use govledger_core::domain::request::vocabulary::RequestCategory;
use govledger_core::domain::streams::StreamRef;
use govledger_projections::error::ProjectionError;
use govledger_projections::metrics::scope::{MetricsScope, Period};
use support::domain::{actor, at};
use support::scenario;
use support::{Ledger, WAIT};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_cite_their_position_and_answer_as_of_a_past_one() {
    let ledger = Ledger::new();
    let s = scenario::build(&ledger);
    let api = ledger.open_read_api(64);
    api.wait_until(ledger.head(), WAIT).await.unwrap();
    let march = Period::Month {
        year: 2021,
        month: 3,
    };
    let sanitation = MetricsScope::Category("sanitation".into());
    let before = api.cited_metrics(&MetricsScope::All, march).unwrap();
    let before_position = ledger.head();
    assert_eq!(before.position, before_position);
    assert!(before.position_is_exact);

    // R1's receipt corrected to 26 February, about rubbish: March loses a receipt.
    ledger.record(
        StreamRef::Request(RequestId(s.requests[0])),
        FactCorrected {
            corrects_event_id: s.r1_received.event_id,
            reason: "the paper form".into(),
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
    let now = api.cited_metrics(&MetricsScope::All, march).unwrap();
    assert_eq!(now.position, before_position + 1);
    assert_eq!(
        now.report.requests.received,
        before.report.requests.received - 1
    );

    // As of the position before the correction: the figures as they were then, exactly.
    let then = api
        .metrics_as_of(&MetricsScope::All, march, before_position)
        .unwrap();
    assert_eq!(then.position, before_position);
    assert_eq!(then.report, before.report);
    let february = Period::Month {
        year: 2021,
        month: 2,
    };
    assert_eq!(
        api.metrics_as_of(&sanitation, february, before_position)
            .unwrap()
            .report
            .requests
            .received,
        0
    );
    // As of the head: the live figures.
    let head = api
        .metrics_as_of(&MetricsScope::All, march, ledger.head())
        .unwrap();
    assert_eq!(head.report, now.report);
    assert_eq!(
        api.metrics_as_of(&sanitation, february, ledger.head())
            .unwrap()
            .report
            .requests
            .received,
        1
    );
    // As of position 1: nothing counted yet.
    let first = api.metrics_as_of(&MetricsScope::All, march, 1).unwrap();
    assert_eq!(first.report.requests.received, 0);
    // Not a position: refused.
    for position in [0, ledger.head() + 1] {
        assert!(
            matches!(
                api.metrics_as_of(&MetricsScope::All, march, position),
                Err(ProjectionError::InvalidQuery(_))
            ),
            "asOf {position}"
        );
    }
    api.shutdown().await.unwrap();
}

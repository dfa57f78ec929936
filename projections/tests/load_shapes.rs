//! Skewed load, at the scale of a test: more requests in one index window than any chunk may
//! hold. Issue 13's outage was ~2,900 cases sharing one index value in one ~12.7-day window:
//! their index chunk was written but no longer read back, and the cases read model stopped
//! for good. Here 3,000 requests arrive within an hour through one station and half of them
//! are dispatched to one organisation, live (small batches) and rebuilt from position 1; every
//! query must page through all of them, and no stored read-model value may grow with them.

mod support;

use govledger_core::domain::event::RequestEvent;
use govledger_core::domain::ids::{OrganisationId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::{RequestDispatched, RequestReceived};
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::streams::StreamRef;
use govledger_core::time::Timestamp;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{actor, assert_none_stopped, assert_values_within, at, id};
use support::{Ledger, WAIT};
use uuid::Uuid;

/// More than the 2,901 entries a version-4 chunk could hold, and several times
/// `CHUNK_ENTRIES_MAX`, so chunks split more than once.
const BURST_REQUESTS: usize = 3_000;
/// Largest read-model value a burst may leave; the old chunk here held 72,000 bytes.
const STORED_VALUE_BYTES_MAX: usize = 32 * 1024;

struct Burst {
    requests: Vec<(Uuid, Timestamp)>,
    organisation: Uuid,
}

/// Receives `BURST_REQUESTS` requests a second apart, then dispatches every even one.
fn record_burst(ledger: &Ledger) -> Burst {
    let clerk = actor(id(1), "station_clerk", Some(id(2)));
    let dispatcher = actor(id(3), "dispatcher", Some(id(4)));
    let start = at(2024, 6, 3, 9);
    let requests: Vec<(Uuid, Timestamp)> = (0..BURST_REQUESTS)
        .map(|n| {
            (
                id(1_000 + n as u128),
                start.plus_micros(n as i64 * 1_000_000),
            )
        })
        .collect();
    for (n, (request, received_at)) in requests.iter().enumerate() {
        let received = RequestEvent::RequestReceived(RequestReceived {
            request_id: RequestId(*request),
            kind: RequestKind::Complaint,
            category: RequestCategory::Repair,
            description: format!("burst report {n}"),
            requester_id: None,
            location: Location::NOWHERE,
            received_by_organisation_id: None,
            channel: Channel::ServiceStation,
        });
        ledger.record(
            StreamRef::Request(RequestId(*request)),
            received,
            *received_at,
            &clerk,
            None,
        );
    }
    for (request, received_at) in requests.iter().step_by(2) {
        let dispatched = RequestEvent::RequestDispatched(RequestDispatched {
            request_id: RequestId(*request),
            organisation_id: OrganisationId(id(4)),
            category: RequestCategory::Repair,
            response_due_at: received_at.plus_hours(24),
            due_at: received_at.plus_hours(72),
        });
        ledger.record(
            StreamRef::Request(RequestId(*request)),
            dispatched,
            received_at.plus_hours(2),
            &dispatcher,
            None,
        );
    }
    Burst {
        requests,
        organisation: id(4),
    }
}

/// Every case of `filter`, page by page forwards and then backwards: both equal `expect`
/// (newest first), and every page reports the same total.
fn check_pages(api: &ReadApi, filter: &CaseFilter, expect: &[Uuid]) {
    const PAGE: usize = 100;
    let mut forwards = Vec::new();
    let mut page = PageRequest::first(PAGE);
    loop {
        let result = api.cases(filter, &page).expect("a page");
        assert_eq!(result.total_count, expect.len() as u64, "{filter:?}");
        forwards.extend(result.items.iter().map(|case| case.case_id));
        match result.next_cursor {
            Some(cursor) => page.after = Some(cursor),
            None => break,
        }
    }
    assert!(
        forwards == expect,
        "{filter:?} forwards: {} of {}",
        forwards.len(),
        expect.len()
    );
    let mut backwards = Vec::new();
    let mut page = PageRequest::last(PAGE);
    loop {
        let result = api.cases(filter, &page).expect("a page");
        backwards.extend(result.items.iter().rev().map(|case| case.case_id));
        match (result.has_previous_page, result.start_cursor) {
            (true, Some(cursor)) => page.before = Some(cursor),
            _ => break,
        }
    }
    backwards.reverse();
    assert!(
        backwards == expect,
        "{filter:?} backwards: {} of {}",
        backwards.len(),
        expect.len()
    );
}

fn check_burst(api: &ReadApi, burst: &Burst) {
    assert_none_stopped(api);
    let newest_first = |keep: fn(usize) -> bool| -> Vec<Uuid> {
        let mut ids: Vec<(Timestamp, Uuid)> = burst
            .requests
            .iter()
            .enumerate()
            .filter(|(n, _)| keep(*n))
            .map(|(_, (request, at))| (*at, *request))
            .collect();
        ids.sort_by(|a, b| b.cmp(a));
        ids.into_iter().map(|(_, request)| request).collect()
    };
    let requests = CaseFilter::kind(CaseKind::Request);
    check_pages(api, &requests, &newest_first(|_| true));
    let status = |status: &str| CaseFilter {
        status: Some(status.into()),
        ..requests.clone()
    };
    check_pages(api, &status("received"), &newest_first(|n| n % 2 == 1));
    check_pages(api, &status("dispatched"), &newest_first(|n| n % 2 == 0));
    let organisation = CaseFilter {
        organisation_id: Some(burst.organisation),
        ..requests.clone()
    };
    check_pages(api, &organisation, &newest_first(|n| n % 2 == 0));
    // Every dispatched request is overdue a week later: the due index holds all of them.
    let overdue = api
        .overdue_backlog(&requests, at(2024, 6, 10, 0))
        .expect("the backlog");
    assert_eq!(overdue.count, BURST_REQUESTS as u64 / 2);

    assert_values_within(api, &["cases"], STORED_VALUE_BYTES_MAX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_in_one_window_stays_readable_live_and_rebuilt() {
    let ledger = Ledger::new();
    // Live: the read models follow the burst in small batches, so chunks fill and split
    // across many batches.
    let api = ledger.open_read_api(64);
    let burst = record_burst(&ledger);
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    check_burst(&api, &burst);
    // Rebuilt from position 1: the whole index build writes the same queries' answers.
    api.rebuild(RebuildScope::Named("cases".into()))
        .await
        .expect("rebuilt");
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    check_burst(&api, &burst);
    api.shutdown().await.expect("shut down");
}

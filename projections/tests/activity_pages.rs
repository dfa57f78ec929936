//! An account's activity read page by page, both ways, across the spans of 4,096 log
//! positions it is stored in (`storage/position_list.rs`): every position once, newest first,
//! with the neighbours and totals a client pages by, live and rebuilt.

mod support;

use govledger_core::domain::event::RequestEvent;
use govledger_core::domain::ids::{OrganisationId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::RequestReceived;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::streams::StreamRef;
use govledger_projections::page::{Page, PageRequest};
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{actor, assert_none_stopped, at, id};
use support::{Ledger, WAIT};
use uuid::Uuid;

/// Events in all: past the first span, into the third.
const EVENTS: u64 = 8_300;
/// Every `OTHER_EVERY`th event is another account's, so the clerk's positions have gaps.
const OTHER_EVERY: u64 = 7;
const PAGE: usize = 100;

fn clerk() -> Uuid {
    id(1)
}

/// Records the events; returns the clerk's positions, newest first.
fn record(ledger: &Ledger) -> Vec<u64> {
    let clerk = actor(clerk(), "station_clerk", Some(id(2)));
    let other = actor(id(3), "station_clerk", None);
    let mut positions = Vec::new();
    for n in 0..EVENTS {
        let request = id(1_000 + u128::from(n));
        let by_other = n % OTHER_EVERY == 0;
        let recorded = ledger.record(
            StreamRef::Request(RequestId(request)),
            RequestEvent::RequestReceived(RequestReceived {
                request_id: RequestId(request),
                kind: RequestKind::Complaint,
                category: RequestCategory::Repair,
                description: "The lift stops".into(),
                requester_id: None,
                location: Location::NOWHERE,
                received_by_organisation_id: Some(OrganisationId(id(2))),
                channel: Channel::ServiceStation,
            }),
            at(2024, 6, 3, 9).plus_hours(n as i64),
            if by_other { &other } else { &clerk },
            None,
        );
        if !by_other {
            positions.push(recorded.position);
        }
    }
    positions.reverse();
    positions
}

fn page(api: &ReadApi, request: PageRequest) -> Page<u64> {
    let page = api
        .activity_of_account(clerk(), &request)
        .expect("a page of activity");
    let Page {
        items,
        cursors,
        has_next_page,
        has_previous_page,
        start_cursor,
        end_cursor,
        next_cursor,
        total_count,
        total_is_exact,
    } = page;
    Page {
        items: items.iter().map(|entry| entry.position).collect(),
        cursors,
        has_next_page,
        has_previous_page,
        start_cursor,
        end_cursor,
        next_cursor,
        total_count,
        total_is_exact,
    }
}

fn check_pages(api: &ReadApi, expect: &[u64]) {
    let total = expect.len() as u64;
    // Forwards: newest first, each page after the last one's end.
    let mut read: Vec<u64> = Vec::new();
    let mut after = None;
    loop {
        let page = page(
            api,
            PageRequest {
                after: after.clone(),
                ..PageRequest::first(PAGE)
            },
        );
        assert_eq!((page.total_count, page.total_is_exact), (total, true));
        assert_eq!(page.has_previous_page, after.is_some(), "{after:?}");
        assert_eq!(page.cursors.len(), page.items.len());
        read.extend(&page.items);
        if !page.has_next_page {
            assert_eq!(page.next_cursor, None);
            break;
        }
        after = page.next_cursor;
    }
    assert_eq!(read, expect, "forwards");

    // Backwards: oldest first, each page before the last one's start.
    let mut read: Vec<u64> = Vec::new();
    let mut before = None;
    loop {
        let page = page(
            api,
            PageRequest {
                before: before.clone(),
                ..PageRequest::last(PAGE)
            },
        );
        assert_eq!(page.has_next_page, before.is_some(), "{before:?}");
        read.splice(0..0, page.items.iter().copied());
        if !page.has_previous_page {
            break;
        }
        before = page.start_cursor;
    }
    assert_eq!(read, expect, "backwards");

    // A window between two cursors, around the first span's end (position 4,096).
    let first = page(api, PageRequest::first(PAGE));
    let span_end = expect
        .iter()
        .position(|position| *position < 4_096)
        .expect("positions in the first span");
    let window = page(
        api,
        PageRequest {
            after: Some(cursor_at(api, span_end - 5)),
            before: Some(cursor_at(api, span_end + 5)),
            ..PageRequest::first(PAGE)
        },
    );
    assert_eq!(window.items, expect[span_end - 4..span_end + 5]);
    assert!(window.has_previous_page && !window.has_next_page);
    // Past either end: empty, with the whole list on one side.
    let oldest = page(
        api,
        PageRequest {
            after: Some(cursor_at(api, expect.len() - 1)),
            ..PageRequest::first(PAGE)
        },
    );
    assert!(oldest.items.is_empty() && oldest.has_previous_page && !oldest.has_next_page);
    let newest = page(
        api,
        PageRequest {
            before: first.start_cursor,
            ..PageRequest::last(PAGE)
        },
    );
    assert!(newest.items.is_empty() && newest.has_next_page && !newest.has_previous_page);
}

/// The cursor of the clerk's `index`th position, newest first.
fn cursor_at(api: &ReadApi, index: usize) -> String {
    let mut after = None;
    let mut skipped = 0;
    loop {
        let page = page(
            api,
            PageRequest {
                after,
                ..PageRequest::first(PAGE)
            },
        );
        if index < skipped + page.items.len() {
            return page.cursors[index - skipped].clone();
        }
        skipped += page.items.len();
        after = Some(page.next_cursor.expect("more positions"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_pages_cover_every_position_once_both_ways_live_and_rebuilt() {
    let ledger = Ledger::new();
    let api = ledger.open_read_api(512);
    let expect = record(&ledger);
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    assert_none_stopped(&api);
    check_pages(&api, &expect);
    api.rebuild(RebuildScope::All).await.expect("rebuilt");
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    assert_none_stopped(&api);
    check_pages(&api, &expect);
    api.shutdown().await.expect("shut down");
}

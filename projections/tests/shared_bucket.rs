//! Ids are chosen by clients, so a writer can choose many that share one hash bucket of the
//! cases' records (`CASES`, a `storage::PackedTable`). Such a bucket splits one byte of its
//! entry keys deeper once it would pass its size limit, live and rebuilt, so no stored value
//! grows with the cases sharing it, and every case still reads back.

mod support;

use govledger_core::domain::event::RequestEvent;
use govledger_core::domain::ids::{OrganisationId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::RequestReceived;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::streams::StreamRef;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{actor, assert_none_stopped, assert_values_within, at, id};
use support::{Ledger, WAIT};
use uuid::Uuid;

/// Enough ~400-byte records to fill one bucket several times over its 32 KiB limit.
const SHARING: usize = 400;
const STORED_VALUE_BYTES_MAX: usize = 40 * 1024;

/// The documented bucket function of `crate::bucket` (splitmix64 finaliser over both
/// halves, top 14 bits), worked out here independently.
fn bucket_of(id: &Uuid) -> u16 {
    fn mix64(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    let (high, low) = id.as_u64_pair();
    (mix64(high ^ mix64(low)) >> 50) as u16
}

/// `SHARING` request ids in the bucket of the first.
fn sharing_ids() -> Vec<Uuid> {
    let first = id(1_000);
    let bucket = bucket_of(&first);
    (1_000u128..)
        .map(id)
        .filter(|candidate| bucket_of(candidate) == bucket)
        .take(SHARING)
        .collect()
}

fn check(api: &ReadApi, requests: &[Uuid]) {
    assert_none_stopped(api);
    for request in requests {
        let case = api.case(CaseKind::Request, *request).expect("a read");
        assert!(
            case.is_some_and(|case| case.case_id == *request),
            "{request}"
        );
    }
    assert_values_within(api, &["cases"], STORED_VALUE_BYTES_MAX);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_sharing_a_bucket_split_it_live_and_rebuilt() {
    let ledger = Ledger::new();
    let api = ledger.open_read_api(16);
    let clerk = actor(id(1), "station_clerk", Some(id(2)));
    let requests = sharing_ids();
    for (n, request) in requests.iter().enumerate() {
        let received = RequestEvent::RequestReceived(RequestReceived {
            request_id: RequestId(*request),
            kind: RequestKind::Complaint,
            category: RequestCategory::Repair,
            description: format!(
                "{n}: {}",
                "the drain on the corner overflows again. ".repeat(6)
            ),
            requester_id: None,
            location: Location::NOWHERE,
            received_by_organisation_id: Some(OrganisationId(id(2))),
            channel: Channel::ServiceStation,
        });
        ledger.record(
            StreamRef::Request(RequestId(*request)),
            received,
            at(2024, 6, 3, 9),
            &clerk,
            None,
        );
    }
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    check(&api, &requests);
    api.rebuild(RebuildScope::Named("cases".into()))
        .await
        .expect("rebuilt");
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    check(&api, &requests);
    api.shutdown().await.expect("shut down");
}

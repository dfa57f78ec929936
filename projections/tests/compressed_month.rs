//! The synthetic ledger compressed into one day, at the scale of a test (issue 13). In a test
//! binary of its own: sled 0.34's final flush has been seen to hang when a store closes beside
//! another test's read models in the same process (docs/operations.md, "Known issues"), and
//! the hung flush keeps sled's process-wide lock.

mod support;

use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RebuildScope;
use support::domain::{assert_none_stopped, assert_values_within};
use support::{Ledger, WAIT};

/// Largest read-model value the compressed ledger may leave.
const STORED_VALUE_BYTES_MAX: usize = 32 * 1024;

/// The synthetic ledger compressed into one day: every case of a year's worth of requests,
/// works, decisions and mediations shares one index window, one metrics month and a handful
/// of organisations. Live and rebuilt, every read model stays up, the cases count what the
/// generator recorded, and no stored value grows past the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synthetic_ledger_compressed_into_one_day_stays_readable() {
    use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};

    let ledger = Ledger::new();
    let spec = SyntheticSpec {
        events_target: 9_000,
        compounds: 2,
        span_days: 1,
        seed: 13,
        revisions: Revisions::Absent,
    };
    let generated =
        tokio::task::block_in_place(|| synthetic::generate(ledger.store.as_ref(), spec))
            .expect("generated");
    let check = |api: &ReadApi| {
        assert_none_stopped(api);
        for (kind, expect) in [
            (CaseKind::Request, generated.requests),
            (CaseKind::WorkProject, generated.work_projects),
            (CaseKind::Decision, generated.decisions),
            (CaseKind::Mediation, generated.mediations),
        ] {
            let page = api
                .cases(&CaseFilter::kind(kind), &PageRequest::first(1))
                .expect("a page");
            assert_eq!(page.total_count, expect, "{kind:?}");
        }
        assert_values_within(
            api,
            &["cases", "audit", "metrics", "directory"],
            STORED_VALUE_BYTES_MAX,
        );
    };
    let api = ledger.open_read_api(256);
    api.wait_until(ledger.head(), WAIT * 3)
        .await
        .expect("caught up");
    check(&api);
    api.rebuild(RebuildScope::All).await.expect("rebuilt");
    api.wait_until(ledger.head(), WAIT)
        .await
        .expect("caught up");
    check(&api);
    api.shutdown().await.expect("shut down");
}

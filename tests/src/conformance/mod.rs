//! The `EventStore` conformance suite: what every backend must do, written against the trait
//! only. A backend passes when `run_all` does with a factory of fresh, empty stores.
//!
//! ```ignore
//! govledger_tests::conformance::run_all(&|| Arc::new(open_fresh_store()) as Arc<dyn EventStore>);
//! ```
//!
//! Each case is a plain `fn(&dyn StoreFactory)` listed in `CASES`, so a backend's test can run
//! them all and name every case that failed.

mod append;
mod fixtures;
mod idempotency;
mod limits;
mod read;
mod subscribe;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use govledger_core::store::EventStore;

pub use fixtures::{describe, describe_error, event, event_of_type, keyed, request, stream};

/// Makes a fresh, empty store for each case.
pub trait StoreFactory {
    fn fresh(&self) -> Arc<dyn EventStore>;
}

impl<F: Fn() -> Arc<dyn EventStore>> StoreFactory for F {
    fn fresh(&self) -> Arc<dyn EventStore> {
        self()
    }
}

/// One conformance case.
pub struct Case {
    pub name: &'static str,
    pub run: fn(&dyn StoreFactory),
}

/// Every case of the suite.
pub const CASES: &[Case] = &[
    Case {
        name: "expected_version_decides_who_appends",
        run: append::expected_version_decides_who_appends,
    },
    Case {
        name: "multi_event_append_is_atomic",
        run: append::multi_event_append_is_atomic,
    },
    Case {
        name: "positions_and_versions_are_gap_free",
        run: append::positions_and_versions_are_gap_free,
    },
    Case {
        name: "idempotent_retry_returns_the_original_outcome",
        run: idempotency::idempotent_retry_returns_the_original_outcome,
    },
    Case {
        name: "limits_reject_with_typed_errors",
        run: limits::limits_reject_with_typed_errors,
    },
    Case {
        name: "read_limits_reject_with_typed_errors",
        run: limits::read_limits_reject_with_typed_errors,
    },
    Case {
        name: "stream_reads_start_at_a_version",
        run: read::stream_reads_start_at_a_version,
    },
    Case {
        name: "log_reads_page_in_both_directions",
        run: read::log_reads_page_in_both_directions,
    },
    Case {
        name: "log_reads_filter_by_type_and_stream_prefix",
        run: read::log_reads_filter_by_type_and_stream_prefix,
    },
    Case {
        name: "events_are_found_by_position_and_id",
        run: read::events_are_found_by_position_and_id,
    },
    Case {
        name: "head_follows_appends",
        run: subscribe::head_follows_appends,
    },
    Case {
        name: "subscription_catches_up_then_follows",
        run: subscribe::subscription_catches_up_then_follows,
    },
    Case {
        name: "filtered_subscription_skips_other_events",
        run: subscribe::filtered_subscription_skips_other_events,
    },
];

/// Runs every case on fresh stores; panics naming each case that failed.
pub fn run_all(factory: &dyn StoreFactory) {
    let failed: Vec<&str> = CASES
        .iter()
        .filter(|case| catch_unwind(AssertUnwindSafe(|| (case.run)(factory))).is_err())
        .map(|case| case.name)
        .collect();
    assert!(failed.is_empty(), "conformance cases failed: {failed:?}");
}

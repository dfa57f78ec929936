//! The conformance suite on the sled store, the PostgreSQL store and the in-memory model.

use std::sync::Arc;

use govledger_core::store::EventStore;
use govledger_tests::conformance;
use govledger_tests::model::ModelStore;
use govledger_tests::postgres::PostgresFactory;

use super::common::{SledFactory, TINY_TAIL};

#[test]
fn sled_store_conforms() {
    let factory = SledFactory::default();
    conformance::run_all(&|| factory.open_fresh());
}

/// The same suite with the stream index stored every few events: reads cross stored runs
/// and the in-memory tail.
#[test]
fn sled_store_conforms_with_a_tiny_stream_index_tail() {
    let factory = SledFactory::with_tail(TINY_TAIL);
    conformance::run_all(&|| factory.open_fresh());
}

#[test]
fn model_store_conforms() {
    conformance::run_all(&|| Arc::new(ModelStore::default()) as Arc<dyn EventStore>);
}

#[test]
fn postgres_store_conforms() {
    if let Some(factory) = PostgresFactory::new("postgres_store_conforms") {
        conformance::run_all(&factory);
    }
}

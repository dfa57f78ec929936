//! The conformance suite on the sled store and on the in-memory model.

use std::sync::Arc;

use govledger_core::store::EventStore;
use govledger_tests::conformance;
use govledger_tests::model::ModelStore;

use super::common::SledFactory;

#[test]
fn sled_store_conforms() {
    let factory = SledFactory::default();
    conformance::run_all(&|| factory.open_fresh());
}

#[test]
fn model_store_conforms() {
    conformance::run_all(&|| Arc::new(ModelStore::default()) as Arc<dyn EventStore>);
}

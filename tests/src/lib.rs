//! govledger-tests: the backend-agnostic store conformance suite, an in-memory model of the
//! store, end-to-end tests and the `govledger-bench` binary.

pub mod conformance;
pub mod e2e;
pub mod model;
pub mod postgres;
pub mod postgres_cluster;
pub mod shapes;

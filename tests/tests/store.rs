//! The store test binary (one binary, so the crate links once).
//!
//! Table of contents:
//! - `conformance`: the backend-agnostic suite (`govledger_tests::conformance`) on the sled
//!   store and on the in-memory model.
//! - `property`: random append sequences on sled vs the model: same outcomes, same log.
//! - `concurrency`: threads and tasks racing on one stream; many streams in parallel;
//!   readers racing the stream index's tail stores.
//! - `crash`: SIGKILL the `crash-writer` child round after round; every acknowledged event
//!   survives, positions stay gap-free, the chain verifies.
//! - `tamper`: a changed, truncated or missing stored record is named by `verify` and refused
//!   by the open check.
//! - `format`: a newer or corrupt store format is refused with the data untouched.
//! - `restore`: a verbatim restore from stored records is identical, appendable, and refuses
//!   broken records and non-empty targets.
//! - `subscription`: a subscriber following many concurrent writers sees every event once.
//!
//! Long runs: `GOVLEDGER_PROPTEST_CASES`, `GOVLEDGER_CRASH_ROUNDS`.

mod store {
    pub(crate) mod common;
    mod concurrency;
    mod conformance;
    mod crash;
    mod format;
    mod property;
    mod restore;
    mod subscription;
    mod tamper;
}

//! The store test binary (one binary, so the crate links once).
//!
//! Table of contents:
//! - `conformance`: the backend-agnostic suite (`govledger_tests::conformance`) on the sled
//!   store, the PostgreSQL store and the in-memory model (PostgreSQL: a fresh database per
//!   store on `GOVLEDGER_TEST_POSTGRES`; skipped, saying so, when no server answers, unless
//!   `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`).
//! - `property`: random append sequences on sled (and on PostgreSQL) vs the model: same
//!   outcomes, same log.
//! - `concurrency`: threads and tasks racing on one stream; many streams in parallel;
//!   readers racing the stream index's tail stores; each on sled and on PostgreSQL.
//! - `crash`: SIGKILL the `crash-writer` child round after round; every acknowledged event
//!   survives, positions stay gap-free, the chain verifies (on sled, and with the child
//!   appending to PostgreSQL).
//! - `tamper`: a changed, truncated or missing stored record is named by `verify` and refused
//!   by the open check (the record cases on both backends).
//! - `nodes`: three PostgreSQL stores on one database, 16 writers: one gap-free log, every
//!   acknowledged append once, the same head on every node within a second.
//! - `reconnect`: PostgreSQL drops every connection while writers append: appends commit or
//!   answer "retry", the store reconnects, nothing acknowledged is lost, no gap.
//! - `shared_state`: what PostgreSQL nodes share besides the log: tokens created or revoked
//!   on one node count on another within a second (and a node without the database keeps
//!   those it read), the append-only journal under them, personal data and its erasure.
//! - `postgres_restart`: PostgreSQL itself (a private cluster, `postgres_cluster`) stopped
//!   immediately and restarted four times while writers append and retry with the same
//!   idempotency key: every acknowledged append once, no gap, the chain verifies, the store
//!   reconnected by itself.
//! - `format`: a newer or corrupt store format is refused with the data untouched.
//! - `restore`: a verbatim restore from stored records is identical, appendable, and refuses
//!   broken records and non-empty targets.
//! - `subscription`: a subscriber following many concurrent writers sees every event once.
//! - `tlog`: the Merkle tree and signed checkpoints through `TransparencyLog` on sled and on
//!   PostgreSQL: proofs verify against a tree rebuilt from the records; the same records
//!   make the same roots, proofs and stored hashes on both (restored either way, or written
//!   by two PostgreSQL nodes at once); a PostgreSQL ledger written before its tree gets it
//!   at open; two nodes signing at once keep one checkpoint per size.
//!
//! Long runs: `GOVLEDGER_PROPTEST_CASES`, `GOVLEDGER_CRASH_ROUNDS`.

mod store {
    pub(crate) mod common;
    mod concurrency;
    mod conformance;
    mod crash;
    mod format;
    mod nodes;
    mod postgres_restart;
    mod property;
    mod reconnect;
    mod restore;
    mod shared_state;
    mod subscription;
    mod tamper;
    mod tlog;
}

//! The ledger as a transparency log: an RFC 6962 / RFC 9162 Merkle tree over the stored
//! records, its stored hashes, and inclusion and consistency proofs (ADR 0005).
//!
//! Leaf *i* (from 0) is the stored record of position *i* + 1, byte for byte. Its hash is
//! `SHA-256(0x00 || record)`; an interior node's is `SHA-256(0x01 || left || right)`.
//!
//! The tree keeps the hash of every complete subtree ("stored hashes"), numbered in the order
//! they come into being as records are appended, as Go's `golang.org/x/mod/sumdb/tlog` does:
//! record *n*'s leaf hash, then the hashes of the subtrees it completes, level by level. A
//! group of appended records therefore adds one contiguous run of stored hashes, and any
//! subtree's hash, so any proof, costs O(log n) reads of them.

mod checkpoint;
pub mod cosignature;
mod frontier;
mod hashing;
mod index;
pub mod key_file;
mod memory;
pub mod note;
mod proof;
pub mod tile;
mod verify;
pub mod witness;
pub mod witness_store;

pub use checkpoint::{Checkpoint, MalformedCheckpoint};
pub use frontier::Frontier;
pub use hashing::{EMPTY_TREE_ROOT, leaf_hash, node_hash};
pub use index::{stored_hash_count, stored_hash_index};
pub use memory::{MemoryTree, MissingHash};
pub use proof::{ProveError, StoredHashes, prove_consistency, prove_inclusion, tree_root};
pub use verify::{ProofError, verify_consistency, verify_inclusion};

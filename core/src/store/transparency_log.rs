//! The `TransparencyLog` trait: the ledger's Merkle tree (ADR 0005, 0006) and its signed
//! checkpoints (ADR 0007) as readers, the checkpoint signer and the witness client use them,
//! on either backend. Both keep the same stored hashes for the same records, so roots, proofs
//! and tiles are byte for byte the same on sled and on PostgreSQL.

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::EventStore;
use crate::store::sled_store::StoredCheckpoint;
use crate::tlog::note::NoteSigner;

/// The tree over the published log, and the checkpoints kept for it. Nothing reads past the
/// published head; a tree size beyond it is `TreeSizeBeyondHead`.
pub trait TransparencyLog: EventStore {
    /// The root hash of the tree over the first `size` records.
    fn tree_root(&self, size: u64) -> Result<Hash256, StoreError>;

    /// The audit path of leaf `leaf_index` (the record at position `leaf_index + 1`) in the
    /// tree of `tree_size` leaves, leaf to root.
    fn inclusion_proof(&self, tree_size: u64, leaf_index: u64) -> Result<Vec<Hash256>, StoreError>;

    /// The proof that the tree of `new_size` leaves extends the one of `old_size`.
    fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash256>, StoreError>;

    /// Stored hashes by number (`tlog::stored_hash_index`), all below the published tree's
    /// `stored_hash_count`: what hash tiles are cut from.
    fn stored_tree_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError>;

    /// The leaves `first..first + count` (leaf `i` is the record at position `i + 1`), each
    /// record's bytes as its chain hash covers them; at most `TREE_LEAVES_READ_MAX`.
    fn tree_leaves(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError>;

    /// Signs a checkpoint of the published head with `signer` and keeps it durably, unless
    /// one of that size is kept already (by this node or another); returns the kept one.
    fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<StoredCheckpoint, StoreError>;

    /// Appends witnesses' cosignature lines (checked by the caller) to the note kept for
    /// `tree_size`, skipping lines it holds; `None` when no checkpoint of that size is kept.
    fn add_cosignatures(
        &self,
        tree_size: u64,
        lines: &[String],
    ) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The checkpoint kept for `tree_size`, if any.
    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// The kept checkpoint of the largest tree.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;

    /// Up to `limit` (at most `CHECKPOINTS_PAGE_MAX`) kept checkpoints of sizes from
    /// `from_size` on, oldest first.
    fn checkpoints_from(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// Up to `limit` (at most `CHECKPOINTS_PAGE_MAX`) kept checkpoints of sizes below
    /// `before_size` (all when `None`), newest first.
    fn checkpoints(
        &self,
        before_size: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError>;
}

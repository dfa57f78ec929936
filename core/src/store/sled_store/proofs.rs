//! The Merkle tree over the ledger, as readers see it: roots, proofs and stored hashes of
//! any tree size up to the published head (ADR 0006). Each costs O(log n) reads of `H`
//! entries, and none reads past the published head.

use crate::codec;
use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::Direction;
use crate::store::EventStore;
use crate::store::sled_store::SledStore;
use crate::store::sled_store::records;
use crate::store::sled_store::tree_hashes::TreeHashReader;
use crate::tlog::{
    ProveError, StoredHashes, prove_consistency, prove_inclusion, stored_hash_count, tree_root,
};

impl SledStore {
    /// A reader of the tree of `size` leaves, if the published log is that long.
    fn tree_of(&self, size: u64) -> Result<TreeHashReader<'_>, StoreError> {
        let head = self.head().position;
        if size > head {
            return Err(StoreError::TreeSizeBeyondHead { size, head });
        }
        Ok(TreeHashReader::new(&self.tree, size))
    }

    /// The root hash of the tree over the first `size` records.
    pub fn tree_root(&self, size: u64) -> Result<Hash256, StoreError> {
        tree_root(size, &self.tree_of(size)?)
    }

    /// The audit path of leaf `leaf_index` (the record at position `leaf_index + 1`) in the
    /// tree of `tree_size` leaves, leaf to root.
    pub fn inclusion_proof(
        &self,
        tree_size: u64,
        leaf_index: u64,
    ) -> Result<Vec<Hash256>, StoreError> {
        prove_inclusion(tree_size, leaf_index, &self.tree_of(tree_size)?).map_err(from_prove)
    }

    /// The proof that the tree of `new_size` leaves extends the one of `old_size`.
    pub fn consistency_proof(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash256>, StoreError> {
        prove_consistency(old_size, new_size, &self.tree_of(new_size)?).map_err(from_prove)
    }

    /// Stored hashes by number (`tlog::stored_hash_index`), all below the published tree's
    /// `stored_hash_count`: what hash tiles are cut from.
    pub fn stored_tree_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError> {
        let head = self.head().position;
        if let Some(&beyond) = numbers.iter().find(|&&n| n >= stored_hash_count(head)) {
            return Err(StoreError::TreeSizeBeyondHead { size: beyond, head });
        }
        TreeHashReader::new(&self.tree, head).stored_hashes(numbers)
    }
}

impl SledStore {
    /// The leaves `first..first + count` (leaf `i` is the record at position `i + 1`): each
    /// record's exact bytes as its chain hash covers them (an export's `record_hex`), for
    /// entry bundles. All within the published head; at most `TREE_LEAVES_READ_MAX`.
    pub fn tree_leaves(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        check_leaves_read(first, count, self.head().position)?;
        let mut leaves = Vec::with_capacity(count as usize);
        if count == 0 {
            return Ok(leaves);
        }
        for entry in records::scan(&self.tree, first + 1, first + count, Direction::Forwards)? {
            let (position, value) = entry?;
            let (covered, _) = codec::split_stored(position, &value)?;
            leaves.push(covered.to_vec());
        }
        if leaves.len() as u64 != count {
            return Err(StoreError::Corrupt {
                position: first + 1 + leaves.len() as u64,
                reason: "event is missing".into(),
            });
        }
        Ok(leaves)
    }
}

/// Most leaves one `tree_leaves` call reads (one full entry bundle).
pub const TREE_LEAVES_READ_MAX: u64 = 256;

/// Refuses a read of the leaves `first..first + count` that reaches past the published
/// `head` or is longer than `TREE_LEAVES_READ_MAX` (both backends check the same).
pub(crate) fn check_leaves_read(first: u64, count: u64, head: u64) -> Result<(), StoreError> {
    let end = first.saturating_add(count);
    if end > head {
        return Err(StoreError::TreeSizeBeyondHead { size: end, head });
    }
    if count > TREE_LEAVES_READ_MAX {
        return Err(StoreError::ReadLimitOutOfRange {
            requested: usize::try_from(count).unwrap_or(usize::MAX),
            limit: TREE_LEAVES_READ_MAX as usize,
        });
    }
    Ok(())
}

fn from_prove(error: ProveError<StoreError>) -> StoreError {
    match error {
        ProveError::Request(error) => StoreError::ProofNotPossible(error),
        ProveError::Read(error) => error,
    }
}

//! `TransparencyLog` on sled: the store's own tree and checkpoint methods (`proofs.rs`,
//! `checkpoints.rs`) behind the trait both backends share.

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::TransparencyLog;
use crate::store::sled_store::{SledStore, StoredCheckpoint};
use crate::tlog::note::NoteSigner;

impl TransparencyLog for SledStore {
    fn tree_root(&self, size: u64) -> Result<Hash256, StoreError> {
        SledStore::tree_root(self, size)
    }

    fn inclusion_proof(&self, tree_size: u64, leaf_index: u64) -> Result<Vec<Hash256>, StoreError> {
        SledStore::inclusion_proof(self, tree_size, leaf_index)
    }

    fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash256>, StoreError> {
        SledStore::consistency_proof(self, old_size, new_size)
    }

    fn stored_tree_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError> {
        SledStore::stored_tree_hashes(self, numbers)
    }

    fn tree_leaves(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        SledStore::tree_leaves(self, first, count)
    }

    fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<StoredCheckpoint, StoreError> {
        SledStore::sign_checkpoint(self, signer)
    }

    fn add_cosignatures(
        &self,
        tree_size: u64,
        lines: &[String],
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        SledStore::add_cosignatures(self, tree_size, lines)
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        SledStore::checkpoint_at(self, tree_size)
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        SledStore::latest_checkpoint(self)
    }

    fn checkpoints_from(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        SledStore::checkpoints_from(self, from_size, limit)
    }

    fn checkpoints(
        &self,
        before_size: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        SledStore::checkpoints(self, before_size, limit)
    }
}

//! `TransparencyLog` on PostgreSQL: each call bounded by this node's published head, its
//! queries run on the store's runtime (`proofs.rs`, `checkpoints.rs`), roots and proofs
//! folded by `tlog` from the stored hashes as on sled.

use std::sync::Arc;

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::TransparencyLog;
use crate::store::postgres_store::{PostgresStore, checkpoints, proofs};
use crate::store::sled_store::{StoredCheckpoint, check_checkpoints_page, check_leaves_read};
use crate::tlog::note::NoteSigner;
use crate::tlog::{
    ProveError, StoredHashes, prove_consistency, prove_inclusion, stored_hash_count, tree_root,
};

/// The tree of `size` leaves (at most the published head), read through the store.
struct TreeOf<'a> {
    store: &'a PostgresStore,
    size: u64,
}

impl StoredHashes for TreeOf<'_> {
    type Error = StoreError;

    fn stored_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError> {
        let count = stored_hash_count(self.size);
        if let Some(&beyond) = numbers.iter().find(|&&number| number >= count) {
            return Err(StoreError::Corrupt {
                position: 0,
                reason: format!("stored tree hash {beyond} is beyond the tree"),
            });
        }
        let readers = Arc::clone(&self.store.readers);
        let numbers = numbers.to_vec();
        self.store
            .run(async move { proofs::stored_hashes(&readers, numbers).await })
    }
}

impl PostgresStore {
    fn tree_of(&self, size: u64) -> Result<TreeOf<'_>, StoreError> {
        let head = self.published_head();
        if size > head {
            return Err(StoreError::TreeSizeBeyondHead { size, head });
        }
        Ok(TreeOf { store: self, size })
    }
}

fn from_prove(error: ProveError<StoreError>) -> StoreError {
    match error {
        ProveError::Request(error) => StoreError::ProofNotPossible(error),
        ProveError::Read(error) => error,
    }
}

impl TransparencyLog for PostgresStore {
    fn tree_root(&self, size: u64) -> Result<Hash256, StoreError> {
        tree_root(size, &self.tree_of(size)?)
    }

    fn inclusion_proof(&self, tree_size: u64, leaf_index: u64) -> Result<Vec<Hash256>, StoreError> {
        prove_inclusion(tree_size, leaf_index, &self.tree_of(tree_size)?).map_err(from_prove)
    }

    fn consistency_proof(&self, old_size: u64, new_size: u64) -> Result<Vec<Hash256>, StoreError> {
        prove_consistency(old_size, new_size, &self.tree_of(new_size)?).map_err(from_prove)
    }

    fn stored_tree_hashes(&self, numbers: &[u64]) -> Result<Vec<Hash256>, StoreError> {
        let head = self.published_head();
        if let Some(&beyond) = numbers.iter().find(|&&n| n >= stored_hash_count(head)) {
            return Err(StoreError::TreeSizeBeyondHead { size: beyond, head });
        }
        self.tree_of(head)?.stored_hashes(numbers)
    }

    fn tree_leaves(&self, first: u64, count: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        check_leaves_read(first, count, self.published_head())?;
        let readers = Arc::clone(&self.readers);
        self.run(async move { proofs::leaves(&readers, first, count).await })
    }

    fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<StoredCheckpoint, StoreError> {
        let tree_size = self.published_head();
        if let Some(kept) = self.checkpoint_at(tree_size)? {
            return Ok(kept);
        }
        let signed = StoredCheckpoint::sign(signer, tree_size, self.tree_root(tree_size)?)?;
        let readers = Arc::clone(&self.readers);
        self.run(async move { checkpoints::keep(&readers, signed).await })
    }

    fn add_cosignatures(
        &self,
        tree_size: u64,
        lines: &[String],
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let readers = Arc::clone(&self.readers);
        let lines = lines.to_vec();
        self.run(async move { checkpoints::add_cosignatures(&readers, tree_size, lines).await })
    }

    fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        self.run(async move { checkpoints::at(&readers, tree_size, head).await })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        Ok(self.checkpoints(None, 1)?.pop())
    }

    fn checkpoints_from(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        check_checkpoints_page(limit)?;
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        self.run(async move { checkpoints::from(&readers, from_size, limit, head).await })
    }

    fn checkpoints(
        &self,
        before_size: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        check_checkpoints_page(limit)?;
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        self.run(async move { checkpoints::before(&readers, before_size, limit, head).await })
    }
}

//! `StoredTree`: one tree of the read-model database as the runner uses it, a generation of
//! a projection's read model (or the catalog). It reads and writes single keys, commits a
//! batch's changes with the keys that end it (the runner's checkpoint) in one atomic commit
//! or paced in pieces (`paced_commit.rs`), stores values ahead of a commit, and hands queries
//! a `ReadModel` and folds a `ReadModelWrites` over it.

use crate::storage::StorageError;
use crate::storage::paced_commit::{self, Pacing};
use crate::storage::read_model::ReadModel;
use crate::storage::writes::{Change, RUNNER_KEY_PREFIX, is_memo};

/// Threads that store a lane's indexes ahead of the commit that ends their deferral.
const STORE_AHEAD_THREADS: usize = 2;

#[derive(Clone)]
pub(crate) struct StoredTree {
    tree: sled::Tree,
}

impl StoredTree {
    pub(crate) fn new(tree: sled::Tree) -> StoredTree {
        StoredTree { tree }
    }

    /// The value stored under `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>, StorageError> {
        Ok(self.tree.get(key)?)
    }

    /// Whether a value is stored under `key`.
    pub(crate) fn contains(&self, key: &[u8]) -> Result<bool, StorageError> {
        Ok(self.tree.contains_key(key)?)
    }

    /// Stores `value` under `key`, on its own (not part of a commit).
    pub(crate) fn insert(&self, key: &[u8], value: &[u8]) -> Result<(), StorageError> {
        self.tree.insert(key, value)?;
        Ok(())
    }

    /// Whether the tree holds a key a projection wrote (any key but the runner's).
    pub(crate) fn holds_read_model_keys(&self) -> bool {
        self.tree.range([RUNNER_KEY_PREFIX + 1]..).next().is_some()
    }

    /// Removes every key.
    pub(crate) fn clear(&self) -> Result<(), StorageError> {
        Ok(self.tree.clear()?)
    }

    /// Commits `changes` (sorted by key; the memos among them are left out), then `ending`
    /// (the checkpoint and markers that end the commit), paced by `pacing`: `Pacing::Whole`
    /// is one atomic commit. Once it returns `Ok`, all of them are applied.
    pub(crate) fn commit(
        &self,
        changes: &[Change],
        ending: Vec<Change>,
        pacing: Pacing,
    ) -> Result<(), StorageError> {
        let writes: Vec<Change> = changes
            .iter()
            .filter(|(key, _)| !is_memo(key))
            .cloned()
            .collect();
        Ok(paced_commit::apply(&self.tree, writes, ending, pacing)?)
    }

    /// Whether a commit in pieces was left part-way written (see `paced_commit.rs`).
    pub(crate) fn holds_torn_commit(&self) -> Result<bool, StorageError> {
        Ok(paced_commit::is_torn(&self.tree)?)
    }

    /// Stores the `changes` (values only, sorted by key) with plain inserts, by
    /// `STORE_AHEAD_THREADS` threads on contiguous ranges of keys. Why: sled 0.34 holds a
    /// process-wide lock for the whole of an `apply_batch`, so the ~30,000 keys the cases'
    /// index build of a 1M-event rebuild writes took one core ~0.7 s at the very end of the
    /// rebuild; inserts only share that lock, and run side by side.
    pub(crate) fn store_ahead(&self, changes: &[Change]) -> Result<(), StorageError> {
        let tree = &self.tree;
        let per_thread = changes.len().div_ceil(STORE_AHEAD_THREADS).max(1);
        let store = |part: &[Change]| -> Result<(), sled::Error> {
            for (key, value) in part {
                if let Some(value) = value {
                    tree.insert(key.clone(), value.clone())?;
                }
            }
            Ok(())
        };
        let stored = std::thread::scope(|scope| {
            let others: Vec<_> = changes
                .chunks(per_thread)
                .skip(1)
                .map(|part| scope.spawn(move || store(part)))
                .collect();
            let first = changes.chunks(per_thread).next().map_or(Ok(()), store);
            others.into_iter().fold(first, |result, other| {
                let stored = other.join().unwrap_or_else(|_| {
                    Err(sled::Error::ReportableBug("storing ahead panicked".into()))
                });
                result.and(stored)
            })
        });
        Ok(stored?)
    }

    /// A read handle on the tree for queries.
    pub(crate) fn read_model(&self) -> ReadModel {
        ReadModel::new(self.tree.clone())
    }
}

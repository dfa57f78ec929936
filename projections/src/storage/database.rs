//! `ReadModelDatabase`: the read models' database, a sled database of its own beside the
//! ledger, and its trees by name. The runner names the trees (a catalog, one tree per
//! generation of each projection: `runner/catalog.rs`); this opens, lists and drops them.

use std::path::Path;

use crate::error::ProjectionError;
use crate::storage::{StorageError, StoredTree};

#[derive(Clone)]
pub(crate) struct ReadModelDatabase {
    db: sled::Db,
}

impl ReadModelDatabase {
    /// Opens (or creates) the database at `path` with a page cache of `cache_capacity_bytes`,
    /// waiting briefly while a handle of this process that is letting go of it still holds
    /// its lock (a runner reopened after a shutdown).
    pub(crate) fn open(
        path: &Path,
        cache_capacity_bytes: u64,
    ) -> Result<ReadModelDatabase, ProjectionError> {
        let config = sled::Config::new()
            .path(path)
            .cache_capacity(cache_capacity_bytes);
        let db = govledger_core::store::sled_store::open_waiting_for_lock(&config)
            .map_err(|e| ProjectionError::Storage(format!("opening {}: {e}", path.display())))?;
        Ok(ReadModelDatabase { db })
    }

    /// A database in memory and a temporary directory, removed once its last tree is dropped.
    pub(crate) fn temporary() -> Result<ReadModelDatabase, StorageError> {
        let db = sled::Config::new().temporary(true).open()?;
        Ok(ReadModelDatabase { db })
    }

    /// The tree named `name`, created empty if there is none.
    pub(crate) fn open_tree(&self, name: &str) -> Result<StoredTree, StorageError> {
        Ok(StoredTree::new(self.db.open_tree(name)?))
    }

    /// The names of the database's trees (those that are UTF-8: every tree the runner names).
    pub(crate) fn tree_names(&self) -> Vec<String> {
        self.db
            .tree_names()
            .into_iter()
            .filter_map(|name| std::str::from_utf8(&name).ok().map(str::to_owned))
            .collect()
    }

    /// Drops the tree named `name` and everything in it.
    pub(crate) fn drop_tree(&self, name: &str) -> Result<(), StorageError> {
        self.db.drop_tree(name.as_bytes())?;
        Ok(())
    }

    /// Writes everything applied so far to disk.
    pub(crate) fn flush(&self) -> Result<(), StorageError> {
        self.db.flush()?;
        Ok(())
    }
}

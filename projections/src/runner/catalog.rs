//! The catalog: which generation of each projection's tree is live, and which one is being
//! built. One record per projection in the `catalog` tree; changing it is how a rebuild
//! switches atomically (one insert, then a flush).
//!
//! Tree names are `read_model/<projection>/<generation>`. A generation the catalog does not
//! name (the previous one after a switch, a half-built one after a version change) is dropped
//! at the next open.

use govledger_core::codec::{decode_payload, encode_payload};
use serde::{Deserialize, Serialize};

use crate::error::ProjectionError;
use crate::storage::{ReadModelDatabase, StoredTree};

const CATALOG_TREE: &str = "catalog";
const READ_MODEL_TREE_PREFIX: &str = "read_model/";

/// One build of a projection's read model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Generation {
    pub number: u64,
    /// The projection version that built it.
    pub version: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CatalogEntry {
    /// Answers queries.
    pub live: Option<Generation>,
    /// Being built from position 1; replaces `live` once caught up.
    pub building: Option<Generation>,
    /// The number the next generation gets.
    pub next_number: u64,
}

impl CatalogEntry {
    pub(crate) fn allocate(&mut self, version: u32) -> Generation {
        self.next_number = self.next_number.max(1);
        let generation = Generation {
            number: self.next_number,
            version,
        };
        self.next_number += 1;
        generation
    }
}

#[derive(Clone)]
pub(crate) struct Catalog {
    db: ReadModelDatabase,
    tree: StoredTree,
}

impl Catalog {
    pub(crate) fn open(db: ReadModelDatabase) -> Result<Catalog, ProjectionError> {
        let tree = db.open_tree(CATALOG_TREE)?;
        Ok(Catalog { db, tree })
    }

    pub(crate) fn entry(&self, projection: &str) -> Result<CatalogEntry, ProjectionError> {
        match self.tree.get(projection.as_bytes())? {
            None => Ok(CatalogEntry::default()),
            Some(bytes) => decode_payload(&bytes).map_err(|e| {
                ProjectionError::Corrupt(format!("catalog entry of {projection}: {e}"))
            }),
        }
    }

    /// Stores the entry durably: a switch must survive a crash once it is visible.
    pub(crate) fn save(
        &self,
        projection: &str,
        entry: &CatalogEntry,
    ) -> Result<(), ProjectionError> {
        let bytes = encode_payload(entry)
            .map_err(|e| ProjectionError::Storage(format!("encoding the catalog: {e}")))?;
        self.tree.insert(projection.as_bytes(), &bytes)?;
        self.db.flush()?;
        Ok(())
    }

    pub(crate) fn open_generation(
        &self,
        projection: &str,
        generation: Generation,
    ) -> Result<StoredTree, ProjectionError> {
        Ok(self
            .db
            .open_tree(&tree_name(projection, generation.number))?)
    }

    /// Drops every tree of `projection` that `entry` does not name.
    pub(crate) fn drop_unreferenced(
        &self,
        projection: &str,
        entry: &CatalogEntry,
    ) -> Result<(), ProjectionError> {
        let prefix = format!("{READ_MODEL_TREE_PREFIX}{projection}/");
        let keep: Vec<String> = [entry.live, entry.building]
            .into_iter()
            .flatten()
            .map(|generation| tree_name(projection, generation.number))
            .collect();
        for name in self.db.tree_names() {
            if name.starts_with(&prefix) && !keep.contains(&name) {
                tracing::info!(
                    tree = name.as_str(),
                    "dropping a retired read-model generation"
                );
                self.db.drop_tree(&name)?;
            }
        }
        Ok(())
    }

    pub(crate) fn flush(&self) -> Result<(), ProjectionError> {
        self.db.flush()?;
        Ok(())
    }
}

fn tree_name(projection: &str, number: u64) -> String {
    format!("{READ_MODEL_TREE_PREFIX}{projection}/{number}")
}

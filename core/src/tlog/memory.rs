//! A tree held in memory: what an offline verifier builds from an export's records, and what
//! the tests compare the store against.

use thiserror::Error;

use crate::hash::Hash256;
use crate::tlog::frontier::Frontier;
use crate::tlog::hashing::leaf_hash;
use crate::tlog::proof::StoredHashes;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("stored hash {0} is not in the tree")]
pub struct MissingHash(pub u64);

#[derive(Debug, Clone)]
pub struct MemoryTree {
    stored: Vec<Hash256>,
    frontier: Frontier,
}

impl Default for MemoryTree {
    fn default() -> Self {
        MemoryTree::new()
    }
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree {
            stored: Vec::new(),
            frontier: Frontier::empty(),
        }
    }

    /// Appends the leaf holding `record`.
    pub fn push(&mut self, record: &[u8]) {
        self.frontier.append(leaf_hash(record), &mut self.stored);
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash256 {
        self.frontier.root()
    }

    /// Every stored hash, in storage order.
    pub fn stored(&self) -> &[Hash256] {
        &self.stored
    }
}

impl StoredHashes for MemoryTree {
    type Error = MissingHash;

    fn stored_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash256>, MissingHash> {
        indexes
            .iter()
            .map(|&at| {
                usize::try_from(at)
                    .ok()
                    .and_then(|at| self.stored.get(at).copied())
                    .ok_or(MissingHash(at))
            })
            .collect()
    }
}

//! `ReadModelWrites`: the writes of one batch to one projection's tree, held in memory until
//! the runner commits them with the checkpoint in one atomic `apply_batch`.
//!
//! Reads go through the overlay first, so an event sees what earlier events of the same batch
//! wrote; several updates of one key within a batch collapse into one stored write, which is
//! what makes catching up fast.

use std::collections::BTreeMap;

use govledger_core::codec::{decode_payload, encode_payload};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApplyError;

/// Keys starting with this byte belong to the runner (the checkpoint); a projection's keys
/// start with any other byte.
pub(crate) const RUNNER_KEY_PREFIX: u8 = 0x00;

pub struct ReadModelWrites<'t> {
    tree: &'t sled::Tree,
    /// `Some(value)` to write, `None` to remove.
    overlay: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'t> ReadModelWrites<'t> {
    pub(crate) fn new(tree: &'t sled::Tree) -> ReadModelWrites<'t> {
        ReadModelWrites {
            tree,
            overlay: BTreeMap::new(),
        }
    }

    /// The value under `key` as of the events applied so far (stored, then this batch).
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, ApplyError> {
        match self.overlay.get(key) {
            Some(pending) => Ok(pending.clone()),
            None => Ok(self.tree.get(key)?.map(|value| value.to_vec())),
        }
    }

    /// Whether a value exists under `key`.
    pub fn contains(&self, key: &[u8]) -> Result<bool, ApplyError> {
        match self.overlay.get(key) {
            Some(pending) => Ok(pending.is_some()),
            None => Ok(self.tree.contains_key(key)?),
        }
    }

    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        assert_projection_key(&key);
        self.overlay.insert(key, Some(value));
    }

    pub fn remove(&mut self, key: Vec<u8>) {
        assert_projection_key(&key);
        self.overlay.insert(key, None);
    }

    /// The record under `key`, decoded.
    pub fn get_record<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>, ApplyError> {
        match self.get(key)? {
            None => Ok(None),
            Some(bytes) => decode_payload(&bytes).map(Some).map_err(|e| {
                ApplyError::Storage(format!("read-model record does not decode: {e}"))
            }),
        }
    }

    pub fn put_record<T: Serialize>(&mut self, key: Vec<u8>, record: &T) -> Result<(), ApplyError> {
        let bytes = encode_payload(record)
            .map_err(|e| ApplyError::Storage(format!("encoding a read-model record: {e}")))?;
        self.insert(key, bytes);
        Ok(())
    }

    /// Number of keys this batch writes or removes.
    pub fn pending_keys(&self) -> usize {
        self.overlay.len()
    }

    /// The sled batch to commit, with the runner's own keys added by the caller.
    pub(crate) fn into_batch(self) -> sled::Batch {
        let mut batch = sled::Batch::default();
        for (key, value) in self.overlay {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        batch
    }
}

fn assert_projection_key(key: &[u8]) {
    // A programmer error, not an input error: projections build keys from constant prefixes.
    assert!(
        key.first().is_some_and(|first| *first != RUNNER_KEY_PREFIX),
        "read-model keys must be non-empty and must not start with the runner's prefix"
    );
}

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
    /// Scratch values that live for one batch and are never stored (see `note_once`).
    notes: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl<'t> ReadModelWrites<'t> {
    pub(crate) fn new(tree: &'t sled::Tree) -> ReadModelWrites<'t> {
        ReadModelWrites {
            tree,
            overlay: BTreeMap::new(),
            notes: BTreeMap::new(),
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

    /// Appends `bytes` to the value under `key` (an empty value if there is none), in place:
    /// a list that many events of a batch extend is read once and written once.
    pub fn append(&mut self, key: Vec<u8>, bytes: &[u8]) -> Result<(), ApplyError> {
        assert_projection_key(&key);
        if let Some(Some(value)) = self.overlay.get_mut(&key) {
            value.extend_from_slice(bytes);
            return Ok(());
        }
        let mut value = self.get(&key)?.unwrap_or_default();
        value.extend_from_slice(bytes);
        self.overlay.insert(key, Some(value));
        Ok(())
    }

    /// Keeps `value` under `key` for the rest of the batch, unless a note is already there;
    /// returns whether this call stored it. A projection notes what it needs at the end of the
    /// batch (`Projection::finish_batch`), e.g. a record as it stood before the batch.
    pub fn note_once(&mut self, key: &[u8], value: impl FnOnce() -> Vec<u8>) -> bool {
        if self.notes.contains_key(key) {
            return false;
        }
        self.notes.insert(key.to_vec(), value());
        true
    }

    /// Takes every note of the batch, in key order.
    pub fn take_notes(&mut self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        std::mem::take(&mut self.notes)
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

//! `ReadModel`: a read handle on the answering generation of one projection's tree. Query
//! modules build on it; it hides the runner's own keys.

use std::ops::Bound;

use govledger_core::codec::decode_payload;
use serde::de::DeserializeOwned;

use crate::error::ProjectionError;
use crate::runner::writes::RUNNER_KEY_PREFIX;

/// A stored key and value.
pub type Entry = (Vec<u8>, Vec<u8>);

#[derive(Clone)]
pub struct ReadModel {
    tree: sled::Tree,
}

impl ReadModel {
    pub(crate) fn new(tree: sled::Tree) -> ReadModel {
        ReadModel { tree }
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>, ProjectionError> {
        Ok(self.tree.get(key)?)
    }

    pub fn get_record<T: DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, ProjectionError> {
        match self.tree.get(key)? {
            None => Ok(None),
            Some(bytes) => decode_record(&bytes).map(Some),
        }
    }

    /// Keys and values under `prefix` from `after` (exclusive; `None` starts at the prefix),
    /// in key order.
    pub fn scan_after(
        &self,
        prefix: &[u8],
        after: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>> + use<> {
        let low = match after {
            Some(key) => Bound::Excluded(key.to_vec()),
            None => Bound::Included(prefix.to_vec()),
        };
        let prefix = prefix.to_vec();
        self.tree
            .range::<Vec<u8>, _>((low, Bound::Unbounded))
            .take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                Err(_) => true,
            })
            .map(|entry| entry.map_err(ProjectionError::from))
    }

    /// Keys and values under `prefix` from `start` (inclusive), in key order.
    pub fn scan_from(
        &self,
        prefix: &[u8],
        start: &[u8],
    ) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>> + use<> {
        let prefix = prefix.to_vec();
        self.tree
            .range(start.to_vec()..)
            .take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                Err(_) => true,
            })
            .map(|entry| entry.map_err(ProjectionError::from))
    }

    /// Keys and values under `prefix`, in reverse key order, from `last` (inclusive; `None`
    /// starts at the prefix's last key).
    pub fn scan_rev_through(
        &self,
        prefix: &[u8],
        last: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>> + use<> {
        let high = match last {
            Some(key) => Bound::Included(key.to_vec()),
            None => match prefix_successor(prefix) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            },
        };
        let low = Bound::Included(prefix.to_vec());
        let prefix = prefix.to_vec();
        self.tree
            .range::<Vec<u8>, _>((low, high))
            .rev()
            .take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                Err(_) => true,
            })
            .map(|entry| entry.map_err(ProjectionError::from))
    }

    /// Number of keys under `prefix` (a count index is cheaper; use this for small sets).
    pub fn count_prefix(&self, prefix: &[u8]) -> Result<u64, ProjectionError> {
        let mut count = 0;
        for entry in self.tree.scan_prefix(prefix) {
            entry?;
            count += 1;
        }
        Ok(count)
    }

    /// Every key and value the projection wrote, in key order (tests and diagnostics: it
    /// reads the whole tree).
    pub fn entries(&self) -> Result<Vec<Entry>, ProjectionError> {
        let mut entries = Vec::new();
        for entry in self.tree.range([RUNNER_KEY_PREFIX + 1]..) {
            let (key, value) = entry?;
            entries.push((key.to_vec(), value.to_vec()));
        }
        Ok(entries)
    }
}

/// The least key greater than every key starting with `prefix` (`None` if there is none).
fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

pub(crate) fn decode_record<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProjectionError> {
    decode_payload(bytes)
        .map_err(|e| ProjectionError::Corrupt(format!("read-model record does not decode: {e}")))
}

//! `ReadModel`: a read handle on the answering generation of one projection's tree. Query
//! modules build on it; it hides the runner's own keys.

use std::ops::Bound;

use govledger_core::codec::decode_payload;
use serde::de::DeserializeOwned;

use crate::error::ProjectionError;
use crate::storage::writes::RUNNER_KEY_PREFIX;

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

    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>, ProjectionError> {
        Ok(self.tree.get(key)?)
    }

    pub(crate) fn get_record<T: DeserializeOwned>(
        &self,
        key: &[u8],
    ) -> Result<Option<T>, ProjectionError> {
        match self.tree.get(key)? {
            None => Ok(None),
            Some(bytes) => decode_record(&bytes)
                .map(Some)
                .map_err(|e| e.at_key(key, bytes.len())),
        }
    }

    /// Keys and values under `prefix` from `after` (exclusive; `None` starts at the prefix),
    /// in key order.
    pub(crate) fn scan_after(
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
    pub(crate) fn scan_from(
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

    /// Keys and values under `prefix` before `before` (exclusive; `None` starts at the
    /// prefix's end), in descending key order (backward paging).
    pub(crate) fn scan_before(
        &self,
        prefix: &[u8],
        before: Option<&[u8]>,
    ) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>> + use<> {
        let high = match before {
            Some(key) => Bound::Excluded(key.to_vec()),
            None => match prefix_end(prefix) {
                Some(end) => Bound::Excluded(end),
                None => Bound::Unbounded,
            },
        };
        let prefix = prefix.to_vec();
        self.tree
            .range::<Vec<u8>, _>((Bound::Included(prefix.clone()), high))
            .rev()
            .take_while(move |entry| match entry {
                Ok((key, _)) => key.starts_with(&prefix),
                Err(_) => true,
            })
            .map(|entry| entry.map_err(ProjectionError::from))
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

pub(crate) fn decode_record<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ProjectionError> {
    decode_payload(bytes)
        .map_err(|e| ProjectionError::Corrupt(format!("read-model record does not decode: {e}")))
}

/// A read-model key for messages: printable ASCII as is, every other byte as `\xNN`, at most
/// 96 bytes of it.
pub(crate) fn key_hex(key: &[u8]) -> String {
    let mut out = String::with_capacity(key.len() * 2);
    for &byte in key.iter().take(96) {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    if key.len() > 96 {
        out.push('…');
    }
    out
}

/// The smallest key above every key under `prefix`; `None` when no key is (all 0xff).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

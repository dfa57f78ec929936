//! The stored idempotency keys, read out for a backup and written back by a restore
//! (ADR 0009), so a client retrying a write made before the backup is answered `replayed`
//! with its original position after the restore.

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::limits::IDEMPOTENCY_KEY_BYTES_MAX;
use crate::store::AppendOutcome;
use crate::store::sled_store::{SledStore, keys};

/// Most idempotency keys one `idempotency_keys` call examines.
pub const IDEMPOTENCY_PAGE_MAX: usize = 4_096;

/// An idempotency key, the fingerprint of the request it was first used with, and the
/// outcome of that append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyEntry {
    pub key: String,
    pub fingerprint: Hash256,
    pub outcome: AppendOutcome,
}

/// One page of keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyPage {
    pub entries: Vec<IdempotencyEntry>,
    /// The last key examined, to continue after; `None` once every key was examined.
    pub next_after: Option<String>,
}

impl IdempotencyEntry {
    /// Checks the entry could have been stored: a key of 1..=128 bytes, an outcome whose
    /// positions are in order.
    pub fn check(&self) -> Result<(), String> {
        if self.key.is_empty() || self.key.len() > IDEMPOTENCY_KEY_BYTES_MAX {
            return Err(format!(
                "an idempotency key of {} bytes (1..={IDEMPOTENCY_KEY_BYTES_MAX})",
                self.key.len()
            ));
        }
        let outcome = &self.outcome;
        if outcome.first_position == 0 || outcome.first_position > outcome.last_position {
            return Err(format!(
                "idempotency key {:?}: positions {}..{} are not a range",
                self.key, outcome.first_position, outcome.last_position
            ));
        }
        Ok(())
    }

    pub(super) fn key_bytes(&self) -> Vec<u8> {
        keys::idempotency(&self.key)
    }

    pub(super) fn value_bytes(&self) -> [u8; 88] {
        keys::encode_idempotency(&self.fingerprint, &self.outcome)
    }
}

impl SledStore {
    /// Up to `limit` stored keys after `after` (in key order), of those whose append ended at
    /// a position in `(after_position, through]`.
    pub fn idempotency_keys(
        &self,
        after: Option<&str>,
        limit: usize,
        after_position: u64,
        through: u64,
    ) -> Result<IdempotencyPage, StoreError> {
        if limit == 0 || limit > IDEMPOTENCY_PAGE_MAX {
            return Err(StoreError::ReadLimitOutOfRange {
                requested: limit,
                limit: IDEMPOTENCY_PAGE_MAX,
            });
        }
        let start = match after {
            Some(key) => {
                let mut start = keys::idempotency(key);
                start.push(0);
                start
            }
            None => vec![b'I'],
        };
        let mut entries = Vec::new();
        let mut examined = 0;
        for item in self.tree.range(start..vec![b'J']) {
            let (key, value) = item?;
            let malformed = || StoreError::Corrupt {
                position: 0,
                reason: "a stored idempotency key is malformed".into(),
            };
            let text = std::str::from_utf8(&key[1..]).map_err(|_| malformed())?;
            let (fingerprint, outcome) = keys::decode_idempotency(&value).ok_or_else(malformed)?;
            examined += 1;
            if outcome.last_position > after_position && outcome.last_position <= through {
                entries.push(IdempotencyEntry {
                    key: text.to_string(),
                    fingerprint,
                    outcome: AppendOutcome {
                        replayed: false,
                        ..outcome
                    },
                });
            }
            if examined == limit {
                return Ok(IdempotencyPage {
                    entries,
                    next_after: Some(text.to_string()),
                });
            }
        }
        Ok(IdempotencyPage {
            entries,
            next_after: None,
        })
    }
}

//! Restoring a ledger verbatim (from an export or a backup): the same record bytes at the same
//! positions, so every hash, and the head hash an auditor wrote down, stays what it was.
//!
//! Only into an empty data directory. Each record is checked with the same `ChainCheck` that
//! `verify` uses before it is written. The head marker is written last, by `finish`: a restore
//! that fails or is interrupted leaves a directory whose head marker disagrees with its last
//! record, which `open` refuses, so a half-restored ledger can never be mistaken for a whole
//! one.

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::sled_store::checkpoints::{self, StoredCheckpoint};
use crate::store::sled_store::id_index::IdIndexWriter;
use crate::store::sled_store::idempotency::IdempotencyEntry;
use crate::store::sled_store::{SledOptions, keys, open_tree, records, tree_hashes};
use crate::store::{ChainCheck, Damage, Head};
use crate::tlog::{Frontier, stored_hash_count};

/// Records (or idempotency keys) written per `apply_batch` while restoring.
const RESTORE_BATCH_RECORDS: usize = 4_096;

/// One record as stored: the bytes the chain hash covers (format tag and body) and the
/// record's own hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub position: u64,
    pub record: Vec<u8>,
    pub hash: Hash256,
}

/// A restore in progress: `push` records in position order from 1, then `finish`.
pub struct SledRestore {
    db: sled::Db,
    tree: sled::Tree,
    /// The signed checkpoints carried with the records (`keep_checkpoint`).
    checkpoints: sled::Tree,
    check: ChainCheck,
    id_index: IdIndexWriter,
    batch: sled::Batch,
    batched_records: usize,
    /// The Merkle tree so far, and the stored hashes of the batch being staged.
    merkle: Frontier,
    tree_hashes: Vec<Hash256>,
}

impl SledRestore {
    /// Opens `options.path` for a restore; refuses a directory that already holds events.
    pub fn begin(options: &SledOptions) -> Result<SledRestore, StoreError> {
        let (db, tree) = open_tree(options)?;
        if records::any(&tree) || tree.contains_key(keys::META_HEAD)? {
            return Err(StoreError::RestoreTargetNotEmpty {
                path: options.path.display().to_string(),
            });
        }
        let checkpoints = db.open_tree(checkpoints::TREE_NAME)?;
        if !checkpoints.is_empty() {
            return Err(StoreError::RestoreTargetNotEmpty {
                path: options.path.display().to_string(),
            });
        }
        let id_index = IdIndexWriter::open(&tree)?;
        Ok(SledRestore {
            db,
            tree,
            checkpoints,
            check: ChainCheck::from_genesis(),
            id_index,
            batch: sled::Batch::default(),
            batched_records: 0,
            merkle: Frontier::empty(),
            tree_hashes: Vec::new(),
        })
    }

    /// Checks the next record against the chain and stages it.
    pub fn push(&mut self, record: StoredRecord) -> Result<(), StoreError> {
        let mut value = record.record;
        value.extend_from_slice(&record.hash.0);
        let event = self
            .check
            .check(record.position, &value)
            .map_err(damage_to_error)?;
        let claim = [(event.event_id, event.position)];
        if self.id_index.claim(&self.tree, &claim)?.is_some() {
            return Err(StoreError::Corrupt {
                position: event.position,
                reason: format!("event id {} appears twice", event.event_id),
            });
        }
        self.merkle
            .append(tree_hashes::leaf_of_stored(&value), &mut self.tree_hashes);
        let position_bytes = event.position.to_be_bytes();
        self.batch.insert(&keys::event(event.position)[..], value);
        self.batch.insert(
            keys::stream_version(&event.stream_id, event.stream_version),
            &position_bytes[..],
        );
        self.batched_records += 1;
        if self.batched_records >= RESTORE_BATCH_RECORDS {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Keeps a checkpoint the log signed for the records pushed so far: its tree size must
    /// be the number pushed and its root theirs (its signature is the caller's to check).
    /// Stored as given, note bytes and signing time included.
    pub fn keep_checkpoint(&mut self, kept: &StoredCheckpoint) -> Result<(), StoreError> {
        kept.check_covers(&self.merkle)?;
        let key = kept.tree_size.to_be_bytes();
        if self.checkpoints.contains_key(key)? {
            return Err(StoreError::Corrupt {
                position: self.merkle.size(),
                reason: format!("two checkpoints of {} events", kept.tree_size),
            });
        }
        self.checkpoints.insert(key, kept.encode())?;
        Ok(())
    }

    /// Keeps an idempotency key whose append is among the records pushed so far (the caller
    /// checked the outcome's hash is the hash of the event at its last position).
    pub fn keep_idempotency(&mut self, entry: &IdempotencyEntry) -> Result<(), StoreError> {
        let refused = |reason: String| StoreError::Corrupt {
            position: entry.outcome.last_position,
            reason,
        };
        entry.check().map_err(refused)?;
        if entry.outcome.last_position > self.merkle.size() {
            return Err(refused(format!(
                "idempotency key {:?} names position {}, past the {} records restored",
                entry.key,
                entry.outcome.last_position,
                self.merkle.size()
            )));
        }
        self.batch
            .insert(entry.key_bytes(), &entry.value_bytes()[..]);
        self.batched_records += 1;
        if self.batched_records >= RESTORE_BATCH_RECORDS {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Writes what is staged, then the head and verified markers, and flushes. Returns the
    /// restored head, which equals the source's head when every record was pushed.
    pub fn finish(mut self) -> Result<Head, StoreError> {
        self.write_batch()?;
        let head = self.check.verified();
        self.tree
            .insert(keys::META_HEAD, &keys::encode_head(head)[..])?;
        self.tree
            .insert(keys::META_VERIFIED, &keys::encode_head(head)[..])?;
        // Every record's stream version was written as a run of one: the index is whole.
        self.tree
            .insert(keys::META_STREAMS_INDEXED, &head.position.to_be_bytes())?;
        self.db.flush()?;
        Ok(head)
    }

    fn write_batch(&mut self) -> Result<(), StoreError> {
        self.id_index.stage_changes(&mut self.batch);
        let first = stored_hash_count(self.merkle.size()) - self.tree_hashes.len() as u64;
        tree_hashes::stage(
            &mut self.batch,
            first,
            &std::mem::take(&mut self.tree_hashes),
        );
        let batch = std::mem::take(&mut self.batch);
        let applied = self.tree.apply_batch(batch);
        self.id_index.settle();
        applied?;
        self.batched_records = 0;
        Ok(())
    }
}

fn damage_to_error(damage: Damage) -> StoreError {
    StoreError::Corrupt {
        position: damage.position,
        reason: damage.reason,
    }
}

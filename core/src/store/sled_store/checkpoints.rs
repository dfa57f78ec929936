//! The log's signed checkpoints (ADR 0007), every one kept, in the ledger database's own
//! `checkpoints` tree: `tree size (u64 BE) → signed at (i64 BE, µs) || signed note`. A
//! checkpoint is a statement about the records, not one of them: it is written after the
//! records it covers are durable, outside their group commit.

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::EventStore;
use crate::store::sled_store::SledStore;
use crate::time::Timestamp;
use crate::tlog::note::NoteSigner;
use crate::tlog::{Checkpoint, Frontier};

pub(super) const TREE_NAME: &[u8] = b"checkpoints";
/// Most checkpoints one `checkpoints` call returns.
pub const CHECKPOINTS_PAGE_MAX: usize = 1_000;

/// A checkpoint as signed and kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub tree_size: u64,
    pub signed_at: Timestamp,
    /// The C2SP signed note: checkpoint text, blank line, signature line(s).
    pub note: String,
}

impl StoredCheckpoint {
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut value = self.signed_at.unix_micros().to_be_bytes().to_vec();
        value.extend_from_slice(self.note.as_bytes());
        value
    }

    fn decode(key: &[u8], value: &[u8]) -> Result<StoredCheckpoint, StoreError> {
        let malformed = || StoreError::Corrupt {
            position: 0,
            reason: "a stored checkpoint is malformed".into(),
        };
        let tree_size = u64::from_be_bytes(key.try_into().map_err(|_| malformed())?);
        let (at, note) = value.split_at_checked(8).ok_or_else(malformed)?;
        Ok(StoredCheckpoint {
            tree_size,
            signed_at: Timestamp::from_unix_micros(i64::from_be_bytes(
                at.try_into().map_err(|_| malformed())?,
            )),
            note: String::from_utf8(note.to_vec()).map_err(|_| malformed())?,
        })
    }

    /// The checkpoint the note states (its text parsed; the signature is not checked here).
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        let (text, _) = crate::tlog::note::split_note(&self.note).ok()?;
        Checkpoint::parse(text).ok()
    }

    /// A checkpoint of the tree of `tree_size` leaves with root `root`, signed now.
    pub fn sign(
        signer: &NoteSigner,
        tree_size: u64,
        root: Hash256,
    ) -> Result<StoredCheckpoint, StoreError> {
        let text = Checkpoint {
            origin: signer.name().to_string(),
            tree_size,
            root,
        }
        .to_text();
        let note = signer
            .sign(&text)
            .map_err(|error| StoreError::Storage(format!("signing a checkpoint: {error}")))?;
        Ok(StoredCheckpoint {
            tree_size,
            signed_at: Timestamp::now(),
            note,
        })
    }

    /// This checkpoint with the cosignature `lines` (each `— <name> <base64>\n`, checked by
    /// the caller) it does not hold yet appended, never past `NOTE_SIGNATURES_MAX` signature
    /// lines; `None` when there is none to add.
    pub fn with_cosignatures(&self, lines: &[String]) -> Option<StoredCheckpoint> {
        let mut kept = self.clone();
        let held = kept.note.lines().count();
        let mut added = 0;
        for line in lines {
            let line = line.trim_end_matches('\n');
            let fresh = !line.is_empty()
                && !line.contains('\n')
                && !kept.note.lines().any(|held| held == line);
            if fresh && held + added < crate::tlog::note::NOTE_SIGNATURES_MAX + 4 {
                kept.note.push_str(line);
                kept.note.push('\n');
                added += 1;
            }
        }
        (added > 0).then_some(kept)
    }

    /// Checks that this checkpoint covers exactly the records a restore has pushed so far:
    /// its tree size is their number and its root theirs (its signature is the caller's to
    /// check). Both backends' restores keep a checkpoint only after this.
    pub fn check_covers(&self, merkle: &Frontier) -> Result<(), StoreError> {
        let refused = |reason: String| StoreError::Corrupt {
            position: merkle.size(),
            reason,
        };
        let Some(checkpoint) = self.checkpoint() else {
            return Err(refused("a checkpoint note does not parse".into()));
        };
        if self.tree_size != merkle.size() || checkpoint.tree_size != self.tree_size {
            return Err(refused(format!(
                "a checkpoint of {} events comes after {} records",
                checkpoint.tree_size,
                merkle.size()
            )));
        }
        if checkpoint.root != merkle.root() {
            return Err(refused(format!(
                "the checkpoint of {} events signs root {}, but the records hash to {}",
                self.tree_size,
                checkpoint.root,
                merkle.root()
            )));
        }
        Ok(())
    }
}

/// Refuses a page of checkpoints outside `1..=CHECKPOINTS_PAGE_MAX`.
pub(crate) fn check_checkpoints_page(limit: usize) -> Result<(), StoreError> {
    if limit == 0 || limit > CHECKPOINTS_PAGE_MAX {
        return Err(StoreError::ReadLimitOutOfRange {
            requested: limit,
            limit: CHECKPOINTS_PAGE_MAX,
        });
    }
    Ok(())
}

impl SledStore {
    /// Signs a checkpoint of the published head with `signer` and keeps it (durably), unless
    /// one of that size is kept already; returns the kept one either way.
    pub fn sign_checkpoint(&self, signer: &NoteSigner) -> Result<StoredCheckpoint, StoreError> {
        let tree_size = self.head().position;
        if let Some(kept) = self.checkpoint_at(tree_size)? {
            return Ok(kept);
        }
        let checkpoint = StoredCheckpoint::sign(signer, tree_size, self.tree_root(tree_size)?)?;
        let key = tree_size.to_be_bytes();
        // The first checkpoint of a size is the one kept (a signer racing another keeps theirs).
        match self.checkpoints.compare_and_swap(
            key,
            None as Option<&[u8]>,
            Some(checkpoint.encode()),
        )? {
            Ok(()) => {
                self.checkpoints.flush()?;
                Ok(checkpoint)
            }
            Err(_) => self
                .checkpoint_at(tree_size)?
                .ok_or(StoreError::Unavailable),
        }
    }

    /// Appends witnesses' cosignature `lines` (each `— <name> <base64>\n`, checked by the
    /// caller) to the note kept for `tree_size`, skipping lines it already holds; returns the
    /// note as kept. A note never carries more than `NOTE_SIGNATURES_MAX` signature lines.
    pub fn add_cosignatures(
        &self,
        tree_size: u64,
        lines: &[String],
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let key = tree_size.to_be_bytes();
        loop {
            let Some(current) = self.checkpoints.get(key)? else {
                return Ok(None);
            };
            let held = StoredCheckpoint::decode(&key, &current)?;
            let Some(kept) = held.with_cosignatures(lines) else {
                return Ok(Some(held));
            };
            if self
                .checkpoints
                .compare_and_swap(key, Some(current), Some(kept.encode()))?
                .is_ok()
            {
                self.checkpoints.flush()?;
                return Ok(Some(kept));
            }
        }
    }

    /// The checkpoint kept for `tree_size`, if any.
    pub fn checkpoint_at(&self, tree_size: u64) -> Result<Option<StoredCheckpoint>, StoreError> {
        let key = tree_size.to_be_bytes();
        self.checkpoints
            .get(key)?
            .map(|value| StoredCheckpoint::decode(&key, &value))
            .transpose()
    }

    /// The latest checkpoint kept.
    pub fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.checkpoints
            .last()?
            .map(|(key, value)| StoredCheckpoint::decode(&key, &value))
            .transpose()
    }

    /// Up to `limit` kept checkpoints of sizes from `from_size` on, oldest first.
    pub fn checkpoints_from(
        &self,
        from_size: u64,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        check_checkpoints_page(limit)?;
        self.checkpoints
            .range(from_size.to_be_bytes()..)
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                StoredCheckpoint::decode(&key, &value)
            })
            .collect()
    }

    /// Up to `limit` kept checkpoints of sizes below `before_size` (all when `None`), newest
    /// first.
    pub fn checkpoints(
        &self,
        before_size: Option<u64>,
        limit: usize,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        check_checkpoints_page(limit)?;
        let range = match before_size {
            Some(size) => self.checkpoints.range(..size.to_be_bytes()),
            None => self.checkpoints.range::<&[u8], _>(..),
        };
        range
            .rev()
            .take(limit)
            .map(|entry| {
                let (key, value) = entry?;
                StoredCheckpoint::decode(&key, &value)
            })
            .collect()
    }
}

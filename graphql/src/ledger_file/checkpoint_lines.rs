//! Format 2's lines besides events: the log's verifier key (the first line, when the log has
//! a key) and each checkpoint the log signed, with any witnesses' cosignatures, exactly as
//! kept (`note` byte for byte), right after the event that ends its tree.

use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::time::Timestamp;
use govledger_core::tlog::note::NoteVerifier;
use serde::{Deserialize, Serialize};

use crate::ledger_file::EXPORT_FORMAT;

/// `{"format":…,"kind":"log_key","verifier_key":"<name>+<key id>+<base64>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogKeyLine {
    pub format: String,
    pub kind: String,
    pub verifier_key: String,
}

impl LogKeyLine {
    pub const KIND: &'static str = "log_key";

    pub fn new(verifier: &NoteVerifier) -> LogKeyLine {
        LogKeyLine {
            format: EXPORT_FORMAT.to_string(),
            kind: Self::KIND.to_string(),
            verifier_key: verifier.to_text(),
        }
    }
}

/// `{"format":…,"kind":"checkpoint","tree_size":N,"signed_at":"RFC 3339","note":"…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointLine {
    pub format: String,
    pub kind: String,
    pub tree_size: u64,
    /// RFC 3339, UTC, to the microsecond.
    pub signed_at: String,
    /// The signed note: checkpoint text, blank line, the log's signature and cosignatures.
    pub note: String,
}

impl CheckpointLine {
    pub const KIND: &'static str = "checkpoint";

    pub fn new(kept: &StoredCheckpoint) -> CheckpointLine {
        CheckpointLine {
            format: EXPORT_FORMAT.to_string(),
            kind: Self::KIND.to_string(),
            tree_size: kept.tree_size,
            signed_at: kept.signed_at.to_rfc3339(),
            note: kept.note.clone(),
        }
    }

    /// The checkpoint as the store keeps it (nothing verified here).
    pub fn to_stored(&self) -> Result<StoredCheckpoint, String> {
        let signed_at =
            Timestamp::parse_rfc3339(&self.signed_at).map_err(|e| format!("signed_at: {e}"))?;
        Ok(StoredCheckpoint {
            tree_size: self.tree_size,
            signed_at,
            note: self.note.clone(),
        })
    }
}

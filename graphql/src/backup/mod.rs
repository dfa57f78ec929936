//! Online backups (ADR 0009): the parts a running server serves under `/backup/`, the
//! manifest the client writes last, and the checks a restore runs on them before it writes
//! anything. `parts.rs` holds the lines of each part, `manifest.rs` the manifest,
//! `personal.rs` the personal-data part (age-encrypted); the server's side is
//! `server/backup.rs`, the client's `cli/backup.rs` and `cli/restore.rs`.

pub mod manifest;
pub mod parts;
pub mod personal;

use govledger_core::hash::Hash256;

/// The `format` of every backup header line and manifest.
pub const BACKUP_FORMAT: &str = "govledger-backup-1";

/// A ledger's identity: the hash of its first event (the genesis hash for an empty ledger).
pub fn ledger_id(first_hash: Option<Hash256>) -> String {
    first_hash.unwrap_or(Hash256::GENESIS).to_hex()
}

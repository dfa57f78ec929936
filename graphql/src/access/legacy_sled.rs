//! Tokens from before the token log: earlier versions kept them in a sled database in
//! `<data>/access` itself (digest → JSON record, plus an index by token id). The first open
//! by this version copies them into the log (same ids, digests, labels, times, revocations)
//! and moves the sled files aside into `sled-before-token-log/`, which the operator may
//! delete once satisfied.

use std::path::Path;

use govledger_core::store::sled_store::open_waiting_for_lock;

use crate::access::token_log::{self, TokenLogEntry, WriterLock, io_error};
use crate::access::{AccessError, TokenRecord};

const GRANTS_TREE: &[u8] = b"grants_by_digest";
const IDS_TREE: &[u8] = b"digest_by_token_id";
/// sled's data file: its presence marks a legacy token database.
const SLED_DATA_FILE: &str = "db";
/// Where the migrated sled files are moved, inside the access directory.
const MOVED_ASIDE_DIR: &str = "sled-before-token-log";

/// Migrates a legacy sled token database in `dir`, if there is one.
pub(super) fn migrate_if_present(dir: &Path) -> Result<(), AccessError> {
    if !dir.join(SLED_DATA_FILE).exists() {
        return Ok(());
    }
    let _lock = WriterLock::acquire(dir)?;
    // Another process may have migrated while this one waited for the lock.
    if !dir.join(SLED_DATA_FILE).exists() {
        return Ok(());
    }
    if token_log::log_path(dir).exists() {
        // A migration wrote the log, then stopped before moving the sled files aside.
        tracing::warn!(dir = %dir.display(), "finishing an interrupted token migration");
    } else {
        let entries = read_legacy(dir)?;
        token_log::write_new(dir, &entries)?;
        tracing::info!(
            dir = %dir.display(),
            tokens = entries
                .iter()
                .filter(|e| matches!(e, TokenLogEntry::TokenCreated { .. }))
                .count(),
            "migrated the token database to the token log"
        );
    }
    move_aside(dir)
}

/// Every token of the legacy database as log entries: creations in token-id order (UUID v7,
/// so creation order), then revocations.
fn read_legacy(dir: &Path) -> Result<Vec<TokenLogEntry>, AccessError> {
    let db = open_waiting_for_lock(&sled::Config::new().path(dir)).map_err(|error| {
        AccessError::Storage(format!(
            "{} holds a token database from an earlier govledger that cannot be opened \
             ({error}); if a server of that version is running on this data directory, stop \
             it, then run any `govledger token` command to migrate the tokens",
            dir.display()
        ))
    })?;
    let grants = db.open_tree(GRANTS_TREE)?;
    let ids = db.open_tree(IDS_TREE)?;
    let mut created = Vec::new();
    let mut revoked = Vec::new();
    for entry in ids.iter() {
        let (_, digest) = entry?;
        let value = grants
            .get(&digest)?
            .ok_or_else(|| AccessError::Corrupt("a legacy token id points at nothing".into()))?;
        let record: TokenRecord =
            serde_json::from_slice(&value).map_err(|e| AccessError::Corrupt(e.to_string()))?;
        let digest: [u8; 32] = digest
            .as_ref()
            .try_into()
            .map_err(|_| AccessError::Corrupt("a legacy token digest is not 32 bytes".into()))?;
        let digest = govledger_core::hash::Hash256(digest).to_hex();
        if let Some(revoked_at) = &record.revoked_at {
            revoked.push(TokenLogEntry::TokenRevoked {
                token_id: record.token_id,
                revoked_at: revoked_at.clone(),
            });
        }
        created.push(TokenLogEntry::created(&record, digest));
    }
    drop((grants, ids, db));
    created.extend(revoked);
    Ok(created)
}

/// Moves sled's files (everything but the log and its lock) into `MOVED_ASIDE_DIR`.
fn move_aside(dir: &Path) -> Result<(), AccessError> {
    let aside = dir.join(MOVED_ASIDE_DIR);
    std::fs::create_dir_all(&aside).map_err(|e| io_error(&aside, "creating", &e))?;
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, "listing", &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(dir, "listing", &e))?;
        let name = entry.file_name();
        let keep = name.to_str().is_some_and(|name| {
            name == MOVED_ASIDE_DIR
                || name.starts_with(token_log::LOG_FILE)
                || name == token_log::LOCK_FILE
        });
        if keep {
            continue;
        }
        let to = aside.join(&name);
        std::fs::rename(entry.path(), &to).map_err(|e| io_error(&to, "moving into", &e))?;
    }
    tracing::info!(
        moved_to = %aside.display(),
        "the old token database was moved aside; delete it once the tokens work"
    );
    Ok(())
}

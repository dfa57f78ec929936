//! The token store. On a sled ledger, over `<data>/access/`: tokens live in the append-only
//! token log (`token_log.rs`); a running server keeps them folded in memory and re-reads the
//! log when its size, modification time or inode changed, checked before every
//! authentication, so a token created or revoked by `govledger token` on the same data
//! directory counts from the next request on. On a PostgreSQL ledger, the same lines live in
//! the ledger's database, shared by every node (`shared_tokens.rs`). The secret itself is
//! never stored.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use govledger_core::domain::role::Role;
use govledger_core::error::StoreError;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::TokenSecret;
use crate::access::legacy_sled;
use crate::access::shared_tokens::SharedTokens;
use crate::access::token_log::{self, TokenLogEntry};
use crate::access::token_table::TokenTable;

/// Longest label an operator may give a token.
pub const TOKEN_LABEL_BYTES_MAX: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("token database: {0}")]
    Storage(String),
    #[error("token record is damaged: {0}")]
    Corrupt(String),
    #[error("no token with id {0}")]
    UnknownToken(Uuid),
    #[error("token {0} was already revoked")]
    AlreadyRevoked(Uuid),
    #[error("label is longer than {TOKEN_LABEL_BYTES_MAX} bytes")]
    LabelTooLong,
    #[error("could not generate a random token: {0}")]
    Randomness(String),
}

impl From<StoreError> for AccessError {
    fn from(error: StoreError) -> AccessError {
        AccessError::Storage(error.to_string())
    }
}

impl From<sled::Error> for AccessError {
    fn from(error: sled::Error) -> AccessError {
        AccessError::Storage(error.to_string())
    }
}

/// What a token lets its holder do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub token_id: Uuid,
    pub account_id: Uuid,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

/// What the operator asks for when creating a token.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub account_id: Uuid,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub label: String,
}

/// A stored token, for `token list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub token_id: Uuid,
    pub account_id: Uuid,
    /// `snake_case` role name.
    pub role: String,
    pub organisation_id: Option<Uuid>,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl TokenRecord {
    fn grant(&self) -> Result<Grant, AccessError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| AccessError::Corrupt(format!("unknown role {:?}", self.role)))?;
        Ok(Grant {
            token_id: self.token_id,
            account_id: self.account_id,
            role,
            organisation_id: self.organisation_id,
        })
    }
}

/// The token store: the token log of one access directory (a sled ledger's node), or the
/// journal in a PostgreSQL ledger's database that every node sharing it reads (ADR 0025).
/// Clones share the folded tokens.
#[derive(Clone)]
pub struct TokenStore {
    source: TokenSource,
}

#[derive(Clone)]
enum TokenSource {
    LogFile {
        dir: PathBuf,
        folded: Arc<RwLock<Folded>>,
    },
    /// Boxed: it holds the database's connection settings.
    Database(Box<SharedTokens>),
}

/// The tokens as of one version of the log file.
struct Folded {
    version: Option<LogVersion>,
    table: Arc<TokenTable>,
}

/// What changes whenever the log does: it only grows, and a migration replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LogVersion {
    bytes: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl TokenStore {
    /// Opens the access directory `dir` (created if missing), migrating a token database
    /// from an earlier version once.
    pub fn open(dir: &Path) -> Result<TokenStore, AccessError> {
        std::fs::create_dir_all(dir).map_err(|e| token_log::io_error(dir, "creating", &e))?;
        legacy_sled::migrate_if_present(dir)?;
        let store = TokenStore {
            source: TokenSource::LogFile {
                dir: dir.to_path_buf(),
                folded: Arc::new(RwLock::new(Folded {
                    version: None,
                    table: Arc::new(TokenTable::default()),
                })),
            },
        };
        store.current()?;
        Ok(store)
    }

    /// Opens the tokens in a PostgreSQL ledger's database, which every node sharing it reads.
    /// While the database holds none, the token log in `adopt_from` (a data directory's
    /// `access/`), if there is one, is copied in first.
    pub fn open_shared(
        ledger: &PostgresStore,
        adopt_from: &Path,
    ) -> Result<TokenStore, AccessError> {
        Ok(TokenStore {
            source: TokenSource::Database(Box::new(SharedTokens::open(ledger, adopt_from)?)),
        })
    }

    /// The access directory the token log is in; `None` when the tokens are in the ledger's
    /// database.
    pub fn dir(&self) -> Option<&Path> {
        match &self.source {
            TokenSource::LogFile { dir, .. } => Some(dir),
            TokenSource::Database(_) => None,
        }
    }

    /// Creates a token; the returned secret is the only copy that will ever exist.
    pub fn create(&self, grant: NewGrant) -> Result<(TokenRecord, TokenSecret), AccessError> {
        if grant.label.len() > TOKEN_LABEL_BYTES_MAX {
            return Err(AccessError::LabelTooLong);
        }
        let secret = TokenSecret::generate().map_err(|e| AccessError::Randomness(e.to_string()))?;
        let record = TokenRecord {
            token_id: Uuid::now_v7(),
            account_id: grant.account_id,
            role: grant.role.as_str().to_string(),
            organisation_id: grant.organisation_id,
            label: grant.label,
            created_at: Timestamp::now().to_rfc3339(),
            revoked_at: None,
        };
        let entry = TokenLogEntry::created(&record, secret.digest().to_hex());
        self.append(move |_| Ok((entry, ())))?;
        Ok((record, secret))
    }

    /// Every token ever created, revoked ones included, oldest first.
    pub fn list(&self) -> Result<Vec<TokenRecord>, AccessError> {
        Ok(self.current()?.records().to_vec())
    }

    /// Revokes a token: every server refuses it from its next request on (on a PostgreSQL
    /// ledger, within `JOURNAL_POLL_INTERVAL` on every node), and it stays listed as revoked.
    pub fn revoke(&self, token_id: Uuid) -> Result<TokenRecord, AccessError> {
        self.append(move |table| {
            let record = table
                .by_id(token_id)
                .ok_or(AccessError::UnknownToken(token_id))?;
            if record.revoked_at.is_some() {
                return Err(AccessError::AlreadyRevoked(token_id));
            }
            let revoked_at = Timestamp::now().to_rfc3339();
            let revoked = TokenRecord {
                revoked_at: Some(revoked_at.clone()),
                ..record.clone()
            };
            Ok((
                TokenLogEntry::TokenRevoked {
                    token_id,
                    revoked_at,
                },
                revoked,
            ))
        })
    }

    /// The grant of a live token; `None` for an unknown or revoked one. Re-reads the log
    /// first if it changed (on a PostgreSQL ledger: the tokens as this node last read them).
    pub fn authenticate(&self, secret: &TokenSecret) -> Result<Option<Grant>, AccessError> {
        let table = self.current()?;
        match table.by_digest(&secret.digest()) {
            Some(record) if record.revoked_at.is_none() => record.grant().map(Some),
            _ => Ok(None),
        }
    }

    fn append<T: Send + 'static>(
        &self,
        decide: impl FnOnce(&TokenTable) -> Result<(TokenLogEntry, T), AccessError> + Send + 'static,
    ) -> Result<T, AccessError> {
        match &self.source {
            TokenSource::LogFile { dir, .. } => token_log::append(dir, decide),
            TokenSource::Database(shared) => shared.append(decide),
        }
    }

    /// The tokens as they stand now.
    fn current(&self) -> Result<Arc<TokenTable>, AccessError> {
        match &self.source {
            TokenSource::LogFile { dir, folded } => current_in_file(dir, folded),
            TokenSource::Database(shared) => shared.current(),
        }
    }
}

/// The tokens as the log file holds them now: the folded copy while the log is unchanged,
/// else a fresh read.
fn current_in_file(dir: &Path, folded: &RwLock<Folded>) -> Result<Arc<TokenTable>, AccessError> {
    let version = log_version(dir)?;
    {
        let folded = read_lock(folded);
        if folded.version == version {
            return Ok(Arc::clone(&folded.table));
        }
    }
    // Versioned by what was seen *before* reading: a write racing the read only causes
    // one more read next time.
    let contents = token_log::read(dir)?;
    let table = Arc::new(TokenTable::fold(&contents.entries)?);
    let mut folded = folded
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *folded = Folded {
        version,
        table: Arc::clone(&table),
    };
    Ok(table)
}

fn log_version(dir: &Path) -> Result<Option<LogVersion>, AccessError> {
    let path = token_log::log_path(dir);
    match std::fs::metadata(&path) {
        Ok(metadata) => Ok(Some(LogVersion {
            bytes: metadata.len(),
            modified: metadata.modified().ok(),
            inode: inode(&metadata),
        })),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(token_log::io_error(
            &path,
            "reading the metadata of",
            &error,
        )),
    }
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_metadata: &std::fs::Metadata) -> u64 {
    0
}

fn read_lock(lock: &RwLock<Folded>) -> std::sync::RwLockReadGuard<'_, Folded> {
    // A poisoned lock only means a reader panicked; the folded tokens are still whole.
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::TOKEN_PREFIX;

    #[derive(Debug, PartialEq)]
    enum Seen {
        Valid(Role),
        Refused,
    }

    fn check(store: &TokenStore, secret: &str, expect: Seen) {
        let got = match store
            .authenticate(&TokenSecret::from_client(secret))
            .unwrap()
        {
            Some(grant) => Seen::Valid(grant.role),
            None => Seen::Refused,
        };
        assert_eq!(got, expect, "token {secret:?}");
    }

    fn auditor(label: &str) -> NewGrant {
        NewGrant {
            account_id: Uuid::nil(),
            role: Role::Auditor,
            organisation_id: None,
            label: label.into(),
        }
    }

    fn log_text(dir: &Path) -> String {
        std::fs::read_to_string(token_log::log_path(dir)).unwrap()
    }

    #[test]
    fn tokens_authenticate_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::open(dir.path()).unwrap();
        let (record, secret) = store.create(auditor("review office")).unwrap();
        assert!(secret.as_str().starts_with(TOKEN_PREFIX));
        check(&store, secret.as_str(), Seen::Valid(Role::Auditor));
        check(&store, "glt_0000", Seen::Refused);
        check(&store, "", Seen::Refused);
        assert_eq!(store.list().unwrap(), vec![record.clone()]);
        assert!(
            !log_text(dir.path()).contains(secret.as_str()),
            "the secret must not be stored"
        );
        store.revoke(record.token_id).unwrap();
        check(&store, secret.as_str(), Seen::Refused);
        assert!(matches!(
            store.revoke(record.token_id),
            Err(AccessError::AlreadyRevoked(_))
        ));
        assert!(matches!(
            store.revoke(Uuid::nil()),
            Err(AccessError::UnknownToken(_))
        ));
        assert!(matches!(
            store.create(auditor(&"x".repeat(TOKEN_LABEL_BYTES_MAX + 1))),
            Err(AccessError::LabelTooLong)
        ));
        // Refusals wrote nothing: the header, one creation, one revocation.
        assert_eq!(log_text(dir.path()).lines().count(), 3);
    }

    #[test]
    fn a_second_store_on_the_same_directory_sees_each_change_at_its_next_check() {
        let dir = tempfile::tempdir().unwrap();
        let server = TokenStore::open(dir.path()).unwrap();
        check(&server, "glt_unknown", Seen::Refused);
        let cli = TokenStore::open(dir.path()).unwrap();
        let (record, secret) = cli.create(auditor("created while serving")).unwrap();
        check(&server, secret.as_str(), Seen::Valid(Role::Auditor));
        TokenStore::open(dir.path())
            .unwrap()
            .revoke(record.token_id)
            .unwrap();
        check(&server, secret.as_str(), Seen::Refused);
    }

    #[test]
    fn an_unfinished_last_line_is_ignored_by_readers_and_dropped_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::open(dir.path()).unwrap();
        let (_, first) = store.create(auditor("first")).unwrap();
        let path = token_log::log_path(dir.path());
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut file, b"{\"event\":\"token_cre").unwrap();
        check(&store, first.as_str(), Seen::Valid(Role::Auditor));
        let (_, second) = store.create(auditor("second")).unwrap();
        check(&store, second.as_str(), Seen::Valid(Role::Auditor));
        assert_eq!(log_text(dir.path()).lines().count(), 3);
        assert!(log_text(dir.path()).ends_with('\n'));
    }

    #[test]
    fn a_damaged_log_refuses_every_token() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::open(dir.path()).unwrap();
        let (_, secret) = store.create(auditor("before the damage")).unwrap();
        let path = token_log::log_path(dir.path());
        let damaged = log_text(dir.path()).replace("token_created", "token_exploded");
        std::fs::write(&path, damaged).unwrap();
        assert!(matches!(
            store.authenticate(&TokenSecret::from_client(secret.as_str())),
            Err(AccessError::Corrupt(_))
        ));
        assert!(matches!(
            store.create(auditor("after")),
            Err(AccessError::Corrupt(_))
        ));
    }

    /// Writes a token database as the sled-based versions did.
    fn legacy_database(dir: &Path, records: &[(TokenRecord, &TokenSecret)]) {
        let db = sled::Config::new().path(dir).open().unwrap();
        let grants = db.open_tree(b"grants_by_digest").unwrap();
        let ids = db.open_tree(b"digest_by_token_id").unwrap();
        for (record, secret) in records {
            let digest = secret.digest();
            grants
                .insert(digest.0, serde_json::to_vec(record).unwrap())
                .unwrap();
            ids.insert(record.token_id.as_bytes(), &digest.0).unwrap();
        }
        db.flush().unwrap();
    }

    #[test]
    fn a_legacy_sled_database_is_migrated_once_and_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let access = dir.path().join("access");
        let live = TokenSecret::generate().unwrap();
        let revoked = TokenSecret::generate().unwrap();
        let record = |label: &str, revoked_at: Option<&str>| TokenRecord {
            token_id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            role: Role::StationClerk.as_str().to_string(),
            organisation_id: Some(Uuid::now_v7()),
            label: label.into(),
            created_at: Timestamp::now().to_rfc3339(),
            revoked_at: revoked_at.map(str::to_string),
        };
        let records = [
            (record("clerk", None), &live),
            (
                record("former clerk", Some("2019-01-01T00:00:00Z")),
                &revoked,
            ),
        ];
        legacy_database(&access, &records);
        let store = TokenStore::open(&access).unwrap();
        check(&store, live.as_str(), Seen::Valid(Role::StationClerk));
        check(&store, revoked.as_str(), Seen::Refused);
        let expected: Vec<TokenRecord> = records.iter().map(|(r, _)| r.clone()).collect();
        assert_eq!(store.list().unwrap(), expected);
        assert!(
            !access.join("db").exists(),
            "the sled files were moved aside"
        );
        assert!(access.join("sled-before-token-log").join("db").exists());
        // A second open finds nothing left to migrate and changes nothing.
        let before = log_text(&access);
        let again = TokenStore::open(&access).unwrap();
        check(&again, live.as_str(), Seen::Valid(Role::StationClerk));
        assert_eq!(log_text(&access), before);
    }
}

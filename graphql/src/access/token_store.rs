//! The token database (`<data>/access`, a small sled db): token digest → grant, plus an
//! index by token id for listing and revoking. The secret itself is never stored.

use std::path::Path;

use govledger_core::domain::role::Role;
use govledger_core::hash::Hash256;
use govledger_core::store::sled_store::open_waiting_for_lock;
use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::TokenSecret;

const GRANTS_TREE: &[u8] = b"grants_by_digest";
const IDS_TREE: &[u8] = b"digest_by_token_id";
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

#[derive(Clone)]
pub struct TokenStore {
    db: sled::Db,
    grants: sled::Tree,
    ids: sled::Tree,
}

impl TokenStore {
    pub fn open(path: &Path) -> Result<TokenStore, AccessError> {
        let db = open_waiting_for_lock(&sled::Config::new().path(path))
            .map_err(|e| AccessError::Storage(format!("opening {}: {e}", path.display())))?;
        let grants = db.open_tree(GRANTS_TREE)?;
        let ids = db.open_tree(IDS_TREE)?;
        Ok(TokenStore { db, grants, ids })
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
        let digest = secret.digest();
        self.grants.insert(digest.0, encode(&record)?)?;
        self.ids.insert(record.token_id.as_bytes(), &digest.0)?;
        self.db.flush()?;
        Ok((record, secret))
    }

    /// Every token ever created, revoked ones included, oldest first.
    pub fn list(&self) -> Result<Vec<TokenRecord>, AccessError> {
        let mut records = Vec::new();
        for entry in self.ids.iter() {
            let (_, digest) = entry?;
            let value = self
                .grants
                .get(&digest)?
                .ok_or_else(|| AccessError::Corrupt("token id points at nothing".into()))?;
            records.push(decode(&value)?);
        }
        Ok(records)
    }

    /// Revokes a token: it stops working at once and stays listed as revoked.
    pub fn revoke(&self, token_id: Uuid) -> Result<TokenRecord, AccessError> {
        let digest = self
            .ids
            .get(token_id.as_bytes())?
            .ok_or(AccessError::UnknownToken(token_id))?;
        let value = self
            .grants
            .get(&digest)?
            .ok_or(AccessError::UnknownToken(token_id))?;
        let mut record = decode(&value)?;
        if record.revoked_at.is_some() {
            return Err(AccessError::AlreadyRevoked(token_id));
        }
        record.revoked_at = Some(Timestamp::now().to_rfc3339());
        self.grants.insert(&digest, encode(&record)?)?;
        self.db.flush()?;
        Ok(record)
    }

    /// The grant of a live token; `None` for an unknown or revoked one.
    pub fn authenticate(&self, secret: &TokenSecret) -> Result<Option<Grant>, AccessError> {
        let digest: Hash256 = secret.digest();
        let Some(value) = self.grants.get(digest.0)? else {
            return Ok(None);
        };
        let record = decode(&value)?;
        if record.revoked_at.is_some() {
            return Ok(None);
        }
        record.grant().map(Some)
    }

    pub fn flush(&self) -> Result<(), AccessError> {
        self.db.flush()?;
        Ok(())
    }
}

fn encode(record: &TokenRecord) -> Result<Vec<u8>, AccessError> {
    serde_json::to_vec(record).map_err(|e| AccessError::Corrupt(e.to_string()))
}

fn decode(value: &[u8]) -> Result<TokenRecord, AccessError> {
    serde_json::from_slice(value).map_err(|e| AccessError::Corrupt(e.to_string()))
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

    #[test]
    fn tokens_authenticate_until_revoked() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::open(dir.path()).unwrap();
        let (record, secret) = store
            .create(NewGrant {
                account_id: Uuid::nil(),
                role: Role::Auditor,
                organisation_id: None,
                label: "review office".into(),
            })
            .unwrap();
        assert!(secret.as_str().starts_with(TOKEN_PREFIX));
        check(&store, secret.as_str(), Seen::Valid(Role::Auditor));
        check(&store, "glt_0000", Seen::Refused);
        check(&store, "", Seen::Refused);
        let stored = store.list().unwrap();
        assert_eq!(stored, vec![record.clone()]);
        let raw: Vec<u8> = stored.iter().flat_map(|r| encode(r).unwrap()).collect();
        assert!(
            !String::from_utf8_lossy(&raw).contains(secret.as_str()),
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
    }
}

//! Every token, folded from the token log: records in creation order, looked up by id (to
//! revoke) and by digest (to authenticate). Folding checks the log's own rules, so a log
//! that breaks them (a revoke of an unknown token, a token created twice) is refused.

use std::collections::HashMap;

use govledger_core::hash::Hash256;
use uuid::Uuid;

use crate::access::token_log::TokenLogEntry;
use crate::access::{AccessError, TokenRecord};

#[derive(Debug, Clone, Default)]
pub(super) struct TokenTable {
    records: Vec<TokenRecord>,
    by_id: HashMap<Uuid, usize>,
    by_digest: HashMap<Hash256, usize>,
}

impl TokenTable {
    pub(super) fn fold(entries: &[TokenLogEntry]) -> Result<TokenTable, AccessError> {
        let mut table = TokenTable::default();
        for (index, entry) in entries.iter().enumerate() {
            table.apply(entry).map_err(|error| match error {
                AccessError::Corrupt(reason) => {
                    // The header is line 1, so entry `index` is line `index + 2`.
                    AccessError::Corrupt(format!("token log line {}: {reason}", index + 2))
                }
                other => other,
            })?;
        }
        Ok(table)
    }

    /// Applies one entry, refusing one that breaks the log's rules.
    pub(super) fn apply(&mut self, entry: &TokenLogEntry) -> Result<(), AccessError> {
        match entry {
            TokenLogEntry::LogStarted { .. } => Err(AccessError::Corrupt(
                "`log_started` may only be the first line".into(),
            )),
            TokenLogEntry::TokenCreated {
                token_id,
                digest,
                account_id,
                role,
                organisation_id,
                label,
                created_at,
            } => {
                let digest = Hash256::from_hex(digest)
                    .ok_or_else(|| AccessError::Corrupt(format!("token {token_id}: bad digest")))?;
                if self.by_id.contains_key(token_id) || self.by_digest.contains_key(&digest) {
                    return Err(AccessError::Corrupt(format!(
                        "token {token_id} is created twice"
                    )));
                }
                let index = self.records.len();
                self.records.push(TokenRecord {
                    token_id: *token_id,
                    account_id: *account_id,
                    role: role.clone(),
                    organisation_id: *organisation_id,
                    label: label.clone(),
                    created_at: created_at.clone(),
                    revoked_at: None,
                });
                self.by_id.insert(*token_id, index);
                self.by_digest.insert(digest, index);
                Ok(())
            }
            TokenLogEntry::TokenRevoked {
                token_id,
                revoked_at,
            } => {
                let index = *self.by_id.get(token_id).ok_or_else(|| {
                    AccessError::Corrupt(format!("token {token_id} is revoked before it exists"))
                })?;
                let record = &mut self.records[index];
                if record.revoked_at.is_some() {
                    return Err(AccessError::Corrupt(format!(
                        "token {token_id} is revoked twice"
                    )));
                }
                record.revoked_at = Some(revoked_at.clone());
                Ok(())
            }
        }
    }

    pub(super) fn by_id(&self, token_id: Uuid) -> Option<&TokenRecord> {
        self.by_id.get(&token_id).map(|index| &self.records[*index])
    }

    pub(super) fn by_digest(&self, digest: &Hash256) -> Option<&TokenRecord> {
        self.by_digest
            .get(digest)
            .map(|index| &self.records[*index])
    }

    pub(super) fn records(&self) -> &[TokenRecord] {
        &self.records
    }
}

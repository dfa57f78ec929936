//! The tokens of a PostgreSQL ledger: the token log's lines kept as core's journal
//! `access_tokens` in the ledger's database (ADR 0025), so every node sharing the ledger
//! shares them. Same lines, same rules as `<data>/access/tokens.jsonl`: the first is
//! `log_started`, then creations and revocations, digests only, never edited.
//!
//! Each node holds the journal in memory and follows it (LISTEN/NOTIFY plus a read every
//! `JOURNAL_POLL_INTERVAL`), so a token created or revoked on any node counts on every node
//! within that interval; authenticating never waits for the database. While the database
//! cannot be reached, the tokens last read stay in force.

use std::path::Path;
use std::sync::{Arc, RwLock};

use govledger_core::store::postgres_store::{Journal, PostgresStore};

use crate::access::AccessError;
use crate::access::token_log::{self, FORMAT_VERSION, TokenLogEntry};
use crate::access::token_table::TokenTable;

/// The journal the tokens are kept in.
pub(super) const TOKENS_JOURNAL: &str = "access_tokens";

#[derive(Clone)]
pub(super) struct SharedTokens {
    journal: Journal,
    folded: Arc<RwLock<Folded>>,
}

/// The tokens as of the journal's first `entries` entries.
struct Folded {
    entries: usize,
    table: Arc<TokenTable>,
}

impl SharedTokens {
    /// Opens the ledger's tokens. While the database holds none, the token log in `adopt_from`
    /// (a data directory's `access/`), if it has one, is copied in first: how tokens made
    /// before a node moved to PostgreSQL come along.
    pub(super) fn open(
        ledger: &PostgresStore,
        adopt_from: &Path,
    ) -> Result<SharedTokens, AccessError> {
        let journal = ledger.journal(TOKENS_JOURNAL)?;
        let tokens = SharedTokens {
            journal,
            folded: Arc::new(RwLock::new(Folded {
                entries: 0,
                table: Arc::new(TokenTable::default()),
            })),
        };
        if tokens.journal.entries().is_empty() {
            tokens.adopt(adopt_from)?;
        }
        tokens.current()?;
        Ok(tokens)
    }

    /// Copies the token log in `dir` into the journal if the journal is still empty.
    fn adopt(&self, dir: &Path) -> Result<(), AccessError> {
        let local = token_log::read(dir)?;
        if local.entries.is_empty() {
            return Ok(());
        }
        TokenTable::fold(&local.entries)?;
        let count = local.entries.len();
        let adopted = self.journal.append(move |entries| {
            if !entries.is_empty() {
                // Another node adopted (or created) tokens first: theirs stand.
                return Ok((Vec::new(), false));
            }
            let mut lines = vec![header()?];
            for entry in &local.entries {
                lines.push(line(entry)?);
            }
            Ok::<_, AccessError>((lines, true))
        })?;
        if adopted {
            tracing::info!(
                dir = %dir.display(),
                entries = count,
                "copied the data directory's token log into the ledger's database"
            );
        } else {
            tracing::warn!(
                dir = %dir.display(),
                "the ledger's database already holds tokens; the data directory's token log \
                 is not used"
            );
        }
        Ok(())
    }

    /// Appends the entry `decide` makes from the current tokens, in one transaction under the
    /// journal's lock. `decide` refusing (or the entry not applying) appends nothing.
    pub(super) fn append<T: Send + 'static>(
        &self,
        decide: impl FnOnce(&TokenTable) -> Result<(TokenLogEntry, T), AccessError> + Send + 'static,
    ) -> Result<T, AccessError> {
        self.journal.append(move |entries| {
            let mut table = fold(entries)?;
            let (entry, outcome) = decide(&table)?;
            // Paired check: the entry must apply to what is stored before it is written.
            table.apply(&entry)?;
            let mut lines = Vec::with_capacity(2);
            if entries.is_empty() {
                lines.push(header()?);
            }
            lines.push(line(&entry)?);
            Ok((lines, outcome))
        })
    }

    /// The tokens as this node last read them: the folded copy while no entry was added,
    /// else a fresh fold.
    pub(super) fn current(&self) -> Result<Arc<TokenTable>, AccessError> {
        let entries = self.journal.entries();
        {
            let folded = self
                .folded
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if folded.entries == entries.len() {
                return Ok(Arc::clone(&folded.table));
            }
        }
        let table = Arc::new(fold(&entries)?);
        let mut folded = self
            .folded
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A journal only grows: keep the longer of two racing folds.
        if folded.entries < entries.len() {
            *folded = Folded {
                entries: entries.len(),
                table: Arc::clone(&table),
            };
        }
        Ok(table)
    }
}

/// Folds the journal's entries, read as the token log's lines with its rules.
fn fold(entries: &[String]) -> Result<TokenTable, AccessError> {
    let mut text = String::with_capacity(entries.iter().map(|e| e.len() + 1).sum());
    for entry in entries {
        if entry.contains('\n') {
            return Err(AccessError::Corrupt(
                "a token journal entry holds a line break".into(),
            ));
        }
        text.push_str(entry);
        text.push('\n');
    }
    let contents = token_log::parse(text.as_bytes())?;
    TokenTable::fold(&contents.entries)
}

fn header() -> Result<String, AccessError> {
    line(&TokenLogEntry::LogStarted {
        format_version: FORMAT_VERSION,
    })
}

/// An entry as a journal entry: its log line without the line break.
fn line(entry: &TokenLogEntry) -> Result<String, AccessError> {
    let mut text = entry.to_line()?;
    text.pop();
    Ok(text)
}

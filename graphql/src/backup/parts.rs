//! The parts of a backup besides the ledger (which is an export, `ledger_file`): each begins
//! with a `PartHeader` naming the part, the ledger and the head it was taken for, so a part
//! from another ledger or another backup is recognised by itself.

use govledger_core::hash::Hash256;
use govledger_core::store::AppendOutcome;
use govledger_core::store::sled_store::IdempotencyEntry;
use serde::{Deserialize, Serialize};

use crate::backup::BACKUP_FORMAT;

/// The parts, by name and file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Ledger,
    Idempotency,
    Tokens,
    Personal,
}

impl Part {
    pub const ALL: [Part; 4] = [
        Part::Ledger,
        Part::Idempotency,
        Part::Tokens,
        Part::Personal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Part::Ledger => "ledger",
            Part::Idempotency => "idempotency",
            Part::Tokens => "tokens",
            Part::Personal => "personal",
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            Part::Ledger => "ledger.jsonl",
            Part::Idempotency => "idempotency.jsonl",
            Part::Tokens => "tokens.jsonl",
            Part::Personal => "personal.age",
        }
    }
}

/// The first line of the idempotency, tokens and personal parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartHeader {
    pub format: String,
    pub part: String,
    /// The hash of the ledger's first event, hex.
    pub ledger_id: String,
    pub head_position: u64,
    pub head_hash: String,
}

impl PartHeader {
    pub fn new(part: Part, ledger_id: &str, head_position: u64, head_hash: &Hash256) -> PartHeader {
        PartHeader {
            format: BACKUP_FORMAT.into(),
            part: part.name().into(),
            ledger_id: ledger_id.into(),
            head_position,
            head_hash: head_hash.to_hex(),
        }
    }

    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }

    /// Parses a header line and checks it is `part`'s for this ledger and head.
    pub fn check(
        text: &str,
        part: Part,
        ledger_id: &str,
        head_position: u64,
        head_hash: &str,
    ) -> Result<PartHeader, String> {
        let header: PartHeader = serde_json::from_str(text.trim_end())
            .map_err(|e| format!("the {} part has no header line: {e}", part.name()))?;
        if header.format != BACKUP_FORMAT || header.part != part.name() {
            return Err(format!(
                "the {} part's header names {:?} of format {:?}",
                part.name(),
                header.part,
                header.format
            ));
        }
        if header.ledger_id != ledger_id {
            return Err(format!(
                "the {} part belongs to another ledger (first event {}, not {ledger_id})",
                part.name(),
                header.ledger_id
            ));
        }
        if header.head_position != head_position || header.head_hash != head_hash {
            return Err(format!(
                "the {} part was taken at head {} ({}), not this backup's {head_position} \
                 ({head_hash})",
                part.name(),
                header.head_position,
                header.head_hash
            ));
        }
        Ok(header)
    }
}

/// One line of the idempotency part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdempotencyLine {
    pub key: String,
    pub fingerprint: String,
    pub first_position: u64,
    pub last_position: u64,
    pub stream_version: u64,
    /// The hash of the append's last event, hex.
    pub head_hash: String,
}

impl IdempotencyLine {
    pub fn new(entry: &IdempotencyEntry) -> IdempotencyLine {
        IdempotencyLine {
            key: entry.key.clone(),
            fingerprint: entry.fingerprint.to_hex(),
            first_position: entry.outcome.first_position,
            last_position: entry.outcome.last_position,
            stream_version: entry.outcome.stream_version,
            head_hash: entry.outcome.head_hash.to_hex(),
        }
    }

    pub fn to_entry(&self) -> Result<IdempotencyEntry, String> {
        let hash = |text: &str, what: &str| {
            Hash256::from_hex(text).ok_or_else(|| format!("{what} is not 64 hex digits"))
        };
        let entry = IdempotencyEntry {
            key: self.key.clone(),
            fingerprint: hash(&self.fingerprint, "fingerprint")?,
            outcome: AppendOutcome {
                first_position: self.first_position,
                last_position: self.last_position,
                stream_version: self.stream_version,
                head_hash: hash(&self.head_hash, "head_hash")?,
                replayed: false,
            },
        };
        entry.check()?;
        Ok(entry)
    }
}

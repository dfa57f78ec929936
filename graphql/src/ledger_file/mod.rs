//! The export file: JSON Lines, one stored event per line in position order, readable and
//! verifiable without govledger (format in `docs/audit.md`). Format 2 adds the log's
//! verifier key (first line) and every checkpoint the log signed, each after the event that
//! ends its tree (`checkpoint_lines.rs`); `walk.rs` checks a whole file, `write.rs` writes one.
//!
//! `record_hex` is the exact record the chain hash covers (format tag and body as stored);
//! anyone can check `hash == SHA-256(prev_hash || record)` and `prev_hash` == the previous
//! line's `hash`. The readable fields are decoded from those bytes, and the importer checks
//! they agree.

use govledger_core::codec::{self, Placement};
use govledger_core::event::{Actor, EventType, NewEvent, RecordedEvent};
use govledger_core::hash::Hash256;
use govledger_core::time::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::payload_json::payload_json;
use crate::schema::node::{hex_decode, hex_encode};

mod checkpoint_lines;
mod walk;
mod write;

pub use checkpoint_lines::{CheckpointLine, LogKeyLine};
pub use walk::{ExportWalk, LINE_BYTES_MAX, Walked, for_each_line};
pub use write::{ExportWriteError, ExportWritten, write_export};

/// The first value of `format` on every line; bumped if the line layout changes.
pub const EXPORT_FORMAT: &str = "govledger-export-2";
/// Format 1: event lines only (still read).
pub const EXPORT_FORMAT_1: &str = "govledger-export-1";

#[derive(Debug, thiserror::Error)]
pub enum LedgerFileError {
    #[error("position {position}: {reason}")]
    Broken { position: u64, reason: String },
    #[error("line {line}: not an export line: {reason}")]
    Unreadable { line: u64, reason: String },
    #[error("line {line}: checkpoint refused: {reason}")]
    Checkpoint { line: u64, reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActorLine {
    pub account_id: Uuid,
    pub role: String,
    pub organisation_id: Option<Uuid>,
}

/// One line of the export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportLine {
    pub format: String,
    pub position: u64,
    pub event_id: Uuid,
    pub stream_id: String,
    pub stream_version: u64,
    pub event_type: String,
    pub schema_version: u16,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    pub recorded_at: String,
    pub actor: ActorLine,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    /// The payload decoded by this build's domain; `null` when it cannot decode it.
    pub payload: Option<serde_json::Value>,
    /// Hex of the stored record the chain hash covers (format tag + body).
    pub record_hex: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Renders a stored event as an export line, re-deriving the stored bytes and checking they
/// hash to the stored hash (so the file never claims bytes the ledger does not hold).
pub fn export_line(event: &RecordedEvent) -> Result<ExportLine, LedgerFileError> {
    let broken = |reason: String| LedgerFileError::Broken {
        position: event.position,
        reason,
    };
    let proposal = NewEvent {
        event_id: event.event_id,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        occurred_at: event.occurred_at,
        actor: event.actor.clone(),
        correlation_id: event.correlation_id,
        causation_id: event.causation_id,
        payload: event.payload.clone(),
    };
    let placement = Placement {
        position: event.position,
        stream_id: &event.stream_id,
        stream_version: event.stream_version,
        recorded_at: event.recorded_at,
        prev_hash: event.prev_hash,
    };
    let sealed = codec::seal_record(&proposal, &placement).map_err(|e| broken(e.to_string()))?;
    if sealed.hash != event.hash {
        return Err(broken(
            "the record re-encodes to a different hash; export refused (is this build older than \
             the data?)"
                .into(),
        ));
    }
    let (covered, _) =
        codec::split_stored(event.position, &sealed.value).map_err(|e| broken(e.to_string()))?;
    Ok(ExportLine {
        format: EXPORT_FORMAT.to_string(),
        position: event.position,
        event_id: event.event_id,
        stream_id: event.stream_id.to_string(),
        stream_version: event.stream_version,
        event_type: event.event_type.to_string(),
        schema_version: event.schema_version,
        occurred_at: event.occurred_at.to_rfc3339(),
        recorded_at: event.recorded_at.to_rfc3339(),
        actor: ActorLine {
            account_id: event.actor.account_id,
            role: event.actor.role.clone(),
            organisation_id: event.actor.organisation_id,
        },
        correlation_id: event.correlation_id,
        causation_id: event.causation_id,
        payload: payload_json(event),
        record_hex: hex_encode(covered),
        prev_hash: event.prev_hash.to_hex(),
        hash: event.hash.to_hex(),
    })
}

/// Checks export lines in order: positions from 1 without gaps, the chain rule over the
/// record bytes, and that the readable fields say what the bytes say.
pub struct FileCheck {
    expected_position: u64,
    previous_hash: Hash256,
}

impl Default for FileCheck {
    fn default() -> FileCheck {
        FileCheck::new()
    }
}

impl FileCheck {
    pub fn new() -> FileCheck {
        FileCheck {
            expected_position: 1,
            previous_hash: Hash256::GENESIS,
        }
    }

    /// Continues after a verified position and hash (an incremental backup's part).
    pub fn resume(position: u64, hash: Hash256) -> FileCheck {
        FileCheck {
            expected_position: position + 1,
            previous_hash: hash,
        }
    }

    /// The last verified position and hash.
    pub fn head(&self) -> (u64, Hash256) {
        (self.expected_position - 1, self.previous_hash)
    }

    /// Verifies the next line and returns the event it records.
    pub fn check(&mut self, line: &ExportLine) -> Result<RecordedEvent, LedgerFileError> {
        let position = self.expected_position;
        let broken = |reason: String| LedgerFileError::Broken { position, reason };
        if line.format != EXPORT_FORMAT && line.format != EXPORT_FORMAT_1 {
            return Err(broken(format!("unknown format {:?}", line.format)));
        }
        if line.position != position {
            return Err(broken(format!("the line says position {}", line.position)));
        }
        let prev_hash = Hash256::from_hex(&line.prev_hash)
            .ok_or_else(|| broken("prev_hash is not 64 hex digits".into()))?;
        let hash = Hash256::from_hex(&line.hash)
            .ok_or_else(|| broken("hash is not 64 hex digits".into()))?;
        if prev_hash != self.previous_hash {
            return Err(broken(
                "prev_hash does not match the previous line's hash".into(),
            ));
        }
        let record =
            hex_decode(&line.record_hex).ok_or_else(|| broken("record_hex is not hex".into()))?;
        let recomputed = Hash256::chain(&prev_hash, &record);
        if recomputed != hash {
            return Err(broken(format!(
                "hash mismatch: the line says {hash}, SHA-256(prev_hash || record) is {recomputed}"
            )));
        }
        let mut stored = record;
        stored.extend_from_slice(&hash.0);
        let event = codec::decode_record(position, &stored).map_err(|e| broken(e.to_string()))?;
        if event.prev_hash != prev_hash {
            return Err(broken(
                "the record's prev_hash field disagrees with the chain".into(),
            ));
        }
        check_readable_fields(line, &event).map_err(broken)?;
        self.expected_position += 1;
        self.previous_hash = hash;
        Ok(event)
    }
}

fn check_readable_fields(line: &ExportLine, event: &RecordedEvent) -> Result<(), String> {
    let actor = Actor {
        account_id: line.actor.account_id,
        role: line.actor.role.clone(),
        organisation_id: line.actor.organisation_id,
    };
    let event_type = EventType::new(line.event_type.clone()).map_err(|e| e.to_string())?;
    let time = |text: &str| Timestamp::parse_rfc3339(text).map_err(|e| e.to_string());
    let agrees = line.event_id == event.event_id
        && line.stream_id == event.stream_id.as_str()
        && line.stream_version == event.stream_version
        && event_type == event.event_type
        && line.schema_version == event.schema_version
        && time(&line.occurred_at)? == event.occurred_at
        && time(&line.recorded_at)? == event.recorded_at
        && actor == event.actor
        && line.correlation_id == event.correlation_id
        && line.causation_id == event.causation_id;
    if agrees {
        Ok(())
    } else {
        Err("the readable fields disagree with the record bytes".into())
    }
}

/// One line of the file.
#[derive(Debug, Clone, PartialEq)]
pub enum FileLine {
    Event(Box<ExportLine>),
    LogKey(LogKeyLine),
    Checkpoint(CheckpointLine),
}

/// The `kind` of a line: absent on event lines (as in format 1).
#[derive(Deserialize)]
struct LineKind {
    kind: Option<String>,
}

/// Parses one line of the file (`line_number` from 1, for messages).
pub fn parse_line(line_number: u64, text: &str) -> Result<FileLine, LedgerFileError> {
    let unreadable = |reason: String| LedgerFileError::Unreadable {
        line: line_number,
        reason,
    };
    let kind: LineKind = serde_json::from_str(text).map_err(|e| unreadable(e.to_string()))?;
    let parsed = match kind.kind.as_deref() {
        None => serde_json::from_str(text).map(|line| FileLine::Event(Box::new(line))),
        Some(LogKeyLine::KIND) => serde_json::from_str(text).map(FileLine::LogKey),
        Some(CheckpointLine::KIND) => serde_json::from_str(text).map(FileLine::Checkpoint),
        Some(other) => return Err(unreadable(format!("unknown kind {other:?}"))),
    };
    parsed.map_err(|e| unreadable(e.to_string()))
}

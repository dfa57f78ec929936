//! Checking an export file line by line, in one pass and in bounded memory: the hash chain
//! (`FileCheck`), the Merkle tree of the records (its right edge), and each checkpoint line:
//! signed by the log's key, for the tree of exactly the records before it, root included.
//! Import and `tlog verify` both walk a file with it before they trust anything in it.

use std::io::{BufRead, Read};

use govledger_core::event::RecordedEvent;
use govledger_core::hash::Hash256;
use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::tlog::note::NoteVerifier;
use govledger_core::tlog::{Checkpoint, Frontier, leaf_hash};

use crate::ledger_file::{
    CheckpointLine, EXPORT_FORMAT, FileCheck, FileLine, LedgerFileError, LogKeyLine, parse_line,
};
use crate::schema::node::hex_decode;

/// Longest line read (a record is at most 64 KiB, twice that in hex, plus its readable fields).
pub const LINE_BYTES_MAX: usize = 4 * 1024 * 1024;

/// What one line held, once checked.
#[derive(Debug)]
pub enum Walked {
    /// The log's verifier key (checkpoints after it are checked with it).
    LogKey,
    /// The next event and the exact record bytes the chain and the tree cover.
    Event {
        event: Box<RecordedEvent>,
        record: Vec<u8>,
    },
    /// A checkpoint, verified, as the store keeps it.
    Checkpoint(StoredCheckpoint),
}

/// A file being checked: feed it every line in order.
pub struct ExportWalk {
    check: FileCheck,
    tree: Frontier,
    scratch: Vec<Hash256>,
    /// The key checkpoints are checked with.
    verifier: Option<NoteVerifier>,
    /// Whether any line was walked (the key line must come first).
    started: bool,
    checkpoints: u64,
    latest: Option<Checkpoint>,
}

impl ExportWalk {
    /// `given`: the log key the caller trusts; a file carrying another one is refused. Without
    /// it, the key the file carries checks its checkpoints.
    pub fn new(given: Option<NoteVerifier>) -> ExportWalk {
        ExportWalk {
            check: FileCheck::new(),
            tree: Frontier::empty(),
            scratch: Vec::new(),
            verifier: given,
            started: false,
            checkpoints: 0,
            latest: None,
        }
    }

    /// The last verified position and hash.
    pub fn head(&self) -> (u64, Hash256) {
        self.check.head()
    }

    /// The Merkle tree of the records so far: size and root.
    pub fn tree(&self) -> (u64, Hash256) {
        (self.tree.size(), self.tree.root())
    }

    /// The key checkpoints were checked with, if any.
    pub fn log_key(&self) -> Option<&NoteVerifier> {
        self.verifier.as_ref()
    }

    /// How many checkpoints verified, and the latest.
    pub fn checkpoints(&self) -> (u64, Option<&Checkpoint>) {
        (self.checkpoints, self.latest.as_ref())
    }

    /// Checks the next line (`line_number` from 1, for messages).
    pub fn line(&mut self, line_number: u64, text: &str) -> Result<Walked, LedgerFileError> {
        let first = !self.started;
        self.started = true;
        match parse_line(line_number, text)? {
            FileLine::Event(line) => {
                let event = self.check.check(&line)?;
                let record =
                    hex_decode(&line.record_hex).ok_or_else(|| LedgerFileError::Broken {
                        position: event.position,
                        reason: "record_hex is not hex".into(),
                    })?;
                self.scratch.clear();
                self.tree.append(leaf_hash(&record), &mut self.scratch);
                Ok(Walked::Event {
                    event: Box::new(event),
                    record,
                })
            }
            FileLine::LogKey(line) => {
                self.take_log_key(line_number, first, &line)?;
                Ok(Walked::LogKey)
            }
            FileLine::Checkpoint(line) => {
                let kept =
                    self.checkpoint(&line)
                        .map_err(|reason| LedgerFileError::Checkpoint {
                            line: line_number,
                            reason,
                        })?;
                Ok(Walked::Checkpoint(kept))
            }
        }
    }

    fn take_log_key(
        &mut self,
        line_number: u64,
        first: bool,
        line: &LogKeyLine,
    ) -> Result<(), LedgerFileError> {
        let refused = |reason: String| LedgerFileError::Checkpoint {
            line: line_number,
            reason,
        };
        if line.format != EXPORT_FORMAT || !first {
            return Err(refused(
                "the log key line must be the first line of a format-2 file".into(),
            ));
        }
        let carried = NoteVerifier::parse(&line.verifier_key)
            .map_err(|e| refused(format!("the log key: {e}")))?;
        match &self.verifier {
            Some(given) if *given != carried => Err(refused(format!(
                "the file carries the log key {}, not the one given ({})",
                carried.to_text(),
                given.to_text()
            ))),
            Some(_) => Ok(()),
            None => {
                self.verifier = Some(carried);
                Ok(())
            }
        }
    }

    fn checkpoint(&mut self, line: &CheckpointLine) -> Result<StoredCheckpoint, String> {
        if line.format != EXPORT_FORMAT {
            return Err(format!("format {:?} holds no checkpoints", line.format));
        }
        let verifier = self.verifier.as_ref().ok_or(
            "the file carries no log key before its checkpoints; give the log's verifier key",
        )?;
        let text = verifier.open(&line.note).map_err(|e| e.to_string())?;
        let checkpoint = Checkpoint::parse(text).map_err(|e| e.to_string())?;
        if checkpoint.origin != verifier.name() {
            return Err(format!(
                "the checkpoint is for {:?}, not {:?}",
                checkpoint.origin,
                verifier.name()
            ));
        }
        let (size, root) = self.tree();
        if line.tree_size != checkpoint.tree_size {
            return Err(format!(
                "the line says {} events, its note {}",
                line.tree_size, checkpoint.tree_size
            ));
        }
        if checkpoint.tree_size != size {
            return Err(format!(
                "a checkpoint of {} events after {size} records (out of place)",
                checkpoint.tree_size
            ));
        }
        if self.latest.as_ref().map(|c| c.tree_size) == Some(size) {
            return Err(format!("a second checkpoint of {size} events"));
        }
        if checkpoint.root != root {
            return Err(format!(
                "the checkpoint of {size} events signs root {}, but the records hash to {root}",
                checkpoint.root
            ));
        }
        let kept = line.to_stored()?;
        self.checkpoints += 1;
        self.latest = Some(checkpoint);
        Ok(kept)
    }
}

/// Calls `visit` with each non-empty line of `reader` and its number (from 1); a line longer
/// than `LINE_BYTES_MAX` or not UTF-8 is refused.
pub fn for_each_line<E: From<LedgerFileError>>(
    mut reader: impl BufRead,
    mut visit: impl FnMut(u64, &str) -> Result<(), E>,
) -> Result<(), E> {
    let mut line_number = 0;
    let mut buffer = Vec::new();
    loop {
        line_number += 1;
        buffer.clear();
        let read = reader
            .by_ref()
            .take(LINE_BYTES_MAX as u64 + 1)
            .read_until(b'\n', &mut buffer)
            .map_err(|e| LedgerFileError::Unreadable {
                line: line_number,
                reason: e.to_string(),
            })?;
        if read == 0 {
            return Ok(());
        }
        if buffer.len() > LINE_BYTES_MAX {
            return Err(LedgerFileError::Unreadable {
                line: line_number,
                reason: format!("longer than {LINE_BYTES_MAX} bytes"),
            }
            .into());
        }
        let text = std::str::from_utf8(&buffer).map_err(|_| LedgerFileError::Unreadable {
            line: line_number,
            reason: "not UTF-8".into(),
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        visit(line_number, text)?;
    }
}

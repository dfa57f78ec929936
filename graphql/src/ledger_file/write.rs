//! Writing an export (format 2): the log key line when the log has a key, then the events of
//! positions `from..=through` in order, each checkpoint kept for a tree in that range right
//! after the event that ends its tree (a checkpoint of the empty tree first, from position 1).

use std::io::Write;

use govledger_core::error::StoreError;
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::sled_store::{CHECKPOINTS_PAGE_MAX, StoredCheckpoint};
use govledger_core::store::{LogQuery, TransparencyLog};
use govledger_core::tlog::note::NoteVerifier;
use serde::Serialize;

use crate::ledger_file::{CheckpointLine, LedgerFileError, LogKeyLine, export_line};

#[derive(Debug, thiserror::Error)]
pub enum ExportWriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Line(#[from] LedgerFileError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportWritten {
    pub events: u64,
    pub checkpoints: u64,
}

fn write_line(out: &mut impl Write, line: &impl Serialize) -> Result<(), ExportWriteError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes positions `from..=through` (from 1 for a whole export) and the checkpoints of
/// trees of `checkpoints_from..=through` events (0 for a whole export; a resumed backup part
/// asks again for the checkpoint of the events it has).
pub fn write_export(
    store: &dyn TransparencyLog,
    from: u64,
    through: u64,
    checkpoints_from: u64,
    log_key: Option<&NoteVerifier>,
    out: &mut impl Write,
) -> Result<ExportWritten, ExportWriteError> {
    let from = from.max(1);
    let mut written = ExportWritten::default();
    if let Some(key) = log_key {
        write_line(out, &LogKeyLine::new(key))?;
    }
    let mut checkpoints = CheckpointQueue::new(checkpoints_from.max(from - 1));
    written.checkpoints += checkpoints.write_through(store, from - 1, out)?;
    let mut next = from;
    while next <= through {
        let page = store.read_log(&LogQuery::forwards(next, READ_PAGE_EVENTS_MAX))?;
        for event in page.events.iter().filter(|e| e.position <= through) {
            write_line(out, &export_line(event)?)?;
            written.events += 1;
            written.checkpoints += checkpoints.write_through(store, event.position, out)?;
        }
        if page.reached_end || page.next_start <= next {
            break;
        }
        next = page.next_start;
    }
    Ok(written)
}

/// The kept checkpoints, read a page at a time in size order.
struct CheckpointQueue {
    next_size: u64,
    page: std::collections::VecDeque<StoredCheckpoint>,
    exhausted: bool,
}

impl CheckpointQueue {
    fn new(from_size: u64) -> CheckpointQueue {
        CheckpointQueue {
            next_size: from_size,
            page: Default::default(),
            exhausted: false,
        }
    }

    /// Writes the checkpoint of `tree_size` if one is kept (skipping any smaller ones not yet
    /// written, which cannot be: the queue starts at the range's first size).
    fn write_through(
        &mut self,
        store: &dyn TransparencyLog,
        tree_size: u64,
        out: &mut impl Write,
    ) -> Result<u64, ExportWriteError> {
        let mut count = 0;
        loop {
            if self.page.is_empty() && !self.exhausted {
                let page = store.checkpoints_from(self.next_size, CHECKPOINTS_PAGE_MAX)?;
                self.exhausted = page.len() < CHECKPOINTS_PAGE_MAX;
                if let Some(last) = page.last() {
                    self.next_size = last.tree_size + 1;
                }
                self.page.extend(page);
            }
            match self.page.front() {
                Some(kept) if kept.tree_size <= tree_size => {
                    if kept.tree_size == tree_size {
                        write_line(out, &CheckpointLine::new(kept))?;
                        count += 1;
                    }
                    self.page.pop_front();
                }
                _ => return Ok(count),
            }
        }
    }
}

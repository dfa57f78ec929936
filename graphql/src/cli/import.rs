//! `govledger import`: verify an export file's whole chain, then load it into a fresh data
//! directory. A broken file is refused before anything is written.
//!
//! Limitation: the store assigns `recorded_at` (and so the hashes) itself and has no API to
//! write records verbatim. Events are re-appended in order with their ids, types, versions,
//! occurred-at, actors, correlation and payloads intact, at the same positions and stream
//! versions; their recorded-at times and hashes are new. The file remains the proof of the
//! original chain (its head hash is printed).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use govledger_core::event::{NewEvent, RecordedEvent};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, PendingAppend};

use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::{FileCheck, parse_line};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The export file to load.
    #[arg(long = "in", env = "GOVLEDGER_IMPORT_IN")]
    input: PathBuf,
}

pub(super) fn run(args: ImportArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    let (events, file_head_hash) = {
        let mut check = FileCheck::new();
        let mut count = 0u64;
        for_each_line(&args.input, |line_number, text| {
            check.check(&parse_line(line_number, text)?)?;
            count += 1;
            Ok(())
        })?;
        (count, check.head().1)
    };
    say(format!(
        "{}: chain verified, {events} events, head hash {file_head_hash}",
        args.input.display()
    ));
    if data.ledger().exists() {
        let store = SledStore::open(data.ledger())?;
        if store.head().position > 0 {
            return Err(CliError::Failed(format!(
                "{} already holds a ledger; import only into a fresh data directory",
                data.root().display()
            )));
        }
    }
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    let store = SledStore::open(data.ledger())?;
    let mut pending: Vec<(u64, PendingAppend)> = Vec::new();
    let mut check = FileCheck::new();
    for_each_line(&args.input, |line_number, text| {
        let event = check.check(&parse_line(line_number, text)?)?;
        pending.push((event.position, store.submit(reappend(event))));
        if pending.len() >= IMPORT_IN_FLIGHT_APPENDS_MAX {
            settle(&mut pending)?;
        }
        Ok(())
    })?;
    settle(&mut pending)?;
    let head = store.head();
    store.close()?;
    say(format!(
        "imported {events} events into {}; new head position {} hash {} (recorded-at times and \
         hashes are new: the store cannot write records verbatim; the export file proves the \
         original chain)",
        data.root().display(),
        head.position,
        head.hash
    ));
    Ok(())
}

/// Appends queued before waiting for their outcomes (the writer commits them in groups).
const IMPORT_IN_FLIGHT_APPENDS_MAX: usize = 2_048;

fn reappend(event: RecordedEvent) -> AppendRequest {
    AppendRequest {
        stream: event.stream_id.clone(),
        expected: ExpectedVersion::Exact(event.stream_version - 1),
        events: vec![NewEvent {
            event_id: event.event_id,
            event_type: event.event_type,
            schema_version: event.schema_version,
            occurred_at: event.occurred_at,
            actor: event.actor,
            correlation_id: event.correlation_id,
            causation_id: event.causation_id,
            payload: event.payload,
        }],
        idempotency: None,
    }
}

fn settle(pending: &mut Vec<(u64, PendingAppend)>) -> Result<(), CliError> {
    for (position, append) in pending.drain(..) {
        let outcome = append.wait()?;
        if outcome.first_position != position {
            return Err(CliError::Failed(format!(
                "event {position} landed at position {}; the import stopped",
                outcome.first_position
            )));
        }
    }
    Ok(())
}

fn for_each_line(
    path: &Path,
    mut visit: impl FnMut(u64, &str) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let file = File::open(path).map_err(CliError::io(format!("opening {}", path.display())))?;
    let mut line_number = 0;
    for line in BufReader::new(file).lines() {
        line_number += 1;
        let text = line.map_err(CliError::io(format!("reading {}", path.display())))?;
        if text.trim().is_empty() {
            continue;
        }
        visit(line_number, &text)?;
    }
    Ok(())
}

//! `govledger import`: verify an export file's whole chain, then restore it verbatim into a
//! fresh data directory: the same record bytes at the same positions, so every hash and the
//! head hash are the original ones. A broken file is refused before anything is written; the
//! store re-checks every record as it writes it, and a restore that stops half-way leaves a
//! directory that refuses to open rather than a shorter ledger.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use govledger_core::store::sled_store::{SledOptions, SledRestore, StoredRecord};

use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::{FileCheck, LedgerFileError, parse_line};
use crate::schema::node::hex_decode;
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
    // First pass: the whole file must verify before anything is written.
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
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    // Second pass: restore verbatim (the store checks the chain again as it writes).
    let mut restore = SledRestore::begin(&SledOptions::new(data.ledger()))?;
    let mut check = FileCheck::new();
    for_each_line(&args.input, |line_number, text| {
        let line = parse_line(line_number, text)?;
        let event = check.check(&line)?;
        let record = hex_decode(&line.record_hex).ok_or_else(|| LedgerFileError::Broken {
            position: event.position,
            reason: "record_hex is not hex".into(),
        })?;
        restore.push(StoredRecord {
            position: event.position,
            record,
            hash: event.hash,
        })?;
        Ok(())
    })?;
    let head = restore.finish()?;
    if head.hash != file_head_hash {
        return Err(CliError::Failed(format!(
            "the file changed during the import: restored head hash {} differs from {file_head_hash}",
            head.hash
        )));
    }
    say(format!(
        "imported {events} events into {}; head position {} hash {} (as in the file)",
        data.root().display(),
        head.position,
        head.hash
    ));
    Ok(())
}

pub(super) fn for_each_line(
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

//! `govledger import`: verify an export file's whole chain and every checkpoint it carries,
//! then restore it verbatim into a fresh data directory: the same record bytes at the same
//! positions, so every hash, the head hash and the tree are the original ones, and the same
//! signed checkpoints, byte for byte. A broken file (or a checkpoint not signed by the log's
//! key, or not the tree of the records before it) is refused before anything is written; the
//! store re-checks every record and checkpoint as it writes it, and a restore that stops
//! half-way leaves a directory that refuses to open rather than a shorter ledger. The log's
//! verifier key is kept in `tlog/log-key.pub` (its signing key never travels in an export):
//! a later export carries it, and the server refuses to sign under a new key until the
//! original `tlog/log-key` is copied in (docs/operations.md).

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use govledger_core::store::sled_store::{SledOptions, SledRestore, StoredRecord};
use govledger_core::tlog::key_file;
use govledger_core::tlog::note::NoteVerifier;

use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::{ExportWalk, Walked, for_each_line};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The export file to load.
    #[arg(long = "in", env = "GOVLEDGER_IMPORT_IN")]
    input: PathBuf,
    /// The log's verifier key (`govledger tlog key`); the file's checkpoints must be signed
    /// by it. Without it, the key the file carries checks them.
    #[arg(long, env = "GOVLEDGER_IMPORT_LOG_KEY")]
    log_key: Option<String>,
}

/// Calls `visit` with each line of the file at `path`.
pub(super) fn for_each_file_line(
    path: &Path,
    visit: impl FnMut(u64, &str) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let file = File::open(path).map_err(CliError::io(format!("opening {}", path.display())))?;
    for_each_line(BufReader::new(file), visit)
}

pub(super) fn run(args: ImportArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    let given = args
        .log_key
        .as_deref()
        .map(|key| NoteVerifier::parse(key.trim()))
        .transpose()
        .map_err(|e| CliError::Failed(format!("--log-key: {e}")))?;
    // First pass: the whole file must verify before anything is written.
    let first = {
        let mut walk = ExportWalk::new(given.clone());
        for_each_file_line(&args.input, |line_number, text| {
            walk.line(line_number, text)?;
            Ok(())
        })?;
        walk
    };
    let (events, file_head_hash) = first.head();
    let (checkpoints, _) = first.checkpoints();
    say(format!(
        "{}: chain verified, {events} events, head hash {file_head_hash}; {checkpoints} \
         checkpoints verified",
        args.input.display()
    ));
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    // Second pass: restore verbatim (the store checks the chain and the roots again).
    let mut restore = SledRestore::begin(&SledOptions::new(data.ledger()))?;
    let mut walk = ExportWalk::new(given);
    for_each_file_line(&args.input, |line_number, text| {
        match walk.line(line_number, text)? {
            Walked::LogKey => {}
            Walked::Event { event, record } => restore.push(StoredRecord {
                position: event.position,
                record,
                hash: event.hash,
            })?,
            Walked::Checkpoint(kept) => restore.keep_checkpoint(&kept)?,
        }
        Ok(())
    })?;
    let head = restore.finish()?;
    if let Some(verifier) = walk.log_key() {
        key_file::keep_verifier(&data.tlog(), verifier)
            .map_err(|e| CliError::Failed(format!("keeping the log's verifier key: {e}")))?;
    }
    if head.hash != file_head_hash || walk.checkpoints().0 != checkpoints {
        return Err(CliError::Failed(format!(
            "the file changed during the import: restored head hash {} differs from {file_head_hash}",
            head.hash
        )));
    }
    say(format!(
        "imported {events} events and {checkpoints} checkpoints into {}; head position {} hash \
         {} (as in the file)",
        data.root().display(),
        head.position,
        head.hash
    ));
    Ok(())
}

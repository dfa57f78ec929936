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

use govledger_core::store::Head;
use govledger_core::store::postgres_store::PostgresRestore;
use govledger_core::store::sled_store::{SledOptions, SledRestore, StoredCheckpoint, StoredRecord};
use govledger_core::tlog::key_file;
use govledger_core::tlog::note::NoteVerifier;

use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, say};
use crate::ledger_file::{ExportWalk, Walked, for_each_line};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The fresh data directory to restore the sled ledger into; not with --ledger.
    #[arg(long, env = "GOVLEDGER_DATA", required_unless_present = "ledger_url")]
    data: Option<PathBuf>,
    /// Restore into this empty PostgreSQL ledger instead (`postgres://…`).
    #[command(flatten)]
    ledger: LedgerArgs,
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
    let Some(target) = Target::open(&args)? else {
        return Err(CliError::Failed("--data or --ledger is required".into()));
    };
    let (head, walk) = restore(target, &args.input, given)?;
    if head.hash != file_head_hash || walk.checkpoints().0 != checkpoints {
        return Err(CliError::Failed(format!(
            "the file changed during the import: restored head hash {} differs from {file_head_hash}",
            head.hash
        )));
    }
    let into = match (&args.ledger.ledger_url, &args.data) {
        (Some(_), _) => "the PostgreSQL ledger".to_string(),
        (None, Some(data)) => data.display().to_string(),
        (None, None) => String::new(),
    };
    say(format!(
        "imported {events} events and {checkpoints} checkpoints into {into}; head position {} \
         hash {} (as in the file)",
        head.position, head.hash
    ));
    Ok(())
}

/// Where an import restores to.
enum Target {
    Sled(DataDir, SledRestore),
    Postgres(PostgresRestore),
}

impl Target {
    fn open(args: &ImportArgs) -> Result<Option<Target>, CliError> {
        if let Some(options) = args.ledger.postgres()? {
            return Ok(Some(Target::Postgres(PostgresRestore::begin(&options)?)));
        }
        let Some(data) = &args.data else {
            return Ok(None);
        };
        let data = DataDir::new(data);
        std::fs::create_dir_all(data.root())
            .map_err(CliError::io(format!("creating {}", data.root().display())))?;
        let restore = SledRestore::begin(&SledOptions::new(data.ledger()))?;
        Ok(Some(Target::Sled(data, restore)))
    }

    fn push(&mut self, record: StoredRecord) -> Result<(), CliError> {
        match self {
            Target::Sled(_, restore) => restore.push(record)?,
            Target::Postgres(restore) => restore.push(record)?,
        }
        Ok(())
    }

    fn keep_checkpoint(&mut self, kept: &StoredCheckpoint) -> Result<(), CliError> {
        match self {
            Target::Sled(_, restore) => restore.keep_checkpoint(kept)?,
            Target::Postgres(restore) => restore.keep_checkpoint(kept)?,
        }
        Ok(())
    }
}

/// Second pass: restore verbatim (the store checks the chain and the roots again).
fn restore(
    mut target: Target,
    input: &Path,
    given: Option<NoteVerifier>,
) -> Result<(Head, ExportWalk), CliError> {
    let mut walk = ExportWalk::new(given);
    for_each_file_line(input, |line_number, text| {
        match walk.line(line_number, text)? {
            Walked::LogKey => {}
            Walked::Event { event, record } => target.push(StoredRecord {
                position: event.position,
                record,
                hash: event.hash,
            })?,
            Walked::Checkpoint(kept) => target.keep_checkpoint(&kept)?,
        }
        Ok(())
    })?;
    let head = match target {
        Target::Sled(data, restore) => {
            let head = restore.finish()?;
            if let Some(verifier) = walk.log_key() {
                key_file::keep_verifier(&data.tlog(), verifier).map_err(|e| {
                    CliError::Failed(format!("keeping the log's verifier key: {e}"))
                })?;
            }
            head
        }
        Target::Postgres(mut restore) => {
            if let Some(verifier) = walk.log_key() {
                restore.keep_log_key(&verifier.to_text())?;
            }
            restore.finish()?
        }
    };
    Ok((head, walk))
}

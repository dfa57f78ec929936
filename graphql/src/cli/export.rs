//! `govledger export`: every event as JSON Lines, with the log's verifier key and every
//! checkpoint it signed (format 2; see `ledger_file` and docs/audit.md). From the sled
//! ledger in `--data`, or from PostgreSQL (`--ledger`): the same ledger exports to the same
//! bytes from either.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use govledger_core::store::TransparencyLog;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::tlog::key_file;
use govledger_core::tlog::note::NoteVerifier;

use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, say};
use crate::ledger_file::{ExportWriteError, write_export};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    /// Data directory of the sled ledger (`ledger/` and `tlog/` inside); not with --ledger.
    #[arg(long, env = "GOVLEDGER_DATA", required_unless_present = "ledger_url")]
    data: Option<PathBuf>,
    #[command(flatten)]
    ledger: LedgerArgs,
    /// The file to write (refuses to overwrite an existing one).
    #[arg(long, env = "GOVLEDGER_EXPORT_OUT")]
    out: PathBuf,
}

pub(super) fn run(args: ExportArgs) -> Result<(), CliError> {
    if let Some(options) = args.ledger.postgres()? {
        let store = PostgresStore::open(&options)?;
        let log_key = store
            .log_verifier_key()?
            .map(|text| NoteVerifier::parse(&text))
            .transpose()
            .map_err(|e| CliError::Failed(format!("the log key kept in the database: {e}")))?;
        let exported = export(&store, log_key.as_ref(), &args.out);
        store.close()?;
        return exported;
    }
    let Some(data) = args.data else {
        return Err(CliError::Failed("--data or --ledger is required".into()));
    };
    let data = DataDir::new(data);
    if !data.ledger().exists() {
        return Err(CliError::Failed(format!(
            "no ledger at {}",
            data.ledger().display()
        )));
    }
    let log_key = key_file::load_verifier(&data.tlog())
        .map_err(|e| CliError::Failed(format!("the log key: {e}")))?;
    let store = SledStore::open(data.ledger())?;
    let exported = export(&store, log_key.as_ref(), &args.out);
    store.close()?;
    exported
}

/// Writes the whole ledger of `store` to `out` (a new file).
fn export(
    store: &dyn TransparencyLog,
    log_key: Option<&NoteVerifier>,
    out: &Path,
) -> Result<(), CliError> {
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(CliError::io(format!("creating {}", out.display())))?;
    let mut writer = BufWriter::new(file);
    let head = store.head();
    let written = write_export(store, 1, head.position, 0, log_key, &mut writer).map_err(
        |error| match error {
            ExportWriteError::Store(error) => CliError::Store(error),
            ExportWriteError::Line(error) => CliError::LedgerFile(error),
            ExportWriteError::Io(source) => CliError::Io {
                context: format!("writing {}", out.display()),
                source,
            },
        },
    )?;
    writer
        .into_inner()
        .map_err(|e| CliError::Failed(format!("writing the export: {e}")))?
        .sync_all()
        .map_err(CliError::io("syncing the export"))?;
    let head_signed = store
        .checkpoints_from(head.position, 1)?
        .first()
        .is_some_and(|kept| kept.tree_size == head.position);
    say(format!(
        "exported {} events and {} checkpoints to {} (head position {} hash {})",
        written.events,
        written.checkpoints,
        out.display(),
        head.position,
        head.hash
    ));
    if log_key.is_some() && !head_signed {
        say(
            "the head has no signed checkpoint yet: `govledger tlog checkpoint` signs one \
             (export again after it so the export verifies on its own)",
        );
    }
    Ok(())
}

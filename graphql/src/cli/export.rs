//! `govledger export`: every event as JSON Lines, with the log's verifier key and every
//! checkpoint it signed (format 2; see `ledger_file` and docs/audit.md).

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::tlog::key_file;

use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::{ExportWriteError, write_export};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The file to write (refuses to overwrite an existing one).
    #[arg(long, env = "GOVLEDGER_EXPORT_OUT")]
    out: PathBuf,
}

pub(super) fn run(args: ExportArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    if !data.ledger().exists() {
        return Err(CliError::Failed(format!(
            "no ledger at {}",
            data.ledger().display()
        )));
    }
    let log_key = key_file::load_verifier(&data.tlog())
        .map_err(|e| CliError::Failed(format!("the log key: {e}")))?;
    let store = SledStore::open(data.ledger())?;
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .map_err(CliError::io(format!("creating {}", args.out.display())))?;
    let mut writer = BufWriter::new(file);
    let head = store.head();
    let written =
        write_export(&store, 1, head.position, log_key.as_ref(), &mut writer).map_err(|error| {
            match error {
                ExportWriteError::Store(error) => CliError::Store(error),
                ExportWriteError::Line(error) => CliError::LedgerFile(error),
                ExportWriteError::Io(source) => CliError::Io {
                    context: format!("writing {}", args.out.display()),
                    source,
                },
            }
        })?;
    writer
        .into_inner()
        .map_err(|e| CliError::Failed(format!("writing the export: {e}")))?
        .sync_all()
        .map_err(CliError::io("syncing the export"))?;
    let head_signed = store.checkpoint_at(head.position)?.is_some();
    store.close()?;
    say(format!(
        "exported {} events and {} checkpoints to {} (head position {} hash {})",
        written.events,
        written.checkpoints,
        args.out.display(),
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

//! `govledger export`: every event as JSON Lines (see `ledger_file` and docs/audit.md).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, LogQuery};

use crate::cli::{CliError, DataArgs, say};
use crate::ledger_file::export_line;
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
    let store = SledStore::open(data.ledger())?;
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .map_err(CliError::io(format!("creating {}", args.out.display())))?;
    let mut writer = BufWriter::new(file);
    let head = store.head();
    let mut next = 1;
    let mut written = 0u64;
    while next <= head.position {
        let page = store.read_log(&LogQuery::forwards(next, READ_PAGE_EVENTS_MAX))?;
        for event in page.events.iter().filter(|e| e.position <= head.position) {
            let line = export_line(event)?;
            let text = serde_json::to_string(&line).map_err(|e| {
                CliError::Failed(format!("encoding position {}: {e}", event.position))
            })?;
            writeln!(writer, "{text}").map_err(CliError::io("writing the export"))?;
            written += 1;
        }
        if page.reached_end {
            break;
        }
        next = page.next_start;
    }
    writer
        .into_inner()
        .map_err(|e| CliError::Failed(format!("writing the export: {e}")))?
        .sync_all()
        .map_err(CliError::io("syncing the export"))?;
    store.close()?;
    say(format!(
        "exported {written} events to {} (head position {} hash {})",
        args.out.display(),
        head.position,
        head.hash
    ));
    Ok(())
}

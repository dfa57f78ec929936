//! `govledger verify`: walk the whole chain of a data directory's ledger, or of the
//! PostgreSQL ledger (`--ledger`).

use std::path::PathBuf;

use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::{OpenCheck, SledOptions, SledStore};
use govledger_core::store::{EventStore, VerifyReport};

use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, say};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    /// Data directory of the sled ledger; not with --ledger.
    #[arg(long, env = "GOVLEDGER_DATA", required_unless_present = "ledger_url")]
    data: Option<PathBuf>,
    #[command(flatten)]
    ledger: LedgerArgs,
}

pub(super) fn run(args: VerifyArgs) -> Result<(), CliError> {
    if let Some(mut options) = args.ledger.postgres()? {
        options.check = OpenCheck::Skip;
        let store = PostgresStore::open(&options)?;
        let report = store.verify()?;
        store.close()?;
        return answer(report);
    }
    let Some(data) = args.data else {
        return Err(CliError::Failed("--data or --ledger is required".into()));
    };
    let data = DataDir::new(data);
    let path = data.ledger();
    if !path.exists() {
        return Err(CliError::Failed(format!(
            "no ledger at {} (is --data the right directory?)",
            path.display()
        )));
    }
    // Open without the open-time check, so a damaged ledger can still be examined.
    let mut options = SledOptions::new(&path);
    options.check = OpenCheck::Skip;
    let store = SledStore::open_with(options)?;
    let report = store.verify()?;
    store.close()?;
    answer(report)
}

fn answer(report: VerifyReport) -> Result<(), CliError> {
    match report.first_damage {
        None => {
            say(format!(
                "ledger intact: {} events verified, head position {} hash {}",
                report.events_checked, report.head.position, report.head.hash
            ));
            Ok(())
        }
        Some(damage) => Err(CliError::Damaged {
            position: damage.position,
            reason: damage.reason,
        }),
    }
}

//! `govledger verify`: walk the whole chain of a data directory.

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::{OpenCheck, SledOptions, SledStore};

use crate::cli::{CliError, DataArgs, say};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct VerifyArgs {
    #[command(flatten)]
    data: DataArgs,
}

pub(super) fn run(args: VerifyArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
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

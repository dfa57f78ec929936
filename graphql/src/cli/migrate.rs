//! `govledger migrate --ledger postgres://…`: apply the PostgreSQL ledger's schema
//! migrations (under an advisory lock, so running it beside starting nodes is safe).

use govledger_core::store::postgres_store;

use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, say};

#[derive(Debug, clap::Args)]
pub(super) struct MigrateArgs {
    #[command(flatten)]
    ledger: LedgerArgs,
}

pub(super) fn run(args: MigrateArgs) -> Result<(), CliError> {
    let Some(options) = args.ledger.postgres()? else {
        return Err(CliError::Failed(
            "migrate needs --ledger postgres://… (the sled ledger upgrades itself at open)".into(),
        ));
    };
    let migrated = postgres_store::migrate(&options)?;
    match migrated.applied.as_slice() {
        [] => say(format!(
            "the ledger schema is current (version {})",
            migrated.schema_version
        )),
        applied => say(format!(
            "applied migrations {applied:?}; the ledger schema is at version {}",
            migrated.schema_version
        )),
    }
    Ok(())
}

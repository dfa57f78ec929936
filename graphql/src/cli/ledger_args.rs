//! `--ledger`: which ledger a command opens (ADR 0018). Without it, the sled ledger in the
//! data directory; with a `postgres://` URL, the PostgreSQL ledger several nodes share.

use std::sync::Arc;

use govledger_core::store::postgres_store::{
    MigrateAtOpen, PostgresOptions, PostgresStore, READ_CONNECTIONS_DEFAULT,
    STATEMENT_TIMEOUT_MS_DEFAULT, is_postgres_url,
};
use govledger_core::store::sled_store::SledStore;

use crate::cli::CliError;
use crate::cli::serve::Switch;
use crate::ledger::Ledger;
use crate::service::DataDir;

/// Most read connections a node may open.
const READ_CONNECTIONS_MAX: u64 = 64;

#[derive(Debug, Clone, clap::Args)]
pub(super) struct LedgerArgs {
    /// The ledger: a `postgres://` URL for a PostgreSQL ledger (several nodes may share it);
    /// without it, `<data>/ledger` (sled).
    #[arg(long = "ledger", env = "GOVLEDGER_LEDGER_URL")]
    pub(super) ledger_url: Option<String>,
    /// Apply missing schema migrations at start (PostgreSQL); `off` refuses an outdated
    /// schema instead (`govledger migrate` applies it).
    #[arg(
        long = "ledger-migrate",
        env = "GOVLEDGER_LEDGER_MIGRATE",
        value_enum,
        default_value = "on"
    )]
    migrate: Switch,
    /// Connections the node's readers share (PostgreSQL).
    #[arg(
        long,
        env = "GOVLEDGER_LEDGER_READ_CONNECTIONS",
        default_value_t = READ_CONNECTIONS_DEFAULT as u64,
        value_parser = clap::value_parser!(u64).range(1..=READ_CONNECTIONS_MAX)
    )]
    ledger_read_connections: u64,
    /// The longest one statement may run, in milliseconds (PostgreSQL `statement_timeout`).
    #[arg(
        long,
        env = "GOVLEDGER_LEDGER_STATEMENT_TIMEOUT_MS",
        default_value_t = STATEMENT_TIMEOUT_MS_DEFAULT,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    ledger_statement_timeout_ms: u64,
}

impl LedgerArgs {
    /// The PostgreSQL options, or `None` for the sled ledger.
    pub(super) fn postgres(&self) -> Result<Option<PostgresOptions>, CliError> {
        let Some(url) = &self.ledger_url else {
            return Ok(None);
        };
        if !is_postgres_url(url) {
            return Err(CliError::Failed(
                "--ledger takes a postgres:// URL (the sled ledger is <data>/ledger)".into(),
            ));
        }
        let mut options = PostgresOptions::from_url(url)?;
        options.migrate = match self.migrate {
            Switch::On => MigrateAtOpen::Apply,
            Switch::Off => MigrateAtOpen::RequireCurrent,
        };
        options.read_connections =
            usize::try_from(self.ledger_read_connections).unwrap_or(READ_CONNECTIONS_DEFAULT);
        options.statement_timeout_ms = self.ledger_statement_timeout_ms;
        Ok(Some(options))
    }

    /// Opens the ledger: PostgreSQL when `--ledger` names it, else `data`'s sled ledger.
    pub(super) fn open(&self, data: &DataDir) -> Result<Ledger, CliError> {
        Ok(match self.postgres()? {
            Some(options) => Ledger::Postgres(Arc::new(PostgresStore::open(&options)?)),
            None => Ledger::Sled(Arc::new(SledStore::open(data.ledger())?)),
        })
    }
}

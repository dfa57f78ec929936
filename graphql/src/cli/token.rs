//! `govledger token create|list|revoke`: API tokens in the token log under `<data>/access/`,
//! or with `--ledger postgres://…` in the ledger's database, which every node sharing it reads
//! (ADR 0025). The secret is printed once by `create` and never stored. Works while servers
//! run: a new token works and a revoked one is refused from the next request on (on a
//! PostgreSQL ledger, on every node within a second).

use clap::Subcommand;
use govledger_core::domain::role::Role;
use govledger_core::store::postgres_store::PostgresStore;
use uuid::Uuid;

use crate::access::{NewGrant, TokenStore};
use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, DataArgs, say};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct TokenArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(subcommand)]
    action: TokenAction,
}

#[derive(Debug, Subcommand)]
enum TokenAction {
    /// Create a token for an account acting in one role; prints the token once.
    Create {
        /// The account (UUID) the token acts as.
        #[arg(long)]
        account: Uuid,
        /// The role, e.g. `auditor`, `station_clerk`, `property_dispatcher`.
        #[arg(long)]
        role: String,
        /// The organisation (UUID) the account acts for in that role.
        #[arg(long)]
        organisation: Option<Uuid>,
        /// A note for `token list` (who holds it, why).
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List every token (never the secrets).
    List,
    /// Revoke a token by its id (from `token list`).
    Revoke { token_id: Uuid },
}

pub(super) fn run(args: TokenArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    // The PostgreSQL ledger is kept open while the tokens are used (they run on its runtime);
    // the sled ledger is not opened at all, so this works while a server holds it.
    let postgres = match args.ledger.postgres()? {
        Some(options) => Some(PostgresStore::open(&options)?),
        None => None,
    };
    let tokens = match &postgres {
        Some(ledger) => TokenStore::open_shared(ledger, &data.access())?,
        None => TokenStore::open(&data.access())?,
    };
    match args.action {
        TokenAction::Create {
            account,
            role,
            organisation,
            label,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                CliError::Failed(format!(
                    "unknown role {role:?}; one of: {}",
                    known.join(", ")
                ))
            })?;
            let (record, secret) = tokens.create(NewGrant {
                account_id: account,
                role,
                organisation_id: organisation,
                label,
            })?;
            say(format!("token id {}", record.token_id));
            say(secret.as_str());
        }
        TokenAction::List => {
            for record in tokens.list()? {
                say(format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    record.token_id,
                    record.account_id,
                    record.role,
                    record
                        .organisation_id
                        .map(|o| o.to_string())
                        .unwrap_or_else(|| "-".into()),
                    record
                        .revoked_at
                        .map(|at| format!("revoked {at}"))
                        .unwrap_or_else(|| "live".into()),
                    record.label
                ));
            }
        }
        TokenAction::Revoke { token_id } => {
            let record = tokens.revoke(token_id)?;
            say(format!("revoked token {}", record.token_id));
        }
    }
    drop(tokens);
    if let Some(ledger) = postgres {
        ledger.close()?;
    }
    Ok(())
}

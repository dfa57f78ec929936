//! `govledger token create|list|revoke`: API tokens in the token log under `<data>/access/`.
//! The secret is printed once by `create` and never stored. Works while a server runs on the
//! same data directory: the server re-reads the log before each authentication, so a new
//! token works and a revoked one is refused from the next request on.

use clap::Subcommand;
use govledger_core::domain::role::Role;
use uuid::Uuid;

use crate::access::{NewGrant, TokenStore};
use crate::cli::{CliError, DataArgs, say};
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct TokenArgs {
    #[command(flatten)]
    data: DataArgs,
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
    let tokens = TokenStore::open(&data.access())?;
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
    Ok(())
}

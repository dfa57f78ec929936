//! `govledger tlog`: the log's key and checkpoints (ADR 0007).
//! - `tlog key` prints the note verifier key, `<name>+<key id hex>+<base64 key>`, alone on
//!   one line (making the key first if the data directory has none). It never prints or
//!   exports the private key.
//! - `tlog checkpoint` signs a checkpoint of the ledger's head if none is kept for it yet
//!   (server stopped; on PostgreSQL the nodes may run) and prints the latest signed
//!   checkpoint note.
//! - `tlog verify` checks an export against signed checkpoints, offline (`tlog_verify.rs`).

use std::time::Duration;

use govledger_core::tlog::key_file::{self, NewOrigin};
use govledger_core::tlog::note::NoteSigner;

use crate::cli::ledger_args::LedgerArgs;
use crate::cli::tlog_verify::TlogVerifyArgs;
use crate::cli::{CliError, DataArgs, say};
use crate::ledger::Ledger;
use crate::service::DataDir;

#[derive(Debug, clap::Args)]
pub(super) struct TlogArgs {
    #[command(subcommand)]
    command: TlogCommand,
}

#[derive(Debug, clap::Subcommand)]
enum TlogCommand {
    /// Print the log's note verifier key (made on first use).
    Key(TlogDataArgs),
    /// Sign the head's checkpoint if needed (server stopped) and print the latest one.
    Checkpoint(TlogCheckpointArgs),
    /// Check an export (or a served log) against signed checkpoints and witnesses.
    Verify(TlogVerifyArgs),
    /// Print an inclusion or a consistency proof (server stopped), one hex hash a line.
    Prove(TlogProveArgs),
}

#[derive(Debug, clap::Args)]
struct TlogProveArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    ledger: LedgerArgs,
    /// The tree the proof is for (default: the head).
    #[arg(long)]
    tree_size: Option<u64>,
    /// Prove the event at this position is in the tree.
    #[arg(
        long,
        conflicts_with = "from_size",
        required_unless_present = "from_size"
    )]
    position: Option<u64>,
    /// Prove the tree extends the one of this size.
    #[arg(long)]
    from_size: Option<u64>,
}

#[derive(Debug, clap::Args)]
struct TlogDataArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    log: LogKeyArgs,
}

#[derive(Debug, clap::Args)]
struct TlogCheckpointArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    log: LogKeyArgs,
    #[command(flatten)]
    ledger: LedgerArgs,
}

/// How the log key is made, the first time (ignored once it exists).
#[derive(Debug, Clone, clap::Args)]
pub(super) struct LogKeyArgs {
    /// The community in the log's default origin, `govledger.local/<community>/<key id>`.
    #[arg(long, env = "GOVLEDGER_TLOG_COMMUNITY", default_value = "community")]
    tlog_community: String,
    /// The log's origin line instead of the default.
    #[arg(long, env = "GOVLEDGER_TLOG_ORIGIN")]
    tlog_origin: Option<String>,
}

/// How the server signs checkpoints.
#[derive(Debug, Clone, clap::Args)]
pub(super) struct CheckpointArgs {
    #[command(flatten)]
    pub(super) key: LogKeyArgs,
    /// Milliseconds within which new events get a signed checkpoint.
    #[arg(
        long,
        env = "GOVLEDGER_CHECKPOINT_INTERVAL_MS",
        default_value_t = 1_000,
        value_parser = clap::value_parser!(u64).range(10..=3_600_000)
    )]
    pub(super) checkpoint_interval_ms: u64,
    /// A witness to submit each new checkpoint to, `http://host:port[/prefix]+<its
    /// cosignature verifier key>` (`govledger witness key`); repeatable (at most 32). Its
    /// cosignatures are served with the checkpoint.
    #[arg(
        long = "witness",
        env = "GOVLEDGER_WITNESSES",
        value_delimiter = ',',
        value_parser = crate::witness_client::WitnessTarget::parse
    )]
    pub(super) witnesses: Vec<crate::witness_client::WitnessTarget>,
}

impl CheckpointArgs {
    pub(super) fn interval(&self) -> Duration {
        Duration::from_millis(self.checkpoint_interval_ms)
    }
}

/// The data directory's log signer, made on first use.
pub(super) fn log_signer(data: &DataDir, args: &LogKeyArgs) -> Result<NoteSigner, CliError> {
    let origin = match &args.tlog_origin {
        Some(origin) => NewOrigin::Given(origin.clone()),
        None => NewOrigin::Default {
            community: args.tlog_community.clone(),
        },
    };
    key_file::load_or_create(&data.tlog(), &origin)
        .map_err(|e| CliError::Failed(format!("the log key: {e}")))
}

pub(super) fn run(args: TlogArgs) -> Result<(), CliError> {
    match args.command {
        TlogCommand::Key(args) => {
            let signer = log_signer(&DataDir::new(args.data.data), &args.log)?;
            say(signer.verifier().to_text());
            Ok(())
        }
        TlogCommand::Verify(args) => crate::cli::tlog_verify::run(args),
        TlogCommand::Prove(args) => prove(args),
        TlogCommand::Checkpoint(args) => {
            let data = DataDir::new(args.data.data);
            let signer = log_signer(&data, &args.log)?;
            let ledger = args.ledger.open(&data)?;
            if let Ledger::Postgres(store) = &ledger {
                store.claim_log_key(&signer.verifier().to_text())?;
            }
            let store = ledger.tlog();
            store.sign_checkpoint(&signer)?;
            let latest = store
                .latest_checkpoint()?
                .ok_or(CliError::Failed("no checkpoint kept".into()))?;
            drop(store);
            ledger.close()?;
            // The note ends in a newline already.
            say(latest.note.trim_end_matches('\n'));
            Ok(())
        }
    }
}

/// Prints `tree size`, `root` and the proof's hashes (hex, leaf to root), one per line.
fn prove(args: TlogProveArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    let ledger = args.ledger.open(&data)?;
    let store = ledger.tlog();
    let tree_size = args.tree_size.unwrap_or(store.head().position);
    let hashes = match (args.position, args.from_size) {
        (Some(position), _) => {
            let leaf_index = position
                .checked_sub(1)
                .ok_or(CliError::Failed("positions start at 1".into()))?;
            say(format!(
                "inclusion of position {position} (leaf {leaf_index}) in the tree of {tree_size}"
            ));
            store.inclusion_proof(tree_size, leaf_index)?
        }
        (None, Some(from_size)) => {
            say(format!(
                "consistency of the tree of {from_size} with the tree of {tree_size}"
            ));
            store.consistency_proof(from_size, tree_size)?
        }
        (None, None) => return Err(CliError::Failed("pass --position or --from-size".into())),
    };
    say(format!("root {}", store.tree_root(tree_size)?));
    for hash in hashes {
        say(hash);
    }
    drop(store);
    ledger.close()?;
    Ok(())
}

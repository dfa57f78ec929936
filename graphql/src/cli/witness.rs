//! `govledger witness`: a C2SP tlog-witness for the logs named by `--log-key <verifier key>`
//! (a street office can witness all its communities; two communities each other).
//! - `witness --data DIR --log-key VKEY… --listen ADDR` serves `POST /add-checkpoint`.
//! - `witness key --data DIR` prints the witness's cosignature verifier key
//!   (`<name>+<key id hex>+<base64(0x04 || key)>`), making the key first if missing.
//!
//! The witness's key (`witness-key`, 0600) and name are made once in DIR; its state (the
//! latest checkpoint it cosigned for each log, fsynced before each answer) is in
//! `DIR/logs/`, fork evidence in `DIR/forks/`.

use std::path::PathBuf;
use std::sync::Arc;

use govledger_core::tlog::cosignature::Cosigner;
use govledger_core::tlog::key_file;
use govledger_core::tlog::note::NoteVerifier;
use govledger_core::tlog::witness_store::WitnessStore;

use crate::cli::{CliError, say};
use crate::server::shutdown_signal;

/// Most logs one witness is configured for.
const WITNESSED_LOGS_MAX: usize = 1_000;

#[derive(Debug, clap::Args)]
#[command(subcommand_negates_reqs = true, args_conflicts_with_subcommands = true)]
pub(super) struct WitnessArgs {
    #[command(subcommand)]
    command: Option<WitnessCommand>,
    #[command(flatten)]
    key: WitnessKeyArgs,
    /// A log to witness: its note verifier key (`govledger tlog key`); repeatable. (Not
    /// `--log`: that is the global log filter.)
    #[arg(long = "log-key", required = true, value_parser = parse_log_key)]
    logs: Vec<NoteVerifier>,
    /// Address to listen on; port 0 picks a free port (the URL is printed).
    #[arg(
        long,
        env = "GOVLEDGER_WITNESS_LISTEN",
        default_value = "127.0.0.1:8090"
    )]
    listen: String,
}

#[derive(Debug, clap::Subcommand)]
enum WitnessCommand {
    /// Print the witness's cosignature verifier key (made on first use).
    Key(WitnessKeyArgs),
}

#[derive(Debug, Clone, clap::Args)]
struct WitnessKeyArgs {
    /// The witness's directory (its key, name and state).
    #[arg(long, env = "GOVLEDGER_WITNESS_DATA", required = true)]
    data: Option<PathBuf>,
    /// The witness's name when its key is made (default `govledger.local/witness/<key id>`).
    #[arg(long, env = "GOVLEDGER_WITNESS_NAME")]
    name: Option<String>,
}

fn parse_log_key(text: &str) -> Result<NoteVerifier, String> {
    NoteVerifier::parse(text).map_err(|e| e.to_string())
}

fn cosigner(args: &WitnessKeyArgs) -> Result<(PathBuf, Cosigner), CliError> {
    let data = args
        .data
        .clone()
        .ok_or(CliError::Failed("pass --data".into()))?;
    let (name, seed) = key_file::load_or_create_witness(&data, args.name.as_deref())
        .map_err(|e| CliError::Failed(format!("the witness key: {e}")))?;
    let cosigner = Cosigner::new(&name, &seed)
        .map_err(|e| CliError::Failed(format!("the witness key: {e}")))?;
    Ok((data, cosigner))
}

pub(super) fn run(args: WitnessArgs) -> Result<(), CliError> {
    if let Some(WitnessCommand::Key(key)) = args.command {
        let (_, cosigner) = cosigner(&key)?;
        say(cosigner.verifier().to_text());
        return Ok(());
    }
    if args.logs.len() > WITNESSED_LOGS_MAX {
        return Err(CliError::Failed(format!(
            "at most {WITNESSED_LOGS_MAX} logs per witness"
        )));
    }
    let (data, cosigner) = cosigner(&args.key)?;
    let store = Arc::new(
        WitnessStore::open(&data, cosigner, args.logs)
            .map_err(|e| CliError::Failed(format!("opening the witness's state: {e}")))?,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .map_err(CliError::io(format!("listening on {}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(CliError::io("reading the bound address"))?;
        tracing::info!(name = %store.name(), "witness started");
        say(format!("govledger listening on http://{address}"));
        axum::serve(listener, crate::witness_server::router(store))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(CliError::io("serving"))
    })
}

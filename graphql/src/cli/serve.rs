//! `govledger serve`: open the data directory and serve it until ctrl-c or SIGTERM.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;

use crate::checkpoint_signer::sign_checkpoints;
use crate::cli::ledger_args::LedgerArgs;
use crate::cli::tlog::{CheckpointArgs, log_signer};
use crate::cli::{CliError, DataArgs, say};
use crate::ledger::Ledger;
use crate::limits::CONNECTION_INIT_TIMEOUT_DEFAULT;
use crate::schema::Introspection;
use crate::server::{CorsOrigins, DocumentPolicy, HttpOptions, ServerConfig, shutdown_signal};
use crate::service::{DataDir, LedgerService, ReadModelProgress, ServiceParts};

/// The default listen address: loopback only, so nothing is exposed by accident.
pub(super) const LISTEN_DEFAULT: &str = "127.0.0.1:8080";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Switch {
    On,
    Off,
}

#[derive(Debug, clap::Args)]
pub(super) struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(flatten)]
    listen: ListenArgs,
    #[command(flatten)]
    checkpoints: CheckpointArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub(super) struct ListenArgs {
    /// Address to listen on; port 0 picks a free port (the URL is printed).
    #[arg(long, env = "GOVLEDGER_LISTEN", default_value = LISTEN_DEFAULT)]
    pub(super) listen: String,
    /// Schema introspection (and field suggestions in errors).
    #[arg(
        long,
        env = "GOVLEDGER_INTROSPECTION",
        value_enum,
        default_value = "on"
    )]
    pub(super) introspection: Switch,
    /// Milliseconds a WebSocket may stay open before sending `connection_init`; it is then
    /// closed with 4408.
    #[arg(
        long,
        env = "GOVLEDGER_CONNECTION_INIT_TIMEOUT_MS",
        default_value_t = connection_init_timeout_ms_default(),
        value_parser = clap::value_parser!(u64).range(1..=CONNECTION_INIT_TIMEOUT_MS_MAX)
    )]
    pub(super) connection_init_timeout_ms: u64,
    /// An origin whose browser front-end may call the API (CORS), e.g.
    /// `https://app.example.org`; repeat it for more (at most 64). None by default.
    #[arg(
        long = "cors-origin",
        env = "GOVLEDGER_CORS_ORIGINS",
        value_delimiter = ',',
        value_parser = parse_cors_origin
    )]
    pub(super) cors_origins: Vec<String>,
    /// Run only the documents registered in this JSON file (trusted documents, for public
    /// deployments): `{"<sha256>": "<document>"}` or an Apollo persisted-query manifest.
    /// Without it, any document runs, and automatic persisted queries are on.
    #[arg(long, env = "GOVLEDGER_DOCUMENTS")]
    pub(super) documents: Option<std::path::PathBuf>,
}

fn parse_cors_origin(text: &str) -> Result<String, String> {
    crate::server::parse_origin(text).map(|_| text.to_string())
}

/// Longest `--connection-init-timeout-ms` an operator may set (a minute).
const CONNECTION_INIT_TIMEOUT_MS_MAX: u64 = 60_000;

fn connection_init_timeout_ms_default() -> u64 {
    u64::try_from(CONNECTION_INIT_TIMEOUT_DEFAULT.as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn run(args: ServeArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    let ledger = args.ledger.open(&data)?;
    serve(&data, ledger, &args.listen, &args.checkpoints, &[])
}

/// Opens `data` and serves it; shared with `demo`. The server answers (`/healthz`, `/readyz`)
/// at once, but the URL, preceded by the `banner` lines, is printed only once the read
/// models have caught up with the ledger head, so whoever waits for the URL gets current
/// answers.
pub(super) fn serve(
    data: &DataDir,
    ledger: Ledger,
    listen: &ListenArgs,
    checkpoints: &CheckpointArgs,
    banner: &[String],
) -> Result<(), CliError> {
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    if checkpoints.witnesses.len() > WITNESSES_MAX {
        return Err(CliError::Failed(format!(
            "at most {WITNESSES_MAX} witnesses"
        )));
    }
    // The log's key signs checkpoints of the ledger's tree. Nodes sharing a PostgreSQL
    // ledger must sign with one key: the first to start claims it there, others must match.
    let signer = Arc::new(log_signer(data, &checkpoints.key)?);
    if let Ledger::Postgres(store) = &ledger {
        store.claim_log_key(&signer.verifier().to_text())?;
    }
    let store = ledger.store();
    let tokens = ledger.tokens(&data.access())?;
    let read = ReadApi::open(RunnerOptions::new(data.projections()), store.clone())
        .map_err(|e| CliError::Failed(format!("opening the read models: {e}")))?;
    let personal = ledger
        .personal_data(&data.personal())
        .map_err(|e| CliError::Failed(format!("opening the personal-data store: {e}")))?;
    let service = LedgerService::new(ServiceParts {
        ledger: ledger.clone(),
        tokens,
        read: Some(read.clone()),
        personal: Some(personal),
    });
    let service = Arc::new(service.with_log_key(signer.verifier()));
    let config = ServerConfig {
        introspection: match listen.introspection {
            Switch::On => Introspection::Enabled,
            Switch::Off => Introspection::Disabled,
        },
        connection_init_timeout: Duration::from_millis(listen.connection_init_timeout_ms),
    };
    let http_options = HttpOptions {
        cors_origins: CorsOrigins::parse(&listen.cors_origins).map_err(CliError::Failed)?,
        documents: match &listen.documents {
            Some(path) => DocumentPolicy::trusted_from_file(path).map_err(CliError::Failed)?,
            None => DocumentPolicy::Automatic,
        },
        log_verifier_key: Some(signer.verifier().to_text()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen.listen)
            .await
            .map_err(CliError::io(format!("listening on {}", listen.listen)))?;
        let address = listener
            .local_addr()
            .map_err(CliError::io("reading the bound address"))?;
        read.start()
            .map_err(|e| CliError::Failed(format!("starting the read models: {e}")))?;
        let verifier = Arc::clone(&service);
        tokio::task::spawn_blocking(move || verifier.verify_now());
        let tlog = ledger.tlog();
        let (signed, _) = tokio::sync::watch::channel(None);
        for target in &checkpoints.witnesses {
            tokio::spawn(crate::witness_client::witness_checkpoints(
                Arc::clone(&tlog),
                target.clone(),
                signed.subscribe(),
            ));
        }
        tokio::spawn(sign_checkpoints(
            tlog,
            Arc::clone(&signer),
            checkpoints.interval(),
            signed,
        ));
        let head = store.head().position;
        let mut serving = tokio::spawn(crate::server::run_with(
            listener,
            shutdown_signal(),
            Arc::clone(&service),
            config,
            http_options,
        ));
        let startup = tokio::select! {
            () = wait_for_read_models(&read, service.progress.as_ref(), head) => Startup::CaughtUp,
            ended = &mut serving => Startup::StoppedEarly(ended),
        };
        let ended = match startup {
            Startup::CaughtUp => {
                for line in banner {
                    say(line);
                }
                say(format!("govledger listening on http://{address}"));
                serving.await
            }
            Startup::StoppedEarly(ended) => ended,
        };
        ended
            .map_err(|e| CliError::Failed(format!("the server task failed: {e}")))?
            .map_err(CliError::io("serving"))?;
        if let Err(error) = read.shutdown().await {
            tracing::error!(%error, "stopping the read models");
        }
        Ok::<(), CliError>(())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    drop(service);
    drop(store);
    ledger.close()?;
    tracing::info!("ledger flushed and closed");
    Ok(())
}

/// Most `--witness` flags.
const WITNESSES_MAX: usize = 32;

/// How often a start that replays the read models logs its progress.
const CATCH_UP_PROGRESS_LOG_INTERVAL: Duration = Duration::from_secs(2);

/// How the wait for the read models at start ended.
enum Startup {
    /// The read models reached the head (or one stopped; `/readyz` then says so).
    CaughtUp,
    /// The server stopped (a signal) before that.
    StoppedEarly(Result<std::io::Result<()>, tokio::task::JoinError>),
}

/// Resolves once every read model has applied `head`, logging progress meanwhile. A read
/// model that stopped will never catch up: the wait then ends with a warning, and the server
/// serves the ledger while `/readyz` answers not ready.
async fn wait_for_read_models(read: &ReadApi, progress: &dyn ReadModelProgress, head: u64) {
    let started = Instant::now();
    loop {
        match read.wait_until(head, CATCH_UP_PROGRESS_LOG_INTERVAL).await {
            Ok(()) => {
                tracing::info!(
                    head,
                    elapsed_ms = started.elapsed().as_millis(),
                    "read models caught up with the ledger head"
                );
                return;
            }
            Err(ProjectionError::WaitTimedOut { .. } | ProjectionError::Rebuilding { .. }) => {
                let applied = progress.applied_position();
                tracing::info!(
                    applied,
                    head,
                    percent = applied.saturating_mul(100) / head.max(1),
                    "read models catching up; the URL is printed once they reach the head"
                );
            }
            Err(error) => {
                tracing::warn!(
                    %error,
                    "the read models cannot catch up; serving anyway, /readyz answers not ready"
                );
                return;
            }
        }
    }
}

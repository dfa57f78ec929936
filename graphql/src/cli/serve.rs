//! `govledger serve`: open the data directory and serve it until ctrl-c or SIGTERM.

use std::sync::Arc;

use clap::ValueEnum;
use govledger_core::personal_data::PersonalDataStore;
use govledger_core::store::sled_store::SledStore;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;

use crate::access::TokenStore;
use crate::cli::{CliError, DataArgs, say};
use crate::schema::Introspection;
use crate::server::{ServerConfig, shutdown_signal};
use crate::service::{DataDir, LedgerService, ServiceParts};

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
    listen: ListenArgs,
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
}

pub(super) fn run(args: ServeArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    serve(&data, &args.listen)
}

/// Opens `data` and serves it; shared with `demo`.
pub(super) fn serve(data: &DataDir, listen: &ListenArgs) -> Result<(), CliError> {
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    let store = Arc::new(SledStore::open(data.ledger())?);
    let tokens = TokenStore::open(&data.access())?;
    let read = ReadApi::open(RunnerOptions::new(data.projections()), store.clone())
        .map_err(|e| CliError::Failed(format!("opening the read models: {e}")))?;
    let personal = PersonalDataStore::open(data.personal())
        .map_err(|e| CliError::Failed(format!("opening the personal-data store: {e}")))?;
    let service = Arc::new(LedgerService::new(ServiceParts {
        store: Arc::clone(&store),
        tokens,
        read: Some(read.clone()),
        personal: Some(personal),
    }));
    let config = ServerConfig {
        introspection: match listen.introspection {
            Switch::On => Introspection::Enabled,
            Switch::Off => Introspection::Disabled,
        },
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
        say(format!("govledger listening on http://{address}"));
        crate::server::run(listener, shutdown_signal(), Arc::clone(&service), config)
            .await
            .map_err(CliError::io("serving"))?;
        if let Err(error) = read.shutdown().await {
            tracing::error!(%error, "stopping the read models");
        }
        Ok::<(), CliError>(())
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    drop(service);
    store.close()?;
    tracing::info!("ledger flushed and closed");
    Ok(())
}

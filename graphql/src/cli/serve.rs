//! `govledger serve`: open the data directory and serve it until ctrl-c or SIGTERM.

use std::sync::Arc;

use clap::ValueEnum;
use govledger_core::store::sled_store::SledStore;

use crate::access::TokenStore;
use crate::cli::{CliError, DataArgs, say};
use crate::schema::Introspection;
use crate::server::{ServerConfig, shutdown_signal};
use crate::service::{DataDir, LedgerService, StoreReadsOnly};

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
    let progress = Arc::new(StoreReadsOnly::new(Arc::clone(&store)));
    let service = Arc::new(LedgerService::new(Arc::clone(&store), tokens, progress));
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
        let verifier = Arc::clone(&service);
        tokio::task::spawn_blocking(move || verifier.verify_now());
        say(format!("govledger listening on http://{address}"));
        crate::server::run(listener, shutdown_signal(), Arc::clone(&service), config)
            .await
            .map_err(CliError::io("serving"))
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    store.close()?;
    tracing::info!("ledger flushed and closed");
    Ok(())
}

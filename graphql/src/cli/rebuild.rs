//! `govledger rebuild`: drop and replay read models from position 1 (all, or one by name),
//! with the server stopped.

use std::sync::Arc;

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::{RebuildScope, RunnerOptions};

use crate::cli::{CliError, DataArgs, say};
use crate::service::DataDir;

/// How long the rebuild may take before the command gives up waiting.
const REBUILD_WAIT_MAX: std::time::Duration = std::time::Duration::from_secs(3_600);

#[derive(Debug, clap::Args)]
pub(super) struct RebuildArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Rebuild only this projection (`cases`, `directory`, `audit`, `metrics`).
    #[arg(long)]
    projection: Option<String>,
}

pub(super) fn run(args: RebuildArgs) -> Result<(), CliError> {
    let data = DataDir::new(args.data.data);
    if !data.ledger().exists() {
        return Err(CliError::Failed(format!(
            "no ledger at {}",
            data.ledger().display()
        )));
    }
    let store = Arc::new(SledStore::open(data.ledger())?);
    let head = store.head().position;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    let failed = |e: govledger_projections::error::ProjectionError| CliError::Failed(e.to_string());
    runtime.block_on(async {
        let read =
            ReadApi::open(RunnerOptions::new(data.projections()), store.clone()).map_err(failed)?;
        read.start().map_err(failed)?;
        let scope = match &args.projection {
            Some(name) => RebuildScope::Named(name.clone()),
            None => RebuildScope::All,
        };
        read.rebuild(scope).await.map_err(failed)?;
        read.wait_until(head, REBUILD_WAIT_MAX)
            .await
            .map_err(failed)?;
        for status in read.status() {
            say(format!(
                "{}: {} at position {}",
                status.name,
                status.state.code(),
                status.applied_position
            ));
        }
        read.shutdown().await.map_err(failed)
    })?;
    store.close()?;
    Ok(())
}

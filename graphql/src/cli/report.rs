//! `govledger report cases|activity|metrics`: the `/reports/<kind>` reports from a data
//! directory (its read models and tokens; the ledger there, or the PostgreSQL one `--ledger`
//! names), with the server stopped, written to stdout (or `--output`) row by row as the
//! pages are read. Read as the public view, or as the role of `--token`.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;

use crate::access::Principal;
use crate::cli::ledger_args::LedgerArgs;
use crate::cli::{CliError, DataArgs};
use crate::reports::{ReportError, ReportRequest, produce};
use crate::schema::Introspection;
use crate::server::auth::principal_from_authorization;
use crate::service::{DataDir, LedgerService, ServiceParts};

/// How long the read models may take to catch up with the ledger before the report starts.
const CATCH_UP_WAIT_MAX: std::time::Duration = std::time::Duration::from_secs(3_600);

#[derive(Debug, clap::Args)]
pub(super) struct ReportArgs {
    /// `cases`, `activity` or `metrics`.
    kind: String,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    ledger: LedgerArgs,
    /// `csv` (default) or `jsonl`.
    #[arg(long)]
    format: Option<String>,
    /// cases: a `CaseFilterInput` as JSON, e.g. `{"kind":"REQUEST","status":"closed"}`.
    #[arg(long)]
    filter: Option<String>,
    /// activity: the account whose activity to list.
    #[arg(long)]
    account_id: Option<String>,
    /// activity: the organisation whose activity to list.
    #[arg(long)]
    organisation_id: Option<String>,
    /// metrics: a `PeriodInput` as JSON, e.g. `{"year":2019}`.
    #[arg(long)]
    period: Option<String>,
    /// metrics: a `MetricsScopeInput` as JSON; the whole community when omitted.
    #[arg(long)]
    scope: Option<String>,
    /// Read as this token's role (without: the public view, no personal data).
    #[arg(long, env = "GOVLEDGER_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Write to this file instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
}

pub(super) fn run(args: ReportArgs) -> Result<(), CliError> {
    let mut params = HashMap::new();
    for (name, value) in [
        ("format", &args.format),
        ("filter", &args.filter),
        ("accountId", &args.account_id),
        ("organisationId", &args.organisation_id),
        ("period", &args.period),
        ("scope", &args.scope),
    ] {
        if let Some(value) = value {
            params.insert(name.to_string(), value.clone());
        }
    }
    let request = ReportRequest::from_params(&args.kind, &params).map_err(CliError::Failed)?;
    let data = DataDir::new(args.data.data);
    if args.ledger.ledger_url.is_none() && !data.ledger().exists() {
        return Err(CliError::Failed(format!(
            "no ledger at {}",
            data.ledger().display()
        )));
    }
    let ledger = args.ledger.open(&data)?;
    let store = ledger.store();
    // The tokens where the ledger keeps them (the database, beside a PostgreSQL ledger).
    let tokens = ledger.tokens(&data.access())?;
    let principal = match &args.token {
        None => Principal::Public,
        Some(token) => {
            principal_from_authorization(&tokens, Some(&format!("Bearer {token}")), "cli")
                .map_err(|refusal| CliError::Failed(refusal.message().to_string()))?
        }
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(CliError::io(format!("creating {}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(CliError::io("starting the async runtime"))?;
    let failed = |e: govledger_projections::error::ProjectionError| CliError::Failed(e.to_string());
    let head = store.head().position;
    runtime.block_on(async {
        let read =
            ReadApi::open(RunnerOptions::new(data.projections()), store.clone()).map_err(failed)?;
        read.start().map_err(failed)?;
        read.wait_until(head, CATCH_UP_WAIT_MAX)
            .await
            .map_err(failed)?;
        let service = Arc::new(LedgerService::new(ServiceParts {
            ledger: ledger.clone(),
            tokens,
            read: Some(read.clone()),
            personal: None,
        }));
        let schema = crate::schema::build(service, Introspection::Enabled);
        let mut write_error = None;
        let outcome = produce(&schema, &principal, &request, |chunk| {
            let written = match out.write_all(&chunk) {
                Ok(()) => true,
                Err(error) => {
                    write_error = Some(error);
                    false
                }
            };
            async move { written }
        })
        .await;
        let flushed = out.flush();
        read.shutdown().await.map_err(failed)?;
        match (outcome, write_error) {
            (Err(ReportError::Closed), Some(error)) => {
                Err(CliError::io("writing the report")(error))
            }
            (Err(error), _) => Err(CliError::Failed(error.to_string())),
            (Ok(()), _) => flushed.map_err(CliError::io("writing the report")),
        }
    })?;
    ledger.close()?;
    Ok(())
}

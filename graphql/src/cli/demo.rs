//! `govledger demo`: build the Wanghai demo ledger (in a temporary directory unless `--data`
//! is given) and serve it; the URL and a ready auditor token are printed once the read
//! models have caught up.

use std::path::PathBuf;

use govledger_core::domain::demo;
use govledger_core::domain::role::Role;
use uuid::Uuid;

use crate::access::NewGrant;
use crate::cli::ledger_args::LedgerArgs;
use crate::cli::serve::{ListenArgs, serve};
use crate::cli::tlog::CheckpointArgs;
use crate::cli::{CliError, say};
use crate::ledger::Ledger;
use crate::service::DataDir;

/// The seed of the published demo: the same ledger (ids, events, hashes of payloads) every
/// time.
const DEMO_SEED: u64 = 20_180_601;

#[derive(Debug, clap::Args)]
pub(super) struct DemoArgs {
    /// Where to keep the demo; a temporary directory (deleted on exit) when omitted. An
    /// existing demo directory is served as it is.
    #[arg(long, env = "GOVLEDGER_DATA")]
    data: Option<PathBuf>,
    #[command(flatten)]
    ledger: LedgerArgs,
    #[command(flatten)]
    listen: ListenArgs,
    #[command(flatten)]
    checkpoints: CheckpointArgs,
    /// Seed of the demo builder.
    #[arg(long, env = "GOVLEDGER_DEMO_SEED", default_value_t = DEMO_SEED)]
    seed: u64,
}

pub(super) fn run(args: DemoArgs) -> Result<(), CliError> {
    let temporary = match &args.data {
        Some(_) => None,
        None => Some(tempfile::tempdir().map_err(CliError::io("creating a temporary directory"))?),
    };
    let root = match (&args.data, &temporary) {
        (Some(data), _) => data.clone(),
        (None, Some(dir)) => dir.path().to_path_buf(),
        (None, None) => unreachable!("a temporary directory exists when --data is absent"),
    };
    let data = DataDir::new(root);
    std::fs::create_dir_all(data.root())
        .map_err(CliError::io(format!("creating {}", data.root().display())))?;
    let ledger = args.ledger.open(&data)?;
    let auditor = build_if_empty(&data, &ledger, args.seed)?;
    let token = {
        let tokens = ledger.tokens(&data.access())?;
        let (_, secret) = tokens.create(NewGrant {
            account_id: auditor.0,
            role: Role::Auditor,
            organisation_id: auditor.1,
            label: "demo auditor".into(),
        })?;
        secret
    };
    say(format!(
        "demo data in {}; replaying the read models…",
        data.root().display()
    ));
    let banner = [
        format!("auditor token: {}", token.as_str()),
        "send it as `Authorization: Bearer <token>`; without it you get the public view".into(),
    ];
    let served = serve(&data, ledger, &args.listen, &args.checkpoints, &banner);
    drop(temporary);
    served
}

/// Builds the demo into an empty ledger; returns the auditor's account and organisation.
fn build_if_empty(
    data: &DataDir,
    ledger: &Ledger,
    seed: u64,
) -> Result<(Uuid, Option<Uuid>), CliError> {
    let store = ledger.store();
    if store.head().position > 0 {
        say(format!(
            "{} already holds a ledger (head position {}); serving it as it is",
            data.root().display(),
            store.head().position
        ));
        // The directory's auditor is not known here: the token reads, which needs no account.
        return Ok((Uuid::nil(), None));
    }
    let personal = ledger
        .personal_data(&data.personal())
        .map_err(|e| CliError::Failed(format!("opening the personal-data store: {e}")))?;
    say("building the Wanghai demo ledger…");
    let summary = demo::build(store.clone(), &personal, seed)
        .map_err(|e| CliError::Failed(format!("building the demo: {e}")))?;
    say(format!(
        "demo ledger built: {} commands, {} events",
        summary.commands_executed, summary.events_appended
    ));
    drop(personal);
    let auditor = summary.actors.auditor;
    Ok((auditor.account_id.0, Some(auditor.organisation_id.0)))
}

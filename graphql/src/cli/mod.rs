//! The `govledger` command line: one file per command behind a closed `Command` enum. Flags
//! also come from `GOVLEDGER_*` environment variables. Exit codes: 0 success, 1 failure,
//! 2 usage error, 3 the ledger (or an export file) failed verification.

mod backup;
mod demo;
mod export;
mod import;
mod ledger_args;
mod migrate;
mod rebuild;
mod report;
mod restore;
mod schema;
mod serve;
mod tlog;
mod tlog_fetch;
mod tlog_verify;
mod token;
mod verify;
mod witness;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::access::AccessError;
use crate::ledger_file::LedgerFileError;

#[derive(Debug, Parser)]
#[command(
    name = "govledger",
    version,
    about = "An event-sourced, hash-chained governance ledger for residential communities"
)]
struct Cli {
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `govledger_graphql=debug`.
    #[arg(long, env = "GOVLEDGER_LOG", default_value = "info", global = true)]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve GraphQL over HTTP and WebSocket.
    Serve(serve::ServeArgs),
    /// Build the Wanghai demo ledger, print an auditor token, and serve it.
    Demo(demo::DemoArgs),
    /// Walk the whole hash chain; exit 0 when intact, 3 naming the first bad position.
    Verify(verify::VerifyArgs),
    /// Write every event as JSON Lines, with the stored bytes and hashes.
    Export(export::ExportArgs),
    /// Load an export file into a fresh data directory (or an empty PostgreSQL ledger) after
    /// re-verifying its chain.
    Import(import::ImportArgs),
    /// Apply the PostgreSQL ledger's schema migrations.
    Migrate(migrate::MigrateArgs),
    /// Back up a running server (ledger, idempotency keys, tokens, personal data, encrypted).
    Backup(backup::BackupArgs),
    /// Make an operator's age identity for backups; prints its recipient (`age1…`).
    BackupKey(backup::BackupKeyArgs),
    /// Rebuild a data directory from a backup, after checking every part of it.
    Restore(restore::RestoreArgs),
    /// Drop and replay read models from the ledger (server stopped).
    Rebuild(rebuild::RebuildArgs),
    /// Write a report (cases, activity, metrics) as CSV or JSON Lines (server stopped).
    Report(report::ReportArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Create, list and revoke API tokens.
    Token(token::TokenArgs),
    /// The transparency log: its verifier key and signed checkpoints.
    Tlog(tlog::TlogArgs),
    /// Run a transparency-log witness (C2SP tlog-witness), or print its key (`witness key`).
    Witness(witness::WitnessArgs),
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Failed(String),
    #[error("ledger verification failed at position {position}: {reason}")]
    Damaged { position: u64, reason: String },
    #[error("not verified: {0}")]
    NotVerified(String),
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    LedgerFile(#[from] LedgerFileError),
    #[error(transparent)]
    Store(#[from] govledger_core::error::StoreError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl CliError {
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Damaged { .. }
            | CliError::NotVerified(_)
            | CliError::LedgerFile(LedgerFileError::Broken { .. })
            | CliError::LedgerFile(LedgerFileError::Checkpoint { .. }) => 3,
            _ => 1,
        }
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
        let context = context.into();
        move |source| CliError::Io { context, source }
    }
}

/// The data directory flag shared by most commands.
#[derive(Debug, clap::Args)]
struct DataArgs {
    /// Data directory (`ledger/`, `projections/`, `personal/`, `access/`, `tlog/` inside).
    #[arg(long, env = "GOVLEDGER_DATA")]
    data: PathBuf,
}

/// Writes a line of the CLI's own output to stdout.
fn say(line: impl std::fmt::Display) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Export(args) => export::run(args),
        Command::Import(args) => import::run(args),
        Command::Migrate(args) => migrate::run(args),
        Command::Backup(args) => backup::run(args),
        Command::BackupKey(args) => backup::key(args),
        Command::Restore(args) => restore::run(args),
        Command::Rebuild(args) => rebuild::run(args),
        Command::Report(args) => report::run(args),
        Command::Schema => schema::run(),
        Command::Token(args) => token::run(args),
        Command::Tlog(args) => tlog::run(args),
        Command::Witness(args) => witness::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "govledger: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

//! The ledger the query benchmark serves: a synthetic ledger of N events with its read models
//! caught up, generated once and kept in a cache directory (generation and the projections'
//! catch-up take minutes per million events), or generated afresh in a temp dir.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};
use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_graphql::service::DataDir;
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;
use tempfile::TempDir;

use crate::BenchError;

const SYNTHETIC_COMPOUNDS: u32 = 24;
const SYNTHETIC_SPAN_DAYS: u32 = 4 * 365;
const SYNTHETIC_SEED: u64 = 20_211_201;
/// Longest the read models may take to catch up with the generated ledger.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(3_600);
/// Written into a cached directory once its ledger is generated in full (the read models
/// resume from their checkpoints, so they need no marker).
const COMPLETE_MARKER: &str = "ledger-complete";
/// How long one `wait_until` call may wait (the runner caps it at 30 s); the catch-up waits
/// again while the read models make progress.
const CATCH_UP_WAIT_STEP: Duration = Duration::from_secs(20);

/// Where the ledger comes from.
pub(crate) enum LedgerSource {
    /// Reused from (or generated into) this cache root, one directory per size and seed.
    Cache(PathBuf),
    /// Generated into a fresh temp dir under this directory, deleted afterwards.
    Fresh(PathBuf),
}

impl LedgerSource {
    /// `<target>/bench-cache`, beside the profile directory of this executable.
    pub(crate) fn default_cache() -> LedgerSource {
        let target = std::env::current_exe()
            .ok()
            .and_then(|exe| Some(exe.parent()?.parent()?.to_path_buf()))
            .unwrap_or_else(std::env::temp_dir);
        LedgerSource::Cache(target.join("bench-cache"))
    }
}

/// A ledger with its read models, ready to serve.
pub(crate) struct PreparedLedger {
    pub(crate) data: DataDir,
    pub(crate) store: Arc<SledStore>,
    pub(crate) read: ReadApi,
    pub(crate) head: u64,
    /// Keeps a fresh ledger's temp dir alive.
    _temp: Option<TempDir>,
}

/// Opens the store of the ledger (generating it if needed); synchronous, before any runtime.
pub(crate) fn open(source: &LedgerSource, events: u64) -> Result<OpenedLedger, BenchError> {
    let (root, temp) = match source {
        LedgerSource::Cache(cache) => {
            let root = cache.join(format!("query-{events}-{SYNTHETIC_SEED}"));
            if root.exists() && !root.join(COMPLETE_MARKER).exists() {
                // An interrupted generation: start over.
                std::fs::remove_dir_all(&root)?;
            }
            std::fs::create_dir_all(&root)?;
            (root, None)
        }
        LedgerSource::Fresh(parent) => {
            let temp = tempfile::tempdir_in(parent)?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let data = DataDir::new(&root);
    let store = Arc::new(SledStore::open(data.ledger())?);
    if store.head().position == 0 {
        let generated_at = Instant::now();
        synthetic::generate(
            store.as_ref(),
            SyntheticSpec {
                events_target: events,
                compounds: SYNTHETIC_COMPOUNDS,
                span_days: SYNTHETIC_SPAN_DAYS,
                seed: SYNTHETIC_SEED,
                revisions: Revisions::Absent,
            },
        )?;
        eprintln!(
            "generated {} events in {:.1} s into {}",
            store.head().position,
            generated_at.elapsed().as_secs_f64(),
            root.display()
        );
        if temp.is_none() {
            // Every append was acknowledged, so durable: the ledger is whole.
            std::fs::write(root.join(COMPLETE_MARKER), b"ledger generated in full\n")?;
        }
    } else {
        eprintln!(
            "reusing {} events in {}",
            store.head().position,
            root.display()
        );
    }
    Ok(OpenedLedger { data, store, temp })
}

/// A prepared ledger, closed: its data directory can be copied.
pub(crate) struct ClosedLedger {
    root: PathBuf,
    _temp: Option<TempDir>,
}

/// A copy of a closed ledger's data directory in a temp dir under `parent`, opened: what a
/// benchmark that writes uses, so the cached ledger stays as it was.
pub(crate) fn copy_of(closed: &ClosedLedger, parent: &Path) -> Result<OpenedLedger, BenchError> {
    let temp = tempfile::tempdir_in(parent)?;
    copy_dir(&closed.root, temp.path())?;
    let data = DataDir::new(temp.path());
    let store = Arc::new(SledStore::open(data.ledger())?);
    Ok(OpenedLedger {
        data,
        store,
        temp: Some(temp),
    })
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

impl PreparedLedger {
    /// Stops the read models and closes the store.
    pub(crate) async fn close(self) -> Result<ClosedLedger, BenchError> {
        self.read.shutdown().await?;
        self.store.close()?;
        Ok(ClosedLedger {
            root: self.data.root().to_path_buf(),
            _temp: self._temp,
        })
    }
}

/// A ledger whose read models may still be behind.
pub(crate) struct OpenedLedger {
    data: DataDir,
    store: Arc<SledStore>,
    temp: Option<TempDir>,
}

impl OpenedLedger {
    /// Starts the read models and waits until they have applied the whole ledger.
    pub(crate) async fn catch_up(self) -> Result<PreparedLedger, BenchError> {
        let head = self.store.head().position;
        let read = ReadApi::open(
            RunnerOptions::new(self.data.projections()),
            self.store.clone(),
        )?;
        read.start()?;
        let caught_up_at = Instant::now();
        loop {
            match read.wait_until(head, CATCH_UP_WAIT_STEP).await {
                Ok(()) => break,
                Err(
                    error @ (ProjectionError::Rebuilding { .. }
                    | ProjectionError::WaitTimedOut { .. }),
                ) if caught_up_at.elapsed() < CATCH_UP_TIMEOUT => {
                    eprintln!("catching up: {error}");
                }
                Err(error) => return Err(error.into()),
            }
        }
        eprintln!(
            "read models caught up with {head} events in {:.1} s",
            caught_up_at.elapsed().as_secs_f64()
        );
        Ok(PreparedLedger {
            data: self.data,
            store: self.store,
            read,
            head,
            _temp: self.temp,
        })
    }
}

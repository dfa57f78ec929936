//! What the server serves: the ledger, its verification status, and how far the read models
//! have caught up. One value shared by every request.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::futures_util::future::BoxFuture;
use govledger_core::domain::service::CommandHandler;
use govledger_core::personal_data::PersonalDataStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{Damage, EventStore, Head, TransparencyLog};
use govledger_core::time::Timestamp;
use govledger_core::tlog::note::NoteVerifier;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::ProjectionState;

use crate::access::TokenStore;
use crate::error::ErrorCode;
use crate::ledger::{Ledger, SledOnly};
use crate::limits::CONSISTENCY_WAIT_MAX;

/// The data directory: `ledger/` (the event store), `projections/` (read models),
/// `personal/` (personal data, outside the hash chain), `access/` (API token hashes) and
/// `tlog/` (the log's signing key).
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> DataDir {
        DataDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn ledger(&self) -> PathBuf {
        self.root.join("ledger")
    }

    pub fn projections(&self) -> PathBuf {
        self.root.join("projections")
    }

    pub fn personal(&self) -> PathBuf {
        self.root.join("personal")
    }

    pub fn access(&self) -> PathBuf {
        self.root.join("access")
    }

    /// The log's signing key and origin (ADR 0007); never exported.
    pub fn tlog(&self) -> PathBuf {
        self.root.join("tlog")
    }
}

/// How far the read models are behind the ledger.
pub trait ReadModelProgress: Send + Sync {
    /// The lowest position every read model has applied.
    fn applied_position(&self) -> u64;
    /// Why a read model stopped, if one did (it then needs an operator).
    fn failure(&self) -> Option<String>;
    /// Resolves once every read model has applied `position`, or fails after `timeout`.
    fn wait_until(&self, position: u64, timeout: Duration) -> BoxFuture<'_, Result<(), String>>;
}

/// Progress when every read is served from the store itself: always caught up.
pub struct StoreReadsOnly {
    store: Arc<dyn EventStore>,
}

impl StoreReadsOnly {
    pub fn new(store: Arc<dyn EventStore>) -> StoreReadsOnly {
        StoreReadsOnly { store }
    }
}

impl ReadModelProgress for StoreReadsOnly {
    fn applied_position(&self) -> u64 {
        self.store.head().position
    }

    fn failure(&self) -> Option<String> {
        None
    }

    fn wait_until(&self, position: u64, _timeout: Duration) -> BoxFuture<'_, Result<(), String>> {
        let head = self.store.head().position;
        Box::pin(async move {
            if position <= head {
                Ok(())
            } else {
                Err(format!(
                    "position {position} is beyond the ledger head {head}"
                ))
            }
        })
    }
}

/// Progress of the projection runner: the slowest read model decides.
pub struct ProjectionProgress {
    read: ReadApi,
}

impl ProjectionProgress {
    pub fn new(read: ReadApi) -> ProjectionProgress {
        ProjectionProgress { read }
    }
}

impl ReadModelProgress for ProjectionProgress {
    fn applied_position(&self) -> u64 {
        self.read
            .status()
            .iter()
            .map(|status| status.applied_position)
            .min()
            .unwrap_or(0)
    }

    fn failure(&self) -> Option<String> {
        self.read
            .status()
            .into_iter()
            .find_map(|status| match status.state {
                ProjectionState::Failed { position, error } => Some(format!(
                    "projection {} stopped at position {position}: {error}",
                    status.name
                )),
                _ => None,
            })
    }

    fn wait_until(&self, position: u64, timeout: Duration) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            self.read
                .wait_until(position, timeout)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Why a query's consistency token could not be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsistencyError {
    /// No write has produced this position yet: waiting could not help, so the query is
    /// refused at once.
    #[error(
        "consistency {position} is beyond the ledger head {head}: pass the `consistency` a \
         mutation returned"
    )]
    BeyondHead { position: u64, head: u64 },
    /// The position exists, but the read models did not apply it in time (or stopped).
    #[error("the read models have not reached position {position}: {reason}")]
    NotReached { position: u64, reason: String },
}

impl ConsistencyError {
    /// The `extensions.code` a client gets: its own mistake, or retry later.
    pub fn code(&self) -> ErrorCode {
        match self {
            ConsistencyError::BeyondHead { .. } => ErrorCode::BadUserInput,
            ConsistencyError::NotReached { .. } => ErrorCode::Unavailable,
        }
    }
}

/// The outcome of the last full walk of the hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The open check verified everything up to this head; a full walk is running.
    Verifying { verified_at_open: Head },
    /// Every event through `head` verified.
    Verified {
        head: Head,
        events_checked: u64,
        checked_at: Timestamp,
    },
    /// The first damaged position.
    Damaged {
        damage: Damage,
        checked_at: Timestamp,
    },
    /// The walk itself failed (storage error).
    Failed { reason: String },
}

/// Shared state of the running service.
pub struct LedgerService {
    pub store: Arc<dyn EventStore>,
    /// The same ledger by backend, for what only sled offers yet (`Ledger::sled`).
    pub ledger: Ledger,
    pub tokens: TokenStore,
    pub progress: Arc<dyn ReadModelProgress>,
    /// The read models (`None` in a service that serves the raw ledger only).
    pub read: Option<ReadApi>,
    pub commands: CommandHandler,
    pub personal: Option<PersonalDataStore>,
    /// The log's verifier key, carried by backups' ledger parts (ADR 0009).
    pub log_key: Option<NoteVerifier>,
    verification: Mutex<Verification>,
}

/// The parts a full service is made of.
pub struct ServiceParts {
    pub ledger: Ledger,
    pub tokens: TokenStore,
    pub read: Option<ReadApi>,
    pub personal: Option<PersonalDataStore>,
}

impl LedgerService {
    pub fn new(parts: ServiceParts) -> LedgerService {
        let ServiceParts {
            ledger,
            tokens,
            read,
            personal,
        } = parts;
        let store = ledger.store();
        let head = store.head();
        let progress: Arc<dyn ReadModelProgress> = match &read {
            Some(read) => Arc::new(ProjectionProgress::new(read.clone())),
            None => Arc::new(StoreReadsOnly::new(Arc::clone(&store))),
        };
        let commands = CommandHandler::new(store.clone());
        LedgerService {
            store,
            ledger,
            tokens,
            progress,
            read,
            commands,
            personal,
            log_key: None,
            verification: Mutex::new(Verification::Verifying {
                verified_at_open: head,
            }),
        }
    }

    /// The same service, naming the log's verifier key.
    pub fn with_log_key(mut self, log_key: NoteVerifier) -> LedgerService {
        self.log_key = Some(log_key);
        self
    }

    /// The Merkle tree and the signed checkpoints, on either backend.
    pub fn tlog(&self) -> Arc<dyn TransparencyLog> {
        self.ledger.tlog()
    }

    /// The sled store, for what only it offers (online backups); `what` names that in the
    /// refusal.
    pub fn sled(&self, what: &'static str) -> Result<Arc<SledStore>, SledOnly> {
        self.ledger.sled(what)
    }

    /// The store as the trait object the core's readers take.
    pub fn event_store(&self) -> Arc<dyn EventStore> {
        self.store.clone()
    }

    /// Resolves once the read models have applied `position` (a consistency token), waiting
    /// at most `CONSISTENCY_WAIT_MAX`. A position beyond the ledger head is refused at once:
    /// mutations only hand out positions at or below the head, so no wait could reach it.
    pub async fn wait_for_consistency(&self, position: u64) -> Result<(), ConsistencyError> {
        let head = self.store.head().position;
        if position > head {
            return Err(ConsistencyError::BeyondHead { position, head });
        }
        self.progress
            .wait_until(position, CONSISTENCY_WAIT_MAX)
            .await
            .map_err(|reason| ConsistencyError::NotReached { position, reason })
    }

    pub fn verification(&self) -> Verification {
        lock(&self.verification).clone()
    }

    /// Walks the whole chain (blocking; run it on a blocking thread) and records the outcome.
    pub fn verify_now(&self) -> Verification {
        let outcome = match self.store.verify() {
            Ok(report) => match report.first_damage {
                None => Verification::Verified {
                    head: report.head,
                    events_checked: report.events_checked,
                    checked_at: Timestamp::now(),
                },
                Some(damage) => {
                    tracing::error!(position = damage.position, reason = %damage.reason, "ledger damaged");
                    Verification::Damaged {
                        damage,
                        checked_at: Timestamp::now(),
                    }
                }
            },
            Err(error) => {
                tracing::error!(%error, "verifying the ledger failed");
                Verification::Failed {
                    reason: "the verifier could not read the ledger; see the server log".into(),
                }
            }
        };
        *lock(&self.verification) = outcome.clone();
        outcome
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means a verifier thread panicked; the last status is still valid.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

//! The PostgreSQL backend of `EventStore` (ADR 0018, 0019): the same sealed records, chain
//! and positions as the sled store, in a database several govledger nodes share.
//!
//! Write path: caller validates and fingerprints (`submit`) → bounded queue → the writer
//! thread commits each group in one transaction that locks the head row (`writer.rs`) →
//! head published → callers answered. Read path: queries on a few shared connections
//! (`connection.rs`), bounded by this node's published head, which moves on its own commits
//! and on other nodes' (`listener.rs`). The trait is synchronous; every query runs on the
//! store's own small runtime and the caller waits on a std channel, so the store is safe to
//! call from any thread, a tokio worker included.

mod checkpoints;
mod connection;
mod journal;
mod listener;
mod migrate;
mod people;
mod proofs;
mod reads;
mod restore;
mod transparency_log;
mod tree;
mod writer;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};
use tokio::sync::{oneshot, watch};
use tokio_postgres::Config;

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::limits::WRITER_QUEUE_APPENDS_MAX;
use crate::store::sled_store::{OpenCheck, SledStore};
use crate::store::{AppendOutcome, AppendRequest, Head, PendingAppend};
use connection::{Connection, ReadConnections};
pub use journal::{
    JOURNAL_ENTRIES_MAX, JOURNAL_ENTRY_BYTES_MAX, JOURNAL_POLL_INTERVAL, Journal, JournalEntries,
};
pub use listener::HEAD_POLL_INTERVAL;
pub use migrate::{MigrateAtOpen, Migrated, SCHEMA_VERSION};
pub(crate) use people::PEOPLE_PAGE_LEN;
pub use people::PostgresPeople;
pub use restore::{LOG_VERIFIER_KEY_SETTING, PostgresRestore};
use writer::{Job, Writer};

/// How to reach and use the database.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    pub config: Config,
    pub migrate: MigrateAtOpen,
    /// Connections the readers share (each pipelines concurrent queries).
    pub read_connections: usize,
    /// The server-side `statement_timeout` of every connection; 0 for none.
    pub statement_timeout_ms: u64,
    /// `SinceLastVerified`: refuse to open when the head row and the last stored record
    /// disagree (a full `verify` walks the rest). `Skip`: open anyway, so an auditor can run
    /// `verify` on a damaged ledger.
    pub check: OpenCheck,
}

/// Default number of read connections.
pub const READ_CONNECTIONS_DEFAULT: usize = 4;
/// Default statement timeout.
pub const STATEMENT_TIMEOUT_MS_DEFAULT: u64 = 30_000;

impl PostgresOptions {
    /// Options for a `postgres://` URL (or a libpq key=value string).
    pub fn from_url(url: &str) -> Result<PostgresOptions, StoreError> {
        let config = url
            .parse::<Config>()
            .map_err(|error| StoreError::Storage(format!("the ledger URL: {error}")))?;
        Ok(PostgresOptions {
            config,
            migrate: MigrateAtOpen::Apply,
            read_connections: READ_CONNECTIONS_DEFAULT,
            statement_timeout_ms: STATEMENT_TIMEOUT_MS_DEFAULT,
            check: OpenCheck::SinceLastVerified,
        })
    }

    /// The connection settings with the session options every connection needs:
    /// acknowledged means committed and flushed (`synchronous_commit`), whatever the server's
    /// default, and no statement runs forever.
    fn session_config(&self) -> Config {
        let mut config = self.config.clone();
        config.application_name("govledger");
        config.options(format!(
            "-c synchronous_commit=on -c statement_timeout={}",
            self.statement_timeout_ms
        ));
        config.connect_timeout(Duration::from_secs(10));
        config
    }
}

/// Whether a URL names a PostgreSQL ledger (rather than a sled directory).
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

pub struct PostgresStore {
    runtime: Mutex<Option<Runtime>>,
    handle: Handle,
    /// The session settings every connection opens with.
    config: Config,
    readers: Arc<ReadConnections>,
    intake: RwLock<Option<SyncSender<Job>>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    head_tx: Mutex<Option<Arc<watch::Sender<Head>>>>,
    head_rx: watch::Receiver<Head>,
    /// Whether the head listener's last read succeeded (`/readyz`).
    reachable: Arc<AtomicBool>,
}

/// Runs `migrate` on its own small runtime, from any thread.
pub fn migrate(options: &PostgresOptions) -> Result<Migrated, StoreError> {
    let config = options.session_config();
    let runtime = store_runtime()?;
    let migrated = block_on_other_thread(&runtime, async move {
        let mut connection = Connection::open_unprepared(&config).await?;
        let migrated = migrate::migrate(&mut connection, MigrateAtOpen::Apply).await?;
        reads::ensure_head_row(&connection).await?;
        tree::build_missing(&connection).await?;
        Ok(migrated)
    });
    runtime.shutdown_background();
    migrated
}

fn store_runtime() -> Result<Runtime, StoreError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("govledger-pg")
        .enable_all()
        .build()
        .map_err(|error| StoreError::Storage(format!("starting the database runtime: {error}")))
}

/// Runs `future` on `runtime` and waits for it on a std channel (safe inside another runtime).
fn block_on_other_thread<T: Send + 'static>(
    runtime: &Runtime,
    future: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    spawn_and_wait(runtime.handle(), future)
}

fn spawn_and_wait<T: Send + 'static>(
    handle: &Handle,
    future: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
    handle.spawn(async move {
        let _ = sender.send(future.await);
    });
    receiver.recv().unwrap_or(Err(StoreError::Unavailable))
}

impl PostgresStore {
    /// Connects, applies migrations (unless told not to) and checks the head row against the
    /// last stored record.
    pub fn open(options: &PostgresOptions) -> Result<PostgresStore, StoreError> {
        let config = options.session_config();
        let runtime = store_runtime()?;
        let handle = runtime.handle().clone();
        let mode = options.migrate;
        let check = options.check;
        let opened = {
            let config = config.clone();
            block_on_other_thread(&runtime, async move {
                let mut admin = Connection::open_unprepared(&config).await?;
                migrate::migrate(&mut admin, mode).await?;
                reads::ensure_head_row(&admin).await?;
                tree::build_missing(&admin).await?;
                let checking = Connection::open(&config).await?;
                reads::checked_head(&checking, check).await
            })
        };
        let head = match opened {
            Ok(opened) => opened,
            Err(error) => {
                runtime.shutdown_background();
                return Err(error);
            }
        };
        let (head_tx, head_rx) = watch::channel(head);
        let head_tx = Arc::new(head_tx);
        let reachable = Arc::new(AtomicBool::new(true));
        handle.spawn(listener::follow_head(
            config.clone(),
            Arc::clone(&head_tx),
            Arc::clone(&reachable),
        ));
        let writer = Writer {
            config: config.clone(),
            head_tx: Arc::clone(&head_tx),
            connection: None,
            retry: None,
            known: None,
            fast_pause: (0, 0),
        };
        let (queue, receiver) = sync_channel(WRITER_QUEUE_APPENDS_MAX);
        let thread = std::thread::Builder::new()
            .name("govledger-pg-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(|e| StoreError::Storage(format!("starting the writer thread: {e}")))?;
        Ok(PostgresStore {
            runtime: Mutex::new(Some(runtime)),
            handle,
            config: config.clone(),
            readers: Arc::new(ReadConnections::new(config, options.read_connections)),
            intake: RwLock::new(Some(queue)),
            writer_thread: Mutex::new(Some(thread)),
            head_tx: Mutex::new(Some(head_tx)),
            head_rx,
            reachable,
        })
    }

    /// Whether the database answered the head listener recently.
    pub fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::SeqCst)
    }

    /// The journal `name` (1 to 64 of a-z, 0-9 and _), read now and followed from now on
    /// (ADR 0025).
    pub fn journal(&self, name: &str) -> Result<Journal, StoreError> {
        Journal::open(self.config.clone(), self.handle.clone(), name)
    }

    /// The personal-data store's rows in this database (ADR 0025).
    pub fn people(&self) -> PostgresPeople {
        PostgresPeople::new(Arc::clone(&self.readers), self.handle.clone())
    }

    /// Stops the writer after the queued appends, then the connections. Also done on drop.
    /// Watchers of the head (and so subscriptions) then end.
    pub fn close(&self) -> Result<(), StoreError> {
        self.intake
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(thread) = lock(&self.writer_thread).take() {
            let _ = thread.join();
        }
        lock(&self.head_tx).take();
        if let Some(runtime) = lock(&self.runtime).take() {
            runtime.shutdown_background();
        }
        Ok(())
    }

    /// The log's verifier key: the one an imported export carried, or the one the first
    /// node to sign here claimed (`claim_log_key`); `None` before either.
    pub fn log_verifier_key(&self) -> Result<Option<String>, StoreError> {
        let readers = Arc::clone(&self.readers);
        self.run(async move { reads::setting(&readers, restore::LOG_VERIFIER_KEY_SETTING).await })
    }

    /// Claims the database's log key for a node that signs checkpoints with `verifier_key`:
    /// the first claim (or an import) records it, and a node with any other key is refused,
    /// so every checkpoint in the shared table verifies with one key.
    pub fn claim_log_key(&self, verifier_key: &str) -> Result<(), StoreError> {
        let readers = Arc::clone(&self.readers);
        let key = verifier_key.to_string();
        let held = self.run(async move {
            reads::claim_setting(&readers, restore::LOG_VERIFIER_KEY_SETTING, key).await
        })?;
        if held != verifier_key {
            return Err(StoreError::LogKeyMismatch {
                held,
                offered: verifier_key.to_string(),
            });
        }
        Ok(())
    }

    /// Runs a query future on the store's runtime and waits for it.
    fn run<T: Send + 'static>(
        &self,
        query: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        spawn_and_wait(&self.handle, query)
    }

    fn published_head(&self) -> u64 {
        self.head_rx.borrow().position
    }

    fn prepare(&self, request: AppendRequest) -> Result<(Job, Answer), StoreError> {
        let fingerprint = SledStore::validate(&request)?;
        let (reply, answer) = oneshot::channel();
        Ok((
            Job {
                request,
                fingerprint,
                reply,
            },
            answer,
        ))
    }

    fn enqueue(&self, job: Job) -> Result<(), StoreError> {
        let queue = self
            .intake
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or(StoreError::Unavailable)?;
        match queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job)) => queue.send(job).map_err(|_| StoreError::Unavailable),
            Err(TrySendError::Disconnected(_)) => Err(StoreError::Unavailable),
        }
    }
}

type Answer = oneshot::Receiver<Result<AppendOutcome, StoreError>>;

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            tracing::error!(%error, "closing the ledger");
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Publishes `head` if it is newer than the published one (own commits and the listener
/// race; the head only moves forwards).
fn publish(head_tx: &watch::Sender<Head>, head: Head) {
    head_tx.send_if_modified(|published| {
        if head.position > published.position {
            *published = head;
            true
        } else {
            false
        }
    });
}

/// Maps a database error to a store error, with what was being done.
fn db_error(context: &str) -> impl Fn(tokio_postgres::Error) -> StoreError + '_ {
    move |error| StoreError::Storage(format!("{context}: {}", describe_db_error(&error)))
}

/// The server's message when there is one (tokio-postgres' `Display` says only "db error").
fn describe_db_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

/// A position or version as stored (they fit in a bigint long before anything else breaks).
fn to_db(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn from_db_u64(value: i64) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt {
        position: 0,
        reason: format!("a stored position or version is negative ({value})"),
    })
}

fn hash_from_db(bytes: &[u8]) -> Result<Hash256, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash256)
        .map_err(|_| StoreError::Corrupt {
            position: 0,
            reason: "a stored hash is not 32 bytes".into(),
        })
}

/// (fingerprint, outcome) from an idempotency row's columns starting at `first`.
fn idempotency_from_row(
    row: &tokio_postgres::Row,
    first: usize,
) -> Result<(Hash256, AppendOutcome), StoreError> {
    Ok((
        hash_from_db(row.try_get(first)?)?,
        AppendOutcome {
            first_position: from_db_u64(row.try_get(first + 1)?)?,
            last_position: from_db_u64(row.try_get(first + 2)?)?,
            stream_version: from_db_u64(row.try_get(first + 3)?)?,
            head_hash: hash_from_db(row.try_get(first + 4)?)?,
            replayed: false,
        },
    ))
}

impl crate::store::EventStore for PostgresStore {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        match self
            .prepare(request)
            .and_then(|(job, answer)| self.enqueue(job).map(|()| answer))
        {
            Ok(answer) => PendingAppend::waiting(answer),
            Err(error) => PendingAppend::ready(Err(error)),
        }
    }

    fn read_stream(
        &self,
        stream: &crate::event::StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<crate::event::RecordedEvent>, StoreError> {
        reads::check_limit(limit)?;
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        let stream = stream.clone();
        self.run(async move { reads::stream(&readers, stream, from_version, head, limit).await })
    }

    fn read_log(
        &self,
        query: &crate::store::LogQuery,
    ) -> Result<crate::store::LogPage, StoreError> {
        reads::check_limit(query.limit)?;
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        let query = query.clone();
        self.run(async move { reads::log(&readers, query, head).await })
    }

    fn read_event(&self, position: u64) -> Result<Option<crate::event::RecordedEvent>, StoreError> {
        if position == 0 || position > self.published_head() {
            return Ok(None);
        }
        let readers = Arc::clone(&self.readers);
        self.run(async move { reads::event(&readers, position).await })
    }

    fn position_of_event(&self, event_id: uuid::Uuid) -> Result<Option<u64>, StoreError> {
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        let found = self.run(async move { reads::position_of(&readers, event_id).await })?;
        Ok(found.filter(|position| *position <= head))
    }

    fn stream_version(&self, stream: &crate::event::StreamId) -> Result<u64, StoreError> {
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        let stream = stream.clone();
        self.run(async move { reads::stream_version(&readers, stream, head).await })
    }

    fn find_idempotent(
        &self,
        key: &crate::event::IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
        let head = self.published_head();
        let readers = Arc::clone(&self.readers);
        let key = key.as_str().to_string();
        let found = self.run(async move { reads::idempotent(&readers, key).await })?;
        Ok(found.filter(|(_, outcome)| outcome.last_position <= head))
    }

    fn head(&self) -> Head {
        *self.head_rx.borrow()
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        let mut watcher = self.head_rx.clone();
        watcher.borrow_and_update();
        watcher
    }

    fn verify(&self) -> Result<crate::store::VerifyReport, StoreError> {
        let head = self.head();
        let readers = Arc::clone(&self.readers);
        self.run(async move { reads::verify(&readers, head).await })
    }
}

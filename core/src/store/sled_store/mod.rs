//! The sled backend of `EventStore`.
//!
//! Write path: caller validates and fingerprints (`submit`) → bounded queue → the writer
//! thread stages a group, `apply_batch` + `flush` → head published → callers answered
//! (see `writer.rs`). A blocking `append` that finds no commit in progress does the same on
//! its own thread instead of queueing. Read path: lock-free sled reads (reads by stream also
//! take the stream index's in-memory tail for a moment, see `stream_index/`), bounded by the
//! published head so a reader never sees an event that is not yet durable.

mod checkpoints;
mod close;
mod flush_watch;
mod id_index;
mod idempotency;
mod keys;
mod lock;
mod proofs;
mod records;
mod restore;
mod stream_index;
mod transparency_log;
mod tree_hashes;
mod upgrade;
mod writer;

use flush_watch::FlushWatch;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread::JoinHandle;

use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::codec;
use crate::error::StoreError;
use crate::event::{IdempotencyKey, RecordedEvent, StreamId};
use crate::hash::Hash256;
use crate::limits::{
    EVENTS_PER_APPEND_MAX, READ_PAGE_EVENTS_MAX, READ_SCAN_RECORDS_MAX, WRITER_QUEUE_APPENDS_MAX,
};
use crate::store::{
    AppendOutcome, AppendRequest, ChainCheck, Damage, Direction, EventStore, Head, LogPage,
    LogQuery, PendingAppend, VerifyReport,
};
use crate::time::Timestamp;
pub(crate) use checkpoints::check_checkpoints_page;
pub use checkpoints::{CHECKPOINTS_PAGE_MAX, StoredCheckpoint};
use id_index::IdIndexWriter;
pub use idempotency::{IDEMPOTENCY_PAGE_MAX, IdempotencyEntry, IdempotencyPage};
pub use lock::open_waiting_for_lock;
pub use proofs::TREE_LEAVES_READ_MAX;
pub(crate) use proofs::check_leaves_read;
pub use restore::{SledRestore, StoredRecord};
use stream_index::StreamIndex;
pub use stream_index::{
    STREAM_INDEX_STORED_STREAMS_PER_GROUP, STREAM_INDEX_TAIL_EVENTS_LIMIT,
    STREAM_INDEX_TAIL_EVENTS_MAX, STREAM_INDEX_TAIL_STREAMS_MAX, TailLimits,
};
use tree_hashes::{TreeCheck, TreeHashReader};
use writer::{Committer, Job, LoneCommit, Shared};

pub use close::CLOSE_FLUSH_TIMEOUT_MS;

/// The store format this build writes and reads. Bump it (with an upgrade path and an ADR)
/// whenever the key layout or the record encoding changes. Format 2 (ADR 0003): records in
/// chunks, the event-id index in buckets. Format 3 (ADR 0004): the stream index in runs,
/// written from an in-memory tail. Format 4 (ADR 0006): the Merkle tree's stored hashes.
/// Older formats are upgraded at open.
pub const STORE_FORMAT: u32 = 4;
const TREE_NAME: &[u8] = b"ledger";

/// What `open` checks before it accepts appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenCheck {
    /// Re-verify the chain from the last verified point to the head (cheap: only what was
    /// appended since), and refuse to open on damage.
    SinceLastVerified,
    /// Open without checking, so an auditor can run `verify` on a damaged ledger. If the head
    /// event itself is unreadable the store opens for reading only (appends: `Unavailable`).
    Skip,
}

#[derive(Debug, Clone)]
pub struct SledOptions {
    pub path: PathBuf,
    pub check: OpenCheck,
    /// sled's page cache.
    pub cache_capacity_bytes: u64,
    /// When the writer stores the stream index's in-memory tail.
    pub stream_index_tail: TailLimits,
}

impl SledOptions {
    pub fn new(path: impl Into<PathBuf>) -> SledOptions {
        SledOptions {
            path: path.into(),
            check: OpenCheck::SinceLastVerified,
            cache_capacity_bytes: 256 * 1024 * 1024,
            stream_index_tail: TailLimits::default(),
        }
    }
}

pub struct SledStore {
    db: sled::Db,
    tree: sled::Tree,
    /// The signed checkpoints (`checkpoints.rs`).
    checkpoints: sled::Tree,
    /// Shared with the writer, which extends its tail.
    stream_index: Arc<StreamIndex>,
    /// Read by every append (many at once), written only at open and close.
    intake: RwLock<Option<Intake>>,
    writer_thread: Mutex<Option<JoinHandle<()>>>,
    /// The store's own handle on the head channel (the writer holds the other), dropped by
    /// `close` so that every watcher, subscriptions included, learns the store closed.
    head_tx: Mutex<Option<Arc<watch::Sender<Head>>>>,
    /// The published head; still readable after `close`.
    head_rx: watch::Receiver<Head>,
    failed: Arc<AtomicBool>,
    /// The writer's running flush, if any (`flush_watch.rs`).
    flush_watch: Arc<FlushWatch>,
}

impl SledStore {
    pub fn open(path: impl AsRef<Path>) -> Result<SledStore, StoreError> {
        SledStore::open_with(SledOptions::new(path.as_ref()))
    }

    pub fn open_with(options: SledOptions) -> Result<SledStore, StoreError> {
        let (db, tree) = open_tree(&options)?;
        let head = match tree.get(keys::META_HEAD)? {
            Some(value) => keys::decode_head(&value).ok_or_else(|| StoreError::Corrupt {
                position: 0,
                reason: "head marker is malformed".into(),
            })?,
            None => Head::EMPTY,
        };
        let last_stored = match records::last_position(&tree) {
            Ok(position) => position,
            Err(error) if options.check == OpenCheck::Skip => {
                tracing::warn!(%error, "the last stored entry is unreadable");
                head.position
            }
            Err(error) => return Err(error),
        };
        if last_stored != head.position && options.check != OpenCheck::Skip {
            return Err(StoreError::Corrupt {
                position: head.position.min(last_stored) + 1,
                reason: format!(
                    "head marker says {} but the last stored event is {last_stored}",
                    head.position
                ),
            });
        }
        let mut stream_index = StreamIndex::new(&tree, options.stream_index_tail);
        let replayed = stream_index.replay_tail(head.position);
        let (head_tx, head_rx) = watch::channel(head);
        let checkpoints = db.open_tree(checkpoints::TREE_NAME)?;
        let store = SledStore {
            db,
            tree,
            checkpoints,
            stream_index: Arc::new(stream_index),
            intake: RwLock::new(None),
            writer_thread: Mutex::new(None),
            head_tx: Mutex::new(Some(Arc::new(head_tx))),
            head_rx,
            failed: Arc::new(AtomicBool::new(false)),
            flush_watch: Arc::new(FlushWatch::new()),
        };
        if let Err(error) = replayed {
            if options.check != OpenCheck::Skip {
                return Err(error);
            }
            // `verify` names the damage; appends would extend an index that is incomplete.
            tracing::warn!(%error, "the stream index's tail is unreadable; opened for reading only");
            store.failed.store(true, Ordering::SeqCst);
        }
        if options.check == OpenCheck::SinceLastVerified {
            store.check_since_last_verified(head)?;
        }
        match store.start_writer(head) {
            Ok(()) => {}
            // An auditor opening a damaged ledger still gets to `verify` it; appends stay
            // refused, since they would extend a chain whose head cannot be read.
            Err(error) if options.check == OpenCheck::Skip => {
                tracing::warn!(%error, "the head event is unreadable; opened for reading only");
                store.failed.store(true, Ordering::SeqCst);
            }
            Err(error) => return Err(error),
        }
        Ok(store)
    }

    fn check_since_last_verified(&self, head: Head) -> Result<(), StoreError> {
        let verified = match self.tree.get(keys::META_VERIFIED)? {
            Some(value) => keys::decode_head(&value).ok_or_else(|| StoreError::Corrupt {
                position: 0,
                reason: "verified marker is malformed".into(),
            })?,
            None => Head::EMPTY,
        };
        if verified.position > head.position {
            return Err(StoreError::Corrupt {
                position: head.position + 1,
                reason: format!(
                    "verified through {} but the head is {}",
                    verified.position, head.position
                ),
            });
        }
        if verified.position > 0 && self.recomputed_hash(verified.position)? != verified.hash {
            return Err(StoreError::Corrupt {
                position: verified.position,
                reason: "event no longer matches the hash verified earlier".into(),
            });
        }
        let mut check = ChainCheck::resume_after(verified);
        let to_corrupt = |damage: Damage| StoreError::Corrupt {
            position: damage.position,
            reason: damage.reason,
        };
        let mut tree_check =
            TreeCheck::resume(&self.tree, verified.position, head.position).map_err(to_corrupt)?;
        let stored = records::scan(
            &self.tree,
            verified.position + 1,
            head.position,
            Direction::Forwards,
        )?;
        for entry in stored {
            let (position, value) = entry?;
            let event = check.check(position, &value).map_err(to_corrupt)?;
            self.check_indexes(&event).map_err(to_corrupt)?;
            tree_check.check(position, &value).map_err(to_corrupt)?;
        }
        check.finish(head).map_err(to_corrupt)?;
        if head.position > verified.position {
            self.tree
                .insert(keys::META_VERIFIED, &keys::encode_head(head)[..])?;
            self.db.flush()?;
            tracing::info!(
                from = verified.position + 1,
                to = head.position,
                "verified new events at open"
            );
        }
        Ok(())
    }

    /// The hash of the record at `position` recomputed from its stored bytes (the trailing
    /// hash alone would not notice a changed body).
    fn recomputed_hash(&self, position: u64) -> Result<Hash256, StoreError> {
        let value = records::find(&self.tree, position)?.ok_or_else(|| StoreError::Corrupt {
            position,
            reason: "event is missing".into(),
        })?;
        let (hashed, _) = codec::split_stored(position, &value)?;
        let event = codec::decode_record(position, &value)?;
        Ok(Hash256::chain(&event.prev_hash, hashed))
    }

    fn start_writer(&self, head: Head) -> Result<(), StoreError> {
        let last_recorded_at = match self.read_event(head.position)? {
            Some(event) => event.recorded_at,
            None => Timestamp::from_unix_micros(i64::MIN),
        };
        let committer = Committer {
            tree: self.tree.clone(),
            head,
            last_recorded_at,
            stream_versions: HashMap::new(),
            id_index: IdIndexWriter::open(&self.tree)?,
            stream_index: Arc::clone(&self.stream_index),
            merkle: TreeHashReader::new(&self.tree, head.position).frontier(head.position)?,
        };
        let shared = Arc::new(Shared::new(
            committer,
            self.db.clone(),
            lock(&self.head_tx).clone().ok_or(StoreError::Unavailable)?,
            Arc::clone(&self.failed),
            Arc::clone(&self.flush_watch),
        ));
        let (queue, receiver) = sync_channel(WRITER_QUEUE_APPENDS_MAX);
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("govledger-writer".into())
            .spawn(move || writer::run(for_thread, receiver))
            .map_err(|e| StoreError::Storage(format!("starting the writer thread: {e}")))?;
        *write(&self.intake) = Some(Intake { queue, shared });
        *lock(&self.writer_thread) = Some(thread);
        Ok(())
    }

    /// Stops the writer after the queued appends and flushes (waiting at most
    /// `CLOSE_FLUSH_TIMEOUT_MS` for the flush, see `close.rs`). Also done on drop. Watchers of
    /// the head (and so subscriptions) then end: `Subscription::next` fails with
    /// `Unavailable` once it has delivered what was appended.
    pub fn close(&self) -> Result<(), StoreError> {
        write(&self.intake).take();
        if let Some(thread) = lock(&self.writer_thread).take() {
            let _ = thread.join();
        }
        lock(&self.head_tx).take();
        close::flush(&self.db)
    }

    /// The size of the data on disk, in bytes.
    pub fn size_on_disk_bytes(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// The stream index and the event-id index agree with the record.
    fn check_indexes(&self, event: &RecordedEvent) -> Result<(), Damage> {
        let damage = |reason: &str| Damage {
            position: event.position,
            reason: reason.into(),
        };
        let by_version = self
            .stream_index
            .position_of(&event.stream_id, event.stream_version)
            .map_err(|e| damage(&e.to_string()))?;
        if by_version != Some(event.position) {
            return Err(damage("stream index does not point at this event"));
        }
        let by_id =
            id_index::lookup(&self.tree, &event.event_id).map_err(|e| damage(&e.to_string()))?;
        if by_id != Some(event.position) {
            return Err(damage("event-id index does not point at this event"));
        }
        Ok(())
    }

    /// Checks an append's shape and fingerprints it (shared with the PostgreSQL store).
    pub(crate) fn validate(request: &AppendRequest) -> Result<Option<Hash256>, StoreError> {
        let count = request.events.len();
        if count == 0 || count > EVENTS_PER_APPEND_MAX {
            return Err(StoreError::EventCountOutOfRange {
                count,
                limit: EVENTS_PER_APPEND_MAX,
            });
        }
        let mut ids = HashSet::with_capacity(count);
        for event in &request.events {
            event.validate()?;
            if !ids.insert(event.event_id) {
                return Err(StoreError::DuplicateEventId {
                    event_id: event.event_id,
                });
            }
        }
        match &request.idempotency {
            None => Ok(None),
            Some(idempotency) => match idempotency.fingerprint {
                Some(fingerprint) => Ok(Some(fingerprint)),
                None => {
                    codec::append_fingerprint(&request.stream, request.expected, &request.events)
                        .map(Some)
                }
            },
        }
    }

    fn published_head(&self) -> u64 {
        self.head_rx.borrow().position
    }

    fn read_range(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        let head = self.published_head();
        let mut events = Vec::new();
        let mut scanned = 0usize;
        let (mut next_start, low, high) = query.bounds(head);
        if low > high {
            return Ok(LogPage {
                events,
                next_start,
                reached_end: true,
            });
        }
        for entry in records::scan(&self.tree, low, high, query.direction)? {
            let (position, value) = entry?;
            let event = codec::decode_record(position, &value)?;
            scanned += 1;
            next_start = match query.direction {
                Direction::Forwards => position + 1,
                Direction::Backwards => position - 1,
            };
            if query.filter.matches(&event) {
                events.push(event);
            }
            if events.len() == query.limit || scanned == READ_SCAN_RECORDS_MAX {
                let reached_end = match query.direction {
                    Direction::Forwards => position == high,
                    Direction::Backwards => position == 1,
                };
                return Ok(LogPage {
                    events,
                    next_start,
                    reached_end,
                });
            }
        }
        next_start = match query.direction {
            Direction::Forwards => high + 1,
            Direction::Backwards => 0,
        };
        Ok(LogPage {
            events,
            next_start,
            reached_end: true,
        })
    }
}

/// Opens the database and its `ledger` tree and checks (or, when empty, writes) the format
/// marker.
fn open_tree(options: &SledOptions) -> Result<(sled::Db, sled::Tree), StoreError> {
    let config = sled::Config::new()
        .path(&options.path)
        .cache_capacity(options.cache_capacity_bytes)
        .flush_every_ms(None);
    let db = open_waiting_for_lock(&config).map_err(|error| {
        StoreError::Storage(format!("opening {}: {error}", options.path.display()))
    })?;
    let tree = db.open_tree(TREE_NAME)?;
    check_format(&db, &tree)?;
    Ok((db, tree))
}

fn check_format(db: &sled::Db, tree: &sled::Tree) -> Result<(), StoreError> {
    match tree.get(keys::META_FORMAT)? {
        Some(value) if value.as_ref() == upgrade::FORMAT_1.to_be_bytes() => {
            upgrade::from_format_1(db, tree)?;
            upgrade::from_format_2(db, tree)?;
            upgrade::from_format_3(db, tree)
        }
        Some(value) if value.as_ref() == upgrade::FORMAT_2.to_be_bytes() => {
            upgrade::from_format_2(db, tree)?;
            upgrade::from_format_3(db, tree)
        }
        Some(value) if value.as_ref() == upgrade::FORMAT_3.to_be_bytes() => {
            upgrade::from_format_3(db, tree)
        }
        Some(value) => {
            let found = <[u8; 4]>::try_from(value.as_ref())
                .map(u32::from_be_bytes)
                .map_err(|_| StoreError::Corrupt {
                    position: 0,
                    reason: "format marker is malformed".into(),
                })?;
            if found != STORE_FORMAT {
                return Err(StoreError::UnsupportedStoreFormat {
                    found,
                    supported: STORE_FORMAT,
                });
            }
            Ok(())
        }
        None if tree.is_empty() => {
            tree.insert(keys::META_FORMAT, &STORE_FORMAT.to_be_bytes())?;
            db.flush()?;
            Ok(())
        }
        None => Err(StoreError::Corrupt {
            position: 0,
            reason: "format marker is missing".into(),
        }),
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    // As for `lock`: a poisoned lock's data (a sender) is still usable.
    lock.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock only means another thread panicked while holding it; the data (a
    // sender or a join handle) is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Drop for SledStore {
    fn drop(&mut self) {
        if let Err(error) = self.close() {
            tracing::error!(%error, "closing the ledger");
        }
    }
}

/// Where appends go in: the writer's queue, and the commit lock a lone `append` may take.
#[derive(Clone)]
struct Intake {
    queue: SyncSender<Job>,
    shared: Arc<Shared>,
}

impl Intake {
    /// Queues a job for the writer thread; blocks (backpressure) while the queue is full.
    fn enqueue(&self, job: Job) -> Result<(), StoreError> {
        match self.queue.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(job)) => {
                self.queue.send(job).map_err(|_| StoreError::Unavailable)
            }
            Err(TrySendError::Disconnected(_)) => Err(StoreError::Unavailable),
        }
    }
}

/// The caller's end of an append's answer.
type Answer = oneshot::Receiver<Result<AppendOutcome, StoreError>>;

impl SledStore {
    /// Validates and fingerprints on the caller's thread, ready for a commit.
    fn prepare(&self, request: AppendRequest) -> Result<(Intake, Job, Answer), StoreError> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable);
        }
        let fingerprint = SledStore::validate(&request)?;
        let intake = read(&self.intake).clone().ok_or(StoreError::Unavailable)?;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            request,
            fingerprint,
            reply,
        };
        Ok((intake, job, answer))
    }
}

impl EventStore for SledStore {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        let queued = self
            .prepare(request)
            .and_then(|(intake, job, answer)| intake.enqueue(job).map(|()| answer));
        match queued {
            Ok(answer) => PendingAppend::waiting(answer),
            Err(error) => PendingAppend::ready(Err(error)),
        }
    }

    /// Commits on the caller's thread when nothing else is committing (see `writer.rs`);
    /// otherwise queues and waits like `submit`.
    fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        let (intake, job, answer) = self.prepare(request)?;
        let _in_progress = intake.shared.blocking_append();
        if let LoneCommit::Busy(job) = intake.shared.try_commit_alone(job) {
            intake.enqueue(job)?;
        }
        PendingAppend::waiting(answer).wait()
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        check_limit(limit)?;
        let head = self.published_head();
        let positions = self
            .stream_index
            .positions(stream, from_version, head, limit)?;
        let mut events = Vec::with_capacity(positions.len());
        for position in positions {
            match self.read_event(position)? {
                Some(event) => events.push(event),
                None => {
                    return Err(StoreError::Corrupt {
                        position,
                        reason: format!("stream index of {stream} points at a missing event"),
                    });
                }
            }
        }
        Ok(events)
    }

    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        check_limit(query.limit)?;
        self.read_range(query)
    }

    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
        if position == 0 || position > self.published_head() {
            return Ok(None);
        }
        match records::find(&self.tree, position)? {
            Some(value) => Ok(Some(codec::decode_record(position, &value)?)),
            None => Err(StoreError::Corrupt {
                position,
                reason: "event is missing".into(),
            }),
        }
    }

    fn position_of_event(&self, event_id: Uuid) -> Result<Option<u64>, StoreError> {
        let head = self.published_head();
        Ok(id_index::lookup(&self.tree, &event_id)?.filter(|position| *position <= head))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        // The version counter may run ahead of the published head for an instant (between the
        // batch landing and the head being published), so count what a reader can see.
        let head = self.published_head();
        self.stream_index.version_at(stream, head)
    }

    fn find_idempotent(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
        let head = self.published_head();
        Ok(self
            .tree
            .get(keys::idempotency(key.as_str()))?
            .and_then(|value| keys::decode_idempotency(&value))
            .filter(|(_, outcome)| outcome.last_position <= head))
    }

    fn head(&self) -> Head {
        *self.head_rx.borrow()
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        let mut watcher = self.head_rx.clone();
        watcher.borrow_and_update();
        watcher
    }

    fn durability_wait(&self) -> Option<std::time::Duration> {
        self.flush_watch.running_for()
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        let head = self.head();
        let mut check = ChainCheck::from_genesis();
        let mut tree_check = TreeCheck::resume(&self.tree, 0, head.position);
        let mut events_checked = 0;
        let mut first_damage = None;
        // Bounded by the head read above, so appends racing the walk are not mistaken for
        // damage; they are covered by the next verify.
        let stored = records::scan(&self.tree, 1, head.position, Direction::Forwards)?;
        for entry in stored {
            let (position, value) = match entry {
                Ok(record) => record,
                Err(StoreError::Corrupt { position, reason }) => {
                    first_damage = Some(Damage { position, reason });
                    break;
                }
                Err(error) => return Err(error),
            };
            let checked = check
                .check(position, &value)
                .and_then(|event| self.check_indexes(&event))
                .and_then(|()| match &mut tree_check {
                    Ok(tree_check) => tree_check.check(position, &value),
                    Err(damage) => Err(damage.clone()),
                });
            if let Err(damage) = checked {
                first_damage = Some(damage);
                break;
            }
            events_checked += 1;
        }
        if first_damage.is_none() {
            first_damage = check.finish(head).err();
        }
        if first_damage.is_none() {
            self.tree
                .insert(keys::META_VERIFIED, &keys::encode_head(head)[..])?;
            self.db.flush()?;
        }
        Ok(VerifyReport {
            head,
            events_checked,
            first_damage,
        })
    }
}

fn check_limit(limit: usize) -> Result<(), StoreError> {
    if limit == 0 || limit > READ_PAGE_EVENTS_MAX {
        return Err(StoreError::ReadLimitOutOfRange {
            requested: limit,
            limit: READ_PAGE_EVENTS_MAX,
        });
    }
    Ok(())
}

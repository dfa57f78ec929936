//! The single writer and its pipelined group commit.
//!
//! Every append goes through one thread, which is what makes positions gap-free without
//! locks: it drains whatever appends are queued (up to `GROUP_COMMIT_APPENDS_MAX`), checks
//! each against the stream versions and idempotency keys (stored, or staged earlier), assigns
//! positions, seals the records into the chain, and writes the whole group with one atomic
//! `apply_batch`. It then hands the group to the flusher thread and goes on staging the next
//! group while the flush runs. The flusher takes every group applied so far, flushes once,
//! and only then publishes the new head and answers the callers of those groups. So a flush
//! is shared by every append that arrived during the previous one, and staging never waits
//! for the disk: throughput grows with the number of writers. When nothing is queued behind a
//! group and nothing is in the pipeline (a lone writer), the writer flushes it itself, which
//! spares the thread handoff.
//!
//! A blocking `append` first tries to commit alone on its own thread (leader/follower): if
//! it is the only blocking append in progress, no one holds the commit lock and no group is
//! in the pipeline, it stages, applies, flushes
//! and publishes its own append under the lock, sparing both handoffs (to the writer and
//! back), which cost tens of µs each on a small VM. Otherwise it queues like any other
//! append and follows. Every commit, on either path, stages and applies under the one commit
//! lock, so positions stay gap-free in commit order; a lone commit happens only with nothing
//! in flight and holds the lock through its flush and head publication, so heads are
//! published in order.
//!
//! Every answer, a rejection or an idempotent replay included, goes through the flusher in
//! group order: a caller never hears about state (its own append, or the version it was
//! refused against) before that state is durable.
//!
//! A failed write or flush leaves the on-disk state uncertain, so both threads answer every
//! pending caller with an error and stop; the store refuses appends until it is reopened (the
//! open check then verifies what reached the disk).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use tokio::sync::{oneshot, watch};

use super::flush_watch::FlushWatch;
use crate::codec;
use crate::error::StoreError;
use crate::event::StreamId;
use crate::hash::Hash256;
use crate::limits::GROUP_COMMIT_APPENDS_MAX;
use crate::store::seal::seal_append;
use crate::store::sled_store::id_index::IdIndexWriter;
use crate::store::sled_store::keys;
use crate::store::sled_store::stream_index::{IndexEntry, StreamIndex};
use crate::store::sled_store::tree_hashes;
use crate::store::{AppendOutcome, AppendRequest, Head};
use crate::time::Timestamp;
use crate::tlog::{Frontier, stored_hash_count};

pub(super) type Reply = oneshot::Sender<Result<AppendOutcome, StoreError>>;

/// Groups applied but not yet flushed; the writer waits (and its next group grows) beyond it.
const APPLIED_GROUPS_UNFLUSHED_MAX: usize = 4;
/// Most record bytes one stored chunk holds; a group's records fill as few chunks as this
/// allows (a larger record is stored alone).
const CHUNK_BYTES_MAX: usize = 64 * 1024;

/// An append validated by the caller's thread, waiting for the writer.
pub(super) struct Job {
    pub(super) request: AppendRequest,
    /// Set when the request carries an idempotency key.
    pub(super) fingerprint: Option<Hash256>,
    pub(super) reply: Reply,
}

/// The commit lock's contents: what staging needs to know about the ledger so far.
pub(super) struct Committer {
    pub(super) tree: sled::Tree,
    pub(super) head: Head,
    pub(super) last_recorded_at: Timestamp,
    /// Versions of recently appended streams, as applied (commits under the lock are their
    /// only author, so the cache is exact); saves a prefix scan per append. Cleared when full.
    pub(super) stream_versions: HashMap<StreamId, u64>,
    /// The event-id index's recently used buckets.
    pub(super) id_index: IdIndexWriter,
    /// The stream index, whose in-memory tail this writer alone extends.
    pub(super) stream_index: Arc<StreamIndex>,
    /// The Merkle tree's right edge at `head` (ADR 0006).
    pub(super) merkle: Frontier,
}

/// What the writer thread and lone committers share.
pub(super) struct Shared {
    /// Held while a group is staged and applied (and, for a lone commit, flushed).
    committer: Mutex<Committer>,
    flusher: Flusher,
    /// Blocking appends between their start and their answer. A lone commit flushes while
    /// holding the commit lock, which is right for one writer but makes concurrent ones wait
    /// a whole flush before theirs starts, and flushes one event where a group could share
    /// it: with more than one in progress, every append goes through the writer.
    blocking_appends: AtomicUsize,
}

/// Counts one blocking append while it lives.
pub(super) struct BlockingAppend<'a>(&'a AtomicUsize);

impl Drop for BlockingAppend<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The answer of `Shared::try_commit_alone`.
pub(super) enum LoneCommit {
    /// Committed (or refused) on the caller's thread; the job's reply has its answer.
    Answered,
    /// Someone else is committing or a group is in flight: queue the job and follow.
    Busy(Job),
}

impl Shared {
    pub(super) fn new(
        committer: Committer,
        db: sled::Db,
        head_tx: Arc<watch::Sender<Head>>,
        failed: Arc<AtomicBool>,
        flush_watch: Arc<FlushWatch>,
    ) -> Shared {
        Shared {
            committer: Mutex::new(committer),
            flusher: Flusher {
                db,
                head_tx,
                failed,
                in_flight: Arc::new(AtomicUsize::new(0)),
                flush_watch,
            },
            blocking_appends: AtomicUsize::new(0),
        }
    }

    /// Marks a blocking append as in progress until the guard drops.
    pub(super) fn blocking_append(&self) -> BlockingAppend<'_> {
        self.blocking_appends.fetch_add(1, Ordering::SeqCst);
        BlockingAppend(&self.blocking_appends)
    }

    /// Commits `job` alone on this thread if nothing else is committing or in flight, and
    /// no other blocking append is in progress.
    pub(super) fn try_commit_alone(&self, job: Job) -> LoneCommit {
        if self.blocking_appends.load(Ordering::SeqCst) > 1 {
            return LoneCommit::Busy(job);
        }
        let mut committer = match self.committer.try_lock() {
            Ok(committer) => committer,
            Err(TryLockError::WouldBlock) => return LoneCommit::Busy(job),
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
        };
        // A group in the flusher's hands must publish its head before this one does.
        if self.flusher.in_flight.load(Ordering::SeqCst) != 0 {
            return LoneCommit::Busy(job);
        }
        if self.flusher.failed.load(Ordering::SeqCst) {
            let _ = job.reply.send(Err(StoreError::Unavailable));
            return LoneCommit::Answered;
        }
        match committer.commit_group(vec![job]) {
            Ok(applied) => {
                // A failed flush has answered with the error and marked the store failed.
                let _ = self.flusher.flush_and_answer(vec![applied]);
            }
            Err((error, answers)) => {
                tracing::error!(%error, "ledger write failed; refusing further appends");
                self.flusher.failed.store(true, Ordering::SeqCst);
                let error = error.to_string();
                answer_all(answers, || StoreError::Storage(error.clone()));
            }
        }
        LoneCommit::Answered
    }
}

/// Most streams whose version the writer keeps in memory.
const STREAM_VERSION_CACHE_STREAMS_MAX: usize = 65_536;

/// One group being staged: the batch plus what it changes, so later appends in the same
/// group see earlier ones.
struct Group {
    batch: sled::Batch,
    head: Head,
    last_recorded_at: Timestamp,
    stream_versions: HashMap<StreamId, u64>,
    idempotency: HashMap<String, (Hash256, AppendOutcome)>,
    /// The group's sealed records, in position order from `self.head.position + 1`; framed
    /// into chunks when the group is applied.
    records: Vec<Vec<u8>>,
    /// The group's stream-index entries, in position order.
    index_entries: Vec<IndexEntry>,
    answers: Vec<(Reply, Result<AppendOutcome, StoreError>)>,
    staged_events: usize,
}

/// A group whose batch is applied, waiting for the flush that makes it durable.
struct Applied {
    /// The head after this group, if it appended anything.
    head: Option<Head>,
    answers: Vec<(Reply, Result<AppendOutcome, StoreError>)>,
}

/// Flushes applied groups, publishes the head and answers callers: on its own thread for
/// pipelined groups, or inline on the writer's thread when nothing else is pending.
#[derive(Clone)]
struct Flusher {
    db: sled::Db,
    head_tx: Arc<watch::Sender<Head>>,
    failed: Arc<AtomicBool>,
    /// Groups handed to the flusher thread and not yet answered.
    in_flight: Arc<AtomicUsize>,
    /// Says how long a flush has been running (`/readyz`).
    flush_watch: Arc<FlushWatch>,
}

/// The flush failed; the callers were answered with the error and the store refuses appends.
struct FlushFailed;

impl Flusher {
    fn run(self, applied: Receiver<Applied>) {
        while let Ok(first) = applied.recv() {
            let mut groups = vec![first];
            groups.extend(applied.try_iter());
            let count = groups.len();
            if self.flush_and_answer(groups).is_err() {
                // Whatever the writer applied after this is of uncertain durability too.
                for group in applied.iter() {
                    answer_all(group.answers, || StoreError::Unavailable);
                }
                return;
            }
            self.in_flight.fetch_sub(count, Ordering::SeqCst);
        }
    }

    fn flush_and_answer(&self, groups: Vec<Applied>) -> Result<(), FlushFailed> {
        let head = groups.iter().rev().find_map(|group| group.head);
        // Groups without appends (rejections, replays) need no flush of their own: they
        // only wait for the groups before them, which this flush covers.
        let flushed = match head {
            Some(_) => self.flush_watch.time(|| self.db.flush().map(drop)),
            None => Ok(()),
        };
        if let Err(error) = flushed {
            tracing::error!(%error, "ledger flush failed; refusing further appends");
            self.failed.store(true, Ordering::SeqCst);
            let error = StoreError::from(error).to_string();
            for group in groups {
                answer_all(group.answers, || StoreError::Storage(error.clone()));
            }
            return Err(FlushFailed);
        }
        if let Some(head) = head {
            self.head_tx.send_replace(head);
        }
        for group in groups {
            for (reply, result) in group.answers {
                let _ = reply.send(result);
            }
        }
        Ok(())
    }
}

/// Answers every caller with an error instead of its staged result.
fn answer_all(
    answers: Vec<(Reply, Result<AppendOutcome, StoreError>)>,
    error: impl Fn() -> StoreError,
) {
    for (reply, _) in answers {
        let _ = reply.send(Err(error()));
    }
}

/// The writer thread: commits queued appends in groups, pipelined with the flusher thread.
pub(super) fn run(shared: Arc<Shared>, queue: Receiver<Job>) {
    let flusher = &shared.flusher;
    let (applied_tx, applied_rx) = sync_channel(APPLIED_GROUPS_UNFLUSHED_MAX);
    let pipelined = flusher.clone();
    let flusher_thread = match std::thread::Builder::new()
        .name("govledger-flusher".into())
        .spawn(move || pipelined.run(applied_rx))
    {
        Ok(thread) => thread,
        Err(error) => {
            tracing::error!(%error, "starting the flusher thread; refusing appends");
            flusher.failed.store(true, Ordering::SeqCst);
            for job in queue.iter() {
                let _ = job.reply.send(Err(StoreError::Unavailable));
            }
            return;
        }
    };
    // A job taken from the queue to see whether more work follows the current group.
    let mut carried: Option<Job> = None;
    loop {
        let first = match carried.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => break,
            },
        };
        let mut jobs = Vec::with_capacity(64);
        jobs.push(first);
        while jobs.len() < GROUP_COMMIT_APPENDS_MAX {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut committer = lock_committer(&shared.committer);
        if flusher.failed.load(Ordering::SeqCst) {
            // A flush failed: nothing staged from here on could be made durable.
            answer_jobs_unavailable(jobs, &queue);
            break;
        }
        let applied = match committer.commit_group(jobs) {
            Ok(applied) => applied,
            Err((error, answers)) => {
                tracing::error!(%error, "ledger write failed; refusing further appends");
                flusher.failed.store(true, Ordering::SeqCst);
                let error = error.to_string();
                answer_all(answers, || StoreError::Storage(error.clone()));
                answer_jobs_unavailable(Vec::new(), &queue);
                break;
            }
        };
        carried = queue.try_recv().ok();
        // Nothing queued behind this group and nothing in the pipeline: flush here (still
        // holding the lock, so no lone commit publishes a head before this one) and spare a
        // lone group the handoff to the flusher thread.
        if carried.is_none() && flusher.in_flight.load(Ordering::SeqCst) == 0 {
            if flusher.flush_and_answer(vec![applied]).is_err() {
                drop(committer);
                answer_jobs_unavailable(Vec::new(), &queue);
                break;
            }
            continue;
        }
        // Counted before the lock is released, so no lone commit starts behind this group.
        flusher.in_flight.fetch_add(1, Ordering::SeqCst);
        drop(committer);
        if applied_tx.send(applied).is_err() {
            // The flusher stopped after a failed flush and answered what it had.
            answer_jobs_unavailable(carried.take().into_iter().collect(), &queue);
            break;
        }
    }
    if let Some(job) = carried {
        let _ = job.reply.send(Err(StoreError::Unavailable));
    }
    drop(applied_tx);
    let _ = flusher_thread.join();
    if !flusher.failed.load(Ordering::SeqCst) {
        // A clean stop: store the stream index's tail (`close` flushes it), so the next open
        // has nothing to replay. If this fails, the next open replays the tail instead.
        let committer = lock_committer(&shared.committer);
        if let Err(error) = committer.stream_index.store_all(committer.head.position) {
            tracing::warn!(%error, "storing the stream index's tail at close");
        }
    }
}

fn lock_committer(committer: &Mutex<Committer>) -> MutexGuard<'_, Committer> {
    // Staging never panics on input (errors are answers); a poisoned lock means a bug, and
    // the state it guards is only replaced after a successful apply, so it is still whole.
    committer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Committer {
    /// Stages and applies one group; on a write error, returns the answers still owed.
    #[allow(
        clippy::type_complexity,
        reason = "the error hands back the owed answers"
    )]
    fn commit_group(
        &mut self,
        jobs: Vec<Job>,
    ) -> Result<Applied, (StoreError, Vec<(Reply, Result<AppendOutcome, StoreError>)>)> {
        let mut group = Group {
            batch: sled::Batch::default(),
            head: self.head,
            last_recorded_at: self.last_recorded_at,
            stream_versions: HashMap::new(),
            idempotency: HashMap::new(),
            records: Vec::new(),
            index_entries: Vec::new(),
            answers: Vec::with_capacity(jobs.len()),
            staged_events: 0,
        };
        for job in jobs {
            let result = self.stage(&mut group, &job);
            group.answers.push((job.reply, result));
        }
        if group.staged_events == 0 {
            self.id_index.settle();
            return Ok(Applied {
                head: None,
                answers: group.answers,
            });
        }
        let records = std::mem::take(&mut group.records);
        let mut merkle = self.merkle.clone();
        let mut tree_hashes = Vec::with_capacity(2 * records.len());
        for record in &records {
            merkle.append(tree_hashes::leaf_of_stored(record), &mut tree_hashes);
        }
        tree_hashes::stage(
            &mut group.batch,
            stored_hash_count(self.head.position),
            &tree_hashes,
        );
        stage_chunks(&mut group.batch, self.head.position + 1, records);
        self.id_index.stage_changes(&mut group.batch);
        let tail_plan = self
            .stream_index
            .stage(&mut group.batch, &group.index_entries);
        group
            .batch
            .insert(keys::META_HEAD, &keys::encode_head(group.head)[..]);
        let applied = self.tree.apply_batch(group.batch);
        self.id_index.settle();
        if let Err(error) = applied {
            return Err((StoreError::from(error), group.answers));
        }
        self.stream_index
            .settle(&group.index_entries, tail_plan, group.head.position);
        debug_assert_eq!(merkle.size(), group.head.position, "one leaf per position");
        self.head = group.head;
        self.merkle = merkle;
        self.last_recorded_at = group.last_recorded_at;
        if self.stream_versions.len() + group.stream_versions.len()
            > STREAM_VERSION_CACHE_STREAMS_MAX
        {
            self.stream_versions.clear();
        }
        self.stream_versions.extend(group.stream_versions);
        Ok(Applied {
            head: Some(group.head),
            answers: group.answers,
        })
    }

    /// Stages one append into the group, or rejects it leaving the group untouched.
    fn stage(&mut self, group: &mut Group, job: &Job) -> Result<AppendOutcome, StoreError> {
        let request = &job.request;
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, &job.fingerprint) {
            let key = idempotency.key.as_str();
            let earlier = match group.idempotency.get(key) {
                Some(entry) => Some(*entry),
                None => self
                    .tree
                    .get(keys::idempotency(key))?
                    .and_then(|v| keys::decode_idempotency(&v)),
            };
            if let Some((stored_fingerprint, outcome)) = earlier {
                return if stored_fingerprint == *fingerprint {
                    Ok(AppendOutcome {
                        replayed: true,
                        ..outcome
                    })
                } else {
                    Err(StoreError::IdempotencyConflict {
                        key: key.to_string(),
                    })
                };
            }
        }
        let current_version = match group.stream_versions.get(&request.stream) {
            Some(version) => *version,
            None => self.stored_stream_version(&request.stream)?,
        };
        if !request.expected.admits(current_version) {
            return Err(StoreError::WrongExpectedVersion {
                stream: request.stream.to_string(),
                expected: request.expected,
                actual: current_version,
            });
        }

        // Sealed before touching the group, so a failure leaves it untouched.
        let sealed = seal_append(request, group.head, group.last_recorded_at, current_version)?;
        let outcome = sealed.outcome;
        // The first change to the group: the index's memory changes only when every id is
        // free (ids staged earlier in this group are in that memory already).
        let claims: Vec<(uuid::Uuid, u64)> = (outcome.first_position..)
            .zip(&request.events)
            .map(|(position, event)| (event.event_id, position))
            .collect();
        if let Some(event_id) = self.id_index.claim(&self.tree, &claims)? {
            return Err(StoreError::DuplicateEventId { event_id });
        }
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, &job.fingerprint) {
            let key = idempotency.key.as_str();
            group.batch.insert(
                keys::idempotency(key),
                keys::encode_idempotency(fingerprint, &outcome).to_vec(),
            );
            group
                .idempotency
                .insert(key.to_string(), (*fingerprint, outcome));
        }
        for (position, version, record) in sealed.records {
            group.records.push(record);
            group.index_entries.push(IndexEntry {
                stream: request.stream.clone(),
                version,
                position,
            });
        }
        group.staged_events += request.events.len();
        group.head = sealed.head;
        group.last_recorded_at = sealed.recorded_at;
        group
            .stream_versions
            .insert(request.stream.clone(), outcome.stream_version);
        Ok(outcome)
    }

    fn stored_stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        if let Some(version) = self.stream_versions.get(stream) {
            return Ok(*version);
        }
        // Applied groups included: the writer is their only author.
        self.stream_index.last_version(stream)
    }
}

/// Stages a group's records, the first at `first_position`, as few `E` entries as
/// `CHUNK_BYTES_MAX` allows.
fn stage_chunks(batch: &mut sled::Batch, first_position: u64, records: Vec<Vec<u8>>) {
    let mut chunk_first = first_position;
    let mut chunk: Vec<Vec<u8>> = Vec::new();
    let mut chunk_bytes = 0usize;
    let close_chunk = |chunk: &mut Vec<Vec<u8>>, chunk_first: u64, batch: &mut sled::Batch| {
        let count = chunk.len() as u64;
        if let Some(value) = codec::frame_records(std::mem::take(chunk)) {
            batch.insert(&keys::event(chunk_first)[..], value);
        }
        chunk_first + count
    };
    for record in records {
        let full =
            chunk_bytes + record.len() > CHUNK_BYTES_MAX || chunk.len() == codec::CHUNK_RECORDS_MAX;
        if full && !chunk.is_empty() {
            chunk_first = close_chunk(&mut chunk, chunk_first, batch);
            chunk_bytes = 0;
        }
        chunk_bytes += record.len();
        chunk.push(record);
    }
    close_chunk(&mut chunk, chunk_first, batch);
}

/// Answers `jobs` and everything still queued with `Unavailable`.
fn answer_jobs_unavailable(jobs: Vec<Job>, queue: &Receiver<Job>) {
    for job in jobs.into_iter().chain(queue.try_iter()) {
        let _ = job.reply.send(Err(StoreError::Unavailable));
    }
}

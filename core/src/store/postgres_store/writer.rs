//! The node's writer: drains the queue and commits each group in one transaction that locks
//! the head row (ADR 0019). Runs on its own thread and drives its queries on the store's
//! runtime.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use futures_util::future::{join, try_join5};
use tokio::sync::{oneshot, watch};
use tokio_postgres::Config;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::limits::GROUP_COMMIT_APPENDS_MAX;
use crate::store::postgres_store::connection::{Connection, sql};
use crate::store::postgres_store::tree::{self, GroupTree};
use crate::store::postgres_store::{from_db_u64, hash_from_db, publish, to_db};
use crate::store::seal::seal_append;
use crate::store::{AppendOutcome, AppendRequest, ExpectedVersion, Head};
use crate::time::Timestamp;
use crate::tlog::Frontier;

pub(super) type Reply = oneshot::Sender<Result<AppendOutcome, StoreError>>;

/// An append validated by the caller's thread, waiting for the writer.
pub(super) struct Job {
    pub(super) request: AppendRequest,
    /// Set when the request carries an idempotency key.
    pub(super) fingerprint: Option<Hash256>,
    pub(super) reply: Reply,
}

/// Shortest and longest wait before the writer tries to reconnect after a failure.
const RECONNECT_BACKOFF_MIN: Duration = Duration::from_millis(100);
const RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(5);

pub(super) struct Writer {
    pub(super) config: Config,
    pub(super) head_tx: Arc<watch::Sender<Head>>,
    pub(super) connection: Option<Connection>,
    /// After a failed connect: not before this instant, and the next backoff.
    pub(super) retry: Option<(Instant, Duration)>,
    /// The ledger as this node's last commit left it, for the one-round-trip path.
    pub(super) known: Option<KnownHead>,
    /// Groups still to send the two-round-trip way after the one-round-trip path was refused
    /// (another node appended): doubles on each refusal in a row, up to `FAST_PAUSE_MAX`.
    pub(super) fast_pause: (u32, u32),
}

/// What the writer knows of the ledger after its own last commit: exact for as long as no
/// other node appends, which the write statement's gate checks (ADR 0019).
pub(super) struct KnownHead {
    head: Head,
    last_recorded_at: Timestamp,
    /// The Merkle tree's frontier at `head`.
    tree: Frontier,
    /// Versions of the streams this node appended to or read (at most `KNOWN_STREAMS_MAX`).
    versions: HashMap<String, u64>,
}

/// Streams whose versions the writer remembers; past it the map starts again.
const KNOWN_STREAMS_MAX: usize = 100_000;
/// Longest pause of the one-round-trip path, in groups.
const FAST_PAUSE_MAX: u32 = 64;

/// Why a group did not commit.
enum GroupFailed {
    /// Rolled back: nothing of the group was stored.
    BeforeCommit(tokio_postgres::Error),
    /// The commit itself failed: its outcome is unknown.
    AtCommit(tokio_postgres::Error),
}

impl Writer {
    /// The writer thread: commits queued appends in groups until the queue closes. It drives
    /// its connection on a runtime of its own, on this thread: a group's round trips then
    /// need no handoff between threads.
    pub(super) fn run(mut self, queue: Receiver<Job>) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => {
                tracing::error!(%error, "starting the writer's runtime; refusing appends");
                for job in queue.iter() {
                    let _ = job.reply.send(Err(StoreError::Unavailable));
                }
                return;
            }
        };
        while let Ok(first) = queue.recv() {
            let mut jobs = Vec::with_capacity(64);
            jobs.push(first);
            while jobs.len() < GROUP_COMMIT_APPENDS_MAX {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            runtime.block_on(self.commit(jobs));
        }
    }

    async fn connect(&mut self) -> Result<(), StoreError> {
        if self
            .connection
            .as_ref()
            .is_some_and(|connection| connection.client.is_closed())
        {
            self.connection = None;
        }
        if self.connection.is_none() {
            if let Some((not_before, _)) = self.retry
                && Instant::now() < not_before
            {
                return Err(StoreError::Storage(
                    "the ledger database is unreachable; nothing was appended, retry later".into(),
                ));
            }
            match Connection::open(&self.config).await {
                Ok(connection) => {
                    self.retry = None;
                    self.connection = Some(connection);
                }
                Err(error) => {
                    let backoff = self.retry.map_or(RECONNECT_BACKOFF_MIN, |(_, last)| {
                        (last * 2).min(RECONNECT_BACKOFF_MAX)
                    });
                    self.retry = Some((Instant::now() + backoff, backoff));
                    return Err(StoreError::Storage(format!(
                        "{error}; nothing was appended, retry later"
                    )));
                }
            }
        }
        Ok(())
    }

    async fn commit(&mut self, jobs: Vec<Job>) {
        let head_tx = Arc::clone(&self.head_tx);
        let fast = self.fast_group(&jobs);
        // Taken for the group: a group that fails leaves none, so the next one reconnects.
        let mut taken = match self.connect().await {
            Ok(()) => match self.connection.take() {
                Some(connection) => connection,
                None => return answer_all(jobs, &StoreError::Unavailable),
            },
            Err(error) => return answer_all(jobs, &error),
        };
        let connection = &mut taken;
        let committed = match fast {
            Some(mut fast) => match write_fast(connection, &mut fast).await {
                Ok(true) => {
                    self.fast_pause.1 = 0;
                    Ok((Some(fast.group), fast.results))
                }
                Ok(false) => {
                    self.refused_fast();
                    commit_group(connection, &jobs).await
                }
                Err(failed) => Err(failed),
            },
            None => commit_group(connection, &jobs).await,
        };
        match committed {
            Ok((group, results)) => {
                self.connection = Some(taken);
                if let Some(group) = group {
                    publish(&head_tx, group.head);
                    self.remember(group);
                }
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(failed) => {
                let message = match failed {
                    GroupFailed::BeforeCommit(error) => format!(
                        "the ledger database failed before the append committed; nothing was \
                         appended, retry: {error}"
                    ),
                    GroupFailed::AtCommit(error) => format!(
                        "the ledger database failed while committing; the append may or may \
                         not be stored: retry with the same idempotency key ({error})"
                    ),
                };
                tracing::warn!(reason = %message, "a group commit failed");
                // The connection's state is unknown: it is dropped, the next group reconnects.
                self.known = None;
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::Storage(message.clone())));
                }
            }
        }
    }

    /// The group staged on what this node knows, when that can be sent in one round trip:
    /// the node knows the head (and no other node's commit has been seen since), the version
    /// of each stream is known or stated by its append (`Exact`, `NoStream`; the gate checks
    /// those), and no append with an idempotency key was refused here (its answer may be a
    /// replay, which only the two-round-trip path reads).
    fn fast_group(&mut self, jobs: &[Job]) -> Option<FastGroup> {
        if self.fast_pause.0 > 0 {
            self.fast_pause.0 -= 1;
            return None;
        }
        let known = self.known.as_ref()?;
        if self.head_tx.borrow().position != known.head.position {
            self.known = None;
            return None;
        }
        let mut versions = HashMap::with_capacity(jobs.len());
        let mut assumed = Assumed::default();
        for job in jobs {
            let stream = job.request.stream.as_str();
            if versions.contains_key(stream) {
                continue;
            }
            let version = match (known.versions.get(stream), job.request.expected) {
                (Some(version), _) => *version,
                (None, ExpectedVersion::Exact(version)) => {
                    assumed.push(stream, version);
                    version
                }
                (None, ExpectedVersion::NoStream) => {
                    assumed.push(stream, 0);
                    0
                }
                (None, ExpectedVersion::Any) => return None,
            };
            versions.insert(stream.to_string(), version);
        }
        let mut group = Group::new(
            known.head,
            known.last_recorded_at,
            known.tree.clone(),
            versions,
        );
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            let result = group.stage(job);
            if result.is_err() && job.request.idempotency.is_some() {
                return None;
            }
            results.push(result);
        }
        if group.rows.positions.is_empty() {
            return None;
        }
        Some(FastGroup {
            group,
            results,
            assumed,
        })
    }

    fn refused_fast(&mut self) {
        self.known = None;
        let pause = (self.fast_pause.1.max(1) * 2).min(FAST_PAUSE_MAX);
        self.fast_pause = (pause, pause);
    }

    /// Keeps what a committed group leaves known.
    fn remember(&mut self, group: Group) {
        let known = self.known.get_or_insert_with(|| KnownHead {
            head: group.head,
            last_recorded_at: group.last_recorded_at,
            tree: group.tree.clone(),
            versions: HashMap::new(),
        });
        if known.versions.len() + group.versions.len() > KNOWN_STREAMS_MAX {
            known.versions.clear();
        }
        known.head = group.head;
        known.last_recorded_at = group.last_recorded_at;
        known.tree = group.tree;
        known.versions.extend(group.versions);
    }
}

/// A group staged without reading the database, and the stream versions it assumed.
struct FastGroup {
    group: Group,
    results: Vec<Result<AppendOutcome, StoreError>>,
    assumed: Assumed,
}

/// Stream versions an append stated and the writer did not know: the gate checks them.
#[derive(Default)]
struct Assumed {
    streams: Vec<String>,
    versions: Vec<i64>,
}

impl Assumed {
    fn push(&mut self, stream: &str, version: u64) {
        self.streams.push(stream.to_string());
        self.versions.push(to_db(version));
    }
}

/// What one group has staged so far: later appends see earlier ones.
struct Group {
    /// The head the group was staged on.
    start: Head,
    head: Head,
    last_recorded_at: Timestamp,
    versions: HashMap<String, u64>,
    idempotency: HashMap<String, (Hash256, AppendOutcome)>,
    taken_ids: HashSet<Uuid>,
    rows: EventRows,
    new_keys: IdempotencyRows,
    /// The Merkle tree's right edge: at `start` while staging, after the group once written
    /// (`tree.rs`).
    tree: Frontier,
}

#[derive(Default)]
struct EventRows {
    positions: Vec<i64>,
    ids: Vec<Uuid>,
    streams: Vec<String>,
    versions: Vec<i64>,
    types: Vec<String>,
    records: Vec<Vec<u8>>,
}

#[derive(Default)]
struct IdempotencyRows {
    keys: Vec<String>,
    fingerprints: Vec<Vec<u8>>,
    first_positions: Vec<i64>,
    last_positions: Vec<i64>,
    versions: Vec<i64>,
    head_hashes: Vec<Vec<u8>>,
}

/// A group's answers, and the group when it was committed (or read under the head lock with
/// nothing to write): what the node then knows.
type GroupResult = (Option<Group>, Vec<Result<AppendOutcome, StoreError>>);

fn answer_all(jobs: Vec<Job>, error: &StoreError) {
    let message = error.to_string();
    for job in jobs {
        let _ = job.reply.send(Err(StoreError::Storage(message.clone())));
    }
}

/// The one-round-trip path: the staged group written by one statement in a transaction of
/// its own, gated on the head and the assumed versions. `Ok(false)`: refused, nothing written
/// (another node appended, or an assumed version, event id or idempotency key was not as
/// staged): the two-round-trip path then decides each append.
async fn write_fast(
    connection: &mut Connection,
    fast: &mut FastGroup,
) -> Result<bool, GroupFailed> {
    match write_group(connection, &mut fast.group, &fast.assumed).await {
        Ok(written) => Ok(written),
        Err(error) if error.code() == Some(&SqlState::UNIQUE_VIOLATION) => Ok(false),
        Err(error) if error.as_db_error().is_some() => Err(GroupFailed::BeforeCommit(error)),
        // The connection failed with the statement in flight: it may have committed.
        Err(error) => Err(GroupFailed::AtCommit(error)),
    }
}

/// Runs `WRITE_GROUP` for a staged group: whether it was written (the gate passed); if so,
/// the group's tree is its frontier after the group.
async fn write_group(
    connection: &Connection,
    group: &mut Group,
    assumed: &Assumed,
) -> Result<bool, tokio_postgres::Error> {
    let rows = &group.rows;
    let keyed = &group.new_keys;
    let head = group.head;
    let position = to_db(head.position);
    let hash = &head.hash.0[..];
    let recorded_at = group.last_recorded_at.unix_micros();
    let notified = head.position.to_string();
    let start_position = to_db(group.start.position);
    let start_hash = &group.start.hash.0[..];
    let tree = GroupTree::extend(&group.tree, &rows.records);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 23] = [
        &rows.positions,
        &rows.ids,
        &rows.streams,
        &rows.versions,
        &rows.types,
        &rows.records,
        &keyed.keys,
        &keyed.fingerprints,
        &keyed.first_positions,
        &keyed.last_positions,
        &keyed.versions,
        &keyed.head_hashes,
        &position,
        &hash,
        &recorded_at,
        &notified,
        &tree.rows.firsts,
        &tree.rows.hashes,
        &tree.frontier_bytes,
        &start_position,
        &start_hash,
        &assumed.streams,
        &assumed.versions,
    ];
    let written = connection
        .client
        .query(connection.statement(sql::WRITE_GROUP), &params)
        .await?;
    if written.len() != 1 {
        return Ok(false);
    }
    group.tree = tree.frontier;
    Ok(true)
}

/// The two-round-trip path: `BEGIN`, the head row locked and what the group's checks need
/// read (pipelined: the server runs the reads once the lock is granted, each with a fresh
/// snapshot, so they see every commit before it); staged in memory; then the writes in one
/// statement and `COMMIT` (pipelined).
async fn commit_group(
    connection: &mut Connection,
    jobs: &[Job],
) -> Result<GroupResult, GroupFailed> {
    let client = &connection.client;
    let keys: Vec<&str> = jobs
        .iter()
        .filter_map(|job| job.request.idempotency.as_ref())
        .map(|idempotency| idempotency.key.as_str())
        .collect();
    let streams: Vec<&str> = jobs.iter().map(|job| job.request.stream.as_str()).collect();
    let ids: Vec<Uuid> = jobs
        .iter()
        .flat_map(|job| job.request.events.iter().map(|event| event.event_id))
        .collect();
    let (_, head_row, key_rows, version_rows, id_rows) = try_join5(
        client.batch_execute("BEGIN"),
        client.query_one(connection.statement(sql::HEAD_FOR_UPDATE), &[]),
        client.query(connection.statement(sql::FIND_IDEMPOTENT), &[&keys]),
        client.query(connection.statement(sql::STREAM_VERSIONS), &[&streams]),
        client.query(connection.statement(sql::EXISTING_IDS), &[&ids]),
    )
    .await
    .map_err(GroupFailed::BeforeCommit)?;
    let mut group = match Group::read(&head_row, &key_rows, &version_rows, &id_rows) {
        Ok(group) => group,
        Err(error) => {
            // Damaged stored state: answer every append with it, append nothing.
            client
                .batch_execute("ROLLBACK")
                .await
                .map_err(GroupFailed::BeforeCommit)?;
            let message = error.to_string();
            let results = jobs
                .iter()
                .map(|_| Err(StoreError::Storage(message.clone())))
                .collect();
            return Ok((None, results));
        }
    };
    let results: Vec<_> = jobs.iter().map(|job| group.stage(job)).collect();
    if group.rows.positions.is_empty() {
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(GroupFailed::BeforeCommit)?;
        // Only replays and refusals: nothing to write, but the head read under the lock is
        // published, so this node can read every position a replay answered with.
        return Ok((Some(group), results));
    }
    // The head is locked: the gate (checked against the locked head, no assumed versions)
    // passes.
    let locked = Assumed::default();
    let write = write_group(connection, &mut group, &locked);
    match join(write, client.batch_execute("COMMIT")).await {
        (Ok(true), Ok(())) => Ok((Some(group), results)),
        (Ok(false), Ok(())) => {
            let message = "the ledger's head moved while this node held its lock; nothing was \
                           appended, retry";
            let results = jobs
                .iter()
                .map(|_| Err(StoreError::Storage(message.into())))
                .collect();
            Ok((None, results))
        }
        // The server refused the write (the `COMMIT` after it then rolled back) or the commit
        // itself: nothing was stored.
        (Err(error), _) | (Ok(_), Err(error)) if error.as_db_error().is_some() => {
            Err(GroupFailed::BeforeCommit(error))
        }
        // The connection failed with both in flight: the commit may have happened.
        (Err(error), _) | (Ok(_), Err(error)) => Err(GroupFailed::AtCommit(error)),
    }
}

impl Group {
    fn read(
        head_row: &tokio_postgres::Row,
        key_rows: &[tokio_postgres::Row],
        version_rows: &[tokio_postgres::Row],
        id_rows: &[tokio_postgres::Row],
    ) -> Result<Group, StoreError> {
        let head = Head {
            position: from_db_u64(head_row.try_get(0)?)?,
            hash: hash_from_db(head_row.try_get(1)?)?,
        };
        let mut idempotency = HashMap::with_capacity(key_rows.len());
        for row in key_rows {
            let key: String = row.try_get(0)?;
            idempotency.insert(key, super::idempotency_from_row(row, 1)?);
        }
        let mut versions = HashMap::with_capacity(version_rows.len());
        for row in version_rows {
            versions.insert(row.try_get::<_, String>(0)?, from_db_u64(row.try_get(1)?)?);
        }
        let mut taken_ids = HashSet::with_capacity(id_rows.len());
        for row in id_rows {
            taken_ids.insert(row.try_get::<_, Uuid>(0)?);
        }
        let mut group = Group::new(
            head,
            Timestamp::from_unix_micros(head_row.try_get(2)?),
            tree::frontier_at_head(head_row, head.position)?,
            versions,
        );
        group.idempotency = idempotency;
        group.taken_ids = taken_ids;
        Ok(group)
    }

    fn new(
        head: Head,
        last_recorded_at: Timestamp,
        tree: Frontier,
        versions: HashMap<String, u64>,
    ) -> Group {
        Group {
            start: head,
            head,
            last_recorded_at,
            tree,
            versions,
            idempotency: HashMap::new(),
            taken_ids: HashSet::new(),
            rows: EventRows::default(),
            new_keys: IdempotencyRows::default(),
        }
    }

    /// Stages one append, or rejects it leaving the group untouched (as the sled writer does).
    fn stage(&mut self, job: &Job) -> Result<AppendOutcome, StoreError> {
        let request = &job.request;
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, &job.fingerprint) {
            let key = idempotency.key.as_str();
            if let Some((stored_fingerprint, outcome)) = self.idempotency.get(key) {
                return if stored_fingerprint == fingerprint {
                    Ok(AppendOutcome {
                        replayed: true,
                        ..*outcome
                    })
                } else {
                    Err(StoreError::IdempotencyConflict {
                        key: key.to_string(),
                    })
                };
            }
        }
        let current_version = self
            .versions
            .get(request.stream.as_str())
            .copied()
            .unwrap_or(0);
        if !request.expected.admits(current_version) {
            return Err(StoreError::WrongExpectedVersion {
                stream: request.stream.to_string(),
                expected: request.expected,
                actual: current_version,
            });
        }
        if let Some(taken) = request
            .events
            .iter()
            .find(|event| self.taken_ids.contains(&event.event_id))
        {
            return Err(StoreError::DuplicateEventId {
                event_id: taken.event_id,
            });
        }
        // Sealed before touching the group, so a failure leaves it untouched.
        let sealed = seal_append(request, self.head, self.last_recorded_at, current_version)?;
        let outcome = sealed.outcome;
        for (event, (position, version, record)) in request.events.iter().zip(sealed.records) {
            self.rows.positions.push(to_db(position));
            self.rows.ids.push(event.event_id);
            self.rows.streams.push(request.stream.as_str().to_string());
            self.rows.versions.push(to_db(version));
            self.rows.types.push(event.event_type.as_str().to_string());
            self.rows.records.push(record);
            self.taken_ids.insert(event.event_id);
        }
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, &job.fingerprint) {
            let key = idempotency.key.as_str().to_string();
            let keyed = &mut self.new_keys;
            keyed.keys.push(key.clone());
            keyed.fingerprints.push(fingerprint.0.to_vec());
            keyed.first_positions.push(to_db(outcome.first_position));
            keyed.last_positions.push(to_db(outcome.last_position));
            keyed.versions.push(to_db(outcome.stream_version));
            keyed.head_hashes.push(outcome.head_hash.0.to_vec());
            self.idempotency.insert(key, (*fingerprint, outcome));
        }
        self.head = sealed.head;
        self.last_recorded_at = sealed.recorded_at;
        self.versions
            .insert(request.stream.as_str().to_string(), outcome.stream_version);
        Ok(outcome)
    }
}

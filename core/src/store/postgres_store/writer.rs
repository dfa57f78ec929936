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
use uuid::Uuid;

use crate::codec::{self, Placement};
use crate::error::StoreError;
use crate::hash::Hash256;
use crate::limits::GROUP_COMMIT_APPENDS_MAX;
use crate::store::postgres_store::connection::{Connection, sql};
use crate::store::postgres_store::tree::{self, GroupTree};
use crate::store::postgres_store::{from_db_u64, hash_from_db, publish, to_db};
use crate::store::{AppendOutcome, AppendRequest, Head};
use crate::time::Timestamp;

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
}

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

    async fn connect(&mut self) -> Result<&mut Connection, StoreError> {
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
        self.connection.as_mut().ok_or(StoreError::Unavailable)
    }

    async fn commit(&mut self, jobs: Vec<Job>) {
        let head_tx = Arc::clone(&self.head_tx);
        let connection = match self.connect().await {
            Ok(connection) => connection,
            Err(error) => {
                let message = error.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::Storage(message.clone())));
                }
                return;
            }
        };
        match commit_group(connection, &jobs).await {
            Ok((head, results)) => {
                if let Some(head) = head {
                    publish(&head_tx, head);
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
                // The connection's state is unknown: the next group reconnects.
                self.connection = None;
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::Storage(message.clone())));
                }
            }
        }
    }
}

/// What one group has staged so far: later appends see earlier ones.
struct Group {
    head: Head,
    last_recorded_at: Timestamp,
    versions: HashMap<String, u64>,
    idempotency: HashMap<String, (Hash256, AppendOutcome)>,
    taken_ids: HashSet<Uuid>,
    rows: EventRows,
    new_keys: IdempotencyRows,
    /// The Merkle tree's right edge at the head read (`tree.rs`).
    tree: crate::tlog::Frontier,
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

type GroupResult = (Option<Head>, Vec<Result<AppendOutcome, StoreError>>);

/// One transaction in two round trips: `BEGIN`, the head row locked and what the group's
/// checks need read (pipelined: the server runs the reads once the lock is granted, each
/// with a fresh snapshot, so they see every commit before it); staged in memory; then the
/// writes in one statement and `COMMIT` (pipelined).
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
        return Ok((None, results));
    }
    let rows = &group.rows;
    let keyed = &group.new_keys;
    let head = group.head;
    let position = to_db(head.position);
    let hash = &head.hash.0[..];
    let recorded_at = group.last_recorded_at.unix_micros();
    let notified = head.position.to_string();
    let tree = GroupTree::extend(&group.tree, &rows.records);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 19] = [
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
        &tree.frontier,
    ];
    let write = client.execute(connection.statement(sql::WRITE_GROUP), &params);
    match join(write, client.batch_execute("COMMIT")).await {
        (Ok(_), Ok(())) => Ok((Some(head), results)),
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
        Ok(Group {
            head,
            last_recorded_at: Timestamp::from_unix_micros(head_row.try_get(2)?),
            versions,
            idempotency,
            taken_ids,
            rows: EventRows::default(),
            new_keys: IdempotencyRows::default(),
            tree: tree::frontier_at_head(head_row, head.position)?,
        })
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
        // Seal everything before touching the group, so a failure leaves it untouched.
        let mut head = self.head;
        let mut recorded_at = self.last_recorded_at.max(Timestamp::now());
        let mut version = current_version;
        let mut sealed_records = Vec::with_capacity(request.events.len());
        for event in &request.events {
            version += 1;
            recorded_at = recorded_at.max(Timestamp::now());
            let placement = Placement {
                position: head.position + 1,
                stream_id: &request.stream,
                stream_version: version,
                recorded_at,
                prev_hash: head.hash,
            };
            let sealed = codec::seal_tile_entry(event, &placement)?;
            sealed_records.push((placement.position, version, sealed.value));
            head = Head {
                position: placement.position,
                hash: sealed.hash,
            };
        }
        let outcome = AppendOutcome {
            first_position: self.head.position + 1,
            last_position: head.position,
            stream_version: version,
            head_hash: head.hash,
            replayed: false,
        };
        for (event, (position, version, record)) in request.events.iter().zip(sealed_records) {
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
        self.head = head;
        self.last_recorded_at = recorded_at;
        self.versions
            .insert(request.stream.as_str().to_string(), version);
        Ok(outcome)
    }
}

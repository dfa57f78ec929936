//! The single writer and its group commit.
//!
//! Every append goes through one thread, which is what makes positions gap-free without
//! locks: it drains whatever appends are queued (up to `GROUP_COMMIT_APPENDS_MAX`), checks
//! each against the stream versions and idempotency keys (stored, or staged earlier in the
//! same group), assigns positions, seals the records into the chain, writes the whole group
//! with one atomic `apply_batch`, flushes once, and only then publishes the new head and
//! answers the callers. Appends that arrive during a flush form the next group, so the
//! flush cost is shared and throughput grows with the number of writers.
//!
//! A failed write or flush leaves the on-disk state uncertain, so the writer answers every
//! caller with the error and stops; the store refuses appends until it is reopened (the open
//! check then verifies what reached the disk).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;

use tokio::sync::{oneshot, watch};

use crate::codec::{self, Placement};
use crate::error::StoreError;
use crate::event::StreamId;
use crate::hash::Hash256;
use crate::limits::GROUP_COMMIT_APPENDS_MAX;
use crate::store::sled_store::keys;
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

pub(super) struct Writer {
    pub(super) db: sled::Db,
    pub(super) tree: sled::Tree,
    pub(super) head_tx: Arc<watch::Sender<Head>>,
    pub(super) failed: Arc<AtomicBool>,
    pub(super) head: Head,
    pub(super) last_recorded_at: Timestamp,
}

/// One group being staged: the batch plus what it changes, so later appends in the same
/// group see earlier ones.
struct Group {
    batch: sled::Batch,
    head: Head,
    last_recorded_at: Timestamp,
    stream_versions: HashMap<StreamId, u64>,
    idempotency: HashMap<String, (Hash256, AppendOutcome)>,
    /// Event ids staged earlier in this group (they live only in the batch until it commits).
    event_ids: HashSet<uuid::Uuid>,
    answers: Vec<(Reply, AppendOutcome)>,
    staged_events: usize,
}

impl Writer {
    pub(super) fn run(mut self, queue: Receiver<Job>) {
        while let Ok(first) = queue.recv() {
            let mut jobs = Vec::with_capacity(64);
            jobs.push(first);
            while jobs.len() < GROUP_COMMIT_APPENDS_MAX {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            if let Err(error) = self.commit_group(jobs) {
                tracing::error!(%error, "ledger write failed; refusing further appends");
                self.failed.store(true, Ordering::SeqCst);
                for job in queue.try_iter() {
                    let _ = job.reply.send(Err(StoreError::Unavailable));
                }
                return;
            }
        }
    }

    fn commit_group(&mut self, jobs: Vec<Job>) -> Result<(), StoreError> {
        let mut group = Group {
            batch: sled::Batch::default(),
            head: self.head,
            last_recorded_at: self.last_recorded_at,
            stream_versions: HashMap::new(),
            idempotency: HashMap::new(),
            event_ids: HashSet::new(),
            answers: Vec::with_capacity(jobs.len()),
            staged_events: 0,
        };
        for job in jobs {
            match self.stage(&mut group, &job) {
                Ok(outcome) => group.answers.push((job.reply, outcome)),
                Err(error) => {
                    let _ = job.reply.send(Err(error));
                }
            }
        }
        if group.staged_events > 0 {
            group
                .batch
                .insert(keys::META_HEAD, &keys::encode_head(group.head)[..]);
            let written = self
                .tree
                .apply_batch(group.batch)
                .and_then(|()| self.db.flush());
            if let Err(error) = written {
                let error = StoreError::from(error);
                for (reply, _) in group.answers {
                    let _ = reply.send(Err(StoreError::Storage(error.to_string())));
                }
                return Err(error);
            }
            self.head = group.head;
            self.last_recorded_at = group.last_recorded_at;
            self.head_tx.send_replace(self.head);
        }
        for (reply, outcome) in group.answers {
            let _ = reply.send(Ok(outcome));
        }
        Ok(())
    }

    /// Stages one append into the group, or rejects it leaving the group untouched.
    fn stage(&self, group: &mut Group, job: &Job) -> Result<AppendOutcome, StoreError> {
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
        for event in &request.events {
            if group.event_ids.contains(&event.event_id)
                || self.tree.contains_key(keys::event_id(&event.event_id))?
            {
                return Err(StoreError::DuplicateEventId {
                    event_id: event.event_id,
                });
            }
        }

        // Seal everything before touching the group, so a failure leaves it untouched.
        let mut head = group.head;
        let mut recorded_at = group.last_recorded_at.max(Timestamp::now());
        let mut entries = Vec::with_capacity(request.events.len() * 4 + 2);
        let mut version = current_version;
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
            let sealed = codec::seal_record(event, &placement)?;
            let position_bytes = placement.position.to_be_bytes().to_vec();
            entries.push((keys::event(placement.position).to_vec(), sealed.value));
            entries.push((
                keys::stream_version(&request.stream, version),
                position_bytes.clone(),
            ));
            entries.push((
                keys::event_type(&event.event_type, placement.position),
                Vec::new(),
            ));
            entries.push((keys::event_id(&event.event_id).to_vec(), position_bytes));
            head = Head {
                position: placement.position,
                hash: sealed.hash,
            };
        }
        entries.push((
            keys::stream(&request.stream),
            version.to_be_bytes().to_vec(),
        ));
        let outcome = AppendOutcome {
            first_position: group.head.position + 1,
            last_position: head.position,
            stream_version: version,
            head_hash: head.hash,
            replayed: false,
        };
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, &job.fingerprint) {
            let key = idempotency.key.as_str();
            entries.push((
                keys::idempotency(key),
                keys::encode_idempotency(fingerprint, &outcome).to_vec(),
            ));
            group
                .idempotency
                .insert(key.to_string(), (*fingerprint, outcome));
        }
        for (key, value) in entries {
            group.batch.insert(key, value);
        }
        group
            .event_ids
            .extend(request.events.iter().map(|event| event.event_id));
        group.staged_events += request.events.len();
        group.head = head;
        group.last_recorded_at = recorded_at;
        group
            .stream_versions
            .insert(request.stream.clone(), version);
        Ok(outcome)
    }

    fn stored_stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        Ok(self
            .tree
            .get(keys::stream(stream))?
            .and_then(|v| keys::trailing_u64(&v))
            .unwrap_or(0))
    }
}

//! Shared test fixtures: a real `SledStore` in a temp dir, synthetic events, and a small
//! projection that notices an event applied twice or out of order.

#![allow(dead_code, unreachable_pub)]

pub mod domain;
pub mod scenario;

use std::sync::Arc;
use std::time::Duration;

use govledger_core::event::{Actor, EventType, NewEvent, RecordedEvent, StreamId};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use govledger_projections::error::ApplyError;
use govledger_projections::projection::{ProjectedEvent, Projection};
use govledger_projections::runner::{
    BUILD_COMMIT_KEYS_MIN, BUILD_PIECE_KEYS_SUGGESTED, ProjectionRunner, ReadModelWrites,
    RunnerOptions,
};
use uuid::Uuid;

/// The payload value that `Tally` refuses.
pub const POISON: u8 = 0xFF;
pub const WAIT: Duration = Duration::from_secs(20);

/// A decoded test event: the first payload byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestEvent {
    pub value: u8,
}

pub fn decode(recorded: &RecordedEvent) -> Result<TestEvent, ApplyError> {
    match recorded.payload.first() {
        Some(value) => Ok(TestEvent { value: *value }),
        None => Err(ApplyError::Undecodable("empty payload".into())),
    }
}

/// Counts events per stream and sums values per value, and checks that positions only grow.
pub struct Tally {
    pub name: &'static str,
    pub version: u32,
}

impl Projection<TestEvent> for Tally {
    fn name(&self) -> &'static str {
        self.name
    }

    fn version(&self) -> u32 {
        self.version
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, TestEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        if event.event.value == POISON {
            return Err(ApplyError::Inconsistent("poisoned payload".into()));
        }
        let last: u64 = writes.get_record(b"last")?.unwrap_or(0);
        if event.recorded.position != last + 1 {
            return Err(ApplyError::Inconsistent(format!(
                "position {} after {last}",
                event.recorded.position
            )));
        }
        writes.put_record(b"last".to_vec(), &event.recorded.position)?;
        let stream_key = [
            b"s".as_slice(),
            event.recorded.stream_id.as_str().as_bytes(),
        ]
        .concat();
        let count: u64 = writes.get_record(&stream_key)?.unwrap_or(0);
        writes.put_record(stream_key, &(count + 1))?;
        let value_key = vec![b'v', event.event.value];
        let sum: u64 = writes.get_record(&value_key)?.unwrap_or(0);
        writes.put_record(value_key, &(sum + u64::from(event.event.value)))?;
        Ok(())
    }
}

pub fn tally(name: &'static str) -> Arc<dyn Projection<TestEvent>> {
    Arc::new(Tally { name, version: 1 })
}

/// Fields drop in declaration order: the store closes before its directory is deleted.
pub struct Ledger {
    pub store: Arc<dyn EventStore>,
    pub dir: tempfile::TempDir,
}

impl Ledger {
    pub fn new() -> Ledger {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SledStore::open(dir.path().join("ledger")).expect("open store");
        Ledger {
            dir,
            store: Arc::new(store),
        }
    }

    pub fn projections_path(&self) -> std::path::PathBuf {
        self.dir.path().join("projections")
    }

    /// Appends one event per value, round-robin over `streams` streams; returns the head.
    /// Call from a multi-threaded tokio runtime (or outside one).
    pub fn append_values(&self, values: &[u8], streams: usize) -> u64 {
        match tokio::runtime::Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| self.append_blocking(values, streams)),
            Err(_) => self.append_blocking(values, streams),
        }
    }

    fn append_blocking(&self, values: &[u8], streams: usize) -> u64 {
        let start = self.store.head().position as usize;
        let mut head = start as u64;
        for (i, value) in values.iter().enumerate() {
            let stream = StreamId::new(format!("case-{}", (start + i) % streams)).unwrap();
            let outcome = self
                .store
                .append(AppendRequest {
                    stream,
                    expected: ExpectedVersion::Any,
                    events: vec![new_event(*value)],
                    idempotency: None,
                })
                .expect("append");
            head = outcome.last_position;
        }
        head
    }

    pub fn open_runner(
        &self,
        projections: Vec<Arc<dyn Projection<TestEvent>>>,
        batch_events_max: usize,
    ) -> ProjectionRunner<TestEvent> {
        let mut options = RunnerOptions::new(self.projections_path());
        options.batch_events_max = batch_events_max;
        options.build_batch_events_max = batch_events_max;
        options.build_commit_keys_min = commit_keys_min_for(batch_events_max);
        options.build_piece_keys_max = piece_keys_max_for(batch_events_max);
        options.build_piece_pause_us = 0;
        let runner = ProjectionRunner::open(options, Arc::clone(&self.store), decode, projections)
            .expect("open runner");
        runner.start().expect("start runner");
        runner
    }
}

/// How many changed keys a building lane gathers before it commits, varied with the batch size
/// so property tests cover commits of every batch, of a few batches and of the default.
pub fn commit_keys_min_for(batch_events_max: usize) -> usize {
    [0, 3, BUILD_COMMIT_KEYS_MIN][batch_events_max % 3]
}

/// How many keys one `apply_batch` of a building lane writes, varied with the batch size so
/// property tests cover commits in pieces of one and two keys, and in one piece.
pub fn piece_keys_max_for(batch_events_max: usize) -> usize {
    [1, 2, 0, BUILD_PIECE_KEYS_SUGGESTED][(batch_events_max / 3) % 4]
}

/// A two-thread runtime, as the 2-core machine has, for tests that drive the runner.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

pub fn new_event(value: u8) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: EventType::new("ValueRecorded").unwrap(),
        schema_version: 1,
        occurred_at: Timestamp::from_civil(2021, 3, 1).unwrap(),
        actor: Actor {
            account_id: Uuid::nil(),
            role: "station_clerk".into(),
            organisation_id: None,
        },
        correlation_id: Uuid::nil(),
        causation_id: None,
        payload: vec![value],
    }
}

/// What a tally read model should hold after `values` spread over `streams` streams.
pub fn expected_tally(values: &[u8], streams: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    use std::collections::BTreeMap;
    let encode = |n: u64| govledger_core::codec::encode_payload(&n).unwrap();
    let mut expect = BTreeMap::new();
    let mut per_stream: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_value: BTreeMap<u8, u64> = BTreeMap::new();
    for (i, value) in values.iter().enumerate() {
        *per_stream
            .entry(format!("case-{}", i % streams))
            .or_default() += 1;
        *per_value.entry(*value).or_default() += u64::from(*value);
    }
    if !values.is_empty() {
        expect.insert(b"last".to_vec(), encode(values.len() as u64));
    }
    for (stream, count) in per_stream {
        expect.insert([b"s".as_slice(), stream.as_bytes()].concat(), encode(count));
    }
    for (value, sum) in per_value {
        expect.insert(vec![b'v', value], encode(sum));
    }
    expect.into_iter().collect()
}

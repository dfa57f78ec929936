//! The `EventStore` trait: the only way anything above the store touches the ledger.
//!
//! Backends (sled, and PostgreSQL for several nodes on one log) implement it and must pass the conformance suite in
//! `tests/` (`govledger_tests::conformance`). The contract:
//! - `append` is all-or-nothing and returns only once its events are durable.
//! - Positions start at 1 and are gap-free in commit order; stream versions likewise per stream.
//! - Readers only ever see durable events: reads are bounded by the published head.

mod chain_check;
pub mod postgres_store;
mod seal;
pub mod sled_store;
mod subscription;
mod transparency_log;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use tokio::sync::{oneshot, watch};
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{EventType, IdempotencyKey, NewEvent, RecordedEvent, StreamId};
use crate::hash::Hash256;

pub use chain_check::{ChainCheck, Damage};
pub use subscription::Subscription;
pub use transparency_log::TransparencyLog;

/// What the writer expects the stream's version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the stream's version.
    Any,
    /// The stream must not exist yet (version 0).
    NoStream,
    /// The stream must be at exactly this version (`Exact(0)` means the same as `NoStream`).
    Exact(u64),
}

impl ExpectedVersion {
    pub fn admits(self, current_version: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => current_version == 0,
            ExpectedVersion::Exact(version) => current_version == version,
        }
    }
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any version"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(version) => write!(f, "version {version}"),
        }
    }
}

/// Makes an append safe to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub key: IdempotencyKey,
    /// What "the same content" means. `None`: the store fingerprints the append itself
    /// (`codec::append_fingerprint`); a command layer may pass a fingerprint of the command
    /// input instead, so a retry that regenerates ids still matches.
    pub fingerprint: Option<Hash256>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRequest {
    pub stream: StreamId,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub idempotency: Option<Idempotency>,
}

/// The result of a durable append (or of its idempotent replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    pub first_position: u64,
    pub last_position: u64,
    /// The stream's version after the append.
    pub stream_version: u64,
    /// The hash of the append's last event.
    pub head_hash: Hash256,
    /// Whether this is the stored result of an earlier append with the same idempotency key.
    pub replayed: bool,
}

/// The newest durable event: position 0 with the genesis hash for an empty ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub position: u64,
    pub hash: Hash256,
}

impl Head {
    pub const EMPTY: Head = Head {
        position: 0,
        hash: Hash256::GENESIS,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forwards,
    Backwards,
}

/// Which events a log read returns. Empty lists match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Any of these types.
    pub event_types: Vec<EventType>,
    /// Streams whose id starts with this.
    pub stream_prefix: Option<String>,
}

impl LogFilter {
    pub fn matches(&self, event: &RecordedEvent) -> bool {
        (self.event_types.is_empty() || self.event_types.contains(&event.event_type))
            && self
                .stream_prefix
                .as_deref()
                .is_none_or(|prefix| event.stream_id.as_str().starts_with(prefix))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    /// First position examined (inclusive). Forwards, 0 reads from 1; backwards,
    /// `u64::MAX` reads from the head.
    pub start: u64,
    pub direction: Direction,
    pub filter: LogFilter,
    /// 1..=`READ_PAGE_EVENTS_MAX`.
    pub limit: usize,
}

impl LogQuery {
    /// The positions a page may examine with `head` the last readable one, as `(start, low,
    /// high)`: the first position examined, and the inclusive range; nothing when `low > high`.
    pub fn bounds(&self, head: u64) -> (u64, u64, u64) {
        match self.direction {
            Direction::Forwards => {
                let start = self.start.max(1);
                (start, start, head)
            }
            Direction::Backwards => {
                let start = self.start.min(head);
                (start, 1, start)
            }
        }
    }

    pub fn forwards(start: u64, limit: usize) -> LogQuery {
        LogQuery {
            start,
            direction: Direction::Forwards,
            filter: LogFilter::default(),
            limit,
        }
    }

    pub fn backwards(start: u64, limit: usize) -> LogQuery {
        LogQuery {
            start,
            direction: Direction::Backwards,
            filter: LogFilter::default(),
            limit,
        }
    }
}

/// One page of a log read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub events: Vec<RecordedEvent>,
    /// Where the next page starts. Forwards it is one past the last position examined (a
    /// filtered read may stop early, after `READ_SCAN_RECORDS_MAX` records); backwards it is
    /// one before (0 once position 1 was examined).
    pub next_start: u64,
    /// Whether the read reached the end of the log in its direction (the head at the time of
    /// the read, or position 1).
    pub reached_end: bool,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub head: Head,
    pub events_checked: u64,
    /// The first damaged position, if any; everything before it verified.
    pub first_damage: Option<Damage>,
}

/// An append on its way to disk: wait for it (`wait`) or `.await` it.
pub struct PendingAppend(PendingState);

enum PendingState {
    Ready(Result<AppendOutcome, StoreError>),
    Waiting(oneshot::Receiver<Result<AppendOutcome, StoreError>>),
}

impl PendingAppend {
    pub fn ready(result: Result<AppendOutcome, StoreError>) -> PendingAppend {
        PendingAppend(PendingState::Ready(result))
    }

    pub fn waiting(
        receiver: oneshot::Receiver<Result<AppendOutcome, StoreError>>,
    ) -> PendingAppend {
        PendingAppend(PendingState::Waiting(receiver))
    }

    /// Blocks the thread until the append is durable or failed. Not for async contexts:
    /// `.await` the `PendingAppend` there.
    pub fn wait(self) -> Result<AppendOutcome, StoreError> {
        match self.0 {
            PendingState::Ready(result) => result,
            PendingState::Waiting(receiver) => receiver
                .blocking_recv()
                .unwrap_or(Err(StoreError::Unavailable)),
        }
    }
}

impl IntoFuture for PendingAppend {
    type Output = Result<AppendOutcome, StoreError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.0 {
                PendingState::Ready(result) => result,
                PendingState::Waiting(receiver) => {
                    receiver.await.unwrap_or(Err(StoreError::Unavailable))
                }
            }
        })
    }
}

/// An append-only, hash-chained event log.
pub trait EventStore: Send + Sync + 'static {
    /// Validates and queues an append; the returned `PendingAppend` resolves once it is
    /// durable. Invalid requests fail here or in the pending result, and append nothing.
    fn submit(&self, request: AppendRequest) -> PendingAppend;

    /// Appends and blocks until durable. In async code, `store.submit(request).await`.
    fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.submit(request).wait()
    }

    /// Events of one stream with version >= `from_version` (versions start at 1).
    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// A page of the whole log in either direction, optionally filtered.
    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError>;

    /// The event at one position, if it is durable.
    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError>;

    /// The position of an event by its id, if it is durable.
    fn position_of_event(&self, event_id: Uuid) -> Result<Option<u64>, StoreError>;

    /// The stream's current version; 0 when it has no events.
    fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError>;

    /// The fingerprint and outcome stored under an idempotency key.
    fn find_idempotent(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError>;

    /// The newest durable event.
    fn head(&self) -> Head;

    /// Follows the head; changes after each durable group commit.
    fn watch_head(&self) -> watch::Receiver<Head>;

    /// Walks the whole chain: every hash, position and stream version.
    fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// How long the step that makes appends durable (sled: the writer's flush) has been
    /// running, if one is; `None` when none runs or the backend cannot tell. A flush that
    /// never returns leaves appends unanswered (docs/operations.md, "Known issues"), so
    /// `/readyz` reports a node whose flush has run too long.
    fn durability_wait(&self) -> Option<std::time::Duration> {
        None
    }
}

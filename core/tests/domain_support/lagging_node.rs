//! Nodes of a shared ledger that see the newest appends late, as a PostgreSQL node does
//! before its head listener moves. `LaggingNode`: its head and its reads of the log stop at
//! `visible_through`, while idempotency keys are answered as the database holds them.
//! `LateKeyNode`: its first idempotency-key lookups miss what lies beyond `visible_through`
//! (they ran before the head moved), everything after them is current.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use govledger_core::error::StoreError;
use govledger_core::event::{IdempotencyKey, RecordedEvent, StreamId};
use govledger_core::hash::Hash256;
use govledger_core::store::{
    AppendOutcome, AppendRequest, EventStore, Head, LogPage, LogQuery, PendingAppend, VerifyReport,
};
use tokio::sync::watch;
use uuid::Uuid;

pub struct LaggingNode {
    pub inner: Arc<dyn EventStore>,
    pub visible_through: u64,
}

impl EventStore for LaggingNode {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        self.inner.submit(request)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut events = self.inner.read_stream(stream, from_version, limit)?;
        events.retain(|event| event.position <= self.visible_through);
        Ok(events)
    }

    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        self.inner.read_log(query)
    }

    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
        if position > self.visible_through {
            return Ok(None);
        }
        self.inner.read_event(position)
    }

    fn position_of_event(&self, event_id: Uuid) -> Result<Option<u64>, StoreError> {
        self.inner.position_of_event(event_id)
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        self.inner.stream_version(stream)
    }

    fn find_idempotent(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
        self.inner.find_idempotent(key)
    }

    fn head(&self) -> Head {
        let hash = self
            .inner
            .read_event(self.visible_through)
            .ok()
            .flatten()
            .map_or(Head::EMPTY.hash, |event| event.hash);
        Head {
            position: self.visible_through,
            hash,
        }
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        self.inner.watch_head()
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.inner.verify()
    }
}

pub struct LateKeyNode {
    pub inner: Arc<dyn EventStore>,
    pub visible_through: u64,
    /// Lookups still to answer as of `visible_through`.
    pub stale_key_lookups: AtomicU32,
}

impl EventStore for LateKeyNode {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        self.inner.submit(request)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.read_stream(stream, from_version, limit)
    }

    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        self.inner.read_log(query)
    }

    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
        self.inner.read_event(position)
    }

    fn position_of_event(&self, event_id: Uuid) -> Result<Option<u64>, StoreError> {
        self.inner.position_of_event(event_id)
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        self.inner.stream_version(stream)
    }

    fn find_idempotent(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
        let found = self.inner.find_idempotent(key)?;
        let stale = self
            .stale_key_lookups
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        Ok(found.filter(|(_, outcome)| !stale || outcome.last_position <= self.visible_through))
    }

    fn head(&self) -> Head {
        self.inner.head()
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        self.inner.watch_head()
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.inner.verify()
    }
}

//! A ledger that cannot answer reads for a while (a PostgreSQL ledger whose server restarts)
//! holds the live read models back without stopping them: the follower reads again from
//! where it failed, a projection that could not read an earlier event gets that event again,
//! and once the ledger answers they catch up with every event applied once, in order.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use govledger_core::error::StoreError;
use govledger_core::event::{IdempotencyKey, RecordedEvent, StreamId};
use govledger_core::hash::Hash256;
use govledger_core::store::{
    AppendOutcome, AppendRequest, EventStore, Head, LogPage, LogQuery, PendingAppend, VerifyReport,
};
use govledger_projections::error::ApplyError;
use govledger_projections::projection::{ProjectedEvent, Projection};
use govledger_projections::runner::{ProjectionRunner, ReadModelWrites};
use support::{Ledger, TestEvent, WAIT, expected_tally, tally};
use tokio::sync::watch;
use uuid::Uuid;

/// How the flaky ledger answers reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Reads {
    Answered = 0,
    Refused = 1,
    /// Every other read refused.
    Intermittent = 2,
}

/// A store whose reads fail with a storage error while it is told to; appends and the head
/// are the real store's.
struct FlakyLedger {
    inner: Arc<dyn EventStore>,
    /// Reads of the log and of streams (the follower's).
    reads: AtomicU8,
    /// Reads of single events (a projection looking up an earlier event).
    event_reads: AtomicU8,
    attempts: AtomicU64,
    refused: AtomicU64,
}

impl FlakyLedger {
    fn set(&self, reads: Reads) {
        self.reads.store(reads as u8, Ordering::SeqCst);
    }

    fn set_event_reads(&self, reads: Reads) {
        self.event_reads.store(reads as u8, Ordering::SeqCst);
    }

    fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    fn check(&self, reads: &AtomicU8) -> Result<(), StoreError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst);
        let refuse = match reads.load(Ordering::SeqCst) {
            1 => true,
            2 => attempt % 2 == 0,
            _ => false,
        };
        if refuse {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(StoreError::Storage(
                "the ledger database: connection closed".into(),
            ));
        }
        Ok(())
    }
}

impl EventStore for FlakyLedger {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        self.inner.submit(request)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.check(&self.reads)?;
        self.inner.read_stream(stream, from_version, limit)
    }

    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        self.check(&self.reads)?;
        self.inner.read_log(query)
    }

    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
        self.check(&self.event_reads)?;
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
        self.inner.head()
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        self.inner.watch_head()
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.inner.verify()
    }
}

/// The tally, after reading its event back from the ledger first (as the audit read model
/// reads a cause): a storage error there is `ApplyError::LedgerUnavailable`.
struct ReadingTally(Arc<dyn Projection<TestEvent>>);

impl Projection<TestEvent> for ReadingTally {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn version(&self) -> u32 {
        self.0.version()
    }

    fn apply(
        &self,
        event: ProjectedEvent<'_, TestEvent>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let read_back = event
            .ledger
            .read_event(event.recorded.position)
            .map_err(|error| ApplyError::LedgerUnavailable(error.to_string()))?;
        if read_back.map(|read| read.event_id) != Some(event.recorded.event_id) {
            return Err(ApplyError::Inconsistent(
                "the event reads back differently".into(),
            ));
        }
        self.0.apply(event, writes)
    }
}

fn flaky_ledger() -> (Ledger, Arc<FlakyLedger>) {
    let Ledger { store, dir } = Ledger::new();
    let flaky = Arc::new(FlakyLedger {
        inner: store,
        reads: AtomicU8::new(Reads::Answered as u8),
        event_reads: AtomicU8::new(Reads::Answered as u8),
        attempts: AtomicU64::new(0),
        refused: AtomicU64::new(0),
    });
    let ledger = Ledger {
        store: flaky.clone(),
        dir,
    };
    (ledger, flaky)
}

fn check_tallies(runner: &ProjectionRunner<TestEvent>, all: &[u8], streams: usize) {
    for name in ["a", "b"] {
        let got = runner
            .read_model(name)
            .expect("a read model")
            .entries()
            .expect("its entries");
        assert_eq!(got, expected_tally(all, streams), "read model {name}");
    }
}

fn values(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i % 200) as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ledger_that_cannot_answer_for_a_while_holds_the_read_models_back_without_stopping_them()
{
    const STREAMS: usize = 3;
    let (ledger, flaky) = flaky_ledger();
    let mut all = values(40);
    ledger.append_values(&all, STREAMS);
    let runner = ledger.open_runner(vec![tally("a"), tally("b")], 16);
    runner.wait_until(40, WAIT).await.expect("caught up");

    for reads in [Reads::Refused, Reads::Intermittent] {
        flaky.set(reads);
        let refused_before = flaky.refused();
        let more = values(60);
        let head = ledger.append_values(&more, STREAMS);
        all.extend(&more);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            flaky.refused() > refused_before,
            "{reads:?}: no read refused"
        );
        for status in runner.status() {
            assert_ne!(status.state.code(), "failed", "{reads:?}: {status:?}");
        }
        if reads == Reads::Refused {
            assert!(
                runner
                    .wait_until(head, Duration::from_millis(200))
                    .await
                    .is_err()
            );
        }
        flaky.set(Reads::Answered);
        runner
            .wait_until(head, WAIT)
            .await
            .unwrap_or_else(|error| panic!("{reads:?}: not caught up once answered: {error}"));
    }
    check_tallies(&runner, &all, STREAMS);
    runner.shutdown().await.expect("shutting down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projection_that_cannot_read_an_earlier_event_for_a_while_gets_it_again() {
    const STREAMS: usize = 4;
    let (ledger, flaky) = flaky_ledger();
    let mut all = values(30);
    ledger.append_values(&all, STREAMS);
    let runner = ledger.open_runner(vec![tally("a"), Arc::new(ReadingTally(tally("b")))], 16);
    runner.wait_until(30, WAIT).await.expect("caught up");

    for reads in [Reads::Refused, Reads::Intermittent] {
        flaky.set_event_reads(reads);
        let refused_before = flaky.refused();
        let more = values(50);
        let head = ledger.append_values(&more, STREAMS);
        all.extend(&more);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            flaky.refused() > refused_before,
            "{reads:?}: no read refused"
        );
        for status in runner.status() {
            assert_ne!(status.state.code(), "failed", "{reads:?}: {status:?}");
        }
        flaky.set_event_reads(Reads::Answered);
        runner
            .wait_until(head, WAIT)
            .await
            .unwrap_or_else(|error| panic!("{reads:?}: not caught up once answered: {error}"));
    }
    check_tallies(&runner, &all, STREAMS);
    runner.shutdown().await.expect("shutting down");
}

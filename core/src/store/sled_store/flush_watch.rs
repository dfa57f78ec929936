//! How long the flush that acknowledgements wait on has been running.
//!
//! sled 0.34 can wait for ever in a flush (docs/operations.md, "Known issues": a blob file it
//! cannot create, on a full disk for example, leaves a log buffer that is never written).
//! Appends are then never answered, though nothing acknowledged is lost. The store cannot
//! cancel such a flush, but it can say that one is stuck, so `/readyz` takes the node out of a
//! load balancer's rotation and an operator is told, instead of the node silently hanging.
//!
//! The writer's flushes never overlap (a lone commit flushes only when no group is in the
//! flusher's hands), so one slot is enough.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// When the running flush started, as milliseconds since `epoch` plus one (0: none runs).
#[derive(Debug)]
pub(super) struct FlushWatch {
    epoch: Instant,
    started_ms_plus_one: AtomicU64,
}

impl FlushWatch {
    pub(super) fn new() -> FlushWatch {
        FlushWatch {
            epoch: Instant::now(),
            started_ms_plus_one: AtomicU64::new(0),
        }
    }

    /// Runs `flush`, marked as running until it returns.
    pub(super) fn time<T>(&self, flush: impl FnOnce() -> T) -> T {
        let started_ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.started_ms_plus_one
            .store(started_ms + 1, Ordering::SeqCst);
        let result = flush();
        self.started_ms_plus_one.store(0, Ordering::SeqCst);
        result
    }

    /// How long the running flush has been running; `None` when none runs.
    pub(super) fn running_for(&self) -> Option<Duration> {
        match self.started_ms_plus_one.load(Ordering::SeqCst) {
            0 => None,
            started_ms_plus_one => {
                let started = Duration::from_millis(started_ms_plus_one - 1);
                Some(self.epoch.elapsed().saturating_sub(started))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::mpsc::channel;

    use super::*;

    /// Holds a flush open for `held_ms`, then checks what `running_for` said during and after.
    fn check(held_ms: u64, expect_at_least_ms: u64) {
        let watch = Arc::new(FlushWatch::new());
        assert_eq!(watch.running_for(), None, "before any flush");
        let (entered, wait_entered) = channel();
        let (release, hold) = channel::<()>();
        let flushing = Arc::clone(&watch);
        let flush = std::thread::spawn(move || {
            flushing.time(|| {
                entered.send(()).expect("the test waits");
                hold.recv().expect("the test releases");
                7
            })
        });
        wait_entered.recv().expect("the flush started");
        std::thread::sleep(Duration::from_millis(held_ms));
        let during = watch.running_for().expect("a flush runs");
        assert!(
            during >= Duration::from_millis(expect_at_least_ms),
            "held {held_ms} ms, running_for said {during:?}"
        );
        release.send(()).expect("the flush waits");
        assert_eq!(flush.join().expect("no panic"), 7, "the flush's own result");
        assert_eq!(watch.running_for(), None, "after the flush returned");
    }

    #[test]
    fn a_running_flush_reports_its_age_and_a_finished_one_nothing() {
        check(0, 0);
        check(50, 50);
        check(120, 120);
    }
}

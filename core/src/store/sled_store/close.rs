//! The final flush of `SledStore::close`, bounded in time.
//!
//! Every append was flushed before it was acknowledged, so the final flush only secures what
//! the store wrote for itself since (the stream index's tail, which an open after a crash
//! replays anyway). sled 0.34 has been seen to wait for ever in that flush, with no sled
//! thread left to write its sealed buffer (docs/operations.md, "Known issues"): a close then
//! reports an error after `CLOSE_FLUSH_TIMEOUT_MS` instead of hanging the process. The
//! abandoned flush still holds sled's process-wide lock for reading, so a process should
//! exit after such a close (a `govledger` command stops with the error), not go on writing
//! to sled.

use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::Duration;

use crate::error::StoreError;

/// Longest `SledStore::close` waits for its final flush.
pub const CLOSE_FLUSH_TIMEOUT_MS: u64 = 30_000;

/// Flushes `db`, waiting at most `CLOSE_FLUSH_TIMEOUT_MS`.
pub(super) fn flush(db: &sled::Db) -> Result<(), StoreError> {
    let db = db.clone();
    run_within(Duration::from_millis(CLOSE_FLUSH_TIMEOUT_MS), move || {
        db.flush().map(drop).map_err(StoreError::from)
    })
}

/// Runs `work` on a thread of its own and waits at most `timeout` for it. A late `work` is
/// left to finish on its own (its thread holds what it captured until then).
fn run_within(
    timeout: Duration,
    work: impl FnOnce() -> Result<(), StoreError> + Send + 'static,
) -> Result<(), StoreError> {
    let (done, finished) = channel();
    std::thread::Builder::new()
        .name("govledger-close".into())
        .spawn(move || {
            // The receiver is gone only once the wait gave up.
            let _ = done.send(work());
        })
        .map_err(|e| StoreError::Storage(format!("starting the final flush: {e}")))?;
    match finished.recv_timeout(timeout) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(StoreError::Storage(format!(
            "the final flush did not finish within {} ms; every acknowledged append was \
             flushed before its answer, and the next open replays the stream index's tail",
            timeout.as_millis()
        ))),
        Err(RecvTimeoutError::Disconnected) => {
            Err(StoreError::Storage("the final flush panicked".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How long the work takes, what it returns, and what `run_within` answers
    /// (`Ok(())`, or the start of the error's text).
    fn check(work_ms: u64, fails: bool, expect: Result<(), &str>) {
        let answer = run_within(Duration::from_millis(200), move || {
            std::thread::sleep(Duration::from_millis(work_ms));
            if fails {
                Err(StoreError::Storage("disk gone".into()))
            } else {
                Ok(())
            }
        });
        match (answer, expect) {
            (Ok(()), Ok(())) => {}
            (Err(error), Err(start)) => assert!(
                error.to_string().contains(start),
                "{work_ms} ms: {error} does not say {start:?}"
            ),
            (answer, expect) => panic!("{work_ms} ms: {answer:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn a_flush_is_waited_for_at_most_the_timeout() {
        check(0, false, Ok(()));
        check(0, true, Err("disk gone"));
        check(
            2_000,
            false,
            Err("the final flush did not finish within 200 ms"),
        );
    }
}

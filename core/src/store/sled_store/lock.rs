//! Opening a sled database when another handle in this process is just letting go of it.
//!
//! sled releases its directory lock only when its I/O threads drop their last reference to the
//! database, a moment after the last handle is dropped. A reopen in the same process (a
//! restart, an import followed by serve, a read-model runner reopened after a shutdown)
//! therefore waits briefly for the lock instead of failing. Every sled database govledger
//! opens (ledger, read models, personal data, tokens) goes through here.

use std::time::Duration;

/// How long an open waits for the lock: 100 × 20 ms = 2 s. A lock still held after that
/// (another process serving the directory) is reported as the error it is.
const OPEN_LOCK_WAIT_ATTEMPTS_MAX: u32 = 100;
const OPEN_LOCK_WAIT_INTERVAL: Duration = Duration::from_millis(20);

/// `config.open()`, waiting up to 2 s while the directory lock is held.
pub fn open_waiting_for_lock(config: &sled::Config) -> sled::Result<sled::Db> {
    let mut attempts = 0;
    loop {
        match config.open() {
            Err(sled::Error::Io(error))
                if is_lock_contention(&error) && attempts < OPEN_LOCK_WAIT_ATTEMPTS_MAX =>
            {
                attempts += 1;
                std::thread::sleep(OPEN_LOCK_WAIT_INTERVAL);
            }
            result => return result,
        }
    }
}

/// sled reports a held directory lock as an `Other` I/O error whose text names the lock.
fn is_lock_contention(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock
        || error.to_string().contains("could not acquire lock")
}

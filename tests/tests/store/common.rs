//! Shared helpers for the store tests: fresh sled stores in temp dirs, raw access to the
//! stored tree, and environment knobs for long runs.

use std::path::Path;
use std::sync::{Arc, Mutex};

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::{OpenCheck, SledOptions, SledStore, TailLimits};
use tempfile::TempDir;

/// Makes fresh sled stores, each in its own temp dir, kept until the factory is dropped.
#[derive(Default)]
pub(crate) struct SledFactory {
    dirs: Mutex<Vec<TempDir>>,
    tail: TailLimits,
}

/// A stream-index tail stored every few events, so tests cross between stored runs and the
/// in-memory tail all the time.
pub(crate) const TINY_TAIL: TailLimits = TailLimits {
    events_max: 3,
    streams_max: 2,
    streams_per_group: 1,
};

impl SledFactory {
    /// Stores whose stream-index tail is stored at `tail`'s limits.
    pub(crate) fn with_tail(tail: TailLimits) -> SledFactory {
        SledFactory {
            dirs: Mutex::default(),
            tail,
        }
    }

    pub(crate) fn open_fresh(&self) -> Arc<dyn EventStore> {
        let dir = tempfile::tempdir().expect("creating a temp dir");
        let mut options = SledOptions::new(dir.path());
        options.stream_index_tail = self.tail;
        let store = SledStore::open_with(options).expect("opening a fresh store");
        self.dirs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(dir);
        Arc::new(store)
    }
}

impl govledger_tests::conformance::StoreFactory for SledFactory {
    fn fresh(&self) -> Arc<dyn EventStore> {
        self.open_fresh()
    }
}

/// Opens the store at `path` without the open check (an auditor's view).
pub(crate) fn open_unchecked(path: &Path) -> SledStore {
    let mut options = SledOptions::new(path);
    options.check = OpenCheck::Skip;
    SledStore::open_with(options).expect("opening without the check")
}

/// The sled tree the store keeps everything in.
pub(crate) const LEDGER_TREE: &[u8] = b"ledger";

/// The key of the event at `position`.
pub(crate) fn event_key(position: u64) -> [u8; 9] {
    let mut key = [b'E'; 9];
    key[1..].copy_from_slice(&position.to_be_bytes());
    key
}

/// Opens the data dir with raw sled, waiting (briefly) for the closed store's directory lock,
/// which sled releases a moment after the last handle drops.
fn open_raw(path: &Path) -> sled::Db {
    let config = sled::Config::new().path(path);
    govledger_core::store::sled_store::open_waiting_for_lock(&config).expect("opening raw sled")
}

/// Opens the data dir with raw sled (the store must be closed), lets `change` edit the ledger
/// tree, and flushes.
pub(crate) fn edit_raw(path: &Path, change: impl FnOnce(&sled::Tree)) {
    let db = open_raw(path);
    let tree = db.open_tree(LEDGER_TREE).expect("opening the ledger tree");
    change(&tree);
    db.flush().expect("flushing raw sled");
}

/// Every key and value of the ledger tree, to show that something left the data untouched.
pub(crate) fn dump_raw(path: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let db = open_raw(path);
    let tree = db.open_tree(LEDGER_TREE).expect("opening the ledger tree");
    tree.iter()
        .map(|entry| {
            let (key, value) = entry.expect("reading raw sled");
            (key.to_vec(), value.to_vec())
        })
        .collect()
}

/// A count from the environment (for long runs), or `default` in CI.
pub(crate) fn env_count(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

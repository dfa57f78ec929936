//! Paced build commits: how a generation being built writes its commits without stalling
//! the ledger's appends.
//!
//! Why: sled 0.34 has one process-wide read/write lock. Every `apply_batch` (the ledger's
//! group commit as much as a read model's commit) holds it for writing for its whole
//! duration, about 15 µs per key on the 2-core machine, and every sled read, insert and flush
//! waits while it is held. A building lane commits 8,192 keys and more at once
//! (`build_commit_keys_min`), so a ledger group commit could wait a few hundred milliseconds
//! behind one rebuild commit, and behind the other building lanes' commits queued with it.
//! Paced, a building lane's commit goes to sled in pieces of at most `piece_keys_max` keys,
//! one building lane's piece at a time (so at most one piece is queued ahead of a group
//! commit), each lane pausing between its pieces so that a woken group commit takes the lock
//! before the lane's next piece. Pacing is on by default (`BUILD_PIECE_KEYS_MAX`): see there
//! for what it measured.
//!
//! A commit in pieces is not atomic: a crash between its pieces would leave some of a
//! batch's changes without its checkpoint, a state no fold can resume from. So the first
//! piece also writes `TORN_KEY` and the last piece, the one with the checkpoint, removes it;
//! a generation found with it at open is built again from position 1 (the runner's
//! `usable_lane`). Only generations being built are paced: they answer no query, and a crash
//! in a commit costs that projection's rebuild so far. A live lane keeps one `apply_batch`
//! per batch (its batches are small, and a crash must not lose the read model that answers).
//!
//! The runner reaches this through `StoredTree::commit` (`stored_tree.rs`).

use std::sync::Mutex;
use std::time::Duration;

use crate::storage::writes::{Change, RUNNER_KEY_PREFIX};

/// Default for `RunnerOptions::build_piece_keys_max`: most keys one `apply_batch` of a
/// building lane writes (0: one `apply_batch` per commit, pacing off). Measured on an idle
/// 2-core machine (docs/benchmarks.md, `append_during_rebuild`, 1M events, medians of 3 runs
/// per invocation, invocations alternated): the appends' p99 rose 37-57 ms above the
/// baseline during a rebuild without pieces (median of 5 invocations 50 ms), 22-50 ms with
/// 256 keys and 2 ms pauses (median of 3: 33 ms), and the rebuild ran at 0.92 of its speed
/// without pieces (same-run, order alternated).
pub const BUILD_PIECE_KEYS_MAX: usize = 256;
/// Default for `RunnerOptions::build_piece_pause_us`: how long a building lane waits between
/// two pieces of one commit, in microseconds, so that a group commit woken when the piece
/// released sled's lock is scheduled and takes it before the lane's next piece.
pub const BUILD_PIECE_PAUSE_US: u64 = 2_000;
/// The piece size the measurements above favour, for tests that turn pacing on explicitly
/// (about 4 ms under sled's lock at ~15 µs a key).
pub const BUILD_PIECE_KEYS_SUGGESTED: usize = BUILD_PIECE_KEYS_MAX;
/// Present while a commit in pieces is part-way written (see the module comment).
pub(crate) const TORN_KEY: [u8; 2] = [RUNNER_KEY_PREFIX, b't'];

/// Taken by a building lane for each piece it applies: one building lane queues for sled's
/// lock at a time. Process-wide, as sled's lock is.
static BUILD_PIECE_TURN: Mutex<()> = Mutex::new(());

/// How a lane writes its commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pacing {
    /// One `apply_batch` per commit (live lanes).
    Whole,
    /// In pieces of at most `piece_keys_max` keys, `pause` apart, one lane at a time.
    Pieces {
        piece_keys_max: usize,
        pause: Duration,
    },
}

impl Pacing {
    /// The pacing of building lanes for these options (`piece_keys_max` 0: `Whole`).
    pub(crate) fn for_builds(piece_keys_max: usize, pause_us: u64) -> Pacing {
        if piece_keys_max == 0 {
            return Pacing::Whole;
        }
        Pacing::Pieces {
            piece_keys_max,
            pause: Duration::from_micros(pause_us),
        }
    }
}

/// Applies `writes`, then `ending` (the checkpoint and markers that end the commit), to
/// `tree`, paced by `pacing`. Once it returns `Ok`, all of them are applied.
pub(crate) fn apply(
    tree: &sled::Tree,
    writes: Vec<Change>,
    ending: Vec<Change>,
    pacing: Pacing,
) -> Result<(), sled::Error> {
    let (piece_keys_max, pause) = match pacing {
        Pacing::Whole => return tree.apply_batch(batch_of(writes.into_iter().chain(ending))),
        Pacing::Pieces {
            piece_keys_max,
            pause,
        } => (piece_keys_max, pause),
    };
    if writes.len() + ending.len() <= piece_keys_max {
        let _turn = turn();
        return tree.apply_batch(batch_of(writes.into_iter().chain(ending)));
    }
    let torn = || {
        (
            sled::IVec::from(&TORN_KEY[..]),
            Some(sled::IVec::from(&[][..])),
        )
    };
    let mut pieces = writes.chunks(piece_keys_max).peekable();
    let mut first = true;
    while let Some(piece) = pieces.next() {
        let marker = first.then(torn);
        first = false;
        {
            let _turn = turn();
            tree.apply_batch(batch_of(marker.into_iter().chain(piece.iter().cloned())))?;
        }
        if pieces.peek().is_some() {
            std::thread::sleep(pause);
        }
    }
    std::thread::sleep(pause);
    let _turn = turn();
    let unmarked = (sled::IVec::from(&TORN_KEY[..]), None);
    tree.apply_batch(batch_of(ending.into_iter().chain([unmarked])))
}

/// Whether a commit in pieces was left part-way written in `tree`.
pub(crate) fn is_torn(tree: &sled::Tree) -> Result<bool, sled::Error> {
    tree.contains_key(TORN_KEY)
}

fn turn() -> std::sync::MutexGuard<'static, ()> {
    BUILD_PIECE_TURN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn batch_of(changes: impl IntoIterator<Item = Change>) -> sled::Batch {
    let mut batch = sled::Batch::default();
    for (key, value) in changes {
        match value {
            Some(value) => batch.insert(key, value),
            None => batch.remove(key),
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(key: &str, value: Option<&str>) -> Change {
        (key.as_bytes().into(), value.map(|v| v.as_bytes().into()))
    }

    /// Every pacing applies every write and the ending, and leaves no torn marker.
    #[test]
    fn pieces_apply_everything_and_leave_no_marker() {
        let check = |pacing: Pacing, writes: usize| {
            let db = sled::Config::new().temporary(true).open().unwrap();
            let tree = db.open_tree("lane").unwrap();
            tree.insert("gone", "old").unwrap();
            let mut changes: Vec<Change> = (0..writes)
                .map(|n| change(&format!("k{n:04}"), Some("v")))
                .collect();
            changes.push(change("gone", None));
            apply(
                &tree,
                changes,
                vec![change("checkpoint", Some("7"))],
                pacing,
            )
            .unwrap();
            assert_eq!(tree.len(), writes + 1, "{pacing:?}, {writes} writes");
            assert_eq!(tree.get("gone").unwrap(), None);
            assert_eq!(tree.get("checkpoint").unwrap().as_deref(), Some(&b"7"[..]));
            assert!(!is_torn(&tree).unwrap());
        };
        for writes in [0, 1, 2, 3, 10] {
            check(Pacing::Whole, writes);
            check(Pacing::for_builds(2, 0), writes);
            check(Pacing::for_builds(1_024, 0), writes);
        }
        assert_eq!(Pacing::for_builds(0, 500), Pacing::Whole);
    }
}

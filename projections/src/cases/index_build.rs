//! The cases' whole index build: every index chunk and count written once, from the stored
//! cases, before a generation built from position 1 goes live (`IndexUpkeep::BeforeGoingLive`).

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, sync_channel};

use crate::cases::index;
use crate::error::ApplyError;
use crate::runner::ReadModelWrites;

/// Threads that decode and index stored cases while the index build reads them.
const INDEX_BUILD_WORKERS: usize = 2;
/// Stored cases handed to an index-build thread at a time.
const INDEX_BUILD_CASES_PER_TASK: usize = 256;

/// Writes the index entries and counts of `cases` (every case's index state), as
/// batch-by-batch upkeep would have left them (the replay tests compare both). This runs once,
/// at the end of a rebuild, while the other lanes have little left to do: the cases are handed
/// out `INDEX_BUILD_CASES_PER_TASK` at a time to `INDEX_BUILD_WORKERS` threads, which index
/// them.
pub(crate) fn index_every_case(
    cases: Vec<&[u8]>,
    writes: &mut ReadModelWrites<'_>,
) -> Result<(), ApplyError> {
    for (key, value) in gather_indexes(cases)?.into_values()? {
        writes.insert(key, value);
    }
    Ok(())
}

/// The index entries and counts of `cases`, gathered in parallel.
fn gather_indexes(cases: Vec<&[u8]>) -> Result<index::WholeIndexes, ApplyError> {
    let (tasks, queue) = sync_channel::<Vec<&[u8]>>(INDEX_BUILD_WORKERS);
    let queue = Mutex::new(queue);
    let gathered = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..INDEX_BUILD_WORKERS)
            .map(|_| scope.spawn(|| index_cases_from(&queue)))
            .collect();
        let mut cases = cases.into_iter();
        loop {
            let task: Vec<&[u8]> = cases.by_ref().take(INDEX_BUILD_CASES_PER_TASK).collect();
            // A send fails once no worker listens (a worker failed and reports why).
            if task.is_empty() || tasks.send(task).is_err() {
                break;
            }
        }
        drop(tasks);
        workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(ApplyError::Storage("indexing the cases panicked".into()))
                })
            })
            .collect::<Vec<Result<index::WholeIndexes, ApplyError>>>()
    });
    let mut indexes = index::WholeIndexes::default();
    for part in gathered {
        indexes.merge(part?);
    }
    Ok(indexes)
}

/// Decodes and indexes the stored cases handed out on `queue` until it closes.
fn index_cases_from(
    queue: &Mutex<Receiver<Vec<&[u8]>>>,
) -> Result<index::WholeIndexes, ApplyError> {
    let mut indexes = index::WholeIndexes::default();
    loop {
        let task = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return Err(ApplyError::Storage("indexing the cases panicked".into())),
        };
        let Ok(task) = task else {
            return Ok(indexes); // The reader is done.
        };
        for state in task {
            indexes
                .add_state(state)
                .ok_or_else(|| ApplyError::Storage("a case's index state is malformed".into()))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::view::samples::request;

    fn sorted(values: index::KeyValues) -> index::KeyValues {
        let mut values = values;
        values.sort();
        values
    }

    /// Several tasks shared by the workers gather what one pass over the cases does.
    #[test]
    fn the_parallel_build_equals_one_pass_over_the_cases() {
        let cases = INDEX_BUILD_CASES_PER_TASK as u32 * 5 + 17;
        let mut one_pass = index::WholeIndexes::default();
        let mut encoded = Vec::new();
        for n in 0..cases {
            let case = request(n);
            let mut state = Vec::new();
            index::encode_index_state(&case, &mut state);
            encoded.push(state);
            one_pass.add(&case);
        }
        let gathered = gather_indexes(encoded.iter().map(Vec::as_slice).collect()).unwrap();
        let expected = sorted(one_pass.into_values().unwrap());
        assert!(expected.len() > 20, "{} index keys", expected.len());
        assert_eq!(sorted(gathered.into_values().unwrap()), expected);
    }
}

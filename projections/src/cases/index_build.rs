//! The cases' whole index build: every index chunk and count written once, from the cases'
//! index entries, before a generation built from position 1 goes live
//! (`IndexUpkeep::BeforeGoingLive`).

use crate::error::ApplyError;
use crate::runner::ReadModelWrites;
use crate::storage::index_entries::BulkLoad;

/// Threads that gather the index entries, each from its own share of the cases.
const INDEX_BUILD_WORKERS: usize = 2;

/// Writes the index entries and counts of `cases` (every case's index state,
/// `index::encode_index_state`), as batch-by-batch upkeep would have left them (the replay
/// tests compare both). This runs once, at the end of a rebuild, on its critical path, so
/// `INDEX_BUILD_WORKERS` threads each gather a contiguous share of the cases.
pub(crate) fn index_every_case(
    cases: Vec<&[u8]>,
    writes: &mut ReadModelWrites<'_>,
) -> Result<(), ApplyError> {
    for (key, value) in gather_indexes(&cases)?.into_values()? {
        writes.insert(key, value);
    }
    Ok(())
}

/// The index entries and counts of `cases`, gathered in parallel.
fn gather_indexes(cases: &[&[u8]]) -> Result<BulkLoad, ApplyError> {
    let share = cases.len().div_ceil(INDEX_BUILD_WORKERS).max(1);
    let gathered = std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(share)
            .map(|part| scope.spawn(move || index_cases(part)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(ApplyError::Storage("indexing the cases panicked".into()))
                })
            })
            .collect::<Vec<Result<BulkLoad, ApplyError>>>()
    });
    let mut indexes = BulkLoad::new();
    for part in gathered {
        indexes.merge(part?);
    }
    Ok(indexes)
}

/// The index entries and counts of `cases`, in one pass.
fn index_cases(cases: &[&[u8]]) -> Result<BulkLoad, ApplyError> {
    let mut indexes = BulkLoad::new();
    for state in cases {
        indexes
            .add(state)
            .ok_or_else(|| ApplyError::Storage("a case's index state is malformed".into()))?;
    }
    Ok(indexes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::index;
    use crate::cases::view::samples::request;
    use crate::storage::chunks::KeyValues;

    fn sorted(values: KeyValues) -> KeyValues {
        let mut values = values;
        values.sort();
        values
    }

    /// The workers' shares, merged, gather what one pass over the cases does.
    #[test]
    fn the_parallel_build_equals_one_pass_over_the_cases() {
        let cases = 256 * 5 + 17;
        let mut one_pass = BulkLoad::new();
        let mut encoded = Vec::new();
        for n in 0..cases {
            let case = request(n);
            let mut state = Vec::new();
            index::encode_index_state(&case, &mut state);
            one_pass.add(&state).unwrap();
            encoded.push(state);
        }
        let gathered =
            gather_indexes(&encoded.iter().map(Vec::as_slice).collect::<Vec<_>>()).unwrap();
        let expected = sorted(one_pass.into_values().unwrap());
        assert!(expected.len() > 20, "{} index keys", expected.len());
        assert_eq!(sorted(gathered.into_values().unwrap()), expected);
    }
}

//! The cases' whole index build: every index chunk and count written once, from the stored
//! cases, before a generation built from position 1 goes live (`IndexUpkeep::BeforeGoingLive`).

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::cases::index;
use crate::cases::view::CaseView;
use crate::error::{ApplyError, ProjectionError};
use crate::runner::read_model::decode_record;
use crate::runner::{ReadModel, ReadModelWrites};

/// Threads that decode and index stored cases while the index build reads them.
const INDEX_BUILD_WORKERS: usize = 2;
/// Stored cases handed to an index-build thread at a time.
const INDEX_BUILD_CASES_PER_TASK: usize = 256;

/// Writes the index entries and counts of every stored case, as batch-by-batch upkeep would
/// have left them (the replay tests compare both). This runs once, at the end of a rebuild,
/// while the other lanes have little left to do: one thread reads the stored cases and hands
/// them out `INDEX_BUILD_CASES_PER_TASK` at a time to `INDEX_BUILD_WORKERS` threads, which
/// decode and index them (one thread per kind of case left a core idle for most of a second:
/// requests are most of the cases, and v7 ids share their first bytes, so ranges of ids do not
/// split them either).
pub(crate) fn index_every_case(
    model: &ReadModel,
    writes: &mut ReadModelWrites<'_>,
) -> Result<(), ApplyError> {
    for (key, value) in gather_indexes(model)?.into_values()? {
        writes.insert(key, value);
    }
    Ok(())
}

/// The index entries and counts of every stored case, gathered in parallel.
fn gather_indexes(model: &ReadModel) -> Result<index::WholeIndexes, ApplyError> {
    let (tasks, queue) = sync_channel::<Vec<sled::IVec>>(INDEX_BUILD_WORKERS);
    let queue = Mutex::new(queue);
    let (scanned, gathered) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..INDEX_BUILD_WORKERS)
            .map(|_| scope.spawn(|| index_cases_from(&queue)))
            .collect();
        let scanned = hand_out_cases(model, &tasks);
        drop(tasks);
        let gathered: Vec<Result<index::WholeIndexes, ApplyError>> = workers
            .into_iter()
            .map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    Err(ApplyError::Storage("indexing the cases panicked".into()))
                })
            })
            .collect();
        (scanned, gathered)
    });
    scanned?;
    let mut indexes = index::WholeIndexes::default();
    for part in gathered {
        indexes.merge(part?);
    }
    Ok(indexes)
}

/// Reads every stored case and hands them out on `tasks`, `INDEX_BUILD_CASES_PER_TASK` at a
/// time; stops early once no worker listens (a worker failed and reports why).
fn hand_out_cases(
    model: &ReadModel,
    tasks: &SyncSender<Vec<sled::IVec>>,
) -> Result<(), ApplyError> {
    let unreadable = |error: ProjectionError| ApplyError::Storage(error.to_string());
    let prefix = [index::CASE_TAG];
    let mut task = Vec::with_capacity(INDEX_BUILD_CASES_PER_TASK);
    for stored in model.scan_from(&prefix, &prefix) {
        task.push(stored.map_err(unreadable)?.1);
        if task.len() == INDEX_BUILD_CASES_PER_TASK {
            let full = std::mem::replace(&mut task, Vec::with_capacity(INDEX_BUILD_CASES_PER_TASK));
            if tasks.send(full).is_err() {
                return Ok(());
            }
        }
    }
    // An error here means no worker listens any more: it reports why.
    let _ = tasks.send(task);
    Ok(())
}

/// Decodes and indexes the stored cases handed out on `queue` until it closes.
fn index_cases_from(
    queue: &Mutex<Receiver<Vec<sled::IVec>>>,
) -> Result<index::WholeIndexes, ApplyError> {
    let unreadable = |error: ProjectionError| ApplyError::Storage(error.to_string());
    let mut indexes = index::WholeIndexes::default();
    loop {
        let task = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return Err(ApplyError::Storage("indexing the cases panicked".into())),
        };
        let Ok(task) = task else {
            return Ok(indexes); // The reader is done.
        };
        for value in task {
            let case: CaseView = decode_record(&value).map_err(unreadable)?;
            indexes.add(&case);
        }
    }
}

#[cfg(test)]
mod tests {
    use govledger_core::codec::encode_payload;
    use govledger_core::time::Timestamp;
    use uuid::Uuid;

    use super::*;
    use crate::cases::view::{CaseDetails, CaseKind, RequestDetails};

    const DAY_MICROS: i64 = 86_400_000_000;

    /// The `n`th of a spread of requests: statuses, categories, compounds, due times and
    /// satisfaction vary with `n`.
    fn request(n: u32) -> CaseView {
        let opened_at =
            Timestamp::from_unix_micros(1_600_000_000_000_000 + i64::from(n) * DAY_MICROS);
        let awaiting_outcome = n % 3 != 0;
        CaseView {
            kind: CaseKind::Request,
            case_id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)),
            status: ["received", "dispatched", "closed"][(n % 3) as usize].into(),
            category: ["repair", "sanitation", "security", "parking"][(n % 4) as usize].into(),
            title: format!("request {n}"),
            compound_id: (n % 5 != 0).then(|| Uuid::from_u128(u128::from(n % 7))),
            building_ids: Vec::new(),
            unit_ids: Vec::new(),
            responsible_organisation_id: Some(Uuid::from_u128(100 + u128::from(n % 2))),
            opened_at,
            updated_at: opened_at,
            closed_at: None,
            due_at: Some(opened_at.plus_micros(7 * DAY_MICROS)),
            awaiting_outcome,
            first_position: u64::from(n) * 7 + 1,
            last_position: u64::from(n) * 7 + 3,
            event_count: 3,
            correction_count: 0,
            details: CaseDetails::Request(RequestDetails {
                satisfaction: (n % 4 == 0).then(|| "satisfied".into()),
                ..RequestDetails::received("complaint".into(), "service_station".into(), None, None)
            }),
        }
    }

    fn sorted(values: index::KeyValues) -> index::KeyValues {
        let mut values = values;
        values.sort();
        values
    }

    /// Several tasks shared by the workers gather what one pass over the cases does.
    #[test]
    fn the_parallel_build_equals_one_pass_over_the_cases() {
        let db = sled::Config::new().temporary(true).open().unwrap();
        let tree = db.open_tree("cases").unwrap();
        let cases = INDEX_BUILD_CASES_PER_TASK as u32 * 5 + 17;
        let mut one_pass = index::WholeIndexes::default();
        for n in 0..cases {
            let case = request(n);
            tree.insert(
                index::case_key(case.kind, &case.case_id),
                encode_payload(&case).unwrap(),
            )
            .unwrap();
            one_pass.add(&case);
        }
        let gathered = gather_indexes(&ReadModel::new(tree)).unwrap();
        let expected = sorted(one_pass.into_values().unwrap());
        assert!(expected.len() > 20, "{} index keys", expected.len());
        assert_eq!(sorted(gathered.into_values().unwrap()), expected);
    }
}

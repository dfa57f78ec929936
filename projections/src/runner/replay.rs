//! A read model as it stood at a past ledger position: one projection folded over events
//! 1..=position into a temporary tree (in memory and a temporary directory removed when the
//! model is dropped: `ReadModelDatabase::temporary`), with the same lane code as a rebuild, so a past answer is computed
//! exactly as the live one was. Used for `metrics(asOf:)`; the caller limits `through`.

use govledger_core::event::RecordedEvent;
use govledger_core::store::{EventStore, LogQuery};

use crate::error::{ApplyError, ProjectionError};
use crate::projection::Projection;
use crate::runner::catalog::Generation;
use crate::runner::lane::{DecodedEvent, Lane, LaneFailure};
use crate::runner::stats::WriteCounters;
use crate::storage::ReadModelDatabase;
use crate::storage::read_model::ReadModel;

/// Events read from the ledger and folded per batch.
const REPLAY_BATCH_EVENTS: usize = 1_000;

/// `projection`'s read model after folding the ledger's events 1..=`through`.
pub(crate) fn replay<E: 'static>(
    projection: &dyn Projection<E>,
    decoder: fn(&RecordedEvent) -> Result<E, ApplyError>,
    ledger: &dyn EventStore,
    through: u64,
) -> Result<ReadModel, ProjectionError> {
    let db = ReadModelDatabase::temporary()?;
    let tree = db.open_tree(projection.name())?;
    let generation = Generation {
        number: 1,
        version: projection.version(),
    };
    let mut lane = Lane::open(generation, tree.clone())?;
    let counters = WriteCounters::default();
    let mut start = 1;
    while start <= through {
        let page = ledger.read_log(&LogQuery::forwards(start, REPLAY_BATCH_EVENTS))?;
        let events: Vec<DecodedEvent<E>> = page
            .events
            .into_iter()
            .filter(|recorded| recorded.position <= through)
            .map(|recorded| {
                let decoded = decoder(&recorded);
                DecodedEvent { recorded, decoded }
            })
            .collect();
        if events.is_empty() {
            break; // The ledger ends before `through`.
        }
        lane.apply(projection, &events, ledger, &counters)
            .map_err(|failure| stopped(projection, failure))?;
        start = page.next_start.max(start + 1);
    }
    lane.settle(&counters)
        .map_err(|failure| stopped(projection, failure))?;
    Ok(tree.read_model())
}

fn stopped<E: 'static>(projection: &dyn Projection<E>, failure: LaneFailure) -> ProjectionError {
    ProjectionError::Stopped {
        name: projection.name(),
        position: failure.position,
        reason: failure.reason,
    }
}

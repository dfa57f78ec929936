//! The `Projection` trait: a read model that folds the log, one event at a time, into its own
//! sled tree.

use govledger_core::event::RecordedEvent;
use govledger_core::store::EventStore;

use crate::error::ApplyError;
use crate::runner::{ReadModel, ReadModelWrites};

/// Turns a stored event into the value projections fold. Runs once per event for all the
/// projections a driver feeds, so the (upcasting) payload decode is paid once.
pub type Decoder<E> = fn(&RecordedEvent) -> Result<E, ApplyError>;

/// One event as a projection sees it: the envelope (position, actor, times, links, hash) and
/// the decoded payload.
#[derive(Clone, Copy)]
pub struct ProjectedEvent<'a, E> {
    pub recorded: &'a RecordedEvent,
    pub event: &'a E,
    /// The ledger the event comes from, for the rare fact a projection must look up in an
    /// earlier event (what it reads is immutable, so a rebuild reads the same).
    pub ledger: &'a dyn EventStore,
}

impl<E: std::fmt::Debug> std::fmt::Debug for ProjectedEvent<'_, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectedEvent")
            .field("recorded", self.recorded)
            .field("event", self.event)
            .finish_non_exhaustive()
    }
}

/// A read model built from the log.
///
/// The runner calls `apply` for every event in position order, batching while it is behind:
/// a batch's writes and the projection's checkpoint are committed together, so after a crash
/// a projection resumes exactly after the last committed event. `apply` must be
/// deterministic: the same events always produce the same writes (rebuilds rely on it).
pub trait Projection<E>: Send + Sync + 'static {
    /// Stable `snake_case` name; the runner's tree names and status reports use it.
    fn name(&self) -> &'static str;

    /// The read model's layout version. Changing it makes the runner rebuild the projection
    /// from position 1 at the next start.
    fn version(&self) -> u32;

    /// Folds one event into the read model through `writes`. Events the projection does not
    /// care about are simply ignored. An error stops the projection at this event.
    fn apply(
        &self,
        event: ProjectedEvent<'_, E>,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError>;

    /// Called once after the last `apply` of a batch, before the batch is committed: a
    /// projection that defers work to the end of a batch (an index rewritten once per record
    /// rather than once per event) does it here, from the notes it took
    /// (`ReadModelWrites::note_once`). Must be as deterministic as `apply`.
    fn finish_batch(&self, writes: &mut ReadModelWrites<'_>) -> Result<(), ApplyError> {
        let _ = writes;
        Ok(())
    }

    /// Writes every index from the committed records (`model`), once, before a generation
    /// whose batches left them out (`ReadModelWrites::index_upkeep` was
    /// `IndexUpkeep::BeforeGoingLive`) goes live. It must write exactly what `apply` and
    /// `finish_batch` would have kept up to date batch by batch (the replay tests compare
    /// both). Its values are stored before the commit that ends the deferral, outside it (see
    /// `Lane::build_indexes`): after a crash in between, it runs again over what it stored
    /// then, and must write the same. A projection without indexes keeps this default.
    fn build_indexes(
        &self,
        model: &ReadModel,
        writes: &mut ReadModelWrites<'_>,
    ) -> Result<(), ApplyError> {
        let _ = (model, writes);
        Ok(())
    }
}

//! `readModels`: each read model's state, how far it has applied the ledger, and why it
//! stopped if it did, so an operator sees which projection needs a rebuild.

use crate::schema::scalars::Int64;
use async_graphql::{Enum, SimpleObject};
use govledger_projections::runner::{ProjectionState, ProjectionStatus};

/// What a read model is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReadModelState {
    /// Has applied every durable event.
    CaughtUp,
    /// Following the ledger, some events behind.
    CatchingUp,
    /// A new generation is being built from position 1 (queries read the previous one).
    Rebuilding,
    /// Stopped at an event it could not apply; see `stopReason`. Fix the cause, then
    /// `rebuildReadModel`.
    Failed,
}

/// One read model (projection) of the running server.
#[derive(Debug, Clone, SimpleObject)]
pub struct ReadModelStatusView {
    /// `cases`, `directory`, `audit` or `metrics`.
    pub name: String,
    pub version: u32,
    pub state: ReadModelState,
    /// The last position the answering generation has applied (0 when none answers yet).
    pub applied_position: Int64,
    pub head_position: Int64,
    pub lag_events: Int64,
    /// While rebuilding: how far the new generation has got.
    pub rebuilt_position: Option<Int64>,
    /// When failed: the position of the event it could not apply.
    pub stopped_at_position: Option<Int64>,
    /// When failed: why, naming the read-model key where a stored record is at fault.
    pub stop_reason: Option<String>,
}

impl From<ProjectionStatus> for ReadModelStatusView {
    fn from(status: ProjectionStatus) -> ReadModelStatusView {
        let (state, rebuilt_position, stopped_at_position, stop_reason) = match status.state {
            ProjectionState::CaughtUp => (ReadModelState::CaughtUp, None, None, None),
            ProjectionState::CatchingUp => (ReadModelState::CatchingUp, None, None, None),
            ProjectionState::Rebuilding { rebuilt_position } => (
                ReadModelState::Rebuilding,
                Some(rebuilt_position),
                None,
                None,
            ),
            ProjectionState::Failed { position, error } => {
                (ReadModelState::Failed, None, Some(position), Some(error))
            }
        };
        ReadModelStatusView {
            name: status.name.to_string(),
            version: status.version,
            state,
            applied_position: status.applied_position.into(),
            head_position: status.head_position.into(),
            lag_events: status.lag_events.into(),
            rebuilt_position: rebuilt_position.map(Int64::from),
            stopped_at_position: stopped_at_position.map(Int64::from),
            stop_reason,
        }
    }
}

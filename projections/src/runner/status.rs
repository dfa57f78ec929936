//! What the runner reports about each projection.

pub use crate::runner::stats::WriteStats;

/// Where a projection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectionState {
    /// Has applied every durable event.
    CaughtUp,
    /// Following the log, some events behind (after a restart, or under load).
    CatchingUp,
    /// A new generation is being built from position 1; queries are answered from the
    /// previous generation meanwhile, or refused (`ProjectionError::Rebuilding`) when there is
    /// none (first start, or a changed projection version).
    Rebuilding { rebuilt_position: u64 },
    /// Stopped at an event it cannot apply; everything before `position` is applied.
    Failed { position: u64, error: String },
}

impl ProjectionState {
    /// `caught_up`, `catching_up`, `rebuilding` or `failed`.
    pub fn code(&self) -> &'static str {
        match self {
            ProjectionState::CaughtUp => "caught_up",
            ProjectionState::CatchingUp => "catching_up",
            ProjectionState::Rebuilding { .. } => "rebuilding",
            ProjectionState::Failed { .. } => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionStatus {
    pub name: &'static str,
    pub version: u32,
    pub state: ProjectionState,
    /// The last position the answering generation has applied (0 when none answers yet).
    pub applied_position: u64,
    pub head_position: u64,
    /// `head_position - applied_position`.
    pub lag_events: u64,
    /// What its batches cost since the runner opened.
    pub writes: WriteStats,
}

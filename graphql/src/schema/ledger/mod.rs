//! The raw ledger in GraphQL: events, their envelope and hashes, the head and its
//! verification status.

mod event;
mod head;
mod live;
mod proofs;
mod query;

pub(crate) use event::LEDGER_EVENT_TYPE;
pub use event::{ActorView, LedgerEvent};
pub use head::{LedgerHead, LedgerVerification, VerificationStatus};
pub use live::live_events;
pub use proofs::{
    CheckpointConnection, CheckpointEdge, CheckpointView, ConsistencyProof, InclusionProof,
};
pub(crate) use proofs::{checkpoint_at_or_before, checkpoint_view, checkpoints, consistency_proof};
pub use query::{
    EVENT_CURSOR_KIND, EventConnection, EventEdge, EventFilter, EventOrder, EventWindow,
    find_events,
};

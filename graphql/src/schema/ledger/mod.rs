//! The raw ledger in GraphQL: events, their envelope and hashes, the head and its
//! verification status.

mod event;
mod head;
mod live;
mod query;

pub(crate) use event::LEDGER_EVENT_TYPE;
pub use event::{ActorView, LedgerEvent};
pub use head::{LedgerHead, LedgerVerification, VerificationStatus};
pub use live::live_events;
pub use query::{
    EVENT_CURSOR_KIND, EventConnection, EventEdge, EventFilter, EventOrder, EventWindow,
    find_events,
};

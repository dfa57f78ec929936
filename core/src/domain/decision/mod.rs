//! Decisions of governing bodies: proposed → voting → tallied (Art. 278) → adopted | failed →
//! published. A decision states what it authorises.

pub mod commands;
mod decide;
pub mod events;
mod state;
pub mod tally;
pub mod vocabulary;

pub use state::{Decision, DecisionStatus, Publication, VoterKey};

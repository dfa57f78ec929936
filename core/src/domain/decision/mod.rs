//! Decisions of governing bodies: proposed → voting → tallied (Art. 278) → adopted | failed →
//! published. A decision states what it authorises.

pub mod events;
pub mod tally;
pub mod vocabulary;

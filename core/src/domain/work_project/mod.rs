//! Work projects: proposed → approved by a decision (funding, budget) → contracted → started →
//! progress → completed → inspection passed (warranty) or failed (rework) → closed.

pub mod events;
pub mod vocabulary;

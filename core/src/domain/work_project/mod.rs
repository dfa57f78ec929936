//! Work projects: proposed → approved by a decision (funding, budget) → contracted → started →
//! progress → completed → inspection passed (warranty) or failed (rework) → closed.

pub mod commands;
mod decide;
pub mod events;
mod state;
pub mod vocabulary;

pub use state::{WorkProject, WorkProjectStatus};

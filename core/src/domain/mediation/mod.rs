//! People's mediation cases: registered (applied for or referred) → accepted | declined →
//! sessions → agreement | failure → performance followed up → archived.
//!
//! People's Mediation Law: every case is registered, recorded and archived (Art. 27); an
//! agreement binds the parties (Art. 31); they may seek court confirmation within 30 days
//! (Art. 33). A case should finish within about a month (`MEDIATION_TARGET_DAYS`).

pub mod commands;
mod decide;
pub mod events;
mod state;
pub mod vocabulary;

pub use state::{Mediation, MediationStatus};

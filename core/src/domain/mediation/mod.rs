//! People's mediation cases: registered (applied for or referred) → accepted | declined →
//! sessions → agreement | failure → performance followed up → archived.

pub mod events;
pub mod vocabulary;

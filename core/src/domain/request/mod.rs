//! Service requests (诉求): received → accepted | rejected | merged → dispatched (may be sent
//! back) → in progress → resolved → followed up → closed, reopened; escalated when overdue.

pub mod commands;
mod decide;
pub mod events;
mod state;
pub mod vocabulary;

pub use state::{RequestStatus, ServiceRequest};

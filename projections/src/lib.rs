//! govledger-projections: read models kept in step with the ledger.
//!
//! Architecture invariant: this crate depends on `govledger-core` only and knows nothing of
//! GraphQL, HTTP or JSON.
//!
//! - `runner`: follows the store's subscription and feeds every `Projection`, with atomic
//!   checkpoints, rebuilds into new generations, status, lag and `wait_until`.

pub mod error;
pub mod projection;
pub mod runner;

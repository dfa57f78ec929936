//! govledger-core: the event envelope, its codec, the `EventStore` trait with its sled
//! backend, and the governance domain.
//!
//! Architecture invariant: nothing here knows about GraphQL, HTTP or JSON.

pub mod calendar;
pub mod codec;
pub mod domain;
pub mod error;
pub mod event;
pub mod hash;
pub mod limits;
pub mod personal_data;
pub mod store;
pub mod time;
pub mod tlog;

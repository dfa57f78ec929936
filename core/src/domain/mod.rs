//! The governance domain: typed commands decided against the state of their case and the
//! authority of their actor, and typed events that record what happened.
//!
//! Pure and synchronous: aggregates `apply` events (cannot fail) and `handle` commands
//! (decide, returning events or a `DomainError`). No store, sled, tokio or JSON here; the
//! application service (`service`) loads streams and appends.

pub mod aggregate;
pub mod authority;
pub mod command;
pub mod correction;
pub mod decision;
pub mod demo;
pub mod directory;
pub mod erasure;
pub mod error;
pub mod event;
pub mod ids;
pub mod lifecycle;
pub mod limits;
pub mod location;
pub mod mediation;
pub mod quantity;
pub mod request;
pub mod role;
pub mod seeded_rng;
pub mod service;
pub mod streams;
pub mod synthetic;
mod upcast;
pub mod validate;
pub mod work_project;

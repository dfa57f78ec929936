//! govledger-graphql: the GraphQL schema, the HTTP and WebSocket server, API tokens, and the
//! `govledger` command line.
//!
//! Architecture invariant: this is the only crate that speaks GraphQL, JSON or HTTP. `core`
//! and `projections` know nothing about it.

pub mod access;
pub mod backup;
pub mod checkpoint_signer;
pub mod cli;
pub mod error;
pub mod http_client;
pub mod ledger;
pub mod ledger_file;
pub mod limits;
pub mod payload_json;
pub mod reports;
pub mod schema;
pub mod server;
pub mod service;
pub mod witness_client;
pub mod witness_server;

//! The GraphQL schema: Relay-style queries over the ledger and the read models, mutations for
//! every domain command, live subscriptions.

mod commands;
mod connection;
pub mod context;
pub mod ledger;
pub mod mutations;
pub mod node;
pub mod page;
mod query;
pub mod read;
pub mod scalars;
mod subscription;

use std::sync::Arc;

use async_graphql::Schema;

use crate::limits::{QUERY_COMPLEXITY_MAX, QUERY_DEPTH_MAX};
use crate::service::LedgerService;
pub use query::QueryRoot;
pub use subscription::SubscriptionRoot;

pub use commands::{CommandOptions, CommandPayload, ExecuteCommandInput, UserError};
pub use mutations::MutationRoot;

pub type LedgerSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Whether clients may introspect the schema (and get "did you mean" suggestions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Introspection {
    Enabled,
    Disabled,
}

/// The schema serving `service`, with every limit applied.
pub fn build(service: Arc<LedgerService>, introspection: Introspection) -> LedgerSchema {
    let builder = Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .data(service)
        .limit_depth(QUERY_DEPTH_MAX)
        .limit_complexity(QUERY_COMPLEXITY_MAX);
    match introspection {
        Introspection::Enabled => builder.finish(),
        Introspection::Disabled => builder
            .disable_introspection()
            .disable_suggestions()
            .finish(),
    }
}

/// The schema in SDL, as `govledger schema` prints it.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .finish()
        .sdl()
}

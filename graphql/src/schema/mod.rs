//! The GraphQL schema: Relay-style queries over the ledger and the read models, mutations for
//! every domain command, live subscriptions.

mod commands;
mod connection;
pub mod context;
pub mod introspection;
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

use crate::limits::{INTROSPECTION_DEPTH_MAX, QUERY_COMPLEXITY_MAX, QUERY_DEPTH_MAX};
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
    build_with_depth(service, introspection, QUERY_DEPTH_MAX)
}

/// The schema for operations of nothing but introspection (`introspection::shape`): the
/// same, with `INTROSPECTION_DEPTH_MAX`. `None` when introspection is disabled.
pub fn build_for_introspection(
    service: Arc<LedgerService>,
    introspection: Introspection,
) -> Option<LedgerSchema> {
    match introspection {
        Introspection::Enabled => Some(build_with_depth(
            service,
            introspection,
            INTROSPECTION_DEPTH_MAX,
        )),
        Introspection::Disabled => None,
    }
}

fn build_with_depth(
    service: Arc<LedgerService>,
    introspection: Introspection,
    depth_max: usize,
) -> LedgerSchema {
    let builder = Schema::build(QueryRoot, MutationRoot::default(), SubscriptionRoot)
        .data(service)
        .limit_depth(depth_max)
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

//! The query root.

use async_graphql::{Context, ID, Interface, Object};
use govledger_core::store::EventStore;

use crate::error::{ErrorCode, api_error, internal_error, store_error};
use crate::schema::context::service;
use crate::schema::ledger::LEDGER_EVENT_TYPE;
use crate::schema::ledger::{
    EventConnection, EventFilter, EventOrder, EventWindow, LedgerEvent, LedgerHead, find_events,
};
use crate::schema::node::GlobalId;
use crate::schema::page::{PageRequest, charged_page_size};

/// Anything with a global id; fetch it again with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Opaque global id."))]
pub(crate) enum Node {
    LedgerEvent(LedgerEvent),
}

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// Any node by its global id; `null` when nothing has that id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let global = GlobalId::decode(&id)?;
        match global.type_name.as_str() {
            LEDGER_EVENT_TYPE => {
                let position = global.key.parse::<u64>().map_err(|_| {
                    api_error(ErrorCode::BadUserInput, "not a valid ledger event id")
                })?;
                Ok(self.event(ctx, position).await?.map(Node::LedgerEvent))
            }
            _ => Err(api_error(
                ErrorCode::BadUserInput,
                "the id does not name a kind of node this server has",
            )),
        }
    }

    /// The newest durable event and the outcome of the last full verification.
    async fn ledger_head(&self, ctx: &Context<'_>) -> async_graphql::Result<LedgerHead> {
        let service = service(ctx)?;
        let head = service.store.head();
        Ok(LedgerHead {
            position: head.position,
            hash: head.hash.to_hex(),
            verification: service.verification().into(),
        })
    }

    /// One event by position; `null` beyond the head.
    async fn event(
        &self,
        ctx: &Context<'_>,
        position: u64,
    ) -> async_graphql::Result<Option<LedgerEvent>> {
        let store = service(ctx)?.event_store();
        tokio::task::spawn_blocking(move || store.read_event(position))
            .await
            .map_err(|e| internal_error("reading an event", e))?
            .map(|event| event.map(LedgerEvent))
            .map_err(store_error)
    }

    /// The raw ledger, filtered and paged (positions are the order).
    #[graphql(complexity = "charged_page_size(first, last) * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        filter: Option<EventFilter>,
        #[graphql(default)] order: EventOrder,
    ) -> async_graphql::Result<EventConnection> {
        let page = PageRequest::new(
            crate::schema::ledger::EVENT_CURSOR_KIND,
            first,
            after,
            last,
            before,
        )?;
        let window = EventWindow::from_filter(filter.unwrap_or_default())?;
        let store = service(ctx)?.event_store();
        tokio::task::spawn_blocking(move || find_events(store, window, order, page))
            .await
            .map_err(|e| internal_error("listing events", e))?
    }
}

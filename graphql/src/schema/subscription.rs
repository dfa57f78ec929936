//! The subscription root: live ledger events.

use async_graphql::futures_util::Stream;
use async_graphql::{Context, Subscription};
use govledger_core::store::EventStore;

use crate::schema::context::service;
use crate::schema::ledger::{EventFilter, EventWindow, LedgerEvent, live_events};

pub struct SubscriptionRoot;

#[Subscription]
impl SubscriptionRoot {
    /// Every ledger event matching `filter`, from `fromPosition` (default: the next event to
    /// be appended) on, live.
    async fn ledger_events(
        &self,
        ctx: &Context<'_>,
        from_position: Option<u64>,
        filter: Option<EventFilter>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<LedgerEvent>> + use<>> {
        let service = service(ctx)?;
        let window = EventWindow::from_filter(filter.unwrap_or_default())?;
        let from = from_position.unwrap_or_else(|| service.store.head().position + 1);
        Ok(live_events(service, from, window))
    }
}

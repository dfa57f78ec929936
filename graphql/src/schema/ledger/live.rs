//! `ledgerEvents`: live ledger events from a position, following the head.

use async_graphql::futures_util::stream::{self, Stream};
use govledger_core::store::Subscription;

use crate::error::store_error;
use crate::schema::ledger::{EventWindow, LedgerEvent};
use crate::service::LedgerService;

/// Every event matching `window` from `from_position` on, live. Ends after the window's
/// `toPosition`; fails once the store closes.
pub fn live_events(
    service: &LedgerService,
    from_position: u64,
    window: EventWindow,
) -> impl Stream<Item = async_graphql::Result<LedgerEvent>> + use<> {
    let start = from_position.max(window.lowest_position());
    let subscription = Subscription::new(service.event_store(), start, window.log_filter());
    stream::unfold(Some((subscription, window)), |state| async move {
        let (mut subscription, window) = state?;
        loop {
            match subscription.next().await {
                Ok(event) if event.position > window.highest_position() => return None,
                Ok(event) if window.matches(&event) => {
                    return Some((Ok(LedgerEvent(event)), Some((subscription, window))));
                }
                Ok(_) => continue,
                Err(error) => return Some((Err(store_error(error)), None)),
            }
        }
    })
}

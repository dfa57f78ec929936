//! A live subscription: catches up from the store, then follows the head.
//!
//! It pulls pages from the store rather than receiving pushed events, so a slow subscriber
//! costs a cursor and one page of memory, never an unbounded buffer, and it cannot skip or
//! repeat an event: it always asks for the position after the last one it delivered.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::watch;

use crate::error::StoreError;
use crate::event::RecordedEvent;
use crate::store::{EventStore, Head, LogFilter, LogQuery};

/// Events per page a subscription reads.
const SUBSCRIPTION_PAGE_EVENTS: usize = 256;

pub struct Subscription {
    store: Arc<dyn EventStore>,
    next_position: u64,
    filter: LogFilter,
    head: watch::Receiver<Head>,
    page: VecDeque<RecordedEvent>,
}

impl Subscription {
    /// Delivers every event at `from_position` or later (from 1 when 0) that matches `filter`.
    pub fn new(store: Arc<dyn EventStore>, from_position: u64, filter: LogFilter) -> Subscription {
        let head = store.watch_head();
        Subscription {
            store,
            next_position: from_position.max(1),
            filter,
            head,
            page: VecDeque::new(),
        }
    }

    /// The position the subscription will examine next.
    pub fn next_position(&self) -> u64 {
        self.next_position
    }

    /// The next matching event, waiting for new appends when caught up. Fails with
    /// `StoreError::Unavailable` once the store is closed.
    pub async fn next(&mut self) -> Result<RecordedEvent, StoreError> {
        loop {
            if let Some(event) = self.page.pop_front() {
                return Ok(event);
            }
            let head = self.head.borrow_and_update().position;
            if self.next_position <= head {
                let mut query = LogQuery::forwards(self.next_position, SUBSCRIPTION_PAGE_EVENTS);
                query.filter = self.filter.clone();
                let page = self.store.read_log(&query)?;
                self.next_position = page.next_start;
                self.page.extend(page.events);
                continue;
            }
            if self.head.changed().await.is_err() {
                return Err(StoreError::Unavailable);
            }
        }
    }
}

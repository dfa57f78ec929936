//! `events`: a page of the raw ledger by position range, stream, type, actor and time.
//!
//! The position is the cursor. Recorded-at never decreases along the log, so a recorded-time
//! range becomes a position range by binary search; the other filters are applied while
//! scanning, and a scan stops after `EVENTS_PAGE_SCAN_EVENTS_MAX` events with a partial page
//! whose end cursor resumes where it stopped.

use std::ops::ControlFlow;
use std::sync::Arc;

use async_graphql::{Enum, ID, InputObject, Object, SimpleObject};
use govledger_core::event::{EventType, RecordedEvent, StreamId};
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::{Direction, EventStore, LogFilter, LogQuery};
use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::error::{ErrorCode, api_error, store_error};
use crate::limits::{EVENTS_PAGE_SCAN_EVENTS_MAX, TOTAL_COUNT_SCAN_EVENTS_MAX};
use crate::schema::ledger::LedgerEvent;
use crate::schema::page::{PageFrom, PageInfo, PageRequest, encode_cursor};
use crate::schema::scalars::{DateTime, Int64};

/// Cursor namespace of the events connection.
pub const EVENT_CURSOR_KIND: &str = "event";
/// Most events of one stream the exact-stream filter loads.
const STREAM_EVENTS_MAX: usize = 10 * READ_PAGE_EVENTS_MAX;

/// Which events to list. All conditions must hold; omitted ones match everything. Time ranges
/// include `from` and exclude `to`.
#[derive(Debug, Clone, Default, InputObject)]
pub struct EventFilter {
    pub from_position: Option<Int64>,
    pub to_position: Option<Int64>,
    /// Exactly this stream (one case), e.g. `request-0190…`.
    pub stream_id: Option<String>,
    /// Streams whose id starts with this, e.g. `work-` for every work project.
    pub stream_prefix: Option<String>,
    /// Any of these event types.
    pub event_types: Option<Vec<String>>,
    pub actor_account_id: Option<ID>,
    pub actor_role: Option<String>,
    pub actor_organisation_id: Option<ID>,
    pub correlation_id: Option<ID>,
    pub recorded_from: Option<DateTime>,
    pub recorded_to: Option<DateTime>,
    pub occurred_from: Option<DateTime>,
    pub occurred_to: Option<DateTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
pub enum EventOrder {
    #[default]
    PositionAsc,
    PositionDesc,
}

/// A checked `EventFilter`.
#[derive(Debug, Clone, Default)]
pub struct EventWindow {
    from_position: u64,
    to_position: u64,
    stream: Option<StreamId>,
    log_filter: LogFilter,
    actor_account_id: Option<Uuid>,
    actor_role: Option<String>,
    actor_organisation_id: Option<Uuid>,
    correlation_id: Option<Uuid>,
    recorded_from: Option<Timestamp>,
    recorded_to: Option<Timestamp>,
    occurred_from: Option<Timestamp>,
    occurred_to: Option<Timestamp>,
}

fn bad_input(message: String) -> async_graphql::Error {
    api_error(ErrorCode::BadUserInput, message)
}

fn parse_uuid(field: &str, id: &Option<ID>) -> Result<Option<Uuid>, async_graphql::Error> {
    id.as_ref()
        .map(|id| Uuid::parse_str(id).map_err(|_| bad_input(format!("`{field}` must be a UUID"))))
        .transpose()
}

impl EventWindow {
    pub fn from_filter(filter: EventFilter) -> Result<EventWindow, async_graphql::Error> {
        let from_position = filter
            .from_position
            .map(|p| p.non_negative("fromPosition"))
            .transpose()?;
        let to_position = filter
            .to_position
            .map(|p| p.non_negative("toPosition"))
            .transpose()?;
        let stream = filter
            .stream_id
            .map(|id| StreamId::new(id).map_err(|e| bad_input(e.to_string())))
            .transpose()?;
        let event_types = filter
            .event_types
            .unwrap_or_default()
            .into_iter()
            .map(|name| EventType::new(name).map_err(|e| bad_input(e.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EventWindow {
            from_position: from_position.unwrap_or(1).max(1),
            to_position: to_position.unwrap_or(u64::MAX),
            log_filter: LogFilter {
                event_types,
                stream_prefix: filter.stream_prefix,
            },
            stream,
            actor_account_id: parse_uuid("actorAccountId", &filter.actor_account_id)?,
            actor_role: filter.actor_role,
            actor_organisation_id: parse_uuid(
                "actorOrganisationId",
                &filter.actor_organisation_id,
            )?,
            correlation_id: parse_uuid("correlationId", &filter.correlation_id)?,
            recorded_from: filter.recorded_from.map(|t| t.0),
            recorded_to: filter.recorded_to.map(|t| t.0),
            occurred_from: filter.occurred_from.map(|t| t.0),
            occurred_to: filter.occurred_to.map(|t| t.0),
        })
    }

    /// The log filter the store can apply itself (types, stream prefix).
    pub(crate) fn log_filter(&self) -> LogFilter {
        match &self.stream {
            Some(stream) => LogFilter {
                stream_prefix: Some(stream.as_str().to_string()),
                ..self.log_filter.clone()
            },
            None => self.log_filter.clone(),
        }
    }

    pub(crate) fn lowest_position(&self) -> u64 {
        self.from_position
    }

    pub(crate) fn highest_position(&self) -> u64 {
        self.to_position
    }

    /// Whether anything beyond a position range narrows the list (then counts need a scan).
    pub(crate) fn needs_scan(&self) -> bool {
        self.stream.is_some()
            || self.log_filter != LogFilter::default()
            || self.actor_account_id.is_some()
            || self.actor_role.is_some()
            || self.actor_organisation_id.is_some()
            || self.correlation_id.is_some()
            || self.occurred_from.is_some()
            || self.occurred_to.is_some()
    }

    pub(crate) fn matches(&self, event: &RecordedEvent) -> bool {
        self.stream.as_ref().is_none_or(|s| *s == event.stream_id)
            && self.log_filter.matches(event)
            && self
                .actor_account_id
                .is_none_or(|id| id == event.actor.account_id)
            && self
                .actor_role
                .as_deref()
                .is_none_or(|role| role == event.actor.role)
            && self
                .actor_organisation_id
                .is_none_or(|id| Some(id) == event.actor.organisation_id)
            && self
                .correlation_id
                .is_none_or(|id| id == event.correlation_id)
            && self.occurred_from.is_none_or(|t| event.occurred_at >= t)
            && self.occurred_to.is_none_or(|t| event.occurred_at < t)
    }

    /// The position range the filter allows, before cursors: `None` when empty.
    fn positions(
        &self,
        store: &dyn EventStore,
    ) -> Result<Option<(u64, u64)>, async_graphql::Error> {
        let head = store.head().position;
        let mut low = self.from_position;
        let mut high = self.to_position.min(head);
        if let Some(from) = self.recorded_from {
            low = low.max(first_recorded_at_or_after(store, from, head)?);
        }
        if let Some(to) = self.recorded_to {
            high = high.min(first_recorded_at_or_after(store, to, head)?.saturating_sub(1));
        }
        Ok((low <= high).then_some((low, high)))
    }
}

/// The first position recorded at or after `instant` (head + 1 when none), by binary search.
fn first_recorded_at_or_after(
    store: &dyn EventStore,
    instant: Timestamp,
    head: u64,
) -> Result<u64, async_graphql::Error> {
    let (mut low, mut high) = (1u64, head + 1);
    while low < high {
        let middle = low + (high - low) / 2;
        let recorded_at = store
            .read_event(middle)
            .map_err(store_error)?
            .map(|event| event.recorded_at);
        match recorded_at {
            Some(at) if at < instant => low = middle + 1,
            _ => high = middle,
        }
    }
    Ok(low)
}

#[derive(SimpleObject)]
pub struct EventEdge {
    pub cursor: String,
    pub node: LedgerEvent,
}

/// A page of ledger events.
pub struct EventConnection {
    edges: Vec<EventEdge>,
    page_info: PageInfo,
    store: Arc<dyn EventStore>,
    window: EventWindow,
}

#[Object]
impl EventConnection {
    async fn edges(&self) -> &[EventEdge] {
        &self.edges
    }

    async fn nodes(&self) -> Vec<LedgerEvent> {
        self.edges.iter().map(|edge| edge.node.clone()).collect()
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// How many events match the filter (ignoring cursors). A filter beyond position and
    /// recorded-time ranges is counted by a bounded scan and refused over a wide range.
    async fn total_count(&self) -> async_graphql::Result<Int64> {
        let store = Arc::clone(&self.store);
        let window = self.window.clone();
        tokio::task::spawn_blocking(move || count_events(store.as_ref(), &window))
            .await
            .map_err(|e| crate::error::internal_error("counting events", e))?
            .map(Int64::from)
    }
}

fn count_events(store: &dyn EventStore, window: &EventWindow) -> async_graphql::Result<u64> {
    let Some((low, high)) = window.positions(store)? else {
        return Ok(0);
    };
    if !window.needs_scan() {
        return Ok(high - low + 1);
    }
    if window.stream.is_none() && high - low + 1 > TOTAL_COUNT_SCAN_EVENTS_MAX {
        return Err(bad_input(format!(
            "totalCount with this filter would scan {} events (limit {TOTAL_COUNT_SCAN_EVENTS_MAX}); \
             narrow fromPosition/toPosition or a recorded-time range",
            high - low + 1
        )));
    }
    let mut count = 0;
    scan(
        store,
        window,
        low,
        high,
        Direction::Forwards,
        u64::MAX,
        |_| {
            count += 1;
            ControlFlow::Continue(())
        },
    )?;
    Ok(count)
}

/// Lists one page of events.
pub fn find_events(
    store: Arc<dyn EventStore>,
    window: EventWindow,
    order: EventOrder,
    page: PageRequest,
) -> async_graphql::Result<EventConnection> {
    let cursor_position = |key: &Option<String>| -> async_graphql::Result<Option<u64>> {
        key.as_deref()
            .map(|k| {
                k.parse::<u64>()
                    .map_err(|_| bad_input("cursor is not a cursor of this list".into()))
            })
            .transpose()
    };
    let after = cursor_position(&page.after)?;
    let before = cursor_position(&page.before)?;
    let empty = |store, window| EventConnection {
        edges: Vec::new(),
        page_info: PageInfo::default(),
        store,
        window,
    };
    let Some((mut low, mut high)) = window.positions(store.as_ref())? else {
        return Ok(empty(store, window));
    };
    // In list order, `after` and `before` exclude everything up to / from their position.
    let (list_start_bound, list_end_bound) = match order {
        EventOrder::PositionAsc => (after.map(|p| p + 1), before.map(|p| p.saturating_sub(1))),
        EventOrder::PositionDesc => (before.map(|p| p + 1), after.map(|p| p.saturating_sub(1))),
    };
    if let Some(bound) = list_start_bound {
        low = low.max(bound);
    }
    if let Some(bound) = list_end_bound {
        high = high.min(bound);
    }
    if low > high || page.size == 0 {
        return Ok(empty(store, window));
    }
    let direction = match (order, page.from) {
        (EventOrder::PositionAsc, PageFrom::Start) | (EventOrder::PositionDesc, PageFrom::End) => {
            Direction::Forwards
        }
        _ => Direction::Backwards,
    };
    let want = page.size + 1;
    let mut found = Vec::with_capacity(want);
    let stopped_at = scan(
        store.as_ref(),
        &window,
        low,
        high,
        direction,
        EVENTS_PAGE_SCAN_EVENTS_MAX as u64,
        |event| {
            found.push(event);
            if found.len() < want {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        },
    )?;
    let more = found.len() > page.size || stopped_at.is_some();
    found.truncate(page.size);
    // The scan ran from the list's start when it went in list order.
    let in_list_order = matches!(
        (order, direction),
        (EventOrder::PositionAsc, Direction::Forwards)
            | (EventOrder::PositionDesc, Direction::Backwards)
    );
    let resume = stopped_at.filter(|_| found.len() < page.size);
    if !in_list_order {
        found.reverse();
    }
    let cursor = |position: u64| encode_cursor(EVENT_CURSOR_KIND, &position.to_string());
    let edges: Vec<EventEdge> = found
        .into_iter()
        .map(|event| EventEdge {
            cursor: cursor(event.position),
            node: LedgerEvent(event),
        })
        .collect();
    let first_cursor = edges.first().map(|edge| edge.cursor.clone());
    let last_cursor = edges.last().map(|edge| edge.cursor.clone());
    let page_info = match page.from {
        PageFrom::Start => PageInfo {
            has_next_page: more,
            has_previous_page: page.after.is_some(),
            start_cursor: first_cursor,
            // A scan cut short resumes after the last event it examined.
            end_cursor: resume.map(cursor).or(last_cursor),
        },
        PageFrom::End => PageInfo {
            has_next_page: page.before.is_some(),
            has_previous_page: more,
            start_cursor: resume.map(cursor).or(first_cursor),
            end_cursor: last_cursor,
        },
    };
    Ok(EventConnection {
        edges,
        page_info,
        store,
        window,
    })
}

/// Feeds matching events in `low..=high` to `sink` in `direction` until `sink` breaks or
/// `scan_limit` events were examined. Returns the last examined position when the scan limit
/// cut it short.
fn scan(
    store: &dyn EventStore,
    window: &EventWindow,
    low: u64,
    high: u64,
    direction: Direction,
    scan_limit: u64,
    mut sink: impl FnMut(RecordedEvent) -> ControlFlow<()>,
) -> async_graphql::Result<Option<u64>> {
    if let Some(stream) = &window.stream {
        let mut events = Vec::new();
        let mut from_version = 1;
        loop {
            let batch = store
                .read_stream(stream, from_version, READ_PAGE_EVENTS_MAX)
                .map_err(store_error)?;
            let full = batch.len() == READ_PAGE_EVENTS_MAX;
            from_version += batch.len() as u64;
            events.extend(batch);
            if !full || events.len() >= STREAM_EVENTS_MAX {
                break;
            }
        }
        events.retain(|e| (low..=high).contains(&e.position) && window.matches(e));
        if direction == Direction::Backwards {
            events.reverse();
        }
        for event in events {
            if sink(event).is_break() {
                break;
            }
        }
        return Ok(None);
    }
    let mut next = match direction {
        Direction::Forwards => low,
        Direction::Backwards => high,
    };
    let mut examined: u64 = 0;
    loop {
        let query = LogQuery {
            start: next,
            direction,
            filter: window.log_filter.clone(),
            limit: READ_PAGE_EVENTS_MAX,
        };
        let page = store.read_log(&query).map_err(store_error)?;
        for event in page.events {
            if !(low..=high).contains(&event.position) {
                return Ok(None);
            }
            if window.matches(&event) && sink(event).is_break() {
                return Ok(None);
            }
        }
        examined += next.abs_diff(page.next_start);
        next = page.next_start;
        let past_end = match direction {
            Direction::Forwards => next > high,
            Direction::Backwards => next < low,
        };
        if page.reached_end || past_end {
            return Ok(None);
        }
        if examined >= scan_limit {
            let last_examined = match direction {
                Direction::Forwards => next - 1,
                Direction::Backwards => next + 1,
            };
            return Ok(Some(last_examined));
        }
    }
}

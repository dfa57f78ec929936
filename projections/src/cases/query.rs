//! Case queries: one case, a filtered page of cases, the overdue backlog.
//!
//! A filtered page reads the narrowest index among the filter's fields (the one with the
//! smallest count) and checks the other fields on each case it reads, so it never scans more
//! than that index range (and at most `PAGE_SCAN_KEYS_MAX` entries per page).

use govledger_core::time::{MICROS_PER_HOUR, Timestamp};
use uuid::Uuid;

use crate::cases::index::{DUE, LISTED, Listing};
use crate::cases::view::{CaseDetails, CaseKind, CaseView};
use crate::error::ProjectionError;
use crate::page::{COUNT_SCAN_KEYS_MAX, Page, PageRequest};
use crate::runner::ReadModel;
use crate::storage::walk::EntryIsItem;
use crate::storage::{IndexEntry, Order, OrderRange};

/// Which cases a list shows. Unset fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilter {
    pub kind: CaseKind,
    pub status: Option<String>,
    pub category: Option<String>,
    pub compound_id: Option<Uuid>,
    pub building_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    /// Requests only: the follow-up's satisfaction answer.
    pub satisfaction: Option<String>,
    pub awaiting_outcome: Option<bool>,
    /// Opened at or after.
    pub opened_from: Option<Timestamp>,
    /// Opened before.
    pub opened_before: Option<Timestamp>,
    /// Only cases overdue at this instant (awaiting their outcome past their due time),
    /// listed most overdue first.
    pub overdue_at: Option<Timestamp>,
}

impl CaseFilter {
    pub fn kind(kind: CaseKind) -> CaseFilter {
        CaseFilter {
            kind,
            status: None,
            category: None,
            compound_id: None,
            building_id: None,
            organisation_id: None,
            satisfaction: None,
            awaiting_outcome: None,
            opened_from: None,
            opened_before: None,
            overdue_at: None,
        }
    }

    fn matches(&self, view: &CaseView) -> bool {
        let satisfaction = match &view.details {
            CaseDetails::Request(details) => details.satisfaction.as_deref(),
            _ => None,
        };
        view.kind == self.kind
            && self.status.as_ref().is_none_or(|s| *s == view.status)
            && self.category.as_ref().is_none_or(|c| *c == view.category)
            && self.compound_id.is_none_or(|c| view.compound_id == Some(c))
            && self
                .building_id
                .is_none_or(|b| view.building_ids.contains(&b))
            && self
                .organisation_id
                .is_none_or(|o| view.responsible_organisation_id == Some(o))
            && self
                .satisfaction
                .as_deref()
                .is_none_or(|s| satisfaction == Some(s))
            && self
                .awaiting_outcome
                .is_none_or(|a| view.awaiting_outcome == a)
            && self.opened_from.is_none_or(|from| view.opened_at >= from)
            && self
                .opened_before
                .is_none_or(|before| view.opened_at < before)
            && self.overdue_at.is_none_or(|at| view.is_overdue_at(at))
    }

    /// The lists this filter pins.
    fn pinned(&self) -> Vec<Listing> {
        let mut pinned = Vec::new();
        if let Some(status) = &self.status {
            pinned.push(Listing::Status(status.clone()));
        }
        if let Some(category) = &self.category {
            pinned.push(Listing::Category(category.clone()));
        }
        if let Some(compound) = self.compound_id {
            pinned.push(Listing::Compound(compound));
        }
        if let Some(building) = self.building_id {
            pinned.push(Listing::Building(building));
        }
        if let Some(organisation) = self.organisation_id {
            pinned.push(Listing::Organisation(organisation));
        }
        if let Some(satisfaction) = &self.satisfaction {
            pinned.push(Listing::Satisfaction(satisfaction.clone()));
        }
        if let Some(awaiting) = self.awaiting_outcome {
            pinned.push(Listing::AwaitingOutcome(awaiting));
        }
        pinned
    }
}

/// One case by id.
pub fn get_case(
    model: &ReadModel,
    kind: CaseKind,
    id: Uuid,
) -> Result<Option<CaseView>, ProjectionError> {
    crate::cases::CASES.read(model, &(kind, id))
}

/// The index a query reads.
#[derive(Debug, Clone)]
enum Source {
    /// A list (`LISTED`): newest opened first.
    Listed(Listing),
    /// `DUE`: earliest due first.
    Due,
}

/// The index range a query reads.
struct Plan {
    source: Source,
    range: OrderRange,
    /// The count of the whole index range, when the filter is exactly that range.
    exact_total: Option<u64>,
}

impl Plan {
    fn page<T>(
        &self,
        model: &ReadModel,
        kind: CaseKind,
        request: &PageRequest,
        entry_is_item: EntryIsItem,
        item: impl FnMut(IndexEntry) -> Result<Option<T>, ProjectionError>,
    ) -> Result<crate::page::Walked<T>, ProjectionError> {
        match &self.source {
            Source::Listed(listing) => LISTED.page(
                model,
                &(kind, listing.clone()),
                self.range,
                request,
                entry_is_item,
                item,
            ),
            Source::Due => DUE.page(model, &kind, self.range, request, entry_is_item, item),
        }
    }

    fn scan(
        &self,
        model: &ReadModel,
        kind: CaseKind,
    ) -> Box<dyn Iterator<Item = Result<IndexEntry, ProjectionError>>> {
        match &self.source {
            Source::Listed(listing) => {
                Box::new(LISTED.scan(model, &(kind, listing.clone()), self.range.from))
            }
            Source::Due => Box::new(DUE.scan(model, &kind, self.range.from)),
        }
    }

    /// Whether the scan has gone past the range.
    fn past_range(&self, entry: &IndexEntry) -> bool {
        self.range.until.is_some_and(|until| entry.order >= until)
    }
}

fn plan(
    model: &ReadModel,
    filter: &CaseFilter,
    cursor: Option<&[u8]>,
) -> Result<Plan, ProjectionError> {
    let kind = filter.kind;
    let pinned = filter.pinned();
    let has_dates = filter.opened_from.is_some() || filter.opened_before.is_some();
    let mut candidates: Vec<(Source, u64)> = Vec::new();
    if filter.overdue_at.is_some() {
        candidates.push((Source::Due, DUE.count(model, &kind)?));
    }
    for listing in pinned.iter().chain([&Listing::All]) {
        let count = LISTED.count(model, &(kind, listing.clone()))?;
        candidates.push((Source::Listed(listing.clone()), count));
    }
    let chosen = match cursor {
        // A cursor keeps the index its first page used, so paging stays consistent.
        Some(cursor) => candidates.into_iter().find(|(source, _)| match source {
            Source::Listed(listing) => LISTED.owns_cursor(&(kind, listing.clone()), cursor),
            Source::Due => DUE.owns_cursor(&kind, cursor),
        }),
        None => candidates.into_iter().min_by_key(|(_, count)| *count),
    };
    let Some((source, count)) = chosen else {
        return Err(ProjectionError::InvalidQuery(
            "the cursor does not belong to this query".into(),
        ));
    };
    let single_pin = match source {
        Source::Due => false,
        Source::Listed(_) => pinned.len() <= 1 && filter.overdue_at.is_none(),
    };
    let exact_total = (single_pin && !has_dates).then_some(count);
    let range = match source {
        // Newest first: from the last instant before `opened_before`, until the first one
        // before `opened_from`.
        Source::Listed(_) => OrderRange {
            from: filter
                .opened_before
                .map(|before| Order::newest_first(before.plus_micros(-1))),
            until: filter
                .opened_from
                .map(|from| Order::newest_first(from.plus_micros(-1))),
        },
        // Earliest due first, until the first due at `overdue_at`.
        Source::Due => OrderRange {
            from: None,
            until: filter.overdue_at.map(Order::oldest_first),
        },
    };
    Ok(Plan {
        source,
        range,
        exact_total,
    })
}

/// A page of cases matching `filter`, newest opened first (most overdue first for an
/// overdue filter), with the total that match.
pub fn list_cases(
    model: &ReadModel,
    filter: &CaseFilter,
    page: &PageRequest,
) -> Result<Page<CaseView>, ProjectionError> {
    // Any cursor: `plan` checks that it is one of this query's indexes.
    let cursor = match page.after_key(&[])? {
        Some(after) => Some(after),
        None => page.before_key(&[])?,
    };
    let plan = plan(model, filter, cursor.as_deref())?;
    // A filter that is exactly the index range matches every entry of it: the look-ahead
    // past the page then reads no case.
    let entry_is_item = match plan.exact_total {
        Some(_) => EntryIsItem::Always,
        None => EntryIsItem::WhenRead,
    };
    let walked = plan.page(model, filter.kind, page, entry_is_item, |entry| {
        if plan.past_range(&entry) {
            return Ok(None);
        }
        Ok(get_case(model, filter.kind, entry.id)?.filter(|view| filter.matches(view)))
    })?;
    let (total_count, total_is_exact) = match plan.exact_total {
        Some(total) => (total, true),
        None => count_matches(model, filter, &plan)?,
    };
    Ok(Page::new(walked, total_count, total_is_exact))
}

fn count_matches(
    model: &ReadModel,
    filter: &CaseFilter,
    plan: &Plan,
) -> Result<(u64, bool), ProjectionError> {
    let mut count = 0;
    for (scanned, entry) in plan.scan(model, filter.kind).enumerate() {
        let entry = entry?;
        if plan.past_range(&entry) {
            break;
        }
        if scanned == COUNT_SCAN_KEYS_MAX {
            return Ok((count, false));
        }
        if get_case(model, filter.kind, entry.id)?.is_some_and(|view| filter.matches(&view)) {
            count += 1;
        }
    }
    Ok((count, true))
}

/// The overdue backlog at an instant: how many cases await their outcome past their due
/// time, and how long past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueBacklog {
    pub at: Timestamp,
    pub count: u64,
    /// Hours past due, median and largest (0 when there is none).
    pub median_overdue_hours: i64,
    pub max_overdue_hours: i64,
    /// False when counting stopped at `COUNT_SCAN_KEYS_MAX`.
    pub is_exact: bool,
}

/// The overdue backlog of the cases `filter` selects (its `overdue_at` is replaced by `at`).
pub fn overdue_backlog(
    model: &ReadModel,
    filter: &CaseFilter,
    at: Timestamp,
) -> Result<OverdueBacklog, ProjectionError> {
    let mut filter = filter.clone();
    filter.overdue_at = Some(at);
    let mut overdue_hours = Vec::new();
    let mut is_exact = true;
    for entry in DUE.scan(model, &filter.kind, None) {
        let entry = entry?;
        let due_at = entry.order.oldest_first_time();
        if due_at >= at {
            break;
        }
        if overdue_hours.len() == COUNT_SCAN_KEYS_MAX {
            is_exact = false;
            break;
        }
        if get_case(model, filter.kind, entry.id)?.is_some_and(|view| filter.matches(&view)) {
            overdue_hours.push(at.micros_since(due_at) / MICROS_PER_HOUR);
        }
    }
    // The index is in due order, so the hours are in descending order already.
    let count = overdue_hours.len();
    Ok(OverdueBacklog {
        at,
        count: count as u64,
        median_overdue_hours: crate::metrics::stats::median_of_sorted_desc(&overdue_hours),
        max_overdue_hours: overdue_hours.first().copied().unwrap_or(0),
        is_exact,
    })
}

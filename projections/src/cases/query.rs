//! Case queries: one case, a filtered page of cases, the overdue backlog.
//!
//! A filtered page reads the narrowest index among the filter's fields (the one with the
//! smallest count) and checks the other fields on each case it reads, so it never scans more
//! than that index range (and at most `PAGE_SCAN_KEYS_MAX` entries per page).

use govledger_core::time::{MICROS_PER_HOUR, Timestamp};
use uuid::Uuid;

use crate::cases::index::{
    self, DUE_TAG, IndexField, IndexValue, count_key, due_prefix, index_prefix,
};
use crate::cases::view::{CaseDetails, CaseKind, CaseView};
use crate::error::ProjectionError;
use crate::page::{
    COUNT_SCAN_KEYS_MAX, EntryIsItem, KeyLayout, KeyRange, PAGE_SCAN_KEYS_MAX, Page, PageRequest,
    walk_keys,
};
use crate::runner::ReadModel;
use crate::storage::chunks::{self, ScanStart};
use crate::storage::keys::{self, Key};

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

    /// The index values this filter pins.
    fn pinned(&self) -> Vec<IndexValue> {
        let mut pinned = Vec::new();
        if let Some(status) = &self.status {
            pinned.push(IndexValue::text(IndexField::Status, status));
        }
        if let Some(category) = &self.category {
            pinned.push(IndexValue::text(IndexField::Category, category));
        }
        if let Some(compound) = &self.compound_id {
            pinned.push(IndexValue::id(IndexField::Compound, compound));
        }
        if let Some(building) = &self.building_id {
            pinned.push(IndexValue::id(IndexField::Building, building));
        }
        if let Some(organisation) = &self.organisation_id {
            pinned.push(IndexValue::id(IndexField::Organisation, organisation));
        }
        if let Some(satisfaction) = &self.satisfaction {
            pinned.push(IndexValue::text(IndexField::Satisfaction, satisfaction));
        }
        if let Some(awaiting) = self.awaiting_outcome {
            pinned.push(IndexValue::flag(IndexField::AwaitingOutcome, awaiting));
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

/// The index range a query reads.
struct Plan {
    prefix: Vec<u8>,
    /// Where the scan starts (inclusive) without a cursor.
    start: Vec<u8>,
    /// Where the filter's time range ends (exclusive), when it has an end.
    end: Option<Vec<u8>>,
    order: Order,
    /// The count of the whole index range, when the filter is exactly that range.
    exact_total: Option<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    /// An `i` index: newest opened first.
    OpenedDescending,
    /// The `d` index: earliest due first.
    DueAscending,
}

fn count_of(model: &ReadModel, key: &[u8]) -> Result<u64, ProjectionError> {
    Ok(model.get_record::<u64>(key)?.unwrap_or(0))
}

fn plan(
    model: &ReadModel,
    filter: &CaseFilter,
    cursor: Option<&[u8]>,
) -> Result<Plan, ProjectionError> {
    let pinned = filter.pinned();
    let has_dates = filter.opened_from.is_some() || filter.opened_before.is_some();
    let mut candidates: Vec<(Vec<u8>, u64, Order)> = Vec::new();
    if filter.overdue_at.is_some() {
        let due = IndexValue {
            field: IndexField::Due,
            value: Vec::new(),
        };
        let count = count_of(model, &count_key(filter.kind, &due))?;
        candidates.push((due_prefix(filter.kind), count, Order::DueAscending));
    }
    for value in pinned.iter().chain([&IndexValue::all()]) {
        let count = count_of(model, &count_key(filter.kind, value))?;
        candidates.push((
            index_prefix(filter.kind, value),
            count,
            Order::OpenedDescending,
        ));
    }
    let chosen = match cursor {
        // A cursor keeps the index its first page used, so paging stays consistent.
        Some(cursor) => candidates
            .into_iter()
            .filter(|(prefix, _, _)| cursor.starts_with(prefix))
            .max_by_key(|(prefix, _, _)| prefix.len()),
        None => candidates.into_iter().min_by_key(|(_, count, _)| *count),
    };
    let Some((prefix, count, order)) = chosen else {
        return Err(ProjectionError::InvalidQuery(
            "the cursor does not belong to this query".into(),
        ));
    };
    let single_pin = match order {
        Order::DueAscending => false,
        Order::OpenedDescending => pinned.len() <= 1 && filter.overdue_at.is_none(),
    };
    let exact_total = (single_pin && !has_dates).then_some(count);
    let start = match (order, filter.opened_before) {
        (Order::OpenedDescending, Some(before)) => Key::tag(0)
            .raw(&prefix[..])
            .time_desc(before.plus_micros(-1))
            .into_bytes()[1..]
            .to_vec(),
        _ => prefix.clone(),
    };
    // The first key past the time range: opened before `opened_from`, or due at `overdue_at`.
    let end = match order {
        Order::OpenedDescending => filter.opened_from.map(|from| from.plus_micros(-1)),
        Order::DueAscending => filter.overdue_at,
    }
    .map(|bound| {
        let key = Key::tag(0).raw(&prefix[..]);
        let key = match order {
            Order::OpenedDescending => key.time_desc(bound),
            Order::DueAscending => key.time(bound),
        };
        key.into_bytes()[1..].to_vec()
    });
    Ok(Plan {
        prefix,
        start,
        end,
        order,
        exact_total,
    })
}

/// Whether the scan has gone past the filter's time range, read from the key alone.
fn past_range(plan: &Plan, filter: &CaseFilter, key: &[u8]) -> bool {
    match plan.order {
        Order::OpenedDescending => filter.opened_from.is_some_and(|from| {
            keys::read_time_desc(key, plan.prefix.len()).is_some_and(|opened| opened < from)
        }),
        Order::DueAscending => filter
            .overdue_at
            .is_some_and(|at| keys::read_time(key, plan.prefix.len()).is_some_and(|due| due >= at)),
    }
}

/// A page of cases matching `filter`, newest opened first (most overdue first for an
/// overdue filter), with the total that match.
pub fn list_cases(
    model: &ReadModel,
    filter: &CaseFilter,
    page: &PageRequest,
) -> Result<Page<CaseView>, ProjectionError> {
    let kind_prefix = [index::INDEX_TAG, filter.kind.tag()];
    let due_kind_prefix = [DUE_TAG, filter.kind.tag()];
    let cursor_of = |prefix: &[u8]| match page.after_key(prefix)? {
        Some(after) => Ok(Some(after)),
        None => page.before_key(prefix),
    };
    let cursor = match cursor_of(&kind_prefix) {
        Ok(cursor) => cursor,
        Err(_) => cursor_of(&due_kind_prefix)?,
    };
    let plan = plan(model, filter, cursor.as_deref())?;
    let range = KeyRange {
        prefix: &plan.prefix,
        start: Some(&plan.start),
        end: plan.end.as_deref(),
        layout: KeyLayout::Chunked,
    };
    // A filter that is exactly the index range matches every entry of it: the look-ahead
    // past the page then reads no case.
    let entry_is_item = match plan.exact_total {
        Some(_) => EntryIsItem::Always,
        None => EntryIsItem::WhenRead,
    };
    let walked = walk_keys(
        model,
        &range,
        page,
        PAGE_SCAN_KEYS_MAX,
        entry_is_item,
        |key, _| {
            if past_range(&plan, filter, key) {
                return Ok(None);
            }
            Ok(case_at(model, filter.kind, key)?.filter(|view| filter.matches(view)))
        },
    )?;
    let (total_count, total_is_exact) = match plan.exact_total {
        Some(total) => (total, true),
        None => count_matches(model, filter, &plan)?,
    };
    Ok(Page::new(walked, total_count, total_is_exact))
}

fn case_at(
    model: &ReadModel,
    kind: CaseKind,
    key: &[u8],
) -> Result<Option<CaseView>, ProjectionError> {
    let Some(id) = keys::trailing_uuid(key) else {
        return Err(ProjectionError::Corrupt(
            "a case index key is truncated".into(),
        ));
    };
    get_case(model, kind, id)
}

fn count_matches(
    model: &ReadModel,
    filter: &CaseFilter,
    plan: &Plan,
) -> Result<(u64, bool), ProjectionError> {
    let mut count = 0;
    let entries = chunks::scan(model, &plan.prefix, ScanStart::AtOrAfter(&plan.start));
    for (scanned, entry) in entries.enumerate() {
        let key = entry?;
        if past_range(plan, filter, &key) {
            break;
        }
        if scanned == COUNT_SCAN_KEYS_MAX {
            return Ok((count, false));
        }
        if case_at(model, filter.kind, &key)?.is_some_and(|view| filter.matches(&view)) {
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
    let prefix = due_prefix(filter.kind);
    let mut overdue_hours = Vec::new();
    let mut is_exact = true;
    for entry in chunks::scan(model, &prefix, ScanStart::AtOrAfter(&prefix)) {
        let key = entry?;
        let Some(due_at) = keys::read_time(&key, prefix.len()) else {
            return Err(ProjectionError::Corrupt(
                "a due index key is truncated".into(),
            ));
        };
        if due_at >= at {
            break;
        }
        if overdue_hours.len() == COUNT_SCAN_KEYS_MAX {
            is_exact = false;
            break;
        }
        if case_at(&model.clone(), filter.kind, &key)?.is_some_and(|view| filter.matches(&view)) {
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

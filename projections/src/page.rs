//! Cursor pagination shared by every list query, in both directions: a page asks for the
//! `first` items after a cursor or the `last` items before one (at most `PAGE_SIZE_MAX`), and
//! says whether the list goes on either side and how many items match in total. Cursors are
//! opaque (index keys in hex); each item has its own.

use crate::error::ProjectionError;
use crate::storage::keys;

/// Most items one page returns.
pub const PAGE_SIZE_MAX: usize = 100;
/// Page size when the caller does not say.
pub const PAGE_SIZE_DEFAULT: usize = 20;
/// Most index entries one page examines; a filter that matches little returns a short page
/// with a cursor instead of scanning on (the caller asks again from the cursor).
pub const PAGE_SCAN_KEYS_MAX: usize = 10_000;
/// Most index entries counted for a total; beyond it the total is a lower bound.
pub const COUNT_SCAN_KEYS_MAX: usize = 100_000;

/// What a caller asks for: `first` (after `after`) or `last` (before `before`); both cursors
/// may be given to page inside a window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1..=`PAGE_SIZE_MAX` items from the start of the window.
    pub first: Option<usize>,
    /// Only items after this cursor (exclusive).
    pub after: Option<String>,
    /// 1..=`PAGE_SIZE_MAX` items from the end of the window.
    pub last: Option<usize>,
    /// Only items before this cursor (exclusive).
    pub before: Option<String>,
}

/// Which end of the list (or of the window the cursors leave) a page is taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFrom {
    /// `first`: the page starts at the window's start and reads forwards.
    Start,
    /// `last`: the page ends at the window's end and reads backwards.
    End,
}

impl PageRequest {
    pub fn first(first: usize) -> PageRequest {
        PageRequest {
            first: Some(first),
            ..PageRequest::default()
        }
    }

    pub fn last(last: usize) -> PageRequest {
        PageRequest {
            last: Some(last),
            ..PageRequest::default()
        }
    }

    /// The page size and the end it is taken from. Without `first` or `last`, a page with
    /// only `before` is taken from the end, any other from the start.
    pub fn size_and_from(&self) -> Result<(usize, PageFrom), ProjectionError> {
        let checked = |size: usize, name: &str| {
            if (1..=PAGE_SIZE_MAX).contains(&size) {
                Ok(size)
            } else {
                Err(ProjectionError::InvalidQuery(format!(
                    "`{name}` {size} is outside 1..={PAGE_SIZE_MAX}"
                )))
            }
        };
        match (self.first, self.last) {
            (Some(_), Some(_)) => Err(ProjectionError::InvalidQuery(
                "pass `first` or `last`, not both".into(),
            )),
            (Some(first), None) => Ok((checked(first, "first")?, PageFrom::Start)),
            (None, Some(last)) => Ok((checked(last, "last")?, PageFrom::End)),
            (None, None) if self.before.is_some() && self.after.is_none() => {
                Ok((PAGE_SIZE_DEFAULT, PageFrom::End))
            }
            (None, None) => Ok((PAGE_SIZE_DEFAULT, PageFrom::Start)),
        }
    }

    /// The decoded `after` cursor, which must lie under `prefix`.
    pub(crate) fn after_key(&self, prefix: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        cursor_key(self.after.as_deref(), prefix)
    }

    /// The decoded `before` cursor, which must lie under `prefix`.
    pub(crate) fn before_key(&self, prefix: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        cursor_key(self.before.as_deref(), prefix)
    }
}

fn cursor_key(cursor: Option<&str>, prefix: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    match keys::decode_cursor(cursor) {
        Some(key) if key.starts_with(prefix) => Ok(Some(key)),
        _ => Err(ProjectionError::InvalidQuery(
            "the cursor does not belong to this query".into(),
        )),
    }
}

/// One page of results, in list order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Each item's cursor, in the same order.
    pub cursors: Vec<String>,
    /// Whether items follow the page (within `before`, when paging with `first`).
    pub has_next_page: bool,
    /// Whether items precede the page (within `after`, when paging with `last`).
    pub has_previous_page: bool,
    /// Pass as `before` for the previous page: the first item's cursor, or, when a backward
    /// scan stopped at `PAGE_SCAN_KEYS_MAX`, where it stopped. `None` on an empty page.
    pub start_cursor: Option<String>,
    /// Pass as `after` for the next page: the last item's cursor, or, when a forward scan
    /// stopped at `PAGE_SCAN_KEYS_MAX`, where it stopped. `None` on an empty page.
    pub end_cursor: Option<String>,
    /// `end_cursor` when `has_next_page`: what a forward-only reader passes as `after`.
    pub next_cursor: Option<String>,
    /// How many items match the filter in all (cursors aside).
    pub total_count: u64,
    /// False when counting stopped at `COUNT_SCAN_KEYS_MAX` (`total_count` is a lower bound).
    pub total_is_exact: bool,
}

impl<T> Page<T> {
    /// A page of `items` (in list order, with their cursors), its neighbours and cut-off.
    pub(crate) fn new(walked: Walked<T>, total_count: u64, total_is_exact: bool) -> Page<T> {
        let Walked {
            items,
            cursors,
            has_next_page,
            has_previous_page,
            resume_start,
            resume_end,
        } = walked;
        let start_cursor = resume_start.or_else(|| cursors.first().cloned());
        let end_cursor = resume_end.or_else(|| cursors.last().cloned());
        Page {
            next_cursor: end_cursor.clone().filter(|_| has_next_page),
            items,
            cursors,
            has_next_page,
            has_previous_page,
            start_cursor,
            end_cursor,
            total_count,
            total_is_exact,
        }
    }
}

/// A page before its total is known.
pub(crate) struct Walked<T> {
    pub(crate) items: Vec<T>,
    pub(crate) cursors: Vec<String>,
    pub(crate) has_next_page: bool,
    pub(crate) has_previous_page: bool,
    /// Where a backward scan cut short stopped (its cursor).
    pub(crate) resume_start: Option<String>,
    /// Where a forward scan cut short stopped (its cursor).
    pub(crate) resume_end: Option<String>,
}

//! Cursor pagination shared by every list query: a page asks for at most `PAGE_SIZE_MAX`
//! items after an opaque cursor (an index key) and says how many match in total.

use crate::error::ProjectionError;
use crate::keys;

/// Most items one page returns.
pub const PAGE_SIZE_MAX: usize = 100;
/// Page size when the caller does not say.
pub const PAGE_SIZE_DEFAULT: usize = 20;
/// Most index entries one page examines; a filter that matches little returns a short page
/// with a cursor instead of scanning on (the caller asks again from the cursor).
pub const PAGE_SCAN_KEYS_MAX: usize = 10_000;
/// Most index entries counted for a total; beyond it the total is a lower bound.
pub const COUNT_SCAN_KEYS_MAX: usize = 100_000;

/// What a caller asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// 1..=`PAGE_SIZE_MAX`; `None` for `PAGE_SIZE_DEFAULT`.
    pub first: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub after: Option<String>,
}

impl PageRequest {
    pub fn first(first: usize) -> PageRequest {
        PageRequest {
            first: Some(first),
            after: None,
        }
    }

    pub(crate) fn size(&self) -> Result<usize, ProjectionError> {
        match self.first {
            None => Ok(PAGE_SIZE_DEFAULT),
            Some(first) if (1..=PAGE_SIZE_MAX).contains(&first) => Ok(first),
            Some(first) => Err(ProjectionError::InvalidQuery(format!(
                "page size {first} is outside 1..={PAGE_SIZE_MAX}"
            ))),
        }
    }

    /// The decoded cursor, which must lie under `prefix`.
    pub(crate) fn after_key(&self, prefix: &[u8]) -> Result<Option<Vec<u8>>, ProjectionError> {
        let Some(cursor) = &self.after else {
            return Ok(None);
        };
        match keys::decode_cursor(cursor) {
            Some(key) if key.starts_with(prefix) => Ok(Some(key)),
            _ => Err(ProjectionError::InvalidQuery(
                "the cursor does not belong to this query".into(),
            )),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next_cursor: Option<String>,
    /// How many items match the filter in all.
    pub total_count: u64,
    /// False when counting stopped at `COUNT_SCAN_KEYS_MAX` (`total_count` is a lower bound).
    pub total_is_exact: bool,
}

/// A page of the records stored under `prefix`, in key order; the total counts the prefix
/// (up to `COUNT_SCAN_KEYS_MAX`). For read models whose lists are keys under one prefix.
pub(crate) fn page_of_prefix<T>(
    model: &crate::runner::ReadModel,
    prefix: &[u8],
    page: &PageRequest,
    mut read: impl FnMut(&[u8], &[u8]) -> Result<Option<T>, ProjectionError>,
) -> Result<Page<T>, ProjectionError> {
    let size = page.size()?;
    let after = page.after_key(prefix)?;
    let mut items = Vec::with_capacity(size);
    let mut next_cursor = None;
    let mut entries = model.scan_after(prefix, after.as_deref());
    while let Some(entry) = entries.next() {
        let (key, value) = entry?;
        if let Some(item) = read(&key, &value)? {
            items.push(item);
        }
        if items.len() == size {
            if entries.next().is_some() {
                next_cursor = Some(keys::encode_cursor(&key));
            }
            break;
        }
    }
    let mut total_count = 0;
    let mut total_is_exact = true;
    for entry in model.scan_from(prefix, prefix) {
        entry?;
        if total_count == COUNT_SCAN_KEYS_MAX as u64 {
            total_is_exact = false;
            break;
        }
        total_count += 1;
    }
    Ok(Page {
        items,
        next_cursor,
        total_count,
        total_is_exact,
    })
}

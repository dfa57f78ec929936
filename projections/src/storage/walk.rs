//! Walking a list's stored keys into a page: in key order after a cursor (`first`) or
//! backwards before one (`last`), a bounded number of keys per page, over plain keys or the
//! virtual keys of a chunked index. Cursors are the keys in hex.

use crate::error::ProjectionError;
pub(crate) use crate::page::PAGE_SCAN_KEYS_MAX;
#[cfg(test)]
use crate::page::PAGE_SIZE_MAX;
use crate::page::{COUNT_SCAN_KEYS_MAX, Page, PageFrom, PageRequest, Walked};
use crate::storage::chunks::{self, ScanStart};
use crate::storage::keys;
use crate::storage::read_model::ReadModel;

/// The keys a list covers, in key order: under `prefix`, from `start` (inclusive, the prefix
/// when `None`) up to `end` (exclusive, the prefix's end when `None`).
pub(crate) struct KeyRange<'a> {
    pub(crate) prefix: &'a [u8],
    pub(crate) start: Option<&'a [u8]>,
    pub(crate) end: Option<&'a [u8]>,
    pub(crate) layout: KeyLayout,
}

/// How a range's entries are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyLayout {
    /// Each entry is a key of its own.
    Keys,
    /// Entries are packed in chunks (the cases' indexes, `cases/chunks.rs`); the walk sees
    /// their virtual keys, with empty values.
    Chunked,
}

/// Which way a scan runs in key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    Ascending,
    Descending,
}

/// The smallest key greater than `key`: `before` it means up to and including `key`.
fn just_after(key: &[u8]) -> Vec<u8> {
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    next
}

/// Keys and values of a list, in scan order.
pub(crate) type Entries =
    Box<dyn Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>>>;

/// The lower bound of a scan besides the range's own start.
enum Low<'a> {
    /// Keys after this one.
    After(&'a [u8]),
    /// This key and those after it.
    From(&'a [u8]),
}

impl Low<'_> {
    fn admits(&self, key: &[u8]) -> bool {
        match self {
            Low::After(low) => key > *low,
            Low::From(low) => key >= *low,
        }
    }
}

/// Entries of `range` above `low` (when given) and strictly before `high` (when given),
/// scanned in `scan` order.
fn entries(
    model: &ReadModel,
    range: &KeyRange<'_>,
    low: Option<Low<'_>>,
    high: Option<&[u8]>,
    scan: Scan,
) -> Entries {
    let start = range.start.unwrap_or(range.prefix);
    // The tighter of the range's end and `high`.
    let high: Option<Vec<u8>> = match (range.end, high) {
        (Some(end), Some(high)) => Some(end.min(high).to_vec()),
        (end, high) => end.or(high).map(<[u8]>::to_vec),
    };
    match scan {
        Scan::Ascending => {
            let from = match low {
                Some(Low::After(low)) if low >= start => ScanStart::After(low),
                Some(Low::From(low)) if low >= start => ScanStart::AtOrAfter(low),
                _ => ScanStart::AtOrAfter(start),
            };
            let inner: Entries = match (range.layout, from) {
                (KeyLayout::Keys, ScanStart::After(low)) => {
                    Box::new(model.scan_after(range.prefix, Some(low)))
                }
                (KeyLayout::Keys, ScanStart::AtOrAfter(low)) => {
                    Box::new(model.scan_from(range.prefix, low))
                }
                (KeyLayout::Chunked, from) => {
                    virtual_entries(chunks::scan(model, range.prefix, from))
                }
            };
            Box::new(inner.take_while(move |entry| match (entry, &high) {
                (Ok((key, _)), Some(high)) => key.as_ref() < high.as_slice(),
                _ => true,
            }))
        }
        Scan::Descending => {
            let low = low.map(|low| match low {
                Low::After(key) => (key.to_vec(), false),
                Low::From(key) => (key.to_vec(), true),
            });
            let start = start.to_vec();
            let inner: Entries = match range.layout {
                KeyLayout::Keys => Box::new(model.scan_before(range.prefix, high.as_deref())),
                KeyLayout::Chunked => {
                    virtual_entries(chunks::scan_rev(model, range.prefix, high.as_deref()))
                }
            };
            Box::new(inner.take_while(move |entry| match entry {
                Ok((key, _)) => {
                    key.as_ref() >= start.as_slice()
                        && low.as_ref().is_none_or(|(low, inclusive)| {
                            let bound = if *inclusive {
                                Low::From(low)
                            } else {
                                Low::After(low)
                            };
                            bound.admits(key)
                        })
                }
                Err(_) => true,
            }))
        }
    }
}

/// Virtual keys of a chunked index as entries with empty values.
fn virtual_entries(
    keys: impl Iterator<Item = Result<Vec<u8>, ProjectionError>> + 'static,
) -> Entries {
    Box::new(keys.map(|key| key.map(|key| (sled::IVec::from(key), sled::IVec::default()))))
}

/// Whether an entry of a range is an item by being there (a plain list, a filter that is
/// exactly the index range), or only if `read` makes one of it (a filter checked per entry).
/// Past the page, the first lets the look-ahead skip reading records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryIsItem {
    Always,
    WhenRead,
}

/// What one directional scan found.
struct Found<T> {
    /// Matching items with their keys, in scan order (at most the page size).
    items: Vec<(Vec<u8>, T)>,
    /// Whether an item follows them (or may: a scan cut short cannot rule one out).
    more: bool,
    /// The last key examined when the scan stopped at `scan_keys_max` with entries left.
    cut_at: Option<Vec<u8>>,
}

/// Reads up to `size` items from `entries`, then looks one item further.
fn collect<T>(
    mut entries: Entries,
    size: usize,
    scan_keys_max: usize,
    entry_is_item: EntryIsItem,
    read: &mut impl FnMut(&[u8], &[u8]) -> Result<Option<T>, ProjectionError>,
) -> Result<Found<T>, ProjectionError> {
    let mut items = Vec::with_capacity(size);
    let mut scanned = 0usize;
    while let Some(entry) = entries.next() {
        let (key, value) = entry?;
        if items.len() == size {
            let is_item = match entry_is_item {
                EntryIsItem::Always => true,
                EntryIsItem::WhenRead => read(&key, &value)?.is_some(),
            };
            if is_item {
                return Ok(Found {
                    items,
                    more: true,
                    cut_at: None,
                });
            }
        } else if let Some(item) = read(&key, &value)? {
            items.push((key.to_vec(), item));
        }
        scanned += 1;
        if scanned == scan_keys_max {
            let left = entries.next().transpose()?.is_some();
            return Ok(Found {
                items,
                more: left,
                cut_at: left.then(|| key.to_vec()),
            });
        }
    }
    Ok(Found {
        items,
        more: false,
        cut_at: None,
    })
}

/// One page of the entries of `range` that `read` turns into items, in key order (`first`)
/// or read backwards from the end (`last`). A scan examines at most `scan_keys_max` entries
/// and then returns a short page whose cursor resumes it.
pub(crate) fn walk_keys<T>(
    model: &ReadModel,
    range: &KeyRange<'_>,
    page: &PageRequest,
    scan_keys_max: usize,
    entry_is_item: EntryIsItem,
    mut read: impl FnMut(&[u8], &[u8]) -> Result<Option<T>, ProjectionError>,
) -> Result<Walked<T>, ProjectionError> {
    let (size, from) = page.size_and_from()?;
    let after = page.after_key(range.prefix)?;
    let before = page.before_key(range.prefix)?;
    let (scan, beyond) = match from {
        PageFrom::Start => (Scan::Ascending, Scan::Descending),
        PageFrom::End => (Scan::Descending, Scan::Ascending),
    };
    let found = collect(
        entries(
            model,
            range,
            after.as_deref().map(Low::After),
            before.as_deref(),
            scan,
        ),
        size,
        scan_keys_max,
        entry_is_item,
        &mut read,
    )?;
    let mut items = found.items;
    // Items past the page's far end.
    let more = found.more;
    // Items on the other side of the page: any match beyond its near end (or the cursor).
    let near_cursor = match from {
        PageFrom::Start => after.as_deref(),
        PageFrom::End => before.as_deref(),
    };
    let other_side = match near_cursor {
        None => false,
        Some(cursor) => {
            let nearest = items.first().map(|(key, _)| key.as_slice());
            let beyond_cursor = just_after(cursor);
            // Before the first item (or up to and including the cursor), or after the last
            // item (or from the cursor on).
            let (low, high) = match (from, nearest) {
                (PageFrom::Start, Some(key)) => (None, Some(key)),
                (PageFrom::Start, None) => (None, Some(beyond_cursor.as_slice())),
                (PageFrom::End, Some(key)) => (Some(Low::After(key)), None),
                (PageFrom::End, None) => (Some(Low::From(cursor)), None),
            };
            let probe = collect(
                entries(model, range, low, high, beyond),
                0,
                scan_keys_max,
                entry_is_item,
                &mut read,
            )?;
            probe.more
        }
    };
    let cut_cursor = found.cut_at.map(|key| keys::encode_cursor(&key));
    if from == PageFrom::End {
        items.reverse();
    }
    let cursors = items
        .iter()
        .map(|(key, _)| keys::encode_cursor(key))
        .collect();
    let items = items.into_iter().map(|(_, item)| item).collect();
    Ok(match from {
        PageFrom::Start => Walked {
            items,
            cursors,
            has_next_page: more,
            has_previous_page: other_side,
            resume_start: None,
            resume_end: cut_cursor,
        },
        PageFrom::End => Walked {
            items,
            cursors,
            has_next_page: other_side,
            has_previous_page: more,
            resume_start: cut_cursor,
            resume_end: None,
        },
    })
}

/// A page of the records stored under `prefix`, in key order; the total counts the prefix
/// (up to `COUNT_SCAN_KEYS_MAX`). For read models whose lists are keys under one prefix.
pub(crate) fn page_of_prefix<T>(
    model: &ReadModel,
    prefix: &[u8],
    page: &PageRequest,
    read: impl FnMut(&[u8], &[u8]) -> Result<Option<T>, ProjectionError>,
) -> Result<Page<T>, ProjectionError> {
    let range = KeyRange {
        prefix,
        start: None,
        end: None,
        layout: KeyLayout::Keys,
    };
    let walked = walk_keys(
        model,
        &range,
        page,
        PAGE_SCAN_KEYS_MAX,
        EntryIsItem::Always,
        read,
    )?;
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
    Ok(Page::new(walked, total_count, total_is_exact))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys `L0`..`L9` under the prefix `L`, values their digit; `K` and `M` keys around them
    /// must never show. Odd digits are what a filter drops.
    fn model() -> ReadModel {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .expect("a temporary sled");
        let tree = db.open_tree("page").expect("a tree");
        for key in [b"K9".to_vec(), b"M0".to_vec()] {
            tree.insert(key, b"x".to_vec()).expect("insert");
        }
        for digit in b'0'..=b'9' {
            tree.insert([b'L', digit], vec![digit]).expect("insert");
        }
        ReadModel::new(tree)
    }

    fn cursor(digit: char) -> Option<String> {
        Some(keys::encode_cursor(&[b'L', digit as u8]))
    }

    /// Which digits a filter keeps.
    #[derive(Clone, Copy)]
    enum Keep {
        All,
        Even,
    }

    /// `expect`: the page's digits, then `>` when a next page exists and `<` when a previous
    /// one does, e.g. `"<234>"`.
    fn check(keep: Keep, range: (Option<&[u8]>, Option<&[u8]>), page: PageRequest, expect: &str) {
        let model = model();
        let range = KeyRange {
            prefix: b"L",
            start: range.0,
            end: range.1,
            layout: KeyLayout::Keys,
        };
        let entry_is_item = match keep {
            Keep::All => EntryIsItem::Always,
            Keep::Even => EntryIsItem::WhenRead,
        };
        let walked = walk_keys(
            &model,
            &range,
            &page,
            PAGE_SCAN_KEYS_MAX,
            entry_is_item,
            |_, value| {
                let digit = char::from(value[0]);
                Ok(match keep {
                    Keep::All => Some(digit),
                    Keep::Even => (digit as u8 % 2 == 0).then_some(digit),
                })
            },
        )
        .expect("a page");
        let page = Page::new(walked, 0, true);
        let mut got = String::new();
        if page.has_previous_page {
            got.push('<');
        }
        got.extend(page.items.iter());
        if page.has_next_page {
            got.push('>');
        }
        assert_eq!(got, expect, "{page:?}");
        let expected_cursors: Vec<_> = page.items.iter().map(|d| cursor(*d).unwrap()).collect();
        assert_eq!(page.cursors, expected_cursors);
    }

    fn request(
        first: Option<usize>,
        after: Option<char>,
        last: Option<usize>,
        before: Option<char>,
    ) -> PageRequest {
        PageRequest {
            first,
            after: after.and_then(cursor),
            last,
            before: before.and_then(cursor),
        }
    }

    #[test]
    fn pages_run_forwards_and_backwards() {
        let all = (None, None);
        check(Keep::All, all, request(Some(3), None, None, None), "012>");
        check(
            Keep::All,
            all,
            request(Some(3), Some('2'), None, None),
            "<345>",
        );
        check(
            Keep::All,
            all,
            request(Some(3), Some('6'), None, None),
            "<789",
        );
        check(Keep::All, all, request(Some(3), Some('9'), None, None), "<");
        check(Keep::All, all, request(None, None, Some(3), None), "<789");
        check(
            Keep::All,
            all,
            request(None, None, Some(3), Some('7')),
            "<456>",
        );
        check(
            Keep::All,
            all,
            request(None, None, Some(3), Some('3')),
            "012>",
        );
        check(Keep::All, all, request(None, None, Some(3), Some('0')), ">");
        // A window between two cursors.
        check(
            Keep::All,
            all,
            request(Some(2), Some('2'), None, Some('6')),
            "<34>",
        );
        check(
            Keep::All,
            all,
            request(Some(5), Some('2'), None, Some('6')),
            "<345",
        );
        check(
            Keep::All,
            all,
            request(None, Some('2'), Some(2), Some('6')),
            "<45>",
        );
        check(
            Keep::All,
            all,
            request(None, Some('2'), Some(9), Some('6')),
            "345>",
        );
        // Only `before`: the default page size from the end.
        check(
            Keep::All,
            all,
            request(None, None, None, Some('4')),
            "0123>",
        );
    }

    #[test]
    fn pages_of_a_filter_look_past_what_it_drops() {
        let all = (None, None);
        check(Keep::Even, all, request(Some(2), None, None, None), "02>");
        check(
            Keep::Even,
            all,
            request(Some(2), Some('2'), None, None),
            "<46>",
        );
        check(Keep::Even, all, request(None, None, Some(2), None), "<68");
        check(
            Keep::Even,
            all,
            request(None, None, Some(2), Some('5')),
            "<24>",
        );
        // The scan stops after 3 keys: `1` and `3` of `1..=5` are dropped, so the page is
        // short and its end cursor resumes after the last key examined.
        let model = model();
        let range = KeyRange {
            prefix: b"L",
            start: None,
            end: None,
            layout: KeyLayout::Keys,
        };
        let walked = walk_keys(
            &model,
            &range,
            &request(Some(3), Some('0'), None, None),
            3,
            EntryIsItem::WhenRead,
            |_, v| Ok((v[0] % 2 == 0).then_some(char::from(v[0]))),
        )
        .expect("a page");
        let page = Page::new(walked, 0, true);
        assert_eq!(page.items, vec!['2']);
        assert!(page.has_next_page);
        assert_eq!(page.end_cursor, cursor('3'));
        assert_eq!(page.next_cursor, cursor('3'));
    }

    #[test]
    fn a_range_bounds_the_list() {
        let range: (Option<&[u8]>, Option<&[u8]>) = (Some(b"L2"), Some(b"L7"));
        check(
            Keep::All,
            range,
            request(Some(9), None, None, None),
            "23456",
        );
        check(Keep::All, range, request(None, None, Some(2), None), "<56");
        check(
            Keep::All,
            range,
            request(Some(2), Some('4'), None, None),
            "<56",
        );
        check(
            Keep::All,
            range,
            request(None, None, Some(9), Some('4')),
            "23>",
        );
    }

    #[test]
    fn bad_requests_are_refused() {
        let refused = |page: PageRequest| {
            let model = model();
            let range = KeyRange {
                prefix: b"L",
                start: None,
                end: None,
                layout: KeyLayout::Keys,
            };
            walk_keys(&model, &range, &page, 3, EntryIsItem::Always, |_, _| {
                Ok(Some(()))
            })
            .is_err()
        };
        assert!(refused(request(Some(1), None, Some(1), None)));
        assert!(refused(request(Some(0), None, None, None)));
        assert!(refused(request(None, None, Some(PAGE_SIZE_MAX + 1), None)));
        // A cursor of another list (another prefix), or not a cursor at all.
        assert!(refused(PageRequest {
            after: Some(keys::encode_cursor(b"M0")),
            ..PageRequest::first(1)
        }));
        assert!(refused(PageRequest {
            before: Some("zz".into()),
            ..PageRequest::last(1)
        }));
    }
}

//! `PositionList`: the log positions filed under a key (the events an account or an
//! organisation recorded), appended in log order and read as pages, newest first.
//!
//! Stored as one value per *span* of `SPAN_POSITIONS` log positions, under
//! `tag ‖ key ‖ span (newest first)`, each position as its big-endian u16 offset in the span,
//! ascending. A busy key (a service-station clerk records most of the log) thus costs one
//! write per span per batch instead of one per event; a quiet one costs what a key per event
//! would. A page's cursors are the positions it lists (`NumberCursors`), so they stay valid
//! however the spans are stored.

use std::marker::PhantomData;

use crate::error::{ApplyError, ProjectionError};
use crate::page::{COUNT_SCAN_KEYS_MAX, Page, PageFrom, PageRequest, Walked};
use crate::storage::NumberCursors;
use crate::storage::key_part::KeyPart;
use crate::storage::keys::{self, Key};
use crate::storage::read_model::ReadModel;
use crate::storage::writes::ReadModelWrites;

/// Log positions one span covers; offsets within it fit a u16.
pub(crate) const SPAN_POSITIONS: u64 = 4_096;
const OFFSET_BYTES: usize = 2;
const _: () = assert!(SPAN_POSITIONS <= 1 << (8 * OFFSET_BYTES));
/// The cursors of every position list's pages (part of the API: clients keep cursors).
const CURSORS: NumberCursors = NumberCursors::new(b'y');

/// Log positions filed under keys `K`. Its tag is the first byte of its keys, unique within
/// the read model.
pub(crate) struct PositionList<K> {
    tag: u8,
    name: &'static str,
    _keys: PhantomData<fn() -> K>,
}

/// Which way a walk over one list runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// List order: newest first (descending positions).
    NewestFirst,
    /// Backwards: oldest first (ascending positions).
    OldestFirst,
}

/// Positions strictly between `newer_than` and `older_than` (each bound when given).
#[derive(Debug, Clone, Copy)]
struct Window {
    newer_than: Option<u64>,
    older_than: Option<u64>,
}

impl<K: KeyPart> PositionList<K> {
    /// `name` says what the list is in error messages ("activity of an account").
    pub(crate) const fn new(tag: u8, name: &'static str) -> PositionList<K> {
        PositionList {
            tag,
            name,
            _keys: PhantomData,
        }
    }

    fn prefix(&self, key: &K) -> Key {
        key.write(Key::tag(self.tag))
    }

    fn span_key(&self, key: &K, span: u64) -> Vec<u8> {
        self.prefix(key).u64(u64::MAX - span).into_bytes()
    }

    /// Files `position` under `key` (positions arrive in ascending order).
    pub(crate) fn record(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
        position: u64,
    ) -> Result<(), ApplyError> {
        let span = position / SPAN_POSITIONS;
        let offset = (position % SPAN_POSITIONS) as u16;
        writes.append(self.span_key(key, span), &offset.to_be_bytes())
    }

    /// A page of the positions filed under `key`, newest first; each position is its own
    /// cursor. `after` a cursor lists older positions, `before` it newer ones.
    pub(crate) fn page(
        &self,
        model: &ReadModel,
        key: &K,
        page: &PageRequest,
    ) -> Result<Page<u64>, ProjectionError> {
        let (size, from) = page.size_and_from()?;
        // In list order (newest first), `after` leaves older positions, `before` newer ones.
        let older_than = CURSORS.after(page)?;
        let newer_than = CURSORS.before(page)?;
        let window = Window {
            newer_than,
            older_than,
        };
        let walk = |walk, window, want| self.walk(model, key, walk, window, want);
        let (found, has_next_page, has_previous_page) = match from {
            PageFrom::Start => {
                let mut found = walk(Walk::NewestFirst, window, size + 1)?;
                let more = found.len() > size;
                found.truncate(size);
                // Newer than the page's first position (or from the cursor on, when it is
                // empty).
                let newer_than = match found.first() {
                    Some(first) => Some(*first),
                    None => older_than.map(|p| p.saturating_sub(1)),
                };
                let newer = older_than.is_some()
                    && !walk(
                        Walk::OldestFirst,
                        Window {
                            newer_than,
                            older_than: None,
                        },
                        1,
                    )?
                    .is_empty();
                (found, more, newer)
            }
            PageFrom::End => {
                let mut found = walk(Walk::OldestFirst, window, size + 1)?;
                let more = found.len() > size;
                found.truncate(size);
                found.reverse();
                // Older than the page's last position (or up to the cursor, when it is empty).
                let older = newer_than.is_some()
                    && !walk(
                        Walk::NewestFirst,
                        Window {
                            newer_than: None,
                            older_than: found.last().copied().or(newer_than.map(|p| p + 1)),
                        },
                        1,
                    )?
                    .is_empty();
                (found, older, more)
            }
        };
        let cursors = found.iter().map(|p| CURSORS.cursor(*p)).collect();
        let (total_count, total_is_exact) = self.count(model, key)?;
        let walked = Walked {
            items: found,
            cursors,
            has_next_page,
            has_previous_page,
            resume_start: None,
            resume_end: None,
        };
        Ok(Page::new(walked, total_count, total_is_exact))
    }

    /// How many positions are filed under `key`, counted up to `COUNT_SCAN_KEYS_MAX` (whether
    /// the count is exact).
    fn count(&self, model: &ReadModel, key: &K) -> Result<(u64, bool), ProjectionError> {
        let mut count = 0u64;
        let prefix = self.prefix(key).into_bytes();
        for entry in model.scan_from(&prefix, &prefix) {
            let (_, value) = entry?;
            count += (value.len() / OFFSET_BYTES) as u64;
            if count > COUNT_SCAN_KEYS_MAX as u64 {
                return Ok((count, false));
            }
        }
        Ok((count, true))
    }

    /// Up to `want` positions of the list inside `window`, walked in `walk` order.
    fn walk(
        &self,
        model: &ReadModel,
        key: &K,
        walk: Walk,
        window: Window,
        want: usize,
    ) -> Result<Vec<u64>, ProjectionError> {
        let Window {
            newer_than,
            older_than,
        } = window;
        let inside = |p: u64| newer_than.is_none_or(|n| p > n) && older_than.is_none_or(|o| p < o);
        let prefix = self.prefix(key).into_bytes();
        let mut found = Vec::with_capacity(want);
        if want == 0 {
            return Ok(found);
        }
        // Spans sort newest first, so the list order walks keys upwards from the span of
        // `older_than`, and the backward walk downwards from the span of `newer_than`.
        let spans: Box<dyn Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>>> =
            match walk {
                Walk::NewestFirst => {
                    let start = match older_than {
                        Some(p) => self.span_key(key, p / SPAN_POSITIONS),
                        None => prefix.clone(),
                    };
                    Box::new(model.scan_from(&prefix, &start))
                }
                Walk::OldestFirst => {
                    let below = newer_than.map(|p| {
                        let mut span = self.span_key(key, p / SPAN_POSITIONS);
                        span.push(0);
                        span
                    });
                    Box::new(model.scan_before(&prefix, below.as_deref()))
                }
            };
        for entry in spans {
            let (span_key, value) = entry?;
            let mut in_span = self.positions(&span_key, &value)?;
            if walk == Walk::OldestFirst {
                in_span.reverse();
            }
            for position in in_span {
                let past_window = match walk {
                    Walk::NewestFirst => newer_than.is_some_and(|n| position <= n),
                    Walk::OldestFirst => older_than.is_some_and(|o| position >= o),
                };
                if past_window {
                    return Ok(found);
                }
                if inside(position) {
                    found.push(position);
                    if found.len() == want {
                        return Ok(found);
                    }
                }
            }
        }
        Ok(found)
    }

    /// The positions of one stored span, newest first.
    fn positions(&self, span_key: &[u8], value: &[u8]) -> Result<Vec<u64>, ProjectionError> {
        let corrupt = || ProjectionError::Corrupt(format!("a span of the {}", self.name));
        let span = u64::MAX - keys::trailing_u64(span_key).ok_or_else(corrupt)?;
        if value.len() % OFFSET_BYTES != 0 {
            return Err(corrupt());
        }
        Ok(value
            .chunks_exact(OFFSET_BYTES)
            .rev()
            .map(|offset| {
                span * SPAN_POSITIONS + u64::from(u16::from_be_bytes([offset[0], offset[1]]))
            })
            .collect())
    }
}

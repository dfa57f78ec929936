//! The activity of an account or an organisation: the positions of the events it recorded.
//!
//! Stored as one list per bucket of `ACTIVITY_BUCKET_POSITIONS` log positions, under
//! `tag, id, bucket (newest first)`, each position as its big-endian u16 offset in the bucket,
//! ascending. A busy account (a service-station clerk records most of the log) thus costs one
//! write per bucket per batch instead of one per event; a quiet one costs what a key per event
//! would.

use govledger_core::store::EventStore;
use uuid::Uuid;

use crate::audit::query::AuditEntry;
use crate::error::{ApplyError, ProjectionError};
use crate::page::{COUNT_SCAN_KEYS_MAX, Page, PageFrom, PageRequest, Walked};
use crate::runner::{ReadModel, ReadModelWrites};
use crate::storage::keys::{self, Key};

/// Log positions one activity bucket covers; offsets within it fit a u16.
pub const ACTIVITY_BUCKET_POSITIONS: u64 = 4_096;
const OFFSET_BYTES: usize = 2;
const _: () = assert!(ACTIVITY_BUCKET_POSITIONS <= 1 << (8 * OFFSET_BYTES));
/// Tag of the opaque cursor of an activity page (the last position listed).
const CURSOR_TAG: &[u8] = b"y";

fn prefix(tag: u8, id: &Uuid) -> Key {
    Key::tag(tag).uuid(id)
}

fn bucket_key(tag: u8, id: &Uuid, bucket: u64) -> Vec<u8> {
    prefix(tag, id).u64(u64::MAX - bucket).into_bytes()
}

/// Records that `id` acted at `position` (positions arrive in ascending order).
pub(crate) fn record(
    writes: &mut ReadModelWrites<'_>,
    tag: u8,
    id: &Uuid,
    position: u64,
) -> Result<(), ApplyError> {
    let bucket = position / ACTIVITY_BUCKET_POSITIONS;
    let offset = (position % ACTIVITY_BUCKET_POSITIONS) as u16;
    writes.append(bucket_key(tag, id, bucket), &offset.to_be_bytes())
}

/// The positions of one bucket, newest first.
fn positions(key: &[u8], value: &[u8]) -> Result<Vec<u64>, ProjectionError> {
    let corrupt = || ProjectionError::Corrupt("activity bucket".into());
    let bucket = u64::MAX - keys::trailing_u64(key).ok_or_else(corrupt)?;
    if value.len() % OFFSET_BYTES != 0 {
        return Err(corrupt());
    }
    Ok(value
        .chunks_exact(OFFSET_BYTES)
        .rev()
        .map(|offset| {
            bucket * ACTIVITY_BUCKET_POSITIONS
                + u64::from(u16::from_be_bytes([offset[0], offset[1]]))
        })
        .collect())
}

/// Which way a walk over one activity list runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// List order: newest first (descending positions).
    NewestFirst,
    /// Backwards: oldest first (ascending positions).
    OldestFirst,
}

/// Up to `want` positions of the list strictly between `older_than` and `newer_than` (when
/// given), walked in `walk` order.
fn walk_positions(
    model: &ReadModel,
    tag: u8,
    id: &Uuid,
    walk: Walk,
    window: (Option<u64>, Option<u64>),
    want: usize,
) -> Result<Vec<u64>, ProjectionError> {
    let (newer_than, older_than) = window;
    let inside = |p: u64| newer_than.is_none_or(|n| p > n) && older_than.is_none_or(|o| p < o);
    let prefix = prefix(tag, id).into_bytes();
    let mut found = Vec::with_capacity(want);
    if want == 0 {
        return Ok(found);
    }
    // Buckets sort newest first, so the list order walks keys upwards from the bucket of
    // `older_than`, and the backward walk downwards from the bucket of `newer_than`.
    let buckets: Box<dyn Iterator<Item = Result<(sled::IVec, sled::IVec), ProjectionError>>> =
        match walk {
            Walk::NewestFirst => {
                let start = match older_than {
                    Some(p) => bucket_key(tag, id, p / ACTIVITY_BUCKET_POSITIONS),
                    None => prefix.clone(),
                };
                Box::new(model.scan_from(&prefix, &start))
            }
            Walk::OldestFirst => {
                let below = newer_than.map(|p| {
                    let mut key = bucket_key(tag, id, p / ACTIVITY_BUCKET_POSITIONS);
                    key.push(0);
                    key
                });
                Box::new(model.scan_before(&prefix, below.as_deref()))
            }
        };
    for entry in buckets {
        let (key, value) = entry?;
        let mut in_bucket = positions(&key, &value)?;
        if walk == Walk::OldestFirst {
            in_bucket.reverse();
        }
        for position in in_bucket {
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

fn cursor_position(key: Option<Vec<u8>>) -> Result<Option<u64>, ProjectionError> {
    key.map(|key| {
        keys::trailing_u64(&key)
            .filter(|_| key.len() == CURSOR_TAG.len() + 8)
            .ok_or_else(|| ProjectionError::InvalidQuery("malformed cursor".into()))
    })
    .transpose()
}

fn cursor_of(position: u64) -> String {
    keys::encode_cursor(&Key::tag(CURSOR_TAG[0]).u64(position).into_bytes())
}

/// What `id` recorded, newest first, read from the ledger by position. `after` a cursor
/// lists older entries, `before` it newer ones.
pub(crate) fn page(
    model: &ReadModel,
    store: &dyn EventStore,
    tag: u8,
    id: &Uuid,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, ProjectionError> {
    let (size, from) = page.size_and_from()?;
    // In list order (newest first), `after` leaves older positions, `before` newer ones.
    let older_than = cursor_position(page.after_key(CURSOR_TAG)?)?;
    let newer_than = cursor_position(page.before_key(CURSOR_TAG)?)?;
    let window = (newer_than, older_than);
    let (found, has_next_page, has_previous_page) = match from {
        PageFrom::Start => {
            let mut found = walk_positions(model, tag, id, Walk::NewestFirst, window, size + 1)?;
            let more = found.len() > size;
            found.truncate(size);
            // Newer than the page's first entry (or from the cursor on, when it is empty).
            let newer = older_than.is_some()
                && match found.first() {
                    Some(first) => {
                        !walk_positions(model, tag, id, Walk::OldestFirst, (Some(*first), None), 1)?
                            .is_empty()
                    }
                    None => !walk_positions(
                        model,
                        tag,
                        id,
                        Walk::OldestFirst,
                        (older_than.map(|p| p.saturating_sub(1)), None),
                        1,
                    )?
                    .is_empty(),
                };
            (found, more, newer)
        }
        PageFrom::End => {
            let mut found = walk_positions(model, tag, id, Walk::OldestFirst, window, size + 1)?;
            let more = found.len() > size;
            found.truncate(size);
            found.reverse();
            // Older than the page's last entry (or up to the cursor, when it is empty).
            let older = newer_than.is_some()
                && !walk_positions(
                    model,
                    tag,
                    id,
                    Walk::NewestFirst,
                    (None, found.last().copied().or(newer_than.map(|p| p + 1))),
                    1,
                )?
                .is_empty();
            (found, older, more)
        }
    };
    let mut items = Vec::with_capacity(found.len());
    for position in &found {
        let event = store.read_event(*position)?.ok_or_else(|| {
            ProjectionError::Corrupt(format!(
                "activity names position {position} beyond the ledger"
            ))
        })?;
        items.push(AuditEntry::from(&event));
    }
    let cursors = found.iter().map(|p| cursor_of(*p)).collect();
    let mut total_count = 0u64;
    let mut total_is_exact = true;
    let prefix = prefix(tag, id).into_bytes();
    for entry in model.scan_from(&prefix, &prefix) {
        let (_, value) = entry?;
        total_count += (value.len() / OFFSET_BYTES) as u64;
        if total_count > COUNT_SCAN_KEYS_MAX as u64 {
            total_is_exact = false;
            break;
        }
    }
    let walked = Walked {
        items,
        cursors,
        has_next_page,
        has_previous_page,
        resume_start: None,
        resume_end: None,
    };
    Ok(Page::new(walked, total_count, total_is_exact))
}

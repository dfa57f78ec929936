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
use crate::keys::{self, Key};
use crate::page::{COUNT_SCAN_KEYS_MAX, Page, PageRequest};
use crate::runner::{ReadModel, ReadModelWrites};

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

/// What `id` recorded, newest first, read from the ledger by position.
pub(crate) fn page(
    model: &ReadModel,
    store: &dyn EventStore,
    tag: u8,
    id: &Uuid,
    page: &PageRequest,
) -> Result<Page<AuditEntry>, ProjectionError> {
    let size = page.size()?;
    let before = page
        .after_key(CURSOR_TAG)?
        .map(|key| {
            keys::trailing_u64(&key)
                .ok_or_else(|| ProjectionError::InvalidQuery("malformed cursor".into()))
        })
        .transpose()?;
    let prefix = prefix(tag, id).into_bytes();
    let start = match before {
        Some(position) => bucket_key(tag, id, position / ACTIVITY_BUCKET_POSITIONS),
        None => prefix.clone(),
    };
    let mut items = Vec::with_capacity(size);
    let mut more = false;
    'buckets: for entry in model.scan_from(&prefix, &start) {
        let (key, value) = entry?;
        for position in positions(&key, &value)? {
            if before.is_some_and(|before| position >= before) {
                continue;
            }
            if items.len() == size {
                more = true;
                break 'buckets;
            }
            if let Some(event) = store.read_event(position)? {
                items.push(AuditEntry::from(&event));
            }
        }
    }
    let next_cursor = more
        .then(|| {
            items.last().map(|last: &AuditEntry| {
                keys::encode_cursor(&Key::tag(CURSOR_TAG[0]).u64(last.position).into_bytes())
            })
        })
        .flatten();
    let mut total_count = 0u64;
    let mut total_is_exact = true;
    for entry in model.scan_from(&prefix, &prefix) {
        let (_, value) = entry?;
        total_count += (value.len() / OFFSET_BYTES) as u64;
        if total_count > COUNT_SCAN_KEYS_MAX as u64 {
            total_is_exact = false;
            break;
        }
    }
    Ok(Page {
        items,
        next_cursor,
        total_count,
        total_is_exact,
    })
}

//! `Index<V>`: entries filed under a value, each an `Order` and an id, read in order both ways
//! and paged with cursors (the cases listed by status, newest opened first; a month's times to
//! close, shortest first). An index may keep a count of the entries under each value
//! (`Index::counted`), which a query reads in one lookup.
//!
//! Entries are stored in chunks (`chunks.rs`): a batch rewrites each chunk it touches once,
//! and the runner settles them (drops the empty, splits the too full) when the batch ends.

use std::marker::PhantomData;

use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::error::{ApplyError, ProjectionError};
use crate::page::{PageRequest, Walked};
use crate::storage::chunks::{self, ENTRY_BYTES, Entry};
use crate::storage::key_part::KeyPart;
use crate::storage::keys::{self, Key};
use crate::storage::read_model::ReadModel;
use crate::storage::walk::{EntryIsItem, KeyLayout, KeyRange, PAGE_SCAN_KEYS_MAX, walk_keys};
use crate::storage::writes::ReadModelWrites;

/// What an index entry sorts by: a time (either way) or an amount, as 8 bytes whose byte
/// order is the order wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Order(u64);

impl Order {
    /// Earliest first.
    pub(crate) fn oldest_first(at: Timestamp) -> Order {
        Order(time_ascending(at))
    }

    /// Latest first.
    pub(crate) fn newest_first(at: Timestamp) -> Order {
        Order(!time_ascending(at))
    }

    /// Smallest first.
    pub(crate) fn ascending(amount: u64) -> Order {
        Order(amount)
    }

    /// The time of an `oldest_first` order.
    pub(crate) fn oldest_first_time(self) -> Timestamp {
        Timestamp::from_unix_micros((self.0 ^ (1 << 63)) as i64)
    }

    /// The amount of an `ascending` order.
    pub(crate) fn amount(self) -> u64 {
        self.0
    }
}

fn time_ascending(at: Timestamp) -> u64 {
    (at.unix_micros() as u64) ^ (1 << 63)
}

/// One entry: what it sorts by, then the id it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct IndexEntry {
    pub(crate) order: Order,
    pub(crate) id: Uuid,
}

impl IndexEntry {
    pub(crate) fn new(order: Order, id: Uuid) -> IndexEntry {
        IndexEntry { order, id }
    }

    pub(crate) fn to_bytes(self) -> Entry {
        let mut entry = [0u8; ENTRY_BYTES];
        entry[..8].copy_from_slice(&self.order.0.to_be_bytes());
        entry[8..].copy_from_slice(self.id.as_bytes());
        entry
    }

    fn from_entry(entry: &Entry) -> IndexEntry {
        let mut order = [0u8; 8];
        order.copy_from_slice(&entry[..8]);
        let mut id = [0u8; 16];
        id.copy_from_slice(&entry[8..]);
        IndexEntry {
            order: Order(u64::from_be_bytes(order)),
            id: Uuid::from_bytes(id),
        }
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<IndexEntry> {
        let order = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let id = Uuid::from_slice(bytes.get(8..ENTRY_BYTES)?).ok()?;
        (bytes.len() == ENTRY_BYTES).then_some(IndexEntry {
            order: Order(order),
            id,
        })
    }
}

/// Entries under values `V`. Its tag is the first byte of its keys (and `counts`, when
/// counted, of its counts' keys), unique within the read model.
pub(crate) struct Index<V> {
    tag: u8,
    counts: Option<u8>,
    _values: PhantomData<fn() -> V>,
}

/// Where a walk over one value's entries begins and ends, by order.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OrderRange {
    /// The first order listed (inclusive).
    pub(crate) from: Option<Order>,
    /// The first order past the range (exclusive).
    pub(crate) until: Option<Order>,
}

impl<V: KeyPart> Index<V> {
    pub(crate) const fn new(tag: u8) -> Index<V> {
        Index {
            tag,
            counts: None,
            _values: PhantomData,
        }
    }

    /// An index that keeps the number of entries under each value, under keys tagged
    /// `counts_tag`.
    pub(crate) const fn counted(tag: u8, counts_tag: u8) -> Index<V> {
        Index {
            tag,
            counts: Some(counts_tag),
            _values: PhantomData,
        }
    }

    pub(crate) fn tag(&self) -> u8 {
        self.tag
    }

    pub(crate) fn counts_tag(&self) -> Option<u8> {
        self.counts
    }

    /// The key every entry under `value` begins with.
    pub(crate) fn prefix(&self, value: &V) -> Vec<u8> {
        value.write(Key::tag(self.tag)).into_bytes()
    }

    fn count_key(&self, counts: u8, value: &V) -> Vec<u8> {
        value.write(Key::tag(counts)).into_bytes()
    }

    /// Files `entry` under `value` (a second insert of the same entry changes nothing).
    pub(crate) fn insert(
        &self,
        writes: &mut ReadModelWrites<'_>,
        value: &V,
        entry: IndexEntry,
    ) -> Result<(), ApplyError> {
        chunks::insert(writes, &self.prefix(value), entry.to_bytes())
    }

    /// Takes `entry` out from under `value`.
    pub(crate) fn remove(
        &self,
        writes: &mut ReadModelWrites<'_>,
        value: &V,
        entry: IndexEntry,
    ) -> Result<(), ApplyError> {
        chunks::remove(writes, &self.prefix(value), entry.to_bytes())
    }

    /// The number of entries under `value` (0 for an index that keeps no counts).
    pub(crate) fn count(&self, model: &ReadModel, value: &V) -> Result<u64, ProjectionError> {
        match self.counts {
            None => Ok(0),
            Some(counts) => Ok(model
                .get_record::<u64>(&self.count_key(counts, value))?
                .unwrap_or(0)),
        }
    }

    /// The entries under `value` in order, from `from` (inclusive) on.
    pub(crate) fn scan(
        &self,
        model: &ReadModel,
        value: &V,
        from: Option<Order>,
    ) -> impl Iterator<Item = Result<IndexEntry, ProjectionError>> + use<V> {
        let from = from.map(|order| order.0.to_be_bytes());
        chunks::scan_entries(
            model,
            &self.prefix(value),
            from.as_ref().map_or(&[], |f| &f[..]),
        )
        .map(|entry| entry.map(|entry| IndexEntry::from_entry(&entry)))
    }

    /// Whether a cursor given for this query was made by a page of this index under `value`.
    pub(crate) fn owns_cursor(&self, value: &V, cursor: &[u8]) -> bool {
        cursor.starts_with(&self.prefix(value))
    }

    /// A page of the entries under `value` within `range`, each turned into an item by
    /// `item` (`None` leaves it out; `entry_is_item` says whether that can happen).
    pub(crate) fn page<T>(
        &self,
        model: &ReadModel,
        value: &V,
        range: OrderRange,
        request: &PageRequest,
        entry_is_item: EntryIsItem,
        mut item: impl FnMut(IndexEntry) -> Result<Option<T>, ProjectionError>,
    ) -> Result<Walked<T>, ProjectionError> {
        let prefix = self.prefix(value);
        let at = |order: Order| Key::tag(0).raw(&prefix).u64(order.0).into_bytes()[1..].to_vec();
        let start = range.from.map(at);
        let end = range.until.map(at);
        let keys = KeyRange {
            prefix: &prefix,
            start: start.as_deref(),
            end: end.as_deref(),
            layout: KeyLayout::Chunked,
        };
        walk_keys(
            model,
            &keys,
            request,
            PAGE_SCAN_KEYS_MAX,
            entry_is_item,
            |key, _| item(entry_at(key, prefix.len())?),
        )
    }
}

/// The entry of a virtual key whose value part is `offset` bytes long.
fn entry_at(key: &[u8], offset: usize) -> Result<IndexEntry, ProjectionError> {
    key.get(offset..)
        .and_then(IndexEntry::from_bytes)
        .ok_or_else(|| {
            ProjectionError::Corrupt(format!(
                "an index entry is truncated: {}",
                keys::encode_cursor(key)
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(earlier: Timestamp, later: Timestamp) {
        let id = Uuid::from_u128(1);
        let a = IndexEntry::new(Order::oldest_first(earlier), id).to_bytes();
        let b = IndexEntry::new(Order::oldest_first(later), id).to_bytes();
        assert!(a < b, "{earlier} sorts before {later}");
        let a = IndexEntry::new(Order::newest_first(earlier), id).to_bytes();
        let b = IndexEntry::new(Order::newest_first(later), id).to_bytes();
        assert!(a > b, "{later} sorts before {earlier} newest first");
        assert_eq!(
            IndexEntry::from_bytes(&a).map(|e| e.order),
            Some(Order::newest_first(earlier))
        );
        assert_eq!(Order::oldest_first(later).oldest_first_time(), later);
    }

    #[test]
    fn orders_sort_like_their_times_and_read_back() {
        let at = Timestamp::from_unix_micros;
        check(at(-5), at(3));
        check(at(0), at(1));
        check(at(i64::MIN / 2), at(i64::MAX / 2));
        check(at(1_600_000_000_000_000), at(1_600_000_000_000_001));
        assert!(Order::ascending(1) < Order::ascending(2));
        assert_eq!(IndexEntry::from_bytes(&[0; 23]), None);
    }
}

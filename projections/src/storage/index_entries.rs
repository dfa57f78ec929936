//! `IndexEntries`: the entries one record has in its read model's indexes (a case under its
//! status, its category, its due time...), as its read model lists them. The storage keeps
//! the indexes in step from them:
//! - a live batch moves a changed record's entries from where they stood before the batch to
//!   where they stand now, touching only what differs (`apply_change`);
//! - a generation built from position 1 loads every record's entries at once, each chunk and
//!   count written once (`BulkLoad`), before it goes live.
//!
//! Encoded (to be kept beside a pending record): per entry, the index's tag, its counts' tag
//! (0: not counted), the value's length (u16 BE), the value as `KeyPart` writes it, and the
//! 24-byte entry.

use foldhash::{HashMap, HashMapExt};

use crate::error::ApplyError;
use crate::storage::chunks::{self, ENTRY_BYTES, Entry, KeyValues, WINDOW_BYTES};
use crate::storage::index::{Index, IndexEntry};
use crate::storage::key_part::KeyPart;
use crate::storage::keys::Key;
use crate::storage::writes::ReadModelWrites;

/// The counts' tag of an index that keeps none (tags are never 0: that byte is the runner's).
const NOT_COUNTED: u8 = 0;

/// One record's index entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexEntries {
    bytes: Vec<u8>,
}

/// One entry as listed: its index, the value it is under, and the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Listed<'a> {
    tag: u8,
    counts: u8,
    value: &'a [u8],
    entry: Entry,
}

impl Listed<'_> {
    fn prefix(&self) -> Vec<u8> {
        [&[self.tag][..], self.value].concat()
    }
}

impl IndexEntries {
    /// Lists `entry` under `value` in `index`.
    pub(crate) fn push<V: KeyPart>(&mut self, index: &Index<V>, value: &V, entry: IndexEntry) {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.push(index.tag());
        bytes.push(index.counts_tag().unwrap_or(NOT_COUNTED));
        let length_at = bytes.len();
        bytes.extend_from_slice(&[0, 0]);
        let mut bytes = value.write(Key::continuing(bytes)).into_bytes();
        // Values are ids and names, far below 64 KiB.
        let length = u16::try_from(bytes.len() - length_at - 2).unwrap_or(u16::MAX);
        bytes[length_at..length_at + 2].copy_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(&entry.to_bytes());
        self.bytes = bytes;
    }

    /// The entries as stored beside a record.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Entries read back from `as_bytes`; `None` if malformed.
    #[cfg(test)]
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<IndexEntries> {
        listed(bytes)?;
        Some(IndexEntries {
            bytes: bytes.to_vec(),
        })
    }

    fn listed(&self) -> Vec<Listed<'_>> {
        // Only `push` and `from_bytes` (which checks) make the bytes.
        listed(&self.bytes).unwrap_or_default()
    }
}

/// The entries encoded in `bytes`, in order; `None` if malformed.
fn listed(mut bytes: &[u8]) -> Option<Vec<Listed<'_>>> {
    let mut found = Vec::new();
    while !bytes.is_empty() {
        let (&tag, rest) = bytes.split_first()?;
        let (&counts, rest) = rest.split_first()?;
        let length = usize::from(u16::from_be_bytes(rest.get(..2)?.try_into().ok()?));
        let value = rest.get(2..2 + length)?;
        let entry: Entry = rest
            .get(2 + length..2 + length + ENTRY_BYTES)?
            .try_into()
            .ok()?;
        found.push(Listed {
            tag,
            counts,
            value,
            entry,
        });
        bytes = &rest[2 + length + ENTRY_BYTES..];
    }
    Some(found)
}

/// Moves a record's index entries from `old` (as it stood before the batch; `None`: it did
/// not exist) to `new`: removes the entries it left, inserts those it gained, and counts it
/// out of the values it left and into those it joined.
pub(crate) fn apply_change(
    writes: &mut ReadModelWrites<'_>,
    old: Option<&IndexEntries>,
    new: &IndexEntries,
) -> Result<(), ApplyError> {
    let old = old.map(IndexEntries::listed).unwrap_or_default();
    let new = new.listed();
    let under = |list: &[Listed<'_>], one: &Listed<'_>| {
        list.iter()
            .any(|other| (other.tag, other.value) == (one.tag, one.value))
    };
    for gone in old.iter().filter(|listed| !new.contains(listed)) {
        chunks::remove(writes, &gone.prefix(), gone.entry)?;
    }
    for came in new.iter().filter(|listed| !old.contains(listed)) {
        chunks::insert(writes, &came.prefix(), came.entry)?;
    }
    for left in old.iter().filter(|listed| !under(&new, listed)) {
        add_to_count(writes, left, -1)?;
    }
    for joined in new.iter().filter(|listed| !under(&old, listed)) {
        add_to_count(writes, joined, 1)?;
    }
    Ok(())
}

fn add_to_count(
    writes: &mut ReadModelWrites<'_>,
    listed: &Listed<'_>,
    delta: i64,
) -> Result<(), ApplyError> {
    if listed.counts == NOT_COUNTED {
        return Ok(());
    }
    let key = [&[listed.counts][..], listed.value].concat();
    let count: u64 = writes.get_record(&key)?.unwrap_or(0);
    let count = count
        .checked_add_signed(delta)
        .ok_or_else(|| ApplyError::Inconsistent("an index count would go below zero".into()))?;
    if count == 0 {
        writes.remove(key);
        Ok(())
    } else {
        writes.put_record(key, &count)
    }
}

/// Every index entry and count of many records, gathered in memory and written once: what
/// `apply_change` would have left after adding each record to empty indexes, without a
/// chunk or a count being read and rewritten per record. Gathering allocates nothing per
/// record once its values have been seen.
#[derive(Default)]
pub(crate) struct BulkLoad {
    /// By index tag, counts' tag and value.
    values: HashMap<Vec<u8>, ValueEntries>,
    /// Where a value's map key is built.
    scratch: Vec<u8>,
}

/// One indexed value: how many entries it has, and its entries by time window.
#[derive(Default)]
struct ValueEntries {
    count: u64,
    windows: HashMap<[u8; WINDOW_BYTES], Vec<Entry>>,
}

impl BulkLoad {
    pub(crate) fn new() -> BulkLoad {
        BulkLoad {
            values: HashMap::new(),
            scratch: Vec::new(),
        }
    }

    /// Adds one record's entries (`IndexEntries::as_bytes`); `None` if they are malformed.
    pub(crate) fn add(&mut self, entries: &[u8]) -> Option<()> {
        let mut scratch = std::mem::take(&mut self.scratch);
        for listed in listed(entries)? {
            scratch.clear();
            scratch.extend_from_slice(&[listed.tag, listed.counts]);
            scratch.extend_from_slice(listed.value);
            let value = match self.values.get_mut(scratch.as_slice()) {
                Some(value) => value,
                None => self.values.entry(scratch.clone()).or_default(),
            };
            value.count += 1;
            let mut window = [0u8; WINDOW_BYTES];
            window.copy_from_slice(&listed.entry[..WINDOW_BYTES]);
            value.windows.entry(window).or_default().push(listed.entry);
        }
        self.scratch = scratch;
        Some(())
    }

    /// Takes in what `other` gathered (from other records).
    pub(crate) fn merge(&mut self, other: BulkLoad) {
        for (value, entries) in other.values {
            let mine = self.values.entry(value).or_default();
            mine.count += entries.count;
            for (window, added) in entries.windows {
                mine.windows.entry(window).or_default().extend(added);
            }
        }
    }

    /// The keys and stored values of every chunk and count gathered. The chunks (sorted and
    /// encoded, the most work of it) are encoded by two threads.
    pub(crate) fn into_values(self) -> Result<KeyValues, ApplyError> {
        let mut values = Vec::new();
        let mut first: Vec<(Vec<u8>, Vec<Entry>)> = Vec::new();
        for (key, entries) in self.values {
            let (tag, counts, value) = (key[0], key[1], &key[2..]);
            for (window, entries) in entries.windows {
                first.push(([&[tag][..], value, &window].concat(), entries));
            }
            if counts != NOT_COUNTED {
                let count = govledger_core::codec::encode_payload(&entries.count)
                    .map_err(|e| ApplyError::Storage(format!("encoding an index count: {e}")))?;
                values.push(([&[counts][..], value].concat(), count));
            }
        }
        let second = first.split_off(first.len() / 2);
        let encode = |part: Vec<(Vec<u8>, Vec<Entry>)>| -> Result<KeyValues, ApplyError> {
            let mut values = Vec::with_capacity(part.len());
            for (key, entries) in part {
                values.extend(chunks::encode_whole(key, entries)?);
            }
            Ok(values)
        };
        let (first, second) = std::thread::scope(|scope| {
            let other = scope.spawn(|| encode(second));
            let first = encode(first);
            let second = other.join().unwrap_or_else(|_| {
                Err(ApplyError::Storage(
                    "encoding the index chunks panicked".into(),
                ))
            });
            (first, second)
        });
        values.extend(first?);
        values.extend(second?);
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Order;
    use govledger_core::time::Timestamp;
    use uuid::Uuid;

    const BY_NAME: Index<String> = Index::counted(b'x', b'y');
    const BY_DAY: Index<u64> = Index::new(b'z');

    fn entries(names: &[&str], day: Option<u64>) -> IndexEntries {
        record_entries(1, names, day)
    }

    fn record_entries(id: u128, names: &[&str], day: Option<u64>) -> IndexEntries {
        let mut entries = IndexEntries::default();
        let entry = IndexEntry::new(
            Order::newest_first(Timestamp::from_unix_micros(5)),
            Uuid::from_u128(id),
        );
        for name in names {
            entries.push(&BY_NAME, &(*name).to_owned(), entry);
        }
        if let Some(day) = day {
            entries.push(&BY_DAY, &day, entry);
        }
        entries
    }

    #[test]
    fn entries_read_back_and_truncations_do_not() {
        let all = entries(&["open", "roof_leak"], Some(3));
        let read = IndexEntries::from_bytes(all.as_bytes()).expect("reads back");
        assert_eq!(read, all);
        assert_eq!(read.listed().len(), 3);
        let ends: Vec<usize> = [&[][..], &["open"], &["open", "roof_leak"]]
            .iter()
            .map(|names| entries(names, None).as_bytes().len())
            .collect();
        for cut in (1..all.as_bytes().len()).filter(|cut| !ends.contains(cut)) {
            assert_eq!(
                IndexEntries::from_bytes(&all.as_bytes()[..cut]),
                None,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_bulk_load_counts_only_counted_indexes() {
        let mut load = BulkLoad::new();
        load.add(entries(&["open"], Some(3)).as_bytes())
            .expect("adds");
        let mut other = BulkLoad::new();
        other
            .add(record_entries(2, &["open"], None).as_bytes())
            .expect("adds");
        load.merge(other);
        let values = load.into_values().expect("encodes");
        let count_key = [&b"y"[..], b"open\0"].concat();
        let counts: Vec<_> = values.iter().filter(|(key, _)| key[0] == b'y').collect();
        assert_eq!(counts.len(), 1, "{values:?}");
        assert_eq!(counts[0].0, count_key);
        let count: u64 = govledger_core::codec::decode_payload(&counts[0].1).expect("a count");
        assert_eq!(count, 2);
        assert!(values.iter().any(|(key, _)| key[0] == b'z'), "{values:?}");
    }
}

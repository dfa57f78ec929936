//! The cases read model's key space and its secondary indexes.
//!
//! | tag | key                                                      | value            |
//! |-----|----------------------------------------------------------|------------------|
//! | `c` | bucket of the case id (`CASES`, `storage::PackedTable`)  | entries: kind, case id, `CaseView` |
//! | `q` | first position of a batch, part (a building generation's pending `CASES`) | entries, as `c`, each with its index state |
//! | `i` | kind, field, value, time window of opened-at (newest first) | entries: opened-at (newest first), case id |
//! | `n` | kind, field, value                                       | count (u64)      |
//! | `d` | kind, time window of due-at (oldest first)               | entries: due-at (oldest first), case id |
//!
//! Every case has an `i` entry per filterable field value (`All` for the unfiltered list), so
//! a filtered page reads one index range and a count reads one `n` key. `d` holds the cases
//! awaiting their outcome that have a due time: the overdue backlog at any instant is a
//! prefix of it. Entries are stored in chunks, one key per time window (`chunks.rs`); queries
//! read them as virtual keys `prefix ‖ time ‖ case id`.

use foldhash::HashMap;

use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::cases::view::{CaseDetails, CaseKind, CaseView};
use crate::error::ApplyError;
use crate::runner::ReadModelWrites;
use crate::storage::chunks::{self, ENTRY_BYTES, Entry, WINDOW_BYTES};
use crate::storage::keys::Key;

pub(crate) const CASE_TAG: u8 = b'c';
pub(crate) const PENDING_TAG: u8 = b'q';
pub(crate) const INDEX_TAG: u8 = b'i';
pub(crate) const COUNT_TAG: u8 = b'n';
pub(crate) const DUE_TAG: u8 = b'd';

/// A filterable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexField {
    All,
    Status,
    Category,
    Compound,
    Building,
    Organisation,
    Satisfaction,
    AwaitingOutcome,
    /// Count only: the size of the `d` index of a kind.
    Due,
}

impl IndexField {
    const fn tag(self) -> u8 {
        match self {
            IndexField::All => b'a',
            IndexField::Status => b's',
            IndexField::Category => b'c',
            IndexField::Compound => b'p',
            IndexField::Building => b'b',
            IndexField::Organisation => b'o',
            IndexField::Satisfaction => b'f',
            IndexField::AwaitingOutcome => b'w',
            IndexField::Due => b'd',
        }
    }
}

/// One field value of a case, encoded for keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexValue {
    pub field: IndexField,
    pub value: Vec<u8>,
}

impl IndexValue {
    pub(crate) fn text(field: IndexField, text: &str) -> IndexValue {
        IndexValue {
            field,
            value: Key::tag(0).text(text).into_bytes()[1..].to_vec(),
        }
    }

    pub(crate) fn id(field: IndexField, id: &Uuid) -> IndexValue {
        IndexValue {
            field,
            value: id.as_bytes().to_vec(),
        }
    }

    pub(crate) fn flag(field: IndexField, on: bool) -> IndexValue {
        IndexValue {
            field,
            value: vec![u8::from(on)],
        }
    }

    pub(crate) fn all() -> IndexValue {
        IndexValue {
            field: IndexField::All,
            value: Vec::new(),
        }
    }
}

pub(crate) fn index_prefix(kind: CaseKind, value: &IndexValue) -> Vec<u8> {
    Key::tag(INDEX_TAG)
        .byte(kind.tag())
        .byte(value.field.tag())
        .raw(&value.value)
        .into_bytes()
}

fn entry(time: Key, id: &Uuid) -> Entry {
    let mut entry = [0u8; ENTRY_BYTES];
    let bytes = time.uuid(id).into_bytes();
    // `time` is a tag byte and 8 bytes of time; the id adds 16.
    entry.copy_from_slice(&bytes[1..]);
    entry
}

fn opened_entry(opened_at: Timestamp, id: &Uuid) -> Entry {
    entry(Key::tag(0).time_desc(opened_at), id)
}

fn due_entry(due_at: Timestamp, id: &Uuid) -> Entry {
    entry(Key::tag(0).time(due_at), id)
}

pub(crate) fn count_key(kind: CaseKind, value: &IndexValue) -> Vec<u8> {
    Key::tag(COUNT_TAG)
        .byte(kind.tag())
        .byte(value.field.tag())
        .raw(&value.value)
        .into_bytes()
}

pub(crate) fn due_prefix(kind: CaseKind) -> Vec<u8> {
    Key::tag(DUE_TAG).byte(kind.tag()).into_bytes()
}

/// Appends what the whole index build needs of a case (`WholeIndexes::add_state`), so that it
/// need not decode the case again: its kind's tag, its opened-at entry, `1` and its due entry
/// if it is awaited with a due time (`0` otherwise), then each field value it is listed under
/// as the field's tag, the value's length (u32 BE) and the value.
pub(crate) fn encode_index_state(case: &CaseView, out: &mut Vec<u8>) {
    out.push(case.kind.tag());
    out.extend_from_slice(&opened_entry(case.opened_at, &case.case_id));
    match due_of(case) {
        Some(due_at) => {
            out.push(1);
            out.extend_from_slice(&due_entry(due_at, &case.case_id));
        }
        None => out.push(0),
    }
    for_each_index_value(case, |field, value| {
        out.push(field.tag());
        // Field values are names and ids, far below 4 GiB.
        out.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(value);
    });
}

/// Calls `visit` with every field value a case is listed under (as `IndexValue::value`
/// holds it), allocating nothing: a building listed twice is visited once.
fn for_each_index_value(view: &CaseView, mut visit: impl FnMut(IndexField, &[u8])) {
    let mut text = |field: IndexField, text: &str| {
        let mut bytes = [0u8; 64];
        match bytes.get_mut(..text.len() + 1) {
            Some(room) => {
                room[..text.len()].copy_from_slice(text.as_bytes());
                visit(field, room);
            }
            // A long name: as `IndexValue::text` encodes it.
            None => visit(field, &IndexValue::text(field, text).value),
        }
    };
    text(IndexField::Status, &view.status);
    text(IndexField::Category, &view.category);
    if let CaseDetails::Request(details) = &view.details {
        if let Some(satisfaction) = &details.satisfaction {
            text(IndexField::Satisfaction, satisfaction);
        }
    }
    visit(IndexField::All, &[]);
    visit(
        IndexField::AwaitingOutcome,
        &[u8::from(view.awaiting_outcome)],
    );
    if let Some(compound) = &view.compound_id {
        visit(IndexField::Compound, compound.as_bytes());
    }
    for (n, building) in view.building_ids.iter().enumerate() {
        if !view.building_ids[..n].contains(building) {
            visit(IndexField::Building, building.as_bytes());
        }
    }
    if let Some(organisation) = &view.responsible_organisation_id {
        visit(IndexField::Organisation, organisation.as_bytes());
    }
}

/// Every field value a case is listed under.
pub(crate) fn index_values(view: &CaseView) -> Vec<IndexValue> {
    let mut values = Vec::new();
    for_each_index_value(view, |field, value| {
        values.push(IndexValue {
            field,
            value: value.to_vec(),
        });
    });
    values
}

fn due_of(view: &CaseView) -> Option<Timestamp> {
    view.due_at.filter(|_| view.awaiting_outcome)
}

/// What `reindex` needs to remember of a case before events change it: its field values,
/// opened-at and due time.
pub(crate) type IndexState = (Vec<IndexValue>, Timestamp, Option<Timestamp>);

/// Moves a case's index entries from its old field values to its new ones.
pub(crate) fn reindex(
    writes: &mut ReadModelWrites<'_>,
    old: Option<IndexState>,
    new: &CaseView,
) -> Result<(), ApplyError> {
    let kind = new.kind;
    let id = &new.case_id;
    let new_values = index_values(new);
    let (old_values, old_opened_at, old_due) = old.unwrap_or((Vec::new(), new.opened_at, None));
    let opened_moved = old_opened_at != new.opened_at;
    for value in &old_values {
        if opened_moved || !new_values.contains(value) {
            chunks::remove(
                writes,
                &index_prefix(kind, value),
                opened_entry(old_opened_at, id),
            )?;
            if !new_values.contains(value) {
                add_to_count(writes, count_key(kind, value), -1)?;
            }
        }
    }
    for value in &new_values {
        if opened_moved || !old_values.contains(value) {
            chunks::insert(
                writes,
                &index_prefix(kind, value),
                opened_entry(new.opened_at, id),
            )?;
            if !old_values.contains(value) {
                add_to_count(writes, count_key(kind, value), 1)?;
            }
        }
    }
    let new_due = due_of(new);
    if old_due != new_due {
        let due_count = count_key(
            kind,
            &IndexValue {
                field: IndexField::Due,
                value: Vec::new(),
            },
        );
        if let Some(due_at) = old_due {
            chunks::remove(writes, &due_prefix(kind), due_entry(due_at, id))?;
            add_to_count(writes, due_count.clone(), -1)?;
        }
        if let Some(due_at) = new_due {
            chunks::insert(writes, &due_prefix(kind), due_entry(due_at, id))?;
            add_to_count(writes, due_count, 1)?;
        }
    }
    Ok(())
}

pub(crate) use crate::storage::chunks::KeyValues;

/// Every index entry and count of a set of cases, gathered in memory and written once: what
/// `reindex` would have left after adding each case to empty indexes, without a chunk or a
/// count being read and rewritten per case. Gathering allocates nothing per case once its
/// field values have been seen (a 1M-event rebuild indexes ~139k cases at its very end).
#[derive(Default)]
pub(crate) struct WholeIndexes {
    /// By `kind ‖ field ‖ value` (the count key without its tag).
    values: HashMap<Vec<u8>, ValueEntries>,
    /// Where a value's map key is built.
    scratch: Vec<u8>,
}

/// One indexed field value: how many cases have it, and their entries by time window.
#[derive(Default)]
struct ValueEntries {
    count: u64,
    windows: HashMap<[u8; WINDOW_BYTES], Vec<Entry>>,
}

impl WholeIndexes {
    /// Adds a case (tests; the build adds index states).
    #[cfg(test)]
    pub(crate) fn add(&mut self, case: &CaseView) {
        let mut state = Vec::new();
        encode_index_state(case, &mut state);
        self.add_state(&state).expect("an index state reads back");
    }

    /// Adds a case's index state (`encode_index_state`); `None` if it is malformed.
    pub(crate) fn add_state(&mut self, state: &[u8]) -> Option<()> {
        let (&kind, rest) = state.split_first()?;
        let opened: Entry = rest.get(..ENTRY_BYTES)?.try_into().ok()?;
        let (&has_due, mut rest) = rest[ENTRY_BYTES..].split_first()?;
        let mut scratch = std::mem::take(&mut self.scratch);
        if has_due == 1 {
            let due: Entry = rest.get(..ENTRY_BYTES)?.try_into().ok()?;
            rest = &rest[ENTRY_BYTES..];
            scratch.clear();
            scratch.extend_from_slice(&[kind, IndexField::Due.tag()]);
            self.add_entry(&scratch, due);
        }
        while let Some((&field, after)) = rest.split_first() {
            let length = u32::from_be_bytes(after.get(..4)?.try_into().ok()?);
            let value = after.get(4..4 + usize::try_from(length).ok()?)?;
            scratch.clear();
            scratch.extend_from_slice(&[kind, field]);
            scratch.extend_from_slice(value);
            self.add_entry(&scratch, opened);
            rest = &after[4 + value.len()..];
        }
        self.scratch = scratch;
        Some(())
    }

    fn add_entry(&mut self, value: &[u8], entry: Entry) {
        let entries = match self.values.get_mut(value) {
            Some(entries) => entries,
            None => self.values.entry(value.to_vec()).or_default(),
        };
        entries.count += 1;
        let mut window = [0u8; WINDOW_BYTES];
        window.copy_from_slice(&entry[..WINDOW_BYTES]);
        entries.windows.entry(window).or_default().push(entry);
    }

    /// Takes in what `other` gathered (from other cases).
    pub(crate) fn merge(&mut self, other: WholeIndexes) {
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
        for (value, entries) in self.values {
            let prefix = match value.as_slice() {
                [kind, field] if *field == IndexField::Due.tag() => vec![DUE_TAG, *kind],
                _ => [&[INDEX_TAG][..], &value].concat(),
            };
            for (window, entries) in entries.windows {
                first.push(([&prefix[..], &window].concat(), entries));
            }
            let count = govledger_core::codec::encode_payload(&entries.count)
                .map_err(|e| ApplyError::Storage(format!("encoding an index count: {e}")))?;
            values.push(([&[COUNT_TAG][..], &value].concat(), count));
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

pub(crate) fn index_state(view: &CaseView) -> IndexState {
    (index_values(view), view.opened_at, due_of(view))
}

fn add_to_count(
    writes: &mut ReadModelWrites<'_>,
    key: Vec<u8>,
    delta: i64,
) -> Result<(), ApplyError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::view::samples::request;

    fn check(case: &CaseView, expect: Vec<IndexValue>) {
        let key = |value: &IndexValue| (value.field.tag(), value.value.clone());
        let mut visited: Vec<_> = index_values(case).iter().map(key).collect();
        let mut expected: Vec<_> = expect.iter().map(key).collect();
        visited.sort();
        expected.sort();
        assert_eq!(visited, expected, "{case:?}");
    }

    #[test]
    fn a_case_is_listed_under_each_of_its_field_values() {
        let building = Uuid::from_u128(7);
        let mut case = request(1);
        case.status = "dispatched".into();
        case.category = "roof_leak".into();
        case.compound_id = None;
        case.responsible_organisation_id = None;
        case.awaiting_outcome = false;
        if let CaseDetails::Request(details) = &mut case.details {
            details.satisfaction = None;
        }
        let basic = || {
            vec![
                IndexValue::all(),
                IndexValue::text(IndexField::Status, "dispatched"),
                IndexValue::text(IndexField::Category, "roof_leak"),
            ]
        };
        check(
            &case,
            [
                basic(),
                vec![IndexValue::flag(IndexField::AwaitingOutcome, false)],
            ]
            .concat(),
        );
        case.compound_id = Some(Uuid::from_u128(2));
        case.responsible_organisation_id = Some(Uuid::from_u128(3));
        case.building_ids = vec![building, Uuid::from_u128(8), building];
        case.awaiting_outcome = true;
        if let CaseDetails::Request(details) = &mut case.details {
            details.satisfaction = Some("satisfied".into());
        }
        let full = || {
            vec![
                IndexValue::flag(IndexField::AwaitingOutcome, true),
                IndexValue::id(IndexField::Compound, &Uuid::from_u128(2)),
                IndexValue::id(IndexField::Organisation, &Uuid::from_u128(3)),
                IndexValue::id(IndexField::Building, &building),
                IndexValue::id(IndexField::Building, &Uuid::from_u128(8)),
                IndexValue::text(IndexField::Satisfaction, "satisfied"),
            ]
        };
        check(&case, [basic(), full()].concat());
        let long = "a_category_name_longer_than_sixty_four_bytes_which_no_real_category_is";
        case.category = long.into();
        let mut expect = [basic(), full()].concat();
        expect[2] = IndexValue::text(IndexField::Category, long);
        check(&case, expect);
    }
}

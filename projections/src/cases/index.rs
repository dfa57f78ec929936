//! The cases' indexes: which lists a case is in, declared once (`index_entries`); the
//! storage keeps them in step as cases change.
//!
//! | tag | table or index      | by                       | holds                                   |
//! |-----|---------------------|--------------------------|-----------------------------------------|
//! | `c` | `CASES` (`mod.rs`, a packed table) | kind, case id | `CaseView`                    |
//! | `q` | `CASES` while a generation is built | batch        | pending cases with their index entries |
//! | `i` | `LISTED` (index)    | kind, `Listing`          | cases, newest opened first              |
//! | `d` | `DUE` (index)       | kind                     | cases awaiting their outcome with a due time, earliest due first |
//! | `n` | the counts of `LISTED` and `DUE` | as the index | number of cases                      |
//!
//! Every case is listed under `Listing::All` and each of its field values, so a filtered page
//! reads one index range and a count reads one key; the overdue backlog at any instant is a
//! prefix of `DUE`.

use govledger_core::time::Timestamp;
use uuid::Uuid;

use crate::cases::view::{CaseDetails, CaseKind, CaseView};
use crate::storage::index_entries::IndexEntries;
use crate::storage::key_part::KeyPart;
use crate::storage::keys::Key;
use crate::storage::{Index, IndexEntry, Order};

pub(crate) const CASE_TAG: u8 = b'c';
pub(crate) const PENDING_TAG: u8 = b'q';

/// The cases of a kind listed under each field value (and all of them), newest opened first.
pub(crate) const LISTED: Index<(CaseKind, Listing)> = Index::counted(b'i', b'n');
/// The cases of a kind awaiting their outcome that have a due time, earliest due first.
pub(crate) const DUE: Index<CaseKind> = Index::counted(b'd', b'n');

/// A kind in a key: its tag byte.
impl KeyPart for CaseKind {
    fn write(&self, key: Key) -> Key {
        self.tag().write(key)
    }

    fn read(bytes: &mut &[u8]) -> Option<CaseKind> {
        let tag = u8::read(bytes)?;
        CaseKind::ALL.into_iter().find(|kind| kind.tag() == tag)
    }
}

/// A list a case is in: every case, or the cases with one value of a filterable field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Listing {
    All,
    Status(String),
    Category(String),
    Compound(Uuid),
    Building(Uuid),
    Organisation(Uuid),
    /// Requests only: the follow-up's answer.
    Satisfaction(String),
    AwaitingOutcome(bool),
}

/// A listing in a key: a byte naming the field, then its value.
impl KeyPart for Listing {
    fn write(&self, key: Key) -> Key {
        match self {
            Listing::All => b'a'.write(key),
            Listing::Status(status) => (b's', status.clone()).write(key),
            Listing::Category(category) => (b'c', category.clone()).write(key),
            Listing::Compound(id) => (b'p', *id).write(key),
            Listing::Building(id) => (b'b', *id).write(key),
            Listing::Organisation(id) => (b'o', *id).write(key),
            Listing::Satisfaction(answer) => (b'f', answer.clone()).write(key),
            Listing::AwaitingOutcome(awaiting) => (b'w', u8::from(*awaiting)).write(key),
        }
    }

    fn read(bytes: &mut &[u8]) -> Option<Listing> {
        Some(match u8::read(bytes)? {
            b'a' => Listing::All,
            b's' => Listing::Status(String::read(bytes)?),
            b'c' => Listing::Category(String::read(bytes)?),
            b'p' => Listing::Compound(Uuid::read(bytes)?),
            b'b' => Listing::Building(Uuid::read(bytes)?),
            b'o' => Listing::Organisation(Uuid::read(bytes)?),
            b'f' => Listing::Satisfaction(String::read(bytes)?),
            b'w' => Listing::AwaitingOutcome(u8::read(bytes)? == 1),
            _ => return None,
        })
    }
}

/// Every list a case is in (a building named twice is one list).
pub(crate) fn listings(view: &CaseView) -> Vec<Listing> {
    let mut listings = vec![
        Listing::All,
        Listing::Status(view.status.clone()),
        Listing::Category(view.category.clone()),
        Listing::AwaitingOutcome(view.awaiting_outcome),
    ];
    if let CaseDetails::Request(details) = &view.details {
        if let Some(satisfaction) = &details.satisfaction {
            listings.push(Listing::Satisfaction(satisfaction.clone()));
        }
    }
    if let Some(compound) = view.compound_id {
        listings.push(Listing::Compound(compound));
    }
    for (n, building) in view.building_ids.iter().enumerate() {
        if !view.building_ids[..n].contains(building) {
            listings.push(Listing::Building(*building));
        }
    }
    if let Some(organisation) = view.responsible_organisation_id {
        listings.push(Listing::Organisation(organisation));
    }
    listings
}

fn due_of(view: &CaseView) -> Option<Timestamp> {
    view.due_at.filter(|_| view.awaiting_outcome)
}

/// Where a case stands in the indexes: in each of its lists by when it opened, and in `DUE`
/// by its due time while it awaits its outcome.
pub(crate) fn index_entries(view: &CaseView) -> IndexEntries {
    let mut entries = IndexEntries::default();
    let opened = IndexEntry::new(Order::newest_first(view.opened_at), view.case_id);
    for listing in listings(view) {
        entries.push(&LISTED, &(view.kind, listing), opened);
    }
    if let Some(due_at) = due_of(view) {
        let due = IndexEntry::new(Order::oldest_first(due_at), view.case_id);
        entries.push(&DUE, &view.kind, due);
    }
    entries
}

/// Appends a case's index entries as a pending record keeps them (`records.rs`).
pub(crate) fn encode_index_state(view: &CaseView, out: &mut Vec<u8>) {
    out.extend_from_slice(index_entries(view).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::view::samples::request;

    fn check(case: &CaseView, expect: Vec<Listing>) {
        let key = |listing: &Listing| listing.write(Key::tag(0)).into_bytes();
        let mut visited: Vec<_> = listings(case).iter().map(key).collect();
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
                Listing::All,
                Listing::Status("dispatched".into()),
                Listing::Category("roof_leak".into()),
            ]
        };
        check(
            &case,
            [basic(), vec![Listing::AwaitingOutcome(false)]].concat(),
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
                Listing::AwaitingOutcome(true),
                Listing::Compound(Uuid::from_u128(2)),
                Listing::Organisation(Uuid::from_u128(3)),
                Listing::Building(building),
                Listing::Building(Uuid::from_u128(8)),
                Listing::Satisfaction("satisfied".into()),
            ]
        };
        check(&case, [basic(), full()].concat());
        let long = "a_category_name_longer_than_sixty_four_bytes_which_no_real_category_is";
        case.category = long.into();
        let mut expect = [basic(), full()].concat();
        expect[2] = Listing::Category(long.into());
        check(&case, expect);
    }
}

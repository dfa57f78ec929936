//! What the cases' table of records (`CASES`, a `storage::PackedTable`) needs of the cases:
//! a case's key, what its indexes derive from a case, and how a case the lane has forgotten
//! is folded again from its stream in the ledger.

use govledger_core::domain::event::DomainEvent;
use uuid::Uuid;

use crate::cases::index;
use crate::cases::view::CaseView;
use crate::cases::{CaseRef, case_of_stream, fold_event};
use crate::error::ApplyError;
use crate::ledger::earlier_events;
use crate::projection::ProjectedEvent;
use crate::storage::index_entries::IndexEntries;
use crate::storage::{PackedKey, PackedRecord, Refold};

impl PackedKey for CaseRef {
    fn kind_tag(&self) -> u8 {
        self.0.tag()
    }

    fn id(&self) -> &Uuid {
        &self.1
    }
}

impl PackedRecord for CaseView {
    /// The index entries a live batch moves (`reindex` in `mod.rs`).
    type Before = Option<IndexEntries>;

    fn before(case: Option<&CaseView>) -> Option<IndexEntries> {
        case.map(index::index_entries)
    }

    /// What the whole index build reads (`index_build::index_every_case`).
    fn summarise(&self, out: &mut Vec<u8>) {
        index::encode_index_state(self, out);
    }
}

/// An event of a case, and the case's earlier events in the ledger.
pub(crate) struct CaseHistory<'a, 'e> {
    pub(crate) case: CaseRef,
    pub(crate) event: &'a ProjectedEvent<'e, DomainEvent>,
}

impl Refold<CaseView> for CaseHistory<'_, '_> {
    fn position(&self) -> u64 {
        self.event.recorded.position
    }

    fn is_first_event(&self) -> Result<bool, ApplyError> {
        let recorded = self.event.recorded;
        let (kind, id) = self.case;
        if case_of_stream(recorded) != Some(self.case) {
            return Err(ApplyError::Inconsistent(format!(
                "an event of {} {id} is in stream {}",
                kind.as_str(),
                recorded.stream_id.as_str()
            )));
        }
        Ok(recorded.stream_version <= 1)
    }

    /// Folds the case's events before this one again, from its stream in the ledger.
    fn refold(&self) -> Result<Option<CaseView>, ApplyError> {
        let mut view = None;
        for earlier in earlier_events(self.event.ledger, self.event.recorded)? {
            let decoded = DomainEvent::decode_recorded(&earlier).map_err(|e| {
                ApplyError::Undecodable(format!("{} event: {e}", earlier.event_type))
            })?;
            if let Some((case, folded)) = fold_event(view.take(), &decoded, &earlier)? {
                if case != self.case {
                    return Err(ApplyError::Inconsistent(format!(
                        "stream {} holds an event of {} {}",
                        earlier.stream_id.as_str(),
                        case.0.as_str(),
                        case.1
                    )));
                }
                view = Some(folded);
            }
        }
        Ok(view)
    }
}

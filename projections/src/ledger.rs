//! Reading earlier events from the ledger while folding (`ProjectedEvent::ledger`): what a
//! projection keeps only for a while (a batch, a lane's cache) it can always recover from the
//! events themselves, which never change.

use govledger_core::error::StoreError;
use govledger_core::event::RecordedEvent;
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::EventStore;

use crate::error::ApplyError;

/// What a failed read of the ledger means to the runner: a storage failure may pass (the
/// event is applied again later), anything else stops the projection.
pub(crate) fn ledger_read_error(error: StoreError) -> ApplyError {
    match error {
        StoreError::Storage(_) => ApplyError::LedgerUnavailable(error.to_string()),
        other => ApplyError::Storage(format!("reading the ledger: {other}")),
    }
}

/// The events of `recorded`'s stream before it, oldest first.
pub(crate) fn earlier_events(
    ledger: &dyn EventStore,
    recorded: &RecordedEvent,
) -> Result<Vec<RecordedEvent>, ApplyError> {
    let mut events: Vec<RecordedEvent> = Vec::new();
    loop {
        let next_version = events.len() as u64 + 1;
        if next_version >= recorded.stream_version {
            return Ok(events);
        }
        let wanted = usize::try_from(recorded.stream_version - next_version)
            .unwrap_or(READ_PAGE_EVENTS_MAX)
            .min(READ_PAGE_EVENTS_MAX);
        let page = ledger
            .read_stream(&recorded.stream_id, next_version, wanted)
            .map_err(ledger_read_error)?;
        if page.is_empty() {
            return Err(ApplyError::Inconsistent(format!(
                "stream {} has no version {next_version} before version {}",
                recorded.stream_id.as_str(),
                recorded.stream_version
            )));
        }
        for earlier in page.into_iter().take(wanted) {
            let expected = events.len() as u64 + 1;
            if earlier.stream_version != expected {
                return Err(ApplyError::Inconsistent(format!(
                    "stream {} read version {} where {expected} was expected",
                    recorded.stream_id.as_str(),
                    earlier.stream_version
                )));
            }
            events.push(earlier);
        }
    }
}

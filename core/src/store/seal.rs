//! Sealing one append's events after a head: the step both backends' writers share (the
//! sled group commit and the PostgreSQL one stage the same records, chain and outcome).

use crate::codec::{self, Placement};
use crate::error::StoreError;
use crate::store::{AppendOutcome, AppendRequest, Head};
use crate::time::Timestamp;

/// An append's events sealed into the chain after a head, nothing staged yet.
pub(crate) struct SealedAppend {
    /// Each event's position, stream version and stored record, in order.
    pub(crate) records: Vec<(u64, u64, Vec<u8>)>,
    /// The head after the last event.
    pub(crate) head: Head,
    /// The last event's recorded time (never before `last_recorded_at`).
    pub(crate) recorded_at: Timestamp,
    pub(crate) outcome: AppendOutcome,
}

/// Seals `request`'s events after `head` (the chain's last record, recorded at
/// `last_recorded_at`) on a stream at `current_version`. Touches nothing: a failure leaves
/// the caller's group as it was.
pub(crate) fn seal_append(
    request: &AppendRequest,
    head: Head,
    last_recorded_at: Timestamp,
    current_version: u64,
) -> Result<SealedAppend, StoreError> {
    let mut last = head;
    let mut recorded_at = last_recorded_at.max(Timestamp::now());
    let mut version = current_version;
    let mut records = Vec::with_capacity(request.events.len());
    for event in &request.events {
        version += 1;
        recorded_at = recorded_at.max(Timestamp::now());
        let placement = Placement {
            position: last.position + 1,
            stream_id: &request.stream,
            stream_version: version,
            recorded_at,
            prev_hash: last.hash,
        };
        let sealed = codec::seal_tile_entry(event, &placement)?;
        records.push((placement.position, version, sealed.value));
        last = Head {
            position: placement.position,
            hash: sealed.hash,
        };
    }
    Ok(SealedAppend {
        records,
        head: last,
        recorded_at,
        outcome: AppendOutcome {
            first_position: head.position + 1,
            last_position: last.position,
            stream_version: version,
            head_hash: last.hash,
            replayed: false,
        },
    })
}

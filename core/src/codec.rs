//! The one place that knows how bytes look on disk. No other module imports bincode.
//!
//! A stored record (store format 1) is
//! `[format tag: u8 = 1][bincode-2 body][own hash: 32 bytes]`, where the body is
//! `RecordBodyV1` in bincode's standard configuration (little endian, varint integers).
//! The chain hash covers the tag and the body (see `hash.rs`); the trailing 32 bytes are the
//! record's own hash. A later codec gets a new tag and lives beside this one; readers dispatch
//! on the tag and refuse tags they do not know.
//!
//! Store format 2 may keep several consecutive records under one key, as a chunk:
//! `[tag: u8 = 2][count: u16 LE][record length: u32 LE, × count][records]`, each record exactly
//! as above (its own tag, body and hash). A value that starts with tag 1 is one record. The
//! chunk's frame is not hashed: every record is checked on its own, so a damaged frame shows
//! up as a record that does not decode, or as a chain break, at the position it hides.
//!
//! Payloads use the same bincode configuration (`encode_payload` / `decode_payload`); the
//! domain's schema version, not the tag, says how to read a payload.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::StoreError;
use crate::event::{Actor, EventType, NewEvent, RecordedEvent, StreamId};
use crate::hash::Hash256;
use crate::limits::RECORD_BYTES_MAX;
use crate::store::ExpectedVersion;
use crate::time::Timestamp;

/// The tag of records written by this build.
pub const RECORD_FORMAT_V1: u8 = 1;
/// The tag of a chunk of consecutive records stored under its first record's position.
pub const RECORD_CHUNK_FORMAT: u8 = 2;
const HASH_BYTES: usize = 32;
/// Tag and record count in front of a chunk's record lengths.
const CHUNK_HEADER_BYTES: usize = 3;
/// Most records one chunk may hold (its count is a u16).
pub const CHUNK_RECORDS_MAX: usize = u16::MAX as usize;

type Config = Configuration<LittleEndian, Varint, Limit<RECORD_BYTES_MAX>>;

fn config() -> Config {
    bincode::config::standard().with_limit::<RECORD_BYTES_MAX>()
}

/// Record body, format 1, for encoding (borrows, so the write path copies nothing twice).
/// Field order is the format: never reorder, only add a new format.
#[derive(Serialize)]
struct RecordBodyV1Ref<'a> {
    position: u64,
    event_id: &'a Uuid,
    stream_id: &'a StreamId,
    stream_version: u64,
    event_type: &'a EventType,
    schema_version: u16,
    occurred_at: Timestamp,
    recorded_at: Timestamp,
    actor: &'a Actor,
    correlation_id: &'a Uuid,
    causation_id: &'a Option<Uuid>,
    payload: &'a [u8],
    prev_hash: &'a Hash256,
}

/// Record body, format 1, for decoding. Must mirror `RecordBodyV1Ref` field for field.
#[derive(serde::Deserialize)]
struct RecordBodyV1 {
    position: u64,
    event_id: Uuid,
    stream_id: StreamId,
    stream_version: u64,
    event_type: EventType,
    schema_version: u16,
    occurred_at: Timestamp,
    recorded_at: Timestamp,
    actor: Actor,
    correlation_id: Uuid,
    causation_id: Option<Uuid>,
    payload: Vec<u8>,
    prev_hash: Hash256,
}

/// Where the store has placed a proposed event.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub position: u64,
    pub stream_id: &'a StreamId,
    pub stream_version: u64,
    pub recorded_at: Timestamp,
    pub prev_hash: Hash256,
}

/// An encoded record ready to store, with its chain hash.
pub struct SealedRecord {
    /// Tag, body and trailing own hash: exactly the value written to disk.
    pub value: Vec<u8>,
    pub hash: Hash256,
}

/// `seal_record`, refusing a record that would not fit one entry of a C2SP tile's entry
/// bundle (ADR 0006): both stores seal through this, so the limit is the same on each.
pub fn seal_tile_entry(
    event: &NewEvent,
    placement: &Placement<'_>,
) -> Result<SealedRecord, StoreError> {
    let sealed = seal_record(event, placement)?;
    // The tile entry is the record less its 32-byte chain hash.
    let covered_bytes = sealed.value.len().saturating_sub(32);
    if covered_bytes > crate::limits::TILE_ENTRY_BYTES_MAX {
        return Err(StoreError::PayloadTooLarge {
            size_bytes: event.payload.len(),
            limit_bytes: event.payload.len()
                - (covered_bytes - crate::limits::TILE_ENTRY_BYTES_MAX),
        });
    }
    Ok(sealed)
}

/// Encodes one event at its placement and seals it into the chain.
pub fn seal_record(
    event: &NewEvent,
    placement: &Placement<'_>,
) -> Result<SealedRecord, StoreError> {
    let body = RecordBodyV1Ref {
        position: placement.position,
        event_id: &event.event_id,
        stream_id: placement.stream_id,
        stream_version: placement.stream_version,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        occurred_at: event.occurred_at,
        recorded_at: placement.recorded_at,
        actor: &event.actor,
        correlation_id: &event.correlation_id,
        causation_id: &event.causation_id,
        payload: &event.payload,
        prev_hash: &placement.prev_hash,
    };
    let mut value = Vec::with_capacity(160 + event.payload.len());
    value.push(RECORD_FORMAT_V1);
    bincode::serde::encode_into_std_write(&body, &mut value, config())
        .map_err(|e| StoreError::Storage(format!("encoding record: {e}")))?;
    let hash = Hash256::chain(&placement.prev_hash, &value);
    value.extend_from_slice(&hash.0);
    Ok(SealedRecord { value, hash })
}

/// The stored bytes the chain hash covers and the hash the record claims, without decoding.
pub fn split_stored(position: u64, value: &[u8]) -> Result<(&[u8], Hash256), StoreError> {
    if value.len() < 1 + HASH_BYTES {
        return Err(StoreError::Corrupt {
            position,
            reason: "record is truncated".into(),
        });
    }
    let (hashed, trailer) = value.split_at(value.len() - HASH_BYTES);
    let mut claimed = [0u8; HASH_BYTES];
    claimed.copy_from_slice(trailer);
    Ok((hashed, Hash256(claimed)))
}

/// Decodes a stored record. Checks the tag, the length and the key position; the chain
/// itself is checked by the verifier.
pub fn decode_record(key_position: u64, value: &[u8]) -> Result<RecordedEvent, StoreError> {
    let (hashed, hash) = split_stored(key_position, value)?;
    let tag = hashed[0];
    if tag != RECORD_FORMAT_V1 {
        return Err(StoreError::UnknownRecordFormat {
            position: key_position,
            tag,
        });
    }
    let corrupt = |reason: String| StoreError::Corrupt {
        position: key_position,
        reason,
    };
    let (body, read): (RecordBodyV1, usize) =
        bincode::serde::decode_from_slice(&hashed[1..], config())
            .map_err(|e| corrupt(format!("record body does not decode: {e}")))?;
    if read != hashed.len() - 1 {
        return Err(corrupt("record body has trailing bytes".into()));
    }
    if body.position != key_position {
        return Err(corrupt(format!("record claims position {}", body.position)));
    }
    Ok(RecordedEvent {
        position: body.position,
        event_id: body.event_id,
        stream_id: body.stream_id,
        stream_version: body.stream_version,
        event_type: body.event_type,
        schema_version: body.schema_version,
        occurred_at: body.occurred_at,
        recorded_at: body.recorded_at,
        actor: body.actor,
        correlation_id: body.correlation_id,
        causation_id: body.causation_id,
        payload: body.payload,
        prev_hash: body.prev_hash,
        hash,
    })
}

/// Frames consecutive sealed records (each a value from `seal_record`) as one stored value:
/// one record is stored as is, two or more as a chunk. `None` when `records` is empty or
/// longer than `CHUNK_RECORDS_MAX`.
pub fn frame_records(mut records: Vec<Vec<u8>>) -> Option<Vec<u8>> {
    match records.len() {
        0 => None,
        1 => records.pop(),
        count if count > CHUNK_RECORDS_MAX => None,
        _ => {
            let body_bytes: usize = records.iter().map(Vec::len).sum();
            let mut value = Vec::with_capacity(CHUNK_HEADER_BYTES + 4 * records.len() + body_bytes);
            value.push(RECORD_CHUNK_FORMAT);
            value.extend_from_slice(&u16::try_from(records.len()).ok()?.to_le_bytes());
            for record in &records {
                value.extend_from_slice(&u32::try_from(record.len()).ok()?.to_le_bytes());
            }
            for record in &records {
                value.extend_from_slice(record);
            }
            Some(value)
        }
    }
}

/// Where each record of a stored value lies: `(position, byte range)` in position order,
/// the first at `key_position`. Checks the frame only; each record is checked when decoded.
pub fn record_spans(
    key_position: u64,
    value: &[u8],
) -> Result<Vec<(u64, std::ops::Range<usize>)>, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        position: key_position,
        reason: reason.into(),
    };
    match value.first() {
        Some(&RECORD_CHUNK_FORMAT) => {}
        // A single record (or something its decoder will name).
        _ => return Ok(vec![(key_position, 0..value.len())]),
    }
    let count = value
        .get(1..CHUNK_HEADER_BYTES)
        .and_then(|bytes| <[u8; 2]>::try_from(bytes).ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| corrupt("record chunk header is truncated"))?;
    let count = usize::from(count);
    let lengths_end = CHUNK_HEADER_BYTES + 4 * count;
    let lengths = value
        .get(CHUNK_HEADER_BYTES..lengths_end)
        .ok_or_else(|| corrupt("record chunk lengths are truncated"))?;
    if count < 2 {
        return Err(corrupt("record chunk holds fewer than two records"));
    }
    let mut spans = Vec::with_capacity(count);
    let mut start = lengths_end;
    for (index, length) in lengths.chunks_exact(4).enumerate() {
        let length = length
            .try_into()
            .map(u32::from_le_bytes)
            .map_err(|_| corrupt("record chunk length is malformed"))?;
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| start.checked_add(length))
            .filter(|end| *end <= value.len())
            .ok_or_else(|| corrupt("record chunk is shorter than its lengths say"))?;
        spans.push((key_position + index as u64, start..end));
        start = end;
    }
    if start != value.len() {
        return Err(corrupt("record chunk has trailing bytes"));
    }
    Ok(spans)
}

/// What makes two appends "the same" for idempotency: stream, expected version, and each
/// event's type, schema version, actor and payload. Ids and times the caller generates
/// afresh on a retry are left out, so a retried command with the same input matches.
pub fn append_fingerprint(
    stream: &StreamId,
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<Hash256, StoreError> {
    #[derive(Serialize)]
    struct Canonical<'a> {
        stream: &'a StreamId,
        expected: ExpectedVersion,
        events: Vec<(&'a EventType, u16, &'a Actor, &'a [u8])>,
    }
    let canonical = Canonical {
        stream,
        expected,
        events: events
            .iter()
            .map(|e| {
                (
                    &e.event_type,
                    e.schema_version,
                    &e.actor,
                    e.payload.as_slice(),
                )
            })
            .collect(),
    };
    let bytes = bincode::serde::encode_to_vec(&canonical, bincode::config::standard())
        .map_err(|e| StoreError::Storage(format!("encoding fingerprint: {e}")))?;
    Ok(Hash256::of_bytes(&bytes))
}

/// A payload that could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[error("payload codec: {0}")]
pub struct PayloadCodecError(String);

/// Encodes a domain payload.
pub fn encode_payload<T: Serialize>(value: &T) -> Result<Vec<u8>, PayloadCodecError> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| PayloadCodecError(e.to_string()))
}

/// Decodes a domain payload; the whole input must be consumed.
pub fn decode_payload<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PayloadCodecError> {
    let (value, read) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| PayloadCodecError(e.to_string()))?;
    if read != bytes.len() {
        return Err(PayloadCodecError(format!(
            "{} trailing bytes",
            bytes.len() - read
        )));
    }
    Ok(value)
}

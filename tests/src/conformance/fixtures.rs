//! Building blocks for store tests: events, requests, and a one-line description of an
//! append's result, so tables of cases can state expectations as short strings.

use govledger_core::error::StoreError;
use govledger_core::event::{Actor, EventType, IdempotencyKey, NewEvent, StreamId};
use govledger_core::store::{AppendOutcome, AppendRequest, ExpectedVersion, Idempotency};
use govledger_core::time::Timestamp;
use uuid::Uuid;

/// A stream id; panics on an invalid literal (a bug in the test, not an input).
pub fn stream(id: &str) -> StreamId {
    StreamId::new(id).expect("test stream ids are valid")
}

/// A `RequestReceived` event with `payload` as its bytes.
pub fn event(payload: &str) -> NewEvent {
    event_of_type("RequestReceived", payload)
}

/// An event of the given type with `payload` as its bytes and a fresh UUIDv7.
pub fn event_of_type(event_type: &str, payload: &str) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: EventType::new(event_type).expect("test event types are valid"),
        schema_version: 1,
        occurred_at: Timestamp::from_unix_micros(1_588_291_200_000_000),
        actor: Actor {
            account_id: Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_0001),
            role: "station_clerk".into(),
            organisation_id: None,
        },
        correlation_id: Uuid::from_u128(0x0190_c2a0_0000_7000_8000_0000_0000_00c0),
        causation_id: None,
        payload: payload.as_bytes().to_vec(),
    }
}

/// An append without an idempotency key.
pub fn request(stream_id: &str, expected: ExpectedVersion, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest {
        stream: stream(stream_id),
        expected,
        events,
        idempotency: None,
    }
}

/// The same append, made retry-safe under `key` (the store fingerprints the content).
pub fn keyed(mut request: AppendRequest, key: &str) -> AppendRequest {
    request.idempotency = Some(Idempotency {
        key: IdempotencyKey::new(key).expect("test idempotency keys are valid"),
        fingerprint: None,
    });
    request
}

/// `appended 3..4 v2`, `appended 3..4 v2 replayed`, or the error's variant with the fields
/// a caller acts on (`WrongExpectedVersion(actual 2)`).
pub fn describe(result: &Result<AppendOutcome, StoreError>) -> String {
    match result {
        Ok(outcome) => format!(
            "appended {}..{} v{}{}",
            outcome.first_position,
            outcome.last_position,
            outcome.stream_version,
            if outcome.replayed { " replayed" } else { "" }
        ),
        Err(error) => describe_error(error),
    }
}

/// An error's variant with the fields a caller acts on.
pub fn describe_error(error: &StoreError) -> String {
    match error {
        StoreError::InvalidName { what, .. } => format!("InvalidName({what})"),
        StoreError::PayloadTooLarge { size_bytes, .. } => format!("PayloadTooLarge({size_bytes})"),
        StoreError::EventCountOutOfRange { count, .. } => format!("EventCountOutOfRange({count})"),
        StoreError::ReadLimitOutOfRange { requested, .. } => {
            format!("ReadLimitOutOfRange({requested})")
        }
        StoreError::DuplicateEventId { .. } => "DuplicateEventId".into(),
        StoreError::RestoreTargetNotEmpty { .. } => "RestoreTargetNotEmpty".into(),
        StoreError::TreeSizeBeyondHead { size, .. } => format!("TreeSizeBeyondHead({size})"),
        StoreError::ProofNotPossible(error) => format!("ProofNotPossible({error})"),
        StoreError::WrongExpectedVersion { actual, .. } => {
            format!("WrongExpectedVersion(actual {actual})")
        }
        StoreError::IdempotencyConflict { .. } => "IdempotencyConflict".into(),
        StoreError::Storage(_) => "Storage".into(),
        StoreError::Unavailable => "Unavailable".into(),
        StoreError::Corrupt { position, .. } => format!("Corrupt({position})"),
        StoreError::UnknownRecordFormat { position, tag } => {
            format!("UnknownRecordFormat({position}, tag {tag})")
        }
        StoreError::UnsupportedStoreFormat { found, .. } => {
            format!("UnsupportedStoreFormat({found})")
        }
        StoreError::LogKeyMismatch { .. } => "LogKeyMismatch".into(),
    }
}

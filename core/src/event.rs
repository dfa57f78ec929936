//! The event envelope: what a caller hands to `append` (`NewEvent`) and what the store gives
//! back (`RecordedEvent`), plus the validated names they carry.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::Hash256;
use crate::limits::{
    EVENT_TYPE_BYTES_MAX, IDEMPOTENCY_KEY_BYTES_MAX, PAYLOAD_BYTES_MAX, ROLE_BYTES_MAX,
    STREAM_ID_BYTES_MAX,
};
use crate::time::Timestamp;

/// A stream (one case, one directory entity): `[A-Za-z0-9]` first, then `[A-Za-z0-9._:/-]`,
/// at most `STREAM_ID_BYTES_MAX` bytes. The alphabet keeps ids safe inside sled keys (no NUL),
/// URLs and log lines.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StreamId(String);

impl StreamId {
    pub fn new(id: impl Into<String>) -> Result<StreamId, StoreError> {
        let id = id.into();
        check_name("stream id", &id, STREAM_ID_BYTES_MAX, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-')
        })?;
        Ok(StreamId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({})", self.0)
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event type: past-tense PascalCase (`RequestDispatched`), ASCII letters and digits.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventType(String);

impl EventType {
    pub fn new(name: impl Into<String>) -> Result<EventType, StoreError> {
        let name = name.into();
        check_name("event type", &name, EVENT_TYPE_BYTES_MAX, |c| {
            c.is_ascii_alphanumeric()
        })?;
        if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(StoreError::InvalidName {
                what: "event type",
                reason: "must start with an uppercase letter".into(),
            });
        }
        Ok(EventType(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventType({})", self.0)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client-chosen key that makes a retried append safe: the same key with the same
/// fingerprint returns the original outcome, a different fingerprint is a conflict.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn new(key: impl Into<String>) -> Result<IdempotencyKey, StoreError> {
        let key = key.into();
        check_name("idempotency key", &key, IDEMPOTENCY_KEY_BYTES_MAX, |c| {
            c.is_ascii_graphic()
        })?;
        Ok(IdempotencyKey(key))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.0)
    }
}

/// Who recorded an event: the account, the role it acted in, and the organisation it acted
/// for. Never a person's name: personal data stays outside the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    pub account_id: Uuid,
    /// `snake_case` role name, e.g. `station_clerk`.
    pub role: String,
    pub organisation_id: Option<Uuid>,
}

impl Actor {
    pub fn validate(&self) -> Result<(), StoreError> {
        check_name("actor role", &self.role, ROLE_BYTES_MAX, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
        })
    }
}

/// An event as the caller proposes it. The store assigns position, stream version,
/// recorded-at and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEvent {
    /// UUIDv7, chosen by the caller so causation links can name an event before it is stored.
    pub event_id: Uuid,
    pub event_type: EventType,
    pub schema_version: u16,
    /// When it happened, as the recorder states it (paper records get back-filled).
    pub occurred_at: Timestamp,
    pub actor: Actor,
    /// The case chain this event belongs to (the originating request's correlation).
    pub correlation_id: Uuid,
    /// The event or command that caused this one.
    pub causation_id: Option<Uuid>,
    /// Encoded by the domain; opaque to the store.
    pub payload: Vec<u8>,
}

impl NewEvent {
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.payload.len() > PAYLOAD_BYTES_MAX {
            return Err(StoreError::PayloadTooLarge {
                size_bytes: self.payload.len(),
                limit_bytes: PAYLOAD_BYTES_MAX,
            });
        }
        if self.schema_version == 0 {
            return Err(StoreError::InvalidName {
                what: "schema version",
                reason: "starts at 1".into(),
            });
        }
        if !self.occurred_at.is_plausible() {
            return Err(StoreError::InvalidName {
                what: "occurred-at",
                reason: format!("{} is outside 1900..2200", self.occurred_at),
            });
        }
        self.actor.validate()
    }
}

/// An event as stored: the proposal plus everything the store assigned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    /// Global position, from 1, gap-free, in commit order.
    pub position: u64,
    pub event_id: Uuid,
    pub stream_id: StreamId,
    /// Version within the stream, from 1, gap-free.
    pub stream_version: u64,
    pub event_type: EventType,
    pub schema_version: u16,
    pub occurred_at: Timestamp,
    /// Server UTC at commit; never decreases along the log.
    pub recorded_at: Timestamp,
    pub actor: Actor,
    pub correlation_id: Uuid,
    pub causation_id: Option<Uuid>,
    pub payload: Vec<u8>,
    pub prev_hash: Hash256,
    pub hash: Hash256,
}

fn check_name(
    what: &'static str,
    value: &str,
    max_bytes: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<(), StoreError> {
    let reason = if value.is_empty() {
        "must not be empty".to_string()
    } else if value.len() > max_bytes {
        format!("{} bytes exceeds the limit of {max_bytes}", value.len())
    } else if let Some(bad) = value.chars().find(|c| !allowed(*c)) {
        format!("character {bad:?} is not allowed")
    } else if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        "must start with a letter or digit".to_string()
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidName { what, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(result: Result<(), StoreError>, expect: &str) {
        let got = match result {
            Ok(()) => "ok".to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect);
    }

    #[test]
    fn names_are_validated() {
        check(StreamId::new("request-0190c2").map(drop), "ok");
        check(StreamId::new("dir/compound:sun-coast").map(drop), "ok");
        check(
            StreamId::new("").map(drop),
            "invalid stream id: must not be empty",
        );
        check(
            StreamId::new("a\0b").map(drop),
            "invalid stream id: character '\\0' is not allowed",
        );
        check(
            StreamId::new("-x").map(drop),
            "invalid stream id: must start with a letter or digit",
        );
        check(
            StreamId::new("x".repeat(129)).map(drop),
            "invalid stream id: 129 bytes exceeds the limit of 128",
        );
        check(EventType::new("RequestDispatched").map(drop), "ok");
        check(
            EventType::new("requestDispatched").map(drop),
            "invalid event type: must start with an uppercase letter",
        );
        check(
            EventType::new("Request_Dispatched").map(drop),
            "invalid event type: character '_' is not allowed",
        );
        check(IdempotencyKey::new("mutation-42").map(drop), "ok");
        check(
            IdempotencyKey::new("has space").map(drop),
            "invalid idempotency key: character ' ' is not allowed",
        );
    }
}

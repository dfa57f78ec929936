//! Walks stored records in position order and checks the chain rule (see `hash.rs`),
//! the positions and the stream versions. Shared by the full `verify`, the check at open,
//! and any backend: it reads stored bytes, never re-encodes.

use std::collections::HashMap;

use crate::codec;
use crate::event::{RecordedEvent, StreamId};
use crate::hash::Hash256;
use crate::store::Head;

/// The first thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub position: u64,
    pub reason: String,
}

/// Incremental chain checker: feed records in position order.
pub struct ChainCheck {
    expected_position: u64,
    previous_hash: Hash256,
    stream_versions: HashMap<StreamId, u64>,
    /// When resuming mid-log, streams first seen here may start at any version.
    streams_may_predate: bool,
}

impl ChainCheck {
    pub fn from_genesis() -> ChainCheck {
        ChainCheck {
            expected_position: 1,
            previous_hash: Hash256::GENESIS,
            stream_versions: HashMap::new(),
            streams_may_predate: false,
        }
    }

    /// Continues after a point already verified.
    pub fn resume_after(verified: Head) -> ChainCheck {
        ChainCheck {
            expected_position: verified.position + 1,
            previous_hash: verified.hash,
            stream_versions: HashMap::new(),
            streams_may_predate: verified.position > 0,
        }
    }

    /// The last position and hash accepted so far.
    pub fn verified(&self) -> Head {
        Head {
            position: self.expected_position - 1,
            hash: self.previous_hash,
        }
    }

    /// Checks the next record, stored under `key_position` with bytes `value`.
    pub fn check(&mut self, key_position: u64, value: &[u8]) -> Result<RecordedEvent, Damage> {
        let damage = |reason: String| Damage {
            position: key_position,
            reason,
        };
        if key_position != self.expected_position {
            return Err(Damage {
                position: self.expected_position,
                reason: format!("missing; the next stored position is {key_position}"),
            });
        }
        let (hashed, claimed) =
            codec::split_stored(key_position, value).map_err(|e| damage(e.to_string()))?;
        let recomputed = Hash256::chain(&self.previous_hash, hashed);
        if recomputed != claimed {
            return Err(damage(format!(
                "hash mismatch: stored {claimed}, recomputed {recomputed}"
            )));
        }
        let event = codec::decode_record(key_position, value).map_err(|e| damage(e.to_string()))?;
        if event.prev_hash != self.previous_hash {
            return Err(damage(
                "previous-hash field does not match the chain".into(),
            ));
        }
        let version = self.stream_versions.get(&event.stream_id).copied();
        let version_ok = match version {
            Some(previous) => event.stream_version == previous + 1,
            None => event.stream_version == 1 || self.streams_may_predate,
        };
        if !version_ok {
            return Err(damage(format!(
                "stream {} jumps to version {} after {}",
                event.stream_id,
                event.stream_version,
                version.unwrap_or(0)
            )));
        }
        self.stream_versions
            .insert(event.stream_id.clone(), event.stream_version);
        self.expected_position += 1;
        self.previous_hash = claimed;
        Ok(event)
    }

    /// Checks that the walk ended where the store says the head is.
    pub fn finish(&self, head: Head) -> Result<(), Damage> {
        let verified = self.verified();
        if verified.position != head.position {
            return Err(Damage {
                position: verified.position + 1,
                reason: format!(
                    "log ends at position {} but the head says {}",
                    verified.position, head.position
                ),
            });
        }
        if verified.hash != head.hash {
            return Err(Damage {
                position: head.position,
                reason: "head hash does not match the last record".into(),
            });
        }
        Ok(())
    }
}

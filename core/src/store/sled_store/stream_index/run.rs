//! A run: the positions of consecutive versions of one stream, the value of one `V` key.

use crate::error::StoreError;
use crate::event::StreamId;
use crate::store::sled_store::keys;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) first_version: u64,
    pub(super) positions: Vec<u64>,
}

impl Run {
    pub(super) fn starting(version: u64, position: u64) -> Run {
        Run {
            first_version: version,
            positions: vec![position],
        }
    }

    pub(super) fn last_version(&self) -> u64 {
        self.first_version + self.positions.len() as u64 - 1
    }

    pub(super) fn position_of(&self, version: u64) -> Option<u64> {
        let offset = version.checked_sub(self.first_version)?;
        self.positions.get(usize::try_from(offset).ok()?).copied()
    }

    /// `(version, position)` from `from_version` on.
    pub(super) fn entries_from(&self, from_version: u64) -> impl Iterator<Item = (u64, u64)> + '_ {
        (self.first_version..)
            .zip(self.positions.iter().copied())
            .filter(move |(version, _)| *version >= from_version)
    }

    /// The last version whose position is at or before `head`.
    pub(super) fn last_version_at(&self, head: u64) -> Option<u64> {
        self.entries_from(self.first_version)
            .take_while(|(_, position)| *position <= head)
            .last()
            .map(|(version, _)| version)
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        self.positions
            .iter()
            .flat_map(|position| position.to_be_bytes())
            .collect()
    }

    pub(super) fn decode(stream: &StreamId, key: &[u8], value: &[u8]) -> Result<Run, StoreError> {
        let malformed = || StoreError::Corrupt {
            position: 0,
            reason: format!("stream index entry of {stream} is malformed"),
        };
        let first_version = keys::trailing_u64(key).ok_or_else(malformed)?;
        if value.is_empty() || value.len() % 8 != 0 || first_version == 0 {
            return Err(malformed());
        }
        let positions = value
            .chunks_exact(8)
            .map(|bytes| bytes.try_into().map(u64::from_be_bytes))
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| malformed())?;
        Ok(Run {
            first_version,
            positions,
        })
    }
}

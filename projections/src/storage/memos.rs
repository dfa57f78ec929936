//! `Memos`: records a read model keeps in its lane's memory only, never stored
//! (`writes::MEMO_KEY_PREFIX`): what its fold needs of a case between the case's events (the
//! metrics' facts of a case). A batch keeps them decoded; when it ends they are encoded once
//! into the lane's memory (`ReadModelWrites::flush_records`), which later batches read. One
//! the lane has forgotten, or never had (after a restart), reads as absent, and the read model
//! folds it again from the ledger (`recall`).

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApplyError;
use crate::storage::key_part::KeyPart;
use crate::storage::keys::Key;
use crate::storage::writes::{MEMO_KEY_PREFIX, ReadModelWrites};

/// A record a batch can keep and the lane remember: the codec encodes and decodes it.
pub(crate) trait Remembered: Serialize + DeserializeOwned + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Send + 'static> Remembered for T {}

/// `V` records by `K`, remembered under `tag` (unique among the read model's memos).
pub(crate) struct Memos<K, V> {
    tag: u8,
    _records: PhantomData<fn() -> (K, V)>,
}

impl<K: KeyPart, V: Remembered> Memos<K, V> {
    pub(crate) const fn new(tag: u8) -> Memos<K, V> {
        Memos {
            tag,
            _records: PhantomData,
        }
    }

    fn key(&self, key: &K) -> Vec<u8> {
        key.write(Key::tag(MEMO_KEY_PREFIX).byte(self.tag))
            .into_bytes()
    }

    /// The record under `key` if the batch holds it; reads nothing else.
    pub(crate) fn get<'w>(&self, writes: &'w ReadModelWrites<'_>, key: &K) -> Option<&'w V> {
        writes.batch_record(&self.key(key))
    }

    /// Takes the record under `key` out of the batch, if it holds it, to change it (put it
    /// back with `keep`); reads nothing else.
    pub(crate) fn take(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
    ) -> Result<Option<V>, ApplyError> {
        writes.take_batch_record(&self.key(key))
    }

    /// Keeps `record` under `key` for the rest of the batch, and in the lane's memory after.
    pub(crate) fn keep(&self, writes: &mut ReadModelWrites<'_>, key: &K, record: V) {
        writes.keep_record(self.key(key), record);
    }

    /// Puts the record under `key` into the batch unless it holds it: from the lane's memory,
    /// else as `refold` folds it again from the ledger (`None`: there is none).
    pub(crate) fn recall(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
        refold: impl FnOnce(&mut ReadModelWrites<'_>) -> Result<Option<V>, ApplyError>,
    ) -> Result<(), ApplyError> {
        let memo_key = self.key(key);
        if writes.batch_record::<V>(&memo_key).is_some() {
            return Ok(());
        }
        let recalled = match writes.get_record::<V>(&memo_key)? {
            Some(record) => Some(record),
            None => refold(writes)?,
        };
        if let Some(record) = recalled {
            writes.keep_record(memo_key, record);
        }
        Ok(())
    }
}

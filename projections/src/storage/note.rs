//! `Note`: values a fold keeps for the rest of a batch and never stores (what an event of the
//! batch was, to answer a later event of the same batch without reading the ledger). They
//! live in the batch's notes (`ReadModelWrites::note_once`), under keys this type lays out.

use std::marker::PhantomData;

use crate::storage::key_part::KeyPart;
use crate::storage::keys::Key;
use crate::storage::writes::ReadModelWrites;

/// Notes of `T` by `K`. Its tag is the first byte of their keys, unique within the read
/// model's notes and stored keys.
pub(crate) struct Note<K, T> {
    tag: u8,
    _notes: PhantomData<fn() -> (K, T)>,
}

impl<K: KeyPart, T: Send + 'static> Note<K, T> {
    pub(crate) const fn new(tag: u8) -> Note<K, T> {
        Note {
            tag,
            _notes: PhantomData,
        }
    }

    fn key(&self, key: &K) -> Vec<u8> {
        key.write(Key::tag(self.tag)).into_bytes()
    }

    /// Keeps `value()` under `key` for the rest of the batch, unless a note is already there.
    pub(crate) fn note_once(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
        value: impl FnOnce() -> T,
    ) {
        writes.note_once(&self.key(key), value);
    }

    /// The note under `key`, if the batch holds one.
    pub(crate) fn get<'w>(&self, writes: &'w ReadModelWrites<'_>, key: &K) -> Option<&'w T> {
        writes.note::<T>(&self.key(key))
    }
}

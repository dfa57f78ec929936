//! `Table`: records by key, one stored value each (the directory's places, organisations,
//! accounts and roles). A fold reads and writes them through its batch, a query reads them
//! from the answering read model; neither sees how they are stored.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApplyError, ProjectionError};
use crate::page::{Page, PageRequest};
use crate::storage::key_part::KeyPart;
use crate::storage::keys::Key;
use crate::storage::read_model::ReadModel;
use crate::storage::read_model::decode_record;
use crate::storage::walk::page_of_prefix;
use crate::storage::writes::ReadModelWrites;

/// A table of `V` records by `K`. Its tag is the first byte of its keys, unique within the
/// read model (each read model's `mod.rs` lists its tables).
pub(crate) struct Table<K, V> {
    tag: u8,
    _records: PhantomData<fn() -> (K, V)>,
}

impl<K: KeyPart, V: Serialize + DeserializeOwned> Table<K, V> {
    pub(crate) const fn new(tag: u8) -> Table<K, V> {
        Table {
            tag,
            _records: PhantomData,
        }
    }

    fn key(&self, key: &K) -> Vec<u8> {
        key.write(Key::tag(self.tag)).into_bytes()
    }

    /// The record under `key` as of the events the batch applied so far.
    pub(crate) fn get(
        &self,
        writes: &ReadModelWrites<'_>,
        key: &K,
    ) -> Result<Option<V>, ApplyError> {
        writes.get_record(&self.key(key))
    }

    /// Writes (or replaces) the record under `key`.
    pub(crate) fn put(
        &self,
        writes: &mut ReadModelWrites<'_>,
        key: &K,
        record: &V,
    ) -> Result<(), ApplyError> {
        writes.put_record(self.key(key), record)
    }

    /// The record under `key` (its default if there is none), kept decoded for the rest of
    /// the batch and changed in place: a record many events of a batch change (a month's
    /// counters) is decoded once and encoded once.
    pub(crate) fn record_mut<'w>(
        &self,
        writes: &'w mut ReadModelWrites<'_>,
        key: &K,
    ) -> Result<&'w mut V, ApplyError>
    where
        V: Default + Send + 'static,
    {
        writes.record_or_default(&self.key(key))
    }

    /// The record under `key` in the answering read model.
    pub(crate) fn read(&self, model: &ReadModel, key: &K) -> Result<Option<V>, ProjectionError> {
        model.get_record(&self.key(key))
    }

    /// The first record in key order, if any (a table of one record: the community).
    pub(crate) fn first(&self, model: &ReadModel) -> Result<Option<V>, ProjectionError> {
        let prefix = [self.tag];
        match model.scan_from(&prefix, &prefix).next() {
            Some(entry) => decode_record(&entry?.1).map(Some),
            None => Ok(None),
        }
    }

    /// A page of every record, in key order.
    pub(crate) fn page(
        &self,
        model: &ReadModel,
        page: &PageRequest,
    ) -> Result<Page<V>, ProjectionError> {
        page_of_prefix(model, &[self.tag], page, |_, value| {
            decode_record(value).map(Some)
        })
    }

    /// A page of the records whose keys begin with `prefix` (the first parts of `K`), in key
    /// order.
    pub(crate) fn page_under<P: KeyPart>(
        &self,
        model: &ReadModel,
        prefix: &P,
        page: &PageRequest,
    ) -> Result<Page<V>, ProjectionError> {
        let prefix = prefix.write(Key::tag(self.tag)).into_bytes();
        page_of_prefix(model, &prefix, page, |_, value| {
            decode_record(value).map(Some)
        })
    }
}

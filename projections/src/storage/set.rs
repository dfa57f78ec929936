//! `Set`: the members listed under a value (the buildings of a compound, the members of an
//! organisation), read as pages in member order. A member is stored once however often it is
//! added.

use std::marker::PhantomData;

use crate::error::ProjectionError;
use crate::page::{Page, PageRequest};
use crate::storage::key_part::{KeyPart, read_exactly};
use crate::storage::keys::Key;
use crate::storage::read_model::ReadModel;
use crate::storage::walk::page_of_prefix;
use crate::storage::writes::ReadModelWrites;

/// Members `M` listed under values `V`. Its tag is the first byte of its keys, unique within
/// the read model.
pub(crate) struct Set<V, M> {
    tag: u8,
    name: &'static str,
    _members: PhantomData<fn() -> (V, M)>,
}

impl<V: KeyPart, M: KeyPart> Set<V, M> {
    /// `name` says what the set is in error messages ("buildings of a compound").
    pub(crate) const fn new(tag: u8, name: &'static str) -> Set<V, M> {
        Set {
            tag,
            name,
            _members: PhantomData,
        }
    }

    fn prefix(&self, value: &V) -> Vec<u8> {
        value.write(Key::tag(self.tag)).into_bytes()
    }

    /// Lists `member` under `value`.
    pub(crate) fn add(&self, writes: &mut ReadModelWrites<'_>, value: &V, member: &M) {
        let key = member.write(value.write(Key::tag(self.tag))).into_bytes();
        writes.insert(key, Vec::new());
    }

    /// A page of the members under `value`, in member order, each turned into an item by
    /// `item` (`None` leaves it out).
    pub(crate) fn page<T>(
        &self,
        model: &ReadModel,
        value: &V,
        page: &PageRequest,
        mut item: impl FnMut(M) -> Result<Option<T>, ProjectionError>,
    ) -> Result<Page<T>, ProjectionError> {
        let prefix = self.prefix(value);
        page_of_prefix(model, &prefix, page, |key, _| {
            let member = key
                .get(prefix.len()..)
                .and_then(read_exactly::<M>)
                .ok_or_else(|| ProjectionError::Corrupt(format!("a key of the {}", self.name)))?;
            item(member)
        })
    }
}

//! `NumberCursors`: the cursors of a list whose items are numbered (log positions, stream
//! versions) rather than stored under keys of their own. A cursor is a tag byte and the
//! number (u64 BE) in lowercase hex, like every cursor (`keys::encode_cursor`), so a cursor
//! of another list is refused by its tag.

use crate::error::ProjectionError;
use crate::page::PageRequest;
use crate::storage::keys::{self, Key};

/// Cursors naming the numbers of one list; `tag` tells its cursors from other lists'.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumberCursors {
    tag: u8,
}

impl NumberCursors {
    pub(crate) const fn new(tag: u8) -> NumberCursors {
        NumberCursors { tag }
    }

    /// The cursor of the item numbered `number`.
    pub(crate) fn cursor(&self, number: u64) -> String {
        keys::encode_cursor(&Key::tag(self.tag).u64(number).into_bytes())
    }

    /// The number of the request's `after` cursor, if it has one.
    pub(crate) fn after(&self, page: &PageRequest) -> Result<Option<u64>, ProjectionError> {
        self.number(page.after_key(&[self.tag])?)
    }

    /// The number of the request's `before` cursor, if it has one.
    pub(crate) fn before(&self, page: &PageRequest) -> Result<Option<u64>, ProjectionError> {
        self.number(page.before_key(&[self.tag])?)
    }

    fn number(&self, key: Option<Vec<u8>>) -> Result<Option<u64>, ProjectionError> {
        key.map(|key| {
            keys::trailing_u64(&key)
                .filter(|_| key.len() == 1 + 8)
                .ok_or_else(|| ProjectionError::InvalidQuery("malformed cursor".into()))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(cursors: NumberCursors, cursor: &str) -> Result<Option<u64>, ProjectionError> {
        cursors.after(&PageRequest {
            after: Some(cursor.to_owned()),
            ..PageRequest::first(1)
        })
    }

    #[test]
    fn cursors_name_their_number_and_their_list() {
        let versions = NumberCursors::new(b'v');
        // The bytes are part of the API: clients keep cursors.
        assert_eq!(versions.cursor(7), "760000000000000007");
        assert_eq!(after(versions, &versions.cursor(7)).ok(), Some(Some(7)));
        assert_eq!(
            versions
                .before(&PageRequest {
                    before: Some(versions.cursor(u64::MAX)),
                    ..PageRequest::last(1)
                })
                .ok(),
            Some(Some(u64::MAX))
        );
        assert_eq!(versions.after(&PageRequest::first(1)).ok(), Some(None));
        // Another list's cursor, a short one, garbage.
        assert!(after(versions, &NumberCursors::new(b'y').cursor(7)).is_err());
        assert!(after(versions, "7600").is_err());
        assert!(after(versions, "zz").is_err());
    }
}

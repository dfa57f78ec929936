//! `KeyPart`: a value a read model looks records up by (an id, a pair of ids, a role name),
//! written into a stored key so that byte order is value order, and read back from it.
//!
//! Fixed-width parts (UUIDs, big-endian integers) keep their width; text ends with 0x00 (the
//! names stored in keys are `snake_case` words and never contain it). A tuple is its parts in
//! order, so a prefix of a tuple's parts selects a range of keys (`Table::page_under`).

use uuid::Uuid;

use crate::storage::keys::Key;

/// A value that is part of a stored key.
pub(crate) trait KeyPart: Sized {
    /// Appends the value to `key`.
    fn write(&self, key: Key) -> Key;
    /// Reads the value at the start of `bytes` and moves past it; `None` if malformed.
    fn read(bytes: &mut &[u8]) -> Option<Self>;
}

impl KeyPart for Uuid {
    fn write(&self, key: Key) -> Key {
        key.uuid(self)
    }

    fn read(bytes: &mut &[u8]) -> Option<Uuid> {
        let (id, rest) = bytes.split_at_checked(16)?;
        *bytes = rest;
        Uuid::from_slice(id).ok()
    }
}

impl KeyPart for u64 {
    fn write(&self, key: Key) -> Key {
        key.u64(*self)
    }

    fn read(bytes: &mut &[u8]) -> Option<u64> {
        let (value, rest) = bytes.split_at_checked(8)?;
        *bytes = rest;
        Some(u64::from_be_bytes(value.try_into().ok()?))
    }
}

impl KeyPart for u8 {
    fn write(&self, key: Key) -> Key {
        key.byte(*self)
    }

    fn read(bytes: &mut &[u8]) -> Option<u8> {
        let (&value, rest) = bytes.split_first()?;
        *bytes = rest;
        Some(value)
    }
}

/// Nothing: the key of a table of one record.
impl KeyPart for () {
    fn write(&self, key: Key) -> Key {
        key
    }

    fn read(_: &mut &[u8]) -> Option<()> {
        Some(())
    }
}

impl KeyPart for String {
    fn write(&self, key: Key) -> Key {
        key.text(self)
    }

    fn read(bytes: &mut &[u8]) -> Option<String> {
        let end = bytes.iter().position(|byte| *byte == 0)?;
        let text = std::str::from_utf8(&bytes[..end]).ok()?.to_owned();
        *bytes = &bytes[end + 1..];
        Some(text)
    }
}

impl<A: KeyPart, B: KeyPart> KeyPart for (A, B) {
    fn write(&self, key: Key) -> Key {
        self.1.write(self.0.write(key))
    }

    fn read(bytes: &mut &[u8]) -> Option<(A, B)> {
        Some((A::read(bytes)?, B::read(bytes)?))
    }
}

impl<A: KeyPart, B: KeyPart, C: KeyPart> KeyPart for (A, B, C) {
    fn write(&self, key: Key) -> Key {
        self.2.write(self.1.write(self.0.write(key)))
    }

    fn read(bytes: &mut &[u8]) -> Option<(A, B, C)> {
        Some((A::read(bytes)?, B::read(bytes)?, C::read(bytes)?))
    }
}

/// Reads a whole key part: `None` if malformed or if bytes are left over.
pub(crate) fn read_exactly<K: KeyPart>(mut bytes: &[u8]) -> Option<K> {
    let value = K::read(&mut bytes)?;
    bytes.is_empty().then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<K: KeyPart + PartialEq + std::fmt::Debug>(smaller: K, larger: K) {
        let a = smaller.write(Key::tag(b't')).into_bytes();
        let b = larger.write(Key::tag(b't')).into_bytes();
        assert!(a < b, "{smaller:?} sorts before {larger:?}");
        assert_eq!(read_exactly::<K>(&a[1..]), Some(smaller));
        assert_eq!(read_exactly::<K>(&b[1..]), Some(larger));
    }

    #[test]
    fn parts_sort_like_their_values_and_read_back() {
        check(Uuid::from_u128(1), Uuid::from_u128(2));
        check(7u64, 1 << 40);
        check("member".to_owned(), "steward".to_owned());
        check("a".to_owned(), "ab".to_owned());
        check(
            (Uuid::from_u128(1), "z".to_owned()),
            (Uuid::from_u128(2), "a".to_owned()),
        );
        check(
            (Uuid::from_u128(1), Uuid::from_u128(9), "a".to_owned()),
            (Uuid::from_u128(1), Uuid::from_u128(9), "b".to_owned()),
        );
    }

    #[test]
    fn malformed_parts_do_not_read() {
        assert_eq!(read_exactly::<Uuid>(&[1; 15]), None);
        assert_eq!(read_exactly::<Uuid>(&[1; 17]), None);
        assert_eq!(read_exactly::<String>(b"no end"), None);
        assert_eq!(read_exactly::<(Uuid, u64)>(&[0; 23]), None);
    }
}

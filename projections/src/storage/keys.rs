//! Building sled keys for read models: a tag byte, then components that sort the way the
//! queries read them. Fixed-width parts (UUIDs, big-endian integers, timestamps with the sign
//! bit flipped) keep byte order equal to value order; text parts end with 0x00 (the names
//! stored in keys are `snake_case` words and never contain it).

use govledger_core::time::Timestamp;
use uuid::Uuid;

const TEXT_END: u8 = 0x00;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key(Vec<u8>);

impl Key {
    pub(crate) fn tag(tag: u8) -> Key {
        let mut bytes = Vec::with_capacity(48);
        bytes.push(tag);
        Key(bytes)
    }

    pub(crate) fn byte(mut self, value: u8) -> Key {
        self.0.push(value);
        self
    }

    pub(crate) fn uuid(mut self, value: &Uuid) -> Key {
        self.0.extend_from_slice(value.as_bytes());
        self
    }

    pub(crate) fn u64(mut self, value: u64) -> Key {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    pub(crate) fn text(mut self, value: &str) -> Key {
        debug_assert!(!value.as_bytes().contains(&TEXT_END));
        self.0.extend_from_slice(value.as_bytes());
        self.0.push(TEXT_END);
        self
    }

    /// Oldest first.
    pub(crate) fn time(self, value: Timestamp) -> Key {
        self.u64(time_ascending(value))
    }

    /// Newest first.
    pub(crate) fn time_desc(self, value: Timestamp) -> Key {
        self.u64(!time_ascending(value))
    }

    pub(crate) fn raw(mut self, bytes: &[u8]) -> Key {
        self.0.extend_from_slice(bytes);
        self
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

fn time_ascending(value: Timestamp) -> u64 {
    (value.unix_micros() as u64) ^ (1 << 63)
}

/// Reads a timestamp written by `Key::time` at `offset`.
pub(crate) fn read_time(key: &[u8], offset: usize) -> Option<Timestamp> {
    let bytes: [u8; 8] = key.get(offset..offset + 8)?.try_into().ok()?;
    Some(Timestamp::from_unix_micros(
        (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64,
    ))
}

/// Reads a timestamp written by `Key::time_desc` at `offset`.
pub(crate) fn read_time_desc(key: &[u8], offset: usize) -> Option<Timestamp> {
    let bytes: [u8; 8] = key.get(offset..offset + 8)?.try_into().ok()?;
    Some(Timestamp::from_unix_micros(
        (!u64::from_be_bytes(bytes) ^ (1 << 63)) as i64,
    ))
}

/// Reads the big-endian u64 at the end of a key.
pub(crate) fn trailing_u64(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    Some(u64::from_be_bytes(key[start..].try_into().ok()?))
}

/// Reads the UUID at the end of a key.
pub(crate) fn trailing_uuid(key: &[u8]) -> Option<Uuid> {
    let start = key.len().checked_sub(16)?;
    Uuid::from_slice(&key[start..]).ok()
}

/// Opaque cursors are index keys in lowercase hex.
pub(crate) fn encode_cursor(key: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(key.len() * 2);
    for byte in key {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

pub(crate) fn decode_cursor(cursor: &str) -> Option<Vec<u8>> {
    let bytes = cursor.as_bytes();
    if bytes.len() % 2 != 0 || bytes.len() > 1024 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(earlier: Timestamp, later: Timestamp) {
        let a = Key::tag(b't').time(earlier).into_bytes();
        let b = Key::tag(b't').time(later).into_bytes();
        assert!(a < b, "{earlier} sorts before {later}");
        let a = Key::tag(b't').time_desc(earlier).into_bytes();
        let b = Key::tag(b't').time_desc(later).into_bytes();
        assert!(a > b, "{later} sorts before {earlier} in descending keys");
        assert_eq!(read_time_desc(&a, 1), Some(earlier));
        assert_eq!(
            read_time(&Key::tag(b't').time(later).into_bytes(), 1),
            Some(later)
        );
    }

    #[test]
    fn timestamps_sort_like_their_values() {
        let at = Timestamp::from_unix_micros;
        check(at(-5), at(3));
        check(at(0), at(1));
        check(at(i64::MIN / 2), at(i64::MAX / 2));
        check(at(1_600_000_000_000_000), at(1_600_000_000_000_001));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = Key::tag(b'i').uuid(&Uuid::from_u128(7)).u64(9).into_bytes();
        assert_eq!(decode_cursor(&encode_cursor(&key)), Some(key));
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }
}

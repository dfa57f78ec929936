//! Building sled keys for read models: a tag byte, then components that sort the way the
//! queries read them. Fixed-width parts (UUIDs, big-endian integers, timestamps with the sign
//! bit flipped) keep byte order equal to value order; text parts end with 0x00 (the names
//! stored in keys are `snake_case` words and never contain it).

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

    /// A key that continues `bytes` (to write key parts into a buffer of other things).
    pub(crate) fn continuing(bytes: Vec<u8>) -> Key {
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

    pub(crate) fn raw(mut self, bytes: &[u8]) -> Key {
        self.0.extend_from_slice(bytes);
        self
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Reads the big-endian u64 at the end of a key.
pub(crate) fn trailing_u64(key: &[u8]) -> Option<u64> {
    let start = key.len().checked_sub(8)?;
    Some(u64::from_be_bytes(key[start..].try_into().ok()?))
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

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = Key::tag(b'i').uuid(&Uuid::from_u128(7)).u64(9).into_bytes();
        assert_eq!(decode_cursor(&encode_cursor(&key)), Some(key));
        assert_eq!(decode_cursor("zz"), None);
        assert_eq!(decode_cursor("abc"), None);
    }
}

//! Relay global ids: opaque strings that name a node's type and key. Clients must not parse
//! them; the encoding (hex of `Type:key`) may change.

use async_graphql::ID;

use crate::error::{ErrorCode, api_error};

/// What a global id points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalId {
    pub type_name: String,
    pub key: String,
}

impl GlobalId {
    pub fn encode(type_name: &str, key: &str) -> ID {
        ID(hex_encode(format!("{type_name}:{key}").as_bytes()))
    }

    pub fn decode(id: &ID) -> Result<GlobalId, async_graphql::Error> {
        let invalid = || {
            api_error(
                ErrorCode::BadUserInput,
                format!(
                    "{:?} is not a valid id",
                    id.0.chars().take(80).collect::<String>()
                ),
            )
        };
        let bytes = hex_decode(&id.0).ok_or_else(invalid)?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (type_name, key) = text.split_once(':').ok_or_else(invalid)?;
        Ok(GlobalId {
            type_name: type_name.to_string(),
            key: key.to_string(),
        })
    }
}

pub fn hex_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

pub fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| Some((digit(pair[0])? << 4) | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, expect: Option<(&str, &str)>) {
        let got = GlobalId::decode(&ID(id.to_string())).ok();
        let expect = expect.map(|(t, k)| GlobalId {
            type_name: t.to_string(),
            key: k.to_string(),
        });
        assert_eq!(got, expect, "id {id:?}");
    }

    #[test]
    fn global_ids_round_trip_and_refuse_garbage() {
        let id = GlobalId::encode("LedgerEvent", "42");
        check(&id.0, Some(("LedgerEvent", "42")));
        check("zz", None);
        check("abc", None);
        check(&hex_encode(b"no-colon"), None);
        check(&hex_encode(&[0xff, 0xfe]), None);
    }
}

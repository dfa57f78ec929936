//! C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 `cosignature/v1` type: a
//! witness's note signature on a checkpoint. The signed message is `cosignature/v1\n`,
//! `time <POSIX seconds>\n`, then the checkpoint's whole note text; the signature line
//! carries `key id || timestamp (u64 BE) || Ed25519 signature`. The key id is the first 4
//! bytes of `SHA-256(name || 0x0A || 0x04 || public key)`, and the verifier key is written
//! `<name>+<key id hex>+<base64(0x04 || public key)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::tlog::note::{
    NoteError, SIGNATURE_PREFIX, check_key_name, hex, parse_signature_line, split_note,
};

/// The signature type byte of Ed25519 `cosignature/v1` keys.
const ALGORITHM_COSIGNATURE_V1: u8 = 0x04;
/// Key id, timestamp, Ed25519 signature.
const SIGNATURE_BYTES: usize = 4 + 8 + 64;

fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALGORITHM_COSIGNATURE_V1]);
    hasher.update(public.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// The message a cosignature signs.
fn signed_message(checkpoint_text: &str, timestamp_s: u64) -> String {
    format!("cosignature/v1\ntime {timestamp_s}\n{checkpoint_text}")
}

/// A witness's cosigning key.
pub struct Cosigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl std::fmt::Debug for Cosigner {
    // Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<Cosigner, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, &key.verifying_key());
        Ok(Cosigner {
            name: name.to_string(),
            key,
            id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn verifier(&self) -> CosignatureVerifier {
        CosignatureVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The cosignature line (ending in a newline) on a checkpoint's note text, at
    /// `timestamp_s` (POSIX seconds; at most 2^63 - 1).
    pub fn cosign(&self, checkpoint_text: &str, timestamp_s: u64) -> String {
        let timestamp_s = timestamp_s.min(i64::MAX as u64);
        let signature = self
            .key
            .sign(signed_message(checkpoint_text, timestamp_s).as_bytes());
        let mut raw = self.id.to_vec();
        raw.extend_from_slice(&timestamp_s.to_be_bytes());
        raw.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }
}

/// A witness's public key: checks its cosignatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignatureVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl CosignatureVerifier {
    /// Parses `<name>+<key id hex>+<base64(0x04 || public key)>`.
    pub fn parse(text: &str) -> Result<CosignatureVerifier, NoteError> {
        let mut parts = text.trim_end_matches('\n').splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::BadVerifierKey("expected <name>+<id>+<key>"));
        };
        check_key_name(name)?;
        let raw = STANDARD
            .decode(encoded)
            .map_err(|_| NoteError::BadVerifierKey("key is not base64"))?;
        let (&[algorithm], public) = raw.split_at(1.min(raw.len())) else {
            return Err(NoteError::BadVerifierKey("key is empty"));
        };
        if algorithm != ALGORITHM_COSIGNATURE_V1 {
            return Err(NoteError::BadVerifierKey(
                "not an Ed25519 cosignature/v1 key (type 0x04)",
            ));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| NoteError::BadVerifierKey("key is not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadVerifierKey("not a valid Ed25519 point"))?;
        let id = key_id(name, &key);
        if id_hex.len() != 8 || hex(&id) != id_hex {
            return Err(NoteError::BadVerifierKey(
                "key id does not match the name and key",
            ));
        }
        Ok(CosignatureVerifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<name>+<key id hex>+<base64(0x04 || public key)>`.
    pub fn to_text(&self) -> String {
        let mut raw = vec![ALGORITHM_COSIGNATURE_V1];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex(&self.id), STANDARD.encode(raw))
    }

    /// The timestamp of this key's cosignature `line` on `checkpoint_text`, if it verifies.
    pub fn verify_line(&self, checkpoint_text: &str, line: &str) -> Option<u64> {
        let (name, raw) = parse_signature_line(line.trim_end_matches('\n')).ok()?;
        if name != self.name || raw.len() != SIGNATURE_BYTES || raw[..4] != self.id {
            return None;
        }
        let timestamp_s = u64::from_be_bytes(raw[4..12].try_into().ok()?);
        if timestamp_s > i64::MAX as u64 {
            return None;
        }
        let signature = Signature::from_slice(&raw[12..]).ok()?;
        self.key
            .verify(
                signed_message(checkpoint_text, timestamp_s).as_bytes(),
                &signature,
            )
            .ok()?;
        Some(timestamp_s)
    }

    /// The timestamp of this key's first valid cosignature in a signed `note`, if any.
    pub fn verify_note(&self, note: &str) -> Option<u64> {
        let (text, lines) = split_note(note).ok()?;
        lines.iter().find_map(|line| self.verify_line(text, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosignature_verifies_with_its_key_only_and_binds_the_time() {
        let cosigner = Cosigner::new("witness.example/w1", &[3; 32]).unwrap();
        let text = "example.com/log\n5\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n";
        let line = cosigner.cosign(text, 1_679_315_147);
        let verifier = CosignatureVerifier::parse(&cosigner.verifier().to_text()).unwrap();
        assert_eq!(verifier.verify_line(text, &line), Some(1_679_315_147));
        assert_eq!(
            verifier.verify_note(&format!("{text}\n{line}")),
            Some(1_679_315_147)
        );
        assert_eq!(verifier.verify_line(&text.replace('5', "6"), &line), None);
        let other = Cosigner::new("witness.example/w1", &[4; 32])
            .unwrap()
            .verifier();
        assert_eq!(other.verify_line(text, &line), None);
        // A log (0x01) key is not a cosignature key, and the other way round.
        let log_key = crate::tlog::note::NoteSigner::new("witness.example/w1", &[3; 32])
            .unwrap()
            .verifier()
            .to_text();
        assert!(CosignatureVerifier::parse(&log_key).is_err());
        assert!(crate::tlog::note::NoteVerifier::parse(&verifier.to_text()).is_err());
    }

    #[test]
    fn the_spec_example_cosignature_has_the_documented_layout() {
        // c2sp.org/tlog-cosignature's example line: 4-byte key id, 8-byte timestamp, 64-byte
        // signature.
        let line = "\u{2014} witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
        let (name, raw) = parse_signature_line(line).unwrap();
        assert_eq!(name, "witness.example.com/w1");
        assert_eq!(raw.len(), SIGNATURE_BYTES);
        assert_eq!(
            u64::from_be_bytes(raw[4..12].try_into().unwrap()),
            1_679_315_147
        );
    }
}

//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys: a UTF-8 text ending in a
//! newline, a blank line, then one line per signature, `— <key name> <base64(key id ||
//! signature)>`. The key id is the first 4 bytes of `SHA-256(name || 0x0A || 0x01 || public
//! key)`; a verifier key is written `<name>+<key id hex>+<base64(0x01 || public key)>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The signature algorithm byte of Ed25519 keys.
const ALGORITHM_ED25519: u8 = 0x01;
/// Longest note this code signs or opens.
pub const NOTE_BYTES_MAX: usize = 64 * 1024;
/// Most signature lines a note may carry.
pub const NOTE_SIGNATURES_MAX: usize = 100;
pub(crate) const SIGNATURE_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NoteError {
    #[error("key name {0:?} is empty or holds a space or a '+'")]
    BadKeyName(String),
    #[error("verifier key is malformed: {0}")]
    BadVerifierKey(&'static str),
    #[error("note is malformed: {0}")]
    Malformed(&'static str),
    #[error("note carries no valid signature by {0}")]
    NotSigned(String),
}

/// The key id of an Ed25519 key under `name`.
fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALGORITHM_ED25519]);
    hasher.update(public.as_bytes());
    let digest = hasher.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

pub(crate) fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty()
        || name.contains('+')
        || name.chars().any(char::is_whitespace)
        || name.chars().any(char::is_control)
    {
        return Err(NoteError::BadKeyName(name.to_string()));
    }
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A note signer: an Ed25519 key with its name.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    id: [u8; 4],
}

impl std::fmt::Debug for NoteSigner {
    // Never prints the private key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    pub fn new(name: &str, seed: &[u8; 32]) -> Result<NoteSigner, NoteError> {
        check_key_name(name)?;
        let key = SigningKey::from_bytes(seed);
        let id = key_id(name, &key.verifying_key());
        Ok(NoteSigner {
            name: name.to_string(),
            key,
            id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The verifier key others check this signer's notes with.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// The signature line this signer adds to `text` (without the note around it).
    pub fn signature_line(&self, text: &str) -> String {
        let signature = self.key.sign(text.as_bytes());
        let mut raw = self.id.to_vec();
        raw.extend_from_slice(&signature.to_bytes());
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, STANDARD.encode(raw))
    }

    /// `text` signed: the text, a blank line and this signer's signature line.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(format!("{text}\n{}", self.signature_line(text)))
    }
}

/// The public half: checks a signer's notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses `<name>+<key id hex>+<base64(0x01 || public key)>`.
    pub fn parse(text: &str) -> Result<NoteVerifier, NoteError> {
        // Names hold no '+', the base64 key may: split from the left.
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
        if algorithm != ALGORITHM_ED25519 {
            return Err(NoteError::BadVerifierKey("not an Ed25519 key"));
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
        Ok(NoteVerifier {
            name: name.to_string(),
            id,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// `<name>+<key id hex>+<base64(0x01 || public key)>`.
    pub fn to_text(&self) -> String {
        let mut raw = vec![ALGORITHM_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex(&self.id), STANDARD.encode(raw))
    }

    /// Opens a signed note: returns its text if a signature line by this key verifies.
    /// Signature lines by other keys (witnesses' cosignatures, say) are skipped.
    pub fn open<'a>(&self, note: &'a str) -> Result<&'a str, NoteError> {
        let (text, signatures) = split_note(note)?;
        for line in signatures {
            let (name, raw) = parse_signature_line(line)?;
            if name != self.name || raw.len() != 68 || raw[..4] != self.id {
                continue;
            }
            let signature =
                Signature::from_slice(&raw[4..]).map_err(|_| NoteError::Malformed("signature"))?;
            if self.key.verify(text.as_bytes(), &signature).is_ok() {
                return Ok(text);
            }
        }
        Err(NoteError::NotSigned(self.name.clone()))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.len() > NOTE_BYTES_MAX {
        return Err(NoteError::Malformed("longer than the limit"));
    }
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("text does not end in a newline"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::Malformed("text holds a control character"));
    }
    Ok(())
}

/// The note's text (with its final newline) and its signature lines.
pub fn split_note(note: &str) -> Result<(&str, Vec<&str>), NoteError> {
    if note.len() > NOTE_BYTES_MAX + NOTE_SIGNATURES_MAX * 512 {
        return Err(NoteError::Malformed("longer than the limit"));
    }
    let split = note
        .rfind("\n\n")
        .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    check_text(text)?;
    if !signatures.ends_with('\n') {
        return Err(NoteError::Malformed("signatures do not end in a newline"));
    }
    let lines: Vec<&str> = signatures.trim_end_matches('\n').split('\n').collect();
    if lines.len() > NOTE_SIGNATURES_MAX {
        return Err(NoteError::Malformed("too many signatures"));
    }
    Ok((text, lines))
}

/// A signature line's key name and decoded bytes (key id and signature); a line that is not
/// a signature line makes the note malformed.
pub(crate) fn parse_signature_line(line: &str) -> Result<(&str, Vec<u8>), NoteError> {
    let rest = line
        .strip_prefix(SIGNATURE_PREFIX)
        .ok_or(NoteError::Malformed(
            "a signature line does not start with an em dash",
        ))?;
    let (name, encoded) = rest
        .split_once(' ')
        .ok_or(NoteError::Malformed("signature line"))?;
    let raw = STANDARD
        .decode(encoded)
        .map_err(|_| NoteError::Malformed("signature is not base64"))?;
    if raw.len() < 4 {
        return Err(NoteError::Malformed("signature is too short"));
    }
    Ok((name, raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_note_opens_with_its_verifier_only() {
        let signer = NoteSigner::new("example.com/log", &[7; 32]).unwrap();
        let note = signer.sign("hello\nworld\n").unwrap();
        let verifier = NoteVerifier::parse(&signer.verifier().to_text()).unwrap();
        assert_eq!(verifier.open(&note), Ok("hello\nworld\n"));
        let other = NoteSigner::new("example.com/log", &[8; 32])
            .unwrap()
            .verifier();
        assert!(matches!(other.open(&note), Err(NoteError::NotSigned(_))));
        let tampered = note.replace("world", "w0rld");
        assert!(verifier.open(&tampered).is_err());
        assert!(NoteSigner::new("bad name", &[7; 32]).is_err());
        assert!(NoteVerifier::parse("name+00000000+AQ==").is_err());
        // transparency-dev/formats' test key whose base64 holds a '+'.
        let plus =
            NoteVerifier::parse("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6")
                .unwrap();
        assert_eq!(plus.name(), "TEST");
    }

    #[test]
    fn go_sumdb_note_vectors_verify() {
        // golang.org/x/mod/sumdb/note's documented example key and note.
        let verifier = NoteVerifier::parse(
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        )
        .unwrap();
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        assert_eq!(verifier.open(note), Ok(text));
        // The matching private key (PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK...) signs it
        // byte for byte: Ed25519 is deterministic.
        let private = STANDARD
            .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
            .unwrap();
        let signer = NoteSigner::new("PeterNeumann", &private[1..].try_into().unwrap()).unwrap();
        assert_eq!(signer.sign(text).unwrap(), note);
        assert_eq!(signer.verifier(), verifier);
    }
}

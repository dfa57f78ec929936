//! The log's signing key on disk: `<dir>/log-key` holds the Ed25519 seed (base64, one line),
//! created once, readable by its owner only (0600), never logged or exported; `<dir>/origin`
//! holds the log's origin line, fixed when the key is made (ADR 0007).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::tlog::note::{NoteError, NoteSigner, NoteVerifier};

const KEY_FILE: &str = "log-key";
const ORIGIN_FILE: &str = "origin";
/// The verifier key of a log restored from an export or a backup, kept where its signing
/// key is absent (the private key never travels with the records).
const VERIFIER_FILE: &str = "log-key.pub";
/// Longest origin line accepted.
pub const ORIGIN_BYTES_MAX: usize = 256;

#[derive(Debug, Error)]
pub enum KeyFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is readable by others (mode {mode:o}); it must be 0600")]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{path} is malformed")]
    Malformed { path: PathBuf },
    #[error("origin: {0}")]
    BadOrigin(#[from] NoteError),
    #[error("drawing a random key: {0}")]
    Random(String),
    #[error(
        "{dir} holds the verifier key of a restored log ({verifier}) but not its signing key: \
         copy the original tlog/log-key and tlog/origin there, or remove {dir}/log-key.pub to \
         start the log under a new key"
    )]
    SigningKeyMissing { dir: PathBuf, verifier: String },
}

/// How a new key's origin is chosen; ignored when the key exists.
#[derive(Debug, Clone)]
pub enum NewOrigin {
    /// `govledger.local/<community>/<key id>`, the key id being the first 8 bytes of the
    /// public key's SHA-256, in hex.
    Default {
        community: String,
    },
    Given(String),
}

/// The log's signer, from `dir`, made there first if missing (refused where a restored log's
/// verifier key waits for its own signing key).
pub fn load_or_create(dir: &Path, origin: &NewOrigin) -> Result<NoteSigner, KeyFileError> {
    if !dir.join(KEY_FILE).exists() {
        if let Some(verifier) = read_verifier(dir)? {
            return Err(KeyFileError::SigningKeyMissing {
                dir: dir.to_path_buf(),
                verifier: verifier.to_text(),
            });
        }
    }
    let (name, seed) = load_or_create_named(dir, KEY_FILE, ORIGIN_FILE, origin)?;
    Ok(NoteSigner::new(&name, &seed)?)
}

/// The log's verifier key from `dir`: its signing key's, or a restored log's kept one;
/// `None` when there is neither (nothing is created).
pub fn load_verifier(dir: &Path) -> Result<Option<NoteVerifier>, KeyFileError> {
    if dir.join(KEY_FILE).exists() && dir.join(ORIGIN_FILE).exists() {
        let signer = load_or_create(dir, &NewOrigin::Given(String::new()))?;
        return Ok(Some(signer.verifier()));
    }
    read_verifier(dir)
}

/// Keeps a restored log's verifier key in `dir`, unless its signing key is there (then it
/// must be the same key).
pub fn keep_verifier(dir: &Path, verifier: &NoteVerifier) -> Result<(), KeyFileError> {
    if let Some(present) = load_verifier(dir)? {
        if present == *verifier {
            return Ok(());
        }
        return Err(KeyFileError::Malformed {
            path: dir.join(VERIFIER_FILE),
        });
    }
    fs::create_dir_all(dir).map_err(|source| KeyFileError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_new(
        &dir.join(VERIFIER_FILE),
        format!("{}\n", verifier.to_text()).as_bytes(),
        0o644,
    )
}

fn read_verifier(dir: &Path) -> Result<Option<NoteVerifier>, KeyFileError> {
    let path = dir.join(VERIFIER_FILE);
    match fs::read_to_string(&path) {
        Ok(text) => NoteVerifier::parse(text.trim_end())
            .map(Some)
            .map_err(|_| KeyFileError::Malformed { path }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KeyFileError::Io { path, source }),
    }
}

/// A witness's key name and Ed25519 seed, from `<dir>/witness-key` and `<dir>/witness-name`,
/// made there first if missing (same rules as the log's key: 0600, never logged). The default
/// name is `govledger.local/witness/<key id>`.
pub fn load_or_create_witness(
    dir: &Path,
    name: Option<&str>,
) -> Result<(String, [u8; 32]), KeyFileError> {
    let origin = match name {
        Some(name) => NewOrigin::Given(name.to_string()),
        None => NewOrigin::Default {
            community: "witness".into(),
        },
    };
    let (name, seed) = load_or_create_named(dir, WITNESS_KEY_FILE, WITNESS_NAME_FILE, &origin)?;
    // The name must be a valid key name.
    NoteSigner::new(&name, &seed)?;
    Ok((name, seed))
}

const WITNESS_KEY_FILE: &str = "witness-key";
const WITNESS_NAME_FILE: &str = "witness-name";

fn load_or_create_named(
    dir: &Path,
    key_file: &str,
    name_file: &str,
    origin: &NewOrigin,
) -> Result<(String, [u8; 32]), KeyFileError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeyFileError::Io { path, source }
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let key_path = dir.join(key_file);
    if !key_path.exists() {
        create_key(dir, &key_path)?;
    }
    let seed = read_seed(&key_path)?;
    let origin_path = dir.join(name_file);
    let origin_line = match fs::read_to_string(&origin_path) {
        Ok(text) => text.trim_end_matches('\n').to_string(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let line = match origin {
                NewOrigin::Given(line) => line.clone(),
                NewOrigin::Default { community } => default_origin(community, &seed),
            };
            write_new(&origin_path, format!("{line}\n").as_bytes(), 0o644)?;
            line
        }
        Err(error) => return Err(io(&origin_path)(error)),
    };
    if origin_line.len() > ORIGIN_BYTES_MAX {
        return Err(KeyFileError::Malformed { path: origin_path });
    }
    Ok((origin_line, seed))
}

fn default_origin(community: &str, seed: &[u8; 32]) -> String {
    let public = ed25519_dalek::SigningKey::from_bytes(seed).verifying_key();
    let digest = Sha256::digest(public.as_bytes());
    let key_id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let community: String = community
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("govledger.local/{community}/{key_id}")
}

fn create_key(dir: &Path, key_path: &Path) -> Result<(), KeyFileError> {
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|source| {
        KeyFileError::Io {
            path: dir.to_path_buf(),
            source,
        }
    })?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyFileError::Random(e.to_string()))?;
    // Written aside, then linked into place: a crash never leaves a half-written key, and of
    // two processes creating one at once, the first link wins and both use it.
    let file_name = key_path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or(KEY_FILE);
    let temporary = dir.join(format!("{file_name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&temporary);
    write_new(
        &temporary,
        format!("{}\n", STANDARD.encode(seed)).as_bytes(),
        0o600,
    )?;
    let linked = fs::hard_link(&temporary, key_path);
    let _ = fs::remove_file(&temporary);
    match linked {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(KeyFileError::Io {
                path: key_path.to_path_buf(),
                source,
            });
        }
    }
    if let Ok(directory) = fs::File::open(dir) {
        let _ = directory.sync_all();
    }
    tracing::info!(path = %key_path.display(), "created a signing key");
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

fn read_seed(path: &Path) -> Result<[u8; 32], KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mode = fs::metadata(path).map_err(io)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_path_buf(),
            mode,
        });
    }
    let text = fs::read_to_string(path).map_err(io)?;
    STANDARD
        .decode(text.trim_end())
        .ok()
        .and_then(|raw| <[u8; 32]>::try_from(raw.as_slice()).ok())
        .ok_or_else(|| KeyFileError::Malformed {
            path: path.to_path_buf(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_private_and_keeps_its_origin() {
        let dir = tempfile::tempdir().unwrap();
        let community = NewOrigin::Default {
            community: "Wang Hai".into(),
        };
        let first = load_or_create(dir.path(), &community).unwrap();
        assert!(
            first.name().starts_with("govledger.local/wang-hai/"),
            "{}",
            first.name()
        );
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(dir.path(), &NewOrigin::Given("other".into())).unwrap();
        assert_eq!(again.verifier(), first.verifier());
        let seed = fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
        assert!(
            !format!("{again:?}").contains(seed.trim_end()),
            "Debug never shows the key"
        );

        fs::set_permissions(dir.path().join(KEY_FILE), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_or_create(dir.path(), &community),
            Err(KeyFileError::TooOpen { .. })
        ));
    }
}

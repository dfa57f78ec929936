//! `manifest.json`, written last: the head the backup was taken at, the ledger it belongs
//! to, the tree's right edge at the head (so an incremental backup can check its new part's
//! checkpoints), the latest checkpoint, the backup it continues (if incremental), and each
//! part's file and SHA-256. A directory without a manifest is an unfinished backup.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::backup::BACKUP_FORMAT;
use crate::backup::parts::Part;

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";
/// Largest manifest read.
const MANIFEST_BYTES_MAX: u64 = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub ledger_id: String,
    pub head_position: u64,
    pub head_hash: String,
    /// The Merkle tree's root at the head, and the hashes of its maximal complete subtrees
    /// (largest first), hex.
    pub tree_root: String,
    pub tree_peaks: Vec<String>,
    /// The log's verifier key, if it has one.
    pub log_key: Option<String>,
    /// The latest checkpoint the log had signed, as served, if any.
    pub latest_checkpoint: Option<String>,
    /// When the client finished (RFC 3339).
    pub taken_at: String,
    /// The earlier backup this one continues (incremental), if any.
    pub since: Option<SinceBackup>,
    /// The first position the ledger part holds (1 for a full backup).
    pub ledger_from: u64,
    pub parts: Vec<PartDigest>,
}

/// The earlier backup an incremental one continues: where it was, and its head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinceBackup {
    pub dir: String,
    pub head_position: u64,
    pub head_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartDigest {
    pub part: String,
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The SHA-256 (hex) and length of a file.
pub fn digest_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), bytes))
}

impl Manifest {
    pub fn read(dir: &Path) -> Result<Manifest, String> {
        use std::io::Read;
        let path = dir.join(MANIFEST_FILE);
        let file = std::fs::File::open(&path).map_err(|e| {
            format!(
                "{}: {e} (a backup directory without a manifest is unfinished)",
                path.display()
            )
        })?;
        let mut text = String::new();
        file.take(MANIFEST_BYTES_MAX)
            .read_to_string(&mut text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        if manifest.format != BACKUP_FORMAT {
            return Err(format!(
                "{}: format {:?}, not {BACKUP_FORMAT}",
                path.display(),
                manifest.format
            ));
        }
        Ok(manifest)
    }

    /// The digest recorded for `part`.
    pub fn part(&self, part: Part) -> Result<&PartDigest, String> {
        self.parts
            .iter()
            .find(|p| p.part == part.name() && p.file == part.file())
            .ok_or_else(|| format!("the manifest names no {} part", part.name()))
    }

    /// Checks every part file in `dir` has the length and SHA-256 the manifest records.
    pub fn check_parts(&self, dir: &Path) -> Result<(), String> {
        for part in Part::ALL {
            let recorded = self.part(part)?;
            let path = dir.join(part.file());
            let (sha256, bytes) =
                digest_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            if sha256 != recorded.sha256 || bytes != recorded.bytes {
                return Err(format!(
                    "{}: {bytes} bytes with SHA-256 {sha256}, but the manifest records {} bytes \
                     with {}: the part is not the one this backup took",
                    path.display(),
                    recorded.bytes,
                    recorded.sha256
                ));
            }
        }
        Ok(())
    }
}

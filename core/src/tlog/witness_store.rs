//! A witness's durable state: `<dir>/logs/<SHA-256(origin) hex>` holds the log's signed note
//! of the latest checkpoint cosigned, replaced atomically (written aside, fsynced, renamed,
//! directory fsynced) before the cosignature is returned; the check and the write happen
//! under one lock, so two requests never roll a log back. A fork's request is kept as
//! evidence in `<dir>/forks/`. One process per directory.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::tlog::cosignature::Cosigner;
use crate::tlog::note::{NoteVerifier, hex};
use crate::tlog::witness::{AddCheckpoint, Cosigned, Refusal, Witness};

#[derive(Debug, Error)]
pub enum WitnessStoreError {
    #[error(transparent)]
    Refused(Box<Refusal>),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the kept checkpoint no longer opens: {refusal}")]
    BadState {
        path: PathBuf,
        refusal: Box<Refusal>,
    },
}

impl From<Refusal> for WitnessStoreError {
    fn from(refusal: Refusal) -> Self {
        WitnessStoreError::Refused(Box::new(refusal))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WitnessStoreError + '_ {
    move |source| WitnessStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub struct WitnessStore {
    dir: PathBuf,
    witness: Mutex<Witness>,
}

impl WitnessStore {
    /// Opens (or starts) the state in `dir` for `logs`, restoring what was cosigned.
    pub fn open(
        dir: &Path,
        cosigner: Cosigner,
        logs: Vec<NoteVerifier>,
    ) -> Result<WitnessStore, WitnessStoreError> {
        for sub in ["logs", "forks"] {
            let path = dir.join(sub);
            fs::create_dir_all(&path).map_err(io(&path))?;
        }
        let origins: Vec<String> = logs.iter().map(|l| l.name().to_string()).collect();
        let mut witness = Witness::new(cosigner, logs);
        for origin in origins {
            let path = state_path(dir, &origin);
            let note = match fs::read_to_string(&path) {
                Ok(note) => note,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                Err(error) => return Err(io(&path)(error)),
            };
            let checkpoint =
                witness
                    .open(&note)
                    .map_err(|refusal| WitnessStoreError::BadState {
                        path: path.clone(),
                        refusal: Box::new(refusal),
                    })?;
            witness.record(Cosigned { checkpoint, note });
        }
        Ok(WitnessStore {
            dir: dir.to_path_buf(),
            witness: Mutex::new(witness),
        })
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<Cosigned> {
        self.lock().latest(origin).cloned()
    }

    /// The witness's cosigner name.
    pub fn name(&self) -> String {
        self.lock().cosigner().name().to_string()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Witness> {
        self.witness
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Handles an `add-checkpoint` request body at `now_s`: the cosignature line(s), once the
    /// new checkpoint is durable, or why not.
    pub fn add_checkpoint(&self, body: &str, now_s: u64) -> Result<String, WitnessStoreError> {
        let request = AddCheckpoint::parse(body)?;
        let mut witness = self.lock();
        match witness.judge(&request, now_s) {
            Ok(accepted) => {
                let origin = &accepted.cosigned.checkpoint.origin;
                write_durably(&state_path(&self.dir, origin), &accepted.cosigned.note)?;
                let cosignature = accepted.cosignature.clone();
                witness.record(accepted.cosigned);
                Ok(cosignature)
            }
            Err(refusal @ Refusal::Fork { .. }) => {
                tracing::error!(%refusal, "refused a fork");
                self.keep_evidence(&refusal, body, now_s);
                Err(refusal.into())
            }
            Err(refusal) => Err(refusal.into()),
        }
    }

    fn keep_evidence(&self, refusal: &Refusal, body: &str, now_s: u64) {
        let digest = Sha256::digest(body.as_bytes());
        let path = self
            .dir
            .join("forks")
            .join(format!("{now_s}-{}.txt", hex(&digest[..8])));
        let text = format!("{refusal}\n\n{body}");
        if let Err(error) = write_durably(&path, &text) {
            tracing::error!(%error, "keeping a fork's evidence");
        }
    }
}

fn state_path(dir: &Path, origin: &str) -> PathBuf {
    dir.join("logs")
        .join(hex(&Sha256::digest(origin.as_bytes())))
}

/// Replaces `path` with `text` atomically and durably.
fn write_durably(path: &Path, text: &str) -> Result<(), WitnessStoreError> {
    let temporary = path.with_extension("tmp");
    let mut file = fs::File::create(&temporary).map_err(io(&temporary))?;
    file.write_all(text.as_bytes()).map_err(io(&temporary))?;
    file.sync_all().map_err(io(&temporary))?;
    fs::rename(&temporary, path).map_err(io(path))?;
    if let Some(parent) = path.parent() {
        fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .map_err(io(parent))?;
    }
    Ok(())
}

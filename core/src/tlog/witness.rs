//! A witness's rule (C2SP tlog-witness, c2sp.org/tlog-witness): for each log it is configured
//! for (origin and verifier key) it keeps the latest checkpoint it cosigned, and cosigns a
//! new one only if the log's signature verifies and a consistency proof from that one
//! verifies (same size: same root). A checkpoint that does not extend the last one is a
//! *fork*, refused and reported on its own. Pure: persistence is `witness_store.rs`.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use thiserror::Error;

use crate::hash::Hash256;
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::cosignature::Cosigner;
use crate::tlog::hashing::EMPTY_TREE_ROOT;
use crate::tlog::note::{NoteVerifier, split_note};
use crate::tlog::verify::{ProofError, verify_consistency};

/// Most consistency proof lines a request may carry (the spec's limit).
pub const PROOF_LINES_MAX: usize = 63;
/// Longest `add-checkpoint` request body accepted.
pub const ADD_CHECKPOINT_BODY_BYTES_MAX: usize = 64 * 1024;

/// Why a witness refused a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("the request is malformed: {0}")]
    Malformed(&'static str),
    #[error("this witness does not witness the log {0:?}")]
    UnknownOrigin(String),
    #[error("the checkpoint carries no valid signature by the log's key")]
    NotSigned,
    #[error("the old size {old_size} is above the checkpoint's size {tree_size}")]
    OldSizeAboveCheckpoint { old_size: u64, tree_size: u64 },
    #[error("the old size {old_size} is not the size this witness last cosigned, {latest_size}")]
    StaleOldSize { old_size: u64, latest_size: u64 },
    #[error("the consistency proof is malformed: {0}")]
    BadProof(ProofError),
    /// A validly signed checkpoint that does not extend the one last cosigned: the log
    /// rewrote its history or shows different views. Evidence of misbehaviour.
    #[error(
        "fork: the log {origin:?} signed a tree of {offered_size} leaves (root {offered_root}) \
         that does not extend the tree of {cosigned_size} leaves (root {cosigned_root}) this \
         witness cosigned"
    )]
    Fork {
        origin: String,
        cosigned_size: u64,
        cosigned_root: Hash256,
        offered_size: u64,
        offered_root: Hash256,
    },
}

/// A parsed `add-checkpoint` request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash256>,
    /// The signed checkpoint note, as submitted.
    pub note: String,
}

fn parse_size(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    text.parse().ok().filter(|_| canonical)
}

impl AddCheckpoint {
    /// Parses `old <size>\n`, up to 63 base64 hash lines, a blank line, then the note.
    pub fn parse(body: &str) -> Result<AddCheckpoint, Refusal> {
        if body.len() > ADD_CHECKPOINT_BODY_BYTES_MAX {
            return Err(Refusal::Malformed("the body is longer than the limit"));
        }
        let (old_line, mut rest) = body
            .split_once('\n')
            .ok_or(Refusal::Malformed("no old size line"))?;
        let old_size = old_line
            .strip_prefix("old ")
            .and_then(parse_size)
            .ok_or(Refusal::Malformed("the first line is not `old <size>`"))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest
                .split_once('\n')
                .ok_or(Refusal::Malformed("no blank line before the checkpoint"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == PROOF_LINES_MAX {
                return Err(Refusal::Malformed("more than 63 consistency proof lines"));
            }
            let hash: [u8; 32] = STANDARD
                .decode(line)
                .ok()
                .and_then(|raw| raw.try_into().ok())
                .ok_or(Refusal::Malformed("a proof line is not a base64 hash"))?;
            proof.push(Hash256(hash));
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: rest.to_string(),
        })
    }

    /// The request body for `old_size`, `proof` and the signed `note`.
    pub fn to_body(old_size: u64, proof: &[Hash256], note: &str) -> String {
        let mut body = format!("old {old_size}\n");
        for hash in proof {
            body.push_str(&STANDARD.encode(hash.0));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(note);
        body
    }
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub checkpoint: Checkpoint,
    /// The log's signed note, as submitted.
    pub note: String,
}

/// A checkpoint the witness accepted: record it (durably), then answer with `cosignature`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub cosigned: Cosigned,
    /// The cosignature line(s), each ending in a newline.
    pub cosignature: String,
}

struct WitnessedLog {
    verifier: NoteVerifier,
    latest: Option<Cosigned>,
}

/// A witness: its key, its logs and what it last cosigned for each.
pub struct Witness {
    cosigner: Cosigner,
    logs: BTreeMap<String, WitnessedLog>,
}

impl Witness {
    /// A witness for `logs` (their origin is their key's name); none cosigned yet.
    pub fn new(cosigner: Cosigner, logs: Vec<NoteVerifier>) -> Witness {
        let logs = logs
            .into_iter()
            .map(|verifier| {
                let origin = verifier.name().to_string();
                (
                    origin,
                    WitnessedLog {
                        verifier,
                        latest: None,
                    },
                )
            })
            .collect();
        Witness { cosigner, logs }
    }

    pub fn cosigner(&self) -> &Cosigner {
        &self.cosigner
    }

    /// The latest checkpoint cosigned for `origin`.
    pub fn latest(&self, origin: &str) -> Option<&Cosigned> {
        self.logs.get(origin)?.latest.as_ref()
    }

    /// Opens a log's signed `note` with its configured key: its checkpoint, or why not.
    pub fn open(&self, note: &str) -> Result<Checkpoint, Refusal> {
        let (text, _) = split_note(note).map_err(|_| Refusal::Malformed("the checkpoint note"))?;
        let checkpoint =
            Checkpoint::parse(text).map_err(|_| Refusal::Malformed("the checkpoint"))?;
        let log = self
            .logs
            .get(&checkpoint.origin)
            .ok_or_else(|| Refusal::UnknownOrigin(checkpoint.origin.clone()))?;
        log.verifier.open(note).map_err(|_| Refusal::NotSigned)?;
        Ok(checkpoint)
    }

    /// Judges a request at `now_s` (POSIX seconds); changes nothing.
    pub fn judge(&self, request: &AddCheckpoint, now_s: u64) -> Result<Accepted, Refusal> {
        let checkpoint = self.open(&request.note)?;
        let (old_size, tree_size) = (request.old_size, checkpoint.tree_size);
        if old_size > tree_size {
            return Err(Refusal::OldSizeAboveCheckpoint {
                old_size,
                tree_size,
            });
        }
        let latest = self.latest(&checkpoint.origin);
        let latest_size = latest.map_or(0, |c| c.checkpoint.tree_size);
        if old_size != latest_size {
            return Err(Refusal::StaleOldSize {
                old_size,
                latest_size,
            });
        }
        match latest {
            None => {
                if !request.proof.is_empty() {
                    return Err(Refusal::BadProof(ProofError::WrongLength));
                }
                if tree_size == 0 && checkpoint.root != EMPTY_TREE_ROOT {
                    return Err(Refusal::BadProof(ProofError::RootMismatch));
                }
            }
            Some(last) => {
                let fork = || Refusal::Fork {
                    origin: checkpoint.origin.clone(),
                    cosigned_size: last.checkpoint.tree_size,
                    cosigned_root: last.checkpoint.root,
                    offered_size: tree_size,
                    offered_root: checkpoint.root,
                };
                match verify_consistency(
                    old_size,
                    tree_size,
                    &last.checkpoint.root,
                    &checkpoint.root,
                    &request.proof,
                ) {
                    Ok(()) => {}
                    Err(ProofError::RootMismatch) => return Err(fork()),
                    Err(error) => return Err(Refusal::BadProof(error)),
                }
            }
        }
        let (text, _) =
            split_note(&request.note).map_err(|_| Refusal::Malformed("the checkpoint note"))?;
        Ok(Accepted {
            cosignature: self.cosigner.cosign(text, now_s),
            cosigned: Cosigned {
                checkpoint,
                note: request.note.clone(),
            },
        })
    }

    /// Records an accepted checkpoint (or a restored one) as the latest for its log.
    pub fn record(&mut self, cosigned: Cosigned) {
        if let Some(log) = self.logs.get_mut(&cosigned.checkpoint.origin) {
            log.latest = Some(cosigned);
        }
    }
}

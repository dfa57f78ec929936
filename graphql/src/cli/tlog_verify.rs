//! `govledger tlog verify`: the offline check an auditor runs without trusting the operator
//! (issue 14, docs/audit.md). Given the log's verifier key, and an export or the log's URL:
//! is the export (or the served log) exactly a tree the log signed, is every older
//! checkpoint's tree a prefix of it (the log grew append-only), and did the witnesses named
//! cosign the checkpoint? Exit 0 when so, 3 naming what is not.
//!
//! With an export, the signed tree is `--checkpoint`, or else the latest checkpoint the
//! export carries (format 2), which must then end it; every checkpoint the export carries is
//! checked as it is read (signed by the key, the root of the records before it). With
//! `--log-url`, the checkpoint, entry bundles and hash tiles are fetched (`tlog_fetch.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use govledger_core::hash::Hash256;
use govledger_core::tlog::cosignature::CosignatureVerifier;
use govledger_core::tlog::note::NoteVerifier;
use govledger_core::tlog::{Checkpoint, EMPTY_TREE_ROOT};

use crate::cli::import::for_each_file_line;
use crate::cli::{CliError, say};
use crate::ledger_file::{ExportWalk, LedgerFileError, Walked};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["export", "log_url"])))]
pub(super) struct TlogVerifyArgs {
    /// The log's verifier key, `<name>+<key id>+<base64 key>` (from `govledger tlog key`).
    #[arg(long)]
    key: String,
    /// A checkpoint the log signed (the body of `/tlog/checkpoint`): the export must be
    /// exactly its tree. Default: the latest checkpoint the export carries.
    #[arg(long, conflicts_with = "log_url")]
    checkpoint: Option<PathBuf>,
    /// An export of the log (`govledger export`).
    #[arg(long)]
    export: Option<PathBuf>,
    /// The served log, `http://host:port/tlog/`: its checkpoint, entry bundles and hash
    /// tiles are fetched and checked (`--log` is the log filter every command takes).
    #[arg(long)]
    log_url: Option<String>,
    /// An older checkpoint the log signed; repeatable.
    #[arg(long)]
    older: Vec<PathBuf>,
    /// A witness's cosignature verifier key (`govledger witness key`) whose cosignature the
    /// checkpoint must carry; repeatable.
    #[arg(long = "witness-key")]
    witness_keys: Vec<String>,
}

pub(super) fn not_verified(reason: String) -> CliError {
    CliError::NotVerified(reason)
}

/// A signed note, opened with the key; `what` names it in messages.
pub(super) fn open_note(
    verifier: &NoteVerifier,
    note: &str,
    what: &str,
) -> Result<Checkpoint, CliError> {
    let text = verifier
        .open(note)
        .map_err(|e| not_verified(format!("{what}: {e}")))?;
    let checkpoint = Checkpoint::parse(text).map_err(|e| not_verified(format!("{what}: {e}")))?;
    if checkpoint.origin != verifier.name() {
        return Err(not_verified(format!(
            "{what}: the checkpoint is for {:?}, not {:?}",
            checkpoint.origin,
            verifier.name()
        )));
    }
    Ok(checkpoint)
}

/// A checkpoint file, opened with the key.
fn open_checkpoint(verifier: &NoteVerifier, path: &Path) -> Result<(Checkpoint, String), CliError> {
    let note = std::fs::read_to_string(path)
        .map_err(CliError::io(format!("reading {}", path.display())))?;
    let checkpoint = open_note(verifier, &note, &path.display().to_string())?;
    Ok((checkpoint, note))
}

/// The roots older checkpoints claim, by tree size, as the tree they are a prefix of gives
/// them.
pub(super) struct Prefixes {
    older: Vec<(PathBuf, Checkpoint)>,
    roots: BTreeMap<u64, Option<Hash256>>,
}

impl Prefixes {
    pub(super) fn new(older: Vec<(PathBuf, Checkpoint)>) -> Prefixes {
        let mut roots: BTreeMap<u64, Option<Hash256>> =
            older.iter().map(|(_, c)| (c.tree_size, None)).collect();
        if let Some(root) = roots.get_mut(&0) {
            *root = Some(EMPTY_TREE_ROOT);
        }
        Prefixes { older, roots }
    }

    /// The sizes whose roots are wanted.
    pub(super) fn sizes(&self) -> Vec<u64> {
        self.roots.keys().copied().collect()
    }

    /// The tree of `size` leaves has `root`.
    pub(super) fn saw(&mut self, size: u64, root: Hash256) {
        if let Some(wanted) = self.roots.get_mut(&size) {
            *wanted = Some(root);
        }
    }

    /// Every older checkpoint must be a prefix of the signed tree of `signed_size`.
    pub(super) fn check(&self, signed_size: u64) -> Result<(), CliError> {
        for (path, old) in &self.older {
            match self.roots.get(&old.tree_size).copied().flatten() {
                Some(root) if old.tree_size <= signed_size && root == old.root => say(format!(
                    "{}: the tree of {} events is a prefix: the log grew append-only",
                    path.display(),
                    old.tree_size
                )),
                Some(root) if old.tree_size <= signed_size => {
                    return Err(not_verified(format!(
                        "{}: fork: the log signed {} for its first {} events, but they now hash \
                         to {}; history was rewritten",
                        path.display(),
                        old.root,
                        old.tree_size,
                        root
                    )));
                }
                _ => {
                    return Err(not_verified(format!(
                        "{}: the older checkpoint has {} events, more than the log's {}: the log \
                         shrank",
                        path.display(),
                        old.tree_size,
                        signed_size
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Every witness named must have cosigned `note`.
pub(super) fn check_witnesses(
    witnesses: &[CosignatureVerifier],
    note: &str,
) -> Result<(), CliError> {
    for witness in witnesses {
        match witness.verify_note(note) {
            Some(time) => say(format!(
                "cosigned by the witness {} (at {time}, Unix seconds)",
                witness.name()
            )),
            None => {
                return Err(not_verified(format!(
                    "the checkpoint carries no valid cosignature by the witness {}",
                    witness.name()
                )));
            }
        }
    }
    Ok(())
}

pub(super) fn run(args: TlogVerifyArgs) -> Result<(), CliError> {
    let verifier = NoteVerifier::parse(args.key.trim())
        .map_err(|e| CliError::Failed(format!("--key: {e}")))?;
    let witnesses: Vec<CosignatureVerifier> = args
        .witness_keys
        .iter()
        .map(|key| CosignatureVerifier::parse(key.trim()))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Failed(format!("--witness-key: {e}")))?;
    let older = args
        .older
        .iter()
        .map(|path| open_checkpoint(&verifier, path).map(|(c, _)| (path.clone(), c)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut prefixes = Prefixes::new(older);
    if let Some(log) = &args.log_url {
        return crate::cli::tlog_fetch::verify_log(log, &verifier, &witnesses, prefixes);
    }
    let export = args
        .export
        .as_deref()
        .ok_or(CliError::Failed("pass --export or --log-url".into()))?;
    let given = args
        .checkpoint
        .as_deref()
        .map(|path| open_checkpoint(&verifier, path))
        .transpose()?;
    let mut walk = ExportWalk::new(Some(verifier.clone()));
    let mut latest_note = None;
    for_each_file_line(export, |line_number, text| {
        let walked = walk.line(line_number, text).map_err(|error| match error {
            LedgerFileError::Checkpoint { line, reason } => not_verified(format!(
                "{}: line {line}: a checkpoint it carries is refused: {reason}",
                export.display()
            )),
            other => other.into(),
        })?;
        match walked {
            Walked::Event { .. } => {
                let (size, root) = walk.tree();
                prefixes.saw(size, root);
            }
            Walked::Checkpoint(kept) => latest_note = Some(kept.note),
            Walked::LogKey => {}
        }
        Ok(())
    })?;
    let (size, root) = walk.tree();
    let (carried, latest) = walk.checkpoints();
    if carried > 0 {
        say(format!(
            "{carried} checkpoints the export carries are signed by the key and are the trees of \
             its records"
        ));
    }
    let (signed, note) = match (given, latest) {
        (Some((checkpoint, note)), _) => (checkpoint, note),
        (None, Some(latest)) => (
            latest.clone(),
            latest_note.ok_or(CliError::Failed(
                "the latest checkpoint's note is lost".into(),
            ))?,
        ),
        (None, None) => {
            return Err(not_verified(format!(
                "{} carries no checkpoint (an export of format 1?); pass --checkpoint",
                export.display()
            )));
        }
    };
    if size != signed.tree_size || root != signed.root {
        return Err(not_verified(format!(
            "the export ({size} events, root {root}) is not the signed tree ({} events, root {}){}",
            signed.tree_size,
            signed.root,
            if size > signed.tree_size {
                "; its last events are not in a signed checkpoint"
            } else {
                ""
            }
        )));
    }
    say(format!(
        "the export is exactly the signed tree of {} events (root {})",
        signed.tree_size, signed.root
    ));
    check_witnesses(&witnesses, &note)?;
    prefixes.check(signed.tree_size)
}

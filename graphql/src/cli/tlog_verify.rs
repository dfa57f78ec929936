//! `govledger tlog verify`: the offline check an auditor runs without trusting the operator
//! (issue 14, docs/audit.md). Given the log's verifier key, a checkpoint, an export and any
//! older checkpoints: is the export exactly the signed tree, and is every older checkpoint's
//! tree a prefix of it (the log grew append-only)? Exit 0 when so, 3 naming what is not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use govledger_core::hash::Hash256;
use govledger_core::tlog::note::NoteVerifier;
use govledger_core::tlog::{Checkpoint, EMPTY_TREE_ROOT, MemoryTree};

use crate::cli::import::for_each_line;
use crate::cli::{CliError, say};
use crate::ledger_file::{FileCheck, LedgerFileError, parse_line};
use crate::schema::node::hex_decode;

#[derive(Debug, clap::Args)]
pub(super) struct TlogVerifyArgs {
    /// The log's verifier key, `<name>+<key id>+<base64 key>` (from `govledger tlog key`).
    #[arg(long)]
    key: String,
    /// A checkpoint the log signed (the body of `/tlog/checkpoint`).
    #[arg(long)]
    checkpoint: PathBuf,
    /// An export of the log (`govledger export`).
    #[arg(long)]
    export: PathBuf,
    /// An older checkpoint the log signed; repeatable.
    #[arg(long)]
    older: Vec<PathBuf>,
}

fn not_verified(reason: String) -> CliError {
    CliError::NotVerified(reason)
}

/// A checkpoint file, opened with the key.
fn open_checkpoint(verifier: &NoteVerifier, path: &Path) -> Result<Checkpoint, CliError> {
    let note = std::fs::read_to_string(path)
        .map_err(CliError::io(format!("reading {}", path.display())))?;
    let text = verifier
        .open(&note)
        .map_err(|e| not_verified(format!("{}: {e}", path.display())))?;
    let checkpoint =
        Checkpoint::parse(text).map_err(|e| not_verified(format!("{}: {e}", path.display())))?;
    if checkpoint.origin != verifier.name() {
        return Err(not_verified(format!(
            "{}: the checkpoint is for {:?}, not {:?}",
            path.display(),
            checkpoint.origin,
            verifier.name()
        )));
    }
    Ok(checkpoint)
}

pub(super) fn run(args: TlogVerifyArgs) -> Result<(), CliError> {
    let verifier = NoteVerifier::parse(args.key.trim())
        .map_err(|e| CliError::Failed(format!("--key: {e}")))?;
    let signed = open_checkpoint(&verifier, &args.checkpoint)?;
    let older: Vec<(PathBuf, Checkpoint)> = args
        .older
        .iter()
        .map(|path| open_checkpoint(&verifier, path).map(|c| (path.clone(), c)))
        .collect::<Result<_, _>>()?;
    // The roots the older checkpoints claim, by size, recomputed as the export is read.
    let mut prefix_roots: BTreeMap<u64, Option<Hash256>> =
        older.iter().map(|(_, c)| (c.tree_size, None)).collect();
    if let Some(root) = prefix_roots.get_mut(&0) {
        *root = Some(EMPTY_TREE_ROOT);
    }
    let mut tree = MemoryTree::new();
    let mut check = FileCheck::new();
    for_each_line(&args.export, |line_number, text| {
        let line = parse_line(line_number, text)?;
        let event = check.check(&line)?;
        let record = hex_decode(&line.record_hex).ok_or_else(|| LedgerFileError::Broken {
            position: event.position,
            reason: "record_hex is not hex".into(),
        })?;
        tree.push(&record);
        if let Some(root) = prefix_roots.get_mut(&tree.size()) {
            *root = Some(tree.root());
        }
        Ok(())
    })?;
    if tree.size() != signed.tree_size || tree.root() != signed.root {
        return Err(not_verified(format!(
            "the export ({} events, root {}) is not the signed tree ({} events, root {})",
            tree.size(),
            tree.root(),
            signed.tree_size,
            signed.root
        )));
    }
    say(format!(
        "the export is exactly the signed tree of {} events (root {})",
        signed.tree_size, signed.root
    ));
    for (path, old) in &older {
        match prefix_roots.get(&old.tree_size).copied().flatten() {
            None => {
                return Err(not_verified(format!(
                    "{}: the older checkpoint has {} events, more than the log's {}: the log shrank",
                    path.display(),
                    old.tree_size,
                    signed.tree_size
                )));
            }
            Some(root) if root != old.root => {
                return Err(not_verified(format!(
                    "{}: fork: the log signed {} for its first {} events, but they now hash to {}; \
                     history was rewritten",
                    path.display(),
                    old.root,
                    old.tree_size,
                    root
                )));
            }
            Some(_) => say(format!(
                "{}: the tree of {} events is a prefix: the log grew append-only",
                path.display(),
                old.tree_size
            )),
        }
    }
    Ok(())
}

//! Exports carry the log (issue 14, item 7), through the real binary: `export` writes the
//! log's key and every checkpoint it kept (cosignatures included); `import` restores the
//! same head, root and checkpoints, byte for byte, and refuses a file whose checkpoints are
//! tampered with, out of place, signed by another key or not the records' tree, writing
//! nothing; `tlog verify` checks an export alone, with a published older checkpoint; a
//! format-1 export still imports.

use std::path::{Path, PathBuf};

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::{SledStore, StoredCheckpoint};
use govledger_core::tlog::Checkpoint;
use govledger_core::tlog::cosignature::Cosigner;
use govledger_core::tlog::key_file::{NewOrigin, load_or_create};
use govledger_core::tlog::note::NoteSigner;
use govledger_tests::e2e::run_cli;
use serde_json::Value;

use crate::e2e::tlog::append_events;

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// A ledger of 9 events with checkpoints at 3, 7 (cosigned by a witness) and 9; returns
/// the log's signer and the note of the checkpoint at 3 (the "published" one).
fn ledger(data: &Path) -> (NoteSigner, String) {
    let signer = load_or_create(
        &data.join("tlog"),
        &NewOrigin::Default {
            community: "export".into(),
        },
    )
    .expect("log key");
    let store = SledStore::open(data.join("ledger")).expect("open");
    append_events(&store, 3);
    let published = store.sign_checkpoint(&signer).expect("sign").note;
    append_events(&store, 4);
    let at_7 = store.sign_checkpoint(&signer).expect("sign");
    let witness = Cosigner::new("govledger.local/witness/e2e", &[5; 32]).expect("witness");
    let (checkpoint_text, _) = govledger_core::tlog::note::split_note(&at_7.note).expect("a note");
    let line = witness.cosign(checkpoint_text, 1_700_000_000);
    store.add_cosignatures(7, &[line]).expect("cosign");
    append_events(&store, 2);
    store.sign_checkpoint(&signer).expect("sign");
    store.close().expect("close");
    (signer, published)
}

fn export(data: &Path, out: &Path) {
    let output = run_cli(&["export", "--data", text(data), "--out", text(out)]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("9 events and 3 checkpoints"),
        "{output:?}"
    );
}

/// Head, root and every kept checkpoint of a data directory.
fn state(data: &Path) -> (u64, String, String, Vec<StoredCheckpoint>) {
    let store = SledStore::open(data.join("ledger")).expect("open");
    let head = store.head();
    let root = store.tree_root(head.position).expect("root");
    let kept = store.checkpoints_from(0, 100).expect("checkpoints");
    store.close().expect("close");
    (head.position, head.hash.to_hex(), root.to_hex(), kept)
}

#[test]
fn export_then_import_keeps_the_head_the_tree_and_every_signed_checkpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, file) = (dir.path().join("data"), dir.path().join("ledger.jsonl"));
    let (signer, published) = ledger(&data);
    export(&data, &file);

    let restored = dir.path().join("restored");
    let key = signer.verifier().to_text();
    let output = run_cli(&[
        "import",
        "--data",
        text(&restored),
        "--in",
        text(&file),
        "--log-key",
        &key,
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("3 checkpoints verified"),
        "{output:?}"
    );
    let (original, copy) = (state(&data), state(&restored));
    assert_eq!(copy, original);
    assert_eq!(
        copy.3.iter().map(|c| c.tree_size).collect::<Vec<_>>(),
        [3, 7, 9]
    );
    assert_eq!(
        copy.3[1].note.matches('\u{2014}').count(),
        2,
        "the cosignature"
    );

    // The export alone verifies with the key an auditor pinned, against the published
    // checkpoint; its own checkpoints stand in for `--checkpoint`.
    let published_path = dir.path().join("published.txt");
    std::fs::write(&published_path, &published).expect("write");
    let verified = run_cli(&[
        "tlog",
        "verify",
        "--key",
        &key,
        "--export",
        text(&file),
        "--older",
        text(&published_path),
    ]);
    assert!(verified.status.success(), "{verified:?}");
    let said = String::from_utf8_lossy(&verified.stdout);
    for expected in [
        "3 checkpoints the export carries",
        "exactly the signed tree of 9 events",
        "tree of 3 events is a prefix",
    ] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    // Verified against another log's key, its checkpoints are refused.
    let foreign = NoteSigner::new(signer.name(), &[7; 32])
        .expect("a key")
        .verifier()
        .to_text();
    let refused = run_cli(&["tlog", "verify", "--key", &foreign, "--export", text(&file)]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
}

/// The export's lines as JSON.
fn lines(file: &Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .expect("read")
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON"))
        .collect()
}

fn checkpoint_line(lines: &[Value], tree_size: u64) -> usize {
    lines
        .iter()
        .position(|l| l["kind"] == "checkpoint" && l["tree_size"] == tree_size)
        .expect("the checkpoint line")
}

/// A note signed by `signer` for `tree_size` events with a root the records do not have.
fn wrong_root_note(signer: &NoteSigner, tree_size: u64) -> String {
    let text = Checkpoint {
        origin: signer.name().to_string(),
        tree_size,
        root: govledger_core::hash::Hash256([9; 32]),
    }
    .to_text();
    signer.sign(&text).expect("sign")
}

/// Imports `lines` (after `change`) into a fresh directory with `extra` flags: refused with
/// exit 3 and `expect` in the message, and nothing written.
fn check(
    dir: &Path,
    name: &str,
    file: &Path,
    change: impl FnOnce(&mut Vec<Value>),
    extra: &[&str],
    expect: &str,
) {
    let mut changed = lines(file);
    change(&mut changed);
    let tampered: PathBuf = dir.join(format!("{name}.jsonl"));
    let body: String = changed.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&tampered, body).expect("write");
    let target = dir.join(name);
    let mut args = vec!["import", "--data", text(&target), "--in", text(&tampered)];
    args.extend_from_slice(extra);
    let output = run_cli(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{name}: {output:?}");
    assert!(stderr.contains(expect), "{name}: {stderr}");
    assert!(!target.exists(), "{name}: nothing written");
}

#[test]
fn an_import_refuses_checkpoints_that_do_not_hold_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, file) = (dir.path().join("data"), dir.path().join("ledger.jsonl"));
    let (signer, _) = ledger(&data);
    export(&data, &file);
    let other = NoteSigner::new(signer.name(), &[7; 32]).expect("a key");
    let other_key = other.verifier().to_text();
    let dir = dir.path();

    check(
        dir,
        "altered-note",
        &file,
        |lines| {
            let at = checkpoint_line(lines, 7);
            let note = lines[at]["note"]
                .as_str()
                .expect("note")
                .replacen('\n', "\n ", 1);
            lines[at]["note"] = Value::from(note);
        },
        &[],
        "checkpoint refused",
    );
    check(
        dir,
        "root-not-the-records",
        &file,
        |lines| {
            let at = checkpoint_line(lines, 7);
            lines[at]["note"] = Value::from(wrong_root_note(&signer, 7));
        },
        &[],
        "but the records hash to",
    );
    check(
        dir,
        "out-of-place",
        &file,
        |lines| {
            let line = lines.remove(checkpoint_line(lines, 7));
            lines.insert(3, line);
        },
        &[],
        "out of place",
    );
    check(
        dir,
        "another-key",
        &file,
        |lines| {
            let at = checkpoint_line(lines, 9);
            let text =
                govledger_core::tlog::note::split_note(lines[at]["note"].as_str().expect("note"))
                    .expect("a note")
                    .0
                    .to_string();
            lines[at]["note"] = Value::from(other.sign(&text).expect("sign"));
        },
        &[],
        "no valid signature",
    );
    check(
        dir,
        "given-another-log-key",
        &file,
        |_| {},
        &["--log-key", &other_key],
        "not the one given",
    );
    check(
        dir,
        "a-second-checkpoint-of-one-size",
        &file,
        |lines| {
            let line = lines[checkpoint_line(lines, 9)].clone();
            lines.push(line);
        },
        &[],
        "a second checkpoint of 9 events",
    );
}

#[test]
fn a_format_1_export_still_imports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (data, file) = (dir.path().join("data"), dir.path().join("ledger.jsonl"));
    ledger(&data);
    export(&data, &file);
    let old: String = lines(&file)
        .into_iter()
        .filter(|line| line.get("kind").is_none())
        .map(|mut line| {
            line["format"] = Value::from("govledger-export-1");
            format!("{line}\n")
        })
        .collect();
    let old_file = dir.path().join("format-1.jsonl");
    std::fs::write(&old_file, old).expect("write");
    let restored = dir.path().join("restored");
    let output = run_cli(&["import", "--data", text(&restored), "--in", text(&old_file)]);
    assert!(output.status.success(), "{output:?}");
    let (original, copy) = (state(&data), state(&restored));
    assert_eq!(
        (copy.0, &copy.1, &copy.2),
        (original.0, &original.1, &original.2)
    );
    assert!(
        copy.3.is_empty(),
        "a format-1 export carries no checkpoints"
    );
}

//! The witness's rule (C2SP tlog-witness) and its durable state, step by step: each step
//! submits a checkpoint of some history with some old size and proof, and names the outcome.
//! Includes the rewritten-history case: an operator rewrites an old event and re-seals the
//! log with the same key; the witness refuses it as a fork and keeps the evidence.

use govledger_core::hash::Hash256;
use govledger_core::tlog::cosignature::Cosigner;
use govledger_core::tlog::note::NoteSigner;
use govledger_core::tlog::witness::{AddCheckpoint, Refusal};
use govledger_core::tlog::witness_store::{WitnessStore, WitnessStoreError};
use govledger_core::tlog::{Checkpoint, MemoryTree, prove_consistency, tree_root};

const ORIGIN: &str = "govledger.local/test/log";
const NOW_S: u64 = 1_700_000_000;

/// A history of records: the honest one, or one with record `rewritten` changed.
fn history(rewritten: Option<u64>) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for index in 0..16u64 {
        let record = if Some(index) == rewritten {
            format!("record {index}, rewritten")
        } else {
            format!("record {index}")
        };
        tree.push(record.as_bytes());
    }
    tree
}

fn note(signer: &NoteSigner, tree: &MemoryTree, size: u64) -> String {
    let text = Checkpoint {
        origin: signer.name().to_string(),
        tree_size: size,
        root: tree_root(size, tree).expect("root"),
    }
    .to_text();
    signer.sign(&text).expect("sign")
}

/// How a step's proof is made.
#[derive(Clone, Copy)]
enum Proof {
    Honest,
    Truncated,
    Flipped,
}

struct Step {
    what: &'static str,
    signer: &'static str,
    rewritten: Option<u64>,
    old_size: u64,
    size: u64,
    proof: Proof,
    expect: &'static str,
}

fn outcome(result: &Result<String, WitnessStoreError>) -> String {
    match result {
        Ok(_) => "cosigned".into(),
        Err(WitnessStoreError::Refused(refusal)) => match refusal.as_ref() {
            Refusal::Malformed(_) => "malformed".into(),
            Refusal::UnknownOrigin(_) => "unknown origin".into(),
            Refusal::NotSigned => "not signed".into(),
            Refusal::OldSizeAboveCheckpoint { .. } => "old above".into(),
            Refusal::StaleOldSize { latest_size, .. } => format!("stale {latest_size}"),
            Refusal::BadProof(_) => "bad proof".into(),
            Refusal::Fork {
                cosigned_size,
                offered_size,
                ..
            } => format!("fork {cosigned_size}->{offered_size}"),
        },
        Err(other) => format!("error {other}"),
    }
}

fn check(store: &WitnessStore, signers: &[(&str, NoteSigner)], step: &Step) {
    let signer = &signers
        .iter()
        .find(|(name, _)| *name == step.signer)
        .expect("signer")
        .1;
    let tree = history(step.rewritten);
    let mut proof = if step.old_size == 0 {
        Vec::new()
    } else {
        prove_consistency(step.old_size, step.size, &tree).unwrap_or_default()
    };
    match step.proof {
        Proof::Honest => {}
        Proof::Truncated => {
            proof.pop();
        }
        Proof::Flipped => proof[0] = Hash256([7; 32]),
    }
    let body = AddCheckpoint::to_body(step.old_size, &proof, &note(signer, &tree, step.size));
    let result = store.add_checkpoint(&body, NOW_S);
    assert_eq!(outcome(&result), step.expect, "{}", step.what);
    if let Ok(lines) = result {
        let verifier = store_cosigner().verifier();
        let text = Checkpoint {
            origin: signer.name().to_string(),
            tree_size: step.size,
            root: tree_root(step.size, &tree).expect("root"),
        }
        .to_text();
        assert_eq!(
            verifier.verify_line(&text, &lines),
            Some(NOW_S),
            "{}",
            step.what
        );
    }
}

fn store_cosigner() -> Cosigner {
    Cosigner::new("govledger.local/witness/w1", &[5; 32]).expect("cosigner")
}

#[allow(clippy::too_many_lines)]
fn steps() -> Vec<Step> {
    let step = |what, signer, rewritten, old_size, size, proof, expect| Step {
        what,
        signer,
        rewritten,
        old_size,
        size,
        proof,
        expect,
    };
    use Proof::*;
    vec![
        step(
            "first checkpoint, from nothing",
            "log",
            None,
            0,
            3,
            Honest,
            "cosigned",
        ),
        step(
            "old size 0 once one is cosigned",
            "log",
            None,
            0,
            5,
            Honest,
            "stale 3",
        ),
        step("a wrong old size", "log", None, 2, 5, Honest, "stale 3"),
        step(
            "old size above the checkpoint",
            "log",
            None,
            5,
            4,
            Honest,
            "old above",
        ),
        step(
            "another key, same origin",
            "impostor",
            None,
            3,
            5,
            Honest,
            "not signed",
        ),
        step(
            "a log not configured",
            "stranger",
            None,
            0,
            3,
            Honest,
            "unknown origin",
        ),
        step(
            "a truncated proof",
            "log",
            None,
            3,
            5,
            Truncated,
            "bad proof",
        ),
        step(
            "the honest extension",
            "log",
            None,
            3,
            5,
            Honest,
            "cosigned",
        ),
        step(
            "the same checkpoint again",
            "log",
            None,
            5,
            5,
            Honest,
            "cosigned",
        ),
        step(
            "rewritten old event, same size",
            "log",
            Some(1),
            5,
            5,
            Honest,
            "fork 5->5",
        ),
        step(
            "rewritten old event, re-sealed and grown",
            "log",
            Some(1),
            5,
            9,
            Honest,
            "fork 5->9",
        ),
        step(
            "a rewritten event after the cosigned tree",
            "log",
            Some(7),
            5,
            9,
            Honest,
            "cosigned",
        ),
        step(
            "a proof that does not connect",
            "log",
            None,
            9,
            12,
            Flipped,
            "fork 9->12",
        ),
        step("a shrunk tree", "log", None, 9, 8, Honest, "old above"),
        step(
            "the honest log goes on",
            "log",
            Some(7),
            9,
            16,
            Honest,
            "cosigned",
        ),
    ]
}

#[test]
fn the_witness_cosigns_only_append_only_growth_and_names_forks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let signers = vec![
        ("log", NoteSigner::new(ORIGIN, &[1; 32]).expect("log key")),
        (
            "impostor",
            NoteSigner::new(ORIGIN, &[2; 32]).expect("impostor"),
        ),
        (
            "stranger",
            NoteSigner::new("govledger.local/other/log", &[3; 32]).expect("stranger"),
        ),
    ];
    let logs = vec![signers[0].1.verifier()];
    let store = WitnessStore::open(dir.path(), store_cosigner(), logs.clone()).expect("open");
    for step in steps() {
        check(&store, &signers, &step);
    }
    assert_eq!(store.latest(ORIGIN).expect("kept").checkpoint.tree_size, 16);
    drop(store);

    // Restarted, the witness remembers what it cosigned.
    let store = WitnessStore::open(dir.path(), store_cosigner(), logs).expect("reopen");
    assert_eq!(store.latest(ORIGIN).expect("kept").checkpoint.tree_size, 16);
    check(
        &store,
        &signers,
        &Step {
            what: "after a restart, old size 0",
            signer: "log",
            rewritten: Some(7),
            old_size: 0,
            size: 16,
            proof: Proof::Honest,
            expect: "stale 16",
        },
    );
    // Each fork's request is kept as evidence.
    let forks = std::fs::read_dir(dir.path().join("forks"))
        .expect("forks dir")
        .count();
    assert_eq!(forks, 3);
}

/// Old size and proof length, or `malformed`.
type Parsed = Result<(u64, usize), &'static str>;

#[test]
fn request_bodies_are_parsed_strictly() {
    let hash = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";
    let note = format!("o\n1\n{hash}\n\n\u{2014} o AAAA\n");
    let cases: Vec<(String, Parsed)> = vec![
        (format!("old 3\n{hash}\n{hash}\n\n{note}"), Ok((3, 2))),
        (format!("old 0\n\n{note}"), Ok((0, 0))),
        (format!("old 03\n\n{note}"), Err("malformed")),
        (format!("old -1\n\n{note}"), Err("malformed")),
        (format!("new 3\n\n{note}"), Err("malformed")),
        (format!("old 3\nnot base64!\n\n{note}"), Err("malformed")),
        (format!("old 3\nCQkJ\n\n{note}"), Err("malformed")),
        (
            format!("old 3\n{}\n{note}", format!("{hash}\n").repeat(64)),
            Err("malformed"),
        ),
        (
            format!("old 3\n{}\n{note}", format!("{hash}\n").repeat(63)),
            Ok((3, 63)),
        ),
        ("old 3".to_string(), Err("malformed")),
        (format!("old 3\n{hash}\n"), Err("malformed")),
        ("x".repeat(70_000), Err("malformed")),
    ];
    for (body, expect) in cases {
        let got = AddCheckpoint::parse(&body)
            .map(|r| (r.old_size, r.proof.len()))
            .map_err(|_| "malformed");
        assert_eq!(got, expect, "{body:.40}");
    }
    let parsed = AddCheckpoint::parse(&format!("old 3\n{hash}\n\n{note}")).expect("parse");
    assert_eq!(parsed.note, note);
    assert_eq!(
        AddCheckpoint::to_body(parsed.old_size, &parsed.proof, &parsed.note),
        format!("old 3\n{hash}\n\n{note}")
    );
}

#[test]
fn one_witness_keeps_each_log_apart() {
    // A street office witnessing two communities: each log's state is its own.
    let dir = tempfile::tempdir().expect("temp dir");
    let a = NoteSigner::new("govledger.local/a/log", &[1; 32]).expect("a");
    let b = NoteSigner::new("govledger.local/b/log", &[2; 32]).expect("b");
    let store = WitnessStore::open(
        dir.path(),
        store_cosigner(),
        vec![a.verifier(), b.verifier()],
    )
    .expect("open");
    let tree = history(None);
    let submit = |signer: &NoteSigner, old: u64, size: u64| {
        let proof = if old == 0 {
            Vec::new()
        } else {
            prove_consistency(old, size, &tree).expect("proof")
        };
        outcome(&store.add_checkpoint(
            &AddCheckpoint::to_body(old, &proof, &note(signer, &tree, size)),
            NOW_S,
        ))
    };
    assert_eq!(submit(&a, 0, 7), "cosigned");
    assert_eq!(submit(&b, 0, 2), "cosigned");
    assert_eq!(submit(&b, 7, 9), "stale 2");
    assert_eq!(submit(&a, 7, 9), "cosigned");
    assert_eq!(submit(&b, 2, 3), "cosigned");
    assert_eq!(
        store
            .latest("govledger.local/a/log")
            .map(|c| c.checkpoint.tree_size),
        Some(9)
    );
    assert_eq!(
        store
            .latest("govledger.local/b/log")
            .map(|c| c.checkpoint.tree_size),
        Some(3)
    );
}

#[test]
fn cosignatures_are_kept_with_the_checkpoint_once_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let signer = NoteSigner::new(ORIGIN, &[1; 32]).expect("log key");
    let store = govledger_core::store::sled_store::SledStore::open(dir.path()).expect("open");
    let kept = store.sign_checkpoint(&signer).expect("sign");
    let (text, _) = govledger_core::tlog::note::split_note(&kept.note).expect("note");
    let line = store_cosigner().cosign(text, NOW_S);
    let other = Cosigner::new("govledger.local/witness/w2", &[6; 32])
        .expect("w2")
        .cosign(text, NOW_S);
    store
        .add_cosignatures(0, std::slice::from_ref(&line))
        .expect("add");
    store
        .add_cosignatures(0, &[line.clone(), other.clone()])
        .expect("add again");
    assert!(
        store
            .add_cosignatures(99, std::slice::from_ref(&line))
            .expect("no such")
            .is_none(),
        "no checkpoint of that size"
    );
    store.close().expect("close");
    drop(store);
    let store = govledger_core::store::sled_store::SledStore::open(dir.path()).expect("reopen");
    let note = store.latest_checkpoint().expect("read").expect("kept").note;
    assert_eq!(note, format!("{}{line}{other}", kept.note));
    assert_eq!(signer.verifier().open(&note), Ok(text));
    assert_eq!(store_cosigner().verifier().verify_note(&note), Some(NOW_S));
}

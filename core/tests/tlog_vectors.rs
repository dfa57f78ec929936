//! The transparency-dev Merkle proof vectors (tests/fixtures/merkle, RFC 6962 / RFC 9162):
//! every case with `wantErr: false` verifies, every case with `wantErr: true` is refused.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use govledger_core::hash::Hash256;
use govledger_core::tlog::{verify_consistency, verify_inclusion};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/merkle/testdata")
}

fn cases(kind: &str) -> Vec<(PathBuf, Value)> {
    let mut files = Vec::new();
    let mut folders = vec![fixtures().join(kind)];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("vector folder") {
            let path = entry.expect("vector entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("vector file");
                files.push((path, serde_json::from_str(&text).expect("vector JSON")));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn bytes(value: &Value) -> Vec<u8> {
    STANDARD
        .decode(value.as_str().expect("a base64 string"))
        .expect("valid base64")
}

/// A 32-byte hash, or `None` for anything else (an empty or short leaf or root is refused).
fn hash(value: &Value) -> Option<Hash256> {
    <[u8; 32]>::try_from(bytes(value).as_slice())
        .ok()
        .map(Hash256)
}

/// A consistency vector's root. Some use short placeholders ("don't care 1") where only
/// equality matters (sizes equal, so no hashing happens); those map to a hash of their bytes
/// under a label of this test's own, which keeps equality and matches no real root.
fn placeholder_or_hash(value: &Value) -> Hash256 {
    hash(value).unwrap_or_else(|| {
        Hash256::of_bytes(&[b"vector placeholder:".as_slice(), &bytes(value)].concat())
    })
}

/// A proof: a list of 32-byte hashes, or `None` if any element is not a hash (refused).
fn proof(value: &Value) -> Option<Vec<Hash256>> {
    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().map(hash).collect()
}

fn number(case: &Value, field: &str) -> u64 {
    case[field].as_u64().expect("a size or index")
}

fn check(kind: &str, verify: impl Fn(&Value) -> bool) {
    let all = cases(kind);
    assert!(
        all.len() > 50,
        "the {kind} vectors are there ({} found)",
        all.len()
    );
    let mut wrong = Vec::new();
    for (path, case) in &all {
        let want_error = case["wantErr"].as_bool().expect("wantErr");
        if verify(case) == want_error {
            wrong.push(format!("{} ({})", path.display(), case["desc"]));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} {kind} vectors decided wrongly:\n{}",
        wrong.len(),
        all.len(),
        wrong.join("\n")
    );
}

#[test]
fn inclusion_vectors() {
    check("inclusion", |case| {
        let (Some(path), Some(leaf), Some(root)) = (
            proof(&case["proof"]),
            hash(&case["leafHash"]),
            hash(&case["root"]),
        ) else {
            return false;
        };
        verify_inclusion(
            number(case, "leafIdx"),
            number(case, "treeSize"),
            &leaf,
            &path,
            &root,
        )
        .is_ok()
    });
}

#[test]
fn consistency_vectors() {
    check("consistency", |case| {
        let Some(path) = proof(&case["proof"]) else {
            return false;
        };
        verify_consistency(
            number(case, "size1"),
            number(case, "size2"),
            &placeholder_or_hash(&case["root1"]),
            &placeholder_or_hash(&case["root2"]),
            &path,
        )
        .is_ok()
    });
}

//! The witness over HTTP (issue 14, C2SP tlog-witness), the real binary: `govledger witness
//! key` prints the key its cosignatures verify with; `POST /add-checkpoint` cosigns append-only
//! growth and answers 400/403/404/409/422/413 as the spec asks; a re-sealed rewritten history
//! is refused as a fork; after a restart the witness remembers what it cosigned. And two real
//! binaries, a log (`serve --witness`) and a witness: the served checkpoint carries a valid
//! cosignature, also after the log restarts not knowing the witness's size (409, retried).

use std::time::Duration;

use govledger_core::hash::Hash256;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::{SledOptions, SledRestore, SledStore};
use govledger_core::store::{EventStore, LogQuery};
use govledger_core::tlog::cosignature::CosignatureVerifier;
use govledger_core::tlog::note::{NoteSigner, NoteVerifier};
use govledger_core::tlog::witness::AddCheckpoint;
use govledger_core::tlog::{Checkpoint, MemoryTree, prove_consistency, tree_root};
use govledger_tests::e2e::{HttpResponse, Server, request, run_cli};
use govledger_tests::postgres::TestDatabase;

const ORIGIN: &str = "govledger.local/e2e/log";

fn history(rewritten: Option<u64>) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for index in 0..12u64 {
        let record = match rewritten {
            Some(at) if at == index => format!("record {index}, rewritten"),
            _ => format!("record {index}"),
        };
        tree.push(record.as_bytes());
    }
    tree
}

fn text(tree: &MemoryTree, size: u64) -> String {
    text_of(ORIGIN, tree, size)
}

fn text_of(origin: &str, tree: &MemoryTree, size: u64) -> String {
    Checkpoint {
        origin: origin.into(),
        tree_size: size,
        root: tree_root(size, tree).expect("root"),
    }
    .to_text()
}

fn body(signer: &NoteSigner, tree: &MemoryTree, old: u64, size: u64, proof: &[Hash256]) -> String {
    let note = signer
        .sign(&text_of(signer.name(), tree, size))
        .expect("sign");
    AddCheckpoint::to_body(old, proof, &note)
}

fn proof(tree: &MemoryTree, old: u64, size: u64) -> Vec<Hash256> {
    if old == 0 {
        return Vec::new();
    }
    prove_consistency(old, size, tree).expect("proof")
}

async fn post(witness: &Server, body: &str) -> HttpResponse {
    request(
        &witness.address(),
        "POST",
        "/add-checkpoint",
        &[],
        body.as_bytes(),
    )
    .await
}

fn start(dir: &std::path::Path, log_key: &str) -> Server {
    let data = dir.join("witness");
    Server::start(
        &[
            "witness",
            "--data",
            data.to_str().expect("UTF-8"),
            "--log-key",
            log_key,
        ],
        &dir.join("witness.log"),
    )
}

#[tokio::test]
async fn the_witness_cosigns_growth_and_refuses_forks_over_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let signer = NoteSigner::new(ORIGIN, &[1; 32]).expect("log key");
    let impostor = NoteSigner::new(ORIGIN, &[2; 32]).expect("impostor key");
    let stranger = NoteSigner::new("govledger.local/e2e/other", &[3; 32]).expect("stranger");
    let log_key = signer.verifier().to_text();
    let data = dir.path().join("witness");
    let printed = run_cli(&["witness", "key", "--data", data.to_str().expect("UTF-8")]);
    assert!(printed.status.success(), "{printed:?}");
    let key_line = String::from_utf8(printed.stdout).expect("UTF-8");
    let verifier = CosignatureVerifier::parse(key_line.trim_end()).expect("a cosignature key");

    let witness = start(dir.path(), &log_key);
    let honest = history(None);

    let first = post(&witness, &body(&signer, &honest, 0, 4, &[])).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        verifier
            .verify_line(&text(&honest, 4), &first.body)
            .is_some()
    );

    // (what, body, status, body expected if any)
    let cases: Vec<(&str, String, u16, Option<&str>)> = vec![
        (
            "stale old size",
            body(&signer, &honest, 0, 6, &[]),
            409,
            Some("4\n"),
        ),
        (
            "old size above",
            body(&signer, &honest, 7, 6, &[]),
            400,
            None,
        ),
        (
            "another key",
            body(&impostor, &honest, 4, 6, &proof(&honest, 4, 6)),
            403,
            None,
        ),
        (
            "unknown log",
            body(&stranger, &honest, 0, 6, &[]),
            404,
            None,
        ),
        (
            "truncated proof",
            body(&signer, &honest, 4, 6, &proof(&honest, 4, 6)[1..]),
            422,
            None,
        ),
        ("garbage", "old 4\n".to_string(), 400, None),
        (
            "rewritten, same size",
            body(&signer, &history(Some(1)), 4, 4, &[]),
            409,
            None,
        ),
        (
            "rewritten, re-sealed",
            body(
                &signer,
                &history(Some(1)),
                4,
                8,
                &proof(&history(Some(1)), 4, 8),
            ),
            422,
            None,
        ),
    ];
    for (what, request_body, status, expect) in cases {
        let response = post(&witness, &request_body).await;
        assert_eq!(response.status, status, "{what}: {}", response.body);
        if let Some(expect) = expect {
            assert_eq!(response.body, expect, "{what}");
            assert_eq!(response.header("content-type"), Some("text/x.tlog.size"));
        }
    }
    let huge = "x".repeat(200_000);
    assert_eq!(post(&witness, &huge).await.status, 413);

    let grown = post(
        &witness,
        &body(&signer, &honest, 4, 9, &proof(&honest, 4, 9)),
    )
    .await;
    assert_eq!(grown.status, 200, "{}", grown.body);
    assert!(
        verifier
            .verify_line(&text(&honest, 9), &grown.body)
            .is_some()
    );
    assert_eq!(witness.stop(), Some(0));

    // Restarted, it remembers size 9 and kept the fork's evidence.
    let witness = start(dir.path(), &log_key);
    let stale = post(
        &witness,
        &body(&signer, &honest, 4, 12, &proof(&honest, 4, 12)),
    )
    .await;
    assert_eq!((stale.status, stale.body.as_str()), (409, "9\n"));
    let forks = std::fs::read_dir(data.join("forks"))
        .expect("forks")
        .count();
    assert_eq!(forks, 2, "both forks kept as evidence");
}

/// `/tlog/checkpoint` once it is signed by the log and cosigned by the witness at `size`.
async fn cosigned_checkpoint(
    log: &Server,
    log_key: &NoteVerifier,
    witness_key: &CosignatureVerifier,
    size: u64,
) -> String {
    let deadline = tokio::time::Instant::now() + COSIGNED_WITHIN;
    loop {
        let response = request(&log.address(), "GET", "/tlog/checkpoint", &[], b"").await;
        if response.status == 200 {
            let text = log_key.open(&response.body).expect("signed by the log");
            let checkpoint = Checkpoint::parse(text).expect("a checkpoint");
            if checkpoint.tree_size == size && witness_key.verify_note(&response.body).is_some() {
                return response.body;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no checkpoint of size {size} cosigned within {COSIGNED_WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How long after the server starts its checkpoint may carry the witness's cosignature.
const COSIGNED_WITHIN: Duration = Duration::from_secs(15);

/// Appends `count` events with the server stopped (on a thread: the store blocks), to the
/// sled ledger in `data` or to `postgres`.
fn append_offline(data: &std::path::Path, postgres: Option<&TestDatabase>, count: usize) {
    let ledger = data.join("ledger");
    let postgres = postgres.map(TestDatabase::options);
    std::thread::spawn(move || match postgres {
        Some(options) => {
            let store = PostgresStore::open(&options).expect("open the ledger");
            crate::e2e::tlog::append_events(&store, count);
            store.close().expect("close");
        }
        None => {
            let store = SledStore::open(ledger).expect("open the ledger");
            crate::e2e::tlog::append_events(&store, count);
            store.close().expect("close");
        }
    })
    .join()
    .expect("appended");
}

#[tokio::test]
async fn the_server_submits_its_checkpoints_and_serves_the_cosignatures() {
    submits_its_checkpoints_and_serves_the_cosignatures(None).await;
}

/// The same with `serve --ledger postgres://…` (ADR 0024).
#[tokio::test]
async fn the_server_on_postgres_submits_its_checkpoints_and_serves_the_cosignatures() {
    let Some(database) = TestDatabase::create("the_server_on_postgres_submits_its_checkpoints")
    else {
        return;
    };
    submits_its_checkpoints_and_serves_the_cosignatures(Some(&database)).await;
}

async fn submits_its_checkpoints_and_serves_the_cosignatures(postgres: Option<&TestDatabase>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("UTF-8").to_string();
    std::fs::create_dir_all(&data).expect("the data directory");
    append_offline(&data, postgres, 5);
    let printed = run_cli(&["tlog", "key", "--data", &data_arg]);
    assert!(printed.status.success(), "{printed:?}");
    let log_key_text = String::from_utf8(printed.stdout).expect("UTF-8");
    let log_key = NoteVerifier::parse(log_key_text.trim_end()).expect("a log key");
    let witness_dir = dir.path().join("witness");
    let printed = run_cli(&[
        "witness",
        "key",
        "--data",
        witness_dir.to_str().expect("UTF-8"),
    ]);
    let witness_key_text = String::from_utf8(printed.stdout).expect("UTF-8");
    let witness_key = CosignatureVerifier::parse(witness_key_text.trim_end()).expect("key");

    let witness = start(dir.path(), log_key_text.trim_end());
    let target = format!(
        "http://{}+{}",
        witness.address(),
        witness_key_text.trim_end()
    );
    let mut serve_args = vec!["serve", "--data", &data_arg, "--witness", &target];
    if let Some(database) = postgres {
        serve_args.extend(["--ledger", database.url()]);
    }
    let serve = |log_name: &str| Server::start(&serve_args, &dir.path().join(log_name));
    let log = serve("log.log");
    let first = cosigned_checkpoint(&log, &log_key, &witness_key, 5).await;
    assert_eq!(first.matches('\u{2014}').count(), 2, "{first}");
    assert_eq!(log.stop(), Some(0));

    // Restarted with more events, the server does not know the witness's size: the witness
    // answers 409 with 5, and the server proves 5 → 8 from there.
    append_offline(&data, postgres, 3);
    let log = serve("log.log");
    let second = cosigned_checkpoint(&log, &log_key, &witness_key, 8).await;
    let text = log_key.open(&second).expect("signed");
    assert!(
        witness_key
            .verify_line(text, second.lines().last().expect("a line"))
            .is_some()
    );

    // An auditor checks the served log over HTTP alone: tiles, root, the older checkpoint,
    // the witness's cosignature; a witness that did not cosign is named.
    let first_path = dir.path().join("first-checkpoint.txt");
    std::fs::write(&first_path, &first).expect("write");
    let log_url = format!("http://{}/tlog/", log.address());
    let verify = |witness: &str| {
        run_cli(&[
            "tlog",
            "verify",
            "--key",
            log_key_text.trim_end(),
            "--log-url",
            &log_url,
            "--older",
            first_path.to_str().expect("UTF-8"),
            "--witness-key",
            witness,
        ])
    };
    let accepted = verify(witness_key_text.trim_end());
    assert!(accepted.status.success(), "{accepted:?}");
    let said = String::from_utf8_lossy(&accepted.stdout);
    for expected in [
        "8 events",
        "exactly the signed tree",
        "cosigned by",
        "append-only",
    ] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    let stranger =
        govledger_core::tlog::cosignature::Cosigner::new("govledger.local/stranger", &[9; 32])
            .expect("a key")
            .verifier()
            .to_text();
    let refused = verify(&stranger);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("no valid cosignature by the witness"),
        "{refused:?}"
    );
    assert_eq!(log.stop(), Some(0));
    assert_eq!(witness.stop(), Some(0));
}

/// Copies `honest`'s log key and its ledger with event 2 rewritten and everything after it
/// re-sealed into `forged`, then appends one more event there (on a thread: the store blocks).
fn forge_copy(honest: &std::path::Path, forged: &std::path::Path) {
    let (honest, forged) = (honest.to_path_buf(), forged.to_path_buf());
    std::thread::spawn(move || {
        std::fs::create_dir_all(forged.join("tlog")).expect("mkdir");
        for file in ["log-key", "origin"] {
            std::fs::copy(
                honest.join("tlog").join(file),
                forged.join("tlog").join(file),
            )
            .expect("copy the key");
        }
        let store = SledStore::open(honest.join("ledger")).expect("open");
        let events = store
            .read_log(&LogQuery::forwards(1, 100))
            .expect("read")
            .events;
        store.close().expect("close");
        let mut restore =
            SledRestore::begin(&SledOptions::new(forged.join("ledger"))).expect("restore");
        for record in crate::e2e::tlog::forge(&events, 2) {
            restore.push(record).expect("push");
        }
        restore.finish().expect("finish");
        let store = SledStore::open(forged.join("ledger")).expect("open forged");
        crate::e2e::tlog::append_events(&store, 1);
        store.close().expect("close");
    })
    .join()
    .expect("forged");
}

#[tokio::test]
async fn a_log_resealed_after_rewriting_history_gets_no_cosignature() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (honest, forged) = (dir.path().join("honest"), dir.path().join("forged"));
    append_offline(&honest, None, 5);
    let text = |p: &std::path::Path| p.to_str().expect("UTF-8").to_string();
    let printed = run_cli(&["tlog", "key", "--data", &text(&honest)]);
    let log_key_text = String::from_utf8(printed.stdout).expect("UTF-8");
    let log_key = NoteVerifier::parse(log_key_text.trim_end()).expect("a log key");
    let witness_dir = dir.path().join("witness");
    let printed = run_cli(&["witness", "key", "--data", &text(&witness_dir)]);
    let witness_key_text = String::from_utf8(printed.stdout).expect("UTF-8");
    let witness_key = CosignatureVerifier::parse(witness_key_text.trim_end()).expect("key");
    let witness = start(dir.path(), log_key_text.trim_end());
    let target = format!(
        "http://{}+{}",
        witness.address(),
        witness_key_text.trim_end()
    );
    let serve = |data: &std::path::Path| {
        Server::start(
            &["serve", "--data", &text(data), "--witness", &target],
            &dir.path().join("log.log"),
        )
    };
    let log = serve(&honest);
    let honest_note = cosigned_checkpoint(&log, &log_key, &witness_key, 5).await;
    assert_eq!(log.stop(), Some(0));

    // The operator serves a copy with event 2 rewritten, re-sealed with the real key.
    forge_copy(&honest, &forged);
    let log = serve(&forged);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    let mut signed_forgery = false;
    while tokio::time::Instant::now() < deadline {
        let response = request(&log.address(), "GET", "/tlog/checkpoint", &[], b"").await;
        if response.status == 200 {
            let checkpoint = Checkpoint::parse(
                log_key
                    .open(&response.body)
                    .expect("signed with the real key"),
            )
            .expect("a checkpoint");
            signed_forgery |= checkpoint.tree_size == 6;
            assert_eq!(
                witness_key.verify_note(&response.body),
                None,
                "the witness never cosigns the forgery"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(signed_forgery, "the forged log signed its checkpoint");
    // Over HTTP alone, the auditor's older (honest) checkpoint names the fork.
    let honest_path = dir.path().join("honest-checkpoint.txt");
    std::fs::write(&honest_path, &honest_note).expect("write");
    let refused = run_cli(&[
        "tlog",
        "verify",
        "--key",
        log_key_text.trim_end(),
        "--log-url",
        &format!("http://{}/tlog", log.address()),
        "--older",
        honest_path.to_str().expect("UTF-8"),
    ]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("fork") && stderr.contains("first 5 events"),
        "{stderr}"
    );
    assert_eq!(log.stop(), Some(0));
    let forks = std::fs::read_dir(witness_dir.join("forks"))
        .expect("forks")
        .count();
    assert!(forks >= 1, "the witness kept the fork's evidence");
    assert_eq!(witness.stop(), Some(0));
}

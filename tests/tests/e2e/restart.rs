//! Durability across a restart: SIGTERM stops the server cleanly, the ledger verifies
//! offline, a new server on the same directory serves the same cases and head and takes new
//! commands with the old tokens; `export` then `import` into a fresh directory verifies, and
//! a tampered export is refused.

use std::time::Duration;

use govledger_tests::e2e::{Backend, World, run_cli};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::e2e::flow::{Repair, receive, run_repair};

/// Longest the background verification of a reopened ledger may take in a debug build.
const VERIFIED_WITHIN: Duration = Duration::from_secs(20);

const SNAPSHOT: &str = "query($id: ID!) { ledgerHead { position hash } \
     case(kind: REQUEST, id: $id) { status eventCount lastPosition } \
     events(last: 3) { nodes { position hash prevHash } } }";

/// Runs a CLI command; checks its exit code and returns its stdout.
fn check_cli(args: &[&str], exit_code: i32) -> String {
    let output = run_cli(args);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        output.status.code(),
        Some(exit_code),
        "govledger {args:?}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn path_str(path: &std::path::Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

async fn wait_until_verified(world: &World) -> Value {
    let deadline = tokio::time::Instant::now() + VERIFIED_WITHIN;
    loop {
        let head = world
            .public()
            .data(
                "{ ledgerHead { position verification { status checkedThroughPosition } } }",
                json!({}),
            )
            .await;
        if head["ledgerHead"]["verification"]["status"] == "VERIFIED" {
            return head;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not verified within {VERIFIED_WITHIN:?}: {head}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn after_a_restart_everything_is_still_there_and_verifies(backend: Backend) {
    let mut world = World::start_on(backend).await;
    let repair = Repair::new();
    run_repair(&world, &repair).await;
    let auditor = world.client(&world.cast.auditor);
    let variables = json!({ "id": repair.request_id });
    let before = auditor.data(SNAPSHOT, variables.clone()).await;
    assert_eq!(before["case"]["status"], "closed", "{before}");

    assert_eq!(world.stop(), Some(0), "SIGTERM is a clean exit");
    let data = world.data();
    let mut verify = vec!["verify", "--data", path_str(&data)];
    verify.extend(world.ledger_args());
    let verified = check_cli(&verify, 0);
    assert!(verified.contains("ledger intact"), "{verified}");

    world.restart();
    let auditor = world.client(&world.cast.auditor);
    let after = auditor.data(SNAPSHOT, variables).await;
    assert_eq!(after, before);
    let head = wait_until_verified(&world).await;
    assert_eq!(
        head["ledgerHead"]["verification"]["checkedThroughPosition"],
        before["ledgerHead"]["position"]
    );
    // The tokens made before the first start still act.
    let another = receive(
        &world,
        Uuid::now_v7(),
        world
            .cast
            .resident
            .person_id
            .map(govledger_core::domain::ids::PersonId),
        None,
    );
    let position = world.client(&world.cast.resident).run(&another).await;
    assert_eq!(
        Some(position),
        before["ledgerHead"]["position"].as_u64().map(|p| p + 1)
    );
}

async fn an_export_imports_into_a_fresh_directory_that_verifies_and_a_tampered_one_is_refused(
    backend: Backend,
) {
    let mut world = World::start_on(backend).await;
    run_repair(&world, &Repair::new()).await;
    let head = world.public().head_position().await;
    assert_eq!(world.stop(), Some(0));

    let data = world.data();
    let export = world.scratch("ledger.jsonl");
    let mut export_args = vec![
        "export",
        "--data",
        path_str(&data),
        "--out",
        path_str(&export),
    ];
    export_args.extend(world.ledger_args());
    let exported = check_cli(&export_args, 0);
    assert!(
        exported.contains(&format!("exported {head} events")),
        "{exported}"
    );

    let fresh = world.scratch("imported");
    check_cli(
        &[
            "import",
            "--data",
            path_str(&fresh),
            "--in",
            path_str(&export),
        ],
        0,
    );
    let verified = check_cli(&["verify", "--data", path_str(&fresh)], 0);
    assert!(
        verified.contains(&format!("{head} events verified")),
        "{verified}"
    );
    // The restore is verbatim: exporting the imported ledger gives the same file, byte for
    // byte (same records, recorded-at times and hashes).
    let re_export = world.scratch("re-exported.jsonl");
    check_cli(
        &[
            "export",
            "--data",
            path_str(&fresh),
            "--out",
            path_str(&re_export),
        ],
        0,
    );
    assert!(
        std::fs::read(&re_export).expect("the re-export reads")
            == std::fs::read(&export).expect("the export reads"),
        "the imported ledger exports differently from the original"
    );

    // One changed byte in a payload breaks the chain the file carries.
    let text = std::fs::read_to_string(&export).expect("the export reads");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Event lines (the log key and checkpoint lines have a `kind`).
    let events: Vec<usize> = (0..lines.len())
        .filter(|&at| {
            let line: Value = serde_json::from_str(&lines[at]).expect("a JSON line");
            line.get("kind").is_none()
        })
        .collect();
    assert_eq!(events.len() as u64, head);
    let middle = events[events.len() / 2];
    let mut line: Value = serde_json::from_str(&lines[middle]).expect("a JSON line");
    let tampered = tamper(&mut line).unwrap_or_else(|| panic!("nothing to tamper in {line}"));
    lines[middle] = line.to_string();
    let broken = world.scratch("tampered.jsonl");
    std::fs::write(&broken, lines.join("\n")).expect("the tampered export writes");
    let refused_dir = world.scratch("refused");
    check_cli(
        &[
            "import",
            "--data",
            path_str(&refused_dir),
            "--in",
            path_str(&broken),
        ],
        3,
    );
    assert!(
        !refused_dir.join("ledger").exists(),
        "a refused import ({tampered}) writes nothing"
    );
}

/// Flips the last hex digit of the stored record (inside the payload); returns the field.
fn tamper(line: &mut Value) -> Option<&'static str> {
    const FIELD: &str = "record_hex";
    let value = line.get_mut(FIELD)?;
    let mut text = value.as_str()?.to_string();
    let last = text.pop()?;
    text.push(if last == '0' { '1' } else { '0' });
    *value = Value::String(text);
    Some(FIELD)
}

govledger_tests::on_both_backends!(
    after_a_restart_everything_is_still_there_and_verifies,
    an_export_imports_into_a_fresh_directory_that_verifies_and_a_tampered_one_is_refused,
);

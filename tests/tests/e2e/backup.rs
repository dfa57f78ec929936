//! Online backups and restores (issue 20, ADR 0009), through the real binary: a backup
//! taken while writers keep writing restores to the manifest's head with every write
//! acknowledged up to it, byte for byte; a write retried against the restored server is
//! answered `replayed` with its original position, with the tokens restored; an erasure
//! made after the first backup (which the running server applies to its personal data)
//! stays erased in a restore of the incremental backup taken after it, and so does one that
//! reached the ledger but not the personal data (replayed from the ledger); only an operator
//! may take a backup; mismatched parts are refused and nothing is written; a ledger stream
//! cut midway is resumed into the same part; a chain of backups moved together restores.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use govledger_core::domain::aggregate::ActingAs;
use govledger_core::domain::command::Command;
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::ids::{AccountId, OrganisationId, PersonId};
use govledger_core::domain::role::Role;
use govledger_core::domain::service::CommandHandler;
use govledger_core::domain::service::envelope::CommandEnvelope;
use govledger_core::personal_data::{PersonDetails, PersonLookup, PersonalDataStore};
use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::time::Timestamp;
use govledger_tests::e2e::{Client, Server, World, create_token, request, run_cli};
use serde_json::Value;
use uuid::Uuid;

use crate::e2e::flow::receive_in;

fn text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

/// `govledger backup-key`: the identity file and its recipient.
fn backup_key(dir: &Path) -> (PathBuf, String) {
    let identity = dir.join("operator.key");
    let output = run_cli(&["backup-key", "--out", text(&identity)]);
    assert!(output.status.success(), "{output:?}");
    let recipient = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_string();
    assert!(recipient.starts_with("age1"), "{recipient}");
    (identity, recipient)
}

fn backup(
    world: &World,
    token: &str,
    recipient: &str,
    out: &Path,
    since: Option<&Path>,
) -> std::process::Output {
    let server = format!("http://{}", world.address());
    let mut args = vec![
        "backup",
        "--server",
        &server,
        "--token",
        token,
        "--recipient",
        recipient,
        "--out",
        text(out),
    ];
    if let Some(since) = since {
        args.extend(["--since", text(since)]);
    }
    run_cli(&args)
}

fn restore(from: &Path, data: &Path, identity: &Path) -> std::process::Output {
    run_cli(&[
        "restore",
        "--from",
        text(from),
        "--data",
        text(data),
        "--identity",
        text(identity),
    ])
}

fn manifest(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"))
        .expect("JSON")
}

fn person(name: &str) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        phone: "13800000000".into(),
        id_number: "370000000000000000".into(),
        unit_id: None,
    }
}

/// Runs `f` on a blocking thread (the CLI waits; the writers go on).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("the thread ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_writes_restores_every_acknowledged_write_retries_and_erasures() {
    let mut world = World::start().await;
    let data = world.data();
    // Two residents' details, recorded while the server is stopped (it holds the store).
    let (kept, erased, crashed) = (
        PersonId(Uuid::now_v7()),
        PersonId(Uuid::now_v7()),
        PersonId(Uuid::now_v7()),
    );
    assert_eq!(world.stop(), Some(0));
    {
        let store = PersonalDataStore::open(data.join("personal")).expect("personal data");
        store.put(kept, &person("Li Hua")).expect("put");
        store.put(erased, &person("Wang Fang")).expect("put");
        store.put(crashed, &person("Zhao Lei")).expect("put");
    }
    world.restart();
    let scratch = world.scratch("backups");
    std::fs::create_dir_all(&scratch).expect("mkdir");
    let (identity, recipient) = backup_key(&scratch);
    let admin = world.cast.administrator.token.clone();

    // Only an operator may take one.
    let refused = backup(
        &world,
        &world.cast.auditor.token,
        &recipient,
        &scratch.join("no"),
        None,
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("403"),
        "{refused:?}"
    );

    // Writers keep writing (each write with its own idempotency key) during the backup.
    let writing = Arc::new(AtomicBool::new(true));
    let mut writers = Vec::new();
    for writer in 0..3 {
        let client = world.client(&world.cast.clerk);
        let places = world.places;
        let writing = Arc::clone(&writing);
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            let mut n = 0;
            while writing.load(Ordering::Relaxed) || n < 3 {
                let command = receive_in(places, Uuid::now_v7(), None, None);
                let key = format!("writer-{writer}-{n}");
                let done = client.execute(&command, &key).await;
                acknowledged.push((key, command, done.consistency()));
                n += 1;
            }
            acknowledged
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let first = scratch.join("first");
    let taken = {
        let (world_address, admin, recipient, first) = (
            world.address(),
            admin.clone(),
            recipient.clone(),
            first.clone(),
        );
        blocking(move || {
            let server = format!("http://{world_address}");
            run_cli(&[
                "backup",
                "--server",
                &server,
                "--token",
                &admin,
                "--recipient",
                &recipient,
                "--out",
                text(&first),
            ])
        })
        .await
    };
    writing.store(false, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.expect("writer"));
    }
    assert!(taken.status.success(), "{taken:?}");
    let first_manifest = manifest(&first);
    let head = first_manifest["head_position"].as_u64().expect("head");
    assert!(
        acknowledged
            .iter()
            .any(|(_, _, position)| *position <= head)
            && acknowledged.iter().any(|(_, _, position)| *position > head),
        "the backup was taken while the writers wrote (head {head})"
    );

    // An erasure after the first backup, then an incremental backup.
    let dpo_account = Uuid::now_v7();
    let dpo_token = create_token(
        &data,
        dpo_account,
        Role::DataProtectionOfficer,
        world.organisations.community_committee,
    )
    .secret;
    let admin_client = world.client(&world.cast.administrator);
    for command in [
        DirectoryCommand::OpenAccount {
            account_id: AccountId(dpo_account),
            person_id: None,
        },
        DirectoryCommand::GrantRole {
            account_id: AccountId(dpo_account),
            organisation_id: OrganisationId(world.organisations.community_committee),
            role: Role::DataProtectionOfficer,
            starts_at: Timestamp::from_civil(2020, 1, 1).expect("date"),
            ends_at: None,
        },
    ] {
        admin_client.run(&Command::Directory(command)).await;
    }
    Client::new(&world.address(), Some(&dpo_token))
        .run(&Command::ErasePersonalData {
            person_id: erased,
            basis: ErasureBasis::DataSubjectRequest,
        })
        .await;
    // A second erasure reached the ledger but not the personal data (a crash between the
    // two, as `erase_person` allows): the ledger event alone, written with the server
    // stopped.
    assert_eq!(world.stop(), Some(0));
    let (ledger_dir, organisation) = (data.join("ledger"), world.organisations.community_committee);
    // On a thread of its own: the store blocks, and this test runs in a runtime.
    std::thread::spawn(move || {
        let ledger: Arc<dyn EventStore> =
            Arc::new(SledStore::open(ledger_dir).expect("open the ledger"));
        let handler = CommandHandler::new(Arc::clone(&ledger));
        let dpo = ActingAs {
            account_id: AccountId(dpo_account),
            role: Role::DataProtectionOfficer,
            organisation_id: OrganisationId(organisation),
        };
        handler
            .execute(&CommandEnvelope::new(
                dpo,
                Command::ErasePersonalData {
                    person_id: crashed,
                    basis: ErasureBasis::ConsentWithdrawn,
                },
            ))
            .expect("the erasure is recorded");
    })
    .join()
    .expect("the erasure thread");
    world.restart();
    let second = scratch.join("second");
    let taken = backup(&world, &admin, &recipient, &second, Some(&first));
    assert!(taken.status.success(), "{taken:?}");
    let second_manifest = manifest(&second);
    assert_eq!(second_manifest["ledger_from"].as_u64(), Some(head + 1));
    assert_eq!(world.stop(), Some(0));
    {
        // The running server removed the details when it recorded the erasure.
        let live = PersonalDataStore::open(data.join("personal")).expect("open");
        assert!(matches!(
            live.get(erased).expect("get"),
            PersonLookup::Erased(_)
        ));
        assert!(
            matches!(live.get(crashed).expect("get"), PersonLookup::Known(_)),
            "the crashed erasure left the details"
        );
    }

    // The first backup restores to its head, every acknowledged write up to it as it was.
    let restored = scratch.join("restored");
    let output = restore(&first, &restored, &identity);
    assert!(output.status.success(), "{output:?}");
    let original = SledStore::open(data.join("ledger")).expect("open the original");
    let copy = SledStore::open(restored.join("ledger")).expect("open the restore");
    assert_eq!(copy.head().position, head);
    assert_eq!(
        Some(copy.head().hash.to_hex()),
        first_manifest["head_hash"].as_str().map(str::to_string)
    );
    for (_, _, position) in acknowledged.iter().filter(|(_, _, p)| *p <= head) {
        let read = |store: &SledStore| store.read_event(*position).expect("read").map(|e| e.hash);
        assert!(
            read(&copy).is_some(),
            "acknowledged position {position} is restored"
        );
        assert_eq!(read(&copy), read(&original), "position {position}");
    }
    let restored_checkpoints = copy.checkpoints_from(0, 1_000).expect("checkpoints");
    assert!(
        !restored_checkpoints.is_empty(),
        "the checkpoints came along"
    );
    for kept in &restored_checkpoints {
        assert!(kept.tree_size <= head);
        assert_eq!(
            original
                .checkpoint_at(kept.tree_size)
                .expect("read")
                .as_ref(),
            Some(kept),
            "the checkpoint of {} events, byte for byte",
            kept.tree_size
        );
    }
    drop((original, copy));

    // Served (with the log's signing key copied in, as the docs say), the restored ledger
    // answers a retried pre-backup write `replayed`, at its original position, for a
    // restored token.
    for file in ["log-key", "origin"] {
        std::fs::copy(
            data.join("tlog").join(file),
            restored.join("tlog").join(file),
        )
        .expect("copy the log key");
    }
    let served = Server::start(
        &["serve", "--data", text(&restored)],
        &scratch.join("restored.log"),
    );
    let clerk = Client::new(&served.address(), Some(&world.cast.clerk.token));
    let (key, command, position) = acknowledged
        .iter()
        .find(|(_, _, p)| *p <= head)
        .expect("a write before the backup");
    let retried = clerk.execute(command, key).await;
    assert_eq!(retried.payload()["replayed"], true, "{}", retried.body);
    assert_eq!(retried.consistency(), *position, "{}", retried.body);
    // The read models rebuilt from the restored ledger hold exactly the cases written up to
    // the head (every write was a new request).
    let auditor = Client::new(&served.address(), Some(&world.cast.auditor.token));
    let cases = auditor
        .data(
            "{ cases(filter: { kind: REQUEST }, first: 1) { totalCount totalIsExact } }",
            serde_json::json!({}),
        )
        .await;
    let written = acknowledged.iter().filter(|(_, _, p)| *p <= head).count() as u64;
    assert_eq!(
        cases["cases"]["totalCount"].as_u64(),
        Some(written),
        "{cases}"
    );
    let head_answer = request(&served.address(), "GET", "/tlog/checkpoint", &[], b"").await;
    assert_eq!(head_answer.status, 200);
    assert_eq!(served.stop(), Some(0));

    // The incremental backup restores the whole chain; the erasure made after the first
    // backup is replayed, the other resident's details are back.
    let restored_second = scratch.join("restored-second");
    let output = restore(&second, &restored_second, &identity);
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 erasures replayed"),
        "{output:?}"
    );
    let people = PersonalDataStore::open(restored_second.join("personal")).expect("open");
    assert!(matches!(
        people.get(erased).expect("get"),
        PersonLookup::Erased(_)
    ));
    assert!(
        matches!(people.get(crashed).expect("get"), PersonLookup::Erased(_)),
        "the erasure the ledger records is replayed onto the details the backup holds"
    );
    assert_eq!(
        people.get(kept).expect("get"),
        PersonLookup::Known(person("Li Hua"))
    );
    drop(people);
    let copy = SledStore::open(restored_second.join("ledger")).expect("open");
    assert_eq!(
        Some(copy.head().hash.to_hex()),
        second_manifest["head_hash"].as_str().map(str::to_string)
    );
    drop(copy);

    // Moved elsewhere together, the chain is still found (each earlier backup beside the
    // later one).
    let moved = world.scratch("moved");
    std::fs::rename(&scratch, &moved).expect("move the backups");
    let output = restore(
        &moved.join("second"),
        &moved.join("restored-moved"),
        &moved.join("operator.key"),
    );
    assert!(output.status.success(), "{output:?}");
}

/// Restores `from` (after `change` in a copy of it) into a fresh directory: refused with
/// `expect` in the message, nothing written.
fn check(
    scratch: &Path,
    name: &str,
    from: &Path,
    identity: &Path,
    change: impl FnOnce(&Path),
    expect: &str,
) {
    let copy = scratch.join(format!("{name}-backup"));
    std::fs::create_dir_all(&copy).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy");
    }
    change(&copy);
    let target = scratch.join(name);
    let output = restore(&copy, &target, identity);
    assert!(!output.status.success(), "{name}: {output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(expect), "{name}: {stderr}");
    assert!(!target.exists(), "{name}: nothing written");
    let leftovers = std::fs::read_dir(scratch)
        .expect("read")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().contains("restoring"))
        })
        .count();
    assert_eq!(leftovers, 0, "{name}: no staging directory left");
}

/// Replaces `part` in the backup `dir` with `other`'s and records its digest in the
/// manifest, as if the parts had always been together.
fn swap_part(dir: &Path, other: &Path, file: &str) {
    std::fs::copy(other.join(file), dir.join(file)).expect("copy");
    let mut manifest = manifest(dir);
    let (sha256, bytes) =
        govledger_graphql::backup::manifest::digest_file(&dir.join(file)).expect("digest");
    for part in manifest["parts"].as_array_mut().expect("parts") {
        if part["file"] == file {
            part["sha256"] = Value::from(sha256.clone());
            part["bytes"] = Value::from(bytes);
        }
    }
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write");
}

#[tokio::test(flavor = "multi_thread")]
async fn mismatched_parts_are_refused_and_nothing_is_written() {
    let mut ours = World::start().await;
    let mut theirs = World::start().await;
    let scratch = ours.scratch("backups");
    std::fs::create_dir_all(&scratch).expect("mkdir");
    let (identity, recipient) = backup_key(&scratch);
    let (ours_dir, theirs_dir) = (scratch.join("ours"), scratch.join("theirs"));
    let taken = backup(
        &ours,
        &ours.cast.administrator.token,
        &recipient,
        &ours_dir,
        None,
    );
    assert!(taken.status.success(), "{taken:?}");
    let taken = backup(
        &theirs,
        &theirs.cast.administrator.token,
        &recipient,
        &theirs_dir,
        None,
    );
    assert!(taken.status.success(), "{taken:?}");
    assert_eq!(ours.stop(), Some(0));
    assert_eq!(theirs.stop(), Some(0));
    let other_identity = scratch.join("other.key");
    assert!(
        run_cli(&["backup-key", "--out", text(&other_identity)])
            .status
            .success()
    );

    check(
        &scratch,
        "theirs-tokens",
        &ours_dir,
        &identity,
        |dir| swap_part(dir, &theirs_dir, "tokens.jsonl"),
        "belongs to another ledger",
    );
    check(
        &scratch,
        "theirs-personal",
        &ours_dir,
        &identity,
        |dir| swap_part(dir, &theirs_dir, "personal.age"),
        "belongs to another ledger",
    );
    check(
        &scratch,
        "theirs-idempotency",
        &ours_dir,
        &identity,
        |dir| swap_part(dir, &theirs_dir, "idempotency.jsonl"),
        "belongs to another ledger",
    );
    check(
        &scratch,
        "theirs-ledger",
        &ours_dir,
        &identity,
        |dir| swap_part(dir, &theirs_dir, "ledger.jsonl"),
        "belongs to another ledger",
    );
    check(
        &scratch,
        "a-part-changed",
        &ours_dir,
        &identity,
        |dir| {
            let path = dir.join("tokens.jsonl");
            let mut text = std::fs::read_to_string(&path).expect("read");
            text.push('\n');
            std::fs::write(path, text).expect("write");
        },
        "not the one this backup took",
    );
    check(
        &scratch,
        "manifest-head-moved",
        &ours_dir,
        &identity,
        |dir| {
            let mut manifest = manifest(dir);
            let head = manifest["head_position"].as_u64().expect("head");
            manifest["head_position"] = Value::from(head - 1);
            std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("write");
        },
        "was taken at head",
    );
    check(
        &scratch,
        "no-manifest",
        &ours_dir,
        &identity,
        |dir| std::fs::remove_file(dir.join("manifest.json")).expect("remove"),
        "unfinished",
    );
    check(
        &scratch,
        "another-identity",
        &ours_dir,
        &other_identity,
        |_| {},
        "decrypting",
    );

    // The untouched backup restores.
    let restored = scratch.join("restored");
    let output = restore(&ours_dir, &restored, &identity);
    assert!(output.status.success(), "{output:?}");
}

/// A proxy to `upstream` that cuts its first `/backup/ledger` answer after `cut_after` bytes;
/// returns its address and how many ledger requests it saw.
async fn cutting_proxy(upstream: String, cut_after: usize) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let cuts = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&cuts);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstream, cuts) = (upstream.clone(), Arc::clone(&counted));
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buffer = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buffer[..n]),
                    }
                }
                let mut server = tokio::net::TcpStream::connect(&upstream)
                    .await
                    .expect("upstream");
                server.write_all(&head).await.expect("forward");
                let cut = head.starts_with(b"GET /backup/ledger")
                    && cuts.fetch_add(1, Ordering::SeqCst) == 0;
                if cut {
                    let mut answer = vec![0u8; cut_after];
                    let _ = server.read_exact(&mut answer).await;
                    let _ = client.write_all(&answer).await;
                    // Dropping both ends cuts the answer mid-body.
                } else {
                    let _ = tokio::io::copy(&mut server, &mut client).await;
                }
            });
        }
    });
    (address, cuts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ledger_stream_cut_midway_is_resumed_and_gives_the_same_backup() {
    let mut world = World::start().await;
    let scratch = world.scratch("backups");
    std::fs::create_dir_all(&scratch).expect("mkdir");
    let (_, recipient) = backup_key(&scratch);
    let admin = world.cast.administrator.token.clone();
    let direct = scratch.join("direct");
    let taken = backup(&world, &admin, &recipient, &direct, None);
    assert!(taken.status.success(), "{taken:?}");
    let (proxy, cuts) = cutting_proxy(world.address(), 6_000).await;
    let cut = scratch.join("cut");
    let taken = {
        let (admin, recipient, cut) = (admin.clone(), recipient.clone(), cut.clone());
        blocking(move || {
            run_cli(&[
                "backup",
                "--server",
                &format!("http://{proxy}"),
                "--token",
                &admin,
                "--recipient",
                &recipient,
                "--out",
                text(&cut),
            ])
        })
        .await
    };
    assert!(taken.status.success(), "{taken:?}");
    assert_eq!(
        cuts.load(Ordering::SeqCst),
        2,
        "the ledger part took two requests: the one cut, and its resumption"
    );
    assert!(
        String::from_utf8_lossy(&taken.stderr).contains("resuming"),
        "{taken:?}"
    );
    let ledger = |dir: &Path| std::fs::read(dir.join("ledger.jsonl")).expect("ledger part");
    assert!(
        ledger(&cut).len() > 6_000,
        "the part is longer than the cut"
    );
    assert_eq!(
        ledger(&cut),
        ledger(&direct),
        "the resumed part is the same, byte for byte"
    );
    assert_eq!(manifest(&cut)["head_hash"], manifest(&direct)["head_hash"]);
    assert_eq!(world.stop(), Some(0));
}

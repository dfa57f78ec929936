//! Crash safety: the `crash-writer` child appends from several threads and prints every
//! acknowledgement; the parent SIGKILLs it at a random moment, reopens the same data dir,
//! and checks that every acknowledged event is there and intact, multi-event appends are
//! whole, positions are gap-free and the chain verifies. Round after round on the same dir;
//! every other round the child stores its stream-index tail every few events, so kills also
//! land around tail stores (and the next open replays what followed the last one).
//!
//! The same rounds run with the child appending to PostgreSQL (a killed node).
//!
//! CI runs a few rounds; `GOVLEDGER_CRASH_ROUNDS=100` for a long run, and
//! `GOVLEDGER_CRASH_SEED=<n>` replays a failing run's kill timings.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use govledger_core::event::RecordedEvent;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, LogQuery};
use govledger_tests::postgres::TestDatabase;
use uuid::Uuid;

use super::common::env_count;

const CI_ROUNDS: u32 = 5;
/// Writer threads in the child.
const CHILD_WRITERS: &str = "4";
/// The child is killed this long after it starts, at random (so some kills land during
/// open and recovery, most during appends).
const KILL_AFTER_MS_MAX: u64 = 400;

/// One acknowledged event, as the child printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ack {
    stream: String,
    version: u64,
    position: u64,
    event_id: Uuid,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut words = line.strip_prefix("ack ")?.split(' ');
    let ack = Ack {
        stream: words.next()?.to_string(),
        version: words.next()?.parse().ok()?,
        position: words.next()?.parse().ok()?,
        event_id: words.next()?.parse().ok()?,
    };
    words.next().is_none().then_some(ack)
}

/// xorshift64*: kill timings only need to vary, and be replayable from a seed.
struct KillTimer(u64);

impl KillTimer {
    fn next_delay(&mut self) -> Duration {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let random = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        Duration::from_millis(random % (KILL_AFTER_MS_MAX + 1))
    }
}

/// The child's stream-index tail in the rounds that store it often, in events.
const SMALL_TAIL_EVENTS: &str = "7";

/// Runs the child until a random SIGKILL; returns the acknowledgements it printed.
fn run_child_until_killed(ledger: &str, delay: Duration, tail: Option<&str>) -> Vec<Ack> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-writer"))
        .arg(ledger)
        .arg(CHILD_WRITERS)
        .args(tail)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting crash-writer");
    let stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut acks = Vec::new();
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        // A line cut short by the kill has no newline: it was never a whole acknowledgement.
        while lines.read_line(&mut line).unwrap_or(0) > 0 && line.ends_with('\n') {
            acks.push(parse_ack(line.trim_end()).unwrap_or_else(|| panic!("bad line {line:?}")));
            line.clear();
        }
        acks
    });
    std::thread::sleep(delay);
    if let Ok(Some(status)) = child.try_wait() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        panic!("crash-writer exited by itself ({status}): {stderr}");
    }
    child.kill().expect("sending SIGKILL");
    child.wait().expect("reaping the child");
    reader.join().expect("reading acknowledgements")
}

/// The payload the child wrote, split into (stream, version, part, parts).
fn parse_payload(event: &RecordedEvent) -> Option<(String, u64, u64, u64)> {
    let text = std::str::from_utf8(&event.payload).ok()?;
    let mut words = text.split(' ');
    let stream = words.next()?.to_string();
    let version = words.next()?.strip_prefix('v')?.parse().ok()?;
    let (part, parts) = words.next()?.split_once('/')?;
    Some((stream, version, part.parse().ok()?, parts.parse().ok()?))
}

fn all_events(store: &dyn EventStore) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    let mut query = LogQuery::forwards(0, 1000);
    loop {
        let page = store.read_log(&query).expect("reading the log");
        events.extend(page.events);
        query.start = page.next_start;
        if page.reached_end {
            return events;
        }
    }
}

/// Everything the reopened sled store must show after a crash.
fn check_after_crash(dir: &Path, acks: &[Ack], round: u32) {
    let store = SledStore::open(dir)
        .unwrap_or_else(|error| panic!("round {round}: the open check refused: {error}"));
    check_log_after_crash(&store, acks, round);
    // `verify` also recomputed the Merkle tree's stored hashes from the records (ADR 0006):
    // a crash never leaves the tree ahead of, behind or apart from the log.
    store
        .tree_root(store.head().position)
        .unwrap_or_else(|error| panic!("round {round}: no tree root at the head: {error}"));
}

/// Everything any reopened store must show after a crash of its writer.
fn check_log_after_crash(store: &dyn EventStore, acks: &[Ack], round: u32) {
    let events = all_events(store);
    let head = store.head().position;
    assert_eq!(events.len() as u64, head, "round {round}");
    for (index, event) in events.iter().enumerate() {
        assert_eq!(
            event.position,
            index as u64 + 1,
            "round {round}: gap in positions"
        );
        let (stream, version, part, parts) = parse_payload(event)
            .unwrap_or_else(|| panic!("round {round}: payload of {} damaged", event.position));
        assert_eq!(
            (stream.as_str(), version),
            (event.stream_id.as_str(), event.stream_version),
            "round {round}: event {} is not what its writer wrote",
            event.position
        );
        // A multi-event append is stored whole: its parts sit at consecutive positions.
        let first_part = index + 1 - part as usize;
        let last_part = first_part + parts as usize - 1;
        assert!(
            last_part < events.len(),
            "round {round}: append at {} lost its last parts",
            event.position
        );
        for (offset, sibling) in events[first_part..=last_part].iter().enumerate() {
            let (_, _, sibling_part, _) = parse_payload(sibling).unwrap_or_default();
            assert_eq!(
                sibling_part,
                offset as u64 + 1,
                "round {round}: torn append"
            );
        }
    }
    for ack in acks {
        let stored = events
            .get(ack.position as usize - 1)
            .unwrap_or_else(|| panic!("round {round}: acknowledged {ack:?} is lost (head {head})"));
        assert_eq!(
            (
                stored.event_id,
                stored.stream_id.as_str(),
                stored.stream_version
            ),
            (ack.event_id, ack.stream.as_str(), ack.version),
            "round {round}: acknowledged event changed"
        );
        assert_eq!(
            store.position_of_event(ack.event_id).ok(),
            Some(Some(ack.position))
        );
    }
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None, "round {round}");
    assert_eq!(report.events_checked, head, "round {round}");
}

fn kill_timer() -> KillTimer {
    let seed = std::env::var("GOVLEDGER_CRASH_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |elapsed| elapsed.as_nanos() as u64)
        })
        | 1;
    eprintln!("crash test: GOVLEDGER_CRASH_SEED={seed}");
    KillTimer(seed)
}

#[test]
fn acknowledged_appends_survive_sigkill() {
    let rounds = env_count("GOVLEDGER_CRASH_ROUNDS", CI_ROUNDS);
    let mut timer = kill_timer();
    let dir = tempfile::tempdir().expect("creating a temp dir");
    let mut acks = Vec::new();
    for round in 1..=rounds {
        let tail = (round % 2 == 0).then_some(SMALL_TAIL_EVENTS);
        let ledger = dir.path().to_str().expect("temp paths are UTF-8");
        acks.extend(run_child_until_killed(ledger, timer.next_delay(), tail));
        check_after_crash(dir.path(), &acks, round);
    }
    eprintln!("crash test: {} acknowledged events survived", acks.len());
}

/// The same with the node appending to PostgreSQL killed: its transaction in flight rolls
/// back, and the next node (the reopened store) continues the same log.
#[test]
fn acknowledged_appends_survive_sigkill_of_a_postgres_node() {
    let Some(database) = TestDatabase::create("acknowledged_appends_survive_sigkill_postgres")
    else {
        return;
    };
    let rounds = env_count("GOVLEDGER_CRASH_ROUNDS", CI_ROUNDS);
    let mut timer = kill_timer();
    let mut acks = Vec::new();
    for round in 1..=rounds {
        acks.extend(run_child_until_killed(
            database.url(),
            timer.next_delay(),
            None,
        ));
        let store = PostgresStore::open(&database.options())
            .unwrap_or_else(|error| panic!("round {round}: the open check refused: {error}"));
        check_log_after_crash(&store, &acks, round);
    }
    eprintln!(
        "crash test on PostgreSQL: {} acknowledged events survived",
        acks.len()
    );
}

//! `govledger-bench prove`: the transparency log's read side (issue 14). Fills a ledger with
//! `--events` small events (256 per append, not timed), then measures, over `--runs` runs of
//! `--proofs` each: inclusion proofs of random leaves in the whole tree, consistency proofs
//! from random older sizes, each verified once outside the timing; and the cost of a
//! checkpoint: the root of the head's tree and an Ed25519 signed note.

use std::path::PathBuf;
use std::time::Instant;

use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use govledger_core::tlog::note::NoteSigner;
use govledger_core::tlog::{Checkpoint, leaf_hash, verify_consistency, verify_inclusion};
use serde_json::json;
use uuid::Uuid;

use crate::BenchError;
use crate::report::{emit, machine, median, rounded};

const DEFAULT_EVENTS: u64 = 1_000_000;
const DEFAULT_PROOFS: u64 = 100_000;
const DEFAULT_RUNS: usize = 3;
const EVENTS_PER_APPEND: u64 = 256;
const SIGNATURES: u32 = 1_000;

struct Options {
    events: u64,
    proofs: u64,
    runs: usize,
    dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        events: DEFAULT_EVENTS,
        proofs: DEFAULT_PROOFS,
        runs: DEFAULT_RUNS,
        dir: std::env::temp_dir(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => options.events = value.parse()?,
            "--proofs" => options.proofs = value.parse()?,
            "--runs" => options.runs = value.parse()?,
            "--dir" => options.dir = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if options.events < 2 || options.proofs == 0 || options.runs == 0 {
        return Err("--events must be at least 2, --proofs and --runs at least 1".into());
    }
    Ok(options)
}

fn fill(store: &SledStore, events: u64) -> Result<(), BenchError> {
    let actor = Actor {
        account_id: Uuid::nil(),
        role: "station_clerk".into(),
        organisation_id: None,
    };
    let mut appended = 0;
    while appended < events {
        let count = (events - appended).min(EVENTS_PER_APPEND);
        let events = (0..count)
            .map(|i| NewEvent {
                event_id: Uuid::now_v7(),
                event_type: EventType::new("RequestReceived").expect("a valid type"),
                schema_version: 1,
                occurred_at: Timestamp::from_unix_micros(0),
                actor: actor.clone(),
                correlation_id: Uuid::nil(),
                causation_id: None,
                payload: format!("event {}", appended + i).into_bytes(),
            })
            .collect();
        store.append(AppendRequest {
            stream: StreamId::new(format!("bench-{}", appended / 4096))?,
            expected: ExpectedVersion::Any,
            events,
            idempotency: None,
        })?;
        appended += count;
    }
    Ok(())
}

/// A small deterministic generator (xorshift), so runs pick the same leaves.
struct Picks(u64);

impl Picks {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let dir = tempfile::Builder::new().prefix("govledger-bench-prove-").tempdir_in(&options.dir)?;
    let store = SledStore::open(dir.path().join("ledger"))?;
    let filled = Instant::now();
    fill(&store, options.events)?;
    let size = store.head().position;
    eprintln!("filled {size} events in {:.1} s", filled.elapsed().as_secs_f64());
    emit(&json!({"machine": machine(), "events": size}))?;

    let root = store.tree_root(size)?;
    // Checked once, outside the timing: the proofs the timed loops make verify.
    let mut picks = Picks(0x9e37_79b9_7f4a_7c15);
    for _ in 0..100 {
        let leaf = picks.below(size);
        let record = &store.tree_leaves(leaf, 1)?[0];
        verify_inclusion(leaf, size, &leaf_hash(record), &store.inclusion_proof(size, leaf)?, &root)?;
        let old = 1 + picks.below(size);
        verify_consistency(old, size, &store.tree_root(old)?, &root, &store.consistency_proof(old, size)?)?;
    }

    let (mut inclusion_rates, mut consistency_rates) = (Vec::new(), Vec::new());
    for _ in 0..options.runs {
        let started = Instant::now();
        for _ in 0..options.proofs {
            std::hint::black_box(store.inclusion_proof(size, picks.below(size))?);
        }
        inclusion_rates.push(options.proofs as f64 / started.elapsed().as_secs_f64());
        let started = Instant::now();
        for _ in 0..options.proofs {
            std::hint::black_box(store.consistency_proof(1 + picks.below(size), size)?);
        }
        consistency_rates.push(options.proofs as f64 / started.elapsed().as_secs_f64());
    }
    emit(&json!({
        "scenario": "inclusion_proofs",
        "tree_size": size,
        "proofs_per_run": options.proofs,
        "runs": options.runs,
        "proofs_per_s": rounded(median(inclusion_rates), 0),
    }))?;
    emit(&json!({
        "scenario": "consistency_proofs",
        "tree_size": size,
        "proofs_per_run": options.proofs,
        "runs": options.runs,
        "proofs_per_s": rounded(median(consistency_rates), 0),
    }))?;

    let signer = NoteSigner::new("govledger.local/bench/0000000000000000", &[7; 32])?;
    let started = Instant::now();
    for _ in 0..SIGNATURES {
        std::hint::black_box(store.tree_root(size)?);
    }
    let root_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(SIGNATURES);
    let text = Checkpoint { origin: signer.name().to_string(), tree_size: size, root }.to_text();
    let started = Instant::now();
    for _ in 0..SIGNATURES {
        std::hint::black_box(signer.sign(&text)?);
    }
    let sign_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(SIGNATURES);
    emit(&json!({
        "scenario": "checkpoint",
        "tree_size": size,
        "root_us": rounded(root_us, 1),
        "sign_us": rounded(sign_us, 1),
    }))?;
    store.close()?;
    Ok(())
}

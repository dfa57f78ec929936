//! `govledger-bench append`: durable single-event appends with 1 writer and with 64
//! concurrent writers, each beside raw sled measured in the same run on the same disk:
//! insert + flush per value (1 writer) and inserts with one flush per 64 values (64 writers).
//!
//! `--backend postgres` (first) runs `append_postgres.rs` instead.
//!
//! Options: `--runs N` (default 5; medians are reported), `--appends N` (single writer,
//! default 2000), `--concurrent-appends N` (64 writers, default 32000), `--dir PATH` (where
//! the fresh temp dirs go; default the system temp dir).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use govledger_core::codec::{self, Placement};
use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::hash::Hash256;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use serde_json::json;
use uuid::Uuid;

use crate::BenchError;
use crate::report::{Latencies, emit, machine, median, rounded};

const DEFAULT_RUNS: usize = 5;
const DEFAULT_SINGLE_WRITER_APPENDS: usize = 2_000;
const DEFAULT_CONCURRENT_APPENDS: usize = 32_000;
const CONCURRENT_WRITERS: usize = 64;
/// Values per flush in the 64-writer baseline.
const BASELINE_VALUES_PER_FLUSH: usize = 64;
/// Appends (or baseline values) before timing starts: file creation, first segments.
const WARMUP_OPS: usize = 100;
/// A typical governance payload: a small structured fact.
const PAYLOAD_BYTES: usize = 120;
/// Streams the appends spread over (a community's open cases).
pub(crate) const STREAMS: usize = 1_024;

struct Options {
    runs: usize,
    single_writer_appends: usize,
    concurrent_appends: usize,
    dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        runs: DEFAULT_RUNS,
        single_writer_appends: DEFAULT_SINGLE_WRITER_APPENDS,
        concurrent_appends: DEFAULT_CONCURRENT_APPENDS,
        dir: std::env::temp_dir(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--runs" => options.runs = value.parse()?,
            "--appends" => options.single_writer_appends = value.parse()?,
            "--concurrent-appends" => options.concurrent_appends = value.parse()?,
            "--dir" => options.dir = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if options.runs == 0 || options.single_writer_appends == 0 || options.concurrent_appends == 0
    {
        return Err("--runs and the append counts must be at least 1".into());
    }
    Ok(options)
}

/// One measured run of one side (store or baseline).
pub(crate) struct Measured {
    pub(crate) ops_per_s: f64,
    pub(crate) latencies: Latencies,
}

pub(crate) fn measured(ops: usize, elapsed: Duration, samples: Vec<Duration>) -> Measured {
    Measured {
        ops_per_s: ops as f64 / elapsed.as_secs_f64(),
        latencies: Latencies::new(samples),
    }
}

pub(crate) fn bench_event(n: usize) -> Result<AppendRequest, BenchError> {
    let event = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: EventType::new("RequestReceived")?,
        schema_version: 1,
        occurred_at: Timestamp::now(),
        actor: Actor {
            account_id: Uuid::now_v7(),
            role: "station_clerk".into(),
            organisation_id: Some(Uuid::now_v7()),
        },
        correlation_id: Uuid::now_v7(),
        causation_id: None,
        payload: vec![0x5a; PAYLOAD_BYTES],
    };
    Ok(AppendRequest {
        stream: StreamId::new(format!("request-{}", n % STREAMS))?,
        expected: ExpectedVersion::Any,
        events: vec![event],
        idempotency: None,
    })
}

/// Gives the request's events their ids at append time, as the command handler does
/// (`Uuid::now_v7()` when a command is handled): prepared requests would otherwise carry ids
/// made long before, all at once, which the ledger's event-id index (bucketed by an id's
/// millisecond) never sees in service.
pub(crate) fn stamped(mut request: AppendRequest) -> AppendRequest {
    for event in &mut request.events {
        event.event_id = Uuid::now_v7();
    }
    request
}

/// The size of one stored bench record, so the baseline writes values of the same size.
pub(crate) fn record_bytes() -> Result<usize, BenchError> {
    let request = bench_event(0)?;
    let placement = Placement {
        position: 1_000_000,
        stream_id: &request.stream,
        stream_version: 1_000,
        recorded_at: Timestamp::now(),
        prev_hash: Hash256::GENESIS,
    };
    Ok(codec::seal_record(&request.events[0], &placement)?.value.len())
}

fn store_single_writer(dir: &Path, appends: usize) -> Result<Measured, BenchError> {
    let store = SledStore::open(dir)?;
    for n in 0..WARMUP_OPS {
        store.append(bench_event(n)?)?;
    }
    let requests = (0..appends).map(bench_event).collect::<Result<Vec<_>, _>>()?;
    let mut samples = Vec::with_capacity(appends);
    let started = Instant::now();
    for request in requests {
        let op = Instant::now();
        store.append(stamped(request))?;
        samples.push(op.elapsed());
    }
    Ok(measured(appends, started.elapsed(), samples))
}

fn store_concurrent_writers(dir: &Path, appends: usize) -> Result<Measured, BenchError> {
    let store: Arc<dyn EventStore> = Arc::new(SledStore::open(dir)?);
    for n in 0..WARMUP_OPS {
        store.append(bench_event(n)?)?;
    }
    let (samples, elapsed) = race_writers(&[store], CONCURRENT_WRITERS, appends)?;
    Ok(measured(samples.len(), elapsed, samples))
}

/// Raw sled: `values_per_flush` inserts, then one flush; the latency of each value is the
/// time of its whole flush group.
fn raw_sled(dir: &Path, values: usize, values_per_flush: usize) -> Result<Measured, BenchError> {
    let db = sled::Config::new()
        .path(dir)
        .flush_every_ms(None)
        .open()?;
    let tree = db.open_tree("bench")?;
    let value = vec![0x5a; record_bytes()?];
    let mut key = 0u64;
    let mut group = |count: usize| -> Result<Duration, BenchError> {
        let op = Instant::now();
        for _ in 0..count {
            key += 1;
            tree.insert(key.to_be_bytes(), value.as_slice())?;
        }
        db.flush()?;
        Ok(op.elapsed())
    };
    for _ in 0..WARMUP_OPS.div_ceil(values_per_flush) {
        group(values_per_flush)?;
    }
    let groups = values.div_ceil(values_per_flush);
    let mut samples = Vec::with_capacity(groups * values_per_flush);
    let started = Instant::now();
    for _ in 0..groups {
        let took = group(values_per_flush)?;
        samples.extend(std::iter::repeat_n(took, values_per_flush));
    }
    Ok(measured(groups * values_per_flush, started.elapsed(), samples))
}

type Side<'a> = &'a dyn Fn(&Path) -> Result<Measured, BenchError>;

/// Runs store and baseline alternately, each in a fresh temp dir under `options.dir`, and
/// prints the medians.
fn scenario(
    name: &str,
    options: &Options,
    ops: usize,
    store: Side<'_>,
    baseline: Side<'_>,
) -> Result<(), BenchError> {
    let mut runs = Vec::with_capacity(options.runs);
    for _ in 0..options.runs {
        let store_dir = tempfile::tempdir_in(&options.dir)?;
        let store_run = store(store_dir.path())?;
        drop(store_dir);
        let baseline_dir = tempfile::tempdir_in(&options.dir)?;
        let baseline_run = baseline(baseline_dir.path())?;
        runs.push((store_run, baseline_run));
    }
    let of = |pick: &dyn Fn(&(Measured, Measured)) -> f64| median(runs.iter().map(pick).collect());
    emit(&json!({
        "scenario": name,
        "runs": options.runs,
        "ops_per_run": ops,
        "ops_per_s": rounded(of(&|(s, _)| s.ops_per_s), 0),
        "p50_us": rounded(of(&|(s, _)| s.latencies.quantile_us(0.50)), 1),
        "p99_us": rounded(of(&|(s, _)| s.latencies.quantile_us(0.99)), 1),
        "baseline_ops_per_s": rounded(of(&|(_, b)| b.ops_per_s), 0),
        "baseline_p50_us": rounded(of(&|(_, b)| b.latencies.quantile_us(0.50)), 1),
        "baseline_p99_us": rounded(of(&|(_, b)| b.latencies.quantile_us(0.99)), 1),
        "ratio": rounded(of(&|(s, b)| s.ops_per_s / b.ops_per_s), 3),
        "p50_ratio": rounded(
            of(&|(s, b)| s.latencies.quantile_us(0.50) / b.latencies.quantile_us(0.50)),
            3
        ),
    }))?;
    Ok(())
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    // `--backend postgres` (first) runs the PostgreSQL ledger's scenarios instead.
    match args {
        [flag, backend, rest @ ..] if flag == "--backend" && backend == "postgres" => {
            crate::append_postgres::run(rest)
        }
        [flag, backend, ..] if flag == "--backend" && backend != "sled" => {
            Err(format!("unknown backend {backend} (sled or postgres)").into())
        }
        [flag, _, rest @ ..] if flag == "--backend" => run_sled(rest),
        _ => run_sled(args),
    }
}

fn run_sled(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    emit(&json!({
        "machine": machine(),
        "dir": options.dir.display().to_string(),
        "record_bytes": record_bytes()?,
    }))?;
    let single = options.single_writer_appends;
    scenario(
        "append_1_writer",
        &options,
        single,
        &|dir| store_single_writer(dir, single),
        &|dir| raw_sled(dir, single, 1),
    )?;
    let concurrent = options.concurrent_appends;
    scenario(
        "append_64_writers",
        &options,
        concurrent,
        &|dir| store_concurrent_writers(dir, concurrent),
        &|dir| raw_sled(dir, concurrent, BASELINE_VALUES_PER_FLUSH),
    )?;
    Ok(())
}

/// `writers` threads spread over `stores` (one per node), `appends` durable single-event
/// appends in all, released together: each append's latency, and the time from the release
/// until the last writer finished.
pub(crate) fn race_writers(
    stores: &[Arc<dyn EventStore>],
    writers: usize,
    appends: usize,
) -> Result<(Vec<Duration>, Duration), BenchError> {
    let per_writer = appends.div_ceil(writers);
    let start_line = Arc::new(Barrier::new(writers + 1));
    let threads: Vec<_> = (0..writers)
        .map(|writer| {
            let store = Arc::clone(&stores[writer % stores.len()]);
            let start_line = Arc::clone(&start_line);
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let requests = (0..per_writer)
                    .map(|n| bench_event(writer * per_writer + n))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| e.to_string())?;
                let mut samples = Vec::with_capacity(per_writer);
                start_line.wait();
                for request in requests {
                    let op = Instant::now();
                    store.append(stamped(request)).map_err(|e| e.to_string())?;
                    samples.push(op.elapsed());
                }
                Ok(samples)
            })
        })
        .collect();
    start_line.wait();
    let started = Instant::now();
    let mut samples = Vec::with_capacity(per_writer * writers);
    for thread in threads {
        samples.extend(thread.join().map_err(|_| "a writer panicked")??);
    }
    Ok((samples, started.elapsed()))
}

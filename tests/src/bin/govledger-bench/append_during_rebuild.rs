//! `govledger-bench append_during_rebuild`: the latency of 64 concurrent writers' durable
//! single-event appends while a live rebuild of every read model runs in the same process on
//! the same ledger, beside the same appends with no rebuild running, alternating in one run.
//!
//! A synthetic ledger is generated once (not timed) and its read models built once (not
//! timed); the runner then follows the ledger for the whole run, as a server's does. Each run
//! measures the appends for `--seconds` with no rebuild (`baseline`), then starts a rebuild
//! of every read model (`rebuild All`, the operator's rebuild) and measures the same appends
//! for `--seconds` while it runs (`during_rebuild`); the rebuild is then left to finish,
//! untimed, before the next run. `rebuild_outlasted_runs` counts the runs whose rebuild was
//! still going when the measurement ended (the measurement saw only rebuild time).
//!
//! The appends are `RequestReceived` events of new requests (valid domain events, so the
//! rebuild and the follower fold them like any other).
//!
//! Options: `--events N` (ledger size, default 1,000,000), `--runs N` (default 3; medians are
//! reported), `--seconds S` (each measurement, default 3), `--compounds N` (default 6),
//! `--piece-keys N` and `--piece-pause-us N` (the runner's paced build commits: most keys per
//! `apply_batch` while building, 0 for one `apply_batch` per commit, and the pause between
//! pieces; default the runner's own), `--dir PATH` (where the temp dirs go; default the
//! system temp dir).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::RequestId;
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::RequestReceived;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::role::Role;
use govledger_core::domain::streams::request_stream;
use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};
use govledger_core::event::{Actor, EventType, NewEvent};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::{ProjectionState, RebuildScope, RunnerOptions};
use serde_json::json;
use uuid::Uuid;

use crate::BenchError;
use crate::report::{Latencies, emit, machine, median, rounded};

const DEFAULT_EVENTS: u64 = 1_000_000;
const DEFAULT_RUNS: usize = 3;
const DEFAULT_SECONDS: f64 = 3.0;
const DEFAULT_COMPOUNDS: u32 = 6;
const SPAN_DAYS: u32 = 4 * 365;
const SYNTHETIC_SEED: u64 = 20_211_201;
const CONCURRENT_WRITERS: usize = 64;
/// Appends each writer makes before a measurement (first segments, warm caches).
const WARMUP_APPENDS_PER_WRITER: usize = 4;
/// How long one wait for the read models lasts before the bench checks again.
const PROGRESS_CHECK: Duration = Duration::from_secs(10);
/// A build that has not caught up in this long has failed.
const BUILD_TIMEOUT: Duration = Duration::from_secs(3_600);

struct Options {
    events: u64,
    runs: usize,
    measured_for: Duration,
    compounds: u32,
    piece_keys_max: Option<usize>,
    piece_pause_us: Option<u64>,
    dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        events: DEFAULT_EVENTS,
        runs: DEFAULT_RUNS,
        measured_for: Duration::from_secs_f64(DEFAULT_SECONDS),
        compounds: DEFAULT_COMPOUNDS,
        piece_keys_max: None,
        piece_pause_us: None,
        dir: std::env::temp_dir(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => options.events = value.parse()?,
            "--runs" => options.runs = value.parse()?,
            "--seconds" => options.measured_for = Duration::try_from_secs_f64(value.parse()?)?,
            "--compounds" => options.compounds = value.parse()?,
            "--piece-keys" => options.piece_keys_max = Some(value.parse()?),
            "--piece-pause-us" => options.piece_pause_us = Some(value.parse()?),
            "--dir" => options.dir = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if options.events == 0 || options.runs == 0 || options.compounds == 0 {
        return Err("--events, --runs and --compounds must be at least 1".into());
    }
    if options.measured_for.is_zero() {
        return Err("--seconds must be above 0".into());
    }
    Ok(options)
}

/// One measurement of the 64 writers.
struct Measured {
    appends_per_s: f64,
    latencies: Latencies,
}

impl Measured {
    fn ms(&self, quantile: f64) -> f64 {
        self.latencies.quantile_us(quantile) / 1e3
    }
}

/// A new request's `RequestReceived`, as the clerk's `receiveRequest` appends it.
fn received_request(clerk: &Actor) -> Result<AppendRequest, BenchError> {
    let request_id = RequestId(Uuid::now_v7());
    let event = DomainEvent::from(RequestReceived {
        request_id,
        kind: RequestKind::Complaint,
        category: RequestCategory::ALL[0],
        description: "Bench request".into(),
        requester_id: None,
        location: Location::NOWHERE,
        received_by_organisation_id: None,
        channel: Channel::ServiceStation,
    });
    Ok(AppendRequest {
        stream: request_stream(request_id),
        expected: ExpectedVersion::NoStream,
        events: vec![NewEvent {
            event_id: Uuid::now_v7(),
            event_type: EventType::new(event.event_type())?,
            schema_version: event.schema_version(),
            occurred_at: Timestamp::now(),
            actor: clerk.clone(),
            correlation_id: request_id.0,
            causation_id: None,
            payload: event.encode()?,
        }],
        idempotency: None,
    })
}

/// 64 writers append one event at a time for `measured_for`; every append's latency counts.
fn appends(store: &Arc<SledStore>, measured_for: Duration) -> Result<Measured, BenchError> {
    let clerk = Actor {
        account_id: Uuid::now_v7(),
        role: Role::StationClerk.as_str().to_string(),
        organisation_id: Some(Uuid::now_v7()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..CONCURRENT_WRITERS)
        .map(|_| {
            let store = Arc::clone(store);
            let stop = Arc::clone(&stop);
            let clerk = clerk.clone();
            std::thread::spawn(move || -> Result<Vec<Duration>, String> {
                let append = || -> Result<Duration, String> {
                    let request = received_request(&clerk).map_err(|e| e.to_string())?;
                    let op = Instant::now();
                    store.append(request).map_err(|e| e.to_string())?;
                    Ok(op.elapsed())
                };
                for _ in 0..WARMUP_APPENDS_PER_WRITER {
                    append()?;
                }
                let mut samples = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    samples.push(append()?);
                }
                Ok(samples)
            })
        })
        .collect();
    let started = Instant::now();
    std::thread::sleep(measured_for);
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for writer in writers {
        samples.extend(writer.join().map_err(|_| "a writer panicked")??);
    }
    let elapsed = started.elapsed();
    Ok(Measured {
        appends_per_s: samples.len() as f64 / elapsed.as_secs_f64(),
        latencies: Latencies::new(samples),
    })
}

/// Waits until every read model has applied the head and answers from a caught-up generation.
async fn caught_up(api: &ReadApi, store: &SledStore) -> Result<(), BenchError> {
    let started = Instant::now();
    loop {
        let head = store.head().position;
        match api.wait_until(head, PROGRESS_CHECK).await {
            Ok(()) if api.status().iter().all(|s| s.state == ProjectionState::CaughtUp) => {
                return Ok(());
            }
            Ok(()) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(ProjectionError::Rebuilding { .. } | ProjectionError::WaitTimedOut { .. })
                if started.elapsed() < BUILD_TIMEOUT => {}
            Err(error) => return Err(error.into()),
        }
    }
}

fn still_rebuilding(api: &ReadApi) -> bool {
    api.status()
        .iter()
        .any(|status| status.state != ProjectionState::CaughtUp)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let ledger_dir = tempfile::Builder::new()
        .prefix("govledger-bench-append-rebuild-")
        .tempdir_in(&options.dir)?;
    let store = Arc::new(SledStore::open(ledger_dir.path().join("ledger"))?);
    let generated_at = Instant::now();
    synthetic::generate(
        store.as_ref(),
        SyntheticSpec {
            events_target: options.events,
            compounds: options.compounds,
            span_days: SPAN_DAYS,
            seed: SYNTHETIC_SEED,
            revisions: Revisions::Absent,
        },
    )?;
    let events = store.head().position;
    eprintln!(
        "generated {events} events in {:.1} s",
        generated_at.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let _entered = runtime.enter();
    let mut runner_options = RunnerOptions::new(ledger_dir.path().join("projections"));
    if let Some(keys) = options.piece_keys_max {
        runner_options.build_piece_keys_max = keys;
    }
    if let Some(pause_us) = options.piece_pause_us {
        runner_options.build_piece_pause_us = pause_us;
    }
    let (piece_keys_max, piece_pause_us) = (
        runner_options.build_piece_keys_max,
        runner_options.build_piece_pause_us,
    );
    let event_store: Arc<dyn EventStore> = store.clone();
    let api = ReadApi::open(runner_options, event_store)?;
    api.start()?;
    let built_at = Instant::now();
    runtime.block_on(caught_up(&api, &store))?;
    eprintln!(
        "built the read models in {:.1} s",
        built_at.elapsed().as_secs_f64()
    );

    let mut runs: Vec<(Measured, Measured)> = Vec::with_capacity(options.runs);
    let mut outlasted = 0;
    let mut rebuild_seconds = Vec::new();
    for run in 0..options.runs {
        let baseline = appends(&store, options.measured_for)?;
        let rebuild_started = Instant::now();
        let rebuild = api.runner().start_rebuild(RebuildScope::All)?;
        let during = appends(&store, options.measured_for)?;
        if still_rebuilding(&api) {
            outlasted += 1;
        }
        runtime.block_on(rebuild)??;
        runtime.block_on(caught_up(&api, &store))?;
        let rebuild_s = rebuild_started.elapsed().as_secs_f64();
        eprintln!(
            "run {}: baseline p99 {:.1} ms ({:.0}/s), during rebuild p99 {:.1} ms ({:.0}/s), \
             rebuild {rebuild_s:.1} s",
            run + 1,
            baseline.ms(0.99),
            baseline.appends_per_s,
            during.ms(0.99),
            during.appends_per_s,
        );
        rebuild_seconds.push(rebuild_s);
        runs.push((baseline, during));
    }
    runtime.block_on(api.shutdown())?;

    let of = |pick: &dyn Fn(&(Measured, Measured)) -> f64| median(runs.iter().map(pick).collect());
    let side = |name: &str, pick: &dyn Fn(&(Measured, Measured)) -> &Measured| {
        json!({
            "scenario": name,
            "runs": options.runs,
            "writers": CONCURRENT_WRITERS,
            "seconds": options.measured_for.as_secs_f64(),
            "p50_ms": rounded(of(&|r| pick(r).ms(0.50)), 2),
            "p99_ms": rounded(of(&|r| pick(r).ms(0.99)), 2),
            "max_ms": rounded(of(&|r| pick(r).ms(1.0)), 2),
            "appends_per_s": rounded(of(&|r| pick(r).appends_per_s), 0),
        })
    };
    emit(&side("append_baseline", &|(baseline, _)| baseline))?;
    emit(&side("append_during_rebuild", &|(_, during)| during))?;
    emit(&json!({
        "scenario": "append_during_rebuild_delta",
        "runs": options.runs,
        "events": events,
        "p99_delta_ms": rounded(of(&|(b, d)| d.ms(0.99) - b.ms(0.99)), 2),
        "p99_ratio": rounded(of(&|(b, d)| d.ms(0.99) / b.ms(0.99)), 3),
        "p50_delta_ms": rounded(of(&|(b, d)| d.ms(0.50) - b.ms(0.50)), 2),
        "appends_per_s_ratio": rounded(of(&|(b, d)| d.appends_per_s / b.appends_per_s), 3),
        "rebuild_outlasted_runs": outlasted,
        "rebuild_s": rounded(median(rebuild_seconds), 2),
        "build_piece_keys_max": piece_keys_max,
        "build_piece_pause_us": piece_pause_us,
        "target_p99_delta_ms": 50,
        "machine": machine(),
    }))?;
    Ok(())
}

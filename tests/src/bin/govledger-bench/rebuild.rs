//! `govledger-bench rebuild`: rebuilds every projection (cases, directory, audit, metrics)
//! from position 1 of a synthetic ledger, beside the baseline of reading and decoding the same
//! events without applying them, measured in the same run on the same ledger.
//!
//! The ledger is generated once (`domain::synthetic::generate`, not timed). Each run then
//! reads and decodes the whole log (`store.read_log` pages + `DomainEvent::decode_recorded`,
//! the decoder the read models use), and rebuilds every read model into a fresh directory
//! (open, build all generations, switch them live), timed until every projection has caught
//! up with the head.
//!
//! Options: `--events N` (default 1,000,000), `--runs N` (default 3; medians are reported),
//! `--compounds N` (default 6), `--batch-events N` (the runner's batch size while building; default
//! its own), `--cache-bytes N` (the read models' sled page cache; default the runner's),
//! `--dir PATH` (where the temp dirs go; default the system temp dir), `--span-days N` (the
//! days the synthetic cases spread over; default four years, 30 for the compressed month),
//! `--piece-keys N` (most keys per `apply_batch` of a building lane, 0 for one per commit;
//! default the runner's own), `--piece-pause-us N` (the pause between two pieces),
//! `--compare-piece-keys N` (each run also rebuilds with `--piece-keys N`, after the rebuild
//! with the options above in even runs and before it in odd ones, and reports its speed and
//! the same-run ratio).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};
use govledger_core::limits::READ_PAGE_EVENTS_MAX;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, LogQuery};
use govledger_projections::error::ProjectionError;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::{
    BUILD_BATCH_EVENTS_MAX, ProjectionState, RunnerOptions, WriteStats,
};
use serde_json::json;

use crate::BenchError;
use crate::report::{emit, machine, median, peak_rss_bytes, reset_peak_rss, rounded};

const DEFAULT_EVENTS: u64 = 1_000_000;
const DEFAULT_RUNS: usize = 3;
const DEFAULT_COMPOUNDS: u32 = 6;
/// Days the synthetic cases spread over by default (four years: metrics cover 48 months);
/// `--span-days 30` compresses the ledger into one month (issue 13's skewed load).
const DEFAULT_SPAN_DAYS: u32 = 4 * 365;
const SYNTHETIC_SEED: u64 = 20_211_201;
/// How long one wait for the read models lasts before the bench checks they still progress.
const PROGRESS_CHECK: Duration = Duration::from_secs(10);
/// A rebuild that has not caught up in this long has failed.
const REBUILD_TIMEOUT: Duration = Duration::from_secs(3_600);

#[derive(Clone)]
struct Options {
    events: u64,
    runs: usize,
    compounds: u32,
    batch_events_max: usize,
    cache_capacity_bytes: Option<u64>,
    dir: PathBuf,
    span_days: u32,
    piece_keys_max: Option<usize>,
    piece_pause_us: Option<u64>,
    compare_piece_keys: Option<usize>,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        events: DEFAULT_EVENTS,
        runs: DEFAULT_RUNS,
        compounds: DEFAULT_COMPOUNDS,
        batch_events_max: BUILD_BATCH_EVENTS_MAX,
        cache_capacity_bytes: None,
        dir: std::env::temp_dir(),
        span_days: DEFAULT_SPAN_DAYS,
        piece_keys_max: None,
        piece_pause_us: None,
        compare_piece_keys: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => options.events = value.parse()?,
            "--runs" => options.runs = value.parse()?,
            "--compounds" => options.compounds = value.parse()?,
            "--batch-events" => options.batch_events_max = value.parse()?,
            "--cache-bytes" => options.cache_capacity_bytes = Some(value.parse()?),
            "--dir" => options.dir = PathBuf::from(value),
            "--span-days" => options.span_days = value.parse()?,
            "--piece-keys" => options.piece_keys_max = Some(value.parse()?),
            "--piece-pause-us" => options.piece_pause_us = Some(value.parse()?),
            "--compare-piece-keys" => options.compare_piece_keys = Some(value.parse()?),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if options.events == 0 || options.runs == 0 || options.compounds == 0 || options.span_days == 0
    {
        return Err("--events, --runs, --compounds and --span-days must be at least 1".into());
    }
    if options.batch_events_max == 0 {
        return Err("--batch-events must be at least 1".into());
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let ledger_dir = tempfile::Builder::new()
        .prefix("govledger-bench-rebuild-")
        .tempdir_in(&options.dir)?;
    let store: Arc<dyn EventStore> = Arc::new(SledStore::open(ledger_dir.path().join("ledger"))?);
    let generated_at = Instant::now();
    let generated = synthetic::generate(
        store.as_ref(),
        SyntheticSpec {
            events_target: options.events,
            compounds: options.compounds,
            span_days: options.span_days,
            seed: SYNTHETIC_SEED,
            revisions: Revisions::Absent,
        },
    )?;
    let head = store.head().position;
    eprintln!(
        "generated {} events ({} requests, {} works, {} decisions, {} mediations) in {:.1} s",
        head,
        generated.requests,
        generated.work_projects,
        generated.decisions,
        generated.mediations,
        generated_at.elapsed().as_secs_f64()
    );
    // Peak RSS from here on: what the measured runs need, not the generator.
    let peak_rss_scope = if reset_peak_rss() {
        "measured_runs"
    } else {
        "whole_process"
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut rebuild_rates = Vec::new();
    let mut baseline_rates = Vec::new();
    let mut ratios = Vec::new();
    let mut cpu_rates = Vec::new();
    let mut baseline_cpu_rates = Vec::new();
    let mut last_writes = Vec::new();
    let mut compared_rates = Vec::new();
    let mut compared_ratios = Vec::new();
    for run in 0..options.runs {
        let baseline_cpu = process_cpu_seconds();
        let baseline = read_and_decode(store.as_ref())?;
        let baseline_cpu = process_cpu_seconds() - baseline_cpu;
        // The compared rebuild goes first in odd runs: the second rebuild of a run was ~13%
        // faster than the first with the same options (an A/A comparison), whichever it is.
        let compare = |order: usize| -> Result<Option<(usize, Duration)>, BenchError> {
            let Some(keys) = options.compare_piece_keys.filter(|_| run % 2 == order) else {
                return Ok(None);
            };
            let compared_options = Options {
                piece_keys_max: Some(keys),
                ..options.clone()
            };
            let models_dir = ledger_dir.path().join(format!("projections-{run}-compared"));
            let compared = runtime.block_on(rebuild_all(&compared_options, &store, &models_dir))?;
            std::fs::remove_dir_all(&models_dir)?;
            Ok(Some((keys, compared.elapsed)))
        };
        let compared_first = compare(1)?;
        let models_dir = ledger_dir.path().join(format!("projections-{run}"));
        let rebuild_cpu = process_cpu_seconds();
        let rebuild = runtime.block_on(rebuild_all(&options, &store, &models_dir))?;
        let rebuild_cpu = process_cpu_seconds() - rebuild_cpu;
        std::fs::remove_dir_all(&models_dir)?;
        let compared_after = compare(0)?;
        let baseline_rate = baseline.events as f64 / baseline.elapsed.as_secs_f64();
        let rebuild_rate = head as f64 / rebuild.elapsed.as_secs_f64();
        eprintln!(
            "run {}: baseline {:.0} events/s ({:.1} s CPU), rebuild {:.0} events/s ({:.1} s, \
             {:.1} s CPU), ratio {:.3}",
            run + 1,
            baseline_rate,
            baseline_cpu,
            rebuild_rate,
            rebuild.elapsed.as_secs_f64(),
            rebuild_cpu,
            rebuild_rate / baseline_rate
        );
        baseline_rates.push(baseline_rate);
        rebuild_rates.push(rebuild_rate);
        ratios.push(rebuild_rate / baseline_rate);
        cpu_rates.push(head as f64 / rebuild_cpu.max(f64::EPSILON));
        baseline_cpu_rates.push(baseline.events as f64 / baseline_cpu.max(f64::EPSILON));
        last_writes = rebuild.writes;
        if let Some((keys, compared)) = compared_first.or(compared_after) {
            let compared_rate = head as f64 / compared.as_secs_f64();
            eprintln!(
                "run {}: rebuild with --piece-keys {keys}: {compared_rate:.0} events/s, \
                 ratio to it {:.3}",
                run + 1,
                rebuild_rate / compared_rate
            );
            compared_rates.push(compared_rate);
            compared_ratios.push(rebuild_rate / compared_rate);
        }
    }
    emit(&json!({
        "scenario": "rebuild",
        "events": head,
        "runs": options.runs,
        "projections": ["cases", "directory", "audit", "metrics"],
        "batch_events_max": options.batch_events_max,
        "build_piece_keys_max": options
            .piece_keys_max
            .unwrap_or(govledger_projections::runner::BUILD_PIECE_KEYS_MAX),
        "build_piece_pause_us": options
            .piece_pause_us
            .unwrap_or(govledger_projections::runner::BUILD_PIECE_PAUSE_US),
        "cache_capacity_bytes": options
            .cache_capacity_bytes
            .unwrap_or_else(|| RunnerOptions::new(&options.dir).cache_capacity_bytes),
        "events_per_s": rounded(median(rebuild_rates), 0),
        "baseline_events_per_s": rounded(median(baseline_rates), 0),
        "ratio": rounded(median(ratios), 3),
        "compared_piece_keys_max": options.compare_piece_keys,
        "compared_events_per_s": rounded(median(compared_rates), 0),
        "ratio_to_compared": rounded(median(compared_ratios), 3),
        "events_per_cpu_s": rounded(median(cpu_rates), 0),
        "baseline_events_per_cpu_s": rounded(median(baseline_cpu_rates), 0),
        "projection_writes": last_writes
            .iter()
            .map(|(name, writes)| (name.to_string(), json!({
                "batches": writes.batches,
                "keys_written": writes.keys_written,
                "fold_s": rounded(writes.fold_micros as f64 / 1e6, 2),
                "commit_s": rounded(writes.commit_micros as f64 / 1e6, 2),
                "index_build_s": rounded(writes.index_build_micros as f64 / 1e6, 2),
                "index_store_s": rounded(writes.index_store_micros as f64 / 1e6, 2),
            })))
            .collect::<serde_json::Map<_, _>>(),
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_rss_scope": peak_rss_scope,
        "synthetic": {
            "compounds": options.compounds,
            "years": rounded(f64::from(options.span_days) / 365.0, 2),
            "span_days": options.span_days,
            "requests": generated.requests,
            "work_projects": generated.work_projects,
            "decisions": generated.decisions,
            "mediations": generated.mediations,
        },
        "machine": machine(),
    }))?;
    Ok(())
}

struct Baseline {
    events: u64,
    elapsed: Duration,
}

/// Reads every event page by page and decodes each payload, applying nothing.
fn read_and_decode(store: &dyn EventStore) -> Result<Baseline, BenchError> {
    let started = Instant::now();
    let mut events = 0u64;
    let mut next = 1;
    loop {
        let page = store.read_log(&LogQuery::forwards(next, READ_PAGE_EVENTS_MAX))?;
        for recorded in &page.events {
            std::hint::black_box(DomainEvent::decode_recorded(recorded)?);
        }
        events += page.events.len() as u64;
        next = page.next_start;
        if page.reached_end || page.events.is_empty() {
            break;
        }
    }
    Ok(Baseline {
        events,
        elapsed: started.elapsed(),
    })
}

struct Rebuilt {
    elapsed: Duration,
    /// Each projection's batches, keys written, fold and commit time.
    writes: Vec<(&'static str, WriteStats)>,
}

/// Opens empty read models over the ledger and waits until every projection has been built
/// from position 1 and switched live at the head; returns how long that took.
async fn rebuild_all(
    options: &Options,
    store: &Arc<dyn EventStore>,
    dir: &Path,
) -> Result<Rebuilt, BenchError> {
    let head = store.head().position;
    let started = Instant::now();
    let mut runner_options = RunnerOptions::new(dir);
    runner_options.build_batch_events_max = options.batch_events_max;
    if let Some(bytes) = options.cache_capacity_bytes {
        runner_options.cache_capacity_bytes = bytes;
    }
    if let Some(keys) = options.piece_keys_max {
        runner_options.build_piece_keys_max = keys;
    }
    if let Some(pause_us) = options.piece_pause_us {
        runner_options.build_piece_pause_us = pause_us;
    }
    let api = ReadApi::open(runner_options, Arc::clone(store))?;
    api.start()?;
    loop {
        match api.wait_until(head, PROGRESS_CHECK).await {
            Ok(()) => break,
            Err(ProjectionError::Rebuilding { .. } | ProjectionError::WaitTimedOut { .. })
                if started.elapsed() < REBUILD_TIMEOUT => {}
            Err(error) => return Err(error.into()),
        }
    }
    let elapsed = started.elapsed();
    let mut writes = Vec::new();
    for status in api.status() {
        if status.state != ProjectionState::CaughtUp {
            return Err(format!("projection {} ended {:?}", status.name, status.state).into());
        }
        writes.push((status.name, status.writes));
    }
    api.shutdown().await?;
    Ok(Rebuilt { elapsed, writes })
}

/// User + system CPU time of this process (every thread) so far, in seconds, from
/// `/proc/self/stat` (clock ticks of 1/100 s, Linux's `USER_HZ`); 0 where it is not available.
fn process_cpu_seconds() -> f64 {
    const USER_HZ: f64 = 100.0;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after it follow its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Fields 14 and 15 (utime, stime) are the 12th and 13th after the command name.
    let ticks = |index: usize| fields.get(index).and_then(|v| v.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / USER_HZ,
        _ => 0.0,
    }
}


//! `govledger-bench shapes`: issue 13's skewed load shapes (`govledger_tests::shapes`: a burst
//! of requests through one station on one day, one hot case, one busy organisation, the
//! synthetic ledger compressed into a month), each recorded into a fresh ledger while the
//! read models follow it live, as a server's do. Per shape: how fast the ledger was recorded,
//! how soon after the last append every read model had applied it, the process's peak RSS,
//! and whether the read models answer the counts the shape recorded.
//!
//! Options: `--scale F` (share of the sizes; default 1), `--only SHAPE` (the baseline
//! still runs), `--dir PATH`
//! (where the temp dirs go; default the system temp dir).
//!
//! The baseline, measured first in the same run: the synthetic ledger of the compressed month,
//! spread over four years instead (`spread_four_years`), recorded the same way.
//!
//! Output: one JSON line per shape with `events`, `record_events_per_s` (appends, with the
//! read models following), `events_per_s` (events ÷ the time from the first append until
//! every read model had applied the last), `ratio_to_spread` (its `events_per_s` ÷ the
//! baseline's), `catch_up_after_last_append_s`, `peak_rss_bytes` and `counts_match`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::error::ProjectionError;
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::{ProjectionState, RunnerOptions};
use govledger_tests::shapes::{self, Recorded, Shape};
use serde_json::json;

use crate::BenchError;
use crate::report::{emit, machine, peak_rss_bytes, reset_peak_rss, rounded};

/// How long one wait for the read models lasts before the bench waits again.
const WAIT_STEP: Duration = Duration::from_secs(20);
/// A shape whose read models have not caught up in this long has failed.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(3_600);

struct Options {
    scale: f64,
    only: Option<Shape>,
    dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        scale: 1.0,
        only: None,
        dir: std::env::temp_dir(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--scale" => options.scale = value.parse()?,
            "--only" => {
                options.only =
                    Some(Shape::named(value).ok_or_else(|| format!("no shape {value}"))?);
            }
            "--dir" => options.dir = PathBuf::from(value),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if !(options.scale > 0.0 && options.scale <= 10.0) {
        return Err("--scale must be in (0, 10]".into());
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut baseline_events_per_s = None;
    for shape in Shape::ALL {
        let is_baseline = shape == Shape::SpreadFourYears;
        if !is_baseline && options.only.is_some_and(|only| only != shape) {
            continue;
        }
        let events_per_s = measure(&options, &runtime, shape, baseline_events_per_s)?;
        if is_baseline {
            baseline_events_per_s = Some(events_per_s);
        }
    }
    Ok(())
}

fn measure(
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    shape: Shape,
    baseline_events_per_s: Option<f64>,
) -> Result<f64, BenchError> {
    let dir = tempfile::Builder::new()
        .prefix("govledger-bench-shapes-")
        .tempdir_in(&options.dir)?;
    let store = Arc::new(SledStore::open(dir.path().join("ledger"))?);
    let peak_rss_scope = if reset_peak_rss() {
        "this_shape"
    } else {
        "whole_process"
    };
    // The read models follow on the runtime's workers while this thread records.
    let _runtime = runtime.enter();
    let read = ReadApi::open(
        RunnerOptions::new(dir.path().join("projections")),
        store.clone(),
    )?;
    read.start()?;
    let started = Instant::now();
    let recorded = shapes::record(store.as_ref(), shape, options.scale)?;
    let recorded_s = started.elapsed().as_secs_f64();
    let head = store.head().position;
    runtime.block_on(caught_up(&read, head))?;
    let total_s = started.elapsed().as_secs_f64();
    let events_per_s = head as f64 / total_s;
    let counts_match = counts_match(&read, &recorded)?;
    let failed: Vec<String> = read
        .status()
        .into_iter()
        .filter(|status| matches!(status.state, ProjectionState::Failed { .. }))
        .map(|status| status.name.to_string())
        .collect();
    emit(&json!({
        "bench": "shapes",
        "shape": shape.name(),
        "scale": options.scale,
        "events": head,
        "requests": recorded.requests,
        "record_events_per_s": rounded(head as f64 / recorded_s, 0),
        "events_per_s": rounded(events_per_s, 0),
        "ratio_to_spread": baseline_events_per_s.map(|b| rounded(events_per_s / b, 3)),
        "catch_up_after_last_append_s": rounded(total_s - recorded_s, 2),
        "peak_rss_bytes": peak_rss_bytes(),
        "peak_rss_scope": peak_rss_scope,
        "counts_match": counts_match,
        "failed_read_models": failed,
        "machine": machine(),
    }))?;
    runtime.block_on(read.shutdown())?;
    store.close()?;
    if !counts_match || !failed.is_empty() {
        return Err(format!("{}: the read models do not answer what it recorded", shape.name()).into());
    }
    Ok(events_per_s)
}

async fn caught_up(read: &ReadApi, head: u64) -> Result<(), BenchError> {
    let started = Instant::now();
    loop {
        match read.wait_until(head, WAIT_STEP).await {
            Ok(()) => return Ok(()),
            Err(ProjectionError::Rebuilding { .. } | ProjectionError::WaitTimedOut { .. })
                if started.elapsed() < CATCH_UP_TIMEOUT => {}
            Err(error) => return Err(error.into()),
        }
    }
}

fn counts_match(read: &ReadApi, recorded: &Recorded) -> Result<bool, BenchError> {
    let total = |filter: &CaseFilter| -> Result<u64, BenchError> {
        Ok(read.cases(filter, &PageRequest::first(1))?.total_count)
    };
    let mut matches = true;
    for (kind, expect) in [
        (CaseKind::Request, recorded.requests),
        (CaseKind::WorkProject, recorded.work_projects),
        (CaseKind::Decision, recorded.decisions),
        (CaseKind::Mediation, recorded.mediations),
    ] {
        matches &= total(&CaseFilter::kind(kind))? == expect;
    }
    let requests = CaseFilter::kind(CaseKind::Request);
    if recorded.closed_requests > 0 {
        let closed = CaseFilter {
            status: Some("closed".into()),
            ..requests.clone()
        };
        matches &= total(&closed)? == recorded.closed_requests;
    }
    if let Some((organisation, expect)) = recorded.dispatched_to {
        let dispatched = CaseFilter {
            organisation_id: Some(organisation),
            ..requests.clone()
        };
        matches &= total(&dispatched)? == expect;
    }
    if let Some((request, events)) = recorded.hot_request {
        let case = read.case(CaseKind::Request, request)?;
        matches &= case.is_some_and(|case| u64::from(case.event_count) == events);
    }
    Ok(matches)
}

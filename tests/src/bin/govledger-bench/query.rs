//! `govledger-bench query`: C concurrent keep-alive HTTP/1.1 clients against an in-process
//! govledger server (`server::run`, the one `govledger serve` runs) holding a synthetic
//! ledger of N events with its read models caught up, for (a) one case by id, (b) a filtered
//! page of 20 requests, (c) a metrics query. In the same run, alternating with them, a bare
//! axum handler returning a precomputed JSON body of the size of (b)'s answer: what HTTP and
//! the load generator alone cost on this machine.
//!
//! Options: `--events N` (default 1,000,000), `--connections C` (default 32), `--seconds S`
//! per scenario and run (default 10), `--runs R` (default 3; medians are reported),
//! `--cache DIR` (where generated ledgers are kept between invocations; default
//! `<target>/bench-cache`), `--fresh DIR` (generate into a temp dir under DIR instead),
//! `--only SCENARIO` (measure one scenario, e.g. under a profiler; the baseline still runs).
//!
//! Output: one JSON line per scenario with `requests_per_s`, `p50_us`, `p99_us`,
//! `baseline_requests_per_s` and `ratio` (requests/s ÷ the baseline's, per run), each the
//! median over the runs.

use std::path::PathBuf;
use std::time::Duration;

use govledger_graphql::access::TokenStore;
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::page::PageRequest;
use serde_json::json;
use tokio::net::TcpListener;

use crate::BenchError;
use crate::report::{emit, machine, median, rounded};
use crate::served::ledger::{self, LedgerSource, PreparedLedger};
use crate::served::load::{LoadResult, load, one_request, post_request};
use crate::served::server::RunningServer;

const DEFAULT_EVENTS: u64 = 1_000_000;
const DEFAULT_CONNECTIONS: usize = 32;
const DEFAULT_SECONDS: u64 = 10;
const DEFAULT_RUNS: usize = 3;
/// The target for (b) at 32 connections (issue 5).
const PAGE_TARGET_REQUESTS_PER_S: f64 = 5_000.0;
const PAGE_TARGET_P99_US: f64 = 20_000.0;
const PAGE_SCENARIO: &str = "filtered_page_of_20_requests";

struct Options {
    events: u64,
    connections: usize,
    seconds: u64,
    runs: usize,
    source: LedgerSource,
    only: Option<String>,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        events: DEFAULT_EVENTS,
        connections: DEFAULT_CONNECTIONS,
        seconds: DEFAULT_SECONDS,
        runs: DEFAULT_RUNS,
        source: LedgerSource::default_cache(),
        only: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => options.events = value.parse()?,
            "--connections" => options.connections = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--runs" => options.runs = value.parse()?,
            "--cache" => options.source = LedgerSource::Cache(PathBuf::from(value)),
            "--fresh" => options.source = LedgerSource::Fresh(PathBuf::from(value)),
            "--only" => options.only = Some(value.clone()),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if options.events == 0 || options.connections == 0 || options.seconds == 0 || options.runs == 0
    {
        return Err("--events, --connections, --seconds and --runs must be at least 1".into());
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let opened = ledger::open(&options.source, options.events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let prepared = opened.catch_up().await?;
        measure(&options, prepared).await
    })
}

/// One measured scenario: its name, the request it sends, and the size of the answer.
struct Scenario {
    name: &'static str,
    request: String,
    response_bytes: usize,
}

/// The three queries, each probed once (it must answer data and no errors).
async fn scenarios(address: &str, prepared: &PreparedLedger) -> Result<Vec<Scenario>, BenchError> {
    let read = prepared.read.clone();
    let sample = tokio::task::spawn_blocking(move || {
        read.cases(&CaseFilter::kind(CaseKind::Request), &PageRequest::first(1))
    })
    .await??
    .items
    .into_iter()
    .next()
    .ok_or("the synthetic ledger has no request")?;
    let organisation = sample
        .responsible_organisation_id
        .ok_or("the sample request has no responsible organisation")?;
    let queries = [
        (
            "case_by_id",
            format!(
                r#"{{ case(kind: REQUEST, id: "{}") {{ caseId status category title openedAt dueAt responsibleOrganisationId }} }}"#,
                sample.case_id
            ),
        ),
        (
            PAGE_SCENARIO,
            format!(
                r#"{{ cases(filter: {{ kind: REQUEST, organisationId: "{organisation}" }}, first: 20) {{ totalCount pageInfo {{ endCursor hasNextPage }} nodes {{ caseId status category title openedAt dueAt }} }} }}"#
            ),
        ),
        (
            "metrics",
            r#"{ metrics(period: { year: 2020 }) { requests { received dispatched closed responseRate { numerator denominator } satisfactionRate { numerator denominator } onTimeClosureRate { numerator denominator } timeToClose { sampleSize medianSeconds p90Seconds } } } }"#.to_string(),
        ),
    ];
    let mut scenarios = Vec::new();
    for (name, query) in queries {
        let request = post_request(address, &json!({ "query": query }).to_string());
        let probe = one_request(address, &request).await?;
        if !probe.contains("\"data\"") || probe.contains("\"errors\"") {
            return Err(format!("{name} answered {probe}").into());
        }
        scenarios.push(Scenario {
            name,
            request,
            response_bytes: probe.len(),
        });
    }
    Ok(scenarios)
}

/// A bare axum handler answering every POST with `body_bytes` of precomputed JSON.
async fn start_baseline(body_bytes: usize) -> Result<String, BenchError> {
    let envelope = "{\"data\":\"\"}".len();
    let precomputed = axum::body::Bytes::from(format!(
        "{{\"data\":\"{}\"}}",
        "x".repeat(body_bytes.saturating_sub(envelope))
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let app = axum::Router::new().route(
        "/graphql",
        axum::routing::post(move || {
            let body = precomputed.clone();
            async move {
                (
                    [("content-type", "application/graphql-response+json")],
                    body,
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

async fn measure(options: &Options, prepared: PreparedLedger) -> Result<(), BenchError> {
    let running =
        RunningServer::start(&prepared, TokenStore::open(&prepared.data.access())?).await?;
    let address = running.address.clone();
    let mut scenarios = scenarios(&address, &prepared).await?;
    let page_bytes = scenarios
        .iter()
        .find(|s| s.name == PAGE_SCENARIO)
        .map_or(0, |s| s.response_bytes);
    if let Some(only) = &options.only {
        scenarios.retain(|s| s.name == only);
        if scenarios.is_empty() {
            return Err(format!("no scenario {only}").into());
        }
    }
    let baseline_address = start_baseline(page_bytes).await?;
    let baseline_request = post_request(&baseline_address, "{\"query\":\"{ baseline }\"}");
    let window = Duration::from_secs(options.seconds);
    // Per run: the baseline, then each scenario, so slow drifts in machine load hit all alike.
    let mut baseline_runs = Vec::new();
    let mut scenario_runs: Vec<Vec<LoadResult>> = scenarios.iter().map(|_| Vec::new()).collect();
    for run in 0..options.runs {
        eprintln!("run {} of {}", run + 1, options.runs);
        baseline_runs.push(
            load(
                &baseline_address,
                &baseline_request,
                options.connections,
                window,
            )
            .await?,
        );
        for (scenario, runs) in scenarios.iter().zip(&mut scenario_runs) {
            runs.push(load(&address, &scenario.request, options.connections, window).await?);
        }
    }
    report(
        options,
        prepared.head,
        "baseline_bare_axum_same_body_size",
        page_bytes,
        &baseline_runs,
        &baseline_runs,
    )?;
    for (scenario, runs) in scenarios.iter().zip(&scenario_runs) {
        report(
            options,
            prepared.head,
            scenario.name,
            scenario.response_bytes,
            runs,
            &baseline_runs,
        )?;
    }
    running.stop().await?;
    prepared.read.shutdown().await?;
    prepared.store.close()?;
    Ok(())
}

fn report(
    options: &Options,
    events: u64,
    scenario: &str,
    response_bytes: usize,
    runs: &[LoadResult],
    baseline_runs: &[LoadResult],
) -> Result<(), BenchError> {
    let per_run = |value: fn(&LoadResult) -> f64| median(runs.iter().map(value).collect());
    let requests_per_s = per_run(LoadResult::requests_per_s);
    let p50_us = per_run(|r| r.latencies.quantile_us(0.5));
    let p99_us = per_run(|r| r.latencies.quantile_us(0.99));
    let baseline_requests_per_s = median(
        baseline_runs
            .iter()
            .map(LoadResult::requests_per_s)
            .collect(),
    );
    let ratio = median(
        runs.iter()
            .zip(baseline_runs)
            .map(|(run, baseline)| run.requests_per_s() / baseline.requests_per_s())
            .collect(),
    );
    let mut line = json!({
        "bench": "query",
        "scenario": scenario,
        "events": events,
        "connections": options.connections,
        "seconds": options.seconds,
        "runs": runs.len(),
        "requests_per_s": rounded(requests_per_s, 0),
        "p50_us": rounded(p50_us, 0),
        "p99_us": rounded(p99_us, 0),
        "baseline_requests_per_s": rounded(baseline_requests_per_s, 0),
        "ratio": rounded(ratio, 3),
        "response_bytes": response_bytes,
        "machine": machine(),
    });
    if scenario == PAGE_SCENARIO {
        line["meets_target"] =
            json!(requests_per_s >= PAGE_TARGET_REQUESTS_PER_S && p99_us < PAGE_TARGET_P99_US);
    }
    emit(&line)?;
    Ok(())
}

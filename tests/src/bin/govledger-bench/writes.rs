//! `govledger-bench writes`: the cost of a write as the ledger grows. For each size N (default
//! 10,000, 100,000 and 1,000,000 events), a copy of the synthetic ledger of N events with its
//! read models caught up is served in-process (`server::run`, the one `govledger serve` runs),
//! and C clients (default 16) send `receiveRequest` mutations, each a new request received now,
//! through a station clerk's token, as issue 13's burst did. Every answer must hold no error.
//!
//! The sizes alternate within each run (all servers stay up), so slow drifts in machine load
//! hit all alike; each window sends a fixed number of writes (`--writes`, default 3,000), so
//! the ledgers grow by the same amount and the smallest stays near its size.
//!
//! Options: `--sizes N,N,...`, `--connections C`, `--writes W` (per size and run), `--runs R`
//! (default 3; medians are reported), `--cache DIR` (where generated ledgers are kept; default
//! `<target>/bench-cache`, shared with `query`; the cached ledgers are copied, never written).
//!
//! Output: one JSON line per size with `writes_per_s`, `p50_us`, `p99_us`, `events_before`
//! (the ledger's size when the first window began) and `ratio_to_smallest` (writes/s ÷ the
//! smallest size's, per run, median), then a summary line with `flat` (the largest size's
//! ratio is at least 0.8, issue 13's target).

use std::path::PathBuf;

use govledger_core::domain::role::Role;
use govledger_graphql::access::{NewGrant, TokenStore};
use govledger_projections::directory::view::RoleView;
use govledger_projections::page::PageRequest;
use serde_json::json;
use uuid::Uuid;

use crate::BenchError;
use crate::report::{emit, machine, median, rounded};
use crate::served::ledger::{self, LedgerSource, PreparedLedger};
use crate::served::load::{Answer, LoadResult, Until, load_with, post_request};
use crate::served::server::RunningServer;

const DEFAULT_SIZES: [u64; 3] = [10_000, 100_000, 1_000_000];
const DEFAULT_CONNECTIONS: usize = 16;
const DEFAULT_WRITES: usize = 3_000;
const DEFAULT_RUNS: usize = 3;
/// Issue 13: the largest size's writes/s within 20% of the smallest's.
const FLAT_RATIO_MIN: f64 = 0.8;

struct Options {
    sizes: Vec<u64>,
    connections: usize,
    writes: usize,
    runs: usize,
    cache: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let LedgerSource::Cache(cache) = LedgerSource::default_cache() else {
        return Err("no default cache".into());
    };
    let mut options = Options {
        sizes: DEFAULT_SIZES.to_vec(),
        connections: DEFAULT_CONNECTIONS,
        writes: DEFAULT_WRITES,
        runs: DEFAULT_RUNS,
        cache,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--sizes" => {
                options.sizes = value
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--connections" => options.connections = value.parse()?,
            "--writes" => options.writes = value.parse()?,
            "--runs" => options.runs = value.parse()?,
            "--cache" => options.cache = PathBuf::from(value),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    if options.sizes.is_empty()
        || options.sizes.contains(&0)
        || options.connections == 0
        || options.writes < options.connections
        || options.runs == 0
    {
        return Err("--sizes must be positive; --writes at least --connections; \
                    --connections and --runs at least 1"
            .into());
    }
    options.sizes.sort_unstable();
    options.sizes.dedup();
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mut served = Vec::new();
    for &size in &options.sizes {
        // Generation runs before the runtime is entered (it drives its own appends).
        let cached = ledger::open(&LedgerSource::Cache(options.cache.clone()), size)?;
        let closed = runtime.block_on(async { cached.catch_up().await?.close().await })?;
        let copy = ledger::copy_of(&closed, &options.cache)?;
        let prepared = runtime.block_on(copy.catch_up())?;
        served.push(runtime.block_on(serve(prepared))?);
    }
    runtime.block_on(measure(&options, served))
}

/// One size's copy, served, with a clerk token for its writes.
struct Served {
    events_before: u64,
    token: String,
    server: RunningServer,
    prepared: PreparedLedger,
}

async fn serve(prepared: PreparedLedger) -> Result<Served, BenchError> {
    // A station clerk of a service station of this ledger.
    let read = prepared.read.clone();
    let clerk = tokio::task::spawn_blocking(move || -> Result<RoleView, String> {
        let stations = read
            .organisations(&PageRequest::first(100))
            .map_err(|e| e.to_string())?
            .items
            .into_iter()
            .filter(|organisation| organisation.kind == "service_station")
            .map(|organisation| organisation.organisation_id);
        for organisation in stations {
            let members = read
                .members_of(organisation, &PageRequest::first(100))
                .map_err(|e| e.to_string())?;
            if let Some(clerk) = members.items.into_iter().find(|role| {
                role.role == Role::StationClerk.as_str() && role.ends_at.is_none()
            }) {
                return Ok(clerk);
            }
        }
        Err("no station clerk in the first 100 organisations".into())
    })
    .await??;
    let tokens = TokenStore::open(&prepared.data.access())?;
    let (_, secret) = tokens.create(NewGrant {
        account_id: clerk.account_id,
        role: Role::StationClerk,
        organisation_id: Some(clerk.organisation_id),
        label: "writes benchmark clerk".into(),
    })?;
    let server = RunningServer::start(&prepared, tokens).await?;
    Ok(Served {
        events_before: prepared.head,
        token: secret.as_str().to_string(),
        server,
        prepared,
    })
}

/// A `receiveRequest` of a new request (a fresh UUIDv7) received at the service station.
fn receive_request(address: &str, token: &str) -> Vec<u8> {
    let query = "mutation($input: ReceiveRequestInput!) { receiveRequest(input: $input) { \
                 positions userErrors { message } } }";
    let request_id = Uuid::now_v7().to_string();
    let body = json!({
        "query": query,
        "variables": { "input": {
            "idempotencyKey": request_id,
            "requestId": request_id,
            "kind": "COMPLAINT",
            "category": "REPAIR",
            "description": "Water drips from the stairwell ceiling on the third floor.",
            "location": {},
            "channel": "SERVICE_STATION",
        } },
    })
    .to_string();
    let request = post_request(address, &body);
    let (head, rest) = request.split_once("\r\n").unwrap_or((&request, ""));
    format!("{head}\r\nAuthorization: Bearer {token}\r\n{rest}").into_bytes()
}

async fn measure(options: &Options, served: Vec<Served>) -> Result<(), BenchError> {
    let mut runs: Vec<Vec<LoadResult>> = served.iter().map(|_| Vec::new()).collect();
    for run in 0..options.runs {
        eprintln!("run {} of {}", run + 1, options.runs);
        for (size, results) in served.iter().zip(&mut runs) {
            let (address, token) = (size.server.address.clone(), size.token.clone());
            results.push(
                load_with(
                    &size.server.address,
                    options.connections,
                    Until::Requests(options.writes),
                    Answer::NoErrors,
                    move || receive_request(&address, &token),
                )
                .await?,
            );
        }
    }
    let smallest = &runs[0];
    let mut largest_ratio = 1.0;
    for (size, results) in served.iter().zip(&runs) {
        let per_run = |value: fn(&LoadResult) -> f64| median(results.iter().map(value).collect());
        let ratio = median(
            results
                .iter()
                .zip(smallest)
                .map(|(run, small)| run.requests_per_s() / small.requests_per_s())
                .collect(),
        );
        largest_ratio = ratio;
        emit(&json!({
            "bench": "writes",
            "scenario": "receive_request",
            "events_before": size.events_before,
            "connections": options.connections,
            "writes_per_window": options.writes,
            "runs": results.len(),
            "writes_per_s": rounded(per_run(LoadResult::requests_per_s), 0),
            "p50_us": rounded(per_run(|r| r.latencies.quantile_us(0.5)), 0),
            "p99_us": rounded(per_run(|r| r.latencies.quantile_us(0.99)), 0),
            "ratio_to_smallest": rounded(ratio, 3),
            "machine": machine(),
        }))?;
    }
    emit(&json!({
        "bench": "writes",
        "scenario": "summary",
        "sizes": options.sizes,
        "largest_ratio_to_smallest": rounded(largest_ratio, 3),
        "flat": largest_ratio >= FLAT_RATIO_MIN,
    }))?;
    for size in served {
        size.server.stop().await?;
        size.prepared.close().await?;
    }
    Ok(())
}

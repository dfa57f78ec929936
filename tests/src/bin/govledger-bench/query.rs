//! `govledger-bench query`: N concurrent keep-alive HTTP clients against an in-process
//! govledger server holding a synthetic ledger, for (a) one case by id, (b) a filtered page of
//! 20 requests, (c) a metrics query; and, in the same run, a bare axum handler returning a
//! precomputed body of the size of (b)'s answer, as the baseline of what HTTP alone costs.
//!
//! Options: `--events N` (default 1,000,000), `--connections N` (default 32), `--seconds S`
//! per scenario (default 10), `--dir PATH` (temp dirs; default the system temp dir).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use govledger_core::domain::synthetic::{self, SyntheticSpec};
use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;
use govledger_graphql::access::TokenStore;
use govledger_graphql::schema::Introspection;
use govledger_graphql::server::{self, ServerConfig};
use govledger_graphql::service::{DataDir, LedgerService, ServiceParts};
use govledger_projections::cases::query::CaseFilter;
use govledger_projections::cases::view::CaseKind;
use govledger_projections::page::PageRequest;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::BenchError;
use crate::report::{Latencies, emit, machine, rounded};

const DEFAULT_EVENTS: u64 = 1_000_000;
const DEFAULT_CONNECTIONS: usize = 32;
const DEFAULT_SECONDS: u64 = 10;
const SYNTHETIC_COMPOUNDS: u32 = 24;
const SYNTHETIC_YEARS: u32 = 4;
const SYNTHETIC_SEED: u64 = 20_211_201;
/// Longest the read models may take to catch up with the generated ledger.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(3_600);
/// Requests a connection sends before the measured window (connection set-up, caches).
const WARM_UP_REQUESTS: usize = 20;

struct Options {
    events: u64,
    connections: usize,
    seconds: u64,
    dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        events: DEFAULT_EVENTS,
        connections: DEFAULT_CONNECTIONS,
        seconds: DEFAULT_SECONDS,
        dir: std::env::temp_dir(),
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--events" => options.events = value.parse()?,
            "--connections" => options.connections = value.parse()?,
            "--seconds" => options.seconds = value.parse()?,
            "--dir" => options.dir = PathBuf::from(value),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    let temp = tempfile::tempdir_in(&options.dir)?;
    let data = DataDir::new(temp.path());
    let store = Arc::new(SledStore::open(data.ledger())?);
    let generated_at = Instant::now();
    synthetic::generate(
        store.as_ref(),
        SyntheticSpec {
            events_target: options.events,
            compounds: SYNTHETIC_COMPOUNDS,
            years: SYNTHETIC_YEARS,
            seed: SYNTHETIC_SEED,
        },
    )?;
    let head = store.head().position;
    eprintln!(
        "generated {head} events in {:.1} s",
        generated_at.elapsed().as_secs_f64()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(measure(options, data, store, head))
}

async fn measure(
    options: Options,
    data: DataDir,
    store: Arc<SledStore>,
    head: u64,
) -> Result<(), BenchError> {
    let read = ReadApi::open(RunnerOptions::new(data.projections()), store.clone())?;
    read.start()?;
    let caught_up_at = Instant::now();
    read.wait_until(head, CATCH_UP_TIMEOUT).await?;
    eprintln!(
        "read models caught up in {:.1} s",
        caught_up_at.elapsed().as_secs_f64()
    );
    let sample = read
        .cases(&CaseFilter::kind(CaseKind::Request), &PageRequest::first(1))?
        .items
        .into_iter()
        .next()
        .ok_or("the synthetic ledger has no request")?;
    let organisation = sample
        .responsible_organisation_id
        .ok_or("the sample request has no responsible organisation")?;
    let service = Arc::new(LedgerService::new(ServiceParts {
        store: store.clone(),
        tokens: TokenStore::open(&data.access())?,
        read: Some(read.clone()),
        personal: None,
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server::run(
        listener,
        async {
            let _ = stop_rx.await;
        },
        service,
        ServerConfig {
            introspection: Introspection::Enabled,
        },
    ));
    let scenarios = [
        (
            "case_by_id",
            format!(
                r#"{{ case(kind: REQUEST, id: "{}") {{ caseId status category title openedAt dueAt responsibleOrganisationId }} }}"#,
                sample.case_id
            ),
        ),
        (
            "filtered_page_of_20_requests",
            format!(
                r#"{{ cases(filter: {{ kind: REQUEST, organisationId: "{organisation}" }}, first: 20) {{ totalCount pageInfo {{ endCursor hasNextPage }} nodes {{ caseId status category title openedAt dueAt }} }} }}"#
            ),
        ),
        (
            "metrics",
            r#"{ metrics(period: { year: 2020 }) { requests { received dispatched closed responseRate { numerator denominator } satisfactionRate { numerator denominator } onTimeClosureRate { numerator denominator } timeToClose { sampleSize medianSeconds p90Seconds } } } }"#.to_string(),
        ),
    ];
    let mut page_body_bytes = 0;
    for (name, query) in &scenarios {
        let body = json!({ "query": query }).to_string();
        let probe = one_request(&address, &body).await?;
        if !probe.contains("\"data\"") || probe.contains("\"errors\"") {
            return Err(format!("{name} answered {probe}").into());
        }
        if *name == "filtered_page_of_20_requests" {
            page_body_bytes = probe.len();
        }
        let result = load(&address, &body, options.connections, options.seconds).await?;
        report(name, &options, head, probe.len(), &result)?;
    }
    let _ = stop_tx.send(());
    serving.await??;
    read.shutdown().await?;
    // Baseline: the same HTTP stack and client, a handler that returns precomputed bytes.
    let precomputed = format!(
        "{{\"data\":\"{}\"}}",
        "x".repeat(page_body_bytes.saturating_sub(11))
    );
    let baseline = TcpListener::bind("127.0.0.1:0").await?;
    let baseline_address = baseline.local_addr()?.to_string();
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
    let baseline_server = tokio::spawn(async move { axum::serve(baseline, app).await });
    let body = json!({ "query": "{ baseline }" }).to_string();
    let result = load(
        &baseline_address,
        &body,
        options.connections,
        options.seconds,
    )
    .await?;
    report(
        "baseline_bare_axum_same_body_size",
        &options,
        head,
        page_body_bytes,
        &result,
    )?;
    baseline_server.abort();
    store.close()?;
    Ok(())
}

struct LoadResult {
    requests: usize,
    elapsed: Duration,
    latencies: Latencies,
}

fn report(
    scenario: &str,
    options: &Options,
    events: u64,
    body_bytes: usize,
    result: &LoadResult,
) -> Result<(), BenchError> {
    emit(&json!({
        "bench": "query",
        "scenario": scenario,
        "ledger_events": events,
        "connections": options.connections,
        "seconds": rounded(result.elapsed.as_secs_f64(), 2),
        "requests": result.requests,
        "requests_per_s": rounded(result.requests as f64 / result.elapsed.as_secs_f64(), 0),
        "p50_ms": rounded(result.latencies.quantile_us(0.5) / 1000.0, 3),
        "p99_ms": rounded(result.latencies.quantile_us(0.99) / 1000.0, 3),
        "response_bytes": body_bytes,
        "machine": machine(),
    }))?;
    Ok(())
}

/// `connections` clients, each on its own keep-alive connection, sending `body` back to back
/// for `seconds`.
async fn load(
    address: &str,
    body: &str,
    connections: usize,
    seconds: u64,
) -> Result<LoadResult, BenchError> {
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut clients = Vec::with_capacity(connections);
    for _ in 0..connections {
        let request = request.clone();
        let address = address.to_string();
        clients.push(tokio::spawn(async move {
            let mut connection = Connection::open(&address).await?;
            for _ in 0..WARM_UP_REQUESTS {
                connection.exchange(request.as_bytes()).await?;
            }
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                connection.exchange(request.as_bytes()).await?;
                samples.push(sent.elapsed());
            }
            Ok::<Vec<Duration>, std::io::Error>(samples)
        }));
    }
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.await??);
    }
    let elapsed = started.elapsed();
    Ok(LoadResult {
        requests: samples.len(),
        elapsed,
        latencies: Latencies::new(samples),
    })
}

async fn one_request(address: &str, body: &str) -> Result<String, BenchError> {
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut connection = Connection::open(address).await?;
    let response = connection.exchange(request.as_bytes()).await?;
    Ok(String::from_utf8_lossy(&response).into_owned())
}

/// One keep-alive HTTP/1.1 connection; responses must carry `Content-Length`.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(address: &str) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends one request and returns the response body.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(request).await?;
        loop {
            if let Some(head_end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..head_end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| std::io::Error::other("response without content-length"))?;
                let total = head_end + 4 + length;
                while self.buffer.len() < total {
                    self.fill().await?;
                }
                let body = self.buffer[head_end + 4..total].to_vec();
                self.buffer.drain(..total);
                return Ok(body);
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let read = self.stream.read(&mut chunk).await?;
        if read == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

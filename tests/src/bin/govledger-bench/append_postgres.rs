//! `govledger-bench append --backend postgres`: durable single-event appends on the
//! PostgreSQL ledger, 1 writer and 64 writers on one node, and 64 writers spread over three
//! nodes (three stores, each with its own runtime, connections and writer, as three processes
//! have), each beside a raw baseline in the same run on the same server: one single-row
//! `INSERT` transaction per event (synchronous commit on), from as many connections as there
//! are writers. Also reports the ledger's bytes per event in the database (events,
//! idempotency keys and the Merkle tree's stored hashes: tables, indexes and TOAST). The
//! server is `GOVLEDGER_TEST_POSTGRES` (a fresh database per side and run).
//!
//! Options: `--runs N` (default 3; medians), `--appends N` (1 writer, default 1000),
//! `--concurrent-appends N` (64 writers, default 12800), `--store-warmup every_stream|cold`
//! (default every_stream: one append per stream first, so the node knows each stream's
//! version, as a running node does; `cold`: 50 appends).

use std::sync::Arc;
use std::time::Instant;

use govledger_core::store::EventStore;
use govledger_tests::postgres::TestDatabase;
use serde_json::json;
use tokio_postgres::NoTls;

use crate::BenchError;
use crate::append::{Measured, STREAMS, bench_event, measured, race_writers, record_bytes};
use crate::report::{emit, machine, median, rounded};

const DEFAULT_RUNS: usize = 3;
const DEFAULT_SINGLE_WRITER_APPENDS: usize = 1_000;
const DEFAULT_CONCURRENT_APPENDS: usize = 12_800;
const CONCURRENT_WRITERS: usize = 64;
const NODES: usize = 3;
const WARMUP_OPS: usize = 50;

struct Options {
    runs: usize,
    single_writer_appends: usize,
    concurrent_appends: usize,
    warmup: StoreWarmup,
}

/// What the store side appends before it is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StoreWarmup {
    /// One append to each of the bench's streams, so each node knows every stream's version,
    /// as a running node knows the cases it serves: the appends (`Any`) can then take the
    /// one-round-trip path (ADR 0019). The command service's appends state their version
    /// (`Exact`, `NoStream`) and take it without any warm-up.
    EveryStream,
    /// `WARMUP_OPS` appends: most measured appends touch a stream the node has not seen, and
    /// their `Any` needs its version read under the head lock (two round trips).
    Cold,
}

impl StoreWarmup {
    fn appends(self) -> usize {
        match self {
            StoreWarmup::EveryStream => STREAMS,
            StoreWarmup::Cold => WARMUP_OPS,
        }
    }

    fn name(self) -> &'static str {
        match self {
            StoreWarmup::EveryStream => "every_stream",
            StoreWarmup::Cold => "cold",
        }
    }
}

fn parse(args: &[String]) -> Result<Options, BenchError> {
    let mut options = Options {
        runs: DEFAULT_RUNS,
        single_writer_appends: DEFAULT_SINGLE_WRITER_APPENDS,
        concurrent_appends: DEFAULT_CONCURRENT_APPENDS,
        warmup: StoreWarmup::EveryStream,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--runs" => options.runs = value.parse()?,
            "--appends" => options.single_writer_appends = value.parse()?,
            "--concurrent-appends" => options.concurrent_appends = value.parse()?,
            "--store-warmup" => {
                options.warmup = match value.as_str() {
                    "every_stream" => StoreWarmup::EveryStream,
                    "cold" => StoreWarmup::Cold,
                    _ => return Err("--store-warmup is every_stream or cold".into()),
                }
            }
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    if options.runs == 0 || options.single_writer_appends == 0 || options.concurrent_appends == 0 {
        return Err("--runs and the append counts must be at least 1".into());
    }
    Ok(options)
}

fn database() -> Result<TestDatabase, BenchError> {
    TestDatabase::create("govledger-bench append --backend postgres")
        .ok_or_else(|| "no PostgreSQL server answers (GOVLEDGER_TEST_POSTGRES)".into())
}

/// The store side: `writers` threads spread over `nodes` stores on one database, `appends`
/// in all. Returns the measurement and the ledger's bytes per event.
fn store_side(
    writers: usize,
    nodes: usize,
    appends: usize,
    warmup: StoreWarmup,
) -> Result<(Measured, f64), BenchError> {
    let database = database()?;
    let stores: Vec<Arc<dyn EventStore>> = (0..nodes)
        .map(|_| Arc::new(database.open()) as Arc<dyn EventStore>)
        .collect();
    for n in 0..warmup.appends() {
        stores[n % nodes].append(bench_event(n)?)?;
    }
    let (samples, elapsed) = race_writers(&stores, writers, appends)?;
    let events = stores[0].head().position;
    drop(stores);
    let bytes = relation_bytes(
        database.url(),
        "SELECT pg_total_relation_size('govledger_events') \
         + pg_total_relation_size('govledger_idempotency') \
         + pg_total_relation_size('govledger_tree_hashes')",
    )?;
    Ok((
        measured(samples.len(), elapsed, samples),
        bytes as f64 / events.max(1) as f64,
    ))
}

fn relation_bytes(url: &str, sql: &str) -> Result<i64, BenchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
        tokio::spawn(connection);
        client.execute("CHECKPOINT", &[]).await.ok();
        let row = client.query_one(sql, &[]).await?;
        Ok(row.try_get::<_, i64>(0)?)
    })
}

/// The raw baseline: `connections` connections, each inserting one row per transaction
/// (autocommit, synchronous commit on) of a record's size.
fn raw_side(connections: usize, inserts: usize) -> Result<Measured, BenchError> {
    let database = database()?;
    let url = database.url().to_string();
    let value = vec![0x5a_u8; record_bytes()?];
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let per_connection = inserts.div_ceil(connections);
    runtime.block_on(async move {
        let (setup, connection) = tokio_postgres::connect(&url, NoTls).await?;
        tokio::spawn(connection);
        setup
            .batch_execute(
                "CREATE TABLE raw_events (position bigserial PRIMARY KEY, record bytea NOT NULL)",
            )
            .await?;
        let mut clients = Vec::with_capacity(connections);
        for _ in 0..connections {
            let mut config: tokio_postgres::Config = url.parse()?;
            config.options("-c synchronous_commit=on");
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(connection);
            let insert = client
                .prepare("INSERT INTO raw_events (record) VALUES ($1)")
                .await?;
            clients.push((client, insert));
        }
        for (client, insert) in clients.iter().take(1) {
            for _ in 0..WARMUP_OPS {
                client.execute(insert, &[&value]).await?;
            }
        }
        let start_line = Arc::new(tokio::sync::Barrier::new(connections + 1));
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|(client, insert)| {
                let value = value.clone();
                let start_line = Arc::clone(&start_line);
                tokio::spawn(async move {
                    let mut samples = Vec::with_capacity(per_connection);
                    start_line.wait().await;
                    for _ in 0..per_connection {
                        let op = Instant::now();
                        client.execute(&insert, &[&value]).await?;
                        samples.push(op.elapsed());
                    }
                    Ok::<_, tokio_postgres::Error>(samples)
                })
            })
            .collect();
        start_line.wait().await;
        let started = Instant::now();
        let mut samples = Vec::with_capacity(per_connection * connections);
        for task in tasks {
            samples.extend(task.await??);
        }
        Ok(measured(samples.len(), started.elapsed(), samples))
    })
}

fn scenario(
    name: &str,
    runs: usize,
    ops: usize,
    writers: usize,
    nodes: usize,
    warmup: StoreWarmup,
) -> Result<(), BenchError> {
    let mut measured_runs = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (store, bytes_per_event) = store_side(writers, nodes, ops, warmup)?;
        let baseline = raw_side(writers, ops)?;
        measured_runs.push((store, baseline, bytes_per_event));
    }
    let of = |pick: &dyn Fn(&(Measured, Measured, f64)) -> f64| {
        median(measured_runs.iter().map(pick).collect())
    };
    emit(&json!({
        "scenario": name,
        "backend": "postgres",
        "writers": writers,
        "nodes": nodes,
        "runs": runs,
        "ops_per_run": ops,
        "store_warmup": warmup.name(),
        "ops_per_s": rounded(of(&|(s, _, _)| s.ops_per_s), 0),
        "p50_us": rounded(of(&|(s, _, _)| s.latencies.quantile_us(0.50)), 1),
        "p99_us": rounded(of(&|(s, _, _)| s.latencies.quantile_us(0.99)), 1),
        "baseline": "one single-row INSERT transaction per event, one connection per writer",
        "baseline_ops_per_s": rounded(of(&|(_, b, _)| b.ops_per_s), 0),
        "baseline_p50_us": rounded(of(&|(_, b, _)| b.latencies.quantile_us(0.50)), 1),
        "baseline_p99_us": rounded(of(&|(_, b, _)| b.latencies.quantile_us(0.99)), 1),
        "ratio": rounded(of(&|(s, b, _)| s.ops_per_s / b.ops_per_s), 3),
        "p50_ratio": rounded(
            of(&|(s, b, _)| s.latencies.quantile_us(0.50) / b.latencies.quantile_us(0.50)),
            3
        ),
        "bytes_per_event": rounded(of(&|(_, _, bytes)| *bytes), 0),
    }))?;
    Ok(())
}

pub(crate) fn run(args: &[String]) -> Result<(), BenchError> {
    let options = parse(args)?;
    emit(&json!({
        "machine": machine(),
        "backend": "postgres",
        "record_bytes": record_bytes()?,
    }))?;
    let single = options.single_writer_appends;
    let warmup = options.warmup;
    scenario(
        "append_postgres_1_writer",
        options.runs,
        single,
        1,
        1,
        warmup,
    )?;
    let concurrent = options.concurrent_appends;
    scenario(
        "append_postgres_64_writers",
        options.runs,
        concurrent,
        CONCURRENT_WRITERS,
        1,
        warmup,
    )?;
    scenario(
        "append_postgres_64_writers_3_nodes",
        options.runs,
        concurrent,
        CONCURRENT_WRITERS,
        NODES,
        warmup,
    )?;
    Ok(())
}

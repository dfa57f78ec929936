//! Prometheus metrics in the text exposition format, hand-written (no metrics crate): request
//! counts and errors by route, a latency histogram, GraphQL error codes, the ledger head,
//! projection lag and open WebSockets.

use govledger_projections::runner::ProjectionStatus;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::limits::WEBSOCKET_CONNECTIONS_MAX;
use crate::server::ServerState;

/// Upper bounds of the latency histogram buckets, in seconds.
const LATENCY_BUCKETS_SECONDS: [f64; 12] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The routes requests are counted by (a fixed set: paths never become labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Explorer,
    GraphiQl,
    GraphQl,
    Health,
    Ready,
    Metrics,
    Other,
}

impl Route {
    pub const ALL: [Route; 7] = [
        Route::Explorer,
        Route::GraphiQl,
        Route::GraphQl,
        Route::Health,
        Route::Ready,
        Route::Metrics,
        Route::Other,
    ];

    pub fn of(path: &str) -> Route {
        match path {
            "/" => Route::Explorer,
            "/graphiql" => Route::GraphiQl,
            "/graphql" => Route::GraphQl,
            "/healthz" => Route::Health,
            "/readyz" => Route::Ready,
            "/metrics" => Route::Metrics,
            _ => Route::Other,
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Route::Explorer => "/",
            Route::GraphiQl => "/graphiql",
            Route::GraphQl => "/graphql",
            Route::Health => "/healthz",
            Route::Ready => "/readyz",
            Route::Metrics => "/metrics",
            Route::Other => "other",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

#[derive(Default)]
struct Counter(AtomicU64);

impl Counter {
    fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub struct Metrics {
    requests: [Counter; Route::ALL.len()],
    errors: [Counter; Route::ALL.len()],
    latency_buckets: [Counter; LATENCY_BUCKETS_SECONDS.len()],
    latency_count: Counter,
    latency_sum_micros: Counter,
    graphql_errors: Mutex<BTreeMap<&'static str, u64>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics {
            requests: Default::default(),
            errors: Default::default(),
            latency_buckets: Default::default(),
            latency_count: Counter::default(),
            latency_sum_micros: Counter::default(),
            graphql_errors: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn record_request(&self, route: Route, status: StatusCode, elapsed: Duration) {
        self.requests[route.index()].add(1);
        if status.is_client_error() || status.is_server_error() {
            self.errors[route.index()].add(1);
        }
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS_SECONDS) {
            if seconds <= bound {
                bucket.add(1);
            }
        }
        self.latency_count.add(1);
        self.latency_sum_micros
            .add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
    }

    /// Counts a GraphQL error by its `extensions.code` (one of the fixed codes).
    pub fn record_graphql_error(&self, code: &'static str) {
        let mut counts = self
            .graphql_errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *counts.entry(code).or_default() += 1;
    }

    /// The exposition text, with the gauges given by the caller.
    pub fn render_text(&self, gauges: &Gauges) -> String {
        let mut text = String::with_capacity(4096);
        header(
            &mut text,
            "govledger_http_requests_total",
            "counter",
            "HTTP requests served, by route.",
        );
        for route in Route::ALL {
            let _ = writeln!(
                text,
                "govledger_http_requests_total{{route=\"{}\"}} {}",
                route.label(),
                self.requests[route.index()].get()
            );
        }
        header(
            &mut text,
            "govledger_http_errors_total",
            "counter",
            "HTTP responses with a 4xx or 5xx status, by route.",
        );
        for route in Route::ALL {
            let _ = writeln!(
                text,
                "govledger_http_errors_total{{route=\"{}\"}} {}",
                route.label(),
                self.errors[route.index()].get()
            );
        }
        header(
            &mut text,
            "govledger_http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request.",
        );
        for (bucket, bound) in self.latency_buckets.iter().zip(LATENCY_BUCKETS_SECONDS) {
            let _ = writeln!(
                text,
                "govledger_http_request_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                bucket.get()
            );
        }
        let count = self.latency_count.get();
        let _ = writeln!(
            text,
            "govledger_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            text,
            "govledger_http_request_duration_seconds_sum {}",
            self.latency_sum_micros.get() as f64 / 1e6
        );
        let _ = writeln!(
            text,
            "govledger_http_request_duration_seconds_count {count}"
        );
        header(
            &mut text,
            "govledger_graphql_errors_total",
            "counter",
            "GraphQL errors returned, by extensions.code.",
        );
        for (code, n) in self
            .graphql_errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            let _ = writeln!(
                text,
                "govledger_graphql_errors_total{{code=\"{code}\"}} {n}"
            );
        }
        header(
            &mut text,
            "govledger_ledger_head_position",
            "gauge",
            "Position of the newest durable event.",
        );
        let _ = writeln!(
            text,
            "govledger_ledger_head_position {}",
            gauges.head_position
        );
        header(
            &mut text,
            "govledger_projection_applied_position",
            "gauge",
            "Lowest position every read model has applied.",
        );
        let _ = writeln!(
            text,
            "govledger_projection_applied_position {}",
            gauges.applied_position
        );
        header(
            &mut text,
            "govledger_projection_lag_events",
            "gauge",
            "Ledger head minus the applied position.",
        );
        let _ = writeln!(
            text,
            "govledger_projection_lag_events {}",
            gauges.head_position.saturating_sub(gauges.applied_position)
        );
        render_read_models(&mut text, &gauges.read_models);
        header(
            &mut text,
            "govledger_websocket_connections",
            "gauge",
            "Open WebSocket (subscription) connections.",
        );
        let _ = writeln!(
            text,
            "govledger_websocket_connections {}",
            gauges.websocket_connections
        );
        text
    }
}

/// Per read model: its applied position, its lag, and a 0/1 gauge per state, so an alert can
/// fire on `govledger_read_model_state{state="failed"} == 1` naming the projection.
fn render_read_models(text: &mut String, read_models: &[ProjectionStatus]) {
    header(
        text,
        "govledger_read_model_applied_position",
        "gauge",
        "Last position the read model has applied.",
    );
    for status in read_models {
        let _ = writeln!(
            text,
            "govledger_read_model_applied_position{{projection=\"{}\"}} {}",
            status.name, status.applied_position
        );
    }
    header(
        text,
        "govledger_read_model_lag_events",
        "gauge",
        "Ledger head minus the read model's applied position.",
    );
    for status in read_models {
        let _ = writeln!(
            text,
            "govledger_read_model_lag_events{{projection=\"{}\"}} {}",
            status.name, status.lag_events
        );
    }
    header(
        text,
        "govledger_read_model_state",
        "gauge",
        "1 for the state the read model is in (caught_up, catching_up, rebuilding, failed).",
    );
    for status in read_models {
        for state in READ_MODEL_STATES {
            let value = u8::from(status.state.code() == state);
            let _ = writeln!(
                text,
                "govledger_read_model_state{{projection=\"{}\",state=\"{state}\"}} {value}",
                status.name
            );
        }
    }
}

const READ_MODEL_STATES: [&str; 4] = ["caught_up", "catching_up", "rebuilding", "failed"];

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// Point-in-time values read when the metrics are scraped.
pub struct Gauges {
    pub head_position: u64,
    pub applied_position: u64,
    pub websocket_connections: usize,
    /// Each read model's own state, as `readModels` reports it.
    pub read_models: Vec<ProjectionStatus>,
}

pub(crate) async fn render(State(state): State<ServerState>) -> Response {
    let gauges = Gauges {
        head_position: state.service.store.head().position,
        applied_position: state.service.progress.applied_position(),
        websocket_connections: WEBSOCKET_CONNECTIONS_MAX
            .saturating_sub(state.websocket_permits.available_permits()),
        read_models: state
            .service
            .read
            .as_ref()
            .map(|read| read.status())
            .unwrap_or_default(),
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render_text(&gauges),
    )
        .into_response()
}

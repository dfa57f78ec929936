//! The HTTP server: GraphQL over HTTP and WebSocket at `/graphql`, the audit explorer at `/`,
//! GraphiQL at `/graphiql`, probes and Prometheus metrics. `run` takes a bound listener and a shutdown future (mini-redis style),
//! so tests bind `127.0.0.1:0` and run the real server in-process.

pub(crate) mod auth;
mod backup;
mod browser;
mod documents;
mod explorer;
mod graphiql;
mod graphql_http;
mod media_type;
pub mod metrics;
mod open311;
mod probes;
mod reports;
mod response_body;
mod router;
mod tlog_tiles;
mod websocket;
mod websocket_executor;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::limits::WEBSOCKET_CONNECTIONS_MAX;
use crate::schema::{Introspection, LedgerSchema};
use crate::service::LedgerService;
pub use browser::{CORS_ORIGINS_MAX, CorsOrigins, parse_origin};
pub use documents::DocumentPolicy;
use metrics::Metrics;

/// How the server is set up beyond its data.
#[derive(Debug, Clone, Copy)]
pub struct ServerConfig {
    pub introspection: Introspection,
    /// How long a WebSocket may stay open without `connection_init` (see
    /// `CONNECTION_INIT_TIMEOUT_DEFAULT`).
    pub connection_init_timeout: Duration,
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub(crate) struct ServerState {
    pub(crate) schema: LedgerSchema,
    /// For operations of nothing but introspection, when it is enabled (deeper limit).
    pub(crate) introspection_schema: Option<LedgerSchema>,
    pub(crate) service: Arc<LedgerService>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) websocket_permits: Arc<Semaphore>,
    /// Becomes `true` when the server starts shutting down; open WebSockets close then.
    pub(crate) shutting_down: watch::Receiver<bool>,
    pub(crate) connection_init_timeout: Duration,
    /// Persisted documents: APQ's memory, or the trusted list.
    pub(crate) documents: Arc<documents::Documents>,
    /// The log's note verifier key, served at `/tlog/key` for the explorer's check.
    pub(crate) log_verifier_key: Option<Arc<str>>,
}

/// What the HTTP surface offers beyond `ServerConfig`.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Browser front-ends on these origins may call the API (none by default).
    pub cors_origins: CorsOrigins,
    /// Automatic persisted queries (default), or only trusted documents.
    pub documents: DocumentPolicy,
    /// The log's note verifier key (`<name>+<key id>+<base64 key>`), served at `/tlog/key`
    /// so the explorer can check checkpoints; `/tlog/key` answers 404 without it.
    pub log_verifier_key: Option<String>,
}

/// Serves until `shutdown` resolves, then stops accepting, lets in-flight requests finish,
/// closes subscriptions and returns. The caller closes (flushes) the store afterwards.
/// No other origin may call it from a browser, and any document may run (see `run_with`).
pub async fn run(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    service: Arc<LedgerService>,
    config: ServerConfig,
) -> std::io::Result<()> {
    run_with(listener, shutdown, service, config, HttpOptions::default()).await
}

/// `run`, with CORS origins and a document policy.
pub async fn run_with(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    service: Arc<LedgerService>,
    config: ServerConfig,
    options: HttpOptions,
) -> std::io::Result<()> {
    let (shutdown_tx, shutting_down) = watch::channel(false);
    let state = ServerState {
        schema: crate::schema::build(Arc::clone(&service), config.introspection),
        introspection_schema: crate::schema::build_for_introspection(
            Arc::clone(&service),
            config.introspection,
        ),
        service,
        metrics: Arc::new(Metrics::new()),
        websocket_permits: Arc::new(Semaphore::new(WEBSOCKET_CONNECTIONS_MAX)),
        shutting_down,
        connection_init_timeout: config.connection_init_timeout,
        documents: Arc::new(documents::Documents::new(options.documents)),
        log_verifier_key: options.log_verifier_key.map(Arc::from),
    };
    let app = browser::layers(router::router(state.clone()), &options.cors_origins);
    if let Ok(address) = listener.local_addr() {
        tracing::info!(%address, "serving");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: no new connections; finishing requests in flight");
            let _ = shutdown_tx.send(true);
        })
        .await?;
    tracing::info!("server stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "listening for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "listening for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

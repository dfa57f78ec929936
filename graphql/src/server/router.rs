//! Routes and layers.

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;

use crate::limits::REQUEST_BODY_BYTES_MAX;
use crate::server::{
    ServerState, backup, explorer, graphiql, graphql_http, metrics, open311, probes, reports,
    tlog_tiles,
};

pub(crate) fn router(state: ServerState) -> Router {
    Router::new()
        .route("/", get(explorer::page))
        .route("/explorer/{file}", get(explorer::asset))
        .route("/graphiql", get(graphiql::page))
        .route("/assets/{*path}", get(graphiql::asset))
        .route("/reports/{name}", get(reports::report))
        .route(
            "/open311/v2/{*path}",
            get(open311::endpoint).post(open311::post_endpoint),
        )
        .route(
            "/graphql",
            get(graphql_http::get_or_websocket).post(graphql_http::post),
        )
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(metrics::render))
        .route("/tlog/checkpoint", get(tlog_tiles::checkpoint))
        .route("/tlog/key", get(tlog_tiles::verifier_key))
        .route("/tlog/tile/{*path}", get(tlog_tiles::tile))
        .route("/backup/head", get(backup::head))
        .route("/backup/ledger", get(backup::ledger))
        .route("/backup/idempotency", get(backup::idempotency))
        .route("/backup/tokens", get(backup::tokens))
        .route("/backup/personal", get(backup::personal))
        .layer(DefaultBodyLimit::max(REQUEST_BODY_BYTES_MAX))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts every request and its latency, by route.
async fn observe(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let route = metrics::Route::of(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .record_request(route, response.status(), started.elapsed());
    response
}

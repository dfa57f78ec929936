//! Subscriptions over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`). The
//! token travels in `connection_init` (`{"Authorization": "Bearer …"}`); a bad one closes
//! the connection. At most `WEBSOCKET_CONNECTIONS_MAX` connections are open at once, and a
//! socket that sends no `connection_init` within the configured timeout (10 s by default) is
//! closed with 4408 "Connection initialisation timeout", as the protocol specifies. The token
//! is checked again every `TOKEN_RECHECK_INTERVAL` while the socket is open: once it is
//! revoked, the socket is closed with 4403 "Forbidden". Operations are held to GraphQL over
//! HTTP's rules (`websocket_executor.rs`): persisted and trusted documents, the introspection
//! schema for introspection, at most 100 errors.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::futures_util::stream::{SplitStream, Stream};
use async_graphql::futures_util::{self as futures_util, SinkExt, StreamExt};
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{FromRequestParts, Request, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::access::TokenStore;
use crate::error::{ErrorCode, api_error};
use crate::server::ServerState;
use crate::server::auth::{Refusal, principal_from_authorization};
use crate::server::websocket_executor::WebSocketExecutor;

pub(crate) async fn upgrade(state: ServerState, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
        Ok(protocol) => protocol,
        Err(status) => {
            return (status, "ask for the graphql-transport-ws subprotocol\n").into_response();
        }
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(permit) = state.websocket_permits.clone().try_acquire_owned() else {
        tracing::warn!("refused a WebSocket: connection limit reached");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many open subscriptions; retry later\n",
        )
            .into_response();
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| async move {
            let _permit = permit;
            let tokens = state.service.tokens.clone();
            let mut shutting_down = state.shutting_down.clone();
            let (mut sink, stream) = socket.split();
            let init_timed_out = Arc::new(AtomicBool::new(false));
            let stream = closing_without_init(
                stream,
                state.connection_init_timeout,
                Arc::clone(&init_timed_out),
            );
            let authorized = Authorized::default();
            let on_init = {
                let (tokens, authorized) = (tokens.clone(), authorized.clone());
                move |payload| authenticate(tokens, authorized, payload)
            };
            let executor = WebSocketExecutor {
                schema: state.schema.clone(),
                introspection_schema: state.introspection_schema.clone(),
                documents: Arc::clone(&state.documents),
            };
            let connection = GraphQLWebSocket::new_with_pair(&mut sink, stream, executor, protocol)
                .on_connection_init(on_init)
                .serve();
            let mut token_revoked = false;
            tokio::select! {
                () = connection => {},
                _ = shutting_down.wait_for(|stopping| *stopping) => {
                    tracing::debug!("closing a WebSocket for shutdown");
                },
                () = until_revoked(tokens, authorized, TOKEN_RECHECK_INTERVAL) => {
                    tracing::info!("closing a WebSocket whose token was revoked");
                    token_revoked = true;
                },
            }
            if token_revoked {
                let close = Message::Close(Some(CloseFrame {
                    code: FORBIDDEN_CLOSE_CODE,
                    reason: "Forbidden: the token was revoked".into(),
                }));
                let _ = sink.send(close).await;
                let _ = sink.close().await;
            }
            if init_timed_out.load(Ordering::Acquire) {
                tracing::info!(
                    timeout_ms = state.connection_init_timeout.as_millis(),
                    "closing a WebSocket that sent no connection_init"
                );
                let close = Message::Close(Some(CloseFrame {
                    code: CONNECTION_INIT_TIMEOUT_CLOSE_CODE,
                    reason: "Connection initialisation timeout".into(),
                }));
                let _ = sink.send(close).await;
                let _ = sink.close().await;
            }
        })
}

/// The close code `graphql-transport-ws` gives a socket that sent no `connection_init` in
/// time.
const CONNECTION_INIT_TIMEOUT_CLOSE_CODE: u16 = 4408;
/// The close code `graphql-transport-ws` gives a socket that may no longer subscribe.
const FORBIDDEN_CLOSE_CODE: u16 = 4403;
/// How often an open socket's token is checked again (a check is a file `stat` and a table
/// lookup, or only the lookup on a PostgreSQL ledger), so a revoke reaches open sockets
/// within this time (plus, on a PostgreSQL ledger, the node's `JOURNAL_POLL_INTERVAL` at
/// most: within a second in all).
const TOKEN_RECHECK_INTERVAL: Duration = Duration::from_millis(500);

/// The `Authorization` value a socket authenticated with, once it has.
type Authorized = Arc<Mutex<Option<String>>>;

/// Returns once the socket's token is unknown or revoked (never for a public socket, and not
/// for a failing token store: that is not a revoke).
async fn until_revoked(tokens: TokenStore, authorized: Authorized, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let authorization = authorized
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let Some(authorization) = authorization else {
            continue;
        };
        let checked = principal_from_authorization(&tokens, Some(&authorization), "websocket");
        if let Err(Refusal::UnknownToken) = checked {
            return;
        }
    }
}

/// The client's messages, ending early (and setting `timed_out`) when no `connection_init`
/// arrives within `timeout`; the caller then closes the socket with 4408. The protocol
/// demands the bound: a socket that never initialises must not hold a connection slot.
fn closing_without_init(
    stream: SplitStream<WebSocket>,
    timeout: Duration,
    timed_out: Arc<AtomicBool>,
) -> impl Stream<Item = Result<Message, axum::Error>> {
    let deadline = Some(Box::pin(tokio::time::sleep(timeout)));
    futures_util::stream::unfold((stream, deadline), move |(mut stream, mut deadline)| {
        let timed_out = Arc::clone(&timed_out);
        async move {
            let message = match deadline.as_mut() {
                None => stream.next().await?,
                Some(sleep) => tokio::select! {
                    message = stream.next() => message?,
                    () = sleep.as_mut() => {
                        timed_out.store(true, Ordering::Release);
                        return None;
                    }
                },
            };
            if deadline.is_some() && message.as_ref().is_ok_and(is_connection_init) {
                deadline = None;
            }
            Some((message, (stream, deadline)))
        }
    })
}

/// Whether a client message is `connection_init` (in either protocol).
fn is_connection_init(message: &Message) -> bool {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: String,
    }
    let envelope = match message {
        Message::Text(text) => serde_json::from_str::<Envelope>(text.as_str()),
        Message::Binary(bytes) => serde_json::from_slice::<Envelope>(bytes),
        _ => return false,
    };
    envelope.is_ok_and(|envelope| envelope.kind == "connection_init")
}

async fn authenticate(
    tokens: TokenStore,
    authorized: Authorized,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let authorization = ["Authorization", "authorization"]
        .iter()
        .find_map(|key| payload.get(key).and_then(|v| v.as_str()))
        .map(str::to_string)
        .or_else(|| {
            payload
                .get("token")
                .and_then(|v| v.as_str())
                .map(|token| format!("Bearer {token}"))
        });
    let principal = principal_from_authorization(&tokens, authorization.as_deref(), "websocket")
        .map_err(|refusal| api_error(ErrorCode::Unauthenticated, refusal.message()))?;
    *authorized
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = authorization;
    let mut data = Data::default();
    data.insert(principal);
    Ok(data)
}

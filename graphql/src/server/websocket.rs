//! Subscriptions over WebSocket (`graphql-transport-ws`, and the legacy `graphql-ws`). The
//! token travels in `connection_init` (`{"Authorization": "Bearer …"}`); a bad one closes
//! the connection. At most `WEBSOCKET_CONNECTIONS_MAX` connections are open at once.

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{FromRequestParts, Request, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::access::TokenStore;
use crate::error::{ErrorCode, api_error};
use crate::server::ServerState;
use crate::server::auth::principal_from_authorization;

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
            let connection = GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
                .on_connection_init(move |payload| authenticate(tokens, payload))
                .serve();
            tokio::select! {
                () = connection => {},
                _ = shutting_down.wait_for(|stopping| *stopping) => {
                    tracing::debug!("closing a WebSocket for shutdown");
                },
            }
        })
}

async fn authenticate(
    tokens: TokenStore,
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
    let mut data = Data::default();
    data.insert(principal);
    Ok(data)
}

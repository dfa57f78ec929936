//! A `graphql-transport-ws` client for subscription tests.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{WebSocketStream, client_async};

pub struct GraphQlSocket {
    socket: WebSocketStream<TcpStream>,
}

impl GraphQlSocket {
    /// Connects, sends `connection_init` with the token (if any) and waits for the ack;
    /// `Err` carries the close reason when the server refuses.
    pub async fn connect(address: &str, token: Option<&str>) -> Result<GraphQlSocket, String> {
        let mut client = GraphQlSocket::open(address).await?;
        let payload = match token {
            Some(token) => serde_json::json!({ "Authorization": format!("Bearer {token}") }),
            None => serde_json::json!({}),
        };
        client
            .send(serde_json::json!({ "type": "connection_init", "payload": payload }))
            .await;
        match client.next_message().await {
            Some(message) if message["type"] == "connection_ack" => Ok(client),
            other => Err(format!("no ack: {other:?}")),
        }
    }

    /// Opens the socket (`graphql-transport-ws`) without sending `connection_init`.
    pub async fn open(address: &str) -> Result<GraphQlSocket, String> {
        let mut request = format!("ws://{address}/graphql")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().map_err(|_| "header")?,
        );
        let stream = TcpStream::connect(address)
            .await
            .map_err(|e| e.to_string())?;
        let (socket, _) = client_async(request, stream)
            .await
            .map_err(|e| e.to_string())?;
        Ok(GraphQlSocket { socket })
    }

    pub async fn send(&mut self, message: serde_json::Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("sends");
    }

    /// Starts subscription `id` with variables; its events arrive as `next` messages.
    pub async fn subscribe_with(&mut self, id: &str, query: &str, variables: serde_json::Value) {
        self.send(serde_json::json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// The next JSON message; `None` once the server closed the socket.
    pub async fn next_message(&mut self) -> Option<serde_json::Value> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => return serde_json::from_str(&text).ok(),
                Ok(Message::Close(frame)) => {
                    return Some(serde_json::json!({
                        "type": "close",
                        "code": frame.as_ref().map(|f| u16::from(f.code)),
                        "reason": frame.map(|f| f.reason.to_string()),
                    }));
                }
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

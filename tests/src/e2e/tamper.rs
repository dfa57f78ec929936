//! A proxy in front of the real server that alters one answer on its way to the browser: a
//! byte of one tile, or the checkpoint swapped for one signed by another key. It stands for
//! a server that lies, so the explorer's in-browser check can be shown to catch it, and the
//! server itself needs no tampering switch.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::e2e::http::try_request;

/// Largest request head or body the proxy reads (the explorer sends small queries).
const REQUEST_BYTES_MAX: usize = 1024 * 1024;

/// What the proxy changes.
#[derive(Debug, Clone)]
pub enum Tampering {
    /// XORs the byte at `at` of the body served at `path` (e.g. `/tlog/tile/entries/001`).
    FlipTileByte { path: String, at: usize },
    /// Serves `note` at `/tlog/checkpoint` instead of the log's checkpoint.
    ReplaceCheckpoint { note: String },
}

pub struct TamperingProxy {
    pub address: String,
    task: tokio::task::JoinHandle<()>,
}

impl TamperingProxy {
    /// Listens on `127.0.0.1:0` and forwards every request to `upstream` (`host:port`).
    pub async fn start(upstream: String, tampering: Tampering) -> TamperingProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds");
        let address = listener.local_addr().expect("a bound address").to_string();
        let shared = Arc::new((upstream, tampering));
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let _ = forward(stream, &shared.0, &shared.1).await;
                });
            }
        });
        TamperingProxy { address, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for TamperingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request, answered with `Connection: close`.
async fn forward(
    mut stream: TcpStream,
    upstream: &str,
    tampering: &Tampering,
) -> Result<(), String> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
        if read == 0 {
            return Err("closed before a request".into());
        }
        raw.extend_from_slice(&buffer[..read]);
        if let Some(at) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if raw.len() > REQUEST_BYTES_MAX {
            return Err("request head too large".into());
        }
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_string();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let path = parts.next().unwrap_or("/").to_string();
    // Only what the API needs; no Accept-Encoding, so bodies come back as they are.
    let kept: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .filter(|(n, _)| {
            ["content-type", "accept", "authorization"].contains(&n.to_ascii_lowercase().as_str())
        })
        .collect();
    let length: usize = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    if length > REQUEST_BYTES_MAX {
        return Err("request body too large".into());
    }
    let mut body = raw[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    let headers: Vec<(&str, &str)> = kept.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let response = try_request(upstream, &method, &path, &headers, &body).await?;
    let mut answer = response.raw_body.clone();
    let mut status = response.status;
    match tampering {
        Tampering::FlipTileByte { path: target, at } if *target == path => {
            if let Some(byte) = answer.get_mut(*at) {
                *byte ^= 0x01;
            }
        }
        Tampering::ReplaceCheckpoint { note } if path == "/tlog/checkpoint" => {
            answer = note.clone().into_bytes();
            status = 200;
        }
        _ => {}
    }
    let mut out = format!("HTTP/1.1 {status} X\r\n");
    for (name, value) in &response.headers {
        if ![
            "content-length",
            "transfer-encoding",
            "connection",
            "content-encoding",
        ]
        .contains(&name.as_str())
        {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        answer.len()
    ));
    stream
        .write_all(out.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    stream.write_all(&answer).await.map_err(|e| e.to_string())?;
    stream.shutdown().await.map_err(|e| e.to_string())
}

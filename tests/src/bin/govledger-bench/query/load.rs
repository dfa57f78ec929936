//! The load generator: keep-alive HTTP/1.1 clients, each sending the same POST back to back
//! and timing every exchange.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::BenchError;
use crate::report::Latencies;

/// Requests a connection sends before the measured window (connection set-up, caches).
const WARM_UP_REQUESTS: usize = 20;
/// Bytes read from the socket at a time.
const READ_CHUNK_BYTES: usize = 16 * 1024;

/// What one load window measured.
pub(super) struct LoadResult {
    pub(super) requests: usize,
    pub(super) elapsed: Duration,
    pub(super) latencies: Latencies,
}

impl LoadResult {
    pub(super) fn requests_per_s(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// The POST a client sends for a JSON `body`.
pub(super) fn post_request(address: &str, body: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// `connections` clients, each on its own keep-alive connection, sending `request` back to
/// back for `window`; every exchange must answer 200.
pub(super) async fn load(
    address: &str,
    request: &str,
    connections: usize,
    window: Duration,
) -> Result<LoadResult, BenchError> {
    let mut clients = Vec::with_capacity(connections);
    let mut ready = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut connection = Connection::open(address).await?;
        for _ in 0..WARM_UP_REQUESTS {
            connection.exchange(request.as_bytes()).await?;
        }
        ready.push(connection);
    }
    let started = Instant::now();
    let deadline = started + window;
    for mut connection in ready {
        let request = request.to_string();
        clients.push(tokio::spawn(async move {
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
    Ok(LoadResult {
        requests: samples.len(),
        elapsed: started.elapsed(),
        latencies: Latencies::new(samples),
    })
}

/// One request on a fresh connection; returns the body.
pub(super) async fn one_request(address: &str, request: &str) -> Result<String, BenchError> {
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
            buffer: Vec::with_capacity(READ_CHUNK_BYTES),
        })
    }

    /// Sends one request and returns the response body; a status other than 200 is an error.
    async fn exchange(&mut self, request: &[u8]) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(request).await?;
        loop {
            if let Some(head_end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..head_end]).to_ascii_lowercase();
                if !head.starts_with("http/1.1 200") {
                    let status = head.lines().next().unwrap_or_default().to_string();
                    return Err(std::io::Error::other(format!("answered {status}")));
                }
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
        let mut chunk = [0u8; READ_CHUNK_BYTES];
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

//! The load generator: keep-alive HTTP/1.1 clients, each sending POSTs back to back (the same
//! one, or one made per request) and timing every exchange.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
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
pub(crate) struct LoadResult {
    pub(crate) requests: usize,
    pub(crate) elapsed: Duration,
    pub(crate) latencies: Latencies,
}

impl LoadResult {
    pub(crate) fn requests_per_s(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// The POST a client sends for a JSON `body`.
pub(crate) fn post_request(address: &str, body: &str) -> String {
    format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Accept: application/graphql-response+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// `connections` clients, each on its own keep-alive connection, sending `request` back to
/// back for `window`; every exchange must answer 200.
pub(crate) async fn load(
    address: &str,
    request: &str,
    connections: usize,
    window: Duration,
) -> Result<LoadResult, BenchError> {
    let request: Arc<[u8]> = request.as_bytes().into();
    load_with(
        address,
        connections,
        Until::Elapsed(window),
        Answer::Any,
        move || Arc::clone(&request),
    )
    .await
}

/// When a load ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Until {
    /// After this long.
    Elapsed(Duration),
    /// Once this many requests were sent in all (shared by the clients).
    Requests(usize),
}

/// What an answer must hold besides status 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    Any,
    /// No GraphQL `errors` entry and no `userErrors` (a refused write must not count).
    NoErrors,
}

/// `connections` clients, each on its own keep-alive connection, sending what `make` returns
/// (called once per request, e.g. a command with a fresh id) back to back `until` the end.
pub(crate) async fn load_with<R, F>(
    address: &str,
    connections: usize,
    until: Until,
    answer: Answer,
    make: F,
) -> Result<LoadResult, BenchError>
where
    R: AsRef<[u8]> + Send + 'static,
    F: Fn() -> R + Clone + Send + 'static,
{
    let mut clients = Vec::with_capacity(connections);
    let mut ready = Vec::with_capacity(connections);
    for _ in 0..connections {
        let mut connection = Connection::open(address).await?;
        for _ in 0..WARM_UP_REQUESTS {
            let body = connection.exchange(make().as_ref()).await?;
            check(answer, &body)?;
        }
        ready.push(connection);
    }
    let sent_in_all = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    for mut connection in ready {
        let make = make.clone();
        let sent_in_all = Arc::clone(&sent_in_all);
        clients.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let more = match until {
                    Until::Elapsed(window) => started.elapsed() < window,
                    Until::Requests(total) => sent_in_all.fetch_add(1, Ordering::Relaxed) < total,
                };
                if !more {
                    break;
                }
                let request = make();
                let sent = Instant::now();
                let body = connection.exchange(request.as_ref()).await?;
                samples.push(sent.elapsed());
                check(answer, &body)?;
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

fn check(answer: Answer, body: &[u8]) -> std::io::Result<()> {
    let refused = find(body, b"\"errors\"").is_some() || find(body, b"\"userErrors\":[{").is_some();
    if answer == Answer::NoErrors && refused {
        return Err(std::io::Error::other(format!(
            "answered {}",
            String::from_utf8_lossy(body)
        )));
    }
    Ok(())
}

/// One request on a fresh connection; returns the body.
pub(crate) async fn one_request(address: &str, request: &str) -> Result<String, BenchError> {
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
                if !head.starts_with("http/1.1 200") {
                    let status = head.lines().next().unwrap_or_default().to_string();
                    return Err(std::io::Error::other(format!(
                        "answered {status}: {}",
                        String::from_utf8_lossy(&body)
                    )));
                }
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

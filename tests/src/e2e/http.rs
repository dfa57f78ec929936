//! A small HTTP/1.1 client over a tokio `TcpStream`: one request per connection
//! (`Connection: close`), enough for a test to see statuses, headers and bodies exactly.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The body's exact bytes (tiles are binary).
    pub body_bytes: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.body))
    }
}

/// Sends one request; `headers` are extra `(name, value)` pairs.
pub async fn request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    try_request(address, method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// Sends one request; an error when the server could not be reached or closed the
/// connection before a status line (a crash test expects that of a killed server).
pub async fn try_request(
    address: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream
        .write_all(head.as_bytes())
        .await
        .map_err(|e| format!("cannot send the request head: {e}"))?;
    // The server may answer (413) before reading a large body; a reset is then expected.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    parse(&raw)
}

fn parse(raw: &[u8]) -> Result<HttpResponse, String> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n");
    let (head_bytes, body_bytes) = match split {
        Some(at) => (&raw[..at], &raw[at + 4..]),
        None => (raw, &raw[raw.len()..]),
    };
    let head = String::from_utf8_lossy(head_bytes);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no status line in {:?}", String::from_utf8_lossy(raw)))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body_bytes = if chunked {
        dechunk(body_bytes)
    } else {
        body_bytes.to_vec()
    };
    Ok(HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body_bytes).to_string(),
        body_bytes,
    })
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
            break;
        };
        let rest = &body[line_end + 2..];
        if size == 0 || rest.len() < size {
            break;
        }
        out.extend_from_slice(&rest[..size]);
        body = rest[size..].strip_prefix(b"\r\n").unwrap_or(&rest[size..]);
    }
    out
}

/// POSTs a GraphQL request (`application/graphql-response+json`), with a bearer token when
/// given.
pub async fn graphql(
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> HttpResponse {
    try_graphql(address, token, query, variables)
        .await
        .unwrap_or_else(|e| panic!("POST /graphql: {e}"))
}

/// [`graphql`], with an error instead of a panic when the server is gone.
pub async fn try_graphql(
    address: &str,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> Result<HttpResponse, String> {
    let body = serde_json::json!({ "query": query, "variables": variables }).to_string();
    let authorization = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Accept", "application/graphql-response+json"),
    ];
    if let Some(value) = &authorization {
        headers.push(("Authorization", value));
    }
    try_request(address, "POST", "/graphql", &headers, body.as_bytes()).await
}

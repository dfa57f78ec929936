//! The CLI's HTTP/1.1 client (`tlog verify --log`, `backup`): hyper's client connection over
//! a tokio `TcpStream`, one request per connection, bounded in time and in body size. Plain
//! `http://` only; a server behind TLS is reached through a local proxy (as witnesses are).

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Longest a server may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest a server may take to send the answer's head, or between two parts of its body.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    #[error("{0}: expected http://host:port[/path]")]
    BadUrl(String),
    #[error("GET {url}: {reason}")]
    Failed { url: String, reason: String },
    #[error("GET {url}: answered {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("GET {url}: the answer is longer than {limit} bytes")]
    TooLong { url: String, limit: usize },
}

/// A server's base URL: `http://host:port[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    host: String,
    prefix: String,
}

impl BaseUrl {
    pub fn parse(text: &str) -> Result<BaseUrl, HttpClientError> {
        let bad = || HttpClientError::BadUrl(text.to_string());
        let rest = text.strip_prefix("http://").ok_or_else(bad)?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let unsafe_char = |c: char| c.is_whitespace() || c.is_control() || "@?#".contains(c);
        if host.is_empty() || rest.chars().any(unsafe_char) {
            return Err(bad());
        }
        Ok(BaseUrl {
            host: host.to_string(),
            prefix: path.trim_end_matches('/').to_string(),
        })
    }

    /// The URL of `path` (which starts with `/`) below the base.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}{path}", self.host, self.prefix)
    }
}

/// An answer whose body is still to be read.
pub struct Answer {
    pub url: String,
    pub status: u16,
    pub headers: hyper::HeaderMap,
    body: Incoming,
    _connection: tokio::task::JoinHandle<()>,
}

impl Answer {
    /// The next part of the body; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, HttpClientError> {
        loop {
            let frame = tokio::time::timeout(IDLE_TIMEOUT, self.body.frame())
                .await
                .map_err(|_| self.failed("the body stalled".into()))?;
            match frame {
                None => return Ok(None),
                Some(Err(error)) => return Err(self.failed(error.to_string())),
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        return Ok(Some(data));
                    }
                }
            }
        }
    }

    /// The whole body, refused past `limit` bytes.
    pub async fn bytes(mut self, limit: usize) -> Result<Vec<u8>, HttpClientError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if body.len() + chunk.len() > limit {
                return Err(HttpClientError::TooLong {
                    url: self.url,
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// The body when the status is 200, else an error quoting the start of the body.
    pub async fn ok_bytes(self, limit: usize) -> Result<Vec<u8>, HttpClientError> {
        if self.status == 200 {
            return self.bytes(limit).await;
        }
        let (url, status) = (self.url.clone(), self.status);
        let body = self.bytes(4096).await.unwrap_or_default();
        Err(HttpClientError::Status {
            url,
            status,
            body: String::from_utf8_lossy(&body).trim().to_string(),
        })
    }

    fn failed(&self, reason: String) -> HttpClientError {
        HttpClientError::Failed {
            url: self.url.clone(),
            reason,
        }
    }
}

/// Sends `GET <base><path>` with extra `headers`; returns once the answer's head is in.
pub async fn get(
    base: &BaseUrl,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Answer, HttpClientError> {
    let url = base.url(path);
    let failed = |reason: String| HttpClientError::Failed {
        url: url.clone(),
        reason,
    };
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&base.host))
        .await
        .map_err(|_| failed("connecting timed out".into()))?
        .map_err(|e| failed(format!("connecting: {e}")))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| failed(e.to_string()))?;
    let connection = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut request = hyper::Request::get(format!("{}{path}", base.prefix))
        .header(hyper::header::HOST, &base.host)
        .header(hyper::header::CONNECTION, "close");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| failed(e.to_string()))?;
    let response = tokio::time::timeout(IDLE_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| failed("no answer in time".into()))?
        .map_err(|e| failed(e.to_string()))?;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    Ok(Answer {
        url,
        status,
        headers: parts.headers,
        body,
        _connection: connection,
    })
}

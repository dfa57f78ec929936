//! Submitting the log's checkpoints to witnesses (C2SP tlog-witness, issue 14): after each
//! new checkpoint, `POST <url>/add-checkpoint` with a consistency proof from the size the
//! witness last cosigned; a 409 `text/x.tlog.size` answer names that size and the request is
//! retried from it. Cosignatures that verify with the witness's key are kept with the
//! checkpoint and served with it at `/tlog/checkpoint`. Plain `http://` only; a witness
//! behind TLS is reached through a local proxy.

use std::sync::Arc;
use std::time::Duration;

use govledger_core::store::TransparencyLog;
use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::tlog::cosignature::CosignatureVerifier;
use govledger_core::tlog::note::split_note;
use govledger_core::tlog::witness::{AddCheckpoint, PROOF_LINES_MAX};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

/// Longest a witness may take to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest one request to a witness may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest witness answer read.
const RESPONSE_BYTES_MAX: u64 = 64 * 1024;
/// Most 409 retries for one checkpoint.
const CONFLICT_RETRIES_MAX: usize = 3;
/// Wait before retrying a checkpoint a witness did not cosign, doubled up to the maximum.
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);

/// A witness the server submits to: `http://host:port[/prefix]+<cosignature verifier key>`.
#[derive(Debug, Clone)]
pub struct WitnessTarget {
    host: String,
    path_prefix: String,
    verifier: CosignatureVerifier,
}

impl WitnessTarget {
    /// Parses `URL+VKEY`; the URL holds no `+` (the key's name holds none either).
    pub fn parse(text: &str) -> Result<WitnessTarget, String> {
        let (url, key) = text
            .split_once('+')
            .ok_or("expected <http://host:port[/prefix]>+<witness verifier key>")?;
        let rest = url
            .strip_prefix("http://")
            .ok_or("the witness URL must start with http://")?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let unsafe_char = |c: char| c.is_whitespace() || c.is_control() || "@?#".contains(c);
        if host.is_empty() || rest.chars().any(unsafe_char) {
            return Err("the witness URL names no host, or holds a space, '@', '?' or '#'".into());
        }
        let verifier = CosignatureVerifier::parse(key).map_err(|e| e.to_string())?;
        Ok(WitnessTarget {
            host: host.to_string(),
            path_prefix: path.trim_end_matches('/').to_string(),
            verifier,
        })
    }

    pub fn name(&self) -> &str {
        self.verifier.name()
    }
}

/// A witness's answer.
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

async fn post(target: &WitnessTarget, body: &str) -> Result<Answer, String> {
    let mut stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&target.host))
        .await
        .map_err(|_| "connecting timed out".to_string())?
        .map_err(|e| format!("connecting: {e}"))?;
    let exchange = async {
        let head = format!(
            "POST {}/add-checkpoint HTTP/1.1\r\nHost: {}\r\nContent-Type: text/plain\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            target.path_prefix,
            target.host,
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        let mut raw = Vec::new();
        (&mut stream)
            .take(RESPONSE_BYTES_MAX)
            .read_to_end(&mut raw)
            .await?;
        Ok::<Vec<u8>, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .map_err(|_| "the request timed out".to_string())?
        .map_err(|e| format!("the request failed: {e}"))?;
    parse_answer(&raw)
}

fn parse_answer(raw: &[u8]) -> Result<Answer, String> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the answer has no header end")?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or("the answer has no status line")?;
    let mut content_type = String::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked answers are not read".into());
        }
        if name.eq_ignore_ascii_case("content-type") {
            content_type = value.trim().to_string();
        }
    }
    Ok(Answer {
        status,
        content_type,
        body: body.to_string(),
    })
}

/// What one submission of a checkpoint came to.
enum Submitted {
    Cosigned,
    /// Worth retrying later (the witness unreachable, a transient answer).
    Failed(String),
}

/// Submits `kept` to `target`, retrying from the size a 409 names; keeps the cosignature.
async fn submit(
    store: &Arc<dyn TransparencyLog>,
    target: &WitnessTarget,
    witness_size: &mut u64,
    kept: &StoredCheckpoint,
) -> Submitted {
    let Some(checkpoint) = kept.checkpoint() else {
        return Submitted::Failed("the kept checkpoint does not parse".into());
    };
    let Ok((text, _)) = split_note(&kept.note) else {
        return Submitted::Failed("the kept note does not parse".into());
    };
    for _ in 0..=CONFLICT_RETRIES_MAX {
        let old_size = *witness_size;
        if old_size > checkpoint.tree_size {
            return Submitted::Failed(format!(
                "the witness cosigned {old_size} leaves, more than this log's {}",
                checkpoint.tree_size
            ));
        }
        let proof = if old_size == 0 {
            Vec::new()
        } else {
            let reader = Arc::clone(store);
            let size = checkpoint.tree_size;
            match tokio::task::spawn_blocking(move || reader.consistency_proof(old_size, size))
                .await
            {
                Ok(Ok(proof)) if proof.len() <= PROOF_LINES_MAX => proof,
                Ok(Ok(_)) => return Submitted::Failed("the proof is too long".into()),
                Ok(Err(error)) => return Submitted::Failed(format!("proving: {error}")),
                Err(error) => return Submitted::Failed(format!("proving: {error}")),
            }
        };
        let body = AddCheckpoint::to_body(old_size, &proof, &kept.note);
        let answer = match post(target, &body).await {
            Ok(answer) => answer,
            Err(error) => return Submitted::Failed(error),
        };
        match answer.status {
            200 => {
                let lines: Vec<String> = answer
                    .body
                    .lines()
                    .filter(|line| target.verifier.verify_line(text, line).is_some())
                    .map(|line| format!("{line}\n"))
                    .collect();
                if lines.is_empty() {
                    return Submitted::Failed("no cosignature by the witness's key".into());
                }
                *witness_size = checkpoint.tree_size;
                let store = Arc::clone(store);
                let size = checkpoint.tree_size;
                return match tokio::task::spawn_blocking(move || {
                    store.add_cosignatures(size, &lines)
                })
                .await
                {
                    Ok(Ok(_)) => Submitted::Cosigned,
                    Ok(Err(error)) => {
                        Submitted::Failed(format!("keeping the cosignature: {error}"))
                    }
                    Err(error) => Submitted::Failed(format!("keeping the cosignature: {error}")),
                };
            }
            409 if answer.content_type.starts_with("text/x.tlog.size") => {
                let Some(size) = answer.body.trim_end().parse::<u64>().ok() else {
                    return Submitted::Failed("a 409 without a size".into());
                };
                if size == old_size {
                    return Submitted::Failed("the witness named the size sent".into());
                }
                *witness_size = size;
            }
            status => {
                let reason = answer.body.trim_end().chars().take(300).collect::<String>();
                if status == 409 || status == 422 {
                    tracing::error!(
                        witness = target.name(),
                        status,
                        %reason,
                        "the witness refused this log's checkpoint as not extending the one it cosigned"
                    );
                }
                return Submitted::Failed(format!("status {status}: {reason}"));
            }
        }
    }
    Submitted::Failed("the witness's size kept changing".into())
}

/// Submits every newly signed checkpoint to `target`, until the channel closes.
pub async fn witness_checkpoints(
    store: Arc<dyn TransparencyLog>,
    target: WitnessTarget,
    mut signed: watch::Receiver<Option<StoredCheckpoint>>,
) {
    // Unknown at start: the first request (old 0) makes the witness name its size.
    let mut witness_size = 0;
    let mut retry_after: Option<Duration> = None;
    loop {
        let latest = signed.borrow_and_update().clone();
        if let Some(kept) = latest {
            match submit(&store, &target, &mut witness_size, &kept).await {
                Submitted::Cosigned => {
                    tracing::debug!(
                        witness = target.name(),
                        tree_size = kept.tree_size,
                        "cosigned"
                    );
                    retry_after = None;
                }
                Submitted::Failed(reason) => {
                    tracing::warn!(witness = target.name(), tree_size = kept.tree_size, %reason, "not cosigned");
                    let wait = retry_after.map_or(RETRY_FIRST, |w| (w * 2).min(RETRY_MAX));
                    retry_after = Some(wait);
                }
            }
        }
        match retry_after {
            Some(wait) => {
                tokio::select! {
                    changed = signed.changed() => if changed.is_err() { return },
                    () = tokio::time::sleep(wait) => {}
                }
            }
            None => {
                if signed.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witness_targets_parse() {
        let key = govledger_core::tlog::cosignature::Cosigner::new("w.example/w1", &[1; 32])
            .expect("key")
            .verifier()
            .to_text();
        let target = WitnessTarget::parse(&format!("http://127.0.0.1:9/w/+{key}")).expect("ok");
        assert_eq!(
            (target.host.as_str(), target.path_prefix.as_str()),
            ("127.0.0.1:9", "/w")
        );
        assert!(WitnessTarget::parse(&format!("https://x+{key}")).is_err());
        assert!(WitnessTarget::parse("http://x:1").is_err());
        assert!(WitnessTarget::parse(&format!("http://x:1\r\nEvil: 1+{key}")).is_err());
        assert!(WitnessTarget::parse("http://x:1+w+00000000+AQ==").is_err());
        assert!(
            parse_answer(b"HTTP/1.1 409 Conflict\r\ncontent-type: text/x.tlog.size\r\n\r\n4\n")
                .is_ok()
        );
    }
}

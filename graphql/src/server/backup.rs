//! `/backup/…` (ADR 0009): an online backup of the running server, for a
//! `DirectoryAdministrator` token only. `head` fixes the head *H* a backup is taken at; the
//! parts are then asked for up to it: `ledger?from=F&through=H` (the export format,
//! streamed), `idempotency?after=A&through=H`, `tokens?through=H` and
//! `personal?through=H&recipient=age1…` (encrypted here, before it leaves the process).
//! Each part but the ledger starts with a header naming the ledger and H.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use govledger_core::domain::role::Role;
use govledger_core::error::StoreError;
use govledger_core::hash::Hash256;
use govledger_core::store::EventStore;
use govledger_core::store::sled_store::{IDEMPOTENCY_PAGE_MAX, SledStore};
use serde_json::json;
use tokio::sync::mpsc;

use crate::access::{Principal, token_log_copy};
use crate::backup::parts::{IdempotencyLine, Part, PartHeader};
use crate::backup::{ledger_id, personal};
use crate::ledger_file::write_export;
use crate::server::ServerState;
use crate::server::auth::{Refusal, principal_from_authorization};

/// Bytes a part's writer gathers before handing them to the connection.
const CHUNK_BYTES: usize = 64 * 1024;
/// Chunks buffered between a part's writer and the connection.
const CHUNKS_BUFFERED: usize = 16;

/// A refusal, answered as plain text.
pub(crate) struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (
            self.0,
            [(header::CACHE_CONTROL, "no-store")],
            format!("{}\n", self.1),
        )
            .into_response()
    }
}

/// Online backups read the sled ledger's own trees; on PostgreSQL, use its tools (pg_dump,
/// PITR; docs/operations.md).
fn sled(state: &ServerState) -> Result<Arc<SledStore>, Refused> {
    state
        .service
        .sled("online backup")
        .map_err(|refused| error(StatusCode::NOT_IMPLEMENTED, &refused.to_string()))
}

fn error(status: StatusCode, message: &str) -> Refused {
    Refused(status, message.to_string())
}

/// Only a directory administrator (the operator) may take a backup.
fn operator(state: &ServerState, headers: &HeaderMap) -> Result<(), Refused> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match principal_from_authorization(&state.service.tokens, authorization, "backup") {
        Ok(Principal::Member(grant)) if grant.role == Role::DirectoryAdministrator => Ok(()),
        Ok(principal) => {
            tracing::warn!(caller = %principal.describe(), "backup refused: not an operator");
            Err(error(
                StatusCode::FORBIDDEN,
                "only a directory_administrator token may take a backup",
            ))
        }
        Err(Refusal::Unavailable) => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            Refusal::Unavailable.message(),
        )),
        Err(refusal) => Err(error(StatusCode::UNAUTHORIZED, refusal.message())),
    }
}

fn number(params: &HashMap<String, String>, name: &str) -> Result<Option<u64>, Refused> {
    params
        .get(name)
        .map(|text| {
            text.parse::<u64>().map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    &format!("`{name}` must be a whole number"),
                )
            })
        })
        .transpose()
}

fn store_failed(error_value: &StoreError) -> Refused {
    tracing::error!(error = %error_value, "serving a backup");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the ledger could not be read; see the server log",
    )
}

/// The hash at `position` (the genesis hash at 0).
fn hash_at(store: &SledStore, position: u64) -> Result<Option<Hash256>, StoreError> {
    if position == 0 {
        return Ok(Some(Hash256::GENESIS));
    }
    Ok(store.read_event(position)?.map(|event| event.hash))
}

/// The ledger's identity and the head hash at `through`, which must not pass the head.
fn fixed_head(store: &SledStore, through: u64) -> Result<(String, Hash256), Refused> {
    let head = store.head().position;
    if through > head {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("`through` {through} is past the head {head}"),
        ));
    }
    let first = hash_at(store, 1).map_err(|e| store_failed(&e))?;
    let at = hash_at(store, through)
        .map_err(|e| store_failed(&e))?
        .ok_or_else(|| {
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the head is not readable",
            )
        })?;
    Ok((ledger_id(first.filter(|_| head > 0)), at))
}

/// `GET /backup/head[?position=P]`: the head, the ledger's identity, the latest checkpoint
/// at or below the head, and (with `position`) the hash at P, to check an earlier backup's
/// head is still a prefix.
pub(crate) async fn head(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    operator(&state, &headers)?;
    let position = number(&params, "position")?;
    let store = sled(&state)?;
    let answer = tokio::task::spawn_blocking(move || {
        let head = store.head();
        let (id, _) = fixed_head(&store, head.position)?;
        let checkpoint = store
            .checkpoints(Some(head.position + 1), 1)
            .map_err(|e| store_failed(&e))?
            .into_iter()
            .next()
            .map(|kept| kept.note);
        let hash_at_position = match position {
            Some(p) if p <= head.position => hash_at(&store, p)
                .map_err(|e| store_failed(&e))?
                .map(|h| h.to_hex()),
            _ => None,
        };
        Ok::<_, Refused>(json!({
            "ledger_id": id,
            "head_position": head.position,
            "head_hash": head.hash.to_hex(),
            "latest_checkpoint": checkpoint,
            "hash_at_position": hash_at_position,
        }))
    })
    .await;
    let body = answer
        .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "the backup task failed"))??;
    Ok(([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response())
}

/// A `Write` that hands its bytes to the connection in chunks (from a blocking thread).
struct ChannelWriter {
    buffer: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buffer));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// Streams what `produce` writes (on a blocking thread); an error ends the body early, so
/// the client sees a part cut short, never a part that looks whole.
fn stream(
    content_type: &'static str,
    produce: impl FnOnce(&mut ChannelWriter) -> Result<(), String> + Send + 'static,
) -> Response {
    let (tx, rx) = mpsc::channel(CHUNKS_BUFFERED);
    tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter {
            buffer: Vec::with_capacity(CHUNK_BYTES),
            tx: tx.clone(),
        };
        let outcome = produce(&mut writer).and_then(|()| writer.send().map_err(|e| e.to_string()));
        if let Err(reason) = outcome {
            tracing::error!(%reason, "a backup part stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other(reason)));
        }
    });
    let body = async_graphql::futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// `through` (required) and the fixed head it names.
fn through(
    state: &ServerState,
    params: &HashMap<String, String>,
) -> Result<(u64, String, Hash256), Refused> {
    let through = number(params, "through")?
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, "`through` is required"))?;
    let (id, hash) = fixed_head(sled(state)?.as_ref(), through)?;
    Ok((through, id, hash))
}

/// `GET /backup/ledger?from=F&through=H[&checkpoints_from=S]`: positions F..=H in the
/// export format, with the log's key line (from 1) and the checkpoints of trees of S..=H
/// events (S defaults to F: a resumed part asks for the checkpoint of its last event again).
pub(crate) async fn ledger(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    operator(&state, &headers)?;
    let from = number(&params, "from")?;
    let (through, _, _) = through(&state, &params)?;
    let checkpoints_from = number(&params, "checkpoints_from")?;
    let from = from.unwrap_or(1).max(1);
    let checkpoints_from = checkpoints_from.unwrap_or(if from == 1 { 0 } else { from });
    let store = sled(&state)?;
    let log_key = state.service.log_key.clone().filter(|_| from == 1);
    Ok(stream("application/jsonl", move |out| {
        write_export(
            store.as_ref(),
            from,
            through,
            checkpoints_from,
            log_key.as_ref(),
            out,
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    }))
}

/// `GET /backup/idempotency?after=A&through=H`: the keys whose append ended in (A, H].
pub(crate) async fn idempotency(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    operator(&state, &headers)?;
    let after = number(&params, "after")?;
    let (through, id, hash) = through(&state, &params)?;
    let store = sled(&state)?;
    Ok(stream("application/jsonl", move |out| {
        let header = PartHeader::new(Part::Idempotency, &id, through, &hash);
        out.write_all(header.to_line().as_bytes())
            .map_err(|e| e.to_string())?;
        let mut cursor: Option<String> = None;
        loop {
            let page = store
                .idempotency_keys(
                    cursor.as_deref(),
                    IDEMPOTENCY_PAGE_MAX,
                    after.unwrap_or(0),
                    through,
                )
                .map_err(|e| e.to_string())?;
            for entry in &page.entries {
                let mut line = serde_json::to_string(&IdempotencyLine::new(entry))
                    .map_err(|e| e.to_string())?;
                line.push('\n');
                out.write_all(line.as_bytes()).map_err(|e| e.to_string())?;
            }
            match page.next_after {
                Some(next) => cursor = Some(next),
                None => return Ok(()),
            }
        }
    }))
}

/// `GET /backup/tokens?through=H`: the token log as it stands.
pub(crate) async fn tokens(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    operator(&state, &headers)?;
    let (through, id, hash) = through(&state, &params)?;
    let dir = state
        .service
        .tokens
        .dir()
        .ok_or_else(|| {
            error(
                StatusCode::NOT_FOUND,
                "this server keeps its tokens in the ledger's database",
            )
        })?
        .to_path_buf();
    Ok(stream("application/jsonl", move |out| {
        let log = token_log_copy::snapshot(&dir).map_err(|e| e.to_string())?;
        let header = PartHeader::new(Part::Tokens, &id, through, &hash);
        out.write_all(header.to_line().as_bytes())
            .and_then(|()| out.write_all(&log))
            .map_err(|e| e.to_string())
    }))
}

/// `GET /backup/personal?through=H&recipient=age1…`: the personal data, encrypted to the
/// recipient.
pub(crate) async fn personal(
    State(state): State<ServerState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, Refused> {
    operator(&state, &headers)?;
    let (through, id, hash) = through(&state, &params)?;
    let recipient = params
        .get("recipient")
        .ok_or_else(|| "`recipient` (age1…) is required".to_string())
        .and_then(|text| personal::parse_recipient(text).map_err(|e| e.to_string()))
        .map_err(|message| error(StatusCode::BAD_REQUEST, &message))?;
    if state.service.personal.is_none() {
        return Err(error(
            StatusCode::NOT_FOUND,
            "this server keeps no personal data",
        ));
    }
    let service = state.service.clone();
    Ok(stream("application/octet-stream", move |out| {
        let store = service
            .personal
            .as_ref()
            .ok_or("this server keeps no personal data")?;
        let header = PartHeader::new(Part::Personal, &id, through, &hash);
        personal::write_part(store, &header, &recipient, out)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }))
}

//! The log as C2SP tlog-tiles under `/tlog/` (ADR 0007): `/tlog/checkpoint` (the latest
//! signed checkpoint), `/tlog/tile/<L>/<N>[.p/<W>]` (hash tiles) and
//! `/tlog/tile/entries/<N>[.p/<W>]` (entry bundles holding the exact records). Public, like
//! the records (which hold no personal data by design). Full tiles never change and are
//! cached for a year; a partial tile briefly (a server may drop it once the tile is full);
//! the checkpoint not at all. `/tlog/key` serves the log's verifier key (for the explorer).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use govledger_core::error::StoreError;
use govledger_core::limits::TILE_ENTRY_BYTES_MAX;
use govledger_core::tlog::tile::{TILE_WIDTH, Tile, TileKind};

use crate::server::ServerState;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PARTIAL: &str = "public, max-age=60";
const UNCACHED: &str = "no-cache";

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CACHE_CONTROL, UNCACHED)], text).into_response()
}

fn failed(error: &StoreError) -> Response {
    tracing::error!(%error, "serving the log's tiles");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the log could not be read\n",
    )
}

pub(crate) async fn checkpoint(State(state): State<ServerState>) -> Response {
    let store = state.service.tlog();
    match tokio::task::spawn_blocking(move || store.latest_checkpoint()).await {
        Ok(Ok(Some(kept))) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, UNCACHED),
            ],
            kept.note,
        )
            .into_response(),
        Ok(Ok(None)) => plain(StatusCode::NOT_FOUND, "no checkpoint signed yet\n"),
        Ok(Err(error)) => failed(&error),
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the log could not be read\n",
        ),
    }
}

pub(crate) async fn tile(State(state): State<ServerState>, Path(path): Path<String>) -> Response {
    let Some(tile) = Tile::parse(&path) else {
        return plain(StatusCode::NOT_FOUND, "no such tile\n");
    };
    let store = state.service.tlog();
    if !tile.fits(store.head().position) {
        return plain(
            StatusCode::NOT_FOUND,
            "the tree does not reach this tile yet\n",
        );
    }
    let read = tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>, StoreError> {
        match tile.kind {
            TileKind::Hashes { .. } => {
                let hashes = store.stored_tree_hashes(&tile.stored_hash_numbers())?;
                Ok(Some(hashes.iter().flat_map(|hash| hash.0).collect()))
            }
            TileKind::Entries => {
                let (first, _) = tile.span();
                let mut bundle = Vec::new();
                for record in store.tree_leaves(first, tile.width)? {
                    // Records written before the limit (ADR 0006) may not fit an entry.
                    let Ok(length) = u16::try_from(record.len()) else {
                        return Ok(None);
                    };
                    debug_assert!(record.len() <= TILE_ENTRY_BYTES_MAX);
                    bundle.extend_from_slice(&length.to_be_bytes());
                    bundle.extend_from_slice(&record);
                }
                Ok(Some(bundle))
            }
        }
    })
    .await;
    let cache = if tile.width == TILE_WIDTH {
        IMMUTABLE
    } else {
        PARTIAL
    };
    match read {
        Ok(Ok(Some(body))) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (header::CACHE_CONTROL, cache),
            ],
            body,
        )
            .into_response(),
        Ok(Ok(None)) => plain(
            StatusCode::NOT_FOUND,
            "a record in this bundle is too long for a tile entry\n",
        ),
        Ok(Err(error)) => failed(&error),
        Err(_) => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the log could not be read\n",
        ),
    }
}

/// `/tlog/key`: the log's note verifier key, for the explorer's in-browser check. An auditor
/// compares it with the key published out of band: a server can serve any key it likes.
pub(crate) async fn verifier_key(State(state): State<ServerState>) -> Response {
    match &state.log_verifier_key {
        Some(key) => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, UNCACHED),
            ],
            format!("{key}\n"),
        )
            .into_response(),
        None => plain(StatusCode::NOT_FOUND, "this server names no log key\n"),
    }
}

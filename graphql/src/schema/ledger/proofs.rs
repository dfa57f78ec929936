//! The transparency log in GraphQL (issue 14, ADR 0005 to 0007): inclusion and consistency
//! proofs (RFC 6962; hashes in hex, leaf to root) and the signed checkpoints, newest first.

use std::sync::Arc;

use async_graphql::SimpleObject;
use govledger_core::error::StoreError;
use govledger_core::hash::Hash256;
use govledger_core::store::TransparencyLog;
use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::tlog::leaf_hash;

use crate::error::{ErrorCode, api_error, internal_error, store_error};
use crate::limits::{PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX};
use crate::schema::page::{PageInfo, decode_cursor, encode_cursor};
use crate::schema::scalars::{DateTime, Int64};

pub(crate) const CHECKPOINT_CURSOR_KIND: &str = "checkpoint";

/// Proof that an event is leaf `leafIndex` (its position − 1) of the tree of `treeSize`
/// events: fold `hashes` into `leafHash` as RFC 9162 §2.1.3.2 says and get `rootHash`.
#[derive(SimpleObject)]
pub struct InclusionProof {
    pub leaf_index: Int64,
    pub tree_size: Int64,
    /// `SHA-256(0x00 || record)`, hex.
    pub leaf_hash: String,
    pub root_hash: String,
    pub hashes: Vec<String>,
}

/// Proof that the tree of `toSize` events extends the tree of `fromSize` events (RFC 9162
/// §2.1.4.2): the log only grew.
#[derive(SimpleObject)]
pub struct ConsistencyProof {
    pub from_size: Int64,
    pub to_size: Int64,
    pub from_root_hash: String,
    pub to_root_hash: String,
    pub hashes: Vec<String>,
}

/// A checkpoint the log signed (C2SP tlog-checkpoint in a C2SP signed note).
#[derive(SimpleObject)]
pub struct CheckpointView {
    pub tree_size: Int64,
    /// Hex (the note carries it in base64).
    pub root_hash: String,
    /// The signed note, exactly as served at `/tlog/checkpoint`.
    pub note: String,
    pub signed_at: DateTime,
}

#[derive(SimpleObject)]
pub struct CheckpointEdge {
    pub cursor: String,
    pub node: CheckpointView,
}

/// Signed checkpoints, newest first.
#[derive(SimpleObject)]
pub struct CheckpointConnection {
    pub edges: Vec<CheckpointEdge>,
    pub nodes: Vec<CheckpointView>,
    pub page_info: PageInfo,
}

fn hex_all(hashes: &[Hash256]) -> Vec<String> {
    hashes.iter().map(Hash256::to_hex).collect()
}

pub(crate) fn checkpoint_view(kept: StoredCheckpoint) -> CheckpointView {
    let root_hash = kept
        .checkpoint()
        .map(|c| c.root.to_hex())
        .unwrap_or_default();
    CheckpointView {
        tree_size: kept.tree_size.into(),
        root_hash,
        note: kept.note,
        signed_at: DateTime(kept.signed_at),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> async_graphql::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| internal_error("reading the log's tree", e))?
        .map_err(store_error)
}

pub(crate) async fn inclusion_proof(
    store: Arc<dyn TransparencyLog>,
    position: u64,
    tree_size: u64,
) -> async_graphql::Result<InclusionProof> {
    let leaf_index = position - 1;
    blocking(move || {
        let hashes = store.inclusion_proof(tree_size, leaf_index)?;
        let record = store.tree_leaves(leaf_index, 1)?;
        Ok(InclusionProof {
            leaf_index: leaf_index.into(),
            tree_size: tree_size.into(),
            leaf_hash: record
                .first()
                .map(|r| leaf_hash(r).to_hex())
                .unwrap_or_default(),
            root_hash: store.tree_root(tree_size)?.to_hex(),
            hashes: hex_all(&hashes),
        })
    })
    .await
}

pub(crate) async fn consistency_proof(
    store: Arc<dyn TransparencyLog>,
    from_size: u64,
    to_size: u64,
) -> async_graphql::Result<ConsistencyProof> {
    blocking(move || {
        let hashes = store.consistency_proof(from_size, to_size)?;
        Ok(ConsistencyProof {
            from_size: from_size.into(),
            to_size: to_size.into(),
            from_root_hash: store.tree_root(from_size)?.to_hex(),
            to_root_hash: store.tree_root(to_size)?.to_hex(),
            hashes: hex_all(&hashes),
        })
    })
    .await
}

/// The latest checkpoint the log signed with a tree size at most `position` (`None` before
/// the first): what a figure computed at `position` can cite.
pub(crate) async fn checkpoint_at_or_before(
    store: Arc<dyn TransparencyLog>,
    position: u64,
) -> async_graphql::Result<Option<CheckpointView>> {
    let kept = blocking(move || store.checkpoints(Some(position.saturating_add(1)), 1)).await?;
    Ok(kept.into_iter().next().map(checkpoint_view))
}

pub(crate) async fn checkpoints(
    store: Arc<dyn TransparencyLog>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<CheckpointConnection> {
    let size = match first {
        None => PAGE_SIZE_DEFAULT,
        Some(n) => usize::try_from(n)
            .ok()
            .filter(|n| (1..=PAGE_SIZE_MAX).contains(n))
            .ok_or_else(|| {
                api_error(
                    ErrorCode::BadUserInput,
                    format!("`first` must be between 1 and {PAGE_SIZE_MAX}, not {n}"),
                )
            })?,
    };
    let before_size = match after {
        None => None,
        Some(cursor) => Some(
            decode_cursor(CHECKPOINT_CURSOR_KIND, &cursor)?
                .parse::<u64>()
                .map_err(|_| api_error(ErrorCode::BadUserInput, "not a cursor of this list"))?,
        ),
    };
    // One more than asked tells whether another page follows.
    let mut kept = blocking(move || store.checkpoints(before_size, size + 1)).await?;
    let has_next_page = kept.len() > size;
    kept.truncate(size);
    let edges: Vec<CheckpointEdge> = kept
        .into_iter()
        .map(|kept| CheckpointEdge {
            cursor: encode_cursor(CHECKPOINT_CURSOR_KIND, &kept.tree_size.to_string()),
            node: checkpoint_view(kept),
        })
        .collect();
    let nodes = edges
        .iter()
        .map(|edge| CheckpointView {
            tree_size: edge.node.tree_size,
            root_hash: edge.node.root_hash.clone(),
            note: edge.node.note.clone(),
            signed_at: DateTime(edge.node.signed_at.0),
        })
        .collect();
    let page_info = PageInfo {
        has_next_page,
        has_previous_page: before_size.is_some(),
        start_cursor: edges.first().map(|e| e.cursor.clone()),
        end_cursor: edges.last().map(|e| e.cursor.clone()),
    };
    Ok(CheckpointConnection {
        edges,
        nodes,
        page_info,
    })
}

//! Signed checkpoints on PostgreSQL (ADR 0007, 0024): `govledger_checkpoints`, one row per
//! tree size, shared by every node. Whichever node keeps a size first wins (its primary key
//! decides, so two nodes signing at once keep one checkpoint); cosignatures are added by a
//! compare-and-swap on the note. Reads stop at this node's published head, so a node never
//! serves a checkpoint of a tree it cannot prove yet.

use crate::error::StoreError;
use crate::store::postgres_store::connection::{ReadConnections, sql};
use crate::store::postgres_store::{db_error, from_db_u64, to_db};
use crate::store::sled_store::StoredCheckpoint;
use crate::time::Timestamp;

/// Most compare-and-swap rounds `add_cosignatures` makes before giving up (each lost round
/// means another node changed the note in between).
const COSIGN_ROUNDS_MAX: usize = 16;

fn from_row(row: &tokio_postgres::Row) -> Result<StoredCheckpoint, StoreError> {
    Ok(StoredCheckpoint {
        tree_size: from_db_u64(row.try_get(0)?)?,
        signed_at: Timestamp::from_unix_micros(row.try_get(1)?),
        note: row.try_get(2)?,
    })
}

async fn query(
    readers: &ReadConnections,
    statement: usize,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(connection.statement(statement), params)
        .await
        .map_err(db_error("reading checkpoints"))?;
    rows.iter().map(from_row).collect()
}

pub(super) async fn at(
    readers: &ReadConnections,
    tree_size: u64,
    head: u64,
) -> Result<Option<StoredCheckpoint>, StoreError> {
    if tree_size > head {
        return Ok(None);
    }
    Ok(query(readers, sql::CHECKPOINT_AT, &[&to_db(tree_size)])
        .await?
        .pop())
}

pub(super) async fn from(
    readers: &ReadConnections,
    from_size: u64,
    limit: usize,
    head: u64,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    query(
        readers,
        sql::CHECKPOINTS_FROM,
        &[&to_db(from_size), &to_db(limit as u64), &to_db(head)],
    )
    .await
}

pub(super) async fn before(
    readers: &ReadConnections,
    before_size: Option<u64>,
    limit: usize,
    head: u64,
) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let before = before_size.map_or(i64::MAX, to_db);
    query(
        readers,
        sql::CHECKPOINTS_BEFORE,
        &[&before, &to_db(limit as u64), &to_db(head)],
    )
    .await
}

/// Keeps `signed` unless a checkpoint of its size is kept already; returns the kept one.
pub(super) async fn keep(
    readers: &ReadConnections,
    signed: StoredCheckpoint,
) -> Result<StoredCheckpoint, StoreError> {
    let connection = readers.get().await?;
    let inserted = connection
        .client
        .execute(
            connection.statement(sql::KEEP_CHECKPOINT),
            &[
                &to_db(signed.tree_size),
                &signed.signed_at.unix_micros(),
                &signed.note,
            ],
        )
        .await
        .map_err(db_error("keeping a checkpoint"))?;
    if inserted == 1 {
        return Ok(signed);
    }
    query(readers, sql::CHECKPOINT_AT, &[&to_db(signed.tree_size)])
        .await?
        .pop()
        .ok_or(StoreError::Unavailable)
}

/// Adds cosignature `lines` to the note kept for `tree_size` (`None` when none is kept).
pub(super) async fn add_cosignatures(
    readers: &ReadConnections,
    tree_size: u64,
    lines: Vec<String>,
) -> Result<Option<StoredCheckpoint>, StoreError> {
    for _ in 0..COSIGN_ROUNDS_MAX {
        let Some(held) = query(readers, sql::CHECKPOINT_AT, &[&to_db(tree_size)])
            .await?
            .pop()
        else {
            return Ok(None);
        };
        let Some(kept) = held.with_cosignatures(&lines) else {
            return Ok(Some(held));
        };
        let connection = readers.get().await?;
        let replaced = connection
            .client
            .execute(
                connection.statement(sql::REPLACE_CHECKPOINT_NOTE),
                &[&to_db(tree_size), &held.note, &kept.note],
            )
            .await
            .map_err(db_error("keeping a cosignature"))?;
        if replaced == 1 {
            return Ok(Some(kept));
        }
    }
    Err(StoreError::Storage(format!(
        "the checkpoint of {tree_size} events kept changing while its cosignatures were added; \
         retry"
    )))
}

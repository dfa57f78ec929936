//! The Merkle tree as readers see it on PostgreSQL: stored hashes by number (one query for
//! all a root, proof or tile needs) and the tree's leaves, never past the published head.
//! Roots and proofs are folded from them by `tlog`, exactly as on sled.

use crate::codec;
use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::postgres_store::connection::{ReadConnections, sql};
use crate::store::postgres_store::{db_error, from_db_u64, hash_from_db, to_db};

/// The stored hashes numbered `numbers`, in that order (the caller bounds them by the head).
pub(super) async fn stored_hashes(
    readers: &ReadConnections,
    numbers: Vec<u64>,
) -> Result<Vec<Hash256>, StoreError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<i64> = numbers.iter().copied().map(to_db).collect();
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(connection.statement(sql::STORED_HASHES), &[&wanted])
        .await
        .map_err(db_error("reading the Merkle tree"))?;
    if rows.len() != numbers.len() {
        return Err(StoreError::Storage(
            "reading the Merkle tree: an answer of the wrong length".into(),
        ));
    }
    rows.iter()
        .zip(&numbers)
        .map(|(row, number)| match row.try_get::<_, Option<&[u8]>>(0)? {
            Some(bytes) if bytes.len() == 32 => hash_from_db(bytes),
            _ => Err(StoreError::Corrupt {
                position: 0,
                reason: format!("stored tree hash {number} is missing"),
            }),
        })
        .collect()
}

/// Leaves `first..first + count` (the caller bounds them by the head and the read limit).
pub(super) async fn leaves(
    readers: &ReadConnections,
    first: u64,
    count: u64,
) -> Result<Vec<Vec<u8>>, StoreError> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let connection = readers.get().await?;
    let rows = connection
        .client
        .query(
            connection.statement(sql::TREE_LEAVES),
            &[&to_db(first + 1), &to_db(first + count)],
        )
        .await
        .map_err(db_error("reading the tree's leaves"))?;
    let mut out = Vec::with_capacity(rows.len());
    for (expected, row) in (first + 1..).zip(&rows) {
        let position = from_db_u64(row.try_get(0)?)?;
        if position != expected {
            break;
        }
        let (covered, _) = codec::split_stored(position, row.try_get(1)?)?;
        out.push(covered.to_vec());
    }
    if out.len() as u64 != count {
        return Err(StoreError::Corrupt {
            position: first + 1 + out.len() as u64,
            reason: "event is missing".into(),
        });
    }
    Ok(out)
}

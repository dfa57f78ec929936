//! The Merkle tree's stored hashes on PostgreSQL (migration 2, ADR 0024): the same numbered
//! hashes as the sled store's `H` entries (`tlog::stored_hash_index`), in
//! `govledger_tree_hashes (first, hashes)` rows of consecutive 32-byte hashes, and the tree's
//! right edge (`Frontier`) in the head row. Each group commit extends the frontier it read
//! with the head row under the lock and writes the run of hashes its records add in the same
//! statement as the records (`GroupTree`), so no reader ever sees events without their tree.
//! A ledger whose events predate migration 2 gets its tree here at open (`build_missing`).

use tokio_postgres::{Client, Row};

use crate::codec;
use crate::error::StoreError;
use crate::hash::Hash256;
use crate::store::Damage;
use crate::store::postgres_store::connection::{Connection, sql};
use crate::store::postgres_store::{db_error, from_db_u64, to_db};
use crate::tlog::{Frontier, leaf_hash, stored_hash_count};

const HASH_BYTES: usize = 32;
/// Most hashes one row holds (64 KiB, like a sled `H` entry).
pub(super) const ROW_HASHES_MAX: usize = 2_048;
/// Records one page of `build_missing` reads.
const BUILD_PAGE_RECORDS: i64 = 2_000;

/// The frontier as the head row keeps it: its peaks, largest first, concatenated.
pub(super) fn frontier_bytes(frontier: &Frontier) -> Vec<u8> {
    frontier.peaks().iter().flat_map(|peak| peak.0).collect()
}

fn frontier_from_bytes(size: u64, bytes: &[u8]) -> Result<Frontier, StoreError> {
    let peaks = bytes
        .chunks(HASH_BYTES)
        .map(|peak| <[u8; 32]>::try_from(peak).map(Hash256))
        .collect::<Result<Vec<_>, _>>();
    peaks
        .ok()
        .and_then(|peaks| Frontier::from_peaks(size, peaks))
        .ok_or_else(|| StoreError::Corrupt {
            position: size,
            reason: "the head row's Merkle tree frontier does not fit its size".into(),
        })
}

/// The frontier of the tree at the head, from the head row locked by a commit (columns 3
/// and 4: `tree_size`, `tree_frontier`). The tree is as long as the log unless a node of an
/// older build appended after migration 2 (its head update is refused since) or the tree of
/// older events was never built: then nothing is appended until an open builds it.
pub(super) fn frontier_at_head(head_row: &Row, position: u64) -> Result<Frontier, StoreError> {
    let size = from_db_u64(head_row.try_get(3)?)?;
    if size != position {
        return Err(StoreError::Storage(format!(
            "the ledger's Merkle tree covers {size} of its {position} events; restart a node \
             of this build to build the rest (nothing was appended)"
        )));
    }
    frontier_from_bytes(size, head_row.try_get(4)?)
}

/// The rows a run of stored hashes numbered from `first` is written as.
#[derive(Debug, Default)]
pub(super) struct TreeRows {
    pub(super) firsts: Vec<i64>,
    pub(super) hashes: Vec<Vec<u8>>,
}

impl TreeRows {
    fn push_run(&mut self, first: u64, run: &[Hash256]) {
        for (index, chunk) in run.chunks(ROW_HASHES_MAX).enumerate() {
            self.firsts
                .push(to_db(first + (index * ROW_HASHES_MAX) as u64));
            self.hashes
                .push(chunk.iter().flat_map(|hash| hash.0).collect());
        }
    }
}

/// What a group commit writes of the tree: the rows of the hashes its records add, and the
/// frontier the head row moves to.
pub(super) struct GroupTree {
    pub(super) rows: TreeRows,
    /// The frontier after the group, and as the head row keeps it.
    pub(super) frontier: Frontier,
    pub(super) frontier_bytes: Vec<u8>,
}

impl GroupTree {
    /// Extends the tree at the head by the group's sealed records (tag, body, own hash), in
    /// position order.
    pub(super) fn extend(head: &Frontier, records: &[Vec<u8>]) -> GroupTree {
        let mut frontier = head.clone();
        let first = stored_hash_count(frontier.size());
        let mut added = Vec::with_capacity(records.len() * 2);
        for record in records {
            let covered = &record[..record.len().saturating_sub(HASH_BYTES)];
            frontier.append(leaf_hash(covered), &mut added);
        }
        let mut rows = TreeRows::default();
        rows.push_run(first, &added);
        GroupTree {
            rows,
            frontier_bytes: frontier_bytes(&frontier),
            frontier,
        }
    }
}

/// Stored hashes a restore has computed, written with its records.
#[derive(Debug, Default)]
pub(super) struct RestoredTree {
    /// The number of `pending`'s first hash.
    first: u64,
    pending: Vec<Hash256>,
}

impl RestoredTree {
    /// Where `Frontier::append` pushes the hashes a record adds.
    pub(super) fn pending(&mut self) -> &mut Vec<Hash256> {
        &mut self.pending
    }

    /// The pending hashes as rows; they then count as written.
    pub(super) fn take_rows(&mut self) -> TreeRows {
        let mut rows = TreeRows::default();
        rows.push_run(self.first, &self.pending);
        self.first += self.pending.len() as u64;
        self.pending.clear();
        rows
    }
}

pub(super) const INSERT_ROWS: &str = "INSERT INTO govledger_tree_hashes (first, hashes) \
     SELECT * FROM unnest($1::bigint[], $2::bytea[])";

/// Builds the tree of the events that predate it (a ledger made before migration 2), in one
/// transaction holding the head row: appends wait meanwhile, and a node opening at the same
/// time finds the tree built. Does nothing when the tree covers the log.
pub(super) async fn build_missing(client: &Client) -> Result<(), StoreError> {
    let head = client
        .query_one(
            "SELECT position, tree_size, tree_frontier FROM govledger_head WHERE log_id = 1",
            &[],
        )
        .await
        .map_err(db_error("reading the head"))?;
    if head.try_get::<_, i64>(0)? == head.try_get::<_, i64>(1)? {
        return Ok(());
    }
    client
        .batch_execute("BEGIN")
        .await
        .map_err(db_error("beginning to build the Merkle tree"))?;
    let built = build_locked(client).await;
    let end = if built.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = client
        .batch_execute(end)
        .await
        .map_err(db_error("ending the Merkle tree's build"));
    built?;
    ended
}

async fn build_locked(client: &Client) -> Result<(), StoreError> {
    let head = client
        .query_one(
            "SELECT position, tree_size, tree_frontier FROM govledger_head WHERE log_id = 1 \
             FOR UPDATE",
            &[],
        )
        .await
        .map_err(db_error("locking the head"))?;
    let position = from_db_u64(head.try_get(0)?)?;
    let size = from_db_u64(head.try_get(1)?)?;
    if size > position {
        return Err(StoreError::Corrupt {
            position,
            reason: format!("the Merkle tree covers {size} events, more than the log"),
        });
    }
    if size == position {
        // Another node built it while this one waited for the head row.
        return Ok(());
    }
    let mut frontier = frontier_from_bytes(size, head.try_get(2)?)?;
    tracing::info!(
        from = size,
        to = position,
        "building the Merkle tree of events written before it"
    );
    while frontier.size() < position {
        let low = to_db(frontier.size() + 1);
        let rows = client
            .query(
                "SELECT position, record FROM govledger_events \
                 WHERE position BETWEEN $1 AND $2 ORDER BY position",
                &[&low, &(low + BUILD_PAGE_RECORDS - 1).min(to_db(position))],
            )
            .await
            .map_err(db_error("reading events to build the Merkle tree"))?;
        let first = stored_hash_count(frontier.size());
        let mut added = Vec::with_capacity(rows.len() * 2);
        for row in &rows {
            let at = from_db_u64(row.try_get(0)?)?;
            if at != frontier.size() + 1 {
                return Err(StoreError::Corrupt {
                    position: frontier.size() + 1,
                    reason: "event is missing".into(),
                });
            }
            let (covered, _) = codec::split_stored(at, row.try_get(1)?)?;
            frontier.append(leaf_hash(covered), &mut added);
        }
        if rows.is_empty() {
            return Err(StoreError::Corrupt {
                position: frontier.size() + 1,
                reason: "event is missing".into(),
            });
        }
        let mut tree = TreeRows::default();
        tree.push_run(first, &added);
        client
            .execute(INSERT_ROWS, &[&tree.firsts, &tree.hashes])
            .await
            .map_err(db_error("writing the Merkle tree"))?;
    }
    client
        .execute(
            "UPDATE govledger_head SET tree_size = $1, tree_frontier = $2 WHERE log_id = 1",
            &[&to_db(position), &frontier_bytes(&frontier)],
        )
        .await
        .map_err(db_error("moving the Merkle tree's head"))?;
    Ok(())
}

/// Checks the stored hashes against the records, fed in position order a page at a time:
/// what each record adds to the tree is recomputed and compared (`verify`).
pub(super) struct TreeCheck {
    frontier: Frontier,
    /// The hashes the page's records add, and the position of the record adding each.
    added: Vec<Hash256>,
    added_by: Vec<u64>,
}

impl TreeCheck {
    pub(super) fn from_genesis() -> TreeCheck {
        TreeCheck {
            frontier: Frontier::empty(),
            added: Vec::new(),
            added_by: Vec::new(),
        }
    }

    /// Adds the record at `position` (the next one), stored as `record`.
    pub(super) fn push(&mut self, position: u64, record: &[u8]) {
        let covered = &record[..record.len().saturating_sub(HASH_BYTES)];
        let before = self.added.len();
        self.frontier.append(leaf_hash(covered), &mut self.added);
        self.added_by.resize(self.added.len(), position);
        debug_assert!(self.added.len() > before);
    }

    /// Compares the hashes the records pushed since the last call add with the stored ones;
    /// the first record whose hashes differ (or are missing) is the damage.
    pub(super) async fn check_page(
        &mut self,
        connection: &Connection,
    ) -> Result<Option<Damage>, StoreError> {
        if self.added.is_empty() {
            return Ok(None);
        }
        let first = stored_hash_count(self.frontier.size()) - self.added.len() as u64;
        let numbers: Vec<i64> = (first..first + self.added.len() as u64)
            .map(to_db)
            .collect();
        let rows = connection
            .client
            .query(connection.statement(sql::STORED_HASHES), &[&numbers])
            .await
            .map_err(db_error("reading the Merkle tree to verify it"))?;
        let mut damage = None;
        for (index, want) in self.added.iter().enumerate() {
            let stored = rows
                .get(index)
                .map(|row| row.try_get::<_, Option<&[u8]>>(0))
                .transpose()?
                .flatten();
            if stored != Some(&want.0[..]) {
                damage = Some(Damage {
                    position: self.added_by[index],
                    reason: format!(
                        "Merkle tree: stored hash {} does not match the record",
                        first + index as u64
                    ),
                });
                break;
            }
        }
        self.added.clear();
        self.added_by.clear();
        Ok(damage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::MemoryTree;

    #[test]
    fn a_group_adds_the_hashes_a_memory_tree_stores() {
        let records: Vec<Vec<u8>> = (0..5u8).map(|i| vec![i; 40 + usize::from(i)]).collect();
        let mut reference = MemoryTree::new();
        let mut head = Frontier::empty();
        let mut written = Vec::new();
        for group in records.chunks(2) {
            let tree = GroupTree::extend(&head, group);
            assert_eq!(tree.rows.firsts, vec![written.len() as i64 / 32]);
            written.extend(tree.rows.hashes.concat());
            for record in group {
                reference.push(&record[..record.len() - 32]);
            }
            head = frontier_from_bytes(reference.size(), &tree.frontier_bytes).expect("frontier");
            assert_eq!(head.root(), reference.root());
        }
        let stored: Vec<u8> = reference.stored().iter().flat_map(|h| h.0).collect();
        assert_eq!(written, stored);
    }

    #[test]
    fn a_long_run_splits_into_rows() {
        let mut rows = TreeRows::default();
        rows.push_run(7, &vec![Hash256([1; 32]); ROW_HASHES_MAX + 3]);
        assert_eq!(rows.firsts, vec![7, 7 + ROW_HASHES_MAX as i64]);
        assert_eq!(rows.hashes[1].len(), 3 * HASH_BYTES);
    }
}

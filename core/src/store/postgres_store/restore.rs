//! A verbatim restore into an empty PostgreSQL ledger (`govledger import --ledger
//! postgres://…`): the same record bytes at the same positions, checked against the chain as
//! they are pushed, the Merkle tree's stored hashes written with them, the checkpoints
//! checked against the records' Merkle roots, all in one transaction that holds the head row:
//! a restore that stops half-way leaves the ledger empty.

use tokio::runtime::Runtime;
use tokio_postgres::Client;

use crate::codec;
use crate::error::StoreError;
use crate::store::postgres_store::tree::{self, RestoredTree};
use crate::store::postgres_store::{
    Connection, PostgresOptions, block_on_other_thread, db_error, from_db_u64, migrate, reads,
    store_runtime, to_db,
};
use crate::store::sled_store::{StoredCheckpoint, StoredRecord};
use crate::store::{ChainCheck, Head};
use crate::tlog::{Frontier, leaf_hash};

/// Records one insert carries.
const RESTORE_BATCH_RECORDS: usize = 1_000;

/// The setting that holds the log's verifier key an import carried.
pub const LOG_VERIFIER_KEY_SETTING: &str = "log_verifier_key";

/// A restore in progress: `push` records in position order from 1, then `finish`.
pub struct PostgresRestore {
    /// Taken only by `drop` (shut down without blocking, so dropping is safe anywhere).
    runtime: Option<Runtime>,
    client: std::sync::Arc<Client>,
    check: ChainCheck,
    merkle: Frontier,
    tree_hashes: RestoredTree,
    batch: Vec<(u64, Vec<u8>, crate::event::RecordedEvent)>,
    last_recorded_at: i64,
}

impl PostgresRestore {
    /// Migrates the database, begins the transaction and locks the head row; refuses a
    /// ledger that already holds events or checkpoints.
    pub fn begin(options: &PostgresOptions) -> Result<PostgresRestore, StoreError> {
        let runtime = store_runtime()?;
        let config = options.session_config();
        let target = format!(
            "PostgreSQL database {}",
            options
                .config
                .get_dbname()
                .unwrap_or("(the user's default)")
        );
        let mode = options.migrate;
        let client = block_on_other_thread(&runtime, async move {
            let mut client = Connection::open_unprepared(&config).await?;
            migrate::migrate(&mut client, mode).await?;
            reads::ensure_head_row(&client).await?;
            client
                .batch_execute("BEGIN")
                .await
                .map_err(db_error("beginning the restore"))?;
            let row = client
                .query_one(
                    "SELECT position, (SELECT count(*) FROM govledger_events) + \
                     (SELECT count(*) FROM govledger_checkpoints) \
                     FROM govledger_head WHERE log_id = 1 FOR UPDATE",
                    &[],
                )
                .await
                .map_err(db_error("locking the head"))?;
            let position = from_db_u64(row.try_get(0)?)?;
            let stored: i64 = row.try_get(1)?;
            if position != 0 || stored != 0 {
                return Err(StoreError::RestoreTargetNotEmpty { path: target });
            }
            Ok(std::sync::Arc::new(client))
        })?;
        Ok(PostgresRestore {
            runtime: Some(runtime),
            client,
            check: ChainCheck::from_genesis(),
            merkle: Frontier::empty(),
            tree_hashes: RestoredTree::default(),
            batch: Vec::new(),
            last_recorded_at: i64::MIN,
        })
    }

    /// Checks the next record against the chain and stages it.
    pub fn push(&mut self, record: StoredRecord) -> Result<(), StoreError> {
        let mut value = record.record;
        value.extend_from_slice(&record.hash.0);
        let event = self
            .check
            .check(record.position, &value)
            .map_err(|damage| StoreError::Corrupt {
                position: damage.position,
                reason: damage.reason,
            })?;
        let (hashed, _) = codec::split_stored(event.position, &value)?;
        self.merkle
            .append(leaf_hash(hashed), self.tree_hashes.pending());
        self.last_recorded_at = event.recorded_at.unix_micros();
        self.batch.push((event.position, value, event));
        if self.batch.len() >= RESTORE_BATCH_RECORDS {
            self.write_batch()?;
        }
        Ok(())
    }

    /// Keeps a checkpoint the log signed for the records pushed so far: its tree size must
    /// be the number pushed and its root theirs (its signature is the caller's to check).
    pub fn keep_checkpoint(&mut self, kept: &StoredCheckpoint) -> Result<(), StoreError> {
        kept.check_covers(&self.merkle)?;
        self.write_batch()?;
        let client = std::sync::Arc::clone(&self.client);
        let kept = kept.clone();
        self.run(async move {
            client
                .execute(
                    "INSERT INTO govledger_checkpoints (tree_size, signed_at_micros, note) \
                     VALUES ($1, $2, $3)",
                    &[
                        &to_db(kept.tree_size),
                        &kept.signed_at.unix_micros(),
                        &kept.note,
                    ],
                )
                .await
                .map_err(db_error("keeping a checkpoint"))?;
            Ok(())
        })
    }

    /// Keeps the log's verifier key (carried by the export), so a later export carries it.
    pub fn keep_log_key(&mut self, verifier_key: &str) -> Result<(), StoreError> {
        let client = std::sync::Arc::clone(&self.client);
        let key = verifier_key.to_string();
        self.run(async move {
            client
                .execute(
                    "INSERT INTO govledger_settings (name, value) VALUES ($1, $2) \
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    &[&LOG_VERIFIER_KEY_SETTING, &key],
                )
                .await
                .map_err(db_error("keeping the log key"))?;
            Ok(())
        })
    }

    /// Writes what is staged, moves the head and commits. Returns the restored head.
    pub fn finish(mut self) -> Result<Head, StoreError> {
        self.write_batch()?;
        let head = self.check.verified();
        let client = std::sync::Arc::clone(&self.client);
        let recorded_at = self.last_recorded_at;
        let frontier = tree::frontier_bytes(&self.merkle);
        self.run(async move {
            client
                .execute(
                    "UPDATE govledger_head SET position = $1, hash = $2, recorded_at_micros = $3, \
                     tree_size = $1, tree_frontier = $4 WHERE log_id = 1",
                    &[
                        &to_db(head.position),
                        &&head.hash.0[..],
                        &recorded_at,
                        &frontier,
                    ],
                )
                .await
                .map_err(db_error("moving the head"))?;
            client
                .execute(
                    "SELECT pg_notify('govledger_head', $1)",
                    &[&head.position.to_string()],
                )
                .await
                .map_err(db_error("notifying the head"))?;
            client
                .batch_execute("COMMIT")
                .await
                .map_err(db_error("committing the restore"))?;
            Ok(head)
        })
    }

    fn run<T: Send + 'static>(
        &self,
        future: impl std::future::Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        match &self.runtime {
            Some(runtime) => block_on_other_thread(runtime, future),
            None => Err(StoreError::Unavailable),
        }
    }

    fn write_batch(&mut self) -> Result<(), StoreError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let positions: Vec<i64> = batch.iter().map(|(p, _, _)| to_db(*p)).collect();
        let ids: Vec<uuid::Uuid> = batch.iter().map(|(_, _, e)| e.event_id).collect();
        let streams: Vec<String> = batch
            .iter()
            .map(|(_, _, e)| e.stream_id.as_str().to_string())
            .collect();
        let versions: Vec<i64> = batch
            .iter()
            .map(|(_, _, e)| to_db(e.stream_version))
            .collect();
        let types: Vec<String> = batch
            .iter()
            .map(|(_, _, e)| e.event_type.as_str().to_string())
            .collect();
        let records: Vec<Vec<u8>> = batch.into_iter().map(|(_, value, _)| value).collect();
        let tree = self.tree_hashes.take_rows();
        let client = std::sync::Arc::clone(&self.client);
        self.run(async move {
            client
                .execute(
                    super::connection::STATEMENTS[super::connection::sql::INSERT_EVENTS],
                    &[&positions, &ids, &streams, &versions, &types, &records],
                )
                .await
                .map_err(db_error("restoring events"))?;
            client
                .execute(tree::INSERT_ROWS, &[&tree.firsts, &tree.hashes])
                .await
                .map_err(db_error("restoring the Merkle tree"))?;
            Ok(())
        })
    }
}

impl Drop for PostgresRestore {
    fn drop(&mut self) {
        // An unfinished restore's transaction is rolled back when its connection closes.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

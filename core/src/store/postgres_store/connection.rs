//! One connection with the store's statements prepared on it, and the readers' few
//! connections shared round-robin (ADR 0018: no pool crate).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::try_join_all;
use tokio_postgres::{Client, Config, NoTls, Statement};

use crate::error::StoreError;
use crate::store::postgres_store::db_error;

/// Every statement the store runs, prepared once per connection. The SQL is the schema's
/// (migrations/).
pub(super) const STATEMENTS: [&str; 21] = [
    // 0 HEAD
    "SELECT position, hash, recorded_at_micros FROM govledger_head WHERE log_id = 1",
    // 1 HEAD_FOR_UPDATE (and the tree's frontier at the head, `tree.rs`)
    "SELECT position, hash, recorded_at_micros, tree_size, tree_frontier FROM govledger_head \
     WHERE log_id = 1 FOR UPDATE",
    // 2 READ_FORWARDS
    "SELECT position, record FROM govledger_events WHERE position BETWEEN $1 AND $2 \
     AND (cardinality($3::text[]) = 0 OR event_type = ANY($3)) \
     AND ($4::text IS NULL OR starts_with(stream_id, $4)) ORDER BY position LIMIT $5",
    // 3 READ_BACKWARDS
    "SELECT position, record FROM govledger_events WHERE position BETWEEN $1 AND $2 \
     AND (cardinality($3::text[]) = 0 OR event_type = ANY($3)) \
     AND ($4::text IS NULL OR starts_with(stream_id, $4)) ORDER BY position DESC LIMIT $5",
    // 4 READ_STREAM
    "SELECT position, record FROM govledger_events WHERE stream_id = $1 \
     AND stream_version >= $2 AND position <= $3 ORDER BY stream_version LIMIT $4",
    // 5 READ_EVENT
    "SELECT record FROM govledger_events WHERE position = $1",
    // 6 POSITION_OF
    "SELECT position FROM govledger_events WHERE event_id = $1",
    // 7 STREAM_VERSION
    "SELECT coalesce(max(stream_version), 0)::bigint FROM govledger_events \
     WHERE stream_id = $1 AND position <= $2",
    // 8 FIND_IDEMPOTENT
    "SELECT key, fingerprint, first_position, last_position, stream_version, head_hash \
     FROM govledger_idempotency WHERE key = ANY($1)",
    // 9 STREAM_VERSIONS
    "SELECT s.id, coalesce((SELECT max(e.stream_version) FROM govledger_events e \
     WHERE e.stream_id = s.id), 0)::bigint FROM unnest($1::text[]) AS s(id)",
    // 10 EXISTING_IDS
    "SELECT event_id FROM govledger_events WHERE event_id = ANY($1)",
    // 11 INSERT_EVENTS
    "INSERT INTO govledger_events \
     (position, event_id, stream_id, stream_version, event_type, record) \
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], \
     $6::bytea[])",
    // 12 WRITE_GROUP: the group's events, idempotency keys and tree hashes, the head and the
    // tree's frontier moved, the other nodes notified (on commit): one statement, so the
    // commit can follow in the same round trip, or (the one-round-trip path, ADR 0019) so it
    // needs no transaction of its own. Everything is gated on the head: the head row moves,
    // and anything is written, only when it is still at $20/$21 and each stream of $22 is
    // exactly at the version in $23 (that version exists, or is 0, and the next does not).
    // It returns one row when the group was written, none when the gate refused it (nothing
    // written).
    "WITH head AS (UPDATE govledger_head SET position = $13, hash = $14, \
     recorded_at_micros = $15, tree_size = $13, tree_frontier = $19 \
     WHERE log_id = 1 AND position = $20 AND hash = $21 AND NOT EXISTS (\
     SELECT 1 FROM unnest($22::text[], $23::bigint[]) AS assumed(stream_id, version) \
     WHERE (assumed.version > 0 AND NOT EXISTS (SELECT 1 FROM govledger_events e \
     WHERE e.stream_id = assumed.stream_id AND e.stream_version = assumed.version)) \
     OR EXISTS (SELECT 1 FROM govledger_events e WHERE e.stream_id = assumed.stream_id \
     AND e.stream_version = assumed.version + 1)) \
     RETURNING 1), \
     events AS (INSERT INTO govledger_events \
     (position, event_id, stream_id, stream_version, event_type, record) \
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], \
     $6::bytea[]) WHERE EXISTS (SELECT 1 FROM head)), \
     keys AS (INSERT INTO govledger_idempotency \
     (key, fingerprint, first_position, last_position, stream_version, head_hash) \
     SELECT * FROM unnest($7::text[], $8::bytea[], $9::bigint[], $10::bigint[], \
     $11::bigint[], $12::bytea[]) WHERE EXISTS (SELECT 1 FROM head)), \
     tree AS (INSERT INTO govledger_tree_hashes (first, hashes) \
     SELECT * FROM unnest($17::bigint[], $18::bytea[]) WHERE EXISTS (SELECT 1 FROM head)) \
     SELECT pg_notify('govledger_head', $16) FROM head",
    // 13 VERIFY_PAGE
    "SELECT position, event_id, stream_id, stream_version, event_type, record \
     FROM govledger_events WHERE position BETWEEN $1 AND $2 ORDER BY position",
    // 14 CHECKPOINTS_FROM (up to the published head, $3)
    "SELECT tree_size, signed_at_micros, note FROM govledger_checkpoints \
     WHERE tree_size BETWEEN $1 AND $3 ORDER BY tree_size LIMIT $2",
    // 15 STORED_HASHES: hash number n is in the last row starting at or before it; NULL
    // where none holds it.
    "SELECT substring(t.hashes FROM ((n.number - t.first) * 32 + 1)::integer FOR 32) \
     FROM unnest($1::bigint[]) WITH ORDINALITY AS n(number, at) \
     LEFT JOIN LATERAL (SELECT first, hashes FROM govledger_tree_hashes \
     WHERE first <= n.number ORDER BY first DESC LIMIT 1) t ON true ORDER BY n.at",
    // 16 TREE_LEAVES
    "SELECT position, record FROM govledger_events WHERE position BETWEEN $1 AND $2 \
     ORDER BY position",
    // 17 CHECKPOINTS_BEFORE (newest first, up to the published head, $3)
    "SELECT tree_size, signed_at_micros, note FROM govledger_checkpoints \
     WHERE tree_size < $1 AND tree_size <= $3 ORDER BY tree_size DESC LIMIT $2",
    // 18 CHECKPOINT_AT
    "SELECT tree_size, signed_at_micros, note FROM govledger_checkpoints WHERE tree_size = $1",
    // 19 KEEP_CHECKPOINT: the first of a size is kept (one node signing races another).
    "INSERT INTO govledger_checkpoints (tree_size, signed_at_micros, note) \
     VALUES ($1, $2, $3) ON CONFLICT (tree_size) DO NOTHING",
    // 20 REPLACE_CHECKPOINT_NOTE: only over the note read (compare and swap).
    "UPDATE govledger_checkpoints SET note = $3 WHERE tree_size = $1 AND note = $2",
];

/// Indexes into `STATEMENTS`.
pub(super) mod sql {
    pub(in crate::store::postgres_store) const HEAD: usize = 0;
    pub(in crate::store::postgres_store) const HEAD_FOR_UPDATE: usize = 1;
    pub(in crate::store::postgres_store) const READ_FORWARDS: usize = 2;
    pub(in crate::store::postgres_store) const READ_BACKWARDS: usize = 3;
    pub(in crate::store::postgres_store) const READ_STREAM: usize = 4;
    pub(in crate::store::postgres_store) const READ_EVENT: usize = 5;
    pub(in crate::store::postgres_store) const POSITION_OF: usize = 6;
    pub(in crate::store::postgres_store) const STREAM_VERSION: usize = 7;
    pub(in crate::store::postgres_store) const FIND_IDEMPOTENT: usize = 8;
    pub(in crate::store::postgres_store) const STREAM_VERSIONS: usize = 9;
    pub(in crate::store::postgres_store) const EXISTING_IDS: usize = 10;
    pub(in crate::store::postgres_store) const INSERT_EVENTS: usize = 11;
    pub(in crate::store::postgres_store) const WRITE_GROUP: usize = 12;
    pub(in crate::store::postgres_store) const VERIFY_PAGE: usize = 13;
    pub(in crate::store::postgres_store) const CHECKPOINTS_FROM: usize = 14;
    pub(in crate::store::postgres_store) const STORED_HASHES: usize = 15;
    pub(in crate::store::postgres_store) const TREE_LEAVES: usize = 16;
    pub(in crate::store::postgres_store) const CHECKPOINTS_BEFORE: usize = 17;
    pub(in crate::store::postgres_store) const CHECKPOINT_AT: usize = 18;
    pub(in crate::store::postgres_store) const KEEP_CHECKPOINT: usize = 19;
    pub(in crate::store::postgres_store) const REPLACE_CHECKPOINT_NOTE: usize = 20;
}

/// A connection and its prepared statements. Its I/O runs as a task on the store's runtime.
pub(super) struct Connection {
    pub(super) client: Client,
    statements: Vec<Statement>,
}

impl Connection {
    /// Connects (on the store's runtime) without preparing anything (migrations).
    pub(super) async fn open_unprepared(config: &Config) -> Result<Client, StoreError> {
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(db_error("connecting to the ledger database"))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a ledger database connection ended");
            }
        });
        Ok(client)
    }

    /// Connects (on the store's runtime) and prepares every statement, pipelined.
    pub(super) async fn open(config: &Config) -> Result<Connection, StoreError> {
        let client = Connection::open_unprepared(config).await?;
        let statements = try_join_all(STATEMENTS.iter().map(|text| client.prepare(text)))
            .await
            .map_err(db_error("preparing the ledger's statements"))?;
        Ok(Connection { client, statements })
    }

    pub(super) fn statement(&self, index: usize) -> &Statement {
        &self.statements[index]
    }
}

/// The readers' connections, used round-robin; a closed one is reopened on next use.
pub(super) struct ReadConnections {
    config: Config,
    slots: Vec<tokio::sync::Mutex<Option<Arc<Connection>>>>,
    next: AtomicUsize,
}

impl ReadConnections {
    pub(super) fn new(config: Config, count: usize) -> ReadConnections {
        ReadConnections {
            config,
            slots: (0..count.max(1))
                .map(|_| tokio::sync::Mutex::new(None))
                .collect(),
            next: AtomicUsize::new(0),
        }
    }

    pub(super) async fn get(&self) -> Result<Arc<Connection>, StoreError> {
        let index = self.next.fetch_add(1, Ordering::Relaxed) % self.slots.len();
        let mut slot = self.slots[index].lock().await;
        if let Some(connection) = slot.as_ref()
            && !connection.client.is_closed()
        {
            return Ok(Arc::clone(connection));
        }
        let connection = Arc::new(Connection::open(&self.config).await?);
        *slot = Some(Arc::clone(&connection));
        Ok(connection)
    }
}

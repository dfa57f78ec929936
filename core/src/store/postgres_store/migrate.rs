//! Versioned schema migrations, embedded in the binary and applied under an advisory lock
//! (ADR 0018): nodes starting at once apply each migration exactly once.

use tokio_postgres::Client;

use crate::error::StoreError;
use crate::store::postgres_store::db_error;

/// Every migration this build knows, in version order: (version, name, SQL). Versions may
/// have gaps; each one missing from a database is applied, in this order.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "ledger", include_str!("migrations/0001_ledger.sql")),
    (
        2,
        "merkle tree",
        include_str!("migrations/0002_merkle_tree.sql"),
    ),
    (
        3,
        "shared_node_state",
        include_str!("migrations/0003_shared_node_state.sql"),
    ),
];

/// The schema version this build writes and reads: its newest migration's.
pub const SCHEMA_VERSION: i32 = newest_version(MIGRATIONS);

const fn newest_version(migrations: &[(i32, &str, &str)]) -> i32 {
    let mut newest = 0;
    let mut index = 0;
    while index < migrations.len() {
        if migrations[index].0 > newest {
            newest = migrations[index].0;
        }
        index += 1;
    }
    newest
}

/// The key of the advisory lock migrations hold ("govledgr" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x676f_766c_6564_6772;

/// Whether opening a store may change the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateAtOpen {
    /// Apply missing migrations (the default).
    Apply,
    /// Refuse to open unless the schema is current (`govledger migrate` runs them).
    RequireCurrent,
}

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// Versions applied by this call, in order.
    pub applied: Vec<i32>,
    pub schema_version: i32,
}

/// Applies the missing migrations (or, with `RequireCurrent`, only checks there are none).
pub(super) async fn migrate(
    client: &mut Client,
    mode: MigrateAtOpen,
) -> Result<Migrated, StoreError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await
        .map_err(db_error("taking the migration lock"))?;
    let result = migrate_locked(client, mode).await;
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await
        .map_err(db_error("releasing the migration lock"));
    let migrated = result?;
    unlocked?;
    Ok(migrated)
}

async fn migrate_locked(client: &mut Client, mode: MigrateAtOpen) -> Result<Migrated, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS govledger_migrations (
                 version integer PRIMARY KEY,
                 name text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(db_error("creating the migrations table"))?;
    let rows = client
        .query(
            "SELECT version FROM govledger_migrations ORDER BY version",
            &[],
        )
        .await
        .map_err(db_error("reading the applied migrations"))?;
    let done: Vec<i32> = rows.iter().map(|row| row.get(0)).collect();
    // A version this build does not know (a newer build's, or one from a branch this build
    // lacks) changes what the schema means: refuse rather than write past it.
    if let Some(newer) = done
        .iter()
        .copied()
        .find(|version| !MIGRATIONS.iter().any(|(known, _, _)| known == version))
    {
        return Err(StoreError::UnsupportedStoreFormat {
            found: u32::try_from(newer).unwrap_or(u32::MAX),
            supported: u32::try_from(SCHEMA_VERSION).unwrap_or(0),
        });
    }
    let missing: Vec<&(i32, &str, &str)> = MIGRATIONS
        .iter()
        .filter(|(version, _, _)| !done.contains(version))
        .collect();
    if mode == MigrateAtOpen::RequireCurrent && !missing.is_empty() {
        return Err(StoreError::Storage(format!(
            "the database schema is at version {} but this build needs {SCHEMA_VERSION}: run \
             `govledger migrate` (or start without --ledger-migrate=off)",
            done.last().copied().unwrap_or(0)
        )));
    }
    let mut applied = Vec::new();
    for (version, name, sql) in missing {
        let transaction = client
            .transaction()
            .await
            .map_err(db_error("starting a migration"))?;
        transaction
            .batch_execute(sql)
            .await
            .map_err(db_error(&format!("applying migration {version} ({name})")))?;
        transaction
            .execute(
                "INSERT INTO govledger_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await
            .map_err(db_error("recording a migration"))?;
        transaction
            .commit()
            .await
            .map_err(db_error(&format!("committing migration {version}")))?;
        tracing::info!(version, name, "applied a ledger schema migration");
        applied.push(*version);
    }
    Ok(Migrated {
        applied,
        schema_version: SCHEMA_VERSION,
    })
}

//! Which ledger the server and the CLI run on: the sled directory (the default, one
//! machine) or a PostgreSQL database several nodes share (`--ledger postgres://…`, ADR 0018).
//! The `EventStore` trait covers appends and reads on both; the transparency log's tree
//! (proofs, tiles, signing checkpoints, witnesses) and online backups are sled's alone for
//! now and refuse on PostgreSQL with `SledOnly`.

use std::sync::Arc;

use govledger_core::error::StoreError;
use govledger_core::store::EventStore;
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::SledStore;

#[derive(Clone)]
pub enum Ledger {
    Sled(Arc<SledStore>),
    Postgres(Arc<PostgresStore>),
}

/// A feature the PostgreSQL ledger does not offer yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} is not available on the PostgreSQL ledger yet (only on the sled ledger; see \
     docs/operations.md)"
)]
pub struct SledOnly {
    pub what: &'static str,
}

impl Ledger {
    /// The store as the trait object appends and reads go through.
    pub fn store(&self) -> Arc<dyn EventStore> {
        match self {
            Ledger::Sled(store) => store.clone(),
            Ledger::Postgres(store) => store.clone(),
        }
    }

    /// The sled store, for what only it offers (`what` names that in the refusal).
    pub fn sled(&self, what: &'static str) -> Result<Arc<SledStore>, SledOnly> {
        match self {
            Ledger::Sled(store) => Ok(Arc::clone(store)),
            Ledger::Postgres(_) => Err(SledOnly { what }),
        }
    }

    /// Whether the ledger can be reached (sled: always; PostgreSQL: the head listener's
    /// last read succeeded).
    pub fn is_reachable(&self) -> bool {
        match self {
            Ledger::Sled(_) => true,
            Ledger::Postgres(store) => store.is_reachable(),
        }
    }

    pub fn close(&self) -> Result<(), StoreError> {
        match self {
            Ledger::Sled(store) => store.close(),
            Ledger::Postgres(store) => store.close(),
        }
    }
}

impl From<Arc<SledStore>> for Ledger {
    fn from(store: Arc<SledStore>) -> Ledger {
        Ledger::Sled(store)
    }
}

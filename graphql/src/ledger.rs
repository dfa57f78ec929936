//! Which ledger the server and the CLI run on: the sled directory (the default, one
//! machine) or a PostgreSQL database several nodes share (`--ledger postgres://…`, ADR 0018).
//! The `EventStore` trait covers appends and reads on both, and `TransparencyLog` the Merkle
//! tree (proofs, tiles) and the signed checkpoints (signing, witnesses), with the same bytes
//! on both (ADR 0024). Online backups read sled's own trees and refuse on PostgreSQL with
//! `SledOnly` (its own tools back it up, docs/operations.md).
//! The ledger also says where the access tokens and the personal data live: in the data
//! directory beside a sled ledger, in the database beside a PostgreSQL one, shared by every
//! node (ADR 0025).

use std::path::Path;
use std::sync::Arc;

use govledger_core::error::StoreError;
use govledger_core::personal_data::{PersonalDataError, PersonalDataStore};
use govledger_core::store::postgres_store::PostgresStore;
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, TransparencyLog};

use crate::access::{AccessError, TokenStore};

#[derive(Clone)]
pub enum Ledger {
    Sled(Arc<SledStore>),
    Postgres(Arc<PostgresStore>),
}

/// A feature the PostgreSQL ledger does not offer (online backups).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{what} is not available on the PostgreSQL ledger (only on the sled ledger; see \
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

    /// The store as the transparency log proofs, tiles, the signer and witnesses use.
    pub fn tlog(&self) -> Arc<dyn TransparencyLog> {
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

    /// The access tokens: the token log in `access_dir` (sled), or the database's, which every
    /// node shares (PostgreSQL; the log in `access_dir` is copied in while the database holds
    /// no tokens yet).
    pub fn tokens(&self, access_dir: &Path) -> Result<TokenStore, AccessError> {
        match self {
            Ledger::Sled(_) => TokenStore::open(access_dir),
            Ledger::Postgres(store) => TokenStore::open_shared(store, access_dir),
        }
    }

    /// The personal-data store: its own sled database in `personal_dir` (sled), or the
    /// database's, which every node shares (PostgreSQL; the people in an existing
    /// `personal_dir` are copied in while the database holds nobody yet).
    pub fn personal_data(
        &self,
        personal_dir: &Path,
    ) -> Result<PersonalDataStore, PersonalDataError> {
        match self {
            Ledger::Sled(_) => PersonalDataStore::open(personal_dir),
            Ledger::Postgres(store) => {
                let shared = PersonalDataStore::on_postgres(store);
                if personal_dir.exists() && shared.is_empty()? {
                    let local = PersonalDataStore::open(personal_dir)?;
                    let copied = shared.copy_from(&local)?;
                    if copied > 0 {
                        tracing::info!(
                            dir = %personal_dir.display(),
                            people = copied,
                            "copied the data directory's personal data into the ledger's database"
                        );
                    }
                }
                Ok(shared)
            }
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

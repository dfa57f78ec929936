//! The personal-data store (sled or PostgreSQL behind one API) and the erasure procedure.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::erasure::ErasureBasis;
use crate::domain::error::DomainError;
use crate::domain::ids::{PersonId, UnitId};
use crate::domain::service::CommandHandler;
use crate::domain::service::envelope::{CommandEnvelope, CommandError, CommandOutcome};
use crate::error::StoreError;
use crate::personal_data::sled_people::SledPeople;
use crate::personal_data::{ID_NUMBER_BYTES_MAX, NAME_BYTES_MAX, PHONE_BYTES_MAX};
use crate::store::postgres_store::{PEOPLE_PAGE_LEN, PostgresPeople, PostgresStore};
use crate::time::Timestamp;

/// What the community knows about a person. Fictional in demo data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetails {
    pub name: String,
    pub phone: String,
    pub id_number: String,
    pub unit_id: Option<UnitId>,
}

/// The answer to "who is this person?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonLookup {
    Known(PersonDetails),
    /// The details were erased on this basis.
    Erased(ErasureBasis),
    /// Never recorded here.
    Unknown,
}

#[derive(Debug, thiserror::Error)]
pub enum PersonalDataError {
    #[error("{field} is {len_bytes} bytes; the limit is {max_bytes}")]
    TooLong {
        field: &'static str,
        len_bytes: usize,
        max_bytes: usize,
    },
    #[error("person {0} was erased; their details cannot be recorded again")]
    Erased(PersonId),
    #[error("personal-data storage: {0}")]
    Storage(String),
    #[error("recording the erasure: {0}")]
    Ledger(#[from] CommandError),
}

impl From<StoreError> for PersonalDataError {
    fn from(error: StoreError) -> PersonalDataError {
        PersonalDataError::Storage(error.to_string())
    }
}

/// Whether a put wrote the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PutOutcome {
    Written,
    /// The person's details were erased; nothing was written.
    RefusedErased,
}

/// The personal-data store: a sled database of its own beside a sled ledger, or rows in the
/// ledger's PostgreSQL database, which every node sharing that ledger shares (ADR 0025).
pub struct PersonalDataStore {
    backend: Backend,
}

enum Backend {
    Sled(SledPeople),
    Postgres(PostgresPeople),
}

impl PersonalDataStore {
    /// Opens (or creates) the store in its own directory, never the ledger's.
    pub fn open(path: impl AsRef<Path>) -> Result<PersonalDataStore, PersonalDataError> {
        Ok(PersonalDataStore {
            backend: Backend::Sled(SledPeople::open(path.as_ref())?),
        })
    }

    /// The store in a PostgreSQL ledger's database: every read goes to the database, so what
    /// one node writes or erases is what every node reads next.
    pub fn on_postgres(ledger: &PostgresStore) -> PersonalDataStore {
        PersonalDataStore {
            backend: Backend::Postgres(ledger.people()),
        }
    }

    /// Records or replaces a person's details (durable on return).
    pub fn put(
        &self,
        person_id: PersonId,
        details: &PersonDetails,
    ) -> Result<(), PersonalDataError> {
        check("name", &details.name, NAME_BYTES_MAX)?;
        check("phone", &details.phone, PHONE_BYTES_MAX)?;
        check("id_number", &details.id_number, ID_NUMBER_BYTES_MAX)?;
        let outcome = match &self.backend {
            Backend::Sled(people) => people.put(person_id, details)?,
            Backend::Postgres(people) => people.put(person_id, details)?,
        };
        match outcome {
            PutOutcome::Written => Ok(()),
            PutOutcome::RefusedErased => Err(PersonalDataError::Erased(person_id)),
        }
    }

    pub fn get(&self, person_id: PersonId) -> Result<PersonLookup, PersonalDataError> {
        match &self.backend {
            Backend::Sled(people) => people.get(person_id),
            Backend::Postgres(people) => Ok(people.get(person_id)?),
        }
    }

    /// Removes the details and leaves a tombstone with the basis (durable on return).
    /// Repeating it is harmless.
    pub fn erase(&self, person_id: PersonId, basis: ErasureBasis) -> Result<(), PersonalDataError> {
        match &self.backend {
            Backend::Sled(people) => people.erase(person_id, basis),
            Backend::Postgres(people) => Ok(people.erase(person_id, basis)?),
        }
    }

    /// Every person on record, details then tombstones, in id order each (for a backup,
    /// ADR 0009). `visit` may stop the walk by returning an error.
    pub fn for_each_entry<E: From<PersonalDataError>>(
        &self,
        mut visit: impl FnMut(PersonId, PersonLookup) -> Result<(), E>,
    ) -> Result<(), E> {
        match &self.backend {
            Backend::Sled(people) => people.for_each_entry(visit),
            Backend::Postgres(people) => {
                for erased in [false, true] {
                    let mut after = None;
                    loop {
                        let page = people
                            .page(erased, after)
                            .map_err(PersonalDataError::from)?;
                        let last_page = page.len() < PEOPLE_PAGE_LEN;
                        for (person_id, lookup) in page {
                            after = Some(person_id);
                            visit(person_id, lookup)?;
                        }
                        if last_page {
                            break;
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// How many people have details on record.
    pub fn known_count(&self) -> Result<usize, PersonalDataError> {
        match &self.backend {
            Backend::Sled(people) => Ok(people.known_count()),
            Backend::Postgres(people) => Ok(people.known_count()?),
        }
    }

    /// Whether no person is on record at all, details or tombstone.
    pub fn is_empty(&self) -> Result<bool, PersonalDataError> {
        match &self.backend {
            Backend::Sled(people) => Ok(people.is_empty()),
            Backend::Postgres(people) => Ok(people.is_empty()?),
        }
    }

    /// Copies every person of `from` (details and tombstones) into this store: how a node
    /// moving to a shared PostgreSQL ledger brings its data directory's people along. Returns
    /// how many were copied.
    pub fn copy_from(&self, from: &PersonalDataStore) -> Result<usize, PersonalDataError> {
        let mut copied = 0;
        from.for_each_entry(|person_id, lookup| {
            match lookup {
                PersonLookup::Known(details) => self.put(person_id, &details)?,
                PersonLookup::Erased(basis) => self.erase(person_id, basis)?,
                PersonLookup::Unknown => return Ok::<(), PersonalDataError>(()),
            }
            copied += 1;
            Ok(())
        })?;
        Ok(copied)
    }
}

fn check(field: &'static str, value: &str, max_bytes: usize) -> Result<(), PersonalDataError> {
    if value.len() > max_bytes {
        return Err(PersonalDataError::TooLong {
            field,
            len_bytes: value.len(),
            max_bytes,
        });
    }
    Ok(())
}

/// Erases a person: records `PersonalDataErased` in the ledger (the actor needs the
/// `data_protection_officer` role), then removes the details. If the ledger already holds
/// the erasure (a retry after a crash), the removal is completed and the ledger's refusal
/// returned.
pub fn erase_person(
    handler: &CommandHandler,
    personal_data: &PersonalDataStore,
    actor: ActingAs,
    person_id: PersonId,
    basis: ErasureBasis,
    occurred_at: Option<Timestamp>,
) -> Result<CommandOutcome, PersonalDataError> {
    let envelope = CommandEnvelope {
        occurred_at,
        ..CommandEnvelope::new(actor, Command::ErasePersonalData { person_id, basis })
    };
    match handler.execute(&envelope) {
        Ok(outcome) => {
            personal_data.erase(person_id, basis)?;
            tracing::info!(person = %person_id, basis = basis.as_str(), "personal data erased");
            Ok(outcome)
        }
        Err(CommandError::Domain(error @ DomainError::WrongState { .. })) => {
            personal_data.erase(person_id, basis)?;
            Err(CommandError::Domain(error).into())
        }
        Err(error) => Err(error.into()),
    }
}

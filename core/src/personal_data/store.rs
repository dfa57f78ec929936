//! The sled-backed personal-data store and the erasure procedure.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use crate::codec::{decode_payload, encode_payload};
use crate::domain::aggregate::ActingAs;
use crate::domain::command::Command;
use crate::domain::erasure::ErasureBasis;
use crate::domain::error::DomainError;
use crate::domain::ids::{PersonId, UnitId};
use crate::domain::service::CommandHandler;
use crate::domain::service::envelope::{CommandEnvelope, CommandError, CommandOutcome};
use crate::personal_data::{ID_NUMBER_BYTES_MAX, NAME_BYTES_MAX, PHONE_BYTES_MAX};
use crate::store::sled_store::open_waiting_for_lock;
use crate::time::Timestamp;

const DETAILS_TREE: &str = "person_details";
const ERASED_TREE: &str = "person_erased";

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

impl From<sled::Error> for PersonalDataError {
    fn from(error: sled::Error) -> PersonalDataError {
        PersonalDataError::Storage(error.to_string())
    }
}

pub struct PersonalDataStore {
    db: sled::Db,
    details: sled::Tree,
    erased: sled::Tree,
}

impl PersonalDataStore {
    /// Opens (or creates) the store in its own directory, never the ledger's.
    pub fn open(path: impl AsRef<Path>) -> Result<PersonalDataStore, PersonalDataError> {
        let db = open_waiting_for_lock(&sled::Config::new().path(path.as_ref()))?;
        let details = db.open_tree(DETAILS_TREE)?;
        let erased = db.open_tree(ERASED_TREE)?;
        Ok(PersonalDataStore {
            db,
            details,
            erased,
        })
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
        if self.erased.contains_key(person_id.0.as_bytes())? {
            return Err(PersonalDataError::Erased(person_id));
        }
        let bytes =
            encode_payload(details).map_err(|e| PersonalDataError::Storage(e.to_string()))?;
        self.details.insert(person_id.0.as_bytes(), bytes)?;
        self.db.flush()?;
        Ok(())
    }

    pub fn get(&self, person_id: PersonId) -> Result<PersonLookup, PersonalDataError> {
        if let Some(basis) = self.erased.get(person_id.0.as_bytes())? {
            let basis =
                decode_payload(&basis).map_err(|e| PersonalDataError::Storage(e.to_string()))?;
            return Ok(PersonLookup::Erased(basis));
        }
        match self.details.get(person_id.0.as_bytes())? {
            Some(bytes) => decode_payload(&bytes)
                .map(PersonLookup::Known)
                .map_err(|e| PersonalDataError::Storage(e.to_string())),
            None => Ok(PersonLookup::Unknown),
        }
    }

    /// Removes the details and leaves a tombstone with the basis (durable on return).
    /// Repeating it is harmless.
    pub fn erase(&self, person_id: PersonId, basis: ErasureBasis) -> Result<(), PersonalDataError> {
        let tombstone =
            encode_payload(&basis).map_err(|e| PersonalDataError::Storage(e.to_string()))?;
        let key = person_id.0.as_bytes();
        (&self.details, &self.erased)
            .transaction(|(details, erased)| {
                details.remove(key)?;
                erased.insert(key, tombstone.as_slice())?;
                Ok::<(), ConflictableTransactionError<sled::Error>>(())
            })
            .map_err(|e| PersonalDataError::Storage(format!("{e:?}")))?;
        self.db.flush()?;
        Ok(())
    }

    /// Every person on record, details then tombstones, in id order each (for a backup,
    /// ADR 0009). `visit` may stop the walk by returning an error.
    pub fn for_each_entry<E: From<PersonalDataError>>(
        &self,
        mut visit: impl FnMut(PersonId, PersonLookup) -> Result<(), E>,
    ) -> Result<(), E> {
        let decode_error =
            |e: crate::codec::PayloadCodecError| PersonalDataError::Storage(e.to_string());
        for item in self.details.iter() {
            let (key, value) = item.map_err(PersonalDataError::from)?;
            let details = decode_payload(&value).map_err(decode_error)?;
            visit(person_id_of(&key)?, PersonLookup::Known(details))?;
        }
        for item in self.erased.iter() {
            let (key, value) = item.map_err(PersonalDataError::from)?;
            let basis = decode_payload(&value).map_err(decode_error)?;
            visit(person_id_of(&key)?, PersonLookup::Erased(basis))?;
        }
        Ok(())
    }

    /// How many people have details on record.
    pub fn known_count(&self) -> usize {
        self.details.len()
    }
}

fn person_id_of(key: &[u8]) -> Result<PersonId, PersonalDataError> {
    let bytes: [u8; 16] = key
        .try_into()
        .map_err(|_| PersonalDataError::Storage("a person key is malformed".into()))?;
    Ok(PersonId(uuid::Uuid::from_bytes(bytes)))
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

//! The personal-data store's sled backend: a database of its own beside a sled ledger, one
//! tree of details and one of tombstones, both keyed by the person's id.

use std::path::Path;

use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use crate::codec::{decode_payload, encode_payload};
use crate::domain::erasure::ErasureBasis;
use crate::domain::ids::PersonId;
use crate::personal_data::{PersonDetails, PersonLookup, PersonalDataError, PutOutcome};
use crate::store::sled_store::open_waiting_for_lock;

const DETAILS_TREE: &str = "person_details";
const ERASED_TREE: &str = "person_erased";

pub(super) struct SledPeople {
    db: sled::Db,
    details: sled::Tree,
    erased: sled::Tree,
}

impl SledPeople {
    pub(super) fn open(path: &Path) -> Result<SledPeople, PersonalDataError> {
        let db = open_waiting_for_lock(&sled::Config::new().path(path))?;
        let details = db.open_tree(DETAILS_TREE)?;
        let erased = db.open_tree(ERASED_TREE)?;
        Ok(SledPeople {
            db,
            details,
            erased,
        })
    }

    pub(super) fn put(
        &self,
        person_id: PersonId,
        details: &PersonDetails,
    ) -> Result<PutOutcome, PersonalDataError> {
        if self.erased.contains_key(person_id.0.as_bytes())? {
            return Ok(PutOutcome::RefusedErased);
        }
        let bytes =
            encode_payload(details).map_err(|e| PersonalDataError::Storage(e.to_string()))?;
        self.details.insert(person_id.0.as_bytes(), bytes)?;
        self.db.flush()?;
        Ok(PutOutcome::Written)
    }

    pub(super) fn get(&self, person_id: PersonId) -> Result<PersonLookup, PersonalDataError> {
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

    pub(super) fn erase(
        &self,
        person_id: PersonId,
        basis: ErasureBasis,
    ) -> Result<(), PersonalDataError> {
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

    pub(super) fn for_each_entry<E: From<PersonalDataError>>(
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

    pub(super) fn known_count(&self) -> usize {
        self.details.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.details.is_empty() && self.erased.is_empty()
    }
}

impl From<sled::Error> for PersonalDataError {
    fn from(error: sled::Error) -> PersonalDataError {
        PersonalDataError::Storage(error.to_string())
    }
}

fn person_id_of(key: &[u8]) -> Result<PersonId, PersonalDataError> {
    let bytes: [u8; 16] = key
        .try_into()
        .map_err(|_| PersonalDataError::Storage("a person key is malformed".into()))?;
    Ok(PersonId(uuid::Uuid::from_bytes(bytes)))
}

//! The personal-data store's rows in the ledger's database (`govledger_people`, ADR 0025):
//! one row per person, either details or the tombstone an erasure leaves. Every call is one
//! statement on the readers' connections, so every node reads what any node last wrote: an
//! erasure on one node is in force on all once it returns. A put and an erasure of the same
//! person are serialised by the row itself: the put writes only while no tombstone is there.

use std::sync::Arc;

use tokio::runtime::Handle;
use uuid::Uuid;

use crate::domain::erasure::ErasureBasis;
use crate::domain::ids::{PersonId, UnitId};
use crate::error::StoreError;
use crate::personal_data::{PersonDetails, PersonLookup, PutOutcome};
use crate::store::postgres_store::connection::ReadConnections;
use crate::store::postgres_store::{db_error, spawn_and_wait};

/// Rows read per query when walking every person.
const PEOPLE_PAGE_ROWS: i64 = 1_000;

const COLUMNS: &str = "person_id, name, phone, id_number, unit_id, erasure_basis";

/// The people's rows of one store; clones share its connections.
#[derive(Clone)]
pub struct PostgresPeople {
    readers: Arc<ReadConnections>,
    handle: Handle,
}

impl PostgresPeople {
    pub(super) fn new(readers: Arc<ReadConnections>, handle: Handle) -> PostgresPeople {
        PostgresPeople { readers, handle }
    }

    /// Records or replaces a person's details unless they were erased (committed on return).
    pub(crate) fn put(
        &self,
        person_id: PersonId,
        details: &PersonDetails,
    ) -> Result<PutOutcome, StoreError> {
        let readers = Arc::clone(&self.readers);
        let details = details.clone();
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            let written = connection
                .client
                .execute(
                    "INSERT INTO govledger_people (person_id, name, phone, id_number, unit_id) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (person_id) DO UPDATE SET \
                     name = EXCLUDED.name, phone = EXCLUDED.phone, \
                     id_number = EXCLUDED.id_number, unit_id = EXCLUDED.unit_id \
                     WHERE govledger_people.erasure_basis IS NULL",
                    &[
                        &person_id.0,
                        &details.name,
                        &details.phone,
                        &details.id_number,
                        &details.unit_id.map(|unit| unit.0),
                    ],
                )
                .await
                .map_err(db_error("recording a person's details"))?;
            Ok(if written == 1 {
                PutOutcome::Written
            } else {
                PutOutcome::RefusedErased
            })
        })
    }

    pub(crate) fn get(&self, person_id: PersonId) -> Result<PersonLookup, StoreError> {
        let readers = Arc::clone(&self.readers);
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            let row = connection
                .client
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM govledger_people WHERE person_id = $1"),
                    &[&person_id.0],
                )
                .await
                .map_err(db_error("reading a person's details"))?;
            match row {
                Some(row) => Ok(lookup_of(&row)?.1),
                None => Ok(PersonLookup::Unknown),
            }
        })
    }

    /// Clears the details and leaves the basis (committed on return); repeating it is
    /// harmless, and so is erasing a person never recorded (the tombstone still stops a
    /// later put).
    pub(crate) fn erase(&self, person_id: PersonId, basis: ErasureBasis) -> Result<(), StoreError> {
        let readers = Arc::clone(&self.readers);
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            connection
                .client
                .execute(
                    "INSERT INTO govledger_people (person_id, erasure_basis) VALUES ($1, $2) \
                     ON CONFLICT (person_id) DO UPDATE SET name = NULL, phone = NULL, \
                     id_number = NULL, unit_id = NULL, erasure_basis = EXCLUDED.erasure_basis",
                    &[&person_id.0, &basis.as_str()],
                )
                .await
                .map_err(db_error("erasing a person's details"))?;
            Ok(())
        })
    }

    /// People with details (`erased` false) or tombstones (true) after `after`, in id order,
    /// at most one page.
    pub(crate) fn page(
        &self,
        erased: bool,
        after: Option<PersonId>,
    ) -> Result<Vec<(PersonId, PersonLookup)>, StoreError> {
        let readers = Arc::clone(&self.readers);
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            let rows = connection
                .client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM govledger_people \
                         WHERE (erasure_basis IS NOT NULL) = $1 \
                         AND ($2::uuid IS NULL OR person_id > $2) \
                         ORDER BY person_id LIMIT $3"
                    ),
                    &[&erased, &after.map(|person| person.0), &PEOPLE_PAGE_ROWS],
                )
                .await
                .map_err(db_error("reading people's details"))?;
            rows.iter().map(lookup_of).collect()
        })
    }

    /// How many people have details on record.
    pub(crate) fn known_count(&self) -> Result<usize, StoreError> {
        let readers = Arc::clone(&self.readers);
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            let row = connection
                .client
                .query_one(
                    "SELECT count(*) FROM govledger_people WHERE erasure_basis IS NULL",
                    &[],
                )
                .await
                .map_err(db_error("counting people"))?;
            let count: i64 = row.try_get(0)?;
            Ok(usize::try_from(count).unwrap_or(usize::MAX))
        })
    }

    /// Whether no person is on record at all (details or tombstone).
    pub(crate) fn is_empty(&self) -> Result<bool, StoreError> {
        let readers = Arc::clone(&self.readers);
        spawn_and_wait(&self.handle, async move {
            let connection = readers.get().await?;
            let row = connection
                .client
                .query_one("SELECT NOT EXISTS (SELECT 1 FROM govledger_people)", &[])
                .await
                .map_err(db_error("looking for people"))?;
            Ok(row.try_get(0)?)
        })
    }
}

/// The page size `page` reads (a shorter page is the last).
pub(crate) const PEOPLE_PAGE_LEN: usize = PEOPLE_PAGE_ROWS as usize;

fn lookup_of(row: &tokio_postgres::Row) -> Result<(PersonId, PersonLookup), StoreError> {
    let person_id = PersonId(row.try_get::<_, Uuid>(0)?);
    let basis: Option<String> = row.try_get(5)?;
    let lookup = match basis {
        Some(basis) => PersonLookup::Erased(ErasureBasis::parse(&basis).ok_or_else(|| {
            StoreError::Corrupt {
                position: 0,
                reason: format!("person {person_id}: unknown erasure basis {basis:?}"),
            }
        })?),
        None => PersonLookup::Known(PersonDetails {
            name: row.try_get(1)?,
            phone: row.try_get(2)?,
            id_number: row.try_get(3)?,
            unit_id: row.try_get::<_, Option<Uuid>>(4)?.map(UnitId),
        }),
    };
    Ok((person_id, lookup))
}

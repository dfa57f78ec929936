//! Personal data outside the ledger.
//!
//! Names, phone numbers and ID numbers never enter event payloads: events name a `PersonId`,
//! and the details live here, outside the ledger's hash chain: in a separate sled database
//! beside a sled ledger (`sled_people.rs`), or in rows of a PostgreSQL ledger's database that
//! every node shares (`store/postgres_store/people.rs`, ADR 0025). A lawful erasure removes
//! the details and leaves a tombstone (the basis), and the ledger records `PersonalDataErased`
//! without the data, so the ledger still verifies and every view can say "erased".
//!
//! Erasure order: the ledger event first (the durable record that an erasure was decided),
//! then the details. A crash in between leaves the details until the erasure is retried; the
//! retry finds the ledger event and completes the removal. sled may keep removed bytes in
//! its log segments until they are compacted, and PostgreSQL keeps the old row version until
//! it is vacuumed; operators who need physical erasure rotate the database or run `VACUUM`
//! (see docs/events.md).

mod sled_people;
mod store;

pub(crate) use store::PutOutcome;
pub use store::{PersonDetails, PersonLookup, PersonalDataError, PersonalDataStore, erase_person};

/// Longest name, in bytes.
pub const NAME_BYTES_MAX: usize = 128;
/// Longest phone number, in bytes.
pub const PHONE_BYTES_MAX: usize = 32;
/// Longest ID-document number, in bytes.
pub const ID_NUMBER_BYTES_MAX: usize = 32;

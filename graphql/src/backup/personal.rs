//! The personal-data part: a header line, then one line per person (their details, or the
//! basis of their erasure), encrypted in the `age` format to the operator's X25519 recipient
//! (`age1…`) by the server before it leaves the process; only the operator's identity
//! (`AGE-SECRET-KEY-1…`) opens it.

use std::io::{BufRead, BufReader, Read, Write};
use std::str::FromStr;

use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::ids::PersonId;
use govledger_core::personal_data::{
    PersonDetails, PersonLookup, PersonalDataError, PersonalDataStore,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::backup::parts::PartHeader;

/// Longest personal-data line read back.
const PERSON_LINE_BYTES_MAX: u64 = 4 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PersonalPartError {
    #[error("the recipient: {0}")]
    Recipient(String),
    #[error("the identity: {0}")]
    Identity(String),
    #[error("encrypting: {0}")]
    Encrypt(String),
    #[error("decrypting the personal-data part: {0}")]
    Decrypt(String),
    #[error("the personal-data part, line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error(transparent)]
    Store(#[from] PersonalDataError),
    #[error("writing: {0}")]
    Io(#[from] std::io::Error),
}

/// One person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonLine {
    pub person_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<PersonDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased: Option<ErasureBasis>,
}

/// An operator's recipient, `age1…`.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, PersonalPartError> {
    age::x25519::Recipient::from_str(text.trim())
        .map_err(|e| PersonalPartError::Recipient(e.to_string()))
}

/// An operator's identity file's key, `AGE-SECRET-KEY-1…` (comment lines skipped).
pub fn parse_identity(text: &str) -> Result<age::x25519::Identity, PersonalPartError> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .ok_or_else(|| PersonalPartError::Identity("no key in the file".into()))?;
    age::x25519::Identity::from_str(line).map_err(|e| PersonalPartError::Identity(e.to_string()))
}

/// Writes the part for `store` to `out`, encrypted to `recipient`; returns how many people.
pub fn write_part(
    store: &PersonalDataStore,
    header: &PartHeader,
    recipient: &age::x25519::Recipient,
    out: impl Write,
) -> Result<u64, PersonalPartError> {
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(recipient as &dyn age::Recipient))
            .map_err(|e| PersonalPartError::Encrypt(e.to_string()))?;
    let mut writer = encryptor.wrap_output(out)?;
    writer.write_all(header.to_line().as_bytes())?;
    let mut people = 0u64;
    store.for_each_entry(|person_id: PersonId, lookup| {
        let line = match lookup {
            PersonLookup::Known(details) => PersonLine {
                person_id: person_id.0,
                details: Some(details),
                erased: None,
            },
            PersonLookup::Erased(basis) => PersonLine {
                person_id: person_id.0,
                details: None,
                erased: Some(basis),
            },
            PersonLookup::Unknown => return Ok(()),
        };
        let mut text =
            serde_json::to_string(&line).map_err(|e| PersonalPartError::Encrypt(e.to_string()))?;
        text.push('\n');
        writer.write_all(text.as_bytes())?;
        people += 1;
        Ok::<(), PersonalPartError>(())
    })?;
    writer.finish()?;
    Ok(people)
}

/// Decrypts the part with `identity`: its header line and its people.
pub fn read_part(
    input: impl Read,
    identity: &age::x25519::Identity,
) -> Result<(String, Vec<PersonLine>), PersonalPartError> {
    let decrypt = |e: &dyn std::fmt::Display| PersonalPartError::Decrypt(e.to_string());
    let decryptor = age::Decryptor::new(input).map_err(|e| decrypt(&e))?;
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| decrypt(&e))?;
    let mut reader = BufReader::new(reader);
    let mut header = String::new();
    (&mut reader)
        .take(PERSON_LINE_BYTES_MAX)
        .read_line(&mut header)
        .map_err(|e| decrypt(&e))?;
    let mut people = Vec::new();
    let mut number = 1;
    loop {
        number += 1;
        let mut line = String::new();
        let read = (&mut reader)
            .take(PERSON_LINE_BYTES_MAX)
            .read_line(&mut line)
            .map_err(|e| decrypt(&e))?;
        if read == 0 {
            break;
        }
        let person: PersonLine =
            serde_json::from_str(line.trim_end()).map_err(|e| PersonalPartError::Line {
                line: number,
                reason: e.to_string(),
            })?;
        if person.details.is_some() == person.erased.is_some() {
            return Err(PersonalPartError::Line {
                line: number,
                reason: "a person has either details or an erasure".into(),
            });
        }
        people.push(person);
    }
    Ok((header, people))
}

/// Writes `people` into the new personal-data store: details first, then erasures.
pub fn restore_people(
    store: &PersonalDataStore,
    people: &[PersonLine],
) -> Result<(), PersonalPartError> {
    for person in people {
        if let Some(details) = &person.details {
            store.put(PersonId(person.person_id), details)?;
        }
    }
    for person in people {
        if let Some(basis) = person.erased {
            store.erase(PersonId(person.person_id), basis)?;
        }
    }
    Ok(())
}

//! The token log `<data>/access/tokens.jsonl`: an append-only file of JSON lines, one event
//! per line (`log_started`, then `token_created` and `token_revoked`), holding token digests,
//! never secrets. Writers (`govledger token`, `govledger demo`) append under an exclusive
//! advisory lock on `tokens.lock` and fsync before they return; readers (a running server)
//! take no lock and ignore an unfinished last line, so a CLI can manage tokens while the
//! server runs.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::token_table::TokenTable;
use crate::access::{AccessError, TokenRecord};

/// The log, inside the access directory.
pub(super) const LOG_FILE: &str = "tokens.jsonl";
/// The file writers lock (the log itself may not exist yet, or be replaced by a migration).
pub(super) const LOCK_FILE: &str = "tokens.lock";
/// The one format version this build reads and writes.
pub(super) const FORMAT_VERSION: u32 = 1;
/// Largest log this build reads: far beyond any real number of tokens, small enough that a
/// damaged or foreign file cannot exhaust memory.
const LOG_BYTES_MAX: u64 = 64 * 1024 * 1024;

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum TokenLogEntry {
    /// The first line: names the format version.
    LogStarted { format_version: u32 },
    /// A token was created; `digest` is the SHA-256 of its secret, in hex.
    TokenCreated {
        token_id: Uuid,
        digest: String,
        account_id: Uuid,
        role: String,
        organisation_id: Option<Uuid>,
        label: String,
        created_at: String,
    },
    /// A token was revoked; it never authenticates again.
    TokenRevoked { token_id: Uuid, revoked_at: String },
}

impl TokenLogEntry {
    pub(super) fn created(record: &TokenRecord, digest: String) -> TokenLogEntry {
        TokenLogEntry::TokenCreated {
            token_id: record.token_id,
            digest,
            account_id: record.account_id,
            role: record.role.clone(),
            organisation_id: record.organisation_id,
            label: record.label.clone(),
            created_at: record.created_at.clone(),
        }
    }

    pub(super) fn to_line(&self) -> Result<String, AccessError> {
        let mut line =
            serde_json::to_string(self).map_err(|e| AccessError::Corrupt(e.to_string()))?;
        line.push('\n');
        Ok(line)
    }
}

/// What a read found.
pub(super) struct LogContents {
    /// Every complete line, decoded, header excluded.
    pub(super) entries: Vec<TokenLogEntry>,
    /// Bytes up to the end of the last complete line.
    complete_bytes: u64,
    /// Bytes after it: a line a writer has not finished (or a crashed writer left).
    torn_bytes: u64,
}

/// The log's path in the access directory `dir`.
pub(super) fn log_path(dir: &Path) -> PathBuf {
    dir.join(LOG_FILE)
}

/// Reads the log; a missing file is an empty log.
pub(super) fn read(dir: &Path) -> Result<LogContents, AccessError> {
    let path = log_path(dir);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(LogContents {
                entries: Vec::new(),
                complete_bytes: 0,
                torn_bytes: 0,
            });
        }
        Err(error) => return Err(io_error(&path, "opening", &error)),
    };
    let mut bytes = Vec::new();
    file.take(LOG_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&path, "reading", &e))?;
    if bytes.len() as u64 > LOG_BYTES_MAX {
        return Err(AccessError::Corrupt(format!(
            "{} is larger than {LOG_BYTES_MAX} bytes",
            path.display()
        )));
    }
    parse(&bytes)
}

/// Reads a log's bytes: every complete line, checked, and what follows the last one.
pub(super) fn parse(bytes: &[u8]) -> Result<LogContents, AccessError> {
    let complete = bytes
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |newline| newline + 1);
    let mut entries = Vec::new();
    for (index, line) in bytes[..complete]
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
    {
        let number = index + 1;
        let entry: TokenLogEntry = serde_json::from_slice(line)
            .map_err(|e| AccessError::Corrupt(format!("{LOG_FILE} line {number}: {e}")))?;
        match (number, entry) {
            (1, TokenLogEntry::LogStarted { format_version })
                if format_version == FORMAT_VERSION => {}
            (1, TokenLogEntry::LogStarted { format_version }) => {
                return Err(AccessError::Corrupt(format!(
                    "{LOG_FILE} has format version {format_version}; this govledger reads \
                     version {FORMAT_VERSION}"
                )));
            }
            (1, _) | (_, TokenLogEntry::LogStarted { .. }) => {
                return Err(AccessError::Corrupt(format!(
                    "{LOG_FILE} line {number}: `log_started` must be the first line, and only it"
                )));
            }
            (_, entry) => entries.push(entry),
        }
    }
    Ok(LogContents {
        entries,
        complete_bytes: complete as u64,
        torn_bytes: (bytes.len() - complete) as u64,
    })
}

/// Appends the entry `decide` makes from the current tokens, under the writers' lock, and
/// fsyncs it. `decide` refusing (or the entry not applying) writes nothing.
pub(super) fn append<T>(
    dir: &Path,
    decide: impl FnOnce(&TokenTable) -> Result<(TokenLogEntry, T), AccessError>,
) -> Result<T, AccessError> {
    let _lock = WriterLock::acquire(dir)?;
    let contents = read(dir)?;
    let path = log_path(dir);
    if contents.torn_bytes > 0 {
        // Only a writer that crashed mid-line leaves this (writers hold the lock).
        tracing::warn!(
            path = %path.display(),
            bytes = contents.torn_bytes,
            "dropping an unfinished last line of the token log"
        );
        let file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, "opening", &e))?;
        file.set_len(contents.complete_bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error(&path, "truncating", &e))?;
    }
    let mut table = TokenTable::fold(&contents.entries)?;
    let (entry, outcome) = decide(&table)?;
    // Paired check: the entry must apply to what is on disk before it is written.
    table.apply(&entry)?;
    let mut text = String::new();
    let starting = contents.complete_bytes == 0;
    if starting {
        text.push_str(
            &TokenLogEntry::LogStarted {
                format_version: FORMAT_VERSION,
            }
            .to_line()?,
        );
    }
    text.push_str(&entry.to_line()?);
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| io_error(&path, "opening", &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_data())
        .map_err(|e| io_error(&path, "appending to", &e))?;
    if starting {
        sync_dir(dir)?;
    }
    Ok(outcome)
}

/// Writes a whole new log (a migration) atomically: a temporary file, fsynced, renamed into
/// place, the directory fsynced. The caller holds the writers' lock.
pub(super) fn write_new(dir: &Path, entries: &[TokenLogEntry]) -> Result<(), AccessError> {
    TokenTable::fold(entries)?;
    let mut text = TokenLogEntry::LogStarted {
        format_version: FORMAT_VERSION,
    }
    .to_line()?;
    for entry in entries {
        text.push_str(&entry.to_line()?);
    }
    let temporary = dir.join(format!("{LOG_FILE}.new"));
    let mut file = File::create(&temporary).map_err(|e| io_error(&temporary, "creating", &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&temporary, "writing", &e))?;
    let path = log_path(dir);
    std::fs::rename(&temporary, &path).map_err(|e| io_error(&path, "renaming into", &e))?;
    sync_dir(dir)
}

/// The writers' exclusive advisory lock, released on drop (the file closes).
pub(super) struct WriterLock {
    _file: File,
}

impl WriterLock {
    /// Waits for other writers (each holds the lock for one short append).
    pub(super) fn acquire(dir: &Path) -> Result<WriterLock, AccessError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "creating", &e))?;
        let path = dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| io_error(&path, "opening", &e))?;
        fs2::FileExt::lock_exclusive(&file).map_err(|e| io_error(&path, "locking", &e))?;
        Ok(WriterLock { _file: file })
    }
}

fn sync_dir(dir: &Path) -> Result<(), AccessError> {
    // A new or renamed file is durable only once its directory entry is.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, "syncing", &e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub(super) fn io_error(path: &Path, doing: &str, error: &std::io::Error) -> AccessError {
    AccessError::Storage(format!("{doing} {}: {error}", path.display()))
}

/// The log's complete lines as they stand, checked (for a backup, ADR 0009); empty when there
/// is no log yet.
pub(crate) fn snapshot(dir: &Path) -> Result<Vec<u8>, AccessError> {
    let path = log_path(dir);
    let mut bytes = Vec::new();
    match File::open(&path) {
        Ok(file) => {
            file.take(LOG_BYTES_MAX + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| io_error(&path, "reading", &e))?;
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(bytes),
        Err(error) => return Err(io_error(&path, "opening", &error)),
    }
    if bytes.len() as u64 > LOG_BYTES_MAX {
        return Err(AccessError::Corrupt(format!(
            "{} is larger than {LOG_BYTES_MAX} bytes",
            path.display()
        )));
    }
    let contents = parse(&bytes)?;
    TokenTable::fold(&contents.entries)?;
    bytes.truncate(contents.complete_bytes as usize);
    Ok(bytes)
}

/// Checks a token log's bytes (whole lines, a known format, tokens that fold); returns how
/// many tokens it creates.
pub(crate) fn check(bytes: &[u8]) -> Result<usize, AccessError> {
    if bytes.len() as u64 > LOG_BYTES_MAX {
        return Err(AccessError::Corrupt(format!(
            "a token log larger than {LOG_BYTES_MAX} bytes"
        )));
    }
    let contents = parse(bytes)?;
    if contents.torn_bytes > 0 {
        return Err(AccessError::Corrupt(
            "the token log ends in an unfinished line".into(),
        ));
    }
    TokenTable::fold(&contents.entries)?;
    Ok(contents
        .entries
        .iter()
        .filter(|entry| matches!(entry, TokenLogEntry::TokenCreated { .. }))
        .count())
}

/// Writes a checked token log into the new access directory `dir` (restore).
pub(crate) fn write_copy(dir: &Path, bytes: &[u8]) -> Result<(), AccessError> {
    check(bytes)?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "creating", &e))?;
    let path = log_path(dir);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| io_error(&path, "creating", &e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(&path, "writing", &e))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What reading these bytes gives: the number of entries and torn bytes, or the error.
    fn check(bytes: &str, expect: Result<(usize, u64), &str>) {
        let got = parse(bytes.as_bytes())
            .map(|c| (c.entries.len(), c.torn_bytes))
            .map_err(|e| e.to_string());
        match (&got, &expect) {
            (Ok(got), Ok(expect)) => assert_eq!(got, expect, "{bytes:?}"),
            (Err(got), Err(expect)) => assert!(got.contains(expect), "{bytes:?}: {got}"),
            _ => panic!("{bytes:?}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn the_log_reads_complete_lines_and_leaves_an_unfinished_one() {
        let header = "{\"event\":\"log_started\",\"format_version\":1}\n";
        let revoked = format!(
            "{{\"event\":\"token_revoked\",\"token_id\":\"{}\",\"revoked_at\":\"x\"}}\n",
            Uuid::nil()
        );
        check("", Ok((0, 0)));
        check(header, Ok((0, 0)));
        check(&format!("{header}{revoked}"), Ok((1, 0)));
        check(&format!("{header}{{\"event\":\"tok"), Ok((0, 13)));
        check(&format!("{header}\n{revoked}"), Ok((1, 0)));
        check(&revoked, Err("must be the first line"));
        check(&format!("{header}{header}"), Err("must be the first line"));
        check(
            "{\"event\":\"log_started\",\"format_version\":2}\n",
            Err("format version 2"),
        );
        check(&format!("{header}not json\n"), Err("line 2"));
        check(
            &format!("{header}{{\"event\":\"token_exploded\"}}\n"),
            Err("line 2"),
        );
    }
}

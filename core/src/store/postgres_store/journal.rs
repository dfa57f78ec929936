//! Journals: small append-only logs of text entries in the ledger's database, for what every
//! node needs besides the events (the access tokens, ADR 0025). Core knows nothing of what an
//! entry means; the caller folds them.
//!
//! Each node keeps every entry of a journal it opened in memory and follows the table the way
//! the head is followed (`listener.rs`): `LISTEN govledger_journal` plus a read every
//! `JOURNAL_POLL_INTERVAL`, so another node's append is seen within milliseconds, and within
//! the interval when a notification is lost. While the database cannot be reached, the last
//! entries read stay in force. An append takes the journal's transaction lock, reads every
//! entry, lets the caller decide what to add, inserts it and notifies, in one transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

use crate::error::StoreError;
use crate::store::postgres_store::connection::Connection;
use crate::store::postgres_store::{db_error, spawn_and_wait, to_db};

/// Longest a node goes without reading a journal it follows.
pub const JOURNAL_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
const RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(5);
/// Most entries one journal may hold: far beyond any real number of tokens, small enough that
/// a runaway writer cannot exhaust a node's memory.
pub const JOURNAL_ENTRIES_MAX: usize = 1_000_000;
/// Longest entry, in bytes.
pub const JOURNAL_ENTRY_BYTES_MAX: usize = 64 * 1024;
/// The first key of the journals' transaction locks (the second is the journal's name hashed).
const JOURNAL_LOCK_CLASS: i32 = 0x676c_6a6e; // "gljn"
/// The notification channel; the payload is the journal's name.
const CHANNEL: &str = "govledger_journal";

/// Every entry of one journal as a node last read it; entry `i` has sequence `i + 1`.
pub type JournalEntries = Arc<Vec<String>>;

/// One journal, followed. Clones share the follower.
#[derive(Clone)]
pub struct Journal {
    name: Arc<str>,
    config: Config,
    handle: Handle,
    entries_tx: Arc<watch::Sender<JournalEntries>>,
    entries_rx: watch::Receiver<JournalEntries>,
    reachable: Arc<AtomicBool>,
}

impl Journal {
    /// Reads the journal `name` and starts following it on `handle` (the store's runtime).
    pub(super) fn open(config: Config, handle: Handle, name: &str) -> Result<Journal, StoreError> {
        check_name(name)?;
        let name: Arc<str> = Arc::from(name);
        let entries = {
            let (config, name) = (config.clone(), Arc::clone(&name));
            spawn_and_wait(&handle, async move {
                let client = Connection::open_unprepared(&config).await?;
                read_after(&client, &name, 0).await
            })?
        };
        let (entries_tx, entries_rx) = watch::channel(Arc::new(entries));
        let journal = Journal {
            name,
            config,
            handle,
            entries_tx: Arc::new(entries_tx),
            entries_rx,
            reachable: Arc::new(AtomicBool::new(true)),
        };
        journal.handle.spawn(follow(
            journal.config.clone(),
            Arc::clone(&journal.name),
            Arc::clone(&journal.entries_tx),
            Arc::clone(&journal.reachable),
        ));
        Ok(journal)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every entry as last read: no database round trip, so it answers while the database is
    /// away (with what was read before).
    pub fn entries(&self) -> JournalEntries {
        Arc::clone(&self.entries_rx.borrow())
    }

    /// A receiver that changes whenever new entries are read.
    pub fn watch(&self) -> watch::Receiver<JournalEntries> {
        self.entries_rx.clone()
    }

    /// Whether the follower's last read succeeded.
    pub fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::SeqCst)
    }

    /// Appends what `decide` makes of every current entry, in one transaction under the
    /// journal's lock, and notifies every node. `decide` refusing appends nothing; so does an
    /// empty list. The new entries are in `entries()` on return.
    pub fn append<T, E>(
        &self,
        decide: impl FnOnce(&[String]) -> Result<(Vec<String>, T), E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (config, name) = (self.config.clone(), Arc::clone(&self.name));
        let entries_tx = Arc::clone(&self.entries_tx);
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let _ = sender.send(append(config, name, entries_tx, decide).await);
        });
        receiver
            .recv()
            .unwrap_or(Err(E::from(StoreError::Unavailable)))
    }
}

fn check_name(name: &str) -> Result<(), StoreError> {
    let fine = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if fine {
        Ok(())
    } else {
        Err(StoreError::InvalidName {
            what: "journal",
            reason: format!("{name:?} is not 1 to 64 of a-z, 0-9 and _"),
        })
    }
}

async fn append<T, E>(
    config: Config,
    name: Arc<str>,
    entries_tx: Arc<watch::Sender<JournalEntries>>,
    decide: impl FnOnce(&[String]) -> Result<(Vec<String>, T), E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let mut client = Connection::open_unprepared(&config).await?;
    let transaction = client
        .transaction()
        .await
        .map_err(db_error("starting a journal append"))?;
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&JOURNAL_LOCK_CLASS, &name.as_ref()],
        )
        .await
        .map_err(db_error("taking the journal's lock"))?;
    let mut entries = read_after(&transaction, &name, 0).await?;
    let (new_entries, outcome) = decide(&entries)?;
    if new_entries.is_empty() {
        return Ok(outcome);
    }
    if entries.len() + new_entries.len() > JOURNAL_ENTRIES_MAX {
        return Err(StoreError::Storage(format!(
            "journal {name} would hold more than {JOURNAL_ENTRIES_MAX} entries"
        ))
        .into());
    }
    if let Some(entry) = new_entries
        .iter()
        .find(|entry| entry.len() > JOURNAL_ENTRY_BYTES_MAX)
    {
        return Err(StoreError::PayloadTooLarge {
            size_bytes: entry.len(),
            limit_bytes: JOURNAL_ENTRY_BYTES_MAX,
        }
        .into());
    }
    let first = to_db(entries.len() as u64 + 1);
    transaction
        .execute(
            "INSERT INTO govledger_journal (journal, sequence, entry) \
             SELECT $1, $2 + ordinality - 1, entry FROM unnest($3::text[]) WITH ORDINALITY \
             AS added(entry, ordinality)",
            &[&name.as_ref(), &first, &new_entries],
        )
        .await
        .map_err(db_error("appending to a journal"))?;
    transaction
        .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &name.as_ref()])
        .await
        .map_err(db_error("notifying the journal's followers"))?;
    transaction
        .commit()
        .await
        .map_err(db_error("committing a journal append"))?;
    entries.extend(new_entries);
    publish(&entries_tx, entries);
    Ok(outcome)
}

/// The entries after `sequence`, in order, checked to follow on without a gap.
async fn read_after(
    client: &impl tokio_postgres::GenericClient,
    name: &str,
    sequence: u64,
) -> Result<Vec<String>, StoreError> {
    let rows = client
        .query(
            "SELECT sequence, entry FROM govledger_journal WHERE journal = $1 AND sequence > $2 \
             ORDER BY sequence LIMIT $3",
            &[
                &name,
                &to_db(sequence),
                &to_db(JOURNAL_ENTRIES_MAX as u64 + 1),
            ],
        )
        .await
        .map_err(db_error("reading a journal"))?;
    let mut entries = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let stored: i64 = row.try_get(0)?;
        let expected = sequence + index as u64 + 1;
        if u64::try_from(stored).ok() != Some(expected) {
            return Err(StoreError::Corrupt {
                position: 0,
                reason: format!("journal {name} has entry {stored} where {expected} belongs"),
            });
        }
        entries.push(row.try_get(1)?);
    }
    if sequence as usize + entries.len() > JOURNAL_ENTRIES_MAX {
        return Err(StoreError::Corrupt {
            position: 0,
            reason: format!("journal {name} holds more than {JOURNAL_ENTRIES_MAX} entries"),
        });
    }
    Ok(entries)
}

/// Publishes `entries` if they are more than the published ones (an append and the follower
/// race; a journal only grows).
fn publish(entries_tx: &watch::Sender<JournalEntries>, entries: Vec<String>) {
    entries_tx.send_if_modified(|published| {
        if entries.len() > published.len() {
            *published = Arc::new(entries);
            true
        } else {
            false
        }
    });
}

/// Runs until the store's runtime shuts down.
async fn follow(
    config: Config,
    name: Arc<str>,
    entries_tx: Arc<watch::Sender<JournalEntries>>,
    reachable: Arc<AtomicBool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&config, &name, &entries_tx, &reachable).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(error) => {
                tracing::warn!(%error, journal = %name, "following a journal; reconnecting");
            }
        }
        reachable.store(false, Ordering::SeqCst);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RECONNECT_BACKOFF_MAX);
    }
}

/// One connection's life: listen, and read new entries on each notification or poll tick.
async fn listen(
    config: &Config,
    name: &str,
    entries_tx: &watch::Sender<JournalEntries>,
    reachable: &AtomicBool,
) -> Result<(), StoreError> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(db_error("connecting to follow a journal"))?;
    let (notified_tx, mut notified) = mpsc::unbounded_channel();
    let watched = name.to_string();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification))
                    if notification.payload() == watched =>
                {
                    if notified_tx.send(()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(%error, "a journal listener's connection ended");
                    return;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(db_error("listening for journal appends"))?;
    loop {
        read_new(&client, name, entries_tx).await?;
        reachable.store(true, Ordering::SeqCst);
        tokio::select! {
            received = notified.recv() => {
                if received.is_none() {
                    return Ok(());
                }
                // Coalesce a burst of notifications into one read.
                while notified.try_recv().is_ok() {}
            }
            () = tokio::time::sleep(JOURNAL_POLL_INTERVAL) => {}
        }
    }
}

async fn read_new(
    client: &Client,
    name: &str,
    entries_tx: &watch::Sender<JournalEntries>,
) -> Result<(), StoreError> {
    let known = entries_tx.borrow().len();
    let added = read_after(client, name, known as u64).await?;
    if !added.is_empty() {
        let mut entries = Vec::with_capacity(known + added.len());
        entries.extend(entries_tx.borrow().iter().take(known).cloned());
        entries.extend(added);
        publish(entries_tx, entries);
    }
    Ok(())
}

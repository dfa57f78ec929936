//! Follows the shared log's head: `LISTEN govledger_head` plus a bounded polling fallback
//! (ADR 0019), so a node learns of other nodes' commits within milliseconds, and within
//! `HEAD_POLL_INTERVAL` when a notification is lost. Its last success also says whether the
//! database is reachable.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::{AsyncMessage, Config, NoTls};

use crate::store::Head;
use crate::store::postgres_store::{db_error, from_db_u64, hash_from_db, publish};

/// Longest a node goes without reading the head row.
pub const HEAD_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Longest wait between reconnection attempts.
const RECONNECT_BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Runs until the store's runtime shuts down.
pub(super) async fn follow_head(
    config: Config,
    head_tx: Arc<watch::Sender<Head>>,
    reachable: Arc<AtomicBool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen(&config, &head_tx, &reachable).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(error) => {
                tracing::warn!(%error, "following the ledger head; reconnecting");
            }
        }
        reachable.store(false, Ordering::SeqCst);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(RECONNECT_BACKOFF_MAX);
    }
}

/// One connection's life: listen, and read the head on each notification or poll tick.
async fn listen(
    config: &Config,
    head_tx: &watch::Sender<Head>,
    reachable: &AtomicBool,
) -> Result<(), crate::error::StoreError> {
    let (client, mut connection) = config
        .connect(NoTls)
        .await
        .map_err(db_error("connecting to follow the head"))?;
    let (notified_tx, mut notified) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    if notified_tx.send(()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(%error, "the head listener's connection ended");
                    return;
                }
            }
        }
    });
    client
        .batch_execute("LISTEN govledger_head")
        .await
        .map_err(db_error("listening for the head"))?;
    let statement = client
        .prepare("SELECT position, hash FROM govledger_head WHERE log_id = 1")
        .await
        .map_err(db_error("preparing the head read"))?;
    loop {
        let row = client
            .query_one(&statement, &[])
            .await
            .map_err(db_error("reading the head"))?;
        let head = Head {
            position: from_db_u64(row.try_get(0)?)?,
            hash: hash_from_db(row.try_get(1)?)?,
        };
        reachable.store(true, Ordering::SeqCst);
        publish(head_tx, head);
        tokio::select! {
            received = notified.recv() => {
                if received.is_none() {
                    return Ok(());
                }
                // Coalesce a burst of notifications into one read.
                while notified.try_recv().is_ok() {}
            }
            () = tokio::time::sleep(HEAD_POLL_INTERVAL) => {}
        }
    }
}

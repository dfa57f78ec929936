//! The server's checkpoint signer (ADR 0007): signs a checkpoint of the published head at
//! start and then within `interval` of every new event, and keeps each one in the store. On
//! a PostgreSQL ledger every node runs one with the same key; the database keeps one
//! checkpoint per tree size, whichever node signed it first.

use std::sync::Arc;
use std::time::Duration;

use govledger_core::store::TransparencyLog;
use govledger_core::store::sled_store::StoredCheckpoint;
use govledger_core::tlog::note::NoteSigner;
use tokio::sync::watch;
use tokio::time::Instant;

/// Runs until the store closes (its head channel ends) or the task is dropped. Each
/// checkpoint kept (a new one, or the one already kept for the head) is sent on `kept_tx`
/// for the witnesses.
pub async fn sign_checkpoints(
    store: Arc<dyn TransparencyLog>,
    signer: Arc<NoteSigner>,
    interval: Duration,
    kept_tx: watch::Sender<Option<StoredCheckpoint>>,
) {
    let mut head = store.watch_head();
    let mut last_signed: Option<Instant> = None;
    loop {
        // At most one checkpoint per interval; the first of a burst waits for no one.
        if let Some(at) = last_signed {
            tokio::time::sleep_until(at + interval).await;
        }
        last_signed = Some(Instant::now());
        head.borrow_and_update();
        let (store_for_signing, signer_for_signing) = (Arc::clone(&store), Arc::clone(&signer));
        let signed = tokio::task::spawn_blocking(move || {
            store_for_signing.sign_checkpoint(&signer_for_signing)
        })
        .await;
        match signed {
            Ok(Ok(checkpoint)) => {
                tracing::debug!(tree_size = checkpoint.tree_size, "checkpoint signed");
                kept_tx.send_if_modified(|last| {
                    let new = last.as_ref().map(|l| l.tree_size) != Some(checkpoint.tree_size);
                    if new {
                        *last = Some(checkpoint);
                    }
                    new
                });
            }
            Ok(Err(error)) => tracing::error!(%error, "signing a checkpoint"),
            Err(error) => tracing::error!(%error, "the checkpoint signer panicked"),
        }
        if head.changed().await.is_err() {
            return;
        }
    }
}

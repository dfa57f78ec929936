//! The govledger server (`server::run`, the one `govledger serve` runs) over a prepared
//! ledger, in this process on `127.0.0.1:0`, until stopped.

use std::sync::Arc;

use govledger_graphql::access::TokenStore;
use govledger_graphql::schema::Introspection;
use govledger_graphql::server::{self, ServerConfig};
use govledger_graphql::service::{LedgerService, ServiceParts};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::BenchError;
use crate::served::ledger::PreparedLedger;

/// A running server: its address, and how to stop it.
pub(crate) struct RunningServer {
    pub(crate) address: String,
    stop: oneshot::Sender<()>,
    serving: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Starts serving `prepared`'s store and read models, with `tokens`.
    pub(crate) async fn start(
        prepared: &PreparedLedger,
        tokens: TokenStore,
    ) -> Result<RunningServer, BenchError> {
        let service = Arc::new(LedgerService::new(ServiceParts {
            ledger: prepared.store.clone().into(),
            tokens,
            read: Some(prepared.read.clone()),
            personal: None,
        }));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let serving = tokio::spawn(server::run(
            listener,
            async {
                let _ = stop_rx.await;
            },
            service,
            ServerConfig {
                introspection: Introspection::Enabled,
                connection_init_timeout: govledger_graphql::limits::CONNECTION_INIT_TIMEOUT_DEFAULT,
            },
        ));
        Ok(RunningServer {
            address,
            stop,
            serving,
        })
    }

    /// Stops serving and waits for the server to end.
    pub(crate) async fn stop(self) -> Result<(), BenchError> {
        let _ = self.stop.send(());
        self.serving.await??;
        Ok(())
    }
}

//! A server over an empty temp data directory, with extra `serve` flags: enough for tests of
//! the HTTP surface (media types, CORS, compression, GraphiQL) that need no directory.

use tempfile::TempDir;

use crate::e2e::backend::{Backend, BackendLedger};
use crate::e2e::process::Server;

pub struct BareServer {
    /// Killed before the directory and the database are deleted (fields drop in
    /// declaration order).
    server: Server,
    _dir: TempDir,
    _ledger: BackendLedger,
}

impl BareServer {
    /// `govledger serve --data <temp> <extra…>`.
    pub fn start(extra: &[&str]) -> BareServer {
        BareServer::start_on(Backend::Sled, extra)
    }

    /// The same with the ledger on `backend` (a fresh database on PostgreSQL).
    pub fn start_on(backend: Backend, extra: &[&str]) -> BareServer {
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = dir.path().join("data");
        let data = data.to_str().expect("temp paths are UTF-8");
        let ledger = BackendLedger::create(backend);
        let mut args = vec!["serve", "--data", data];
        args.extend(ledger.serve_args());
        args.extend_from_slice(extra);
        let server = Server::start(&args, &dir.path().join("server.log"));
        BareServer {
            server,
            _dir: dir,
            _ledger: ledger,
        }
    }

    /// `host:port` of the running server.
    pub fn address(&self) -> String {
        self.server.address()
    }
}

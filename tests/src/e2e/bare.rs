//! A server over an empty temp data directory, with extra `serve` flags: enough for tests of
//! the HTTP surface (media types, CORS, compression, GraphiQL) that need no directory.

use tempfile::TempDir;

use crate::e2e::process::Server;

pub struct BareServer {
    /// Killed before the directory is deleted (fields drop in declaration order).
    server: Server,
    _dir: TempDir,
}

impl BareServer {
    /// `govledger serve --data <temp> <extra…>`.
    pub fn start(extra: &[&str]) -> BareServer {
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = dir.path().join("data");
        let data = data.to_str().expect("temp paths are UTF-8");
        let mut args = vec!["serve", "--data", data];
        args.extend_from_slice(extra);
        let server = Server::start(&args, &dir.path().join("server.log"));
        BareServer { server, _dir: dir }
    }

    /// `host:port` of the running server.
    pub fn address(&self) -> String {
        self.server.address()
    }
}

//! The end-to-end harness: start the real `govledger` binary on `127.0.0.1:0` with a temp
//! data dir, talk to it with a small HTTP/1.1 client and a `graphql-transport-ws` client,
//! stop it with SIGTERM.
//!
//! - `process`: finding (or building once) the binary, one-shot CLI runs, a running server.
//! - `http`: one request per connection, statuses and bodies exactly as sent.
//! - `client`: GraphQL for one caller, `executeCommand` with a domain `Command`.
//! - `websocket`: subscriptions.
//! - `webdriver`: headless Chromium through chromedriver (the explorer's browser tests).
//! - `tamper`: a proxy that alters one tile or the checkpoint on its way to the browser.
//! - `bare`: a server over an empty data dir, with extra `serve` flags.
//! - `world`: tokens, a server and a small directory built through mutations.
//! - `backend`: the ledger on sled or on a fresh PostgreSQL database; `on_both_backends!`.

pub mod backend;
pub mod bare;
pub mod client;
pub mod http;
pub mod process;
pub mod tamper;
pub mod webdriver;
pub mod websocket;
pub mod world;

pub use backend::{Backend, BackendLedger};
pub use bare::BareServer;
pub use client::{Client, Executed};
pub use http::{HttpResponse, graphql, request};
pub use process::{Server, binary_path, run_cli};
pub use world::{
    Cast, IssuedToken, Member, Organisations, Places, World, create_token, create_token_on,
    token_command, token_command_on,
};

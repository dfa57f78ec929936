//! A fresh PostgreSQL database per test ledger on the server `GOVLEDGER_TEST_POSTGRES` names
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped with the ledger. The
//! same rules as the tests crate's `govledger_tests::postgres` (which this crate cannot
//! depend on, being below it): where no server answers a test says it was skipped, unless
//! `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`, which makes that a failure.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_postgres::{Config, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn server_url() -> String {
    std::env::var("GOVLEDGER_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn required() -> bool {
    std::env::var("GOVLEDGER_TEST_POSTGRES_REQUIRED").is_ok_and(|value| value == "1")
}

/// Runs one statement on the server's maintenance database, on a thread of its own (safe
/// inside a runtime).
fn admin(statement: String) -> Result<(), String> {
    let url = server_url();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        runtime.block_on(async move {
            let mut config: Config = url.parse().map_err(|error| format!("{url}: {error}"))?;
            config.connect_timeout(Duration::from_secs(3));
            let (client, connection) = config
                .connect(NoTls)
                .await
                .map_err(|error| format!("{url}: {error}"))?;
            tokio::spawn(connection);
            client
                .batch_execute(&statement)
                .await
                .map_err(|error| format!("{url}: {error}"))
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the admin thread panicked".into()))
}

/// Whether `test` can run on PostgreSQL: the server answers. Otherwise says the test is
/// skipped (or fails it, when the server is required).
pub(crate) fn server_answers(test: &str) -> bool {
    match admin("SELECT 1".into()) {
        Ok(()) => true,
        Err(error) if required() => {
            panic!("{test}: PostgreSQL is required (GOVLEDGER_TEST_POSTGRES_REQUIRED=1): {error}")
        }
        Err(error) => {
            eprintln!("skipped {test} on PostgreSQL: no server answers ({error})");
            false
        }
    }
}

/// A fresh, empty database, dropped (with any connection still open to it) on drop.
pub(crate) struct TestDatabase {
    name: String,
    url: String,
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    pub(crate) fn create() -> TestDatabase {
        let name = format!(
            "govledger_graphql_test_{}_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::SeqCst),
            uuid::Uuid::now_v7().simple()
        );
        admin(format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|error| panic!("creating a test database: {error}"));
        TestDatabase {
            url: url_with_database(&server_url(), &name),
            name,
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = admin(statement) {
            eprintln!("dropping test database {}: {error}", self.name);
        }
    }
}

/// `url` with its database replaced by `database` (query parameters kept).
fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

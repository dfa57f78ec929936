//! Which ledger backend an end-to-end test serves from: the sled ledger in the data
//! directory, or a fresh PostgreSQL database (`--ledger postgres://…`, dropped with the
//! test). `on_both_backends!` runs one test body once per backend.

use crate::postgres::TestDatabase;

/// Where `govledger serve` keeps the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `<data>/ledger`.
    Sled,
    /// A fresh database on `GOVLEDGER_TEST_POSTGRES` (`crate::postgres`).
    Postgres,
}

/// A test's ledger on one backend: for PostgreSQL the database, dropped with this.
pub struct BackendLedger {
    database: Option<TestDatabase>,
}

impl BackendLedger {
    /// A fresh ledger on `backend`. On PostgreSQL the server must answer (the test checked
    /// with `postgres::server_answers` first).
    pub fn create(backend: Backend) -> BackendLedger {
        let database = match backend {
            Backend::Sled => None,
            Backend::Postgres => Some(
                TestDatabase::create("an end-to-end test")
                    .expect("the PostgreSQL server answered a moment ago"),
            ),
        };
        BackendLedger { database }
    }

    /// The flags every `serve` or `demo` of the test gets: `--ledger <url>` on PostgreSQL.
    pub fn serve_args(&self) -> Vec<&str> {
        match &self.database {
            Some(database) => vec!["--ledger", database.url()],
            None => Vec::new(),
        }
    }
}

/// Runs each named test body, an `async fn(Backend)`, once per backend, each as a test of its
/// own: `<name>::on_sled` and `<name>::on_postgres` (skipped, saying so, where no PostgreSQL
/// server answers, unless `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use $crate::e2e::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sled() {
                super::$name(Backend::Sled).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if $crate::postgres::server_answers(stringify!($name)) {
                    super::$name(Backend::Postgres).await;
                }
            }
        }
    )+};
}

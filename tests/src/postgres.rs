//! PostgreSQL for tests: a fresh database per test on the server `GOVLEDGER_TEST_POSTGRES`
//! names (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped afterwards. Where no
//! server answers, a test prints that it was skipped, unless `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`
//! (CI sets it), which makes that a failure.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use govledger_core::store::EventStore;
use govledger_core::store::postgres_store::{PostgresOptions, PostgresStore};
use tokio_postgres::{Config, NoTls};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The server tests use.
pub fn server_url() -> String {
    std::env::var("GOVLEDGER_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.to_string())
}

fn required() -> bool {
    std::env::var("GOVLEDGER_TEST_POSTGRES_REQUIRED").is_ok_and(|value| value == "1")
}

/// `url` with its database replaced by `database` (query parameters kept).
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
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

/// Runs `work` with a client on the server's maintenance database, on a thread of its own
/// (so it is safe inside a runtime).
fn with_admin<T: Send + 'static>(
    work: impl FnOnce(
        tokio_postgres::Client,
    ) -> std::pin::Pin<
        Box<dyn Future<Output = Result<T, tokio_postgres::Error>> + Send>,
    > + Send
    + 'static,
) -> Result<T, String> {
    let url = server_url();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(async move {
            let mut config: Config = url.parse().map_err(|e| format!("{url}: {e}"))?;
            config.connect_timeout(Duration::from_secs(3));
            let (client, connection) = config
                .connect(NoTls)
                .await
                .map_err(|e| format!("{url}: {e}"))?;
            tokio::spawn(connection);
            work(client).await.map_err(|e| format!("{url}: {e}"))
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the admin thread panicked".into()))
}

/// Whether a test can run on PostgreSQL: the server answers (a database is made and
/// dropped). Otherwise says the test is skipped, or fails it when the server is required.
pub fn server_answers(test: &str) -> bool {
    TestDatabase::create(test).is_some()
}

/// A fresh, empty database; dropped (with any connection still open to it) on drop.
pub struct TestDatabase {
    name: String,
    url: String,
}

static NEXT_DATABASE: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    /// A fresh database for `test`, or `None` (after saying so) when no server answers and
    /// the server is not required.
    pub fn create(test: &str) -> Option<TestDatabase> {
        let name = format!(
            "govledger_test_{}_{}_{}",
            std::process::id(),
            NEXT_DATABASE.fetch_add(1, Ordering::SeqCst),
            uuid::Uuid::now_v7().simple()
        );
        let statement = format!("CREATE DATABASE {name}");
        match with_admin(move |client| {
            Box::pin(async move { client.batch_execute(&statement).await })
        }) {
            Ok(()) => Some(TestDatabase {
                url: url_with_database(&server_url(), &name),
                name,
            }),
            Err(error) if required() => {
                panic!(
                    "{test}: PostgreSQL is required (GOVLEDGER_TEST_POSTGRES_REQUIRED=1): {error}"
                )
            }
            Err(error) => {
                eprintln!("skipped {test} on PostgreSQL: no server answers ({error})");
                None
            }
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database now, closing every connection to it (the server "goes away").
    pub fn drop_now(&self) {
        TestDatabase::execute_on(
            &server_url(),
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }

    pub fn options(&self) -> PostgresOptions {
        PostgresOptions::from_url(&self.url).expect("a valid test database URL")
    }

    /// Opens a store on this database.
    pub fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.options()).expect("opening the PostgreSQL store")
    }

    /// Runs one SQL batch on this database (to tamper with it, say).
    pub fn execute(&self, sql: &str) {
        TestDatabase::execute_on(&self.url, sql);
    }

    /// Runs one SQL batch on this database; the server's message if it refuses it.
    pub fn try_execute(&self, sql: &str) -> Result<(), String> {
        let url = self.url.clone();
        let sql = sql.to_string();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let (client, connection) = tokio_postgres::connect(&url, NoTls)
                    .await
                    .expect("connecting to the test database");
                tokio::spawn(connection);
                client.batch_execute(&sql).await.map_err(|error| {
                    error
                        .as_db_error()
                        .map_or_else(|| error.to_string(), |db| db.message().to_string())
                })
            })
        })
        .join()
        .expect("the SQL thread")
    }

    /// Runs one SQL batch on the database at `url`.
    pub fn execute_on(url: &str, sql: &str) {
        let url = url.to_string();
        let sql = sql.to_string();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let (client, connection) = tokio_postgres::connect(&url, NoTls)
                    .await
                    .expect("connecting to the test database");
                tokio::spawn(connection);
                client.batch_execute(&sql).await.expect("running SQL");
            });
        })
        .join()
        .expect("the SQL thread");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(error) = with_admin(move |client| {
            Box::pin(async move { client.batch_execute(&statement).await })
        }) {
            eprintln!("dropping test database {}: {error}", self.name);
        }
    }
}

/// Makes fresh PostgreSQL stores, each on its own database, dropped with the factory.
pub struct PostgresFactory {
    test: String,
    /// The database made to see whether the server answers, used by the first store.
    spare: Mutex<Option<TestDatabase>>,
    databases: Mutex<Vec<TestDatabase>>,
}

impl PostgresFactory {
    /// `None` (after saying so) when no server answers and none is required.
    pub fn new(test: &str) -> Option<PostgresFactory> {
        let spare = TestDatabase::create(test)?;
        Some(PostgresFactory {
            test: test.to_string(),
            spare: Mutex::new(Some(spare)),
            databases: Mutex::default(),
        })
    }

    /// A store on a fresh database.
    pub fn open_fresh(&self) -> Arc<dyn EventStore> {
        let spare = lock(&self.spare).take();
        let database = spare.unwrap_or_else(|| {
            TestDatabase::create(&self.test).expect("the server answered a moment ago")
        });
        let store = Arc::new(database.open());
        lock(&self.databases).push(database);
        store
    }
}

impl crate::conformance::StoreFactory for PostgresFactory {
    fn fresh(&self) -> Arc<dyn EventStore> {
        self.open_fresh()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

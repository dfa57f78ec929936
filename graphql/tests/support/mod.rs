//! An in-process GraphQL service over a temporary data directory, on either ledger backend
//! (sled in the data directory, or a fresh PostgreSQL database), and the accounts that act on
//! it. `on_both_backends!` runs a test body once per backend.

// Each test binary uses its own part of the support.
#![allow(dead_code)]

pub(crate) mod postgres;
pub(crate) mod steps;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Request, Variables};
use govledger_core::domain::demo;
use govledger_core::domain::role::Role;
use govledger_core::personal_data::PersonalDataStore;
use govledger_core::store::EventStore;
use govledger_core::store::postgres_store::{PostgresOptions, PostgresStore};
use govledger_core::store::sled_store::SledStore;
use govledger_graphql::access::{Grant, Principal, TokenStore};
use govledger_graphql::ledger::Ledger as LedgerBackend;
use govledger_graphql::schema::{Introspection, LedgerSchema, build};
use govledger_graphql::service::{LedgerService, ServiceParts};
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;
use serde_json::{Value, json};
use uuid::Uuid;

/// An account acting in one role for one organisation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub(crate) account_id: Uuid,
    pub(crate) role: Role,
    pub(crate) organisation_id: Uuid,
}

impl Member {
    fn principal(self) -> Principal {
        Principal::Member(Grant {
            token_id: Uuid::nil(),
            account_id: self.account_id,
            role: self.role,
            organisation_id: Some(self.organisation_id),
        })
    }
}

/// Longest the read models may take to apply a test's ledger.
const READ_MODELS_WAIT: Duration = Duration::from_secs(30);

/// Whether a test ledger keeps read models beside the raw ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadModels {
    Without,
    With,
}

/// Which store the ledger is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A sled directory in the test's temp dir.
    Sled,
    /// A fresh database per ledger on the test server (`support::postgres`).
    Postgres,
}

/// Runs each named test body, an `async fn(Backend)`, once per backend, each as a test of its
/// own: `<name>::on_sled` and `<name>::on_postgres` (skipped, saying so, where no PostgreSQL
/// server answers, unless `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`).
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use crate::support::Backend;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sled() {
                super::$name(Backend::Sled).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if crate::support::postgres::server_answers(stringify!($name)) {
                    super::$name(Backend::Postgres).await;
                }
            }
        }
    )+};
}
pub(crate) use on_both_backends;

/// A service over its own empty ledger.
pub(crate) struct Ledger {
    schema: LedgerSchema,
    read: Option<ReadApi>,
    _dir: tempfile::TempDir,
    /// Dropped last, after the service's connections.
    _database: Option<postgres::TestDatabase>,
}

impl Ledger {
    /// A raw ledger only: no read models.
    pub(crate) fn open(backend: Backend) -> Ledger {
        Ledger::open_with(backend, ReadModels::Without)
    }

    /// Call inside a tokio runtime when `read_models` is `With` (they follow the ledger).
    pub(crate) fn open_with(backend: Backend, read_models: ReadModels) -> Ledger {
        Ledger::open_filled(backend, read_models, |_, _| {})
    }

    /// The Wanghai demo ledger with its read models. It blocks while the demo builds: call
    /// it through `tokio::task::block_in_place`.
    pub(crate) fn open_demo(backend: Backend, seed: u64) -> Ledger {
        Ledger::open_filled(backend, ReadModels::With, |store, dir| {
            let people = PersonalDataStore::open(dir.join("people")).expect("personal data");
            demo::build(store, &people, seed).expect("the demo builds");
        })
    }

    /// A ledger that `fill` writes to before the read models open.
    fn open_filled(
        backend: Backend,
        read_models: ReadModels,
        fill: impl FnOnce(Arc<dyn EventStore>, &std::path::Path),
    ) -> Ledger {
        let dir = tempfile::tempdir().expect("a temp dir");
        let (ledger, database) = match backend {
            Backend::Sled => {
                let store = SledStore::open(dir.path().join("ledger")).expect("the ledger opens");
                (LedgerBackend::Sled(Arc::new(store)), None)
            }
            Backend::Postgres => {
                let database = postgres::TestDatabase::create();
                let options = PostgresOptions::from_url(database.url()).expect("a database URL");
                let store = PostgresStore::open(&options).expect("the ledger opens");
                (LedgerBackend::Postgres(Arc::new(store)), Some(database))
            }
        };
        let store = ledger.store();
        fill(store.clone(), dir.path());
        let tokens = TokenStore::open(&dir.path().join("access")).expect("the token store opens");
        let read = match read_models {
            ReadModels::Without => None,
            ReadModels::With => {
                let options = RunnerOptions::new(dir.path().join("projections"));
                let read = ReadApi::open(options, store.clone()).expect("the read models open");
                read.start().expect("the read models start");
                Some(read)
            }
        };
        let service = LedgerService::new(ServiceParts {
            ledger,
            tokens,
            read: read.clone(),
            personal: None,
        });
        Ledger {
            schema: build(Arc::new(service), Introspection::Enabled),
            read,
            _dir: dir,
            _database: database,
        }
    }

    /// Waits until the read models have applied the ledger up to its head.
    pub(crate) async fn caught_up(&self, member: Member) {
        let head = self.head(member).await;
        let read = self.read.as_ref().expect("a ledger with read models");
        read.wait_until(head, READ_MODELS_WAIT)
            .await
            .expect("the read models catch up");
    }

    /// Runs a document as `caller` (`None`: without a token, the public view).
    pub(crate) async fn execute(
        &self,
        caller: Option<Member>,
        document: &str,
        variables: Value,
    ) -> async_graphql::Response {
        let mut request = Request::new(document).variables(Variables::from_json(variables));
        if let Some(member) = caller {
            request = request.data(member.principal());
        }
        self.schema.execute(request).await
    }

    /// Runs a document as `member`; returns `data`, failing the test on any top-level error.
    pub(crate) async fn run(&self, member: Member, document: &str, variables: Value) -> Value {
        let request = Request::new(document)
            .variables(Variables::from_json(variables))
            .data(member.principal());
        let response = self.schema.execute(request).await;
        assert!(
            response.errors.is_empty(),
            "{document}: {:?}",
            response.errors
        );
        response.data.into_json().expect("data is JSON")
    }

    /// Sends the typed mutation `mutation(input: $input)`; returns its payload.
    pub(crate) async fn typed(
        &self,
        member: Member,
        mutation: &str,
        input_type: &str,
        input: Value,
    ) -> Value {
        let document = format!(
            "mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ {PAYLOAD} }} }}"
        );
        let data = self.run(member, &document, json!({ "input": input })).await;
        data[mutation].clone()
    }

    /// Sends a command in its domain JSON form through `executeCommand`; returns its payload.
    pub(crate) async fn generic(&self, member: Member, command: Value, options: Value) -> Value {
        let mut input = options;
        input["command"] = command;
        let document = format!(
            "mutation($input: ExecuteCommandInput!) {{ executeCommand(input: $input) {{ {PAYLOAD} }} }}"
        );
        let data = self.run(member, &document, json!({ "input": input })).await;
        data["executeCommand"].clone()
    }

    /// The ledger head's position.
    pub(crate) async fn head(&self, member: Member) -> u64 {
        let data = self
            .run(member, "{ ledgerHead { position } }", json!({}))
            .await;
        data["ledgerHead"]["position"]
            .as_u64()
            .expect("a head position")
    }

    /// The id of the first event of `stream`, once it has one.
    pub(crate) async fn first_event_id(&self, member: Member, stream: &str) -> Option<String> {
        let data = self
            .run(
                member,
                "query($stream: String) { events(first: 1, filter: { streamId: $stream }) { nodes { eventId } } }",
                json!({ "stream": stream }),
            )
            .await;
        data["events"]["nodes"][0]["eventId"]
            .as_str()
            .map(str::to_string)
    }

    /// Every event as the `events` query shows it, with event ids (which differ between
    /// ledgers) replaced by the position they name.
    pub(crate) async fn events(&self, member: Member) -> Vec<Value> {
        let data = self
            .run(
                member,
                "{ events(first: 100) { nodes { position eventId eventType streamId streamVersion occurredAt actor { accountId role organisationId } payload } } }",
                json!({}),
            )
            .await;
        let nodes = data["events"]["nodes"]
            .as_array()
            .expect("a list of events")
            .clone();
        let positions: Vec<(String, String)> = nodes
            .iter()
            .map(|node| {
                (
                    node["eventId"].as_str().unwrap_or_default().to_string(),
                    format!("event at {}", node["position"]),
                )
            })
            .collect();
        nodes
            .into_iter()
            .map(|mut node| {
                if let Some(object) = node.as_object_mut() {
                    object.remove("eventId");
                }
                let mut text = node.to_string();
                for (event_id, at) in &positions {
                    text = text.replace(event_id, at);
                }
                serde_json::from_str(&text).expect("still JSON")
            })
            .collect()
    }
}

const PAYLOAD: &str = "streamId positions replayed userErrors { field message code }";

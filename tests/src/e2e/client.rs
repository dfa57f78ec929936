//! A GraphQL client for one caller (a bearer token or none) of one running server: queries,
//! `executeCommand` with a domain `Command`, and the ledger head.

use govledger_core::domain::command::Command;
use serde_json::{Value, json};

use crate::e2e::http::{HttpResponse, graphql, try_graphql};

const EXECUTE_COMMAND: &str = "mutation($input: ExecuteCommandInput!) { executeCommand(input: $input) { \
     streamId positions streamVersion replayed consistency userErrors { field message code } } }";

/// One caller of one server.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: String,
    /// `None`: the public view.
    pub token: Option<String>,
}

/// What `executeCommand` answered.
#[derive(Debug, Clone)]
pub struct Executed {
    pub status: u16,
    /// The whole response body.
    pub body: Value,
}

impl Executed {
    /// The payload (`data.executeCommand`); `Null` when the mutation failed at the top level.
    pub fn payload(&self) -> &Value {
        &self.body["data"]["executeCommand"]
    }

    /// The position to pass as `consistency`; panics with the response when the command was
    /// not carried out.
    pub fn consistency(&self) -> u64 {
        self.payload()["consistency"]
            .as_u64()
            .unwrap_or_else(|| panic!("the command was not carried out: {}", self.body))
    }
}

impl Client {
    pub fn new(address: &str, token: Option<&str>) -> Client {
        Client {
            address: address.to_string(),
            token: token.map(str::to_string),
        }
    }

    /// POSTs one GraphQL request.
    pub async fn post(&self, query: &str, variables: Value) -> HttpResponse {
        graphql(&self.address, self.token.as_deref(), query, variables).await
    }

    /// POSTs a query and returns its JSON body.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        self.post(query, variables).await.json()
    }

    /// POSTs a query that must succeed; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        let body = response.json();
        assert!(
            response.status == 200 && body.get("errors").is_none(),
            "query failed ({}): {body}\nquery: {query}",
            response.status
        );
        body["data"].clone()
    }

    /// Sends one domain command with an idempotency key.
    pub async fn execute(&self, command: &Command, idempotency_key: &str) -> Executed {
        let command = serde_json::to_value(command).expect("commands serialise");
        let input = json!({ "command": command, "idempotencyKey": idempotency_key });
        let response = self.post(EXECUTE_COMMAND, json!({ "input": input })).await;
        Executed {
            status: response.status,
            body: response.json(),
        }
    }

    /// Sends one domain command; an error when the server is gone before it answers (the
    /// command may or may not have been carried out).
    pub async fn try_execute(
        &self,
        command: &Command,
        idempotency_key: &str,
    ) -> Result<Executed, String> {
        let command = serde_json::to_value(command).expect("commands serialise");
        let input = json!({ "command": command, "idempotencyKey": idempotency_key });
        let response = try_graphql(
            &self.address,
            self.token.as_deref(),
            EXECUTE_COMMAND,
            json!({ "input": input }),
        )
        .await?;
        let body = serde_json::from_str(&response.body)
            .map_err(|e| format!("body is not JSON ({e}): {}", response.body))?;
        Ok(Executed {
            status: response.status,
            body,
        })
    }

    /// Sends a command that must be carried out; returns its consistency token.
    pub async fn run(&self, command: &Command) -> u64 {
        let key = uuid::Uuid::now_v7().to_string();
        let executed = self.execute(command, &key).await;
        let errors = &executed.payload()["userErrors"];
        assert!(
            errors.as_array().is_some_and(Vec::is_empty),
            "{} was refused: {}",
            command.name(),
            executed.body
        );
        executed.consistency()
    }

    /// The ledger head position.
    pub async fn head_position(&self) -> u64 {
        self.data("{ ledgerHead { position } }", json!({})).await["ledgerHead"]["position"]
            .as_u64()
            .expect("the head position is a number")
    }
}

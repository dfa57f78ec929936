//! Reports for spreadsheets and scripts: the cases, an account's or organisation's activity,
//! and the accountability metrics, as CSV or JSON Lines. A report *is* a GraphQL query run
//! for the caller (same filters, same role, same public view), page by page, each row
//! written out before the next page is read, so a report over a million events never holds
//! them in memory. Served at `/reports/<kind>` (`server/reports.rs`).

mod csv;
mod spec;

use std::future::Future;

use async_graphql::Variables;
use serde_json::{Map, Value};

use crate::access::Principal;
use crate::schema::LedgerSchema;
pub use spec::{ReportFormat, ReportKind, ReportRequest};

/// Rows per page a report reads.
pub const REPORT_PAGE_ROWS: i32 = 100;

/// Why a report stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The query was refused (a bad filter or id, a role that may not read it): the first
    /// GraphQL error's code and message.
    #[error("{message}")]
    Refused { code: String, message: String },
    /// Whoever reads the report went away.
    #[error("the reader went away")]
    Closed,
}

/// Runs `request` for `principal`, handing each chunk of output (the CSV header, then one
/// row at a time) to `emit`, which resolves to `false` once nobody reads any more. The first
/// page is read before anything is emitted, so a refused query emits nothing.
pub async fn produce<F, Fut>(
    schema: &LedgerSchema,
    principal: &Principal,
    request: &ReportRequest,
    mut emit: F,
) -> Result<(), ReportError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = bool>,
{
    let columns = request.kind.columns();
    let mut header = (request.format == ReportFormat::Csv).then(|| csv::header(columns));
    if request.kind == ReportKind::Metrics {
        let data = execute(
            schema,
            principal,
            request.kind.query(),
            request.variables.clone(),
        )
        .await?;
        let mut rows = Vec::new();
        flatten("", &data["metrics"], &mut rows);
        if let Some(header) = header.take() {
            send(&mut emit, header).await?;
        }
        for (metric, value) in rows {
            let record = [Value::String(metric), value];
            send(&mut emit, encode(request.format, columns, &record)).await?;
        }
        return Ok(());
    }
    let mut after: Option<String> = None;
    loop {
        let mut variables = request.variables.clone();
        variables.insert("first".into(), Value::from(REPORT_PAGE_ROWS));
        variables.insert(
            "after".into(),
            after.clone().map_or(Value::Null, Value::String),
        );
        let data = execute(schema, principal, request.kind.query(), variables).await?;
        if let Some(header) = header.take() {
            send(&mut emit, header).await?;
        }
        let connection = &data[request.kind.connection()];
        for node in connection["nodes"].as_array().into_iter().flatten() {
            let record: Vec<Value> = columns.iter().map(|c| node[*c].clone()).collect();
            send(&mut emit, encode(request.format, columns, &record)).await?;
        }
        let page = &connection["pageInfo"];
        match page["endCursor"].as_str() {
            Some(cursor) if page["hasNextPage"].as_bool() == Some(true) => {
                after = Some(cursor.to_string());
            }
            _ => return Ok(()),
        }
    }
}

async fn send<F, Fut>(emit: &mut F, chunk: Vec<u8>) -> Result<(), ReportError>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: Future<Output = bool>,
{
    if emit(chunk).await {
        Ok(())
    } else {
        Err(ReportError::Closed)
    }
}

/// One output record.
fn encode(format: ReportFormat, columns: &[&str], record: &[Value]) -> Vec<u8> {
    match format {
        ReportFormat::Csv => csv::row(record),
        ReportFormat::Jsonl => {
            let object: Map<String, Value> = columns
                .iter()
                .zip(record)
                .map(|(c, v)| ((*c).to_string(), v.clone()))
                .collect();
            let mut line = Value::Object(object).to_string().into_bytes();
            line.push(b'\n');
            line
        }
    }
}

/// Runs one page; the data as JSON, or the first error.
pub(crate) async fn execute(
    schema: &LedgerSchema,
    principal: &Principal,
    query: &str,
    variables: Map<String, Value>,
) -> Result<Value, ReportError> {
    let request = async_graphql::Request::new(query)
        .variables(Variables::from_json(Value::Object(variables)))
        .data(principal.clone());
    let response = schema.execute(request).await;
    if let Some(error) = response.errors.first() {
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|code| match code {
                async_graphql::Value::String(code) => Some(code.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "BAD_USER_INPUT".to_string());
        return Err(ReportError::Refused {
            code,
            message: error.message.clone(),
        });
    }
    response.data.into_json().map_err(|e| ReportError::Refused {
        code: "INTERNAL".into(),
        message: format!("the report's data is not JSON: {e}"),
    })
}

/// `{"requests": {"received": 3, "responseRate": {"value": 0.5}}}` → `requests.received`,
/// `requests.responseRate.value` (names in alphabetical order within an object); list items
/// by index (`works.quantities.0.unit`).
fn flatten(prefix: &str, value: &Value, rows: &mut Vec<(String, Value)>) {
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_string()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                flatten(&join(key), value, rows);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(&join(&index.to_string()), item, rows);
            }
        }
        leaf => rows.push((prefix.to_string(), leaf.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metrics_flatten_to_named_values() {
        let mut rows = Vec::new();
        flatten(
            "",
            &json!({ "requests": { "received": 3, "rate": { "value": null } },
                     "works": { "quantities": [{ "unit": "UNIT_DOOR" }] } }),
            &mut rows,
        );
        let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "requests.rate.value",
                "requests.received",
                "works.quantities.0.unit"
            ]
        );
    }
}

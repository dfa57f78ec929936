//! Service requests read over Open311 (ADR 0008): `requests/<id>` and `requests` with
//! `service_request_id`, each the GraphQL `case` query run for the caller (`api_key`, or the
//! public view), mapped to GeoReport v2's fields.

use serde_json::{Value, json};

use crate::access::Principal;
use crate::reports::{ReportError, execute};
use crate::schema::LedgerSchema;
use crate::server::open311::services;

/// Most ids one `requests` call may name.
pub(super) const REQUEST_IDS_MAX: usize = 100;

const REQUEST_QUERY: &str = "query($id: ID!) {
  case(kind: REQUEST, id: $id) {
    caseId status category title openedAt updatedAt dueAt responsibleOrganisationId buildingIds
    details { ... on RequestDetails { outcome mergedIntoRequestId } }
  }
  organisations(first: 100) { nodes { organisationId name } }
}";

/// govledger's statuses Open311 calls closed.
const CLOSED: [&str; 4] = ["rejected", "merged", "followed_up", "closed"];

/// The request `id` as Open311 shows it; `None` when there is no such request.
pub(super) async fn one(
    schema: &LedgerSchema,
    principal: &Principal,
    id: &str,
) -> Result<Option<Value>, ReportError> {
    let mut variables = serde_json::Map::new();
    variables.insert("id".into(), Value::String(id.to_string()));
    let data = execute(schema, principal, REQUEST_QUERY, variables).await?;
    let case = &data["case"];
    if case.is_null() {
        return Ok(None);
    }
    let agency = data["organisations"]["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|o| o["organisationId"] == case["responsibleOrganisationId"])
        .map(|o| o["name"].clone())
        .unwrap_or(Value::Null);
    let status = case["status"].as_str().unwrap_or_default();
    let mut notes = status.replace('_', " ");
    if let Some(outcome) = case["details"]["outcome"].as_str() {
        notes.push_str(&format!(": {}", outcome.replace('_', " ")));
    }
    if let Some(survivor) = case["details"]["mergedIntoRequestId"].as_str() {
        notes.push_str(&format!(" (merged into {survivor})"));
    }
    let category = case["category"].as_str().unwrap_or_default();
    let notice = case["dueAt"]
        .as_str()
        .map(|due| format!("due by {due}"))
        .unwrap_or_default();
    Ok(Some(json!({
        "service_request_id": case["caseId"],
        "status": if CLOSED.contains(&status) { "closed" } else { "open" },
        "status_notes": notes,
        "service_name": services::name(category),
        "service_code": category,
        "description": case["title"],
        "agency_responsible": agency,
        "service_notice": notice,
        "requested_datetime": case["openedAt"],
        "updated_datetime": case["updatedAt"],
        "expected_datetime": case["dueAt"],
        "address": "",
        "address_id": case["buildingIds"][0],
        "zipcode": null,
        "lat": null,
        "long": null,
        "media_url": null,
    })))
}

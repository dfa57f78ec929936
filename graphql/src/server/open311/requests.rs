//! Service requests read over Open311 (ADR 0008): `requests/<id>`, and `requests` by
//! `service_request_id` or by the spec's filters, each the GraphQL `case` or `cases` query run
//! for the caller (`api_key`, or the public view), mapped to GeoReport v2's fields.

use std::collections::{HashMap, VecDeque};

use govledger_core::time::Timestamp;

use serde_json::{Map, Value, json};

use crate::access::Principal;
use crate::reports::{ReportError, execute};
use crate::schema::LedgerSchema;
use crate::schema::node::GlobalId;
use crate::schema::read::directory::{BUILDING_TYPE, UNIT_TYPE};
use crate::server::open311::filters::RequestFilters;
use crate::server::open311::services;

/// Most ids one `requests` call may name.
pub(super) const REQUEST_IDS_MAX: usize = 100;
/// Rows per page the list reads (the GraphQL page size).
const LIST_PAGE_ROWS: usize = 100;

/// The fields of a case the mapping reads.
const CASE_FIELDS: &str = "caseId status category title openedAt updatedAt dueAt \
    responsibleOrganisationId buildingIds unitIds \
    details { ... on RequestDetails { outcome mergedIntoRequestId } }";

/// The organisations that may be responsible, for `agency_responsible`.
const AGENCIES: &str = "organisations(first: 100) { nodes { organisationId name } }";

/// A building's name, and a unit's label when the caller may see it (the public view may not).
const PLACE_QUERY: &str = "query($building: ID!, $unit: ID!, $withUnit: Boolean!) {
  building: node(id: $building) { ... on Building { name } }
  unit: node(id: $unit) @include(if: $withUnit) { ... on Unit { label } }
}";

/// govledger's statuses Open311 calls closed; every other one is open.
const CLOSED: [&str; 4] = ["rejected", "merged", "followed_up", "closed"];
/// govledger's statuses Open311 calls open: every other status a request has (core's
/// `RequestStatus`); a sent-back request is `accepted`, back with the station.
const OPEN: [&str; 5] = [
    "received",
    "accepted",
    "dispatched",
    "in_progress",
    "resolved",
];

/// The request `id` as Open311 shows it; `None` when there is no such request.
pub(super) async fn one(
    schema: &LedgerSchema,
    principal: &Principal,
    id: &str,
) -> Result<Option<Value>, ReportError> {
    let query = format!(
        "query($id: ID!) {{ case(kind: REQUEST, id: $id) {{ {CASE_FIELDS} }} {AGENCIES} }}"
    );
    let mut variables = Map::new();
    variables.insert("id".into(), Value::String(id.to_string()));
    let data = execute(schema, principal, &query, variables).await?;
    let case = &data["case"];
    if case.is_null() {
        return Ok(None);
    }
    let addresses = addresses(schema, principal, std::slice::from_ref(case)).await?;
    Ok(Some(record(
        case,
        &data["organisations"]["nodes"],
        &addresses,
    )))
}

/// The requests `filters` select, newest opened first, at most `filters.limit`.
pub(super) async fn list(
    schema: &LedgerSchema,
    principal: &Principal,
    filters: &RequestFilters,
) -> Result<Vec<Value>, ReportError> {
    // One walk per (category, govledger status) the filters stand for, each through the read
    // model's indexes, newest first; merged by taking the newest head each time, so no more
    // is read than the answer needs plus a page per walk.
    let mut walks: Vec<Walk> = walk_filters(filters).into_iter().map(Walk::new).collect();
    let page_rows = filters.limit.min(LIST_PAGE_ROWS);
    let mut cases: Vec<Value> = Vec::new();
    while cases.len() < filters.limit {
        for walk in &mut walks {
            walk.fill(schema, principal, page_rows).await?;
        }
        let newest = walks
            .iter_mut()
            .filter_map(|walk| Some((opened_key(walk.pending.front()?), walk)))
            .max_by(|(a, _), (b, _)| a.cmp(b))
            .and_then(|(_, walk)| walk.pending.pop_front());
        match newest {
            Some(case) => cases.push(case),
            None => break,
        }
    }
    let agencies = execute(schema, principal, &format!("{{ {AGENCIES} }}"), Map::new()).await?;
    let addresses = addresses(schema, principal, &cases).await?;
    Ok(cases
        .iter()
        .map(|case| record(case, &agencies["organisations"]["nodes"], &addresses))
        .collect())
}

/// The `CaseFilterInput` of each walk: every chosen category × every govledger status the
/// chosen Open311 status stands for (none of either: no such filter).
fn walk_filters(filters: &RequestFilters) -> Vec<Value> {
    let statuses: Vec<Option<&str>> = match filters.open {
        None => vec![None],
        Some(true) => OPEN.iter().copied().map(Some).collect(),
        Some(false) => CLOSED.iter().copied().map(Some).collect(),
    };
    let codes: Vec<Option<&str>> = if filters.service_codes.is_empty() {
        vec![None]
    } else {
        filters
            .service_codes
            .iter()
            .map(|c| Some(c.as_str()))
            .collect()
    };
    let mut walks = Vec::new();
    for code in &codes {
        for status in &statuses {
            let mut filter = json!({
                "kind": "REQUEST",
                "openedFrom": filters.start,
                "openedBefore": filters.end,
            });
            if let Some(code) = code {
                filter["category"] = json!(code);
            }
            if let Some(status) = status {
                filter["status"] = json!(status);
            }
            walks.push(filter);
        }
    }
    walks
}

/// One `cases` walk, read a page at a time as the merge needs it.
struct Walk {
    filter: Value,
    pending: VecDeque<Value>,
    after: Option<String>,
    finished: bool,
}

impl Walk {
    fn new(filter: Value) -> Walk {
        Walk {
            filter,
            pending: VecDeque::new(),
            after: None,
            finished: false,
        }
    }

    /// Reads the next page when everything read so far has been taken.
    async fn fill(
        &mut self,
        schema: &LedgerSchema,
        principal: &Principal,
        page_rows: usize,
    ) -> Result<(), ReportError> {
        if self.finished || !self.pending.is_empty() {
            return Ok(());
        }
        let query = format!(
            "query($filter: CaseFilterInput!, $first: Int, $after: String) {{
               cases(filter: $filter, first: $first, after: $after) {{
                 nodes {{ {CASE_FIELDS} }} pageInfo {{ hasNextPage endCursor }}
               }}
             }}"
        );
        let mut variables = Map::new();
        variables.insert("filter".into(), self.filter.clone());
        variables.insert("first".into(), json!(page_rows));
        variables.insert("after".into(), json!(self.after));
        let data = execute(schema, principal, &query, variables).await?;
        let connection = &data["cases"];
        self.pending.extend(
            connection["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .cloned(),
        );
        let page = &connection["pageInfo"];
        match page["endCursor"].as_str() {
            Some(cursor) if page["hasNextPage"].as_bool() == Some(true) => {
                self.after = Some(cursor.to_string());
            }
            _ => self.finished = true,
        }
        Ok(())
    }
}

/// What "newest opened first" orders by: the instant (parsed: `…:35Z` is before
/// `…:35.5Z`, though not as text), then the id, so the order is total.
fn opened_key(case: &Value) -> (i64, String) {
    let opened = case["openedAt"]
        .as_str()
        .and_then(|t| Timestamp::parse_rfc3339(t).ok())
        .map_or(i64::MIN, Timestamp::unix_micros);
    (
        opened,
        case["caseId"].as_str().unwrap_or_default().to_string(),
    )
}

/// Where a case is: its first building and, when the caller sees units, its first unit.
fn place_of(case: &Value) -> (Option<&str>, Option<&str>) {
    (case["buildingIds"][0].as_str(), case["unitIds"][0].as_str())
}

/// `address` for each distinct place of `cases`, as the caller may see it: the building's
/// name, then the unit's label (`Sun Coast 3, 3-501`). One query per distinct place; a
/// community has few buildings.
async fn addresses(
    schema: &LedgerSchema,
    principal: &Principal,
    cases: &[Value],
) -> Result<HashMap<(String, String), String>, ReportError> {
    let mut found = HashMap::new();
    for case in cases {
        let (Some(building), unit) = place_of(case) else {
            continue;
        };
        let key = (building.to_string(), unit.unwrap_or_default().to_string());
        if found.contains_key(&key) {
            continue;
        }
        let mut variables = Map::new();
        variables.insert(
            "building".into(),
            json!(GlobalId::encode(BUILDING_TYPE, building).0),
        );
        variables.insert(
            "unit".into(),
            json!(GlobalId::encode(UNIT_TYPE, unit.unwrap_or(building)).0),
        );
        variables.insert("withUnit".into(), json!(unit.is_some()));
        let data = execute(schema, principal, PLACE_QUERY, variables).await?;
        let mut address = data["building"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(label) = data["unit"]["label"].as_str() {
            address.push_str(&format!(", {label}"));
        }
        found.insert(key, address);
    }
    Ok(found)
}

/// One case (the fields of `CASE_FIELDS`) as GeoReport v2's request.
fn record(case: &Value, agencies: &Value, addresses: &HashMap<(String, String), String>) -> Value {
    let agency = agencies
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
    let (building, unit) = place_of(case);
    let address = building
        .and_then(|b| addresses.get(&(b.to_string(), unit.unwrap_or_default().to_string())))
        .cloned()
        .unwrap_or_default();
    json!({
        "service_request_id": case["caseId"],
        "status": if CLOSED.contains(&status) { "closed" } else { "open" },
        "status_notes": notes,
        "service_name": services::name(category),
        "service_code": category,
        "description": case["title"],
        "agency_responsible": agency,
        "service_notice": notice(case["dueAt"].as_str()),
        "requested_datetime": case["openedAt"],
        "updated_datetime": case["updatedAt"],
        "expected_datetime": case["dueAt"],
        "address": address,
        "address_id": case["buildingIds"][0],
        "zipcode": null,
        "lat": null,
        "long": null,
        "media_url": null,
    })
}

/// `service_notice`: the due date in words when one is set.
pub(super) fn notice(due_at: Option<&str>) -> String {
    due_at
        .map(|due| format!("due by {due}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the case opened at `a` (id `ida`) lists before the one opened at `b`.
    fn check(a: (&str, &str), b: (&str, &str), a_first: bool) {
        let case = |(at, id): (&str, &str)| json!({ "openedAt": at, "caseId": id });
        assert_eq!(
            opened_key(&case(a)) > opened_key(&case(b)),
            a_first,
            "{a:?} {b:?}"
        );
    }

    #[test]
    fn newest_first_by_the_instant_not_the_text() {
        check(
            ("2026-12-03T10:00:35.500000Z", "a"),
            ("2026-12-03T10:00:35Z", "b"),
            true,
        );
        check(
            ("2026-12-03T10:00:35Z", "a"),
            ("2026-12-03T10:00:34.999999Z", "b"),
            true,
        );
        check(
            ("2026-12-03T10:00:35Z", "b"),
            ("2026-12-03T10:00:35Z", "a"),
            true,
        );
        check(
            ("2025-01-01T00:00:00Z", "z"),
            ("2026-01-01T00:00:00Z", "a"),
            false,
        );
    }
}

//! POST `requests` (ADR 0008): a form-encoded GeoReport v2 request becomes the GraphQL
//! `receiveRequest` mutation, run for the `api_key` token's account, so the domain's
//! validation and authority rules are the ones GraphQL applies. The request id and the
//! idempotency key are derived from the token and the form's fields, so a client that retries
//! after a timeout gets the first request back instead of a second one.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use govledger_core::domain::request::vocabulary::{RequestCategory, RequestKind};

use crate::access::Principal;
use crate::reports::{ReportError, execute};
use crate::schema::LedgerSchema;
use crate::schema::node::GlobalId;
use crate::schema::read::directory::{BUILDING_TYPE, UNIT_TYPE};

/// Most fields one POST may carry.
const FORM_FIELDS_MAX: usize = 32;

/// Fields the spec defines that govledger accepts and does not store: the requester's contact
/// details stay with the Open311 client (ADR 0008: no event holds them, and govledger names a
/// requester only by a person id from its directory).
const CONTACT_FIELDS: [&str; 4] = ["first_name", "last_name", "email", "phone"];
/// Fields the spec defines that govledger cannot honour: refused rather than dropped.
const REFUSED_FIELDS: [&str; 6] = [
    "lat",
    "long",
    "address_string",
    "device_id",
    "account_id",
    "media_url",
];

/// Why a POST was not carried out (nothing was appended), as the spec's `{code, description}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Refusal {
    pub(super) status: StatusCode,
    pub(super) description: String,
}

impl Refusal {
    fn bad_input(description: impl Into<String>) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            description: description.into(),
        }
    }
}

/// What the form asks for, checked for shape (the domain checks the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Submission {
    pub(super) api_key: Option<String>,
    pub(super) jurisdiction_id: Option<String>,
    category: RequestCategory,
    kind: RequestKind,
    description: String,
    address_id: Uuid,
    /// The fields that decide the request, sorted, without `api_key`: what a retry repeats.
    fingerprint_fields: Vec<(String, String)>,
}

impl Submission {
    /// Parses the form body; the token may also come in the query string.
    pub(super) fn parse(body: &[u8], query_api_key: Option<&str>) -> Result<Submission, Refusal> {
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
            Refusal::bad_input(format!(
                "the body is not application/x-www-form-urlencoded: {e}"
            ))
        })?;
        if fields.len() > FORM_FIELDS_MAX {
            return Err(Refusal::bad_input(format!(
                "at most {FORM_FIELDS_MAX} fields"
            )));
        }
        let mut sorted = fields.clone();
        sorted.sort();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(Refusal::bad_input(format!("{} is given twice", pair[0].0)));
        }
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        for (name, value) in &fields {
            let known = name == "api_key"
                || name == "jurisdiction_id"
                || name == "service_code"
                || name == "description"
                || name == "address_id"
                || name == "attribute[kind]"
                || CONTACT_FIELDS.contains(&name.as_str())
                || REFUSED_FIELDS.contains(&name.as_str());
            if !known {
                return Err(Refusal::bad_input(format!(
                    "unknown field {name:?} (services/<code>.json lists the attributes)"
                )));
            }
            if REFUSED_FIELDS.contains(&name.as_str()) && !value.trim().is_empty() {
                return Err(Refusal::bad_input(format!(
                    "{name} is not accepted: govledger locates a request by address_id (a \
                     building or unit id) and stores no coordinates, devices, accounts or media"
                )));
            }
        }
        let code =
            get("service_code").ok_or_else(|| Refusal::bad_input("service_code is required"))?;
        let category = *RequestCategory::ALL
            .iter()
            .find(|c| c.as_str() == code)
            .ok_or_else(|| {
                Refusal::bad_input(format!("no service {code:?}; services.json lists them"))
            })?;
        let kind = match get("attribute[kind]") {
            None => RequestKind::Complaint,
            Some(kind) => *[
                RequestKind::Complaint,
                RequestKind::Help,
                RequestKind::Enquiry,
                RequestKind::Suggestion,
            ]
            .iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| {
                Refusal::bad_input(format!(
                    "attribute[kind] is complaint, help, enquiry or suggestion, not {kind:?}"
                ))
            })?,
        };
        let address = get("address_id").ok_or_else(|| {
            Refusal::bad_input("address_id is required: a building or unit id from the directory")
        })?;
        let address_id = Uuid::parse_str(address).map_err(|_| {
            Refusal::bad_input(format!("address_id must be a UUID, not {address:?}"))
        })?;
        let api_key = get("api_key").or(query_api_key).map(str::to_string);
        Ok(Submission {
            api_key,
            jurisdiction_id: get("jurisdiction_id").map(str::to_string),
            category,
            kind,
            // Empty or too long is the domain's to refuse, as for GraphQL.
            description: get("description").unwrap_or_default().to_string(),
            address_id,
            fingerprint_fields: sorted.into_iter().filter(|(n, _)| n != "api_key").collect(),
        })
    }

    /// SHA-256 of the token and the fields: the same retry, the same digest.
    fn digest(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(b"govledger open311 POST requests\0");
        hash.update(self.api_key.as_deref().unwrap_or_default().as_bytes());
        for (name, value) in &self.fingerprint_fields {
            hash.update(b"\0");
            hash.update(name.as_bytes());
            hash.update(b"=");
            hash.update(value.as_bytes());
        }
        hash.finalize().into()
    }

    /// The new request's id: a UUIDv8 made of the digest (a retry names the same request).
    pub(super) fn request_id(&self) -> Uuid {
        let digest = self.digest();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_custom_bytes(bytes).into_uuid()
    }

    /// The command's idempotency key.
    fn idempotency_key(&self) -> String {
        let digest = self.digest();
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("open311-{hex}")
    }
}

const ADDRESS_QUERY: &str = "query($unit: ID!, $building: ID!) {
  unit: node(id: $unit) { ... on Unit { unitId buildingId } }
  building: node(id: $building) { ... on Building { buildingId } }
}";

const RECEIVE_MUTATION: &str = "mutation($input: ReceiveRequestInput!) {
  receiveRequest(input: $input) { consistency userErrors { message code } }
}";

/// Creates the request; its id and the position to read it at.
pub(super) async fn receive(
    schema: &LedgerSchema,
    principal: &Principal,
    submission: &Submission,
) -> Result<(Uuid, u64), Refusal> {
    let location = location(schema, principal, submission.address_id).await?;
    let request_id = submission.request_id();
    let input = json!({
        "requestId": request_id.to_string(),
        "kind": submission.kind.as_str().to_uppercase(),
        "category": submission.category.as_str().to_uppercase(),
        "description": submission.description,
        "location": location,
        "channel": "ONLINE",
        "idempotencyKey": submission.idempotency_key(),
    });
    let mut variables = Map::new();
    variables.insert("input".into(), input);
    let data = execute(schema, principal, RECEIVE_MUTATION, variables)
        .await
        .map_err(refused)?;
    let payload = &data["receiveRequest"];
    if let Some(error) = payload["userErrors"].as_array().and_then(|e| e.first()) {
        return Err(Refusal {
            status: status_of(error["code"].as_str().unwrap_or_default()),
            description: error["message"].as_str().unwrap_or_default().to_string(),
        });
    }
    let consistency = payload["consistency"].as_u64().ok_or_else(|| Refusal {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        description: "the command answered without a position".into(),
    })?;
    Ok((request_id, consistency))
}

/// `address_id` as the command's location: a unit (with its building) or a building.
async fn location(
    schema: &LedgerSchema,
    principal: &Principal,
    address_id: Uuid,
) -> Result<Value, Refusal> {
    let key = address_id.to_string();
    let mut variables = Map::new();
    variables.insert("unit".into(), json!(GlobalId::encode(UNIT_TYPE, &key).0));
    variables.insert(
        "building".into(),
        json!(GlobalId::encode(BUILDING_TYPE, &key).0),
    );
    let data = execute(schema, principal, ADDRESS_QUERY, variables)
        .await
        .map_err(refused)?;
    if let Some(unit) = data["unit"].as_object() {
        return Ok(json!({ "unitId": unit["unitId"], "buildingId": unit["buildingId"] }));
    }
    if data["building"].is_object() {
        return Ok(json!({ "buildingId": key }));
    }
    Err(Refusal::bad_input(format!(
        "address_id {key} is no building or unit in the directory"
    )))
}

/// A top-level GraphQL refusal (no token, an auditor's token, the ledger unavailable).
fn refused(error: ReportError) -> Refusal {
    match error {
        ReportError::Refused { code, message } => Refusal {
            status: status_of(&code),
            description: message,
        },
        ReportError::Closed => Refusal {
            status: StatusCode::SERVICE_UNAVAILABLE,
            description: "the request was not completed".into(),
        },
    }
}

/// The HTTP status of a GraphQL error code (the spec's 400 and 403, and what a retry needs).
fn status_of(code: &str) -> StatusCode {
    match code {
        "UNAUTHENTICATED" | "FORBIDDEN" => StatusCode::FORBIDDEN,
        "CONFLICT" => StatusCode::CONFLICT,
        "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        "INTERNAL" | "INTERNAL_SERVER_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: &str = "0190f5a4-0000-7000-8000-00000000000a";

    /// `body` parsed: what it asks for, or the start of the refusal.
    fn check(body: &str, expect: Result<(&str, &str, &str), &str>) {
        match (Submission::parse(body.as_bytes(), None), expect) {
            (Ok(got), Ok((category, kind, description))) => {
                assert_eq!(got.category.as_str(), category, "{body}");
                assert_eq!(got.kind.as_str(), kind, "{body}");
                assert_eq!(got.description, description, "{body}");
            }
            (Err(got), Err(expect)) => {
                assert_eq!(got.status, StatusCode::BAD_REQUEST, "{body}");
                assert!(
                    got.description.starts_with(expect),
                    "{body}: {}",
                    got.description
                );
            }
            (got, expect) => panic!("{body}: got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn forms_map_to_the_command_or_a_clear_refusal() {
        check(
            &format!("api_key=k&service_code=lift&description=Lift+stuck&address_id={ADDRESS}"),
            Ok(("lift", "complaint", "Lift stuck")),
        );
        check(
            &format!(
                "service_code=repair&attribute%5Bkind%5D=help&description=Door&address_id={ADDRESS}\
                 &email=a%40example.org&first_name=A&last_name=B&phone=1&lat=&long="
            ),
            Ok(("repair", "help", "Door")),
        );
        check(
            &format!("description=x&address_id={ADDRESS}"),
            Err("service_code is required"),
        );
        check(
            &format!("service_code=teleport&address_id={ADDRESS}"),
            Err("no service \"teleport\""),
        );
        check("service_code=lift", Err("address_id is required"));
        check(
            "service_code=lift&address_id=7",
            Err("address_id must be a UUID"),
        );
        check(
            &format!("service_code=lift&address_id={ADDRESS}&lat=31.2&long=121.4"),
            Err("lat is not accepted"),
        );
        check(
            &format!("service_code=lift&address_id={ADDRESS}&media_url=http%3A%2F%2Fx"),
            Err("media_url is not accepted"),
        );
        check(
            &format!("service_code=lift&address_id={ADDRESS}&attribute%5Bkind%5D=rant"),
            Err("attribute[kind] is complaint"),
        );
        check(
            &format!("service_code=lift&address_id={ADDRESS}&colour=red"),
            Err("unknown field \"colour\""),
        );
        check(
            &format!("service_code=lift&service_code=repair&address_id={ADDRESS}"),
            Err("service_code is given twice"),
        );
    }

    #[test]
    fn a_retry_names_the_same_request_and_another_token_or_field_another() {
        let body = format!("api_key=k1&service_code=lift&description=Stuck&address_id={ADDRESS}");
        let reordered =
            format!("address_id={ADDRESS}&description=Stuck&service_code=lift&api_key=k1");
        let id = |body: &str| {
            Submission::parse(body.as_bytes(), None)
                .expect("a valid form")
                .request_id()
        };
        assert_eq!(id(&body), id(&reordered));
        assert_ne!(id(&body), id(&body.replace("k1", "k2")));
        assert_ne!(id(&body), id(&body.replace("Stuck", "Stuck again")));
        assert_eq!(id(&body).get_version_num(), 8);
        let from_query = Submission::parse(body.replace("api_key=k1&", "").as_bytes(), Some("k1"))
            .expect("a valid form");
        assert_eq!(from_query.request_id(), id(&body));
    }
}

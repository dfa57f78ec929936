//! The services Open311 lists: govledger's request categories (ADR 0008).

use govledger_core::domain::request::vocabulary::{RequestCategory, RequestKind};
use serde_json::{Value, json};

/// The GeoReport v2 specification's address.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this mapping last changed.
const CHANGESET: &str = "2026-12-03T00:00:00Z";

fn label(category: RequestCategory) -> (&'static str, &'static str) {
    match category {
        RequestCategory::Repair => (
            "Repairs",
            "Repairs to common parts: roofs, doors, pipes, lights.",
        ),
        RequestCategory::Lift => ("Lifts", "Lift breakdowns, and lifts for older buildings."),
        RequestCategory::Parking => ("Parking", "Parking in the compound."),
        RequestCategory::EBikeCharging => ("E-bike charging", "E-bike charging and bicycle sheds."),
        RequestCategory::DogKeeping => ("Dogs and pets", "Dog keeping and other pets."),
        RequestCategory::Sanitation => ("Sanitation", "Cleaning, rubbish, pests."),
        RequestCategory::Greening => ("Green spaces", "Planting and green spaces."),
        RequestCategory::Security => ("Security", "Security, cameras, access control."),
        RequestCategory::NeighbourDispute => (
            "Neighbour disputes",
            "Disputes between neighbours: noise, leaks, shared spaces.",
        ),
        RequestCategory::PolicyEnquiry => (
            "Policy enquiries",
            "Questions about policy, services and paperwork.",
        ),
        RequestCategory::PropertyService => (
            "Property management",
            "Property-management service and fees.",
        ),
        RequestCategory::Other => ("Other", "Anything else."),
    }
}

/// The service name of a category code; the code itself when unknown.
pub(super) fn name(code: &str) -> String {
    RequestCategory::ALL
        .iter()
        .find(|c| c.as_str() == code)
        .map_or_else(|| code.to_string(), |c| label(*c).0.to_string())
}

pub(super) fn list() -> Value {
    RequestCategory::ALL
        .iter()
        .map(|category| {
            let (name, description) = label(*category);
            json!({
                "service_code": category.as_str(),
                "service_name": name,
                "description": description,
                "metadata": true,
                "type": "realtime",
                "keywords": category.as_str().replace('_', ", "),
                "group": "community",
            })
        })
        .collect()
}

pub(super) fn definition(code: &str) -> Option<Value> {
    let category = RequestCategory::ALL.iter().find(|c| c.as_str() == code)?;
    let kinds: Vec<Value> = [
        RequestKind::Complaint,
        RequestKind::Help,
        RequestKind::Enquiry,
        RequestKind::Suggestion,
    ]
    .iter()
    .map(|kind| json!({ "key": kind.as_str(), "name": kind.as_str() }))
    .collect();
    Some(json!({
        "service_code": category.as_str(),
        "attributes": [{
            "variable": true,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": false,
            "datatype_description": "complaint when omitted",
            "order": 1,
            "description": "What kind of request this is.",
            "values": kinds,
        }],
    }))
}

pub(super) fn discovery(host: &str) -> Value {
    json!({
        "changeset": CHANGESET,
        "contact": "The community's residents' committee.",
        "key_service": "API keys are govledger tokens (govledger token create).",
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": format!("http://{host}/open311/v2"),
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    })
}

//! Upcasters: read payloads written at an older schema version and turn them into today's
//! event. Each (type, old version) pair has its own frozen struct, which must never change
//! again: it describes bytes already on disk. See docs/adr/0002-event-versioning.md.

use serde::Deserialize;

use crate::codec::decode_payload;
use crate::domain::error::DomainError;
use crate::domain::event::{DomainEvent, RequestEvent};
use crate::domain::ids::{OrganisationId, PersonId, RequestId};
use crate::domain::location::Location;
use crate::domain::request::events::RequestReceived;
use crate::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};

/// `RequestReceived` version 1: before the channel was recorded.
#[derive(Deserialize)]
struct RequestReceivedV1 {
    request_id: RequestId,
    kind: RequestKind,
    category: RequestCategory,
    description: String,
    requester_id: Option<PersonId>,
    location: Location,
    received_by_organisation_id: Option<OrganisationId>,
}

impl From<RequestReceivedV1> for RequestReceived {
    fn from(v1: RequestReceivedV1) -> RequestReceived {
        RequestReceived {
            request_id: v1.request_id,
            kind: v1.kind,
            category: v1.category,
            description: v1.description,
            requester_id: v1.requester_id,
            location: v1.location,
            received_by_organisation_id: v1.received_by_organisation_id,
            channel: Channel::Unrecorded,
        }
    }
}

/// Decodes a payload written at `schema_version`, older than the current version.
pub(crate) fn decode_older(
    event_type: &str,
    schema_version: u16,
    payload: &[u8],
) -> Result<DomainEvent, DomainError> {
    match (event_type, schema_version) {
        ("RequestReceived", 1) => decode_payload::<RequestReceivedV1>(payload)
            .map(|v1| DomainEvent::Request(RequestEvent::RequestReceived(v1.into())))
            .map_err(|e| DomainError::PayloadCodec {
                event_type: "RequestReceived",
                reason: format!("version 1: {e}"),
            }),
        _ => Err(DomainError::UnsupportedSchemaVersion {
            event_type: event_type.chars().take(64).collect(),
            schema_version,
            current: DomainEvent::current_schema_version(event_type).unwrap_or(0),
        }),
    }
}

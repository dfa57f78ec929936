//! Event payloads as JSON, for GraphQL and the export file. The domain stays free of JSON:
//! its payload structs derive `Serialize`, and this match picks the struct out of the enums.
//! A new event variant makes this match non-exhaustive, so it cannot be forgotten.

use govledger_core::domain::event::{
    DecisionEvent, DirectoryEvent, DomainEvent, MediationEvent, RequestEvent, WorkProjectEvent,
};
use govledger_core::event::RecordedEvent;

/// The payload of a stored event as JSON, or `None` when this build cannot decode it (an
/// unknown type or a newer schema version): the stored bytes remain the authority.
pub fn payload_json(event: &RecordedEvent) -> Option<serde_json::Value> {
    let decoded = DomainEvent::decode_recorded(event).ok()?;
    domain_event_json(&decoded).ok()
}

pub fn domain_event_json(event: &DomainEvent) -> Result<serde_json::Value, serde_json::Error> {
    match event {
        DomainEvent::Request(event) => match event {
            RequestEvent::RequestReceived(payload) => serde_json::to_value(payload),
            RequestEvent::RequestAccepted(payload) => serde_json::to_value(payload),
            RequestEvent::RequestRejected(payload) => serde_json::to_value(payload),
            RequestEvent::RequestMerged(payload) => serde_json::to_value(payload),
            RequestEvent::RequestDispatched(payload) => serde_json::to_value(payload),
            RequestEvent::RequestSentBack(payload) => serde_json::to_value(payload),
            RequestEvent::RequestWorkStarted(payload) => serde_json::to_value(payload),
            RequestEvent::RequestResolved(payload) => serde_json::to_value(payload),
            RequestEvent::RequestFollowedUp(payload) => serde_json::to_value(payload),
            RequestEvent::RequestClosed(payload) => serde_json::to_value(payload),
            RequestEvent::RequestReopened(payload) => serde_json::to_value(payload),
            RequestEvent::RequestEscalated(payload) => serde_json::to_value(payload),
        },
        DomainEvent::WorkProject(event) => match event {
            WorkProjectEvent::WorkProjectProposed(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectApproved(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectContracted(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectStarted(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectProgressRecorded(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectCompleted(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectInspectionPassed(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectInspectionFailed(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectWarrantyClaimRaised(payload) => {
                serde_json::to_value(payload)
            }
            WorkProjectEvent::WorkProjectWarrantyClaimSettled(payload) => {
                serde_json::to_value(payload)
            }
            WorkProjectEvent::WorkProjectClosed(payload) => serde_json::to_value(payload),
            WorkProjectEvent::WorkProjectCancelled(payload) => serde_json::to_value(payload),
        },
        DomainEvent::Mediation(event) => match event {
            MediationEvent::MediationRegistered(payload) => serde_json::to_value(payload),
            MediationEvent::MediationAccepted(payload) => serde_json::to_value(payload),
            MediationEvent::MediationDeclined(payload) => serde_json::to_value(payload),
            MediationEvent::MediationSessionHeld(payload) => serde_json::to_value(payload),
            MediationEvent::MediationAgreementReached(payload) => serde_json::to_value(payload),
            MediationEvent::MediationFailed(payload) => serde_json::to_value(payload),
            MediationEvent::MediationPerformanceFollowedUp(payload) => {
                serde_json::to_value(payload)
            }
            MediationEvent::MediationArchived(payload) => serde_json::to_value(payload),
        },
        DomainEvent::Decision(event) => match event {
            DecisionEvent::DecisionProposed(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionVotingOpened(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionBallotCast(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionTallied(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionAdopted(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionFailed(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionPublished(payload) => serde_json::to_value(payload),
            DecisionEvent::DecisionWithdrawn(payload) => serde_json::to_value(payload),
        },
        DomainEvent::Directory(event) => match event {
            DirectoryEvent::CommunityRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::CommunityTimeZoneSet(payload) => serde_json::to_value(payload),
            DirectoryEvent::HolidaysPublished(payload) => serde_json::to_value(payload),
            DirectoryEvent::CategoryTimeLimitsSet(payload) => serde_json::to_value(payload),
            DirectoryEvent::CompoundRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::BuildingRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::UnitRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::UnitOwnersRecorded(payload) => serde_json::to_value(payload),
            DirectoryEvent::GridRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::OrganisationRegistered(payload) => serde_json::to_value(payload),
            DirectoryEvent::AccountOpened(payload) => serde_json::to_value(payload),
            DirectoryEvent::RoleGranted(payload) => serde_json::to_value(payload),
            DirectoryEvent::RoleEnded(payload) => serde_json::to_value(payload),
            DirectoryEvent::AccountClosed(payload) => serde_json::to_value(payload),
        },
        DomainEvent::FactCorrected(payload) => serde_json::to_value(payload),
        DomainEvent::PersonalDataErased(payload) => serde_json::to_value(payload),
    }
}

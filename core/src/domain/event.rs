//! `DomainEvent`: every event the domain records, one enum per aggregate, with its type name
//! (past-tense PascalCase, the envelope's `event_type`), its current schema version, and the
//! payload codec. A payload is the bincode encoding of the variant's struct alone; the type
//! name and schema version in the envelope say how to read it (older versions go through
//! `upcast.rs`). Type names are unique across aggregates.

use crate::codec::{decode_payload, encode_payload};
use crate::domain::correction::FactCorrected;
use crate::domain::decision::events::*;
use crate::domain::directory::events::*;
use crate::domain::erasure::PersonalDataErased;
use crate::domain::error::DomainError;
use crate::domain::mediation::events::*;
use crate::domain::request::events::*;
use crate::domain::upcast;
use crate::domain::work_project::events::*;
use crate::event::RecordedEvent;

macro_rules! aggregate_events {
    ($(#[$doc:meta])* $enum:ident { $($variant:ident => $version:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $enum {
            $($variant($variant)),*
        }

        impl $enum {
            /// Every type name of this aggregate with its current schema version.
            pub const CATALOGUE: &'static [(&'static str, u16)] = &[$((stringify!($variant), $version)),*];

            pub const fn event_type(&self) -> &'static str {
                match self {
                    $($enum::$variant(_) => stringify!($variant)),*
                }
            }

            pub const fn schema_version(&self) -> u16 {
                match self {
                    $($enum::$variant(_) => $version),*
                }
            }

            fn encode_payload(&self) -> Result<Vec<u8>, DomainError> {
                let encoded = match self {
                    $($enum::$variant(payload) => encode_payload(payload)),*
                };
                encoded.map_err(|e| DomainError::PayloadCodec {
                    event_type: self.event_type(),
                    reason: e.to_string(),
                })
            }

            /// Decodes a payload written at the current schema version; `None` for a type
            /// name this aggregate does not have.
            fn decode_current(event_type: &str, payload: &[u8]) -> Option<Result<$enum, DomainError>> {
                match event_type {
                    $(stringify!($variant) => Some(
                        decode_payload::<$variant>(payload)
                            .map($enum::$variant)
                            .map_err(|e| DomainError::PayloadCodec {
                                event_type: stringify!($variant),
                                reason: e.to_string(),
                            }),
                    ),)*
                    _ => None,
                }
            }
        }

        $(
            impl From<$variant> for $enum {
                fn from(payload: $variant) -> $enum {
                    $enum::$variant(payload)
                }
            }

            impl From<$variant> for DomainEvent {
                fn from(payload: $variant) -> DomainEvent {
                    DomainEvent::from($enum::$variant(payload))
                }
            }
        )*
    };
}

aggregate_events! {
    /// Events of a service request (`request-<uuid>`).
    RequestEvent {
        RequestReceived => 2,
        RequestAccepted => 1,
        RequestRejected => 1,
        RequestMerged => 1,
        RequestDispatched => 1,
        RequestSentBack => 1,
        RequestWorkStarted => 1,
        RequestResolved => 1,
        RequestFollowedUp => 1,
        RequestClosed => 1,
        RequestReopened => 1,
        RequestEscalated => 1,
    }
}

aggregate_events! {
    /// Events of a work project (`work-<uuid>`).
    WorkProjectEvent {
        WorkProjectProposed => 1,
        WorkProjectApproved => 1,
        WorkProjectContracted => 1,
        WorkProjectStarted => 1,
        WorkProjectProgressRecorded => 1,
        WorkProjectCompleted => 1,
        WorkProjectInspectionPassed => 1,
        WorkProjectInspectionFailed => 1,
        WorkProjectWarrantyClaimRaised => 1,
        WorkProjectWarrantyClaimSettled => 1,
        WorkProjectClosed => 1,
        WorkProjectCancelled => 1,
    }
}

aggregate_events! {
    /// Events of a mediation case (`mediation-<uuid>`).
    MediationEvent {
        MediationRegistered => 1,
        MediationAccepted => 1,
        MediationDeclined => 1,
        MediationSessionHeld => 1,
        MediationAgreementReached => 1,
        MediationFailed => 1,
        MediationPerformanceFollowedUp => 1,
        MediationArchived => 1,
    }
}

aggregate_events! {
    /// Events of a decision (`decision-<uuid>`).
    DecisionEvent {
        DecisionProposed => 1,
        DecisionVotingOpened => 1,
        DecisionBallotCast => 1,
        DecisionTallied => 1,
        DecisionAdopted => 1,
        DecisionFailed => 1,
        DecisionPublished => 1,
        DecisionWithdrawn => 1,
    }
}

aggregate_events! {
    /// Events of the directory (`directory`).
    DirectoryEvent {
        CommunityRegistered => 1,
        CommunityTimeZoneSet => 1,
        HolidaysPublished => 1,
        CategoryTimeLimitsSet => 1,
        CompoundRegistered => 1,
        BuildingRegistered => 1,
        UnitRegistered => 1,
        UnitOwnersRecorded => 1,
        GridRegistered => 1,
        OrganisationRegistered => 1,
        AccountOpened => 1,
        RoleGranted => 1,
        RoleEnded => 1,
        AccountClosed => 1,
    }
}

/// Every event the domain records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    Request(RequestEvent),
    WorkProject(WorkProjectEvent),
    Mediation(MediationEvent),
    Decision(DecisionEvent),
    Directory(DirectoryEvent),
    /// A correction, in the stream of the event it corrects.
    FactCorrected(FactCorrected),
    /// A personal-data erasure (`person-<uuid>`), without the erased data.
    PersonalDataErased(PersonalDataErased),
}

const FACT_CORRECTED: &str = "FactCorrected";
const FACT_CORRECTED_VERSION: u16 = 1;
const PERSONAL_DATA_ERASED: &str = "PersonalDataErased";
const PERSONAL_DATA_ERASED_VERSION: u16 = 1;

impl DomainEvent {
    /// Every event type name the domain knows with its current schema version.
    pub fn catalogue() -> impl Iterator<Item = (&'static str, u16)> {
        RequestEvent::CATALOGUE
            .iter()
            .chain(WorkProjectEvent::CATALOGUE)
            .chain(MediationEvent::CATALOGUE)
            .chain(DecisionEvent::CATALOGUE)
            .chain(DirectoryEvent::CATALOGUE)
            .chain(&[
                (FACT_CORRECTED, FACT_CORRECTED_VERSION),
                (PERSONAL_DATA_ERASED, PERSONAL_DATA_ERASED_VERSION),
            ])
            .copied()
    }

    /// The current schema version of a type name; `None` for an unknown name.
    pub fn current_schema_version(event_type: &str) -> Option<u16> {
        DomainEvent::catalogue()
            .find(|(name, _)| *name == event_type)
            .map(|(_, version)| version)
    }

    /// Past-tense PascalCase type name, stored in the envelope.
    pub const fn event_type(&self) -> &'static str {
        match self {
            DomainEvent::Request(event) => event.event_type(),
            DomainEvent::WorkProject(event) => event.event_type(),
            DomainEvent::Mediation(event) => event.event_type(),
            DomainEvent::Decision(event) => event.event_type(),
            DomainEvent::Directory(event) => event.event_type(),
            DomainEvent::FactCorrected(_) => FACT_CORRECTED,
            DomainEvent::PersonalDataErased(_) => PERSONAL_DATA_ERASED,
        }
    }

    /// The schema version this build writes for the event's type.
    pub const fn schema_version(&self) -> u16 {
        match self {
            DomainEvent::Request(event) => event.schema_version(),
            DomainEvent::WorkProject(event) => event.schema_version(),
            DomainEvent::Mediation(event) => event.schema_version(),
            DomainEvent::Decision(event) => event.schema_version(),
            DomainEvent::Directory(event) => event.schema_version(),
            DomainEvent::FactCorrected(_) => FACT_CORRECTED_VERSION,
            DomainEvent::PersonalDataErased(_) => PERSONAL_DATA_ERASED_VERSION,
        }
    }

    /// The payload bytes (current schema version).
    pub fn encode(&self) -> Result<Vec<u8>, DomainError> {
        let codec_error = |e: crate::codec::PayloadCodecError| DomainError::PayloadCodec {
            event_type: self.event_type(),
            reason: e.to_string(),
        };
        match self {
            DomainEvent::Request(event) => event.encode_payload(),
            DomainEvent::WorkProject(event) => event.encode_payload(),
            DomainEvent::Mediation(event) => event.encode_payload(),
            DomainEvent::Decision(event) => event.encode_payload(),
            DomainEvent::Directory(event) => event.encode_payload(),
            DomainEvent::FactCorrected(event) => encode_payload(event).map_err(codec_error),
            DomainEvent::PersonalDataErased(event) => encode_payload(event).map_err(codec_error),
        }
    }

    /// Reads a payload of any schema version this build knows: the current one directly,
    /// older ones through their upcasters. A newer version than this build writes is refused
    /// (`FutureSchemaVersion`): an old binary must not guess at new fields.
    pub fn decode(
        event_type: &str,
        schema_version: u16,
        payload: &[u8],
    ) -> Result<DomainEvent, DomainError> {
        let current = DomainEvent::current_schema_version(event_type).ok_or_else(|| {
            DomainError::UnknownEventType {
                event_type: event_type.chars().take(64).collect(),
            }
        })?;
        if schema_version > current || schema_version == 0 {
            return Err(DomainError::UnsupportedSchemaVersion {
                event_type: event_type.chars().take(64).collect(),
                schema_version,
                current,
            });
        }
        if schema_version < current {
            return upcast::decode_older(event_type, schema_version, payload);
        }
        DomainEvent::decode_current(event_type, payload)
    }

    /// `decode` applied to a stored event's envelope.
    pub fn decode_recorded(event: &RecordedEvent) -> Result<DomainEvent, DomainError> {
        DomainEvent::decode(
            event.event_type.as_str(),
            event.schema_version,
            &event.payload,
        )
    }

    fn decode_current(event_type: &str, payload: &[u8]) -> Result<DomainEvent, DomainError> {
        let codec_error = |event_type: &'static str| {
            move |e: crate::codec::PayloadCodecError| DomainError::PayloadCodec {
                event_type,
                reason: e.to_string(),
            }
        };
        if let Some(decoded) = RequestEvent::decode_current(event_type, payload) {
            return decoded.map(DomainEvent::Request);
        }
        if let Some(decoded) = WorkProjectEvent::decode_current(event_type, payload) {
            return decoded.map(DomainEvent::WorkProject);
        }
        if let Some(decoded) = MediationEvent::decode_current(event_type, payload) {
            return decoded.map(DomainEvent::Mediation);
        }
        if let Some(decoded) = DecisionEvent::decode_current(event_type, payload) {
            return decoded.map(DomainEvent::Decision);
        }
        if let Some(decoded) = DirectoryEvent::decode_current(event_type, payload) {
            return decoded.map(DomainEvent::Directory);
        }
        match event_type {
            FACT_CORRECTED => decode_payload(payload)
                .map(DomainEvent::FactCorrected)
                .map_err(codec_error(FACT_CORRECTED)),
            PERSONAL_DATA_ERASED => decode_payload(payload)
                .map(DomainEvent::PersonalDataErased)
                .map_err(codec_error(PERSONAL_DATA_ERASED)),
            _ => Err(DomainError::UnknownEventType {
                event_type: event_type.chars().take(64).collect(),
            }),
        }
    }
}

macro_rules! into_domain_event {
    ($($aggregate:ident => $variant:ident),* $(,)?) => {$(
        impl From<$aggregate> for DomainEvent {
            fn from(event: $aggregate) -> DomainEvent {
                DomainEvent::$variant(event)
            }
        }
    )*};
}

into_domain_event! {
    RequestEvent => Request,
    WorkProjectEvent => WorkProject,
    MediationEvent => Mediation,
    DecisionEvent => Decision,
    DirectoryEvent => Directory,
    FactCorrected => FactCorrected,
    PersonalDataErased => PersonalDataErased,
}

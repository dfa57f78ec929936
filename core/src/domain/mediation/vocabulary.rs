//! The words of a people's mediation case. Declaration order is part of the payload format.

use serde::{Deserialize, Serialize};

/// How the case came in: applied for by a party, or referred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum MediationSource {
    /// A party applied.
    PartyApplication,
    /// The mediation committee took it up on its own initiative (主动调解).
    OwnInitiative,
    PoliceReferral,
    CourtReferral,
    GovernmentReferral,
}

impl MediationSource {
    pub const fn as_str(self) -> &'static str {
        match self {
            MediationSource::PartyApplication => "party_application",
            MediationSource::OwnInitiative => "own_initiative",
            MediationSource::PoliceReferral => "police_referral",
            MediationSource::CourtReferral => "court_referral",
            MediationSource::GovernmentReferral => "government_referral",
        }
    }
}

/// What the dispute is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DisputeType {
    Neighbour,
    Noise,
    WaterLeak,
    DogKeeping,
    Parking,
    PropertyService,
    Renovation,
    Family,
    Debt,
    Other,
}

impl DisputeType {
    pub const fn as_str(self) -> &'static str {
        match self {
            DisputeType::Neighbour => "neighbour",
            DisputeType::Noise => "noise",
            DisputeType::WaterLeak => "water_leak",
            DisputeType::DogKeeping => "dog_keeping",
            DisputeType::Parking => "parking",
            DisputeType::PropertyService => "property_service",
            DisputeType::Renovation => "renovation",
            DisputeType::Family => "family",
            DisputeType::Debt => "debt",
            DisputeType::Other => "other",
        }
    }
}

/// The form of a mediation agreement (Art. 28-31: written, or oral and recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AgreementForm {
    Written,
    Oral,
}

/// Whether the parties did what they agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Performance {
    Performed,
    PartlyPerformed,
    NotPerformed,
}

impl Performance {
    pub const fn as_str(self) -> &'static str {
        match self {
            Performance::Performed => "performed",
            Performance::PartlyPerformed => "partly_performed",
            Performance::NotPerformed => "not_performed",
        }
    }
}

//! Events of a mediation case's stream (`mediation-<uuid>`). Parties are person ids; their
//! names and contacts stay in the personal-data store. Records describe what was said and
//! agreed without naming anyone.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{AccountId, MediationId, OrganisationId, PersonId};
use crate::domain::location::Location;
use crate::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use crate::time::Timestamp;

/// A case was registered (Art. 27: every case is registered), applied for or referred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationRegistered {
    pub mediation_id: MediationId,
    pub source: MediationSource,
    /// The police station, court or office that referred it, if referred.
    pub referred_by_organisation_id: Option<OrganisationId>,
    pub mediation_committee_id: OrganisationId,
    pub dispute_type: DisputeType,
    pub parties: Vec<PersonId>,
    pub summary: String,
    pub location: Location,
}

/// The committee took the case on and assigned a mediator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationAccepted {
    pub mediation_id: MediationId,
    pub mediator_account_id: AccountId,
    /// When the case should be finished (about a month).
    pub target_finish_at: Timestamp,
}

/// The committee declined the case (a party refused, or it is outside mediation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationDeclined {
    pub mediation_id: MediationId,
    pub reason: String,
}

/// A mediation session was held, with its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationSessionHeld {
    pub mediation_id: MediationId,
    /// Numbered from 1 within the case.
    pub session_number: u32,
    pub mediator_account_id: AccountId,
    pub attending_parties: Vec<PersonId>,
    pub record: String,
}

/// The parties agreed (Art. 31: the agreement binds them). They may seek court confirmation
/// until `court_confirmation_deadline_at` (Art. 33: 30 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationAgreementReached {
    pub mediation_id: MediationId,
    pub form: AgreementForm,
    pub terms: String,
    pub court_confirmation_deadline_at: Timestamp,
}

/// Mediation failed; the parties were told they may go to court.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationFailed {
    pub mediation_id: MediationId,
    pub reason: String,
}

/// The mediator checked whether the agreement was performed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationPerformanceFollowedUp {
    pub mediation_id: MediationId,
    pub performance: Performance,
    pub note: String,
}

/// The case file was archived (Art. 27).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediationArchived {
    pub mediation_id: MediationId,
    pub archive_reference: String,
}

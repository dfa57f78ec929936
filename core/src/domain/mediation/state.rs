//! A mediation case folded from its stream.

use crate::domain::event::MediationEvent;
use crate::domain::ids::{AccountId, MediationId, OrganisationId, PersonId};
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MediationStatus {
    #[default]
    Unknown,
    Registered,
    /// Accepted; sessions are being held.
    InMediation,
    Declined,
    /// An agreement was reached; performance is followed up.
    Agreed,
    Failed,
    Archived,
}

impl MediationStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            MediationStatus::Unknown => "unknown",
            MediationStatus::Registered => "registered",
            MediationStatus::InMediation => "in_mediation",
            MediationStatus::Declined => "declined",
            MediationStatus::Agreed => "agreed",
            MediationStatus::Failed => "failed",
            MediationStatus::Archived => "archived",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mediation {
    pub status: MediationStatus,
    pub mediation_id: MediationId,
    pub mediation_committee_id: OrganisationId,
    pub parties: Vec<PersonId>,
    pub mediator_account_id: Option<AccountId>,
    pub target_finish_at: Option<Timestamp>,
    pub sessions_held: u32,
    pub performance_follow_ups: u32,
}

impl Default for Mediation {
    fn default() -> Mediation {
        let nil = uuid::Uuid::nil();
        Mediation {
            status: MediationStatus::Unknown,
            mediation_id: MediationId(nil),
            mediation_committee_id: OrganisationId(nil),
            parties: Vec::new(),
            mediator_account_id: None,
            target_finish_at: None,
            sessions_held: 0,
            performance_follow_ups: 0,
        }
    }
}

impl Mediation {
    pub(super) fn apply_event(&mut self, event: &MediationEvent) {
        use MediationStatus as S;
        match event {
            MediationEvent::MediationRegistered(e) => {
                self.status = S::Registered;
                self.mediation_id = e.mediation_id;
                self.mediation_committee_id = e.mediation_committee_id;
                self.parties = e.parties.clone();
            }
            MediationEvent::MediationAccepted(e) => {
                self.status = S::InMediation;
                self.mediator_account_id = Some(e.mediator_account_id);
                self.target_finish_at = Some(e.target_finish_at);
            }
            MediationEvent::MediationDeclined(_) => self.status = S::Declined,
            MediationEvent::MediationSessionHeld(e) => {
                self.sessions_held = self.sessions_held.max(e.session_number);
            }
            MediationEvent::MediationAgreementReached(_) => self.status = S::Agreed,
            MediationEvent::MediationFailed(_) => self.status = S::Failed,
            MediationEvent::MediationPerformanceFollowedUp(_) => self.performance_follow_ups += 1,
            MediationEvent::MediationArchived(_) => self.status = S::Archived,
        }
    }
}

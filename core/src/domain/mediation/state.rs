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

    /// The status a case has after `event`; `None` when the event leaves it as it was
    /// (sessions, performance follow-ups).
    pub const fn after(event: &MediationEvent) -> Option<MediationStatus> {
        use MediationStatus as S;
        Some(match event {
            MediationEvent::MediationRegistered(_) => S::Registered,
            MediationEvent::MediationAccepted(_) => S::InMediation,
            MediationEvent::MediationDeclined(_) => S::Declined,
            MediationEvent::MediationAgreementReached(_) => S::Agreed,
            MediationEvent::MediationFailed(_) => S::Failed,
            MediationEvent::MediationArchived(_) => S::Archived,
            MediationEvent::MediationSessionHeld(_)
            | MediationEvent::MediationPerformanceFollowedUp(_) => return None,
        })
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
        if let Some(status) = MediationStatus::after(event) {
            self.status = status;
        }
        match event {
            MediationEvent::MediationRegistered(e) => {
                self.mediation_id = e.mediation_id;
                self.mediation_committee_id = e.mediation_committee_id;
                self.parties = e.parties.clone();
            }
            MediationEvent::MediationAccepted(e) => {
                self.mediator_account_id = Some(e.mediator_account_id);
                self.target_finish_at = Some(e.target_finish_at);
            }
            MediationEvent::MediationDeclined(_) => {}
            MediationEvent::MediationSessionHeld(e) => {
                self.sessions_held = self.sessions_held.max(e.session_number);
            }
            MediationEvent::MediationAgreementReached(_) | MediationEvent::MediationFailed(_) => {}
            MediationEvent::MediationPerformanceFollowedUp(_) => self.performance_follow_ups += 1,
            MediationEvent::MediationArchived(_) => {}
        }
    }
}

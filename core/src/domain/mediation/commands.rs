//! Mediation commands and how a case decides them.

use serde::{Deserialize, Serialize};

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::error::DomainError;
use crate::domain::event::{DomainEvent, MediationEvent};
use crate::domain::ids::{AccountId, MediationId, OrganisationId, PersonId};
use crate::domain::location::Location;
use crate::domain::mediation::state::{Mediation, MediationStatus};
use crate::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediationCommand {
    Register {
        source: MediationSource,
        referred_by_organisation_id: Option<OrganisationId>,
        mediation_committee_id: OrganisationId,
        dispute_type: DisputeType,
        parties: Vec<PersonId>,
        summary: String,
        location: Location,
    },
    Accept {
        mediator_account_id: AccountId,
    },
    Decline {
        reason: String,
    },
    RecordSession {
        attending_parties: Vec<PersonId>,
        record: String,
    },
    RecordAgreement {
        form: AgreementForm,
        terms: String,
    },
    RecordFailure {
        reason: String,
    },
    FollowUpPerformance {
        performance: Performance,
        note: String,
    },
    Archive {
        archive_reference: String,
    },
}

impl MediationCommand {
    pub const fn name(&self) -> &'static str {
        match self {
            MediationCommand::Register { .. } => "register_mediation",
            MediationCommand::Accept { .. } => "accept_mediation",
            MediationCommand::Decline { .. } => "decline_mediation",
            MediationCommand::RecordSession { .. } => "record_mediation_session",
            MediationCommand::RecordAgreement { .. } => "record_mediation_agreement",
            MediationCommand::RecordFailure { .. } => "record_mediation_failure",
            MediationCommand::FollowUpPerformance { .. } => "follow_up_mediation_performance",
            MediationCommand::Archive { .. } => "archive_mediation",
        }
    }
}

impl Aggregate for Mediation {
    type Id = MediationId;
    type Command = MediationCommand;
    type Event = MediationEvent;
    const NAME: &'static str = "mediation";

    fn apply(&mut self, event: &MediationEvent) {
        self.apply_event(event);
    }

    fn select(event: &DomainEvent) -> Option<&MediationEvent> {
        match event {
            DomainEvent::Mediation(event) => Some(event),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        self.status != MediationStatus::Unknown
    }

    fn handle(
        &self,
        mediation_id: MediationId,
        command: &MediationCommand,
        context: &Context<'_>,
    ) -> Result<Vec<MediationEvent>, DomainError> {
        use MediationCommand as C;
        if !self.exists() && !matches!(command, C::Register { .. }) {
            return Err(not_found("mediation", mediation_id));
        }
        let id = mediation_id;
        let event = match command {
            C::Register {
                source,
                referred_by_organisation_id,
                mediation_committee_id,
                dispute_type,
                parties,
                summary,
                location,
            } => self.register(
                id,
                *source,
                *referred_by_organisation_id,
                *mediation_committee_id,
                *dispute_type,
                parties,
                summary,
                *location,
                context,
            ),
            C::Accept {
                mediator_account_id,
            } => self.accept(id, *mediator_account_id, context),
            C::Decline { reason } => self.decline(id, reason, context),
            C::RecordSession {
                attending_parties,
                record,
            } => self.record_session(id, attending_parties, record, context),
            C::RecordAgreement { form, terms } => self.record_agreement(id, *form, terms, context),
            C::RecordFailure { reason } => self.record_failure(id, reason, context),
            C::FollowUpPerformance { performance, note } => {
                self.follow_up_performance(id, *performance, note, context)
            }
            C::Archive { archive_reference } => self.archive(id, archive_reference, context),
        }?;
        Ok(vec![event])
    }
}

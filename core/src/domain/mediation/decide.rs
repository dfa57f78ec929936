//! How a mediation case decides each command: one function per command, each checking the
//! case's state, that the committee acts and the command's input, and returning the event it
//! produces.

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::error::DomainError;
use crate::domain::event::MediationEvent;
use crate::domain::ids::{AccountId, MediationId, OrganisationId, PersonId};
use crate::domain::lifecycle::require_status;
use crate::domain::limits::{
    COURT_CONFIRMATION_DAYS, DESCRIPTION_BYTES_MAX, MEDIATION_PARTIES_MAX, MEDIATION_TARGET_DAYS,
    TITLE_BYTES_MAX,
};
use crate::domain::location::Location;
use crate::domain::mediation::events::*;
use crate::domain::mediation::state::{Mediation, MediationStatus as S, MediationStatus};
use crate::domain::mediation::vocabulary::{
    AgreementForm, DisputeType, MediationSource, Performance,
};
use crate::domain::role::{OrganisationKind, Role};
use crate::domain::validate::{at_most, distinct, optional_text, required_text};

type Decided = Result<MediationEvent, DomainError>;

impl Mediation {
    #[expect(
        clippy::too_many_arguments,
        reason = "the command's fields, one argument each"
    )]
    pub(super) fn register(
        &self,
        mediation_id: MediationId,
        source: MediationSource,
        referred_by_organisation_id: Option<OrganisationId>,
        mediation_committee_id: OrganisationId,
        dispute_type: DisputeType,
        parties: &[PersonId],
        summary: &str,
        location: Location,
        context: &Context<'_>,
    ) -> Decided {
        let directory = context.directory;
        if self.exists() {
            return Err(DomainError::AlreadyExists {
                what: "mediation",
                id: mediation_id.to_string(),
            });
        }
        if directory.organisation_kind(mediation_committee_id)
            != Some(OrganisationKind::MediationCommittee)
        {
            return Err(not_found("mediation committee", mediation_committee_id));
        }
        let referred = matches!(
            source,
            MediationSource::PoliceReferral
                | MediationSource::CourtReferral
                | MediationSource::GovernmentReferral
        );
        match (referred, referred_by_organisation_id) {
            (true, None) => {
                return Err(DomainError::InvalidInput {
                    field: "referred_by_organisation_id",
                    reason: "a referral names who referred it".into(),
                });
            }
            (false, Some(_)) => {
                return Err(DomainError::InvalidInput {
                    field: "referred_by_organisation_id",
                    reason: "only referrals name a referring organisation".into(),
                });
            }
            (true, Some(referrer)) if directory.organisation_kind(referrer).is_none() => {
                return Err(not_found("organisation", referrer));
            }
            _ => {}
        }
        if parties.is_empty() {
            return Err(DomainError::InvalidInput {
                field: "parties",
                reason: "a mediation has at least one party".into(),
            });
        }
        at_most("parties", parties.len(), MEDIATION_PARTIES_MAX)?;
        if context.actor.role == Role::Resident
            && !directory
                .person_of(context.actor.account_id)
                .is_some_and(|me| parties.contains(&me))
        {
            return Err(DomainError::InvalidInput {
                field: "parties",
                reason: "a resident applies for mediation as one of the parties".into(),
            });
        }
        Ok(MediationRegistered {
            mediation_id,
            source,
            referred_by_organisation_id,
            mediation_committee_id,
            dispute_type,
            parties: distinct("parties", parties)?,
            summary: required_text("summary", summary, DESCRIPTION_BYTES_MAX)?,
            location,
        }
        .into())
    }

    pub(super) fn accept(
        &self,
        mediation_id: MediationId,
        mediator_account_id: AccountId,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::Registered], "be accepted")?;
        self.require_committee(context, "accept the case")?;
        if !context.directory.holds_role(
            mediator_account_id,
            Role::Mediator,
            self.mediation_committee_id,
            context.now,
        ) {
            return Err(DomainError::InvalidInput {
                field: "mediator_account_id",
                reason: "not a mediator of the committee".into(),
            });
        }
        Ok(MediationAccepted {
            mediation_id,
            mediator_account_id,
            target_finish_at: context.now.plus_days(MEDIATION_TARGET_DAYS),
        }
        .into())
    }

    pub(super) fn decline(
        &self,
        mediation_id: MediationId,
        reason: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::Registered], "be declined")?;
        self.require_committee(context, "decline the case")?;
        Ok(MediationDeclined {
            mediation_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn record_session(
        &self,
        mediation_id: MediationId,
        attending_parties: &[PersonId],
        record: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::InMediation], "hold a session")?;
        self.require_committee(context, "record a session")?;
        if let Some(stranger) = attending_parties.iter().find(|p| !self.parties.contains(p)) {
            return Err(DomainError::InvalidInput {
                field: "attending_parties",
                reason: format!("person {stranger} is not a party to the case"),
            });
        }
        Ok(MediationSessionHeld {
            mediation_id,
            session_number: self.sessions_held + 1,
            mediator_account_id: context.actor.account_id,
            attending_parties: distinct("attending_parties", attending_parties)?,
            record: required_text("record", record, DESCRIPTION_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn record_agreement(
        &self,
        mediation_id: MediationId,
        form: AgreementForm,
        terms: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::InMediation], "reach an agreement")?;
        self.require_committee(context, "record the agreement")?;
        self.require_sessions("reach an agreement")?;
        Ok(MediationAgreementReached {
            mediation_id,
            form,
            terms: required_text("terms", terms, DESCRIPTION_BYTES_MAX)?,
            court_confirmation_deadline_at: context.now.plus_days(COURT_CONFIRMATION_DAYS),
        }
        .into())
    }

    pub(super) fn record_failure(
        &self,
        mediation_id: MediationId,
        reason: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::InMediation], "fail")?;
        self.require_committee(context, "record the failure")?;
        self.require_sessions("fail")?;
        Ok(MediationFailed {
            mediation_id,
            reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn follow_up_performance(
        &self,
        mediation_id: MediationId,
        performance: Performance,
        note: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::Agreed], "be followed up")?;
        self.require_committee(context, "follow up performance")?;
        Ok(MediationPerformanceFollowedUp {
            mediation_id,
            performance,
            note: optional_text("note", note, DESCRIPTION_BYTES_MAX)?,
        }
        .into())
    }

    pub(super) fn archive(
        &self,
        mediation_id: MediationId,
        archive_reference: &str,
        context: &Context<'_>,
    ) -> Decided {
        self.require(&[S::Declined, S::Failed, S::Agreed], "be archived")?;
        self.require_committee(context, "archive the case")?;
        if self.status == S::Agreed && self.performance_follow_ups == 0 {
            return Err(DomainError::WrongState {
                aggregate: "mediation",
                state: "agreed without a performance follow-up",
                action: "be archived",
            });
        }
        Ok(MediationArchived {
            mediation_id,
            archive_reference: required_text(
                "archive_reference",
                archive_reference,
                TITLE_BYTES_MAX,
            )?,
        }
        .into())
    }

    fn require(
        &self,
        allowed: &[MediationStatus],
        action: &'static str,
    ) -> Result<(), DomainError> {
        require_status(self.status, allowed, "mediation", self.mediation_id, action)
    }

    fn require_committee(
        &self,
        context: &Context<'_>,
        action: &'static str,
    ) -> Result<(), DomainError> {
        if context.actor.organisation_id == self.mediation_committee_id {
            Ok(())
        } else {
            Err(DomainError::NotResponsibleOrganisation {
                responsible: self.mediation_committee_id,
                action,
            })
        }
    }

    fn require_sessions(&self, action: &'static str) -> Result<(), DomainError> {
        if self.sessions_held == 0 {
            return Err(DomainError::WrongState {
                aggregate: "mediation",
                state: "without a recorded session",
                action,
            });
        }
        Ok(())
    }
}

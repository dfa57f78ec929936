//! How a decision decides each command: one function per command, each checking the
//! decision's state, who acts for the body and the command's input, and returning the events
//! it produces.

use crate::domain::aggregate::{Aggregate, Context, not_found};
use crate::domain::decision::commands::BallotFor;
use crate::domain::decision::events::*;
use crate::domain::decision::state::{
    Decision, DecisionStatus as S, DecisionStatus, Publication, VoterKey,
};
use crate::domain::decision::tally::{self, Verdict};
use crate::domain::decision::vocabulary::{
    Authorisation, BallotChoice, DecisionMatter, Electorate, Voter, VotingRule,
};
use crate::domain::error::DomainError;
use crate::domain::event::DecisionEvent;
use crate::domain::ids::{AccountId, CompoundId, DecisionId, OrganisationId, PersonId, RequestId};
use crate::domain::lifecycle::require_status;
use crate::domain::limits::{
    AUTHORISATIONS_PER_DECISION_MAX, DESCRIPTION_BYTES_MAX, LINKED_REQUESTS_MAX, TITLE_BYTES_MAX,
};
use crate::domain::quantity::FundingSource;
use crate::domain::role::{OrganisationKind, Role};
use crate::domain::validate::{at_most, distinct, positive_cents, required_text};
use crate::time::Timestamp;

impl Decision {
    #[expect(
        clippy::too_many_arguments,
        reason = "the command's fields, one argument each"
    )]
    pub(super) fn propose(
        &self,
        decision_id: DecisionId,
        body_organisation_id: OrganisationId,
        matter: DecisionMatter,
        title: &str,
        text: &str,
        authorisations: &[Authorisation],
        linked_request_ids: &[RequestId],
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        if self.exists() {
            return Err(DomainError::AlreadyExists {
                what: "decision",
                id: decision_id.to_string(),
            });
        }
        let body = context
            .directory
            .organisations
            .get(&body_organisation_id)
            .ok_or_else(|| not_found("organisation", body_organisation_id))?;
        if !body.kind.is_deciding_body() {
            return Err(DomainError::InvalidInput {
                field: "body_organisation_id",
                reason: format!(
                    "an organisation of kind {} takes no decisions",
                    body.kind.as_str()
                ),
            });
        }
        let owners_body = body.kind == OrganisationKind::OwnersAssembly;
        if owners_body != matter.is_owners_matter() {
            return Err(DomainError::InvalidInput {
                field: "matter",
                reason: if owners_body {
                    "the owners' assembly decides the matters of Art. 278 only".into()
                } else {
                    format!(
                        "the matter {} is for the owners' assembly (Art. 278)",
                        matter.as_str()
                    )
                },
            });
        }
        if !speaks_for_body(body_organisation_id, body.kind, body.compound_id, context) {
            return Err(DomainError::NotResponsibleOrganisation {
                responsible: body_organisation_id,
                action: "propose its decisions",
            });
        }
        at_most(
            "linked_request_ids",
            linked_request_ids.len(),
            LINKED_REQUESTS_MAX,
        )?;
        Ok(vec![
            DecisionProposed {
                decision_id,
                body_organisation_id,
                body_kind: body.kind,
                matter,
                voting_rule: matter.voting_rule(),
                title: required_text("title", title, TITLE_BYTES_MAX)?,
                text: required_text("text", text, DESCRIPTION_BYTES_MAX)?,
                compound_id: body.compound_id,
                authorisations: check_authorisations(matter, authorisations)?,
                linked_request_ids: distinct("linked_request_ids", linked_request_ids)?,
            }
            .into(),
        ])
    }

    pub(super) fn open_voting(
        &self,
        decision_id: DecisionId,
        closes_at: Timestamp,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        self.require(&[S::Proposed], "open voting")?;
        self.require_body_actor(context, "open voting")?;
        if closes_at <= context.now {
            return Err(DomainError::DueBeforeDispatch {
                due_at: closes_at,
                dispatched_at: context.now,
            });
        }
        let directory = context.directory;
        let electorate = match (self.voting_rule, self.compound_id) {
            (VotingRule::MembersMajority, _) => Electorate {
                area_dm2: 0,
                heads: directory
                    .members_of(self.body_organisation_id, context.now)
                    .len() as u64,
            },
            (_, Some(compound)) => directory.owners_electorate(compound),
            (_, None) => Electorate {
                area_dm2: 0,
                heads: 0,
            },
        };
        if electorate.heads == 0 {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "without an electorate",
                action: "open voting",
            });
        }
        Ok(vec![
            DecisionVotingOpened {
                decision_id,
                electorate,
                closes_at,
            }
            .into(),
        ])
    }

    pub(super) fn cast_ballot(
        &self,
        decision_id: DecisionId,
        ballot_for: BallotFor,
        choice: BallotChoice,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        self.require(&[S::Voting], "take ballots")?;
        if self.closes_at.is_some_and(|closes| context.now >= closes) {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "past its closing time",
                action: "take ballots",
            });
        }
        let (voter, area_dm2, key) = match (ballot_for, self.voting_rule_is_owners()) {
            (BallotFor::Owner { person_id }, true) => self.owner_voter(person_id, context)?,
            (BallotFor::Member { account_id }, false) => self.member_voter(account_id, context)?,
            _ => {
                return Err(DomainError::InvalidInput {
                    field: "ballot_for",
                    reason: format!(
                        "ballots under {} come from {}",
                        self.voting_rule.as_str(),
                        if self.voting_rule_is_owners() {
                            "owners"
                        } else {
                            "members"
                        }
                    ),
                });
            }
        };
        if self.ballots.contains_key(&key) {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "with a ballot from this voter already",
                action: "take a second ballot",
            });
        }
        Ok(vec![
            DecisionBallotCast {
                decision_id,
                voter,
                area_dm2,
                choice,
            }
            .into(),
        ])
    }

    /// An owner's ballot: who votes, with which floor area, under which key.
    fn owner_voter(
        &self,
        person_id: PersonId,
        context: &Context<'_>,
    ) -> Result<(Voter, u64, VoterKey), DomainError> {
        let directory = context.directory;
        // An owner votes in person (resident) or the committee records it.
        let own_ballot = directory.person_of(context.actor.account_id) == Some(person_id);
        if !own_ballot {
            // Residents belong to the assembly but speak only for themselves.
            if context.actor.role == Role::Resident {
                return Err(DomainError::NotResponsibleOrganisation {
                    responsible: self.body_organisation_id,
                    action: "record another owner's ballot",
                });
            }
            self.require_body_actor(context, "record another owner's ballot")?;
        }
        let compound = self.compound_id.ok_or(DomainError::WrongState {
            aggregate: "decision",
            state: "without a compound",
            action: "take owners' ballots",
        })?;
        let weights = directory.owner_weights(compound);
        let weight = weights
            .get(&person_id)
            .ok_or_else(|| DomainError::InvalidInput {
                field: "person_id",
                reason: "not a voting owner in the decision's compound".into(),
            })?;
        if weight.unit_ids.iter().any(|u| self.units_voted.contains(u)) {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "with a ballot for this unit already",
                action: "take a second ballot",
            });
        }
        Ok((
            Voter::Owner {
                person_id,
                unit_ids: weight.unit_ids.clone(),
            },
            weight.area_dm2,
            VoterKey::Owner(person_id),
        ))
    }

    /// A member's own ballot (members carry no area).
    fn member_voter(
        &self,
        account_id: AccountId,
        context: &Context<'_>,
    ) -> Result<(Voter, u64, VoterKey), DomainError> {
        if account_id != context.actor.account_id {
            return Err(DomainError::InvalidInput {
                field: "account_id",
                reason: "members cast their own ballots".into(),
            });
        }
        if !context
            .directory
            .members_of(self.body_organisation_id, context.now)
            .contains(&account_id)
        {
            return Err(DomainError::NotResponsibleOrganisation {
                responsible: self.body_organisation_id,
                action: "vote as its member",
            });
        }
        Ok((
            Voter::Member { account_id },
            0,
            VoterKey::Member(account_id),
        ))
    }

    pub(super) fn tally(
        &self,
        decision_id: DecisionId,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        self.require(&[S::Voting], "be tallied")?;
        self.require_body_actor(context, "tally its votes")?;
        let everyone_voted = self.ballots.len() as u64 >= self.electorate.heads;
        if !everyone_voted && self.closes_at.is_some_and(|closes| context.now < closes) {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "still open for voting",
                action: "be tallied",
            });
        }
        let counted = tally::count(self.electorate, self.counted_ballots());
        let verdict: DecisionEvent = match tally::verdict(self.voting_rule, &counted) {
            Verdict::Adopted => DecisionAdopted { decision_id }.into(),
            Verdict::Failed(failure) => DecisionFailed {
                decision_id,
                failure,
            }
            .into(),
        };
        Ok(vec![
            DecisionTallied {
                decision_id,
                tally: counted,
            }
            .into(),
            verdict,
        ])
    }

    pub(super) fn publish(
        &self,
        decision_id: DecisionId,
        notice: &str,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        self.require(&[S::Adopted, S::Failed], "be published")?;
        self.require_body_actor(context, "publish its decisions")?;
        if self.publication == Publication::Published {
            return Err(DomainError::WrongState {
                aggregate: "decision",
                state: "published",
                action: "be published again",
            });
        }
        Ok(vec![
            DecisionPublished {
                decision_id,
                notice: required_text("notice", notice, TITLE_BYTES_MAX)?,
            }
            .into(),
        ])
    }

    pub(super) fn withdraw(
        &self,
        decision_id: DecisionId,
        reason: &str,
        context: &Context<'_>,
    ) -> Result<Vec<DecisionEvent>, DomainError> {
        self.require(&[S::Proposed], "be withdrawn")?;
        self.require_body_actor(context, "withdraw its proposals")?;
        Ok(vec![
            DecisionWithdrawn {
                decision_id,
                reason: required_text("reason", reason, TITLE_BYTES_MAX)?,
            }
            .into(),
        ])
    }

    fn require(&self, allowed: &[DecisionStatus], action: &'static str) -> Result<(), DomainError> {
        require_status(self.status, allowed, "decision", self.decision_id, action)
    }

    /// The actor speaks for the body: a member of it, or (for an owners' assembly) a member
    /// of the same compound's owners' committee, which convenes the assembly.
    fn require_body_actor(
        &self,
        context: &Context<'_>,
        action: &'static str,
    ) -> Result<(), DomainError> {
        if speaks_for_body(
            self.body_organisation_id,
            self.body_kind,
            self.compound_id,
            context,
        ) {
            Ok(())
        } else {
            Err(DomainError::NotResponsibleOrganisation {
                responsible: self.body_organisation_id,
                action,
            })
        }
    }
}

fn speaks_for_body(
    body: OrganisationId,
    body_kind: OrganisationKind,
    compound_id: Option<CompoundId>,
    context: &Context<'_>,
) -> bool {
    let actor_organisation = context.actor.organisation_id;
    if actor_organisation == body {
        return true;
    }
    body_kind == OrganisationKind::OwnersAssembly
        && context
            .directory
            .organisations
            .get(&actor_organisation)
            .is_some_and(|o| {
                o.kind == OrganisationKind::OwnersCommittee && o.compound_id == compound_id
            })
}

fn check_authorisations(
    matter: DecisionMatter,
    authorisations: &[Authorisation],
) -> Result<Vec<Authorisation>, DomainError> {
    at_most(
        "authorisations",
        authorisations.len(),
        AUTHORISATIONS_PER_DECISION_MAX,
    )?;
    let projects: Vec<_> = authorisations.iter().map(|a| a.work_project_id).collect();
    distinct("authorisations", &projects)?;
    for authorisation in authorisations {
        positive_cents("budget_cents_max", authorisation.budget_cents_max)?;
        if authorisation.funding_source == FundingSource::MaintenanceFund
            && matter != DecisionMatter::MaintenanceFundUse
        {
            return Err(DomainError::InvalidInput {
                field: "authorisations",
                reason: "spending from the maintenance fund needs a decision on the matter \
                         maintenance_fund_use"
                    .into(),
            });
        }
    }
    Ok(authorisations.to_vec())
}

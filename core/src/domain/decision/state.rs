//! A decision folded from its stream.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::decision::tally::{CountedBallot, Tally};
use crate::domain::decision::vocabulary::{
    Authorisation, BallotChoice, DecisionMatter, Electorate, Voter, VotingRule,
};
use crate::domain::event::DecisionEvent;
use crate::domain::ids::{AccountId, CompoundId, DecisionId, OrganisationId, PersonId, UnitId};
use crate::domain::role::OrganisationKind;
use crate::time::Timestamp;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DecisionStatus {
    #[default]
    Unknown,
    Proposed,
    Voting,
    Adopted,
    Failed,
    Withdrawn,
}

impl DecisionStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Unknown => "unknown",
            DecisionStatus::Proposed => "proposed",
            DecisionStatus::Voting => "voting",
            DecisionStatus::Adopted => "adopted",
            DecisionStatus::Failed => "failed",
            DecisionStatus::Withdrawn => "withdrawn",
        }
    }

    /// The status a decision has after `event`; `None` when the event leaves it as it was
    /// (ballots, the tally, whose verdict follows in the same command, and publication,
    /// which `Publication` records).
    pub const fn after(event: &DecisionEvent) -> Option<DecisionStatus> {
        use DecisionStatus as S;
        Some(match event {
            DecisionEvent::DecisionProposed(_) => S::Proposed,
            DecisionEvent::DecisionVotingOpened(_) => S::Voting,
            DecisionEvent::DecisionAdopted(_) => S::Adopted,
            DecisionEvent::DecisionFailed(_) => S::Failed,
            DecisionEvent::DecisionWithdrawn(_) => S::Withdrawn,
            DecisionEvent::DecisionBallotCast(_)
            | DecisionEvent::DecisionTallied(_)
            | DecisionEvent::DecisionPublished(_) => return None,
        })
    }
}

/// Whether the outcome has been made public.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Publication {
    #[default]
    Unpublished,
    Published,
}

/// Who a ballot belongs to, for "one ballot per head".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VoterKey {
    Owner(PersonId),
    Member(AccountId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub status: DecisionStatus,
    pub publication: Publication,
    pub decision_id: DecisionId,
    pub body_organisation_id: OrganisationId,
    pub body_kind: OrganisationKind,
    pub matter: DecisionMatter,
    pub voting_rule: VotingRule,
    pub compound_id: Option<CompoundId>,
    pub authorisations: Vec<Authorisation>,
    pub electorate: Electorate,
    pub closes_at: Option<Timestamp>,
    pub ballots: BTreeMap<VoterKey, CountedBallot>,
    pub units_voted: BTreeSet<UnitId>,
    pub tally: Option<Tally>,
}

impl Default for Decision {
    fn default() -> Decision {
        let nil = uuid::Uuid::nil();
        Decision {
            status: DecisionStatus::Unknown,
            publication: Publication::Unpublished,
            decision_id: DecisionId(nil),
            body_organisation_id: OrganisationId(nil),
            body_kind: OrganisationKind::OwnersAssembly,
            matter: DecisionMatter::BodyResolution,
            voting_rule: VotingRule::MembersMajority,
            compound_id: None,
            authorisations: Vec::new(),
            electorate: Electorate {
                area_dm2: 0,
                heads: 0,
            },
            closes_at: None,
            ballots: BTreeMap::new(),
            units_voted: BTreeSet::new(),
            tally: None,
        }
    }
}

impl Decision {
    /// Whether owners vote on it under Art. 278 (by area and by head).
    pub fn voting_rule_is_owners(&self) -> bool {
        matches!(
            self.voting_rule,
            VotingRule::OwnersMajority | VotingRule::OwnersThreeQuarters
        )
    }

    pub(super) fn apply_event(&mut self, event: &DecisionEvent) {
        if let Some(status) = DecisionStatus::after(event) {
            self.status = status;
        }
        match event {
            DecisionEvent::DecisionProposed(e) => {
                self.decision_id = e.decision_id;
                self.body_organisation_id = e.body_organisation_id;
                self.body_kind = e.body_kind;
                self.matter = e.matter;
                self.voting_rule = e.voting_rule;
                self.compound_id = e.compound_id;
                self.authorisations = e.authorisations.clone();
            }
            DecisionEvent::DecisionVotingOpened(e) => {
                self.electorate = e.electorate;
                self.closes_at = Some(e.closes_at);
            }
            DecisionEvent::DecisionBallotCast(e) => {
                let key = match &e.voter {
                    Voter::Owner {
                        person_id,
                        unit_ids,
                    } => {
                        self.units_voted.extend(unit_ids.iter().copied());
                        VoterKey::Owner(*person_id)
                    }
                    Voter::Member { account_id } => VoterKey::Member(*account_id),
                };
                self.ballots.insert(
                    key,
                    CountedBallot {
                        area_dm2: e.area_dm2,
                        choice: e.choice,
                    },
                );
            }
            DecisionEvent::DecisionTallied(e) => self.tally = Some(e.tally),
            DecisionEvent::DecisionAdopted(_) | DecisionEvent::DecisionFailed(_) => {}
            DecisionEvent::DecisionPublished(_) => self.publication = Publication::Published,
            DecisionEvent::DecisionWithdrawn(_) => {}
        }
    }

    /// Ballots so far, for the tally.
    pub fn counted_ballots(&self) -> impl Iterator<Item = CountedBallot> + '_ {
        self.ballots.values().copied()
    }

    /// How many voted "for" so far (for read-outs; the tally decides).
    pub fn for_heads(&self) -> usize {
        self.ballots
            .values()
            .filter(|b| b.choice == BallotChoice::For)
            .count()
    }
}

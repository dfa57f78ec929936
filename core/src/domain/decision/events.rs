//! Events of a decision's stream (`decision-<uuid>`).

use serde::{Deserialize, Serialize};

use crate::domain::decision::tally::Tally;
use crate::domain::decision::vocabulary::{
    Authorisation, BallotChoice, DecisionFailure, DecisionMatter, Electorate, Voter, VotingRule,
};
use crate::domain::ids::{CompoundId, DecisionId, OrganisationId, RequestId};
use crate::domain::role::OrganisationKind;
use crate::time::Timestamp;

/// A body proposed a decision, stating what it would authorise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionProposed {
    pub decision_id: DecisionId,
    pub body_organisation_id: OrganisationId,
    pub body_kind: OrganisationKind,
    pub matter: DecisionMatter,
    pub voting_rule: VotingRule,
    pub title: String,
    pub text: String,
    /// The compound whose owners vote (owners' matters).
    pub compound_id: Option<CompoundId>,
    pub authorisations: Vec<Authorisation>,
    pub linked_request_ids: Vec<RequestId>,
}

/// Voting opened; the electorate is fixed from the directory at this moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionVotingOpened {
    pub decision_id: DecisionId,
    pub electorate: Electorate,
    pub closes_at: Timestamp,
}

/// One ballot: an owner (area summed over their units, one head) or a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionBallotCast {
    pub decision_id: DecisionId,
    pub voter: Voter,
    pub area_dm2: u64,
    pub choice: BallotChoice,
}

/// Voting closed and the ballots were counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionTallied {
    pub decision_id: DecisionId,
    pub tally: Tally,
}

/// The tally met the rule: the decision stands and its authorisations take effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionAdopted {
    pub decision_id: DecisionId,
}

/// The tally did not meet the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionFailed {
    pub decision_id: DecisionId,
    pub failure: DecisionFailure,
}

/// The outcome was made public (notice board, owners' group), as Art. 281 asks for fund use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionPublished {
    pub decision_id: DecisionId,
    pub notice: String,
}

/// The proposal was withdrawn before voting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionWithdrawn {
    pub decision_id: DecisionId,
    pub reason: String,
}

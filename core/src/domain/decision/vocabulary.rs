//! The words of a decision. Declaration order is part of the payload format.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{AccountId, PersonId, UnitId, WorkProjectId};
use crate::domain::quantity::FundingSource;

/// What a decision is about. For an owners' assembly these are the matters of Civil Code
/// Art. 278 (items 1-9); `BodyResolution` is an ordinary resolution of any other body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DecisionMatter {
    /// (1) rules of procedure of the owners' assembly.
    RulesOfProcedure,
    /// (2) the management statute.
    ManagementStatute,
    /// (3) electing or replacing the owners' committee.
    CommitteeElection,
    /// (4) engaging or dismissing the property company.
    PropertyManagerEngagement,
    /// (5) using the maintenance fund.
    MaintenanceFundUse,
    /// (6) raising the maintenance fund: needs 3/4.
    MaintenanceFundRaising,
    /// (7) rebuilding or reconstructing buildings and their facilities: needs 3/4.
    Rebuilding,
    /// (8) changing the use of common parts or using them for business: needs 3/4.
    CommonPartsUseChange,
    /// (9) other major matters of common ownership and management.
    OtherMajorMatter,
    /// An ordinary resolution of a committee or Party body (members' majority).
    BodyResolution,
}

impl DecisionMatter {
    pub const fn as_str(self) -> &'static str {
        match self {
            DecisionMatter::RulesOfProcedure => "rules_of_procedure",
            DecisionMatter::ManagementStatute => "management_statute",
            DecisionMatter::CommitteeElection => "committee_election",
            DecisionMatter::PropertyManagerEngagement => "property_manager_engagement",
            DecisionMatter::MaintenanceFundUse => "maintenance_fund_use",
            DecisionMatter::MaintenanceFundRaising => "maintenance_fund_raising",
            DecisionMatter::Rebuilding => "rebuilding",
            DecisionMatter::CommonPartsUseChange => "common_parts_use_change",
            DecisionMatter::OtherMajorMatter => "other_major_matter",
            DecisionMatter::BodyResolution => "body_resolution",
        }
    }

    /// Whether only the owners (their assembly, Art. 278) may decide this matter.
    pub const fn is_owners_matter(self) -> bool {
        !matches!(self, DecisionMatter::BodyResolution)
    }

    /// The rule a decision on this matter is counted by.
    pub const fn voting_rule(self) -> VotingRule {
        match self {
            DecisionMatter::MaintenanceFundRaising
            | DecisionMatter::Rebuilding
            | DecisionMatter::CommonPartsUseChange => VotingRule::OwnersThreeQuarters,
            DecisionMatter::BodyResolution => VotingRule::MembersMajority,
            _ => VotingRule::OwnersMajority,
        }
    }
}

/// How ballots are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VotingRule {
    /// Art. 278: participation >= 2/3 of area and of heads; adoption > 1/2 of participating
    /// area and of participating heads.
    OwnersMajority,
    /// Art. 278 items 6-8: participation as above; adoption >= 3/4 of participating area and
    /// of participating heads.
    OwnersThreeQuarters,
    /// A body's members, one vote each: adopted when more than half of all members vote for.
    MembersMajority,
}

impl VotingRule {
    pub const fn as_str(self) -> &'static str {
        match self {
            VotingRule::OwnersMajority => "owners_majority",
            VotingRule::OwnersThreeQuarters => "owners_three_quarters",
            VotingRule::MembersMajority => "members_majority",
        }
    }
}

/// What an adopted decision allows: approving one work project from one source, up to a sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Authorisation {
    pub work_project_id: WorkProjectId,
    pub funding_source: FundingSource,
    pub budget_cents_max: i64,
}

/// Who may vote, counted when voting opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Electorate {
    /// Total exclusive floor area in scope, in dm² (0 for members' votes).
    pub area_dm2: u64,
    /// Owners (or members) by head.
    pub heads: u64,
}

/// Who cast a ballot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Voter {
    /// An owner, with the units in scope they vote for (their area is summed; they count once).
    Owner {
        person_id: PersonId,
        unit_ids: Vec<UnitId>,
    },
    /// A member of a committee or Party body.
    Member { account_id: AccountId },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BallotChoice {
    For,
    Against,
    Abstain,
}

impl BallotChoice {
    pub const fn as_str(self) -> &'static str {
        match self {
            BallotChoice::For => "for",
            BallotChoice::Against => "against",
            BallotChoice::Abstain => "abstain",
        }
    }
}

/// Why a tallied decision failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DecisionFailure {
    /// Fewer than 2/3 of the area or of the owners took part.
    ParticipationTooLow,
    /// Participation was enough but the majority was not reached.
    MajorityNotReached,
}

impl DecisionFailure {
    pub const fn as_str(self) -> &'static str {
        match self {
            DecisionFailure::ParticipationTooLow => "participation_too_low",
            DecisionFailure::MajorityNotReached => "majority_not_reached",
        }
    }
}

//! Counting ballots under Civil Code Art. 278, in exact integer arithmetic.
//!
//! Participation: owners holding at least 2/3 of the exclusive floor area AND at least 2/3 of
//! the owners by head take part. Adoption: more than 1/2 of the participating area AND of the
//! participating heads vote for (ordinary matters), or at least 3/4 of both (raising the fund,
//! rebuilding, changing the use of common parts). Abstentions participate and do not count as
//! "for". Every comparison cross-multiplies in `u128`, so no rounding can flip a verdict.

use serde::{Deserialize, Serialize};

use crate::domain::decision::vocabulary::{BallotChoice, DecisionFailure, Electorate, VotingRule};

/// One ballot as the tally sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountedBallot {
    pub area_dm2: u64,
    pub choice: BallotChoice,
}

/// Sums of a vote: by area (dm²) and by head, per choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Tally {
    pub electorate_area_dm2: u64,
    pub electorate_heads: u64,
    pub participating_area_dm2: u64,
    pub participating_heads: u64,
    pub for_area_dm2: u64,
    pub for_heads: u64,
    pub against_area_dm2: u64,
    pub against_heads: u64,
    pub abstain_area_dm2: u64,
    pub abstain_heads: u64,
}

/// The verdict of a tally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Verdict {
    Adopted,
    Failed(DecisionFailure),
}

/// Sums ballots (one per head) against an electorate.
pub fn count(electorate: Electorate, ballots: impl IntoIterator<Item = CountedBallot>) -> Tally {
    let mut tally = Tally {
        electorate_area_dm2: electorate.area_dm2,
        electorate_heads: electorate.heads,
        ..Tally::default()
    };
    for ballot in ballots {
        tally.participating_area_dm2 += ballot.area_dm2;
        tally.participating_heads += 1;
        let (area, heads) = match ballot.choice {
            BallotChoice::For => (&mut tally.for_area_dm2, &mut tally.for_heads),
            BallotChoice::Against => (&mut tally.against_area_dm2, &mut tally.against_heads),
            BallotChoice::Abstain => (&mut tally.abstain_area_dm2, &mut tally.abstain_heads),
        };
        *area += ballot.area_dm2;
        *heads += 1;
    }
    tally
}

/// `part / whole >= numerator / denominator`, exactly.
fn at_least(part: u64, whole: u64, numerator: u128, denominator: u128) -> bool {
    u128::from(part) * denominator >= u128::from(whole) * numerator
}

/// `part / whole > numerator / denominator`, exactly.
fn more_than(part: u64, whole: u64, numerator: u128, denominator: u128) -> bool {
    u128::from(part) * denominator > u128::from(whole) * numerator
}

/// Whether enough owners took part: 2/3 by area AND 2/3 by head.
pub fn participation_met(tally: &Tally) -> bool {
    tally.electorate_heads > 0
        && at_least(
            tally.participating_area_dm2,
            tally.electorate_area_dm2,
            2,
            3,
        )
        && at_least(tally.participating_heads, tally.electorate_heads, 2, 3)
}

/// Applies a voting rule to a tally.
pub fn verdict(rule: VotingRule, tally: &Tally) -> Verdict {
    match rule {
        VotingRule::MembersMajority => {
            if tally.electorate_heads == 0 || tally.participating_heads == 0 {
                Verdict::Failed(DecisionFailure::ParticipationTooLow)
            } else if more_than(tally.for_heads, tally.electorate_heads, 1, 2) {
                Verdict::Adopted
            } else {
                Verdict::Failed(DecisionFailure::MajorityNotReached)
            }
        }
        VotingRule::OwnersMajority | VotingRule::OwnersThreeQuarters => {
            if !participation_met(tally) {
                return Verdict::Failed(DecisionFailure::ParticipationTooLow);
            }
            let (area, heads) = (tally.participating_area_dm2, tally.participating_heads);
            let adopted = if rule == VotingRule::OwnersThreeQuarters {
                at_least(tally.for_area_dm2, area, 3, 4) && at_least(tally.for_heads, heads, 3, 4)
            } else {
                more_than(tally.for_area_dm2, area, 1, 2) && more_than(tally.for_heads, heads, 1, 2)
            };
            if adopted {
                Verdict::Adopted
            } else {
                Verdict::Failed(DecisionFailure::MajorityNotReached)
            }
        }
    }
}

//! Civil Code Art. 278 tallies, hand-worked at the thresholds. Areas in dm², one ballot per
//! head. Electorate for the owners' cases: 9 owners holding 900 dm².

use govledger_core::domain::decision::tally::{CountedBallot, Verdict, count, verdict};
use govledger_core::domain::decision::vocabulary::{
    BallotChoice::{self, Abstain, Against, For},
    DecisionFailure::{MajorityNotReached, ParticipationTooLow},
    Electorate, VotingRule,
};

const OWNERS: Electorate = Electorate {
    area_dm2: 900,
    heads: 9,
};

fn check(
    rule: VotingRule,
    electorate: Electorate,
    ballots: &[(u64, BallotChoice)],
    expect: Verdict,
) {
    let tally = count(
        electorate,
        ballots
            .iter()
            .map(|&(area_dm2, choice)| CountedBallot { area_dm2, choice }),
    );
    assert_eq!(
        verdict(rule, &tally),
        expect,
        "{rule:?} {ballots:?} -> {tally:?}"
    );
}

#[test]
fn participation_needs_two_thirds_of_area_and_of_heads() {
    use VotingRule::OwnersMajority as Rule;
    // Exactly 2/3 of both (600 of 900 dm², 6 of 9 heads), all for: adopted.
    check(Rule, OWNERS, &[(100, For); 6], Verdict::Adopted);
    // Area just below 2/3 (599), heads at 6.
    check(
        Rule,
        OWNERS,
        &[
            (100, For),
            (100, For),
            (100, For),
            (100, For),
            (100, For),
            (99, For),
        ],
        Verdict::Failed(ParticipationTooLow),
    );
    // Area far above (850) but heads just below (5 of 9).
    check(
        Rule,
        OWNERS,
        &[(170, For); 5],
        Verdict::Failed(ParticipationTooLow),
    );
    // Nobody voted.
    check(Rule, OWNERS, &[], Verdict::Failed(ParticipationTooLow));
}

#[test]
fn ordinary_matters_need_more_than_half_of_participating_area_and_heads() {
    use VotingRule::OwnersMajority as Rule;
    // 6 heads, 600 dm² participate. For: 4 heads but exactly half the area (300): a tie fails.
    check(
        Rule,
        OWNERS,
        &[
            (75, For),
            (75, For),
            (75, For),
            (75, For),
            (150, Against),
            (150, Against),
        ],
        Verdict::Failed(MajorityNotReached),
    );
    // One dm² more for: adopted.
    check(
        Rule,
        OWNERS,
        &[
            (75, For),
            (75, For),
            (75, For),
            (76, For),
            (150, Against),
            (149, Against),
        ],
        Verdict::Adopted,
    );
    // Most of the area (400 of 600) but exactly half of the heads (3 of 6): fails.
    check(
        Rule,
        OWNERS,
        &[
            (200, For),
            (100, For),
            (100, For),
            (70, Against),
            (65, Against),
            (65, Against),
        ],
        Verdict::Failed(MajorityNotReached),
    );
    // Abstentions take part but do not count for: 3 for of 6 participating heads fails.
    check(
        Rule,
        OWNERS,
        &[
            (150, For),
            (150, For),
            (150, For),
            (50, Abstain),
            (50, Abstain),
            (50, Abstain),
        ],
        Verdict::Failed(MajorityNotReached),
    );
}

#[test]
fn fund_raising_rebuilding_and_use_changes_need_three_quarters() {
    use VotingRule::OwnersThreeQuarters as Rule;
    // 8 heads, 800 dm² participate. Exactly 3/4 of both (6 heads, 600 dm²): adopted.
    let mut ballots = vec![(100, For); 6];
    ballots.extend([(100, Against), (100, Abstain)]);
    check(Rule, OWNERS, &ballots, Verdict::Adopted);
    // 6 heads but 599 dm² for: fails.
    let mut ballots = vec![(100, For); 5];
    ballots.extend([(99, For), (101, Against), (100, Abstain)]);
    check(Rule, OWNERS, &ballots, Verdict::Failed(MajorityNotReached));
    // 700 dm² but 5 heads for (5/8 < 3/4): fails.
    let mut ballots = vec![(140, For); 5];
    ballots.extend([(34, Against), (33, Against), (33, Against)]);
    check(Rule, OWNERS, &ballots, Verdict::Failed(MajorityNotReached));
    // What passes an ordinary matter (5 of 8, 62.5%) does not pass this one.
    check(
        VotingRule::OwnersMajority,
        OWNERS,
        &ballots,
        Verdict::Adopted,
    );
}

#[test]
fn members_majority_counts_all_members_by_head() {
    use VotingRule::MembersMajority as Rule;
    let five = Electorate {
        area_dm2: 0,
        heads: 5,
    };
    check(
        Rule,
        five,
        &[(0, For), (0, For), (0, For)],
        Verdict::Adopted,
    );
    check(
        Rule,
        five,
        &[(0, For), (0, For), (0, Abstain), (0, Abstain), (0, Against)],
        Verdict::Failed(MajorityNotReached),
    );
    let four = Electorate {
        area_dm2: 0,
        heads: 4,
    };
    check(
        Rule,
        four,
        &[(0, For), (0, For)],
        Verdict::Failed(MajorityNotReached),
    );
    check(Rule, four, &[], Verdict::Failed(ParticipationTooLow));
}

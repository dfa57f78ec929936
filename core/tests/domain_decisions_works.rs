//! Decisions (Art. 278 ballots weighted by floor area, counted by head) and work projects
//! (approval only by an adopted decision that authorises it), given/when/then.

mod domain_support;

use domain_support::*;
use govledger_core::domain::command::Command;
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::events::*;
use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::decision::vocabulary::*;
use govledger_core::domain::error::DomainError;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::{DecisionId, WorkProjectId};
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::role::OrganisationKind;
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::domain::work_project::events::*;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use uuid::Uuid;

const DECISION: DecisionId = DecisionId(Uuid::from_u128(0x8001));
const PROJECT: WorkProjectId = WorkProjectId(Uuid::from_u128(0x9001));
const BUDGET: i64 = 25_600_000;

fn decide(command: DecisionCommand) -> Command {
    Command::Decision {
        decision_id: DECISION,
        command,
    }
}

fn work(command: WorkProjectCommand) -> Command {
    Command::WorkProject {
        work_project_id: PROJECT,
        command,
    }
}

fn authorisation(funding_source: FundingSource) -> Authorisation {
    Authorisation {
        work_project_id: PROJECT,
        funding_source,
        budget_cents_max: BUDGET,
    }
}

fn proposed(matter: DecisionMatter) -> DomainEvent {
    DecisionProposed {
        decision_id: DECISION,
        body_organisation_id: ASSEMBLY,
        body_kind: OrganisationKind::OwnersAssembly,
        matter,
        voting_rule: matter.voting_rule(),
        title: "Replace the unit doors".into(),
        text: "From the maintenance fund".into(),
        compound_id: Some(COMPOUND),
        authorisations: vec![authorisation(FundingSource::MaintenanceFund)],
        linked_request_ids: vec![],
    }
    .into()
}

/// Units 1+4 (owner 1): 16,000 dm²; unit 2: 8,000; unit 3: 12,000. Three heads, 36,000 dm².
const ELECTORATE: Electorate = Electorate {
    area_dm2: 36_000,
    heads: 3,
};

fn voting() -> Vec<DomainEvent> {
    vec![
        proposed(DecisionMatter::MaintenanceFundUse),
        DecisionVotingOpened {
            decision_id: DECISION,
            electorate: ELECTORATE,
            closes_at: day(2020, 7, 1),
        }
        .into(),
    ]
}

fn ballot(
    person: govledger_core::domain::ids::PersonId,
    units: Vec<govledger_core::domain::ids::UnitId>,
    area_dm2: u64,
    choice: BallotChoice,
) -> DomainEvent {
    DecisionBallotCast {
        decision_id: DECISION,
        voter: Voter::Owner {
            person_id: person,
            unit_ids: units,
        },
        area_dm2,
        choice,
    }
    .into()
}

fn adopted_decision() -> Vec<DomainEvent> {
    let mut events = voting();
    events.push(ballot(
        OWNER_1,
        vec![UNIT_1, UNIT_4],
        16_000,
        BallotChoice::For,
    ));
    events.push(ballot(OWNER_3, vec![UNIT_3], 12_000, BallotChoice::For));
    events.push(
        DecisionAdopted {
            decision_id: DECISION,
        }
        .into(),
    );
    events
}

#[test]
fn owners_decide_by_area_and_head() {
    given(vec![])
        .by(MEMBER)
        .when(decide(DecisionCommand::Propose {
            body_organisation_id: ASSEMBLY,
            matter: DecisionMatter::MaintenanceFundUse,
            title: "Replace the unit doors".into(),
            text: "From the maintenance fund".into(),
            authorisations: vec![authorisation(FundingSource::MaintenanceFund)],
            linked_request_ids: vec![],
        }))
        .then_expect(vec![proposed(DecisionMatter::MaintenanceFundUse)]);
    given(vec![proposed(DecisionMatter::MaintenanceFundUse)])
        .by(MEMBER)
        .when(decide(DecisionCommand::OpenVoting {
            closes_at: day(2020, 7, 1),
        }))
        .then_expect(voting()[1..].to_vec());
    // The owner of two units votes once with both areas.
    given(voting())
        .by(MEMBER)
        .when(decide(DecisionCommand::CastBallot {
            ballot_for: BallotFor::Owner { person_id: OWNER_1 },
            choice: BallotChoice::For,
        }))
        .then_expect(vec![ballot(
            OWNER_1,
            vec![UNIT_1, UNIT_4],
            16_000,
            BallotChoice::For,
        )]);
    // A resident casts their own ballot.
    given(voting())
        .by(RESIDENT)
        .when(decide(DecisionCommand::CastBallot {
            ballot_for: BallotFor::Owner { person_id: OWNER_2 },
            choice: BallotChoice::Against,
        }))
        .then_expect(vec![ballot(
            OWNER_2,
            vec![UNIT_2],
            8_000,
            BallotChoice::Against,
        )]);
    // Two of three heads (exactly 2/3) with 28,000 of 36,000 dm² take part; both for.
    let mut history = voting();
    history.push(ballot(
        OWNER_1,
        vec![UNIT_1, UNIT_4],
        16_000,
        BallotChoice::For,
    ));
    history.push(ballot(OWNER_3, vec![UNIT_3], 12_000, BallotChoice::For));
    given(history.clone())
        .by(MEMBER)
        .at(day(2020, 7, 2))
        .when(decide(DecisionCommand::Tally))
        .then_expect(vec![
            DecisionTallied {
                decision_id: DECISION,
                tally: Tally {
                    electorate_area_dm2: 36_000,
                    electorate_heads: 3,
                    participating_area_dm2: 28_000,
                    participating_heads: 2,
                    for_area_dm2: 28_000,
                    for_heads: 2,
                    ..Tally::default()
                },
            }
            .into(),
            DecisionAdopted {
                decision_id: DECISION,
            }
            .into(),
        ]);
    // One head of three is below 2/3: it fails on participation.
    let mut thin = voting();
    thin.push(ballot(
        OWNER_1,
        vec![UNIT_1, UNIT_4],
        16_000,
        BallotChoice::For,
    ));
    let events = given(thin)
        .by(MEMBER)
        .at(day(2020, 7, 2))
        .when(decide(DecisionCommand::Tally))
        .then_expect_types(&["DecisionTallied", "DecisionFailed"]);
    assert_eq!(
        events[1],
        DecisionFailed {
            decision_id: DECISION,
            failure: DecisionFailure::ParticipationTooLow
        }
        .into()
    );
    given(adopted_decision())
        .by(MEMBER)
        .when(decide(DecisionCommand::Publish {
            notice: "Notice board".into(),
        }))
        .then_expect(vec![
            DecisionPublished {
                decision_id: DECISION,
                notice: "Notice board".into(),
            }
            .into(),
        ]);
}

#[test]
fn decision_rejections() {
    let mut one_ballot = voting();
    one_ballot.push(ballot(OWNER_2, vec![UNIT_2], 8_000, BallotChoice::For));
    let cases: Vec<(Scenario, Command, DomainError)> = vec![
        (
            given(vec![]).by(MEMBER),
            decide(DecisionCommand::Propose {
                body_organisation_id: OWNERS_COMMITTEE,
                matter: DecisionMatter::MaintenanceFundUse,
                title: "t".into(),
                text: "t".into(),
                authorisations: vec![],
                linked_request_ids: vec![],
            }),
            DomainError::InvalidInput {
                field: "matter",
                reason: "the matter maintenance_fund_use is for the owners' assembly (Art. 278)".into(),
            },
        ),
        (
            given(vec![]).by(MEMBER),
            decide(DecisionCommand::Propose {
                body_organisation_id: ASSEMBLY,
                matter: DecisionMatter::OtherMajorMatter,
                title: "t".into(),
                text: "t".into(),
                authorisations: vec![authorisation(FundingSource::MaintenanceFund)],
                linked_request_ids: vec![],
            }),
            DomainError::InvalidInput {
                field: "authorisations",
                reason: "spending from the maintenance fund needs a decision on the matter maintenance_fund_use".into(),
            },
        ),
        (
            given(vec![]).by(PARTY_MEMBER),
            decide(DecisionCommand::Propose {
                body_organisation_id: ASSEMBLY,
                matter: DecisionMatter::MaintenanceFundUse,
                title: "t".into(),
                text: "t".into(),
                authorisations: vec![],
                linked_request_ids: vec![],
            }),
            DomainError::NotResponsibleOrganisation {
                responsible: ASSEMBLY,
                action: "propose its decisions",
            },
        ),
        (
            given(one_ballot.clone()).by(RESIDENT),
            decide(DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id: OWNER_2 },
                choice: BallotChoice::Against,
            }),
            DomainError::WrongState {
                aggregate: "decision",
                state: "with a ballot for this unit already",
                action: "take a second ballot",
            },
        ),
        (
            given(voting()).by(MEMBER),
            decide(DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id: STRANGER },
                choice: BallotChoice::For,
            }),
            DomainError::InvalidInput {
                field: "person_id",
                reason: "not a voting owner in the decision's compound".into(),
            },
        ),
        (
            given(voting()).by(RESIDENT),
            decide(DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id: OWNER_3 },
                choice: BallotChoice::For,
            }),
            DomainError::NotResponsibleOrganisation {
                responsible: ASSEMBLY,
                action: "record another owner's ballot",
            },
        ),
        (
            given(voting()).by(MEMBER).at(day(2020, 7, 1)),
            decide(DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id: OWNER_1 },
                choice: BallotChoice::For,
            }),
            DomainError::WrongState {
                aggregate: "decision",
                state: "past its closing time",
                action: "take ballots",
            },
        ),
        (
            given(one_ballot).by(MEMBER).at(day(2020, 6, 15)),
            decide(DecisionCommand::Tally),
            DomainError::WrongState {
                aggregate: "decision",
                state: "still open for voting",
                action: "be tallied",
            },
        ),
        (
            given(voting()).by(MEMBER),
            decide(DecisionCommand::Withdraw { reason: "x".into() }),
            DomainError::WrongState {
                aggregate: "decision",
                state: "voting",
                action: "be withdrawn",
            },
        ),
    ];
    for (scenario, command, error) in cases {
        scenario.when(command).then_reject(error);
    }
}

fn project_proposed() -> DomainEvent {
    WorkProjectProposed {
        work_project_id: PROJECT,
        category: WorkCategory::UnitDoorReplacement,
        title: "Replace unit doors".into(),
        description: "All entrances".into(),
        compound_id: COMPOUND,
        building_ids: vec![BUILDING_1, BUILDING_2],
        unit_ids: vec![],
        planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
        linked_request_ids: vec![],
        proposed_by_organisation_id: OWNERS_COMMITTEE,
    }
    .into()
}

fn approved() -> DomainEvent {
    WorkProjectApproved {
        work_project_id: PROJECT,
        decision_id: DECISION,
        funding_source: FundingSource::MaintenanceFund,
        budget_cents: BUDGET,
    }
    .into()
}

fn contracted() -> DomainEvent {
    WorkProjectContracted {
        work_project_id: PROJECT,
        contractor_organisation_id: CONTRACTOR,
        contract_reference: "SC-1".into(),
        contract_amount_cents: BUDGET,
        planned_completion_at: day(2020, 9, 1),
    }
    .into()
}

fn completed() -> DomainEvent {
    WorkProjectCompleted {
        work_project_id: PROJECT,
        actual_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
        cost_cents: 24_960_000,
    }
    .into()
}

fn on_site() -> Vec<DomainEvent> {
    vec![
        project_proposed(),
        approved(),
        contracted(),
        WorkProjectStarted {
            work_project_id: PROJECT,
        }
        .into(),
    ]
}

#[test]
fn work_project_from_proposal_to_closure() {
    given(vec![])
        .by(MEMBER)
        .when(work(WorkProjectCommand::Propose {
            category: WorkCategory::UnitDoorReplacement,
            title: " Replace unit doors ".into(),
            description: "All entrances".into(),
            compound_id: COMPOUND,
            building_ids: vec![BUILDING_1, BUILDING_2],
            unit_ids: vec![],
            planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
            linked_request_ids: vec![],
        }))
        .then_expect(vec![project_proposed()]);
    given(vec![project_proposed()])
        .by(MEMBER)
        .with_decision(adopted_decision())
        .when(work(WorkProjectCommand::Approve {
            decision_id: DECISION,
            funding_source: FundingSource::MaintenanceFund,
            budget_cents: BUDGET,
        }))
        .then_expect(vec![approved()]);
    given(vec![project_proposed(), approved()])
        .by(MEMBER)
        .when(work(WorkProjectCommand::Contract {
            contractor_organisation_id: CONTRACTOR,
            contract_reference: "SC-1".into(),
            contract_amount_cents: BUDGET,
            planned_completion_at: day(2020, 9, 1),
        }))
        .then_expect(vec![contracted()]);
    given(on_site()[..3].to_vec())
        .by(SITE)
        .when(work(WorkProjectCommand::Start))
        .then_expect(on_site()[3..].to_vec());
    given(on_site())
        .by(SITE)
        .when(work(WorkProjectCommand::Complete {
            actual_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
            cost_cents: 24_960_000,
        }))
        .then_expect(vec![completed()]);
    let done = [on_site(), vec![completed()]].concat();
    // Inspection rejected: back on site, then accepted with a 24-month warranty.
    given(done.clone())
        .by(INSPECTOR)
        .when(work(WorkProjectCommand::FailInspection {
            defects: "Two doors misaligned".into(),
        }))
        .then_expect_types(&["WorkProjectInspectionFailed"]);
    given(done.clone())
        .by(INSPECTOR)
        .at(day(2020, 9, 15))
        .when(work(WorkProjectCommand::PassInspection {
            report: "All 16 doors fitted".into(),
            warranty_months: 24,
        }))
        .then_expect(vec![
            WorkProjectInspectionPassed {
                work_project_id: PROJECT,
                inspector_account_id: INSPECTOR.account_id,
                report: "All 16 doors fitted".into(),
                warranty_months: 24,
                warranty_ends_at: day(2022, 9, 15),
            }
            .into(),
        ]);
    let under_warranty = [
        done,
        vec![
            WorkProjectInspectionPassed {
                work_project_id: PROJECT,
                inspector_account_id: INSPECTOR.account_id,
                report: "ok".into(),
                warranty_months: 24,
                warranty_ends_at: day(2022, 9, 15),
            }
            .into(),
        ],
    ]
    .concat();
    given(under_warranty.clone())
        .by(MEMBER)
        .at(day(2021, 1, 1))
        .when(work(WorkProjectCommand::RaiseWarrantyClaim {
            description: "Door closer broken".into(),
            linked_request_id: None,
        }))
        .then_expect(vec![
            WorkProjectWarrantyClaimRaised {
                work_project_id: PROJECT,
                claim_number: 1,
                description: "Door closer broken".into(),
                linked_request_id: None,
            }
            .into(),
        ]);
    given(under_warranty.clone())
        .by(MEMBER)
        .at(day(2021, 1, 1))
        .when(work(WorkProjectCommand::Close))
        .then_reject(DomainError::WrongState {
            aggregate: "work project",
            state: "under warranty",
            action: "be closed before the warranty ends",
        });
    given(under_warranty)
        .by(MEMBER)
        .at(day(2022, 9, 16))
        .when(work(WorkProjectCommand::Close))
        .then_expect(vec![
            WorkProjectClosed {
                work_project_id: PROJECT,
            }
            .into(),
        ]);
}

#[test]
fn work_project_rejections() {
    let mut committee_decision = adopted_decision();
    committee_decision[0] = DecisionProposed {
        decision_id: DECISION,
        body_organisation_id: OWNERS_COMMITTEE,
        body_kind: OrganisationKind::OwnersCommittee,
        matter: DecisionMatter::BodyResolution,
        voting_rule: VotingRule::MembersMajority,
        title: "t".into(),
        text: "t".into(),
        compound_id: Some(COMPOUND),
        authorisations: vec![authorisation(FundingSource::MaintenanceFund)],
        linked_request_ids: vec![],
    }
    .into();
    let approve = |funding_source, budget_cents| {
        work(WorkProjectCommand::Approve {
            decision_id: DECISION,
            funding_source,
            budget_cents,
        })
    };
    let cases: Vec<(Scenario, Command, DomainError)> = vec![
        (
            given(vec![]).by(MEMBER),
            work(WorkProjectCommand::Propose {
                category: WorkCategory::UnitDoorReplacement,
                title: "Doors".into(),
                description: "Doors".into(),
                compound_id: COMPOUND,
                building_ids: vec![],
                unit_ids: vec![],
                planned_quantities: vec![Quantity::new(-16, QuantityUnit::UnitDoor)],
                linked_request_ids: vec![],
            }),
            DomainError::NotPositive {
                field: "planned_quantities",
                value: -16,
            },
        ),
        (
            given(vec![]).by(MEMBER),
            work(WorkProjectCommand::Propose {
                category: WorkCategory::UnitDoorReplacement,
                title: "Doors".into(),
                description: "".into(),
                compound_id: COMPOUND,
                building_ids: vec![],
                unit_ids: vec![],
                planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
                linked_request_ids: vec![],
            }),
            DomainError::EmptyText {
                field: "description",
            },
        ),
        // No decision at all.
        (
            given(vec![project_proposed()]).by(MEMBER),
            approve(FundingSource::MaintenanceFund, BUDGET),
            DomainError::NotFound {
                what: "decision",
                id: DECISION.to_string(),
            },
        ),
        // A decision still voting does not authorise anything.
        (
            given(vec![project_proposed()])
                .by(MEMBER)
                .with_decision(voting()),
            approve(FundingSource::MaintenanceFund, BUDGET),
            DomainError::NotAuthorisedByDecision {
                decision_id: DECISION,
                reason: "it is voting, not adopted".into(),
            },
        ),
        (
            given(vec![project_proposed()])
                .by(MEMBER)
                .with_decision(adopted_decision()),
            approve(FundingSource::MaintenanceFund, BUDGET + 1),
            DomainError::NotAuthorisedByDecision {
                decision_id: DECISION,
                reason: format!(
                    "the budget of {} cents exceeds the {BUDGET} authorised",
                    BUDGET + 1
                ),
            },
        ),
        (
            given(vec![project_proposed()])
                .by(MEMBER)
                .with_decision(adopted_decision()),
            approve(FundingSource::Government, BUDGET),
            DomainError::NotAuthorisedByDecision {
                decision_id: DECISION,
                reason: "it authorises funding from maintenance_fund, not government".into(),
            },
        ),
        // The maintenance fund needs the owners (Art. 278), not a committee resolution.
        (
            given(vec![project_proposed()])
                .by(MEMBER)
                .with_decision(committee_decision),
            approve(FundingSource::MaintenanceFund, BUDGET),
            DomainError::NotAuthorisedByDecision {
                decision_id: DECISION,
                reason:
                    "the maintenance fund needs an owners' decision of this compound (Art. 278)"
                        .into(),
            },
        ),
        (
            given(vec![project_proposed()])
                .by(MEMBER)
                .with_decision(adopted_decision()),
            approve(FundingSource::MaintenanceFund, 0),
            DomainError::NotPositive {
                field: "budget_cents",
                value: 0,
            },
        ),
        (
            given(vec![project_proposed(), approved()]).by(MEMBER),
            work(WorkProjectCommand::Contract {
                contractor_organisation_id: CONTRACTOR,
                contract_reference: "x".into(),
                contract_amount_cents: BUDGET + 1,
                planned_completion_at: day(2020, 9, 1),
            }),
            DomainError::InvalidInput {
                field: "contract_amount_cents",
                reason: format!("{} exceeds the approved budget of {BUDGET}", BUDGET + 1),
            },
        ),
        (
            given(on_site()).by(SITE),
            work(WorkProjectCommand::Complete {
                actual_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
                cost_cents: -1,
            }),
            DomainError::NotPositive {
                field: "cost_cents",
                value: -1,
            },
        ),
        (
            given(on_site()).by(MEMBER),
            work(WorkProjectCommand::PassInspection {
                report: "ok".into(),
                warranty_months: 24,
            }),
            DomainError::RoleNotPermitted {
                role: "owners_committee_member",
                action: "pass_work_inspection",
            },
        ),
        (
            given(on_site()).by(INSPECTOR),
            work(WorkProjectCommand::PassInspection {
                report: "ok".into(),
                warranty_months: 24,
            }),
            DomainError::WrongState {
                aggregate: "work project",
                state: "in_progress",
                action: "pass inspection",
            },
        ),
        (
            given(on_site()).by(AUDITOR),
            work(WorkProjectCommand::Cancel { reason: "x".into() }),
            DomainError::RoleNotPermitted {
                role: "auditor",
                action: "cancel_work_project",
            },
        ),
    ];
    for (scenario, command, error) in cases {
        scenario.when(command).then_reject(error);
    }
}

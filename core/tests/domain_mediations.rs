//! Mediations, the directory and erasure records, given/when/then.

mod domain_support;

use domain_support::*;
use govledger_core::domain::command::Command;
use govledger_core::domain::directory::commands::DirectoryCommand;
use govledger_core::domain::erasure::{ErasureBasis, PersonalDataErased};
use govledger_core::domain::error::DomainError;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::{BuildingId, MediationId, UnitId};
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::commands::MediationCommand;
use govledger_core::domain::mediation::events::*;
use govledger_core::domain::mediation::vocabulary::*;
use uuid::Uuid;

const CASE: MediationId = MediationId(Uuid::from_u128(0x6001));

fn mediate(command: MediationCommand) -> Command {
    Command::Mediation {
        mediation_id: CASE,
        command,
    }
}

fn register(
    source: MediationSource,
    referred_by: Option<govledger_core::domain::ids::OrganisationId>,
) -> Command {
    mediate(MediationCommand::Register {
        source,
        referred_by_organisation_id: referred_by,
        mediation_committee_id: MEDIATION_COMMITTEE,
        dispute_type: DisputeType::WaterLeak,
        parties: vec![OWNER_1, OWNER_2],
        summary: "Leak from the flat above".into(),
        location: Location::NOWHERE,
    })
}

fn registered() -> DomainEvent {
    MediationRegistered {
        mediation_id: CASE,
        source: MediationSource::PartyApplication,
        referred_by_organisation_id: None,
        mediation_committee_id: MEDIATION_COMMITTEE,
        dispute_type: DisputeType::WaterLeak,
        parties: vec![OWNER_1, OWNER_2],
        summary: "Leak from the flat above".into(),
        location: Location::NOWHERE,
    }
    .into()
}

fn accepted() -> DomainEvent {
    MediationAccepted {
        mediation_id: CASE,
        mediator_account_id: MEDIATOR.account_id,
        target_finish_at: day(2020, 7, 1),
    }
    .into()
}

fn session() -> DomainEvent {
    MediationSessionHeld {
        mediation_id: CASE,
        session_number: 1,
        mediator_account_id: MEDIATOR.account_id,
        attending_parties: vec![OWNER_1, OWNER_2],
        record: "Both heard".into(),
    }
    .into()
}

fn agreed() -> DomainEvent {
    MediationAgreementReached {
        mediation_id: CASE,
        form: AgreementForm::Written,
        terms: "Repair in 15 days".into(),
        court_confirmation_deadline_at: day(2020, 7, 1),
    }
    .into()
}

#[test]
fn registered_accepted_sessions_agreement_followed_up_archived() {
    given(vec![])
        .by(MEDIATOR)
        .when(register(MediationSource::PartyApplication, None))
        .then_expect(vec![registered()]);
    given(vec![registered()])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::Accept {
            mediator_account_id: MEDIATOR.account_id,
        }))
        .then_expect(vec![accepted()]);
    given(vec![registered(), accepted()])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::RecordSession {
            attending_parties: vec![OWNER_1, OWNER_2],
            record: "Both heard".into(),
        }))
        .then_expect(vec![session()]);
    // Art. 33: the parties may seek court confirmation within 30 days.
    given(vec![registered(), accepted(), session()])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::RecordAgreement {
            form: AgreementForm::Written,
            terms: "Repair in 15 days".into(),
        }))
        .then_expect(vec![agreed()]);
    let history = vec![registered(), accepted(), session(), agreed()];
    given(history.clone())
        .by(MEDIATOR)
        .when(mediate(MediationCommand::Archive {
            archive_reference: "WH-1".into(),
        }))
        .then_reject(DomainError::WrongState {
            aggregate: "mediation",
            state: "agreed without a performance follow-up",
            action: "be archived",
        });
    let followed: DomainEvent = MediationPerformanceFollowedUp {
        mediation_id: CASE,
        performance: Performance::Performed,
        note: String::new(),
    }
    .into();
    given(history.clone())
        .by(MEDIATOR)
        .when(mediate(MediationCommand::FollowUpPerformance {
            performance: Performance::Performed,
            note: String::new(),
        }))
        .then_expect(vec![followed.clone()]);
    given([history, vec![followed]].concat())
        .by(MEDIATOR)
        .when(mediate(MediationCommand::Archive {
            archive_reference: "WH-1".into(),
        }))
        .then_expect(vec![
            MediationArchived {
                mediation_id: CASE,
                archive_reference: "WH-1".into(),
            }
            .into(),
        ]);
}

#[test]
fn declined_and_failed_cases_are_archived_too() {
    let declined: DomainEvent = MediationDeclined {
        mediation_id: CASE,
        reason: "Party refused".into(),
    }
    .into();
    given(vec![registered()])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::Decline {
            reason: "Party refused".into(),
        }))
        .then_expect(vec![declined.clone()]);
    given(vec![registered(), declined])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::Archive {
            archive_reference: "WH-2".into(),
        }))
        .then_expect_types(&["MediationArchived"]);
    given(vec![registered(), accepted(), session()])
        .by(MEDIATOR)
        .when(mediate(MediationCommand::RecordFailure {
            reason: "No agreement; told they may sue".into(),
        }))
        .then_expect_types(&["MediationFailed"]);
}

#[test]
fn mediation_rejections() {
    let cases: Vec<(Scenario, Command, DomainError)> = vec![
        (
            given(vec![]).by(MEDIATOR),
            register(MediationSource::PoliceReferral, None),
            DomainError::InvalidInput {
                field: "referred_by_organisation_id",
                reason: "a referral names who referred it".into(),
            },
        ),
        (
            given(vec![]).by(MEDIATOR),
            register(MediationSource::PartyApplication, Some(POLICE)),
            DomainError::InvalidInput {
                field: "referred_by_organisation_id",
                reason: "only referrals name a referring organisation".into(),
            },
        ),
        (
            given(vec![registered(), accepted()]).by(MEDIATOR),
            mediate(MediationCommand::RecordAgreement {
                form: AgreementForm::Oral,
                terms: "x".into(),
            }),
            DomainError::WrongState {
                aggregate: "mediation",
                state: "without a recorded session",
                action: "reach an agreement",
            },
        ),
        (
            given(vec![registered(), accepted()]).by(MEDIATOR),
            mediate(MediationCommand::RecordSession {
                attending_parties: vec![STRANGER],
                record: "x".into(),
            }),
            DomainError::InvalidInput {
                field: "attending_parties",
                reason: format!("person {STRANGER} is not a party to the case"),
            },
        ),
        (
            given(vec![registered()]).by(MEDIATOR),
            mediate(MediationCommand::Accept {
                mediator_account_id: CLERK.account_id,
            }),
            DomainError::InvalidInput {
                field: "mediator_account_id",
                reason: "not a mediator of the committee".into(),
            },
        ),
        (
            given(vec![registered()]).by(CLERK),
            mediate(MediationCommand::Decline { reason: "x".into() }),
            DomainError::RoleNotPermitted {
                role: "station_clerk",
                action: "decline_mediation",
            },
        ),
    ];
    for (scenario, command, error) in cases {
        scenario.when(command).then_reject(error);
    }
}

#[test]
fn directory_rules() {
    let unit = UnitId(Uuid::from_u128(0xD9));
    given(vec![])
        .by(ADMIN)
        .when(Command::Directory(DirectoryCommand::RegisterUnit {
            unit_id: unit,
            building_id: BUILDING_1,
            label: "1-1-0901".into(),
            floor_area_dm2: 9_000,
        }))
        .then_expect_types(&["UnitRegistered"]);
    let cases: Vec<(Scenario, Command, DomainError)> = vec![
        (
            given(vec![]).by(ADMIN),
            Command::Directory(DirectoryCommand::RegisterUnit {
                unit_id: unit,
                building_id: BUILDING_1,
                label: "x".into(),
                floor_area_dm2: 0,
            }),
            DomainError::NotPositive {
                field: "floor_area_dm2",
                value: 0,
            },
        ),
        (
            given(vec![]).by(ADMIN),
            Command::Directory(DirectoryCommand::RegisterUnit {
                unit_id: UNIT_1,
                building_id: BUILDING_1,
                label: "x".into(),
                floor_area_dm2: 1,
            }),
            DomainError::AlreadyExists {
                what: "unit",
                id: UNIT_1.to_string(),
            },
        ),
        (
            given(vec![]).by(ADMIN),
            Command::Directory(DirectoryCommand::RegisterUnit {
                unit_id: unit,
                building_id: BuildingId(Uuid::from_u128(1)),
                label: "x".into(),
                floor_area_dm2: 1,
            }),
            DomainError::NotFound {
                what: "building",
                id: BuildingId(Uuid::from_u128(1)).to_string(),
            },
        ),
        (
            given(vec![]).by(CLERK),
            Command::Directory(DirectoryCommand::CloseAccount {
                account_id: MEMBER.account_id,
            }),
            DomainError::RoleNotPermitted {
                role: "station_clerk",
                action: "close_account",
            },
        ),
    ];
    for (scenario, command, error) in cases {
        scenario.when(command).then_reject(error);
    }
}

#[test]
fn erasure_is_recorded_once_without_the_data() {
    let erased: DomainEvent = PersonalDataErased {
        person_id: OWNER_2,
        basis: ErasureBasis::DataSubjectRequest,
        erased_by: DPO.account_id,
    }
    .into();
    let erase = Command::ErasePersonalData {
        person_id: OWNER_2,
        basis: ErasureBasis::DataSubjectRequest,
    };
    given(vec![])
        .by(DPO)
        .when(erase.clone())
        .then_expect(vec![erased.clone()]);
    given(vec![erased])
        .by(DPO)
        .when(erase.clone())
        .then_reject(DomainError::WrongState {
            aggregate: "person",
            state: "erased",
            action: "be erased again",
        });
    given(vec![])
        .by(CLERK)
        .when(erase)
        .then_reject(DomainError::RoleNotPermitted {
            role: "station_clerk",
            action: "erase_personal_data",
        });
}

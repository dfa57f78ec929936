//! The application service against a real sled store: idempotency, expected versions,
//! typed errors that append nothing, correlation and causation along a case chain,
//! corrections, and personal-data erasure.

mod domain_support;

use std::sync::Arc;
use std::sync::atomic::AtomicU32;

use domain_support::lagging_node::{LaggingNode, LateKeyNode};
use domain_support::*;
use govledger_core::domain::aggregate::ActingAs;
use govledger_core::domain::command::Command;
use govledger_core::domain::correction::{CorrectFact, CorrectedField};
use govledger_core::domain::decision::commands::{BallotFor, DecisionCommand};
use govledger_core::domain::decision::vocabulary::{Authorisation, BallotChoice, DecisionMatter};
use govledger_core::domain::erasure::ErasureBasis;
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::{DecisionId, RequestId, WorkProjectId};
use govledger_core::domain::location::Location;
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::service::CommandHandler;
use govledger_core::domain::service::envelope::{CommandEnvelope, CommandError, CommandErrorKind};
use govledger_core::domain::streams::{StreamRef, work_project_stream};
use govledger_core::domain::work_project::WorkProject;
use govledger_core::domain::work_project::commands::WorkProjectCommand;
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::event::{Actor, EventType, IdempotencyKey, NewEvent, RecordedEvent};
use govledger_core::personal_data::{PersonDetails, PersonLookup, PersonalDataStore, erase_person};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, LogQuery};
use uuid::Uuid;

/// Fields drop in declaration order: the store closes before its directory is deleted.
struct Ledger {
    store: Arc<SledStore>,
    handler: CommandHandler,
    _dir: tempfile::TempDir,
}

/// A store holding the fixture directory.
fn ledger() -> Ledger {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let events = directory_events()
        .into_iter()
        .enumerate()
        .map(|(i, event)| NewEvent {
            event_id: uuid(0x5000 + i as u128),
            event_type: EventType::new(event.event_type()).unwrap(),
            schema_version: event.schema_version(),
            occurred_at: day(2018, 1, 1),
            actor: Actor {
                account_id: ADMIN.account_id.0,
                role: "directory_administrator".into(),
                organisation_id: Some(COMMITTEE.0),
            },
            correlation_id: COMMUNITY.0,
            causation_id: None,
            payload: event.encode().unwrap(),
        })
        .collect();
    store
        .append(AppendRequest {
            stream: govledger_core::domain::streams::directory_stream(),
            expected: ExpectedVersion::NoStream,
            events,
            idempotency: None,
        })
        .unwrap();
    let handler = CommandHandler::new(store.clone());
    Ledger {
        _dir: dir,
        store,
        handler,
    }
}

fn envelope(actor: ActingAs, command: Command) -> CommandEnvelope {
    CommandEnvelope::new(actor, command).at(day(2020, 6, 1))
}

fn receive(request_id: RequestId, description: &str) -> Command {
    Command::Request {
        request_id,
        command: RequestCommand::Receive {
            kind: RequestKind::Complaint,
            category: RequestCategory::Security,
            description: description.into(),
            requester_id: Some(OWNER_2),
            location: Location {
                compound_id: Some(COMPOUND),
                ..Location::NOWHERE
            },
            channel: Channel::Phone,
        },
    }
}

fn recorded(store: &SledStore, positions: std::ops::RangeInclusive<u64>) -> Vec<RecordedEvent> {
    positions
        .map(|p| store.read_event(p).unwrap().unwrap())
        .collect()
}

#[test]
fn idempotent_retries_return_the_first_outcome() {
    let ledger = ledger();
    let request_id = RequestId(uuid(1));
    let mut first = envelope(CLERK, receive(request_id, "Door broken"));
    first.idempotency_key = Some(IdempotencyKey::new("receive-1").unwrap());
    let outcome = ledger.handler.execute(&first).unwrap();
    assert!(!outcome.replayed);
    // A retry later (a new occurred-at) with the same content replays.
    let mut retry = first.clone();
    retry.occurred_at = Some(day(2020, 6, 2));
    let again = ledger.handler.execute(&retry).unwrap();
    assert!(again.replayed);
    assert_eq!(again.event_ids, outcome.event_ids);
    assert_eq!(again.stream, outcome.stream);
    // The same key with other content is a conflict, and appends nothing.
    let head = ledger.store.head().position;
    let mut other = envelope(CLERK, receive(request_id, "Window broken"));
    other.idempotency_key = first.idempotency_key.clone();
    let error = ledger.handler.execute(&other).unwrap_err();
    assert!(matches!(error, CommandError::IdempotencyConflict { .. }));
    assert_eq!(error.kind(), CommandErrorKind::Conflict);
    assert_eq!(ledger.store.head().position, head);
}

/// A retry that reaches a node which cannot read the first attempt's events yet (it has not
/// seen the head move) answers "retry", a storage error, not "the ledger is damaged"; once
/// the node sees them, the retry replays the first outcome.
#[test]
fn a_replay_a_node_cannot_read_yet_says_retry_not_damaged() {
    let ledger = ledger();
    let before = ledger.store.head().position;
    let mut first = envelope(CLERK, receive(RequestId(uuid(7)), "Door broken"));
    first.idempotency_key = Some(IdempotencyKey::new("receive-on-a-lagging-node").unwrap());
    let outcome = ledger.handler.execute(&first).unwrap();
    let lagging = CommandHandler::new(Arc::new(LaggingNode {
        inner: ledger.store.clone(),
        visible_through: before,
    }));
    let error = lagging.execute(&first).unwrap_err();
    assert_eq!(error.kind(), CommandErrorKind::Storage, "{error}");
    assert!(
        error
            .to_string()
            .contains("retry with the same idempotency key"),
        "{error}"
    );
    let again = ledger.handler.execute(&first).unwrap();
    assert!(again.replayed);
    assert_eq!(again.first_position, outcome.first_position);
    assert_eq!(again.event_ids, outcome.event_ids);
}

/// A retry whose key lookup ran before the node saw its first attempt, and whose case read
/// after, finds the case already changed by that attempt: it replays the first outcome
/// instead of answering that the request already exists.
#[test]
fn a_retry_that_finds_its_first_attempt_in_the_case_replays_it() {
    let ledger = ledger();
    let before = ledger.store.head().position;
    let mut first = envelope(CLERK, receive(RequestId(uuid(8)), "Door broken"));
    first.idempotency_key = Some(IdempotencyKey::new("receive-seen-late").unwrap());
    let outcome = ledger.handler.execute(&first).unwrap();
    let late = CommandHandler::new(Arc::new(LateKeyNode {
        inner: ledger.store.clone(),
        visible_through: before,
        stale_key_lookups: AtomicU32::new(1),
    }));
    let again = late.execute(&first).unwrap();
    assert!(again.replayed);
    assert_eq!(again.first_position, outcome.first_position);
    assert_eq!(again.event_ids, outcome.event_ids);
    assert_eq!(ledger.store.head().position, outcome.last_position);
}

#[test]
fn expected_versions_and_typed_errors_append_nothing() {
    let ledger = ledger();
    let request_id = RequestId(uuid(2));
    ledger
        .handler
        .execute(&envelope(CLERK, receive(request_id, "Door broken")))
        .unwrap();
    let head = ledger.store.head().position;
    let accept = Command::Request {
        request_id,
        command: RequestCommand::Accept { category: None },
    };
    let stale = CommandEnvelope {
        expected_version: Some(0),
        ..envelope(CLERK, accept.clone())
    };
    let check = |envelope: CommandEnvelope, kind: CommandErrorKind| {
        let error = ledger.handler.execute(&envelope).unwrap_err();
        assert_eq!(error.kind(), kind, "{error}");
        assert_eq!(ledger.store.head().position, head, "{error}");
    };
    check(stale, CommandErrorKind::Conflict);
    check(
        envelope(AUDITOR, accept.clone()),
        CommandErrorKind::Unauthorised,
    );
    check(
        envelope(CLERK, receive(request_id, "again")),
        CommandErrorKind::Conflict,
    );
    check(
        envelope(CLERK, receive(RequestId(uuid(3)), "   ")),
        CommandErrorKind::Rejected,
    );
    check(
        envelope(
            CLERK,
            Command::Request {
                request_id: RequestId(uuid(4)),
                command: RequestCommand::Accept { category: None },
            },
        ),
        CommandErrorKind::NotFound,
    );
    let fresh = CommandEnvelope {
        expected_version: Some(1),
        ..envelope(CLERK, accept)
    };
    assert_eq!(ledger.handler.execute(&fresh).unwrap().stream_version, 2);
}

#[test]
fn a_case_chain_carries_the_requests_correlation() {
    let ledger = ledger();
    let h = &ledger.handler;
    let request_id = RequestId(uuid(10));
    let project = WorkProjectId(uuid(11));
    let decision = DecisionId(uuid(12));
    let received = h
        .execute(&envelope(CLERK, receive(request_id, "Doors broken")))
        .unwrap();
    let proposed = h
        .execute(&envelope(
            MEMBER,
            Command::WorkProject {
                work_project_id: project,
                command: WorkProjectCommand::Propose {
                    category: WorkCategory::UnitDoorReplacement,
                    title: "Doors".into(),
                    description: "Replace".into(),
                    compound_id: COMPOUND,
                    building_ids: vec![],
                    unit_ids: vec![],
                    planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
                    linked_request_ids: vec![request_id],
                },
            },
        ))
        .unwrap();
    let run = |actor: ActingAs, at, command: DecisionCommand| {
        h.execute(
            &CommandEnvelope::new(
                actor,
                Command::Decision {
                    decision_id: decision,
                    command,
                },
            )
            .at(at),
        )
        .unwrap()
    };
    let decision_proposed = run(
        MEMBER,
        day(2020, 6, 2),
        DecisionCommand::Propose {
            body_organisation_id: ASSEMBLY,
            matter: DecisionMatter::MaintenanceFundUse,
            title: "Doors".into(),
            text: "Doors from the fund".into(),
            authorisations: vec![Authorisation {
                work_project_id: project,
                funding_source: FundingSource::MaintenanceFund,
                budget_cents_max: 1_000_000,
            }],
            linked_request_ids: vec![request_id],
        },
    );
    run(
        MEMBER,
        day(2020, 6, 3),
        DecisionCommand::OpenVoting {
            closes_at: day(2020, 7, 1),
        },
    );
    for owner in [OWNER_1, OWNER_2, OWNER_3] {
        run(
            MEMBER,
            day(2020, 6, 4),
            DecisionCommand::CastBallot {
                ballot_for: BallotFor::Owner { person_id: owner },
                choice: BallotChoice::For,
            },
        );
    }
    // Everyone voted: the tally may run before the closing time.
    let tallied = run(MEMBER, day(2020, 6, 5), DecisionCommand::Tally);
    assert_eq!(tallied.event_ids.len(), 2);
    let approved = h
        .execute(
            &CommandEnvelope::new(
                MEMBER,
                Command::WorkProject {
                    work_project_id: project,
                    command: WorkProjectCommand::Approve {
                        decision_id: decision,
                        funding_source: FundingSource::MaintenanceFund,
                        budget_cents: 1_000_000,
                    },
                },
            )
            .at(day(2020, 6, 6)),
        )
        .unwrap();
    let chain = recorded(
        &ledger.store,
        received.first_position..=approved.last_position,
    );
    let request_correlation = chain[0].correlation_id;
    assert_eq!(request_correlation, request_id.0);
    assert!(
        chain
            .iter()
            .all(|e| e.correlation_id == request_correlation)
    );
    // Causation: proposal ← the request; decision ← the proposal; approval ← the adoption.
    let event = |position: u64| ledger.store.read_event(position).unwrap().unwrap();
    assert_eq!(
        event(proposed.first_position).causation_id,
        Some(received.event_ids[0])
    );
    assert_eq!(
        event(decision_proposed.first_position).causation_id,
        Some(proposed.event_ids[0])
    );
    assert_eq!(
        event(approved.first_position).causation_id,
        Some(tallied.event_ids[1])
    );
    assert_eq!(
        event(tallied.last_position).causation_id,
        Some(tallied.event_ids[0])
    );

    // A correction appends FactCorrected; the fold uses the corrected value.
    let correct = |field: CorrectedField, corrects: Uuid| {
        h.execute(&envelope(
            MEMBER,
            Command::CorrectFact {
                target: StreamRef::WorkProject(project),
                correction: CorrectFact {
                    corrects_event_id: corrects,
                    reason: "Typo in the minutes".into(),
                    corrected: vec![field],
                },
            },
        ))
    };
    let corrected = correct(CorrectedField::BudgetCents(900_000), approved.event_ids[0]).unwrap();
    let folded = h
        .load::<WorkProject>(&work_project_stream(project))
        .unwrap();
    assert_eq!(folded.state().budget_cents, 900_000);
    let correction = event(corrected.first_position);
    assert_eq!(correction.causation_id, Some(approved.event_ids[0]));
    assert!(matches!(
        DomainEvent::decode_recorded(&correction).unwrap(),
        DomainEvent::FactCorrected(_)
    ));
    let error = correct(CorrectedField::CostCents(1), approved.event_ids[0]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "corrected: WorkProjectApproved has no field cost_cents"
    );
    let error = correct(CorrectedField::BudgetCents(1), received.event_ids[0]).unwrap_err();
    assert_eq!(error.kind(), CommandErrorKind::NotFound);
}

#[test]
fn erasure_removes_details_and_the_ledger_still_verifies() {
    let ledger = ledger();
    let people = tempfile::tempdir().unwrap();
    let personal_data = PersonalDataStore::open(people.path()).unwrap();
    let name = "Sun Fictionalname";
    personal_data
        .put(
            OWNER_2,
            &PersonDetails {
                name: name.into(),
                phone: "170-0000-0000".into(),
                id_number: "999999199001010000".into(),
                unit_id: Some(UNIT_2),
            },
        )
        .unwrap();
    ledger
        .handler
        .execute(&envelope(CLERK, receive(RequestId(uuid(20)), "Door")))
        .unwrap();
    erase_person(
        &ledger.handler,
        &personal_data,
        DPO,
        OWNER_2,
        ErasureBasis::DataSubjectRequest,
        Some(day(2021, 1, 1)),
    )
    .unwrap();
    assert_eq!(
        personal_data.get(OWNER_2).unwrap(),
        PersonLookup::Erased(ErasureBasis::DataSubjectRequest)
    );
    assert_eq!(personal_data.get(OWNER_3).unwrap(), PersonLookup::Unknown);
    assert!(
        personal_data
            .put(
                OWNER_2,
                &PersonDetails {
                    name: "x".into(),
                    phone: String::new(),
                    id_number: String::new(),
                    unit_id: None,
                }
            )
            .is_err()
    );
    let report = ledger.store.verify().unwrap();
    assert_eq!(report.first_damage, None);
    // The name never reached the ledger.
    let log = ledger
        .store
        .read_log(&LogQuery::forwards(1, 1_000))
        .unwrap();
    assert!(
        log.events
            .iter()
            .all(|e| !e.payload.windows(name.len()).any(|w| w == name.as_bytes()))
    );
    // A second erasure is refused but harmless.
    let again = erase_person(
        &ledger.handler,
        &personal_data,
        DPO,
        OWNER_2,
        ErasureBasis::DataSubjectRequest,
        None,
    );
    assert!(again.is_err());
}

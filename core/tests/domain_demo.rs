//! The demo ledger builds through the real command handler, verifies, answers the report's
//! accountability questions, and is the same for the same seed.

use std::sync::Arc;

use govledger_core::domain::command::Command;
use govledger_core::domain::demo::{self, DemoSummary};
use govledger_core::domain::error::DomainError;
use govledger_core::domain::quantity::{FundingSource, QuantityUnit};
use govledger_core::domain::request::commands::RequestCommand;
use govledger_core::domain::service::CommandHandler;
use govledger_core::domain::service::envelope::{CommandEnvelope, CommandError, CommandErrorKind};
use govledger_core::domain::streams::work_project_stream;
use govledger_core::domain::work_project::{WorkProject, WorkProjectStatus};
use govledger_core::personal_data::{PersonLookup, PersonalDataStore};
use govledger_core::store::EventStore;
use govledger_core::store::sled_store::SledStore;

struct Built {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    store: Arc<SledStore>,
    personal_data: PersonalDataStore,
    summary: DemoSummary,
}

fn build(seed: u64) -> Built {
    let ledger_dir = tempfile::tempdir().unwrap();
    let people_dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(ledger_dir.path()).unwrap());
    let personal_data = PersonalDataStore::open(people_dir.path()).unwrap();
    let summary = demo::build(store.clone(), &personal_data, seed).unwrap();
    Built {
        _dirs: (ledger_dir, people_dir),
        store,
        personal_data,
        summary,
    }
}

#[test]
fn demo_ledger_answers_the_reports_questions() {
    let built = build(2021);
    let summary = &built.summary;
    assert_eq!(summary.compounds.len(), 6);
    assert_eq!(summary.sun_coast_building_ids.len(), 5);
    assert_eq!(summary.works.len(), 9);
    assert!(
        summary.events_appended > 1_500,
        "{}",
        summary.events_appended
    );

    let report = built.store.verify().unwrap();
    assert_eq!(report.first_damage, None);
    assert_eq!(report.events_checked, summary.events_appended);

    // "How many unit doors were replaced, on whose decision, paid from which fund, inspected by whom?"
    let handler = CommandHandler::new(built.store.clone());
    let doors = handler
        .load::<WorkProject>(&work_project_stream(summary.unit_door_work_project_id))
        .unwrap();
    let doors = doors.state();
    assert_eq!(doors.actual_quantities[0].amount, 16);
    assert_eq!(doors.actual_quantities[0].unit, QuantityUnit::UnitDoor);
    assert_eq!(doors.funding_source, Some(FundingSource::MaintenanceFund));
    assert_eq!(doors.decision_id, Some(summary.decision_ids[1]));
    assert_eq!(doors.status, WorkProjectStatus::Closed);

    // Personal data: the erased resident is shown as erased; the ledger still verified above.
    match built.personal_data.get(summary.erased_person_id).unwrap() {
        PersonLookup::Erased(_) => {}
        other => panic!("expected erased, got {other:?}"),
    }
    eprintln!(
        "demo: {} commands, {} events",
        summary.commands_executed, summary.events_appended
    );
    auditors_change_nothing_in_the_demo(&built);
    same_seed_same_ids(&built.summary);
}

fn auditors_change_nothing_in_the_demo(built: &Built) {
    let handler = CommandHandler::new(built.store.clone());
    let head = built.store.head().position;
    let error = handler
        .execute(&CommandEnvelope::new(
            built.summary.actors.auditor,
            Command::Request {
                request_id: built.summary.request_ids[0],
                command: RequestCommand::Close,
            },
        ))
        .unwrap_err();
    assert_eq!(error.kind(), CommandErrorKind::Unauthorised);
    assert!(matches!(
        error,
        CommandError::Domain(DomainError::RoleNotPermitted { .. })
    ));
    assert_eq!(built.store.head().position, head);
}

fn same_seed_same_ids(first: &DemoSummary) {
    let second = build(2021).summary;
    assert_eq!(
        first.unit_door_work_project_id,
        second.unit_door_work_project_id
    );
    assert_eq!(first.request_ids, second.request_ids);
    assert_eq!(first.events_appended, second.events_appended);
}

//! Golden encoded events: payload bytes written by earlier builds must keep decoding to the
//! same events. `fixtures/domain_events.txt` holds `EventType schema_version hex` lines; the
//! `RequestReceived 1` line is a version-1 payload (before `channel`) that must upcast.
//!
//! Regenerate the current-version lines (never the old-version ones) with
//! `GOVLEDGER_BLESS_FIXTURES=1 cargo test -p govledger-core --test domain_golden`.

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::decision::events::{DecisionBallotCast, DecisionTallied};
use govledger_core::domain::decision::tally::Tally;
use govledger_core::domain::decision::vocabulary::{BallotChoice, Voter};
use govledger_core::domain::directory::events::UnitRegistered;
use govledger_core::domain::erasure::{ErasureBasis, PersonalDataErased};
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::*;
use govledger_core::domain::location::Location;
use govledger_core::domain::mediation::events::MediationAgreementReached;
use govledger_core::domain::mediation::vocabulary::AgreementForm;
use govledger_core::domain::quantity::{FundingSource, Quantity, QuantityUnit};
use govledger_core::domain::request::events::{RequestDispatched, RequestReceived};
use govledger_core::domain::request::vocabulary::{Channel, RequestCategory, RequestKind};
use govledger_core::domain::work_project::events::{WorkProjectApproved, WorkProjectProposed};
use govledger_core::domain::work_project::vocabulary::WorkCategory;
use govledger_core::time::Timestamp;
use uuid::Uuid;

const FIXTURES: &str = "tests/fixtures/domain_events.txt";

fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

fn day(y: i32, m: u8, d: u8) -> Timestamp {
    Timestamp::from_civil(y, m, d).unwrap()
}

fn received(channel: Channel) -> RequestReceived {
    RequestReceived {
        request_id: RequestId(id(1)),
        kind: RequestKind::Complaint,
        category: RequestCategory::Security,
        description: "Unit entrance door does not close".into(),
        requester_id: Some(PersonId(id(2))),
        location: Location {
            compound_id: Some(CompoundId(id(3))),
            building_id: Some(BuildingId(id(4))),
            unit_id: None,
            grid_id: None,
        },
        received_by_organisation_id: Some(OrganisationId(id(5))),
        channel,
    }
}

/// The events the fixture lines must decode to, in file order.
fn samples() -> Vec<DomainEvent> {
    vec![
        received(Channel::ServiceStation).into(),
        RequestDispatched {
            request_id: RequestId(id(1)),
            organisation_id: OrganisationId(id(6)),
            category: RequestCategory::Security,
            response_due_at: day(2019, 1, 2),
            due_at: day(2019, 1, 8),
        }
        .into(),
        WorkProjectProposed {
            work_project_id: WorkProjectId(id(7)),
            category: WorkCategory::UnitDoorReplacement,
            title: "Replace all 16 unit doors".into(),
            description: "Access-controlled doors".into(),
            compound_id: CompoundId(id(3)),
            building_ids: vec![BuildingId(id(4))],
            unit_ids: vec![],
            planned_quantities: vec![Quantity::new(16, QuantityUnit::UnitDoor)],
            linked_request_ids: vec![RequestId(id(1))],
            proposed_by_organisation_id: OrganisationId(id(8)),
        }
        .into(),
        WorkProjectApproved {
            work_project_id: WorkProjectId(id(7)),
            decision_id: DecisionId(id(9)),
            funding_source: FundingSource::MaintenanceFund,
            budget_cents: 25_600_000,
        }
        .into(),
        DecisionBallotCast {
            decision_id: DecisionId(id(9)),
            voter: Voter::Owner {
                person_id: PersonId(id(2)),
                unit_ids: vec![UnitId(id(10))],
            },
            area_dm2: 8_950,
            choice: BallotChoice::For,
        }
        .into(),
        DecisionTallied {
            decision_id: DecisionId(id(9)),
            tally: Tally {
                electorate_area_dm2: 900,
                electorate_heads: 9,
                participating_area_dm2: 600,
                participating_heads: 6,
                for_area_dm2: 400,
                for_heads: 4,
                against_area_dm2: 200,
                against_heads: 2,
                abstain_area_dm2: 0,
                abstain_heads: 0,
            },
        }
        .into(),
        MediationAgreementReached {
            mediation_id: MediationId(id(11)),
            form: AgreementForm::Written,
            terms: "Repair within 15 days".into(),
            court_confirmation_deadline_at: day(2019, 3, 1),
        }
        .into(),
        UnitRegistered {
            unit_id: UnitId(id(10)),
            building_id: BuildingId(id(4)),
            compound_id: CompoundId(id(3)),
            label: "1-1-0101".into(),
            floor_area_dm2: 8_950,
        }
        .into(),
        FactCorrected {
            corrects_event_id: id(12),
            reason: "Typo in the cost".into(),
            corrected: vec![CorrectedField::CostCents(24_960_000)],
        }
        .into(),
        PersonalDataErased {
            person_id: PersonId(id(2)),
            basis: ErasureBasis::DataSubjectRequest,
            erased_by: AccountId(id(13)),
        }
        .into(),
    ]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn check(line: &str, expect: &DomainEvent) {
    let mut parts = line.split(' ');
    let (event_type, version, payload) = (
        parts.next().unwrap(),
        parts.next().unwrap().parse::<u16>().unwrap(),
        unhex(parts.next().unwrap()),
    );
    let decoded = DomainEvent::decode(event_type, version, &payload).unwrap();
    assert_eq!(&decoded, expect, "{line}");
    if version == expect.schema_version() {
        assert_eq!(
            expect.encode().unwrap(),
            payload,
            "encoding changed for {event_type}"
        );
    }
}

#[test]
fn stored_payloads_still_decode() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURES);
    let samples = samples();
    if std::env::var_os("GOVLEDGER_BLESS_FIXTURES").is_some() {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut out: Vec<String> = samples
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e.event_type(),
                    e.schema_version(),
                    hex(&e.encode().unwrap())
                )
            })
            .collect();
        // Old-version lines are history: keep them as they are.
        out.extend(
            old.lines()
                .filter(|l| l.starts_with("RequestReceived 1 "))
                .map(String::from),
        );
        std::fs::write(&path, out.join("\n") + "\n").unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    let (current, old): (Vec<&str>, Vec<&str>) = lines
        .iter()
        .partition(|l| !l.starts_with("RequestReceived 1 "));
    assert_eq!(current.len(), samples.len());
    for (line, expect) in current.iter().zip(&samples) {
        check(line, expect);
    }
    // Version 1 had no channel: it upcasts to `Unrecorded`.
    assert_eq!(old.len(), 1);
    check(old[0], &received(Channel::Unrecorded).into());
}

#[test]
fn unknown_and_future_versions_are_refused() {
    let payload = DomainEvent::from(received(Channel::Phone))
        .encode()
        .unwrap();
    let error = DomainEvent::decode("RequestReceived", 3, &payload).unwrap_err();
    assert_eq!(
        error.to_string(),
        "RequestReceived schema version 3 cannot be read (this build writes 2)"
    );
    let error = DomainEvent::decode("RequestTeleported", 1, &payload).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown event type \"RequestTeleported\""
    );
    let error = DomainEvent::decode("RequestReceived", 2, &payload[..10]).unwrap_err();
    assert!(
        error.to_string().starts_with("payload of RequestReceived"),
        "{error}"
    );
}

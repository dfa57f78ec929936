//! The synthetic generator writes valid, decodable, legal lifecycles quickly.

use std::collections::BTreeMap;
use std::time::Instant;

use govledger_core::domain::aggregate::{Aggregate, Folded};
use govledger_core::domain::decision::{Decision, DecisionStatus};
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::mediation::{Mediation, MediationStatus};
use govledger_core::domain::request::ServiceRequest;
use govledger_core::domain::streams::{StreamRef, parse_stream};
use govledger_core::domain::synthetic::{Revisions, SyntheticSpec, generate};
use govledger_core::domain::work_project::{WorkProject, WorkProjectStatus};
use govledger_core::store::sled_store::SledStore;
use govledger_core::store::{EventStore, LogQuery};

/// Events for the debug-build test; `GOVLEDGER_SYNTHETIC_EVENTS` raises it.
const DEFAULT_EVENTS: u64 = 20_000;

#[test]
fn synthetic_ledger_is_valid_and_fast() {
    let events_target = std::env::var("GOVLEDGER_SYNTHETIC_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_EVENTS);
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let started = Instant::now();
    let summary = generate(
        &store,
        SyntheticSpec {
            events_target,
            compounds: 20,
            span_days: 3 * 365,
            seed: 1,
            revisions: Revisions::Absent,
        },
    )
    .unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "synthetic: {} events in {} appends, {:.1?} ({:.0} events/s)",
        summary.events_appended,
        summary.appends,
        elapsed,
        summary.events_appended as f64 / elapsed.as_secs_f64()
    );
    assert!(summary.events_appended >= events_target);
    assert_eq!(store.head().position, summary.events_appended);
    assert_eq!(store.verify().unwrap().first_damage, None);

    // Every event decodes, and every case folds into a legal end state.
    let mut streams: BTreeMap<String, Vec<(uuid::Uuid, DomainEvent)>> = BTreeMap::new();
    let mut start = 1;
    loop {
        let page = store.read_log(&LogQuery::forwards(start, 1_000)).unwrap();
        for event in &page.events {
            let decoded = DomainEvent::decode_recorded(event).unwrap();
            streams
                .entry(event.stream_id.to_string())
                .or_default()
                .push((event.event_id, decoded));
        }
        if page.reached_end {
            break;
        }
        start = page.next_start;
    }
    for (stream, events) in &streams {
        let id = govledger_core::event::StreamId::new(stream.clone()).unwrap();
        let iter = events.iter().map(|(id, e)| (*id, e));
        match parse_stream(&id).unwrap() {
            StreamRef::Request(_) => {
                assert!(Folded::<ServiceRequest>::from_events(iter).state.exists());
            }
            StreamRef::WorkProject(_) => {
                let state = Folded::<WorkProject>::from_events(iter).state;
                assert_eq!(state.status, WorkProjectStatus::Closed, "{stream}");
            }
            StreamRef::Decision(_) => {
                let state = Folded::<Decision>::from_events(iter).state;
                assert_eq!(state.status, DecisionStatus::Adopted, "{stream}");
            }
            StreamRef::Mediation(_) => {
                let state = Folded::<Mediation>::from_events(iter).state;
                assert_eq!(state.status, MediationStatus::Archived, "{stream}");
            }
            StreamRef::Directory | StreamRef::Person(_) => {}
        }
    }
}

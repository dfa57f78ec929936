//! Writing domain events straight into a real ledger (bypassing command handling, so a test
//! controls every occurred-at), and opening the domain read models over it.

use std::sync::Arc;

use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::streams::{StreamRef, stream_of};
use govledger_core::event::{Actor, EventType, NewEvent};
use govledger_core::store::{AppendRequest, ExpectedVersion};
use govledger_core::time::Timestamp;
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::RunnerOptions;
use uuid::Uuid;

use super::Ledger;

/// Deterministic ids for tests: `id(n)` is the same every run.
pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

/// Midnight UTC plus `hours`.
pub fn at(year: i32, month: u8, day: u8, hours: i64) -> Timestamp {
    Timestamp::from_civil(year, month, day)
        .expect("a real date")
        .plus_hours(hours)
}

pub fn actor(account: Uuid, role: &str, organisation: Option<Uuid>) -> Actor {
    Actor {
        account_id: account,
        role: role.into(),
        organisation_id: organisation,
    }
}

/// What `DomainLedger::record` stored.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    pub position: u64,
    pub event_id: Uuid,
}

impl Ledger {
    /// Appends one domain event to `stream`.
    pub fn record(
        &self,
        stream: StreamRef,
        event: impl Into<DomainEvent>,
        occurred_at: Timestamp,
        actor: &Actor,
        causation_id: Option<Uuid>,
    ) -> Recorded {
        let event = event.into();
        let event_id = Uuid::now_v7();
        let new_event = NewEvent {
            event_id,
            event_type: EventType::new(event.event_type()).unwrap(),
            schema_version: event.schema_version(),
            occurred_at,
            actor: actor.clone(),
            correlation_id: causation_id.unwrap_or(event_id),
            causation_id,
            payload: event.encode().expect("encodes"),
        };
        let request = AppendRequest {
            stream: stream_of(stream),
            expected: ExpectedVersion::Any,
            events: vec![new_event],
            idempotency: None,
        };
        let store = Arc::clone(&self.store);
        let outcome = match tokio::runtime::Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| store.append(request)),
            Err(_) => store.append(request),
        }
        .expect("append");
        Recorded {
            position: outcome.last_position,
            event_id,
        }
    }

    pub fn open_read_api(&self, batch_events_max: usize) -> ReadApi {
        let mut options = RunnerOptions::new(self.projections_path());
        options.batch_events_max = batch_events_max;
        options.build_batch_events_max = batch_events_max;
        options.build_commit_keys_min = super::commit_keys_min_for(batch_events_max);
        let api = ReadApi::open(options, Arc::clone(&self.store)).expect("open read models");
        api.start().expect("start read models");
        api
    }

    pub fn head(&self) -> u64 {
        self.store.head().position
    }
}

/// Fails the test if any read model has stopped.
pub fn assert_none_stopped(api: &ReadApi) {
    for status in api.status() {
        assert!(
            !matches!(
                status.state,
                govledger_projections::runner::ProjectionState::Failed { .. }
            ),
            "{status:?}"
        );
    }
}

/// Fails the test if any value stored by one of `read_models` holds more than `bytes_max`.
pub fn assert_values_within(api: &ReadApi, read_models: &[&str], bytes_max: usize) {
    for name in read_models {
        let model = api.runner().read_model(name).expect("a read model");
        let largest = model
            .entries()
            .expect("entries")
            .iter()
            .map(|(_, value)| value.len())
            .max()
            .unwrap_or(0);
        assert!(largest <= bytes_max, "a {name} value holds {largest} bytes");
    }
}

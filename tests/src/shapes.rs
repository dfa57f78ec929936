//! Skewed load shapes (issue 13): ledgers as a busy district centre makes them, not as the even
//! synthetic set spreads them. `govledger-bench shapes` runs each at full scale; the tests run
//! them at a small `scale` through the real binary.
//!
//! - `Burst`: requests received on one day through one station by one clerk (one account
//!   acting for every receipt), then each dispatched, answered and closed.
//! - `HotCase`: one request followed up thousands of times (each follow-up caused by the
//!   receipt) and corrected a hundred times (each correction re-files its category).
//! - `BusyOrganisation`: requests from many compounds, every one dispatched to one
//!   organisation, half of them closed.
//! - `CompressedMonth`: the synthetic ledger with its cases spread over 30 days.
//! - `SpreadFourYears`: the same synthetic ledger spread over four years, as the other
//!   benchmarks use it: the baseline the bench measures every shape against, in the same run.
//!
//! "One decision linked to 5,000 requests" cannot be recorded: a decision names at most
//! `LINKED_REQUESTS_MAX` (256) requests, and its 16 authorised projects at most 256 each.
//!
//! Events are appended directly (the command layer is measured by `govledger-bench writes`),
//! pipelined like the synthetic generator, each append one event of one case.

use std::collections::VecDeque;

use govledger_core::domain::correction::{CorrectedField, FactCorrected};
use govledger_core::domain::event::DomainEvent;
use govledger_core::domain::ids::{OrganisationId, RequestId};
use govledger_core::domain::location::Location;
use govledger_core::domain::request::events::{
    RequestClosed, RequestDispatched, RequestFollowedUp, RequestReceived, RequestResolved,
};
use govledger_core::domain::request::vocabulary::{
    Channel, FollowUpResolution, Outcome, RequestCategory, RequestKind, Satisfaction,
};
use govledger_core::domain::streams::request_stream;
use govledger_core::domain::synthetic::{self, Revisions, SyntheticError, SyntheticSpec};
use govledger_core::error::StoreError;
use govledger_core::event::{Actor, EventType, NewEvent};
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion, PendingAppend};
use govledger_core::time::Timestamp;
use uuid::Uuid;

/// Appends in flight at once (several group commits' worth).
const IN_FLIGHT_APPENDS_MAX: usize = 2_048;
const MICROS_PER_SECOND: i64 = 1_000_000;
const DAY_SECONDS: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Burst,
    HotCase,
    BusyOrganisation,
    CompressedMonth,
    SpreadFourYears,
}

impl Shape {
    pub const ALL: [Shape; 5] = [
        Shape::SpreadFourYears,
        Shape::Burst,
        Shape::HotCase,
        Shape::BusyOrganisation,
        Shape::CompressedMonth,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Shape::Burst => "burst",
            Shape::HotCase => "hot_case",
            Shape::BusyOrganisation => "busy_organisation",
            Shape::CompressedMonth => "compressed_month",
            Shape::SpreadFourYears => "spread_four_years",
        }
    }

    pub fn named(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|shape| shape.name() == name)
    }

    /// How many of its unit the shape records at scale 1: requests (burst, busy
    /// organisation), follow-ups (hot case) or events (compressed month).
    const fn full_size(self) -> u64 {
        match self {
            Shape::Burst => 200_000,
            Shape::HotCase => 10_000,
            Shape::BusyOrganisation => 100_000,
            Shape::CompressedMonth | Shape::SpreadFourYears => 1_000_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ShapeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Synthetic(#[from] SyntheticError),
    #[error("encoding an event: {0}")]
    Encode(String),
}

/// What a shape recorded, for the checks: how many cases of each kind and with which status
/// the read models must report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    pub events: u64,
    pub requests: u64,
    pub closed_requests: u64,
    pub work_projects: u64,
    pub decisions: u64,
    pub mediations: u64,
    /// The organisation every request was dispatched to, and how many were.
    pub dispatched_to: Option<(Uuid, u64)>,
    /// The hot request and its event count.
    pub hot_request: Option<(Uuid, u64)>,
}

/// Records `shape` at `scale` (1.0 is the size; at least one of its unit) into `store`.
pub fn record(store: &dyn EventStore, shape: Shape, scale: f64) -> Result<Recorded, ShapeError> {
    let size = ((shape.full_size() as f64 * scale).round() as u64).max(1);
    let mut writer = Writer::new(store);
    let recorded = match shape {
        Shape::Burst => burst(&mut writer, size)?,
        Shape::HotCase => hot_case(&mut writer, size)?,
        Shape::BusyOrganisation => busy_organisation(&mut writer, size)?,
        Shape::CompressedMonth | Shape::SpreadFourYears => {
            let span_days = if shape == Shape::CompressedMonth {
                30
            } else {
                4 * 365
            };
            let summary = synthetic::generate(
                store,
                SyntheticSpec {
                    events_target: size,
                    compounds: 24,
                    span_days,
                    seed: 20_261_203,
                    revisions: Revisions::Absent,
                },
            )?;
            return Ok(Recorded {
                events: summary.events_appended,
                requests: summary.requests,
                work_projects: summary.work_projects,
                decisions: summary.decisions,
                mediations: summary.mediations,
                ..Recorded::default()
            });
        }
    };
    writer.drain()?;
    Ok(Recorded {
        events: writer.events,
        ..recorded
    })
}

/// The ids and actors a shape uses; fixed, so runs are comparable.
fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 | n)
}

fn actor(account: u128, role: &str, organisation: u128) -> Actor {
    Actor {
        account_id: id(account),
        role: role.into(),
        organisation_id: Some(id(organisation)),
    }
}

fn start() -> Timestamp {
    Timestamp::from_civil(2026, 6, 1).unwrap_or(Timestamp::from_unix_micros(0))
}

fn received(request: Uuid, station: Uuid, n: u64) -> DomainEvent {
    RequestReceived {
        request_id: RequestId(request),
        kind: RequestKind::Complaint,
        category: RequestCategory::Repair,
        description: format!("report {n}: water leaks from the stairwell ceiling"),
        requester_id: None,
        location: Location::NOWHERE,
        received_by_organisation_id: Some(OrganisationId(station)),
        channel: Channel::ServiceStation,
    }
    .into()
}

fn burst(writer: &mut Writer<'_>, requests: u64) -> Result<Recorded, ShapeError> {
    let clerk = actor(1, "station_clerk", 2);
    let dispatcher = actor(3, "property_dispatcher", 4);
    let (station, company) = (id(2), id(4));
    let step_micros = (DAY_SECONDS * MICROS_PER_SECOND / requests as i64).max(1);
    let at = |n: u64| start().plus_micros(n as i64 * step_micros);
    let request = |n: u64| id(1_000_000 + u128::from(n));
    for n in 0..requests {
        writer.append(
            request(n),
            received(request(n), station, n),
            at(n),
            &clerk,
            None,
        )?;
    }
    for n in 0..requests {
        let dispatched = RequestDispatched {
            request_id: RequestId(request(n)),
            organisation_id: OrganisationId(company),
            category: RequestCategory::Repair,
            response_due_at: at(n).plus_hours(24),
            due_at: at(n).plus_hours(72),
        };
        writer.append(
            request(n),
            dispatched.into(),
            at(n).plus_hours(26),
            &dispatcher,
            None,
        )?;
    }
    for n in 0..requests {
        let resolved = RequestResolved {
            request_id: RequestId(request(n)),
            organisation_id: OrganisationId(company),
            outcome: Outcome::Fixed,
            note: "sealed the pipe joint".into(),
            work_project_id: None,
        };
        writer.append(
            request(n),
            resolved.into(),
            at(n).plus_hours(50),
            &dispatcher,
            None,
        )?;
    }
    for n in 0..requests {
        let closed = RequestClosed {
            request_id: RequestId(request(n)),
            outcome: Outcome::Fixed,
        };
        writer.append(
            request(n),
            closed.into(),
            at(n).plus_hours(60),
            &clerk,
            None,
        )?;
    }
    Ok(Recorded {
        requests,
        closed_requests: requests,
        dispatched_to: Some((company, requests)),
        ..Recorded::default()
    })
}

fn hot_case(writer: &mut Writer<'_>, follow_ups: u64) -> Result<Recorded, ShapeError> {
    let clerk = actor(1, "station_clerk", 2);
    let request = id(10);
    let receipt = writer.append(request, received(request, id(2), 0), start(), &clerk, None)?;
    for n in 0..follow_ups {
        let followed_up = RequestFollowedUp {
            request_id: RequestId(request),
            resolution: FollowUpResolution::NotResolved,
            satisfaction: Satisfaction::Dissatisfied,
            note: format!("visit {n}: the leak is back"),
        };
        let at = start().plus_micros((1 + n as i64) * 60 * MICROS_PER_SECOND);
        writer.append(request, followed_up.into(), at, &clerk, Some(receipt))?;
    }
    let corrections = (follow_ups / 100).max(1);
    let categories = [RequestCategory::Security, RequestCategory::Repair];
    for n in 0..corrections {
        let corrected = FactCorrected {
            corrects_event_id: receipt,
            reason: format!("re-filed, round {n}"),
            corrected: vec![CorrectedField::RequestCategory(
                categories[(n % 2) as usize],
            )],
        };
        let at = start().plus_micros(DAY_SECONDS * 30 * MICROS_PER_SECOND);
        writer.append(request, corrected.into(), at, &clerk, Some(receipt))?;
    }
    Ok(Recorded {
        requests: 1,
        hot_request: Some((request, 1 + follow_ups + corrections)),
        ..Recorded::default()
    })
}

fn busy_organisation(writer: &mut Writer<'_>, requests: u64) -> Result<Recorded, ShapeError> {
    const STATIONS: u64 = 16;
    let dispatcher = actor(3, "property_dispatcher", 4);
    let company = id(4);
    let step_micros = 90 * DAY_SECONDS * MICROS_PER_SECOND / requests as i64;
    let request = |n: u64| id(2_000_000 + u128::from(n));
    let mut closed_requests = 0;
    for n in 0..requests {
        let station = 100 + u128::from(n % STATIONS);
        let clerk = actor(200 + u128::from(n % STATIONS), "station_clerk", station);
        let at = start().plus_micros(n as i64 * step_micros);
        writer.append(
            request(n),
            received(request(n), id(station), n),
            at,
            &clerk,
            None,
        )?;
        let dispatched = RequestDispatched {
            request_id: RequestId(request(n)),
            organisation_id: OrganisationId(company),
            category: RequestCategory::Repair,
            response_due_at: at.plus_hours(24),
            due_at: at.plus_hours(72),
        };
        writer.append(
            request(n),
            dispatched.into(),
            at.plus_hours(1),
            &dispatcher,
            None,
        )?;
        if n % 2 == 0 {
            let resolved = RequestResolved {
                request_id: RequestId(request(n)),
                organisation_id: OrganisationId(company),
                outcome: Outcome::Explained,
                note: "explained the schedule".into(),
                work_project_id: None,
            };
            writer.append(
                request(n),
                resolved.into(),
                at.plus_hours(20),
                &dispatcher,
                None,
            )?;
            let closed = RequestClosed {
                request_id: RequestId(request(n)),
                outcome: Outcome::Explained,
            };
            writer.append(request(n), closed.into(), at.plus_hours(30), &clerk, None)?;
            closed_requests += 1;
        }
    }
    Ok(Recorded {
        requests,
        closed_requests,
        dispatched_to: Some((company, requests)),
        ..Recorded::default()
    })
}

/// Pipelined appends of one event each.
struct Writer<'s> {
    store: &'s dyn EventStore,
    in_flight: VecDeque<PendingAppend>,
    events: u64,
}

impl<'s> Writer<'s> {
    fn new(store: &'s dyn EventStore) -> Writer<'s> {
        Writer {
            store,
            in_flight: VecDeque::new(),
            events: 0,
        }
    }

    /// Appends `event` to request `request`'s stream; returns its event id.
    fn append(
        &mut self,
        request: Uuid,
        event: DomainEvent,
        occurred_at: Timestamp,
        actor: &Actor,
        causation_id: Option<Uuid>,
    ) -> Result<Uuid, ShapeError> {
        let event_id = Uuid::now_v7();
        let new_event = NewEvent {
            event_id,
            event_type: EventType::new(event.event_type())
                .map_err(|e| ShapeError::Encode(e.to_string()))?,
            schema_version: event.schema_version(),
            occurred_at,
            actor: actor.clone(),
            correlation_id: request,
            causation_id,
            payload: event
                .encode()
                .map_err(|e| ShapeError::Encode(e.to_string()))?,
        };
        if self.in_flight.len() >= IN_FLIGHT_APPENDS_MAX
            && let Some(oldest) = self.in_flight.pop_front()
        {
            oldest.wait()?;
        }
        self.in_flight.push_back(self.store.submit(AppendRequest {
            stream: request_stream(RequestId(request)),
            expected: ExpectedVersion::Any,
            events: vec![new_event],
            idempotency: None,
        }));
        self.events += 1;
        Ok(event_id)
    }

    fn drain(&mut self) -> Result<(), ShapeError> {
        while let Some(pending) = self.in_flight.pop_front() {
            pending.wait()?;
        }
        Ok(())
    }
}

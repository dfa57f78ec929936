//! An in-memory model of the `EventStore` contract: the simplest code that can be right.
//!
//! Everything happens under one lock, in call order, so the model is the reference the
//! property test compares the sled store against. It implements the trait itself, so the
//! conformance suite runs on it too (which also shows the suite is backend-agnostic).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use govledger_core::codec::{self, Placement};
use govledger_core::error::StoreError;
use govledger_core::event::{IdempotencyKey, RecordedEvent, StreamId};
use govledger_core::hash::Hash256;
use govledger_core::limits::{EVENTS_PER_APPEND_MAX, READ_PAGE_EVENTS_MAX, READ_SCAN_RECORDS_MAX};
use govledger_core::store::{
    AppendOutcome, AppendRequest, ChainCheck, Direction, EventStore, Head, LogPage, LogQuery,
    PendingAppend, VerifyReport,
};
use govledger_core::time::Timestamp;
use tokio::sync::watch;
use uuid::Uuid;

pub struct ModelStore {
    state: Mutex<State>,
    head_tx: watch::Sender<Head>,
}

#[derive(Default)]
struct State {
    /// Position `p` is at index `p - 1`: the event and its stored bytes.
    records: Vec<(RecordedEvent, Vec<u8>)>,
    /// Positions of each stream's events, version `v` at index `v - 1`.
    streams: HashMap<StreamId, Vec<u64>>,
    event_ids: HashMap<Uuid, u64>,
    idempotency: HashMap<String, (Hash256, AppendOutcome)>,
}

impl Default for ModelStore {
    fn default() -> ModelStore {
        ModelStore {
            state: Mutex::new(State::default()),
            head_tx: watch::channel(Head::EMPTY).0,
        }
    }
}

impl ModelStore {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn append_now(&self, request: &AppendRequest) -> Result<AppendOutcome, StoreError> {
        let count = request.events.len();
        if count == 0 || count > EVENTS_PER_APPEND_MAX {
            return Err(StoreError::EventCountOutOfRange {
                count,
                limit: EVENTS_PER_APPEND_MAX,
            });
        }
        let mut ids = HashSet::new();
        for event in &request.events {
            event.validate()?;
            if !ids.insert(event.event_id) {
                return Err(StoreError::DuplicateEventId {
                    event_id: event.event_id,
                });
            }
        }
        let fingerprint = match &request.idempotency {
            None => None,
            Some(idempotency) => Some(match idempotency.fingerprint {
                Some(fingerprint) => fingerprint,
                None => {
                    codec::append_fingerprint(&request.stream, request.expected, &request.events)?
                }
            }),
        };
        let mut state = self.state();
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, fingerprint) {
            if let Some((stored, outcome)) = state.idempotency.get(idempotency.key.as_str()) {
                return if *stored == fingerprint {
                    Ok(AppendOutcome {
                        replayed: true,
                        ..*outcome
                    })
                } else {
                    Err(StoreError::IdempotencyConflict {
                        key: idempotency.key.as_str().to_string(),
                    })
                };
            }
        }
        let version = state.streams.get(&request.stream).map_or(0, Vec::len) as u64;
        if !request.expected.admits(version) {
            return Err(StoreError::WrongExpectedVersion {
                stream: request.stream.to_string(),
                expected: request.expected,
                actual: version,
            });
        }
        if let Some(event) = request
            .events
            .iter()
            .find(|e| state.event_ids.contains_key(&e.event_id))
        {
            return Err(StoreError::DuplicateEventId {
                event_id: event.event_id,
            });
        }
        let first_position = state.records.len() as u64 + 1;
        for (offset, event) in request.events.iter().enumerate() {
            let (previous_hash, previous_recorded_at) = match state.records.last() {
                Some((last, _)) => (last.hash, last.recorded_at),
                None => (Hash256::GENESIS, Timestamp::from_unix_micros(i64::MIN)),
            };
            let placement = Placement {
                position: first_position + offset as u64,
                stream_id: &request.stream,
                stream_version: version + 1 + offset as u64,
                recorded_at: Timestamp::now().max(previous_recorded_at),
                prev_hash: previous_hash,
            };
            let sealed = codec::seal_record(event, &placement)?;
            let recorded = codec::decode_record(placement.position, &sealed.value)?;
            state.event_ids.insert(event.event_id, placement.position);
            state
                .streams
                .entry(request.stream.clone())
                .or_default()
                .push(placement.position);
            state.records.push((recorded, sealed.value));
        }
        let (last, _) = state.records.last().expect("just appended");
        let outcome = AppendOutcome {
            first_position,
            last_position: last.position,
            stream_version: version + count as u64,
            head_hash: last.hash,
            replayed: false,
        };
        let head = Head {
            position: last.position,
            hash: last.hash,
        };
        if let (Some(idempotency), Some(fingerprint)) = (&request.idempotency, fingerprint) {
            state
                .idempotency
                .insert(idempotency.key.as_str().to_string(), (fingerprint, outcome));
        }
        self.head_tx.send_replace(head);
        Ok(outcome)
    }
}

fn check_limit(limit: usize) -> Result<(), StoreError> {
    if limit == 0 || limit > READ_PAGE_EVENTS_MAX {
        return Err(StoreError::ReadLimitOutOfRange {
            requested: limit,
            limit: READ_PAGE_EVENTS_MAX,
        });
    }
    Ok(())
}

impl EventStore for ModelStore {
    fn submit(&self, request: AppendRequest) -> PendingAppend {
        PendingAppend::ready(self.append_now(&request))
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from_version: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        check_limit(limit)?;
        let state = self.state();
        let positions = state.streams.get(stream).map_or(&[][..], Vec::as_slice);
        let skip = usize::try_from(from_version.max(1) - 1).unwrap_or(usize::MAX);
        Ok(positions
            .iter()
            .skip(skip)
            .take(limit)
            .map(|p| state.records[(*p - 1) as usize].0.clone())
            .collect())
    }

    fn read_log(&self, query: &LogQuery) -> Result<LogPage, StoreError> {
        check_limit(query.limit)?;
        let state = self.state();
        let head = state.records.len() as u64;
        let (mut next_start, low, high) = match query.direction {
            Direction::Forwards => (query.start.max(1), query.start.max(1), head),
            Direction::Backwards => (query.start.min(head), 1, query.start.min(head)),
        };
        let mut events = Vec::new();
        if low > high {
            return Ok(LogPage {
                events,
                next_start,
                reached_end: true,
            });
        }
        let positions: Box<dyn Iterator<Item = u64>> = match query.direction {
            Direction::Forwards => Box::new(low..=high),
            Direction::Backwards => Box::new((low..=high).rev()),
        };
        for (scanned, position) in positions.enumerate() {
            let event = &state.records[(position - 1) as usize].0;
            next_start = match query.direction {
                Direction::Forwards => position + 1,
                Direction::Backwards => position - 1,
            };
            if query.filter.matches(event) {
                events.push(event.clone());
            }
            if events.len() == query.limit || scanned + 1 == READ_SCAN_RECORDS_MAX {
                let edge = match query.direction {
                    Direction::Forwards => high,
                    Direction::Backwards => 1,
                };
                return Ok(LogPage {
                    events,
                    next_start,
                    reached_end: position == edge,
                });
            }
        }
        Ok(LogPage {
            events,
            next_start,
            reached_end: true,
        })
    }

    fn read_event(&self, position: u64) -> Result<Option<RecordedEvent>, StoreError> {
        let state = self.state();
        let index = usize::try_from(position).unwrap_or(usize::MAX);
        Ok(index
            .checked_sub(1)
            .and_then(|i| state.records.get(i))
            .map(|(event, _)| event.clone()))
    }

    fn position_of_event(&self, event_id: Uuid) -> Result<Option<u64>, StoreError> {
        Ok(self.state().event_ids.get(&event_id).copied())
    }

    fn stream_version(&self, stream: &StreamId) -> Result<u64, StoreError> {
        Ok(self.state().streams.get(stream).map_or(0, Vec::len) as u64)
    }

    fn find_idempotent(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<(Hash256, AppendOutcome)>, StoreError> {
        Ok(self.state().idempotency.get(key.as_str()).copied())
    }

    fn head(&self) -> Head {
        *self.head_tx.borrow()
    }

    fn watch_head(&self) -> watch::Receiver<Head> {
        self.head_tx.subscribe()
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        let state = self.state();
        let head = self.head();
        let mut check = ChainCheck::from_genesis();
        let mut events_checked = 0;
        for (event, bytes) in &state.records {
            if let Err(damage) = check.check(event.position, bytes) {
                return Ok(VerifyReport {
                    head,
                    events_checked,
                    first_damage: Some(damage),
                });
            }
            events_checked += 1;
        }
        Ok(VerifyReport {
            head,
            events_checked,
            first_damage: check.finish(head).err(),
        })
    }
}

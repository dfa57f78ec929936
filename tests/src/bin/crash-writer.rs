//! The child process of the crash test: opens the store at `<data dir>`, appends from
//! `<writers>` threads until it is killed, and prints one line per acknowledged event:
//! `ack <stream> <version> <position> <event id>`, flushed before the next append starts.
//!
//! Each thread owns the stream `writer-<n>` and appends with `Exact(version)`, so the payload
//! can name the version it will get and its part of the append
//! (`writer-<n> v<version> <part>/<parts>`), and the parent can check every stored event is
//! intact. Every third append carries three events, to show a multi-event append survives
//! whole or not at all.
//!
//! Usage: `crash-writer <data dir or postgres:// URL> <writers> [<stream-index tail events>]`
//! (a URL opens the PostgreSQL ledger; the tail argument is sled's): the optional
//! third argument seals the stream index's tail every that many events and stores one run
//! per group (default: the store's limits), so kills also land while a tail is half stored.

use std::io::Write;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use govledger_core::error::StoreError;
use govledger_core::event::{Actor, EventType, NewEvent, StreamId};
use govledger_core::store::postgres_store::{PostgresOptions, PostgresStore, is_postgres_url};
use govledger_core::store::sled_store::{SledOptions, SledStore, TailLimits};
use govledger_core::store::{AppendRequest, EventStore, ExpectedVersion};
use govledger_core::time::Timestamp;
use uuid::Uuid;

/// Every how many appends one carries several events.
const MULTI_EVENT_EVERY: u64 = 3;
/// Events in a multi-event append.
const MULTI_EVENT_COUNT: u64 = 3;

/// The payload of `part` (from 1) of an append of `parts` events, at `version` of `stream`.
fn payload(stream: &str, version: u64, part: u64, parts: u64) -> Vec<u8> {
    format!("{stream} v{version} {part}/{parts}").into_bytes()
}

fn new_event(stream: &str, version: u64, part: u64, parts: u64) -> Result<NewEvent, StoreError> {
    Ok(NewEvent {
        event_id: Uuid::now_v7(),
        event_type: EventType::new("RequestReceived")?,
        schema_version: 1,
        occurred_at: Timestamp::now(),
        actor: Actor {
            account_id: Uuid::nil(),
            role: "station_clerk".into(),
            organisation_id: None,
        },
        correlation_id: Uuid::nil(),
        causation_id: None,
        payload: payload(stream, version, part, parts),
    })
}

fn write_forever(
    store: &dyn EventStore,
    writer: usize,
    out: &Mutex<std::io::Stdout>,
) -> Result<(), Box<dyn std::error::Error>> {
    let stream_name = format!("writer-{writer}");
    let stream = StreamId::new(stream_name.as_str())?;
    let mut version = store.stream_version(&stream)?;
    for append in 0u64.. {
        let count = if append % MULTI_EVENT_EVERY == 0 {
            MULTI_EVENT_COUNT
        } else {
            1
        };
        let events = (1..=count)
            .map(|part| new_event(&stream_name, version + part, part, count))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        let outcome = store.append(AppendRequest {
            stream: stream.clone(),
            expected: ExpectedVersion::Exact(version),
            events,
            idempotency: None,
        })?;
        let mut out = out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (offset, id) in ids.iter().enumerate() {
            let offset = offset as u64;
            writeln!(
                out,
                "ack {stream_name} {} {} {id}",
                version + 1 + offset,
                outcome.first_position + offset
            )?;
        }
        out.flush()?;
        version = outcome.stream_version;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(writers))) = (args.get(1), args.get(2).map(|n| n.parse::<usize>()))
    else {
        eprintln!("usage: crash-writer <data dir> <writers> [<stream-index tail events>]");
        return ExitCode::from(2);
    };
    let mut options = SledOptions::new(dir);
    match args.get(3).map(|n| n.parse::<usize>()) {
        None => {}
        Some(Ok(events_max)) => {
            options.stream_index_tail = TailLimits {
                events_max,
                streams_max: events_max,
                // One sealed run per group: kills land while a generation is half stored.
                streams_per_group: 1,
            }
        }
        Some(Err(error)) => {
            eprintln!("crash-writer: bad stream-index tail events: {error}");
            return ExitCode::from(2);
        }
    }
    let opened: Result<Arc<dyn EventStore>, StoreError> = if is_postgres_url(dir) {
        PostgresOptions::from_url(dir)
            .and_then(|options| PostgresStore::open(&options))
            .map(|store| Arc::new(store) as Arc<dyn EventStore>)
    } else {
        SledStore::open_with(options).map(|store| Arc::new(store) as Arc<dyn EventStore>)
    };
    let store = match opened {
        Ok(store) => store,
        Err(error) => {
            eprintln!("crash-writer: opening {dir}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let out = Arc::new(Mutex::new(std::io::stdout()));
    let threads: Vec<_> = (0..writers)
        .map(|writer| {
            let store = Arc::clone(&store);
            let out = Arc::clone(&out);
            std::thread::spawn(move || {
                write_forever(store.as_ref(), writer, &out).map_err(|e| e.to_string())
            })
        })
        .collect();
    for thread in threads {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                eprintln!("crash-writer: {error}");
                return ExitCode::FAILURE;
            }
            Err(_) => return ExitCode::FAILURE,
        }
    }
    ExitCode::SUCCESS
}

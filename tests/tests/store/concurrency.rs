//! Many writers at once: exactly one append wins each version of a contested stream, and
//! positions stay gap-free under group commit.

use std::sync::Arc;

use govledger_core::error::StoreError;
use govledger_core::store::{EventStore, ExpectedVersion, LogQuery};
use govledger_tests::conformance::{StoreFactory, describe, event, request, stream};
use govledger_tests::postgres::PostgresFactory;

use super::common::{SledFactory, TINY_TAIL};

/// Runs a case on a sled store (made by `sled`) and, where a server answers, on PostgreSQL.
fn on_sled_and_postgres(name: &str, sled: SledFactory, case: fn(&dyn StoreFactory)) {
    case(&sled);
    if let Some(postgres) = PostgresFactory::new(name) {
        case(&postgres);
    }
}

/// Checks the log holds positions 1..=`count` in order and the chain verifies.
fn assert_gap_free(store: &dyn EventStore, count: u64) {
    let mut positions = Vec::new();
    let mut query = LogQuery::forwards(0, 1000);
    loop {
        let page = store.read_log(&query).expect("reading the log");
        positions.extend(page.events.iter().map(|e| e.position));
        query.start = page.next_start;
        if page.reached_end {
            break;
        }
    }
    assert_eq!(positions, (1..=count).collect::<Vec<u64>>());
    let report = store.verify().expect("verifying");
    assert_eq!(report.first_damage, None);
    assert_eq!(report.events_checked, count);
}

#[test]
fn threads_racing_on_one_stream_win_each_version_once() {
    on_sled_and_postgres(
        "threads_racing_on_one_stream_win_each_version_once",
        SledFactory::default(),
        threads_racing_on_one_stream_win_each_version_once_on,
    );
}

fn threads_racing_on_one_stream_win_each_version_once_on(factory: &dyn StoreFactory) {
    const THREADS: usize = 8;
    const VERSIONS: u64 = 60;
    let store = factory.fresh();
    let contested = stream("request-contested");
    let racers: Vec<_> = (0..THREADS)
        .map(|racer| {
            let store = Arc::clone(&store);
            let contested = contested.clone();
            std::thread::spawn(move || {
                let mut wins = Vec::new();
                let mut losses = 0u32;
                loop {
                    let version = store
                        .stream_version(&contested)
                        .expect("reading the version");
                    if version >= VERSIONS {
                        return (wins, losses);
                    }
                    let payload = format!("racer {racer}");
                    match store.append(request(
                        contested.as_str(),
                        ExpectedVersion::Exact(version),
                        vec![event(&payload)],
                    )) {
                        Ok(outcome) => wins.push(outcome.stream_version),
                        Err(StoreError::WrongExpectedVersion { .. }) => losses += 1,
                        Err(error) => panic!("racer {racer}: {error}"),
                    }
                }
            })
        })
        .collect();
    let mut wins = Vec::new();
    let mut losses = 0;
    for racer in racers {
        let (won, lost) = racer.join().expect("racer finished");
        wins.extend(won);
        losses += lost;
    }
    wins.sort_unstable();
    assert_eq!(
        wins,
        (1..=VERSIONS).collect::<Vec<u64>>(),
        "{losses} losses"
    );
    assert_gap_free(store.as_ref(), VERSIONS);
}

#[test]
fn tasks_racing_on_one_stream_exactly_one_wins() {
    on_sled_and_postgres(
        "tasks_racing_on_one_stream_exactly_one_wins",
        SledFactory::default(),
        tasks_racing_on_one_stream_exactly_one_wins_on,
    );
}

fn tasks_racing_on_one_stream_exactly_one_wins_on(factory: &dyn StoreFactory) {
    const TASKS: usize = 16;
    const ROUNDS: u64 = 15;
    let store = factory.fresh();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("building a runtime");
    runtime.block_on(async {
        for version in 0..ROUNDS {
            let racers: Vec<_> = (0..TASKS)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move {
                        let outcome = store
                            .submit(request(
                                "request-contested",
                                ExpectedVersion::Exact(version),
                                vec![event("task")],
                            ))
                            .await;
                        describe(&outcome)
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for racer in racers {
                outcomes.push(racer.await.expect("task finished"));
            }
            outcomes.sort();
            let position = version + 1;
            let mut expect = vec![format!("appended {position}..{position} v{position}")];
            expect.extend((1..TASKS).map(|_| format!("WrongExpectedVersion(actual {position})")));
            expect.sort();
            assert_eq!(outcomes, expect, "round {version}");
        }
    });
    assert_gap_free(store.as_ref(), ROUNDS);
}

#[test]
fn many_streams_in_parallel_all_commit_gap_free() {
    on_sled_and_postgres(
        "many_streams_in_parallel_all_commit_gap_free",
        SledFactory::default(),
        many_streams_in_parallel_all_commit_gap_free_on,
    );
}

fn many_streams_in_parallel_all_commit_gap_free_on(factory: &dyn StoreFactory) {
    const THREADS: u64 = 8;
    const APPENDS: u64 = 30;
    let store = factory.fresh();
    let writers: Vec<_> = (0..THREADS)
        .map(|writer| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let stream_id = format!("request-{writer}");
                // Every third append carries two events.
                let mut version = 0;
                for n in 0..APPENDS {
                    let events = if n % 3 == 0 {
                        vec![event("first of two"), event("second of two")]
                    } else {
                        vec![event("single")]
                    };
                    let count = events.len() as u64;
                    let outcome = store
                        .append(request(&stream_id, ExpectedVersion::Exact(version), events))
                        .expect("appending to an uncontested stream");
                    assert_eq!(outcome.stream_version, version + count);
                    assert_eq!(outcome.last_position - outcome.first_position + 1, count);
                    version = outcome.stream_version;
                }
                version
            })
        })
        .collect();
    let mut total = 0;
    for (writer, thread) in writers.into_iter().enumerate() {
        let version = thread.join().expect("writer finished");
        let events = store
            .read_stream(&stream(&format!("request-{writer}")), 1, 1000)
            .expect("reading a stream");
        let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
        assert_eq!(versions, (1..=version).collect::<Vec<u64>>());
        assert!(events.windows(2).all(|w| w[0].position < w[1].position));
        total += version;
    }
    assert_gap_free(store.as_ref(), total);
}

/// Readers racing the writer while it moves stream-index entries from its in-memory tail to
/// stored runs (every few events here) never see a stream with a hole, a stream shorter
/// than a version they were already told, or a version out of place.
#[test]
fn readers_see_whole_streams_while_the_stream_index_tail_is_stored() {
    on_sled_and_postgres(
        "readers_see_whole_streams_while_the_stream_index_tail_is_stored",
        SledFactory::with_tail(TINY_TAIL),
        readers_see_whole_streams_while_the_stream_index_tail_is_stored_on,
    );
}

fn readers_see_whole_streams_while_the_stream_index_tail_is_stored_on(factory: &dyn StoreFactory) {
    const WRITERS: usize = 4;
    const READERS: usize = 2;
    const APPENDS_PER_WRITER: u64 = 120;
    let store = factory.fresh();
    let streams: Vec<String> = (0..WRITERS).map(|n| format!("request-{n}")).collect();
    let writing = Arc::new(std::sync::atomic::AtomicUsize::new(WRITERS));
    let readers: Vec<_> = (0..READERS)
        .map(|reader| {
            let store = Arc::clone(&store);
            let writing = Arc::clone(&writing);
            let streams = streams.clone();
            std::thread::spawn(move || {
                let mut rounds = 0u32;
                while writing.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                    for name in &streams {
                        let id = stream(name);
                        let told = store.stream_version(&id).expect("reading a version");
                        let events = store.read_stream(&id, 1, 1000).expect("reading a stream");
                        let versions: Vec<u64> = events.iter().map(|e| e.stream_version).collect();
                        assert_eq!(
                            versions,
                            (1..=events.len() as u64).collect::<Vec<u64>>(),
                            "reader {reader}: {name} has a hole"
                        );
                        assert!(
                            events.len() as u64 >= told,
                            "reader {reader}: {name} is shorter than version {told}"
                        );
                        assert!(events.iter().all(|e| e.stream_id.as_str() == name));
                        assert!(events.windows(2).all(|w| w[0].position < w[1].position));
                        if told >= 4 {
                            let middle = store.read_stream(&id, 3, 2).expect("reading from 3");
                            let versions: Vec<u64> =
                                middle.iter().map(|e| e.stream_version).collect();
                            assert_eq!(versions, [3, 4], "reader {reader}: {name} from v3");
                        }
                    }
                    rounds += 1;
                }
                rounds
            })
        })
        .collect();
    let writers: Vec<_> = streams
        .iter()
        .map(|name| {
            let store = Arc::clone(&store);
            let writing = Arc::clone(&writing);
            let name = name.clone();
            std::thread::spawn(move || {
                for n in 0..APPENDS_PER_WRITER {
                    store
                        .append(request(
                            &name,
                            ExpectedVersion::Exact(n),
                            vec![event(&format!("{name} {n}"))],
                        ))
                        .expect("appending");
                }
                writing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("a writer panicked");
    }
    for reader in readers {
        assert!(reader.join().expect("a reader panicked") > 0);
    }
    for name in &streams {
        let events = store.read_stream(&stream(name), 1, 1000).expect("reading");
        assert_eq!(events.len() as u64, APPENDS_PER_WRITER, "{name}");
    }
    assert_gap_free(store.as_ref(), WRITERS as u64 * APPENDS_PER_WRITER);
}

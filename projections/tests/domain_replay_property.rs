//! Property: the domain read models (cases, directory, audit, metrics) built from the Sun
//! Coast scenario's events appended in random chunks, applied in random batch sizes with the
//! runner stopped and reopened between chunks, equal a one-shot build.

mod support;

use std::sync::Arc;

use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};
use govledger_core::event::NewEvent;
use govledger_core::store::{AppendRequest, ExpectedVersion, LogQuery};
use govledger_projections::read_api::ReadApi;
use govledger_projections::runner::{Entry, ProjectionState, RunnerOptions};
use proptest::prelude::*;
use support::{Ledger, WAIT};

const READ_MODELS: [&str; 4] = ["cases", "directory", "audit", "metrics"];

fn snapshot(api: &ReadApi) -> Vec<Vec<Entry>> {
    READ_MODELS
        .iter()
        .map(|name| api.runner().read_model(name).unwrap().entries().unwrap())
        .collect()
}

/// Asserts two snapshots are equal, naming the first key that differs in each read model.
fn assert_same(actual: &[Vec<Entry>], expected: &[Vec<Entry>], context: &str) {
    for ((name, actual), expected) in READ_MODELS.iter().zip(actual).zip(expected) {
        let differs = actual
            .iter()
            .zip(expected)
            .position(|(a, e)| a != e)
            .or_else(|| (actual.len() != expected.len()).then(|| actual.len().min(expected.len())));
        if let Some(at) = differs {
            panic!(
                "{name} differs {context} at entry {at} of {} (expected {}): {:02x?} instead of {:02x?}",
                actual.len(),
                expected.len(),
                actual.get(at).map(|(key, value)| (key, value.len())),
                expected.get(at).map(|(key, value)| (key, value.len())),
            );
        }
    }
}

fn cases_state(api: &ReadApi) -> ProjectionState {
    let status = api.status();
    let cases = status.iter().find(|status| status.name == "cases");
    cases.expect("a cases projection").state.clone()
}

fn copy(from: &Ledger, to: &Ledger, first: u64, count: usize) {
    let events = from
        .store
        .read_log(&LogQuery::forwards(first, count))
        .unwrap()
        .events;
    for event in events {
        let request = AppendRequest {
            stream: event.stream_id.clone(),
            expected: ExpectedVersion::Any,
            events: vec![NewEvent {
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                occurred_at: event.occurred_at,
                actor: event.actor.clone(),
                correlation_id: event.correlation_id,
                causation_id: event.causation_id,
                payload: event.payload.clone(),
            }],
            idempotency: None,
        };
        tokio::task::block_in_place(|| to.store.append(request)).unwrap();
    }
}

fn run(chunks: Vec<(usize, usize)>) {
    let runtime = support::runtime();
    runtime.block_on(async move {
        let source = Ledger::new();
        let _ = tokio::task::block_in_place(|| support::scenario::build(&source));
        let total = source.head();
        let one_shot = source.open_read_api(8_192);
        one_shot.wait_until(total, WAIT).await.unwrap();
        let expected = snapshot(&one_shot);
        one_shot.shutdown().await.unwrap();

        let target = Ledger::new();
        let mut copied = 0u64;
        let mut chunks = chunks.into_iter().cycle();
        let mut api = target.open_read_api(1);
        while copied < total {
            let (chunk, batch) = chunks.next().unwrap();
            let count = (chunk as u64).min(total - copied) as usize;
            copy(&source, &target, copied + 1, count);
            copied += count as u64;
            // Stop wherever the runner is and reopen with another batch size.
            api.shutdown().await.unwrap();
            drop(api);
            let mut options = RunnerOptions::new(target.projections_path());
            options.batch_events_max = batch;
            options.build_batch_events_max = batch;
            options.build_commit_keys_min = support::commit_keys_min_for(batch);
            api = ReadApi::open(options, Arc::clone(&target.store)).unwrap();
            api.start().unwrap();
        }
        api.wait_until(total, WAIT).await.unwrap();
        assert_same(&snapshot(&api), &expected, "after chunked copies");
        api.shutdown().await.unwrap();
    });
}

/// A first build stopped by shutdowns and resumed (a building generation leaves the cases'
/// indexes out until it goes live) ends equal to a one-shot build. The synthetic ledger
/// interleaves its cases, so the events of one case straddle the stops.
#[test]
fn a_first_build_stopped_and_resumed_equals_a_one_shot_build() {
    let runtime = support::runtime();
    runtime.block_on(async move {
        let source = Ledger::new();
        let spec = SyntheticSpec {
            events_target: 600,
            compounds: 2,
            span_days: 365,
            seed: 7,
            revisions: Revisions::Included,
        };
        tokio::task::block_in_place(|| synthetic::generate(source.store.as_ref(), spec)).unwrap();
        let total = source.head();
        let one_shot = source.open_read_api(8_192);
        one_shot.wait_until(total, WAIT).await.unwrap();
        let expected = snapshot(&one_shot);
        one_shot.shutdown().await.unwrap();

        let resumed_dir = tempfile::tempdir().unwrap();
        let mut stopped_at = Vec::new();
        for batch in [5, 11, 17].into_iter().cycle().take(200) {
            let mut options = RunnerOptions::new(resumed_dir.path());
            options.batch_events_max = batch;
            options.build_batch_events_max = batch;
            // A few batches per commit, so the checkpoint moves between the stops.
            options.build_commit_keys_min = 16;
            let api = ReadApi::open(options, Arc::clone(&source.store)).unwrap();
            api.start().unwrap();
            // Stop once the cases have built some way past the last stop.
            let built_before = stopped_at.last().copied().unwrap_or(0);
            let cases_built = loop {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                match cases_state(&api) {
                    ProjectionState::Rebuilding { rebuilt_position } => {
                        if rebuilt_position >= built_before + 60 {
                            break Some(rebuilt_position);
                        }
                    }
                    _ => break None,
                }
            };
            api.shutdown().await.unwrap();
            match cases_built {
                Some(position) => stopped_at.push(position),
                None => {
                    drop(api);
                    let api = ReadApi::open(
                        RunnerOptions::new(resumed_dir.path()),
                        Arc::clone(&source.store),
                    )
                    .unwrap();
                    api.start().unwrap();
                    api.wait_until(total, WAIT).await.unwrap();
                    let context = format!("stopped at {stopped_at:?}");
                    assert_same(&snapshot(&api), &expected, &context);
                    assert!(stopped_at.len() > 1, "stopped at {stopped_at:?}");
                    api.shutdown().await.unwrap();
                    return;
                }
            }
        }
        panic!("the build did not finish in 200 starts");
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn chunked_domain_replays_with_restarts_equal_a_one_shot_build(
        chunks in proptest::collection::vec((1usize..20, 1usize..16), 1..6)
    ) {
        run(chunks);
    }
}

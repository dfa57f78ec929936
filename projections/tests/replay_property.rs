//! Property: the same events, appended in random chunks and applied in random batch sizes
//! with the runner dropped and reopened at random points (a simulated crash between batches),
//! give read models identical to a one-shot build.

mod support;

use std::sync::Arc;

use govledger_projections::runner::{ProjectionRunner, RunnerOptions};
use proptest::prelude::*;
use support::{Ledger, TestEvent, WAIT, expected_tally, tally};

const STREAMS: usize = 5;

#[derive(Debug, Clone)]
struct Step {
    values: Vec<u8>,
    batch_events_max: usize,
    restart_after: bool,
}

fn step() -> impl Strategy<Value = Step> {
    (
        proptest::collection::vec(0u8..200, 1..40),
        1usize..50,
        any::<bool>(),
    )
        .prop_map(|(values, batch_events_max, restart_after)| Step {
            values,
            batch_events_max,
            restart_after,
        })
}

fn run(steps: Vec<Step>) {
    let runtime = support::runtime();
    runtime.block_on(async move {
        let ledger = Ledger::new();
        let mut all = Vec::new();
        let mut runner =
            ledger.open_runner(vec![tally("a"), tally("b")], steps[0].batch_events_max);
        for step in &steps {
            let head = ledger.append_values(&step.values, STREAMS);
            all.extend(&step.values);
            if step.restart_after {
                // Stop wherever the runner happens to be (mid catch-up, between batches).
                runner.shutdown().await.unwrap();
                drop(runner);
                runner = ledger.open_runner(vec![tally("a"), tally("b")], step.batch_events_max);
            }
            runner.wait_until(head, WAIT).await.unwrap();
        }
        let head = ledger.store.head().position;
        let incremental = runner.read_model("a").unwrap().entries().unwrap();
        assert_eq!(
            runner.read_model("b").unwrap().entries().unwrap(),
            incremental
        );
        runner.shutdown().await.unwrap();

        let one_shot_dir = tempfile::tempdir().unwrap();
        let one_shot = ProjectionRunner::<TestEvent>::open(
            RunnerOptions::new(one_shot_dir.path()),
            Arc::clone(&ledger.store),
            support::decode,
            vec![tally("a")],
        )
        .unwrap();
        one_shot.start().unwrap();
        one_shot.wait_until(head, WAIT).await.unwrap();
        assert_eq!(
            one_shot.read_model("a").unwrap().entries().unwrap(),
            incremental
        );
        assert_eq!(incremental, expected_tally(&all, STREAMS));
        one_shot.shutdown().await.unwrap();
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn chunked_replays_with_restarts_equal_a_one_shot_build(
        steps in proptest::collection::vec(step(), 1..8)
    ) {
        run(steps);
    }
}

//! The runner against a real `SledStore`: catch-up, follow, restart, failure, rebuild,
//! version change, waits.

mod support;

use std::sync::Arc;
use std::time::Duration;

use govledger_projections::error::ProjectionError;
use govledger_projections::runner::{
    ProjectionRunner, ProjectionState, RebuildScope, RunnerOptions,
};
use support::{Ledger, POISON, Tally, TestEvent, WAIT, expected_tally, tally};

fn values(count: usize) -> Vec<u8> {
    (0..count).map(|i| (i % 200) as u8).collect()
}

/// The tally read model `name` holds exactly what `values` over `streams` streams give.
fn check(runner: &ProjectionRunner<TestEvent>, name: &str, values: &[u8], streams: usize) {
    let got = runner.read_model(name).unwrap().entries().unwrap();
    assert_eq!(got, expected_tally(values, streams), "read model {name}");
}

fn states(runner: &ProjectionRunner<TestEvent>) -> Vec<(&'static str, String, u64)> {
    runner
        .status()
        .into_iter()
        .map(|s| (s.name, s.state.code().to_string(), s.applied_position))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catches_up_then_follows_new_appends() {
    let ledger = Ledger::new();
    let mut all = values(300);
    ledger.append_values(&all, 7);
    let runner = ledger.open_runner(vec![tally("a"), tally("b")], 64);
    runner.wait_until(300, WAIT).await.unwrap();
    check(&runner, "a", &all, 7);
    check(&runner, "b", &all, 7);

    let more = values(50);
    let head = ledger.append_values(&more, 7);
    all.extend(&more);
    runner.wait_until(head, WAIT).await.unwrap();
    check(&runner, "a", &all, 7);
    assert_eq!(
        states(&runner),
        vec![
            ("a", "caught_up".into(), 350),
            ("b", "caught_up".into(), 350)
        ]
    );
    assert_eq!(runner.lag_events(), 0);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_resumes_after_the_checkpoint() {
    let ledger = Ledger::new();
    let mut all = values(120);
    ledger.append_values(&all, 5);
    let runner = ledger.open_runner(vec![tally("a")], 16);
    runner.wait_until(120, WAIT).await.unwrap();
    runner.shutdown().await.unwrap();
    drop(runner);

    // Appended while the runner is down: the restart catches up from 121, once each.
    let more = values(80);
    ledger.append_values(&more, 5);
    all.extend(&more);
    let runner = ledger.open_runner(vec![tally("a")], 16);
    runner.wait_until(200, WAIT).await.unwrap();
    check(&runner, "a", &all, 5);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_that_cannot_be_applied_stops_its_projection_at_that_position() {
    let ledger = Ledger::new();
    let mut before = values(40);
    before.push(POISON);
    ledger.append_values(&before, 3);
    ledger.append_values(&values(10), 3);
    let poisoned: Arc<dyn govledger_projections::projection::Projection<TestEvent>> =
        Arc::new(Tally {
            name: "poisoned",
            version: 1,
        });
    let runner = ledger.open_runner(vec![poisoned], 8);
    let waited = runner.wait_until(50, WAIT).await;
    match waited {
        Err(ProjectionError::Stopped {
            name,
            position,
            reason,
        }) => {
            assert_eq!((name, position), ("poisoned", 41));
            assert!(reason.contains("poisoned payload"), "{reason}");
        }
        other => panic!("expected a stop at 41, got {other:?}"),
    }
    let status = &runner.status()[0];
    assert_eq!(
        status.state,
        ProjectionState::Failed {
            position: 41,
            error: "ValueRecorded event: poisoned payload".into()
        }
    );
    // Everything before the failing event is applied, nothing after it.
    assert_eq!(status.applied_position, 40);
    check(&runner, "poisoned", &before[..40], 3);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_projection_does_not_hold_back_the_others() {
    let ledger = Ledger::new();
    let mut all = values(20);
    all.push(POISON);
    all.extend(values(20));
    ledger.append_values(&all, 4);
    let runner = ledger.open_runner(vec![tally("fails"), Arc::new(Lenient)], 8);
    runner.wait_until(20, WAIT).await.unwrap();
    let _ = runner.wait_until(41, Duration::from_millis(200)).await;
    let codes: Vec<String> = states(&runner).into_iter().map(|s| s.1).collect();
    assert_eq!(codes, vec!["failed", "caught_up"]);
    runner.shutdown().await.unwrap();
}

/// Counts every event, poison included.
struct Lenient;

impl govledger_projections::projection::Projection<TestEvent> for Lenient {
    fn name(&self) -> &'static str {
        "lenient"
    }
    fn version(&self) -> u32 {
        1
    }
    fn apply(
        &self,
        _event: govledger_projections::projection::ProjectedEvent<'_, TestEvent>,
        writes: &mut govledger_projections::runner::ReadModelWrites<'_>,
    ) -> Result<(), govledger_projections::error::ApplyError> {
        let count: u64 = writes.get_record(b"count")?.unwrap_or(0);
        writes.put_record(b"count".to_vec(), &(count + 1))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_replaces_the_read_model_and_keeps_answering() {
    let ledger = Ledger::new();
    let all = values(500);
    ledger.append_values(&all, 9);
    let runner = ledger.open_runner(vec![tally("a"), tally("b")], 32);
    runner.wait_until(500, WAIT).await.unwrap();
    let before = runner.read_model("a").unwrap();

    let rebuilding = {
        let runner = runner.clone();
        tokio::spawn(async move { runner.rebuild(RebuildScope::All).await })
    };
    // Meanwhile the old generation answers and keeps following the appends.
    let more = values(30);
    ledger.append_values(&more, 9);
    assert!(before.entries().unwrap().len() >= expected_tally(&all, 9).len());
    rebuilding.await.unwrap().unwrap();

    let mut all = all;
    all.extend(&more);
    runner.wait_until(530, WAIT).await.unwrap();
    check(&runner, "a", &all, 9);
    check(&runner, "b", &all, 9);
    let codes: Vec<String> = states(&runner).into_iter().map(|s| s.1).collect();
    assert_eq!(codes, vec!["caught_up", "caught_up"]);

    // The rebuilt generation keeps following.
    ledger.append_values(&values(5), 9);
    all.extend(values(5));
    runner.wait_until(535, WAIT).await.unwrap();
    check(&runner, "b", &all, 9);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_of_one_projection_and_unknown_names() {
    let ledger = Ledger::new();
    let all = values(64);
    ledger.append_values(&all, 2);
    let runner = ledger.open_runner(vec![tally("a"), tally("b")], 10);
    runner.wait_until(64, WAIT).await.unwrap();
    runner
        .rebuild(RebuildScope::Named("b".into()))
        .await
        .unwrap();
    check(&runner, "b", &all, 2);
    let unknown = runner.rebuild(RebuildScope::Named("zzz".into())).await;
    assert!(matches!(
        unknown,
        Err(ProjectionError::UnknownProjection(_))
    ));
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_version_rebuilds_at_open() {
    let ledger = Ledger::new();
    let all = values(100);
    ledger.append_values(&all, 3);
    let runner = ledger.open_runner(vec![tally("a")], 10);
    runner.wait_until(100, WAIT).await.unwrap();
    runner.shutdown().await.unwrap();
    drop(runner);

    let v2: Arc<dyn govledger_projections::projection::Projection<TestEvent>> = Arc::new(Tally {
        name: "a",
        version: 2,
    });
    let mut options = RunnerOptions::new(ledger.projections_path());
    options.batch_events_max = 10;
    options.build_batch_events_max = 10;
    let runner = ProjectionRunner::open(
        options,
        Arc::clone(&ledger.store),
        support::decode,
        vec![v2],
    )
    .unwrap();
    // Before it starts, nothing answers: the old layout is not readable by version 2.
    assert!(matches!(
        runner.read_model("a"),
        Err(ProjectionError::Rebuilding { name: "a", .. })
    ));
    assert_eq!(states(&runner), vec![("a", "rebuilding".into(), 0)]);
    runner.start().unwrap();
    runner.wait_until(100, WAIT).await.unwrap();
    check(&runner, "a", &all, 3);
    assert_eq!(runner.status()[0].version, 2);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_model_of_another_ledger_is_rebuilt() {
    let first = Ledger::new();
    first.append_values(&values(30), 3);
    let runner = first.open_runner(vec![tally("a")], 10);
    runner.wait_until(30, WAIT).await.unwrap();
    runner.shutdown().await.unwrap();
    drop(runner);

    // Same positions, different events: the checkpoint hash does not match.
    let second = Ledger::new();
    let other: Vec<u8> = values(30).iter().map(|v| v.wrapping_add(1)).collect();
    second.append_values(&other, 3);
    let runner = ProjectionRunner::open(
        RunnerOptions::new(first.projections_path()),
        Arc::clone(&second.store),
        support::decode,
        vec![tally("a")],
    )
    .unwrap();
    runner.start().unwrap();
    runner.wait_until(30, WAIT).await.unwrap();
    check(&runner, "a", &other, 3);
    runner.shutdown().await.unwrap();
}

/// A generation left holding part of a commit written in pieces (a crash between its pieces:
/// the runner's marker `[0x00, b't']` is there, and so is a half-written value) is built
/// again from position 1 at open, not resumed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_model_torn_between_commit_pieces_is_rebuilt() {
    let ledger = Ledger::new();
    let all = values(60);
    ledger.append_values(&all, 4);
    let runner = ledger.open_runner(vec![tally("a")], 6);
    runner.wait_until(60, WAIT).await.unwrap();
    let entries = runner.read_model("a").unwrap().entries().unwrap();
    runner.shutdown().await.unwrap();
    drop(runner);

    let db = sled::open(ledger.projections_path()).unwrap();
    let generation = db
        .tree_names()
        .into_iter()
        .find(|name| name.starts_with(b"read_model/a/"))
        .unwrap();
    let tree = db.open_tree(generation).unwrap();
    let (key, _) = &entries[0];
    tree.insert(&key[..], &b"half-written"[..]).unwrap();
    tree.insert([0x00, b't'], &[][..]).unwrap();
    db.flush().unwrap();
    drop(tree);
    drop(db);

    let runner = ledger.open_runner(vec![tally("a")], 6);
    runner.wait_until(60, WAIT).await.unwrap();
    check(&runner, "a", &all, 4);
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_is_bounded() {
    let ledger = Ledger::new();
    ledger.append_values(&values(3), 1);
    let runner = ledger.open_runner(vec![tally("a")], 10);
    runner.wait_until(3, WAIT).await.unwrap();
    let waited = runner.wait_until(4, Duration::from_millis(50)).await;
    match waited {
        Err(ProjectionError::WaitTimedOut {
            name,
            position,
            applied_position,
            waited_ms,
        }) => assert_eq!(
            (name, position, applied_position, waited_ms),
            ("a", 4, 3, 50)
        ),
        other => panic!("expected a timeout, got {other:?}"),
    }
    runner.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_ledger_is_caught_up_at_once() {
    let ledger = Ledger::new();
    let runner = ledger.open_runner(vec![tally("a")], 10);
    runner.wait_until(0, WAIT).await.unwrap();
    assert_eq!(states(&runner), vec![("a", "caught_up".into(), 0)]);
    let head = ledger.append_values(&[7], 1);
    runner.wait_until(head, WAIT).await.unwrap();
    check(&runner, "a", &[7], 1);
    runner.shutdown().await.unwrap();
}

/// Fails on the poison while `poison_fails` is set (a bug), applies it like any value once
/// it is cleared (the fixed release).
struct Fickle {
    poison_fails: Arc<std::sync::atomic::AtomicBool>,
}

impl govledger_projections::projection::Projection<TestEvent> for Fickle {
    fn name(&self) -> &'static str {
        "fickle"
    }
    fn version(&self) -> u32 {
        1
    }
    fn apply(
        &self,
        event: govledger_projections::projection::ProjectedEvent<'_, TestEvent>,
        writes: &mut govledger_projections::runner::ReadModelWrites<'_>,
    ) -> Result<(), govledger_projections::error::ApplyError> {
        let fails = self.poison_fails.load(std::sync::atomic::Ordering::SeqCst);
        if fails && event.event.value == POISON {
            return Err(govledger_projections::error::ApplyError::Inconsistent(
                "poisoned payload".into(),
            ));
        }
        writes.put_record(b"last".to_vec(), &event.recorded.position)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_read_model_is_live_again_after_a_rebuild_once_its_cause_is_gone() {
    let ledger = Ledger::new();
    let mut all = values(20);
    all.push(POISON);
    all.extend(values(20));
    ledger.append_values(&all, 4);
    let poison_fails = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fickle: Arc<dyn govledger_projections::projection::Projection<TestEvent>> =
        Arc::new(Fickle {
            poison_fails: Arc::clone(&poison_fails),
        });
    let runner = ledger.open_runner(vec![fickle], 8);
    let _ = runner.wait_until(41, Duration::from_millis(300)).await;
    assert_eq!(
        states(&runner)[0],
        ("fickle", "failed".to_string(), 20),
        "stopped at the poison"
    );

    // The same rebuild is refused while one runs; an unknown name at once.
    poison_fails.store(false, std::sync::atomic::Ordering::SeqCst);
    let started = runner
        .start_rebuild(RebuildScope::Named("fickle".into()))
        .expect("the rebuild starts");
    assert!(matches!(
        runner.start_rebuild(RebuildScope::Named("fickle".into())),
        Err(ProjectionError::AlreadyRebuilding { name: "fickle" })
    ));
    assert!(matches!(
        runner.start_rebuild(RebuildScope::Named("nope".into())),
        Err(ProjectionError::UnknownProjection(_))
    ));
    started.await.unwrap().unwrap();
    assert_eq!(states(&runner)[0], ("fickle", "caught_up".to_string(), 41));

    // It follows the ledger again.
    ledger.append_values(&values(10), 4);
    runner.wait_until(51, WAIT).await.unwrap();
    assert_eq!(states(&runner)[0], ("fickle", "caught_up".to_string(), 51));
    runner.shutdown().await.unwrap();
}

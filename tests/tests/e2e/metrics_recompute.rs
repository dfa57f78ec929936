//! Issue 19: the independent script `docs/metrics/recompute.py` (Python, standard library
//! only) recomputes every request and mediation figure from `govledger export`, and agrees
//! with the GraphQL `metrics` answers for every organisation × month, and for every other
//! scope and month the script counts in — on the demo and on a synthetic ledger with merges,
//! send-backs, reopenings and corrections, in the community's time zone. A disagreement names
//! the scope, the month and the figure. On the demo, the script's decision traces of the
//! unit-door and roof-waterproofing works equal `decisionTrace`, and `metrics(asOf:)` equals
//! the script reading the export only that far.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use govledger_core::domain::synthetic::{self, Revisions, SyntheticSpec};
use govledger_core::store::sled_store::SledStore;
use govledger_tests::e2e::{Backend, BackendLedger, Client, Server, request, run_cli};
use serde_json::{Value, json};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/metrics/recompute.py");
/// The synthetic ledger's size here (a debug build); `GOVLEDGER_RECOMPUTE_EVENTS` sets
/// another (the 100k-event run by hand is in docs/metrics.md).
const SYNTHETIC_EVENTS: u64 = 6_000;
const READY_WITHIN: Duration = Duration::from_secs(120);
/// Months asked in one GraphQL query (each an alias), within the query cost limit.
const MONTHS_PER_QUERY: usize = 6;
/// A position in the middle of the demo ledger, for `asOf`.
const AS_OF: u64 = 1_800;

const FIGURES: &str = "requests {
  received rejected dispatched resolved escalated closed closedFixed
  responseRate { numerator denominator value }
  sendBackRate { numerator denominator value }
  onTimeClosureRate { numerator denominator value }
  resolutionRate { numerator denominator value }
  satisfactionRate { numerator denominator value }
  reopenRate { numerator denominator value }
  duplicateShare { numerator denominator value }
  timeToClose { sampleSize medianSeconds p90Seconds }
}
mediations {
  registered declined concluded
  agreementRate { numerator denominator value }
  withinMonthRate { numerator denominator value }
  performanceRate { numerator denominator value }
}";

govledger_tests::on_both_backends!(the_script_agrees_with_graphql_on_the_demo);

/// On PostgreSQL too: the export read from the database, the figures served from it.
async fn the_script_agrees_with_graphql_on_the_demo(backend: Backend) {
    let ledger = BackendLedger::create(backend);
    let ledger_args = ledger.serve_args();
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("demo");
    let data_arg = data.to_str().expect("temp paths are UTF-8");
    let demo = Server::start(
        &[&["demo", "--data", data_arg], ledger_args.as_slice()].concat(),
        &dir.path().join("demo.log"),
    );
    assert_eq!(demo.stop(), Some(0));
    let export = export(&data, &ledger_args, dir.path());
    let recomputed = recompute(&export);
    let server = serve(&data, &ledger_args, dir.path()).await;
    let checked = compare(&server.address(), &recomputed, None).await;
    // As of a past position (the ledger in mid-2019), the script reading only that far and
    // `metrics(asOf:)` agree too, and both say which position they counted through.
    let recomputed_then = recompute_with(&export, &["--as-of", &AS_OF.to_string()]);
    let then = compare(&server.address(), &recomputed_then, Some(AS_OF)).await;
    assert!(then.figures > 500, "{then:?}");
    cites_the_latest_checkpoint(&server.address()).await;
    due_times_show_in_rizhao_time(&server.address()).await;
    for category in ["unit_door_replacement", "roof_waterproofing"] {
        traces_agree(&server.address(), &export, category).await;
    }
    // The demo's requests and mediations span 35 months (2018-11 to 2021-09).
    assert!(checked.months >= 35, "{checked:?}");
    assert!(checked.figures > 10_000, "{checked:?}");
    assert_eq!(server.stop(), Some(0));
}

#[tokio::test]
async fn the_script_agrees_with_graphql_on_a_synthetic_ledger_with_revisions() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let data = dir.path().join("data");
    let ledger = data.join("ledger");
    let events_target = std::env::var("GOVLEDGER_RECOMPUTE_EVENTS")
        .ok()
        .and_then(|events| events.parse().ok())
        .unwrap_or(SYNTHETIC_EVENTS);
    let started = std::time::Instant::now();
    tokio::task::spawn_blocking(move || {
        let store = SledStore::open(ledger).expect("a store");
        synthetic::generate(
            &store,
            SyntheticSpec {
                events_target,
                compounds: 6,
                span_days: 2 * 365,
                seed: 19,
                revisions: Revisions::Included,
            },
        )
        .expect("generated");
        store.close().expect("closed");
    })
    .await
    .expect("generated");
    let export = export(&data, &[], dir.path());
    let text = std::fs::read_to_string(&export).expect("the export");
    for turn in [
        "\"RequestMerged\"",
        "\"RequestSentBack\"",
        "\"RequestReopened\"",
        "\"FactCorrected\"",
        "\"CommunityTimeZoneSet\"",
    ] {
        assert!(text.contains(turn), "the synthetic ledger has no {turn}");
    }
    let recomputed = recompute(&export);
    let server = serve(&data, &[], dir.path()).await;
    let checked = compare(&server.address(), &recomputed, None).await;
    assert!(checked.months >= 24, "{checked:?}");
    // Printed for docs/metrics.md's record of the run by hand.
    eprintln!(
        "synthetic ledger of {events_target} events: {checked:?}, {} s",
        started.elapsed().as_secs()
    );
    assert_eq!(server.stop(), Some(0));
}

/// A metrics answer names the latest checkpoint the log signed at or before its position,
/// once the server has signed one; asked `asOf` that checkpoint's size, it answers at it.
async fn cites_the_latest_checkpoint(address: &str) {
    let client = Client::new(address, None);
    let query = "query($asOf: Int64) { metrics(period: { year: 2019 }, asOf: $asOf) {
        position checkpoint { treeSize rootHash } requests { received } } }";
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    let (position, checkpoint) = loop {
        let data = client.data(query, json!({})).await;
        let metrics = &data["metrics"];
        if !metrics["checkpoint"].is_null() {
            break (metrics["position"].as_u64(), metrics["checkpoint"].clone());
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no checkpoint cited"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let size = checkpoint["treeSize"].as_u64().expect("a size");
    assert!(Some(size) <= position, "{checkpoint} after {position:?}");
    let latest = client
        .data(
            "{ checkpoints(first: 1) { nodes { treeSize rootHash } } }",
            json!({}),
        )
        .await;
    assert_eq!(latest["checkpoints"]["nodes"][0], checkpoint);
    let at_checkpoint = client.data(query, json!({ "asOf": size })).await;
    assert_eq!(at_checkpoint["metrics"]["position"], json!(size));
    assert_eq!(at_checkpoint["metrics"]["checkpoint"], checkpoint);
}

const TRACE: &str = "query($eventId: ID!) { decisionTrace(eventId: $eventId) {
  event { ...E } causes { ...E } effects { ...E }
  cases { kind caseId role isOrigin historyIsComplete history { ...E } }
  links { fromKind fromId relation toKind toId }
} }
fragment E on AuditEntry { position eventId eventType occurredAt actorRole hash }";

/// The script's decision trace of a work's completion, rebuilt from the export, equals
/// `decisionTrace`: the same causes, effects, cases (role, origin, history) and links; and
/// its summary names the trace's origins, decisions and the work's inspections.
async fn traces_agree(address: &str, export: &Path, category: &str) {
    let output = Command::new("python3")
        .arg(SCRIPT)
        .arg(export)
        .args(["--trace-work", category])
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "recompute.py --trace-work {category}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let script: Value = serde_json::from_slice(&output.stdout).expect("a JSON trace");
    let event_id = script["event"]["eventId"].clone();
    let api = Client::new(address, None)
        .data(TRACE, json!({ "eventId": event_id }))
        .await["decisionTrace"]
        .clone();
    for list in ["causes", "effects"] {
        assert_eq!(script[list], api[list], "{category}: {list}");
    }
    assert_eq!(script["event"], api["event"], "{category}: event");
    let by_case = |cases: &Value| -> BTreeMap<(String, String), Value> {
        cases
            .as_array()
            .expect("cases")
            .iter()
            .map(|case| {
                let kind = case["kind"].as_str().expect("a kind").to_uppercase();
                let id = case["caseId"].as_str().expect("an id").to_string();
                let mut rest = case.clone();
                if let Some(fields) = rest.as_object_mut() {
                    fields.remove("kind");
                    fields.remove("caseId");
                }
                ((kind, id), rest)
            })
            .collect()
    };
    let (script_cases, api_cases) = (by_case(&script["cases"]), by_case(&api["cases"]));
    assert_eq!(
        script_cases.keys().collect::<Vec<_>>(),
        api_cases.keys().collect::<Vec<_>>(),
        "{category}: the traced cases"
    );
    for (case, traced) in &script_cases {
        assert_eq!(
            Some(traced),
            api_cases.get(case),
            "{category}: case {case:?}"
        );
    }
    let sorted_links = |links: &Value| {
        let mut links: Vec<String> = links
            .as_array()
            .expect("links")
            .iter()
            .map(Value::to_string)
            .collect();
        links.sort();
        links
    };
    assert_eq!(
        sorted_links(&script["links"]),
        sorted_links(&api["links"]),
        "{category}: links"
    );
    // The summary a review reads stands on the same cases.
    let summary = &script["summary"];
    let ids_where = |predicate: &dyn Fn(&(String, String), &Value) -> bool| {
        let mut ids: Vec<String> = api_cases
            .iter()
            .filter(|(case, traced)| predicate(case, traced))
            .map(|((_, id), _)| id.clone())
            .collect();
        ids.sort();
        ids
    };
    let origins: Vec<String> = serde_json::from_value(summary["origins"].clone()).expect("ids");
    assert_eq!(origins, ids_where(&|_, traced| traced["isOrigin"] == true));
    assert!(!origins.is_empty(), "{category}: no origin");
    let decisions: Vec<String> = summary["decisions"]
        .as_array()
        .expect("decisions")
        .iter()
        .map(|d| d["decisionId"].as_str().expect("an id").to_string())
        .collect();
    assert_eq!(decisions, ids_where(&|(kind, _), _| kind == "DECISION"));
    for decision in summary["decisions"].as_array().expect("decisions") {
        assert!(decision["tally"]["participating_heads"].as_u64() > Some(0));
    }
    let work = &summary["works"][0];
    let work_history = &api_cases[&(
        "WORK_PROJECT".to_string(),
        work["workProjectId"].as_str().expect("an id").to_string(),
    )]["history"];
    let inspections = work_history
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| {
            e["eventType"]
                .as_str()
                .is_some_and(|t| t.starts_with("WorkProjectInspection"))
        })
        .count();
    assert_eq!(
        work["inspections"].as_array().map(Vec::len),
        Some(inspections)
    );
    assert!(inspections > 0, "{category}: not inspected");
    assert!(
        work["payments"]["costCents"].as_i64() > Some(0),
        "{category}: {work}"
    );
}

/// The demo community's zone is Asia/Shanghai: a due time shows with its +08:00 offset, the
/// same instant as `dueAt` (UTC).
async fn due_times_show_in_rizhao_time(address: &str) {
    let data = Client::new(address, None)
        .data(
            "{ community { timeZone } cases(filter: { kind: REQUEST }, first: 20) { nodes { dueAt dueAtLocal } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["community"]["timeZone"], "Asia/Shanghai");
    let mut shown = 0;
    for case in data["cases"]["nodes"].as_array().expect("cases") {
        let (Some(utc), Some(local)) = (case["dueAt"].as_str(), case["dueAtLocal"].as_str()) else {
            continue;
        };
        assert!(local.ends_with("+08:00"), "{local}");
        let instant =
            |text: &str| govledger_core::time::Timestamp::parse_rfc3339(text).expect("RFC 3339");
        assert_eq!(instant(utc), instant(local), "{utc} {local}");
        shown += 1;
    }
    assert!(shown > 0, "no due time in {data}");
}

/// `govledger export` of a stopped data directory.
/// `govledger export` of the ledger (`ledger`: `--ledger <url>` on PostgreSQL).
fn export(data: &Path, ledger: &[&str], dir: &Path) -> PathBuf {
    let out = dir.join("export.jsonl");
    let output = run_cli(
        &[
            &[
                "export",
                "--data",
                data.to_str().expect("UTF-8"),
                "--out",
                out.to_str().expect("UTF-8"),
            ],
            ledger,
        ]
        .concat(),
    );
    assert!(
        output.status.success(),
        "export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// The script's figures per (scope, month), e.g. `("organisation:<id>", "2020-05")`.
type Recomputed = BTreeMap<(String, String), Value>;

fn recompute(export: &Path) -> Recomputed {
    recompute_with(export, &[])
}

fn recompute_with(export: &Path, extra: &[&str]) -> Recomputed {
    let output = Command::new("python3")
        .arg(SCRIPT)
        .arg(export)
        .arg("--every-month")
        .args(extra)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "recompute.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let mut figures: Value = serde_json::from_str(line).expect("a JSON line");
            let scope = figures["scope"].as_str().expect("scope").to_string();
            let month = figures["month"].as_str().expect("month").to_string();
            let object = figures.as_object_mut().expect("an object");
            for key in ["scope", "month", "position"] {
                object.remove(key);
            }
            ((scope, month), figures)
        })
        .collect()
}

async fn serve(data: &Path, ledger: &[&str], dir: &Path) -> Server {
    let data_arg = data.to_str().expect("UTF-8");
    let server = Server::start(
        &[&["serve", "--data", data_arg], ledger].concat(),
        &dir.join("serve.log"),
    );
    let deadline = tokio::time::Instant::now() + READY_WITHIN;
    while request(&server.address(), "GET", "/readyz", &[], b"")
        .await
        .status
        != 200
    {
        assert!(tokio::time::Instant::now() < deadline, "not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server
}

#[derive(Debug, Default)]
struct Checked {
    months: usize,
    figures: usize,
}

/// Compares every organisation × month from the first to the last month the script counts
/// in (zeros where it counts nothing), and every other scope and month it counts in; with
/// `as_of`, only the organisations and months the script counts in (each answer folds the
/// ledger again), asked `asOf` that position. Every answer must cite the position it counted through.
async fn compare(address: &str, recomputed: &Recomputed, as_of: Option<u64>) -> Checked {
    let client = Client::new(address, None);
    let months: BTreeSet<&String> = recomputed.keys().map(|(_, month)| month).collect();
    let (first, last) = (
        months.first().expect("a month"),
        months.last().expect("a month"),
    );
    let every_month = month_range(first, last);
    let organisations = client
        .data(
            "{ organisations(first: 100) { nodes { organisationId } } }",
            json!({}),
        )
        .await;
    let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let every_organisation = match as_of {
        None => organisations["organisations"]["nodes"]
            .as_array()
            .expect("organisations")
            .clone(),
        Some(_) => Vec::new(),
    };
    for node in &every_organisation {
        let id = node["organisationId"].as_str().expect("an id");
        scopes
            .entry(format!("organisation:{id}"))
            .or_default()
            .extend(every_month.iter().cloned());
    }
    for (scope, month) in recomputed.keys() {
        if as_of.is_some() && !scope.starts_with("organisation:") {
            continue;
        }
        scopes
            .entry(scope.clone())
            .or_default()
            .insert(month.clone());
    }
    let zero = zero_figures(recomputed);
    let head =
        client.data("{ ledgerHead { position } }", json!({})).await["ledgerHead"]["position"]
            .as_u64()
            .expect("a head");
    let cited = as_of.unwrap_or(head);
    let mut checked = Checked {
        months: every_month.len(),
        figures: 0,
    };
    let mut disagreements = Vec::new();
    for (scope, months) in &scopes {
        let months: Vec<&String> = months.iter().collect();
        for chunk in months.chunks(MONTHS_PER_QUERY) {
            let answers = ask(&client, scope, chunk, as_of).await;
            for (month, mut answer) in chunk.iter().zip(answers) {
                assert_eq!(answer["position"], json!(cited), "{scope} {month}");
                assert_eq!(answer["positionIsExact"], json!(true), "{scope} {month}");
                if let Some(fields) = answer.as_object_mut() {
                    fields.remove("position");
                    fields.remove("positionIsExact");
                }
                let expected = recomputed
                    .get(&(scope.clone(), (*month).clone()))
                    .unwrap_or(&zero);
                checked.figures += differences(expected, &answer, "", &mut |figure, want, got| {
                    disagreements.push(format!(
                        "{scope} {month} {figure}: script {want}, GraphQL {got}"
                    ))
                });
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    checked
}

/// The GraphQL answers of one scope for some months (`2020-05` each).
async fn ask(client: &Client, scope: &str, months: &[&String], as_of: Option<u64>) -> Vec<Value> {
    let as_of = as_of.map_or(String::new(), |position| format!(", asOf: {position}"));
    let scope_input = match scope.split_once(':') {
        None => "{}".to_string(),
        Some(("organisation", id)) => format!("{{ organisationId: \"{id}\" }}"),
        Some(("compound", id)) => format!("{{ compoundId: \"{id}\" }}"),
        Some(("category", name)) => format!("{{ category: \"{name}\" }}"),
        Some(other) => panic!("an unknown scope {other:?}"),
    };
    let fields: String = months
        .iter()
        .enumerate()
        .map(|(index, month)| {
            let (year, month) = month.split_once('-').expect("YYYY-MM");
            let month = month.trim_start_matches('0');
            format!(
                "m{index}: metrics(scope: {scope_input}, period: {{ year: {year}, month: {month} }}{as_of}) {{ position positionIsExact {FIGURES} }}\n"
            )
        })
        .collect();
    let data = client.data(&format!("{{ {fields} }}"), json!({})).await;
    (0..months.len())
        .map(|index| data[format!("m{index}")].clone())
        .collect()
}

/// Calls `disagree` for each leaf of `expected` that `got` answers differently; returns the
/// number of leaves compared.
fn differences(
    expected: &Value,
    got: &Value,
    path: &str,
    disagree: &mut dyn FnMut(&str, &Value, &Value),
) -> usize {
    match expected {
        Value::Object(fields) => fields
            .iter()
            .map(|(name, value)| {
                differences(value, &got[name], &format!("{path}.{name}"), disagree)
            })
            .sum(),
        leaf => {
            let same = match (leaf.as_f64(), got.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => leaf == got,
            };
            if !same {
                disagree(path.trim_start_matches('.'), leaf, got);
            }
            1
        }
    }
}

/// The script's figures for a month it counts nothing in: every count 0, every rate 0/0.
fn zero_figures(recomputed: &Recomputed) -> Value {
    fn zeroed(value: &Value) -> Value {
        match value {
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(name, value)| (name.clone(), zeroed(value)))
                    .collect(),
            ),
            Value::Number(_) => json!(0),
            _ => Value::Null,
        }
    }
    let mut zero = zeroed(recomputed.values().next().expect("figures"));
    for rate in [
        "responseRate",
        "sendBackRate",
        "onTimeClosureRate",
        "resolutionRate",
        "satisfactionRate",
        "reopenRate",
        "duplicateShare",
    ] {
        zero["requests"][rate]["value"] = Value::Null;
    }
    for rate in ["agreementRate", "withinMonthRate", "performanceRate"] {
        zero["mediations"][rate]["value"] = Value::Null;
    }
    zero["requests"]["timeToClose"]["medianSeconds"] = Value::Null;
    zero["requests"]["timeToClose"]["p90Seconds"] = Value::Null;
    zero
}

/// Every `YYYY-MM` from `first` to `last`.
fn month_range(first: &str, last: &str) -> Vec<String> {
    let parse = |text: &str| {
        let (year, month) = text.split_once('-').expect("YYYY-MM");
        (
            year.parse::<i32>().expect("a year"),
            month.parse::<u32>().expect("a month"),
        )
    };
    let (mut year, mut month) = parse(first);
    let end = parse(last);
    let mut months = Vec::new();
    while (year, month) <= end {
        months.push(format!("{year:04}-{month:02}"));
        (year, month) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
    }
    months
}

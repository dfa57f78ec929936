//! The audit explorer at `/` in a real headless Chromium (Debian's `chromium` through
//! `chromedriver`), against the real binary serving the demo ledger: every page loads clean,
//! shows what the API says, verifies the log in the browser and names what a lying server
//! altered; CSV holds the rows shown; the language switch changes every label; the public
//! view shows no resident's name or phone. Screenshots of each page go to
//! `target/tmp/explorer/` (docs/explorer.md shows current ones).

use std::path::PathBuf;

use govledger_core::domain::ids::PersonId;
use govledger_core::domain::role::Role;
use govledger_core::personal_data::{PersonLookup, PersonalDataStore};
use govledger_core::tlog::note::NoteSigner;
use govledger_tests::e2e::tamper::{Tampering, TamperingProxy};
use govledger_tests::e2e::webdriver::{Browser, BrowserOptions};
use govledger_tests::e2e::{Backend, BackendLedger, Client, Server, create_token, request};
use serde_json::json;
use tempfile::TempDir;

/// WebDriver's key codes.
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// The demo served, with its auditor token.
struct Demo {
    /// Stopped before the directory and the database are deleted (fields drop in
    /// declaration order).
    server: Server,
    token: String,
    dir: TempDir,
    _ledger: BackendLedger,
}

impl Demo {
    fn start() -> Demo {
        Demo::start_on(Backend::Sled)
    }

    /// The demo with its ledger on `backend` (`demo --ledger postgres://…` on PostgreSQL).
    fn start_on(backend: Backend) -> Demo {
        let ledger = BackendLedger::create(backend);
        let dir = tempfile::tempdir().expect("a temp dir");
        let data = dir.path().join("demo");
        let data = data.to_str().expect("temp paths are UTF-8");
        let server = Server::start(
            &[&["demo", "--data", data], ledger.serve_args().as_slice()].concat(),
            &dir.path().join("demo.log"),
        );
        let token = server
            .banner_value("auditor token: ")
            .unwrap_or_else(|| panic!("no auditor token in {:?}", server.banner));
        Demo {
            server,
            token,
            dir,
            _ledger: ledger,
        }
    }

    fn auditor(&self) -> Client {
        Client::new(&self.server.address(), Some(&self.token))
    }

    fn public(&self) -> Client {
        Client::new(&self.server.address(), None)
    }

    /// The unit-door work project's id and the requests it answers.
    async fn unit_doors(&self) -> (String, Vec<String>) {
        let found = self
            .public()
            .data(
                "{ cases(filter: { kind: WORK_PROJECT, category: \"unit_door_replacement\" }) {
                     nodes { caseId details { ... on WorkProjectDetails { linkedRequestIds } } } } }",
                json!({}),
            )
            .await;
        let project = &found["cases"]["nodes"][0];
        let requests = project["details"]["linkedRequestIds"]
            .as_array()
            .unwrap_or_else(|| panic!("no requests in {found}"))
            .iter()
            .map(|id| id.as_str().expect("ids are strings").to_string())
            .collect();
        (
            project["caseId"].as_str().expect("an id").to_string(),
            requests,
        )
    }
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("explorer");
    std::fs::create_dir_all(&dir).expect("the screenshots dir");
    dir
}

/// Opens `route` (after `#`) on `base` and waits until its page has rendered.
async fn open(browser: &Browser, base: &str, route: &str) {
    // A fresh load each time: a same-document hash change could be mistaken for the new page.
    browser.goto("about:blank").await;
    browser.goto(&format!("{base}/#/{route}")).await;
    browser
        .wait_until(
            "document.body.dataset.state === 'ready' || document.body.dataset.state === 'error'",
            &format!("#/{route} renders"),
        )
        .await;
    let state = browser
        .execute("return document.body.dataset.state;", json!([]))
        .await;
    assert_eq!(state, "ready", "#/{route}: {}", browser.text("main").await);
}

/// No console error and no failed request so far.
async fn assert_clean(browser: &Browser, page: &str) {
    let errors: Vec<String> = browser
        .console()
        .await
        .into_iter()
        .filter(|entry| entry.level == "SEVERE" || entry.level == "WARNING")
        .map(|entry| format!("{}: {}", entry.level, entry.message))
        .collect();
    assert!(errors.is_empty(), "{page}: console says {errors:#?}");
    let failed = browser.failed_requests().await;
    assert!(failed.is_empty(), "{page}: failed requests {failed:#?}");
}

/// WCAG 2 AA: every visible text has a contrast of at least 4.5:1 with the background it
/// sits on (3:1 when large: 24 px, or 18.66 px bold).
async fn assert_contrast(browser: &Browser, page: &str) {
    let low = browser
        .execute(
            "const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
             const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
               .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
             const background = (e) => {
               for (; e; e = e.parentElement) {
                 const c = rgb(getComputedStyle(e).backgroundColor);
                 if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
               }
               return [255, 255, 255];
             };
             const low = [];
             const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
               const e = node.parentElement;
               if (!node.textContent.trim() || !e.checkVisibility() || e.closest('svg')) continue;
               const s = getComputedStyle(e);
               const [a, b] = [lum(rgb(s.color)), lum(background(e))];
               const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
               const size = parseFloat(s.fontSize);
               const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
               if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)} ${e.tagName} ${node.textContent.trim().slice(0, 40)}`);
             }
             return low;",
            json!([]),
        )
        .await;
    assert_eq!(low, json!([]), "{page}: text below AA contrast");
}

#[tokio::test]
async fn every_page_loads_clean_and_the_public_view_shows_no_personal_data() {
    let demo = Demo::start();
    let (doors, door_requests) = demo.unit_doors().await;
    let browser = Browser::start(BrowserOptions::default()).await;
    let base = demo.server.url.clone();
    let pages = [
        ("ledger", "ledger".to_string()),
        ("cases", "cases".to_string()),
        ("case-work", format!("case/WORK_PROJECT/{doors}")),
        ("case-request", format!("case/REQUEST/{}", door_requests[0])),
        ("trace", format!("trace/WORK_PROJECT/{doors}")),
        ("accountability", "accountability".to_string()),
        ("activity", "activity".to_string()),
    ];
    let mut seen = String::new();
    for (name, route) in &pages {
        open(&browser, &base, route).await;
        assert_clean(&browser, route).await;
        assert_contrast(&browser, route).await;
        browser
            .screenshot(&screenshots_dir().join(format!("{name}.png")))
            .await;
        assert!(
            browser
                .text("#mode")
                .await
                .contains("personal data withheld"),
            "{route} is not in the public view"
        );
        seen.push_str(&browser.text("body").await);
    }
    // The same pages at a phone's width.
    let phone = Browser::start(BrowserOptions {
        width_px: 390,
        height_px: 844,
        ..BrowserOptions::default()
    })
    .await;
    for (name, route) in [
        ("phone-ledger", "ledger".to_string()),
        ("phone-trace", format!("trace/WORK_PROJECT/{doors}")),
    ] {
        open(&phone, &base, &route).await;
        assert_clean(&phone, &route).await;
        let overflow = phone
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                json!([]),
            )
            .await;
        assert_eq!(overflow, 0, "{route} scrolls sideways on a phone");
        phone
            .screenshot(&screenshots_dir().join(format!("{name}.png")))
            .await;
    }

    // Signed in (the token pasted once, kept for the tab): the requester's id appears.
    let request_route = format!("case/REQUEST/{}", door_requests[0]);
    let requester = "document.querySelector('[data-field=requesterId]').innerText";
    open(&browser, &base, &request_route).await;
    assert_eq!(
        browser
            .execute(&format!("return {requester};"), json!([]))
            .await,
        "—",
        "the public view withholds the requester"
    );
    browser.click("details summary").await;
    browser.type_into("#token", &demo.token).await;
    browser.click("#sign-in").await;
    browser
        .wait_until(
            "document.querySelector('#mode.signed-in') && document.body.dataset.state === 'ready'",
            "signed in",
        )
        .await;
    open(&browser, &base, &request_route).await;
    let shown = browser
        .execute(&format!("return {requester};"), json!([]))
        .await;
    assert!(
        shown.as_str().is_some_and(|id| id.len() == 36),
        "signed in, the requester's id shows after a reload: {shown}"
    );
    assert_clean(&browser, "signed in").await;

    // Whose details exist: every requester, read with the auditor's token…
    let requesters = demo
        .auditor()
        .data(
            "{ cases(filter: { kind: REQUEST }, first: 100) {
                 nodes { details { ... on RequestDetails { requesterId } } } } }",
            json!({}),
        )
        .await;
    let person_ids: Vec<String> = requesters["cases"]["nodes"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|c| c["details"]["requesterId"].as_str().map(str::to_string))
        .collect();
    assert!(person_ids.len() >= 10, "{requesters}");
    // …and their names and phones, from the personal-data store once the server has stopped.
    let Demo { server, dir, .. } = demo;
    server.stop();
    let personal = PersonalDataStore::open(dir.path().join("demo").join("personal"))
        .expect("the personal-data store opens");
    let mut checked = 0;
    for id in &person_ids {
        assert!(
            !seen.contains(id.as_str()),
            "the public view shows person {id}"
        );
        let uuid = uuid::Uuid::parse_str(id).expect("person ids are UUIDs");
        if let PersonLookup::Known(details) = personal.get(PersonId(uuid)).expect("a lookup") {
            assert!(
                !seen.contains(&details.name),
                "the public view shows {}",
                details.name
            );
            assert!(
                !seen.contains(&details.phone),
                "the public view shows {}",
                details.phone
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} residents' details found");
}

#[tokio::test]
async fn the_unit_door_trace_and_the_accountability_page_show_what_the_api_says() {
    let demo = Demo::start();
    let (doors, door_requests) = demo.unit_doors().await;
    let browser = Browser::start(BrowserOptions::default()).await;
    let base = demo.server.url.clone();

    open(&browser, &base, &format!("trace/WORK_PROJECT/{doors}")).await;
    let shown = browser
        .execute(
            "const ids = (css) => [...document.querySelectorAll(css)].map((e) => e.dataset.caseId);
             return {
               requests: ids('#trace-requests > ol > li.node'),
               decisions: [...document.querySelectorAll('#trace-decisions li.node')].map((e) => e.innerText),
               tally: [...document.querySelectorAll('#trace-decisions [data-met]')].map((e) => e.dataset.met),
               planned: document.querySelector('[data-planned=UNIT_DOOR]')?.innerText,
               delivered: document.querySelector('[data-delivered=UNIT_DOOR]')?.innerText,
               inspections: [...document.querySelectorAll('#trace-inspections li.node')].map((e) => e.dataset.passed),
               links: [...document.querySelectorAll('#trace a[href^=\"#/case/\"]')].length,
             };",
            json!([]),
        )
        .await;
    let mut requests: Vec<String> = serde_json::from_value(shown["requests"].clone()).expect("ids");
    let mut expected = door_requests.clone();
    requests.sort();
    expected.sort();
    assert_eq!(requests, expected, "the two door requests: {shown}");
    let decisions = shown["decisions"].as_array().expect("decisions");
    assert_eq!(decisions.len(), 1, "{shown}");
    let decision = decisions[0].as_str().expect("text");
    assert!(
        decision.contains("adopted") && decision.contains("ballots"),
        "{decision}"
    );
    assert_eq!(
        shown["tally"],
        json!(["true", "true", "true", "true"]),
        "{shown}"
    );
    assert_eq!(shown["planned"], "16", "{shown}");
    assert_eq!(shown["delivered"], "16", "{shown}");
    assert_eq!(shown["inspections"], json!(["true"]), "{shown}");
    assert!(shown["links"].as_u64().is_some_and(|n| n >= 4), "{shown}");

    // From the decision: every work project it authorised, the unit doors among them.
    let decision = demo
        .public()
        .data(
            "query ($id: ID!) { case(kind: WORK_PROJECT, id: $id) {
               details { ... on WorkProjectDetails { decisionId } } } }",
            json!({ "id": doors }),
        )
        .await;
    let decision = decision["case"]["details"]["decisionId"]
        .as_str()
        .expect("a decision")
        .to_string();
    open(&browser, &base, &format!("trace/DECISION/{decision}")).await;
    let works = browser
        .execute(
            "return [...document.querySelectorAll('#trace-works li.node')].map((e) => e.dataset.caseId);",
            json!([]),
        )
        .await;
    let works: Vec<String> = serde_json::from_value(works).expect("ids");
    assert!(works.len() >= 2 && works.contains(&doors), "{works:?}");

    // The decision's timeline holds every event, one per ballot included (past one page).
    let events = demo
        .public()
        .data(
            "query ($id: ID!) { case(kind: DECISION, id: $id) { eventCount } }",
            json!({ "id": decision }),
        )
        .await;
    open(&browser, &base, &format!("case/DECISION/{decision}")).await;
    let shown = browser
        .execute(
            "return document.querySelectorAll('#timeline li.event').length;",
            json!([]),
        )
        .await;
    assert_eq!(shown, events["case"]["eventCount"]);
    assert!(shown.as_u64().is_some_and(|n| n > 100), "{shown}");

    // The accountability page, by year and by month, against `metrics`.
    let organisations = demo
        .public()
        .data(
            "{ organisations(first: 50) { nodes { organisationId kind } } }",
            json!({}),
        )
        .await;
    let property_company = organisations["organisations"]["nodes"]
        .as_array()
        .expect("organisations")
        .iter()
        .find(|o| o["kind"] == "property_company")
        .and_then(|o| o["organisationId"].as_str())
        .expect("a property company")
        .to_string();
    let views = [
        ("accountability".to_string(), json!({}), None),
        (
            format!("accountability?scope=organisation&of={property_company}&by=month&year=2019"),
            json!({ "organisationId": property_company }),
            Some(2019),
        ),
    ];
    for (route, scope, year) in views {
        open(&browser, &base, &route).await;
        let cells = browser
            .execute(
                "return [...document.querySelectorAll('main > .table-scroll [data-rate]')].map((e) => ({
                   rate: e.dataset.rate, period: e.dataset.period,
                   numerator: Number(e.dataset.numerator), denominator: Number(e.dataset.denominator),
                   text: e.innerText }));",
                json!([]),
            )
            .await;
        let cells = cells.as_array().expect("cells");
        assert!(cells.len() >= 16, "{route}: {cells:?}");
        for cell in cells {
            let period = cell["period"].as_str().expect("a period");
            let period = match year {
                None => json!({ "year": period.parse::<i64>().expect("a year") }),
                Some(year) => {
                    json!({ "year": year, "month": period[5..].parse::<i64>().expect("a month") })
                }
            };
            let rate = cell["rate"].as_str().expect("a rate");
            let metrics = demo
                .public()
                .data(
                    &format!(
                        "query ($scope: MetricsScopeInput!, $period: PeriodInput!) {{
                           metrics(scope: $scope, period: $period) {{ requests {{ {rate} {{ numerator denominator }} }} }} }}"
                    ),
                    json!({ "scope": scope, "period": period }),
                )
                .await;
            let expected = &metrics["metrics"]["requests"][rate];
            assert_eq!(cell["numerator"], expected["numerator"], "{route} {cell}");
            assert_eq!(
                cell["denominator"], expected["denominator"],
                "{route} {cell}"
            );
            let n = format!("n={}", expected["denominator"]);
            assert!(
                cell["text"].as_str().is_some_and(|t| t.contains(&n)),
                "{route}: {cell} shows no {n}"
            );
        }
    }
    // Organisations side by side (the latest year): the property company's row.
    open(&browser, &base, "accountability").await;
    let row = browser
        .execute(
            "const row = document.querySelector(`#by-organisation [data-organisation='${arguments[0]}']`).closest('tr');
             return [...row.querySelectorAll('[data-rate]')].map((e) => [e.dataset.rate, e.dataset.period,
               Number(e.dataset.numerator), Number(e.dataset.denominator)]);",
            json!([property_company]),
        )
        .await;
    let row: Vec<(String, String, u64, u64)> = serde_json::from_value(row).expect("a row");
    assert_eq!(row.len(), 4, "{row:?}");
    for (rate, year, numerator, denominator) in row {
        let metrics = demo
            .public()
            .data(
                &format!(
                    "query ($id: ID!, $year: Int!) {{ metrics(scope: {{ organisationId: $id }}, period: {{ year: $year }}) {{
                       requests {{ {rate} {{ numerator denominator }} }} }} }}"
                ),
                json!({ "id": property_company, "year": year.parse::<i64>().expect("a year") }),
            )
            .await;
        let expected = &metrics["metrics"]["requests"][&rate];
        assert_eq!(
            (json!(numerator), json!(denominator)),
            (
                expected["numerator"].clone(),
                expected["denominator"].clone()
            ),
            "{rate}"
        );
    }
    assert_clean(&browser, "trace and accountability").await;
}

#[tokio::test]
async fn csv_downloads_hold_the_rows_shown_and_the_language_switch_changes_every_label() {
    let demo = Demo::start();
    let browser = Browser::start(BrowserOptions::default()).await;
    let base = demo.server.url.clone();

    open(&browser, &base, "cases?kind=REQUEST&sort=title&order=asc").await;
    let table = browser
        .execute(
            "return { rows: [...document.querySelectorAll('tbody tr')].map((r) => r.cells[0].innerText),
                      total: Number(document.getElementById('case-count').dataset.total) };",
            json!([]),
        )
        .await;
    browser.click("#csv").await;
    let csv = downloaded(&browser, "cases-request.csv").await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("case_id,title,status"), "{}", lines[0]);
    let titles: Vec<String> = lines[1..]
        .iter()
        .map(|line| csv_second_field(line))
        .collect();
    let rows: Vec<String> = serde_json::from_value(table["rows"].clone()).expect("rows");
    assert_eq!(
        Some(titles.len() as u64),
        table["total"].as_u64(),
        "every filtered case"
    );
    assert_eq!(
        titles[..rows.len()],
        rows[..],
        "the page's rows come first, in its order"
    );

    // Filters are the API's: closed requests opened in 2019 (community time, UTC+8).
    open(
        &browser,
        &base,
        "cases?kind=REQUEST&status=closed&from=2019-01-01&before=2020-01-01",
    )
    .await;
    let shown = browser
        .execute(
            "return Number(document.getElementById('case-count').dataset.total);",
            json!([]),
        )
        .await;
    let expected = demo
        .public()
        .data(
            "{ cases(filter: { kind: REQUEST, status: \"closed\", openedFrom: \"2019-01-01T00:00:00+08:00\",
                               openedBefore: \"2020-01-01T00:00:00+08:00\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(shown, expected["cases"]["totalCount"]);
    assert!(shown.as_u64().is_some_and(|n| n > 0), "{shown}");

    open(&browser, &base, "accountability").await;
    let periods = browser
        .execute(
            "return [...document.querySelectorAll('main > .table-scroll tbody tr')].map((r) => r.cells[0].innerText + ',' + r.cells[1].innerText + ',' + r.cells[2].innerText);",
            json!([]),
        )
        .await;
    browser.click("#csv").await;
    let csv = downloaded(&browser, "accountability-community-year.csv").await;
    let rows: Vec<String> = csv
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|line| line.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(json!(rows), periods);

    // Every label follows the language, on every page.
    let (doors, _) = demo.unit_doors().await;
    for route in [
        "ledger".to_string(),
        "cases".to_string(),
        format!("case/WORK_PROJECT/{doors}"),
        format!("trace/WORK_PROJECT/{doors}"),
        "accountability".to_string(),
        "activity".to_string(),
    ] {
        open(&browser, &base, &route).await;
        let english = labels(&browser).await;
        browser.choose("#language", "zh").await;
        browser.wait_until("document.documentElement.lang === 'zh-CN' && document.body.dataset.state === 'ready'", "Chinese").await;
        let chinese = labels(&browser).await;
        if route.starts_with("trace/") {
            browser
                .screenshot(&screenshots_dir().join("trace-zh.png"))
                .await;
        }
        assert!(english.len() >= 8, "{route}: {english:?}");
        assert_eq!(english.len(), chinese.len(), "{route}");
        for ((key, en), (_, zh)) in english.iter().zip(&chinese) {
            assert_ne!(en, zh, "{route}: {key} stays {en:?}");
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{route}: {key} is {zh:?}"
            );
        }
        browser.choose("#language", "en").await;
        browser
            .wait_until(
                "document.documentElement.lang === 'en' && document.body.dataset.state === 'ready'",
                "English",
            )
            .await;
    }
    assert_clean(&browser, "csv and languages").await;

    // A Chinese browser gets Chinese without choosing.
    let chinese = Browser::start(BrowserOptions {
        language: "zh-CN",
        ..BrowserOptions::default()
    })
    .await;
    open(&chinese, &base, "ledger").await;
    assert!(
        chinese.text("nav").await.contains("账本"),
        "{}",
        chinese.text("nav").await
    );
}

/// Every `[data-i18n]` element's key and text (hidden ones too), in document order.
async fn labels(browser: &Browser) -> Vec<(String, String)> {
    let found = browser
        .execute(
            "return [...document.querySelectorAll('[data-i18n]')].map((e) => [e.dataset.i18n, e.textContent.trim()]);",
            json!([]),
        )
        .await;
    serde_json::from_value(found).expect("labels")
}

/// The second field of a CSV line (the title), unquoted.
fn csv_second_field(line: &str) -> String {
    let rest = line
        .split_once(',')
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    if let Some(quoted) = rest.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    out.push('"');
                } else {
                    break;
                }
            } else {
                out.push(c);
            }
        }
        out
    } else {
        rest.split(',').next().unwrap_or_default().to_string()
    }
}

/// Waits for `name` in the browser's downloads and returns it.
async fn downloaded(browser: &Browser, name: &str) -> String {
    let path = browser.downloads_dir().join(name);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(&path)
            && !text.is_empty()
        {
            return text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{name} was not downloaded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Scrolls the verdict into view, for its screenshot.
async fn show_verdict(browser: &Browser) {
    browser
        .execute(
            "document.getElementById('verdict').scrollIntoView({ block: 'center' });",
            json!([]),
        )
        .await;
}

/// The PostgreSQL ledger serves the same tiles and checkpoints (ADR 0024): the page verifies
/// a demo served from the database as it does one served from sled.
#[tokio::test]
async fn verification_in_the_browser_passes_on_a_postgres_ledger() {
    if !govledger_tests::postgres::server_answers("explorer verification on PostgreSQL") {
        return;
    }
    let demo = Demo::start_on(Backend::Postgres);
    let browser = Browser::start(BrowserOptions::default()).await;
    let (verdict, failure, text) = verify_in_browser(&browser, &demo.server.url).await;
    assert_eq!(
        (verdict.as_str(), failure.as_str()),
        ("verified", ""),
        "{text}"
    );
    assert_clean(&browser, "verified on PostgreSQL").await;
}

/// Clicks "verify in this browser" and returns the verdict, its failure code and its text.
async fn verify_in_browser(browser: &Browser, base: &str) -> (String, String, String) {
    open(browser, base, "ledger").await;
    browser.click("#verify").await;
    browser
        .wait_until(
            "document.getElementById('verdict').dataset.verdict",
            "a verdict",
        )
        .await;
    let verdict = browser
        .execute(
            "const v = document.getElementById('verdict');
             return [v.dataset.verdict, v.dataset.failure || '', v.innerText];",
            json!([]),
        )
        .await;
    let verdict: Vec<String> = serde_json::from_value(verdict).expect("a verdict");
    (verdict[0].clone(), verdict[1].clone(), verdict[2].clone())
}

#[tokio::test]
async fn verification_in_the_browser_passes_and_names_an_altered_tile_or_a_foreign_key() {
    let demo = Demo::start();
    let browser = Browser::start(BrowserOptions::default()).await;
    let base = demo.server.url.clone();
    let address = demo.server.address();

    // By keyboard alone: Tab to the button (its focus ring visible), Enter.
    open(&browser, &base, "ledger").await;
    let mut tabs = 0;
    while browser
        .execute("return document.activeElement.id;", json!([]))
        .await
        != "verify"
    {
        tabs += 1;
        assert!(tabs <= 40, "Tab never reaches the verify button");
        browser.press(&[TAB]).await;
    }
    let ring = browser
        .execute(
            "const s = getComputedStyle(document.activeElement);
             return [s.outlineStyle, parseFloat(s.outlineWidth)];",
            json!([]),
        )
        .await;
    assert!(
        ring[0] != "none" && ring[1].as_f64().is_some_and(|w| w >= 2.0),
        "no visible focus: {ring}"
    );
    browser.press(&[ENTER]).await;
    browser
        .wait_until(
            "document.getElementById('verdict').dataset.verdict",
            "a verdict",
        )
        .await;
    let verdict = browser
        .execute(
            "return document.getElementById('verdict').dataset.verdict;",
            json!([]),
        )
        .await;
    assert_eq!(verdict, "verified", "{}", browser.text("#verdict").await);
    show_verdict(&browser).await;
    browser
        .screenshot(&screenshots_dir().join("ledger-verified.png"))
        .await;
    assert_clean(&browser, "verified").await;

    // Checked against a key published elsewhere that is not this log's: refused.
    let served_key = request(&address, "GET", "/tlog/key", &[], b"").await.body;
    let log_name = served_key
        .split('+')
        .next()
        .expect("a key name")
        .to_string();
    let other_key = NoteSigner::new(&log_name, &[9u8; 32])
        .expect("a signer")
        .verifier()
        .to_text();
    open(&browser, &base, "ledger").await;
    browser.type_into("#published-key", &other_key).await;
    browser.click("#verify").await;
    browser
        .wait_until(
            "document.getElementById('verdict').dataset.verdict",
            "a verdict",
        )
        .await;
    let verdict = browser
        .execute(
            "const v = document.getElementById('verdict'); return [v.dataset.verdict, v.dataset.failure];",
            json!([]),
        )
        .await;
    assert_eq!(
        verdict,
        json!(["failed", "signed_by_another_key"]),
        "{}",
        browser.text("#verdict").await
    );

    // One event's inclusion proof, checked in the browser.
    let (doors, _) = demo.unit_doors().await;
    open(&browser, &base, &format!("case/WORK_PROJECT/{doors}")).await;
    browser.click("#timeline li.event button.check").await;
    browser
        .wait_until(
            "document.querySelector('#timeline li.event').dataset.inclusion",
            "an inclusion verdict",
        )
        .await;
    let inclusion = browser
        .execute(
            "return document.querySelector('#timeline li.event').dataset.inclusion;",
            json!([]),
        )
        .await;
    assert_eq!(
        inclusion,
        "verified",
        "{}",
        browser.text("#timeline li.event").await
    );

    // A server that alters one record (in the second entry bundle: positions 257 to 512).
    let altered = TamperingProxy::start(
        address.clone(),
        Tampering::FlipTileByte {
            path: "/tlog/tile/entries/001".into(),
            at: 10,
        },
    )
    .await;
    let (verdict, failure, text) = verify_in_browser(&browser, &altered.url()).await;
    assert_eq!(
        (verdict.as_str(), failure.as_str()),
        ("failed", "entries_altered"),
        "{text}"
    );
    assert!(
        text.contains("/tlog/tile/entries/001") && text.contains("257"),
        "{text}"
    );
    show_verdict(&browser).await;
    browser
        .screenshot(&screenshots_dir().join("ledger-altered-tile.png"))
        .await;

    // A server that serves the same checkpoint signed by another key under the log's name.
    let key = request(&address, "GET", "/tlog/key", &[], b"").await.body;
    let key = key.trim();
    let (name, rest) = key.split_once('+').expect("a verifier key");
    let key_id = rest.split('+').next().expect("a key id");
    let note = request(&address, "GET", "/tlog/checkpoint", &[], b"")
        .await
        .body;
    let text_end = note.rfind("\n\n").expect("a signed note") + 1;
    let forged = NoteSigner::new(name, &[7u8; 32])
        .expect("a signer")
        .sign(&note[..text_end])
        .expect("a signed note");
    let foreign = TamperingProxy::start(
        address.clone(),
        Tampering::ReplaceCheckpoint { note: forged },
    )
    .await;
    let (verdict, failure, text) = verify_in_browser(&browser, &foreign.url()).await;
    assert_eq!(
        (verdict.as_str(), failure.as_str()),
        ("failed", "signed_by_another_key"),
        "{text}"
    );
    assert!(text.contains(key_id), "{text}");
    show_verdict(&browser).await;
    browser
        .screenshot(&screenshots_dir().join("ledger-foreign-key.png"))
        .await;
}

#[tokio::test]
async fn a_correction_is_shown_beside_the_event_it_corrects() {
    let demo = Demo::start();
    let (_, door_requests) = demo.unit_doors().await;
    let request_id = &door_requests[0];
    // A station clerk of the demo corrects the request's description.
    let auditor = demo.auditor();
    let organisations = auditor
        .data(
            "{ organisations(first: 50) { nodes { organisationId kind } } }",
            json!({}),
        )
        .await;
    let station = organisations["organisations"]["nodes"]
        .as_array()
        .expect("organisations")
        .iter()
        .find(|o| o["kind"] == "service_station")
        .and_then(|o| o["organisationId"].as_str())
        .expect("a service station")
        .to_string();
    let members = auditor
        .data(
            "query ($id: ID!) { organisationMembers(organisationId: $id, first: 50) { nodes { accountId role } } }",
            json!({ "id": station }),
        )
        .await;
    let clerk = members["organisationMembers"]["nodes"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["role"] == "station_clerk")
        .and_then(|m| m["accountId"].as_str())
        .expect("a station clerk")
        .to_string();
    let issued = create_token(
        &demo.dir.path().join("demo"),
        uuid::Uuid::parse_str(&clerk).expect("a uuid"),
        Role::StationClerk,
        uuid::Uuid::parse_str(&station).expect("a uuid"),
    );
    let history = auditor
        .data(
            "query ($id: ID!) { caseHistory(kind: REQUEST, id: $id) { nodes { eventId eventType } } }",
            json!({ "id": request_id }),
        )
        .await;
    let received = history["caseHistory"]["nodes"]
        .as_array()
        .expect("history")
        .iter()
        .find(|e| e["eventType"] == "RequestReceived")
        .and_then(|e| e["eventId"].as_str())
        .expect("the request's first event")
        .to_string();
    let corrected = Client::new(&demo.server.address(), Some(&issued.secret))
        .data(
            "mutation ($input: CorrectFactInput!) { correctFact(input: $input) {
               consistency userErrors { message } } }",
            json!({ "input": {
                "target": { "requestId": request_id },
                "correctsEventId": received,
                "reason": "typo in the description",
                "corrected": [{ "description": "The unit entrance door does not close." }],
                "idempotencyKey": "explorer-correction",
            }}),
        )
        .await;
    assert_eq!(
        corrected["correctFact"]["userErrors"],
        json!([]),
        "{corrected}"
    );
    // The read models have it once a query with the consistency token answers.
    auditor
        .data(
            "query ($id: ID!, $c: Int64) { case(kind: REQUEST, id: $id, consistency: $c) { caseId } }",
            json!({ "id": request_id, "c": corrected["correctFact"]["consistency"] }),
        )
        .await;

    let browser = Browser::start(BrowserOptions::default()).await;
    let base = demo.server.url.clone();
    let beside = "document.querySelector('li.event[data-event-type=RequestReceived] .corrections .correction')";
    // Public: beside its event, without its payload.
    open(&browser, &base, &format!("case/REQUEST/{request_id}")).await;
    let shown = browser
        .execute(&format!("return {beside}?.innerText ?? null;"), json!([]))
        .await;
    assert!(
        shown.is_string(),
        "no correction beside the received event: {}",
        browser.text("#timeline").await
    );
    assert_eq!(
        browser
            .execute("return document.querySelectorAll('li.event[data-event-type=FactCorrected]').length;", json!([]))
            .await,
        0,
        "the correction is beside its event, not in its own place"
    );
    // Signed in: with its reason.
    browser.click("details summary").await;
    browser.type_into("#token", &demo.token).await;
    browser.click("#sign-in").await;
    browser
        .wait_until(
            "document.querySelector('#mode.signed-in') && document.body.dataset.state === 'ready'",
            "signed in",
        )
        .await;
    let shown = browser
        .execute(&format!("return {beside}?.innerText ?? '';"), json!([]))
        .await;
    assert!(
        shown
            .as_str()
            .is_some_and(|t| t.contains("typo in the description")),
        "{shown}"
    );
    browser
        .execute(
            &format!("{beside}.scrollIntoView({{ block: 'center' }});"),
            json!([]),
        )
        .await;
    browser
        .screenshot(&screenshots_dir().join("case-correction.png"))
        .await;
    assert_clean(&browser, "correction").await;
}

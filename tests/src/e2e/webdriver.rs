//! A thin W3C WebDriver client (JSON over HTTP, through `http::request`) driving Debian's
//! headless Chromium with `chromedriver`: enough for the explorer's browser tests — open a
//! page, run a script, click, type, take a screenshot, read the console.
//!
//! chromedriver answers `Connection: close` but keeps the socket open, so this client reads
//! a response up to its `Content-Length` rather than to the end of the stream.
//!
//! `.ci/run` installs `chromium` and `chromium-driver` when `/usr/bin/chromedriver` is
//! missing; `GOVLEDGER_CHROMEDRIVER` and `GOVLEDGER_CHROMIUM` point elsewhere.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tempfile::TempDir;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHROMEDRIVER_DEFAULT: &str = "/usr/bin/chromedriver";
const CHROMIUM_DEFAULT: &str = "/usr/bin/chromium";
/// Longest chromedriver may take to answer `/status` after it starts.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);
/// Longest a page may take to reach the state a test waits for (a debug build, 2 cores).
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// What the browser is started with.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// `navigator.language`, e.g. `en-GB` or `zh-CN`.
    pub language: &'static str,
    pub width_px: u32,
    pub height_px: u32,
}

impl Default for BrowserOptions {
    fn default() -> BrowserOptions {
        BrowserOptions {
            language: "en-GB",
            width_px: 1280,
            height_px: 1000,
        }
    }
}

/// One Chromium session behind its own chromedriver; both end when it is dropped.
pub struct Browser {
    driver: Child,
    address: String,
    session: String,
    /// The profile and the downloads.
    profile: TempDir,
}

/// A console message the page logged.
#[derive(Debug, Clone)]
pub struct ConsoleEntry {
    pub level: String,
    pub message: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free local port")
}

impl Browser {
    pub async fn start(options: BrowserOptions) -> Browser {
        let chromedriver = std::env::var("GOVLEDGER_CHROMEDRIVER")
            .unwrap_or_else(|_| CHROMEDRIVER_DEFAULT.to_string());
        let chromium =
            std::env::var("GOVLEDGER_CHROMIUM").unwrap_or_else(|_| CHROMIUM_DEFAULT.to_string());
        assert!(
            Path::new(&chromedriver).exists(),
            "{chromedriver} is missing: apt-get install chromium chromium-driver (.ci/run does)"
        );
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            // Chromium on Linux takes navigator.language from the environment too.
            .env("LANGUAGE", options.language.replace('-', "_"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {chromedriver}: {e}"));
        let profile = tempfile::tempdir().expect("a temp dir");
        let mut browser = Browser {
            driver,
            address: format!("127.0.0.1:{port}"),
            session: String::new(),
            profile,
        };
        browser.wait_for_driver().await;
        let downloads = browser.downloads_dir();
        std::fs::create_dir_all(&downloads).expect("a downloads dir");
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:loggingPrefs": { "browser": "ALL" },
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--no-first-run",
                        format!("--window-size={},{}", options.width_px, options.height_px),
                        format!("--lang={}", options.language),
                        format!("--user-data-dir={}", browser.profile.path().join("profile").display()),
                    ],
                    "prefs": {
                        "intl.accept_languages": options.language,
                        "download.default_directory": downloads.display().to_string(),
                        "download.prompt_for_download": false,
                    },
                },
            }}
        });
        let created = browser.call("POST", "/session", capabilities).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session in {created}"))
            .to_string();
        browser
    }

    async fn wait_for_driver(&self) {
        let deadline = tokio::time::Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Ok((200, _)) = exchange(&self.address, "GET", "/status", "").await {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "chromedriver did not answer within {DRIVER_START_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Where the browser saves downloads.
    pub fn downloads_dir(&self) -> PathBuf {
        self.profile.path().join("downloads")
    }

    /// One WebDriver command; its `value`, or a panic naming the WebDriver error.
    async fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let body = if method == "GET" || method == "DELETE" {
            String::new()
        } else {
            body.to_string()
        };
        let (status, reply) = exchange(&self.address, method, path, &body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let reply: Value = serde_json::from_str(&reply)
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: not JSON ({e}): {reply}"));
        assert_eq!(status, 200, "WebDriver {method} {path} failed: {reply}");
        reply["value"].clone()
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", &self.at("/url"), json!({ "url": url }))
            .await;
    }

    /// Runs `script` (a function body; `arguments` are `args`) and returns what it returns.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            &self.at("/execute/sync"),
            json!({ "script": script, "args": args }),
        )
        .await
    }

    /// Waits until `condition` (an expression) is truthy; panics with `what` after `timeout`.
    pub async fn wait_until(&self, condition: &str, what: &str) {
        let deadline = tokio::time::Instant::now() + PAGE_TIMEOUT;
        let script = format!("return Boolean({condition});");
        loop {
            if self.execute(&script, json!([])).await == Value::Bool(true) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not within {PAGE_TIMEOUT:?}; the page says: {}",
                self.text("body").await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The WebDriver id of the first element matching `css`.
    async fn element(&self, css: &str) -> String {
        let found = self
            .call(
                "POST",
                &self.at("/element"),
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    /// A real click (scrolled into view, hit-tested) on the first match of `css`.
    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.call("POST", &self.at(&format!("/element/{id}/click")), json!({}))
            .await;
    }

    /// Types `text` into the first match of `css`, as keys.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.call(
            "POST",
            &self.at(&format!("/element/{id}/value")),
            json!({ "text": text }),
        )
        .await;
    }

    /// Chooses the `<option>` with `value` in the `<select>` matching `css`, as a user does.
    pub async fn choose(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"))
            .await;
    }

    /// Presses keys as a keyboard does (WebDriver key codes: `\u{E004}` Tab, `\u{E007}` Enter).
    pub async fn press(&self, keys: &[&str]) {
        let actions: Vec<Value> = keys
            .iter()
            .flat_map(|key| {
                [
                    json!({ "type": "keyDown", "value": key }),
                    json!({ "type": "keyUp", "value": key }),
                ]
            })
            .collect();
        self.call(
            "POST",
            &self.at("/actions"),
            json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] }),
        )
        .await;
    }

    /// The rendered text (`innerText`) of the first match of `css`.
    pub async fn text(&self, css: &str) -> String {
        self.execute(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
            json!([css]),
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, path: &Path) {
        let encoded = self.call("GET", &self.at("/screenshot"), json!({})).await;
        let png = STANDARD
            .decode(encoded.as_str().expect("a base64 screenshot"))
            .expect("the screenshot is base64");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    /// Console messages since the last call (chromedriver's log endpoint).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let entries = self
            .call("POST", &self.at("/se/log"), json!({ "type": "browser" }))
            .await;
        entries
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| ConsoleEntry {
                        level: entry["level"].as_str().unwrap_or_default().to_string(),
                        message: entry["message"].as_str().unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Requests of this page that failed (HTTP ≥ 400 or no response), from the resource
    /// timing entries (`responseStatus` is 0 when the request never got an answer).
    pub async fn failed_requests(&self) -> Vec<String> {
        let failed = self
            .execute(
                "return performance.getEntriesByType('resource')
                   .filter((e) => e.responseStatus === 0 || e.responseStatus >= 400)
                   .filter((e) => !e.name.startsWith('blob:') && !e.name.startsWith('data:'))
                   .map((e) => `${e.responseStatus} ${e.name}`);",
                json!([]),
            )
            .await;
        serde_json::from_value(failed).unwrap_or_default()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // Best effort: ends Chromium; killing the driver below ends it anyway.
            let address = self.address.clone();
            let path = format!("/session/{}", self.session);
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    let _ = runtime.block_on(exchange(&address, "DELETE", &path, ""));
                }
            })
            .join();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Largest WebDriver answer read (a full-page screenshot is a few megabytes of base64).
const RESPONSE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// One HTTP/1.1 request to chromedriver; the status and the body, read to `Content-Length`.
async fn exchange(
    address: &str,
    method: &str,
    path: &str,
    body: &str,
) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("sending: {e}"))?;
    let mut raw = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        if let Some(head_end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
            let status = head
                .lines()
                .next()
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|code| code.parse().ok())
                .ok_or_else(|| format!("no status line in {head:?}"))?;
            let length: usize = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .ok_or_else(|| format!("no Content-Length in {head:?}"))?;
            if length > RESPONSE_BYTES_MAX {
                return Err(format!("a {length}-byte answer"));
            }
            if raw.len() >= head_end + 4 + length {
                let body = &raw[head_end + 4..head_end + 4 + length];
                return Ok((status, String::from_utf8_lossy(body).into_owned()));
            }
        }
        let read = stream
            .read(&mut buffer)
            .await
            .map_err(|e| format!("reading: {e}"))?;
        if read == 0 {
            return Err("closed before the whole answer".into());
        }
        raw.extend_from_slice(&buffer[..read]);
    }
}

//! Starting and stopping the real binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

/// Longest the binary may take to print its URL (a debug build building the demo).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// Longest a graceful shutdown may take.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Overrides where the binary is taken from (an installed or separately built `govledger`).
pub const BINARY_ENV: &str = "GOVLEDGER_E2E_BIN";

/// The `govledger` binary under test: `$GOVLEDGER_E2E_BIN`, else `target/<profile>/govledger`
/// next to the directory holding this test executable, brought up to date once per test
/// binary (whatever the number of parallel tests) with `cargo build -p govledger-graphql
/// --bin govledger`: a no-op after `cargo test --workspace`, and no stale binary when only
/// this crate is tested. Without cargo, an existing binary is used as it is.
pub fn binary_path() -> PathBuf {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BINARY.get_or_init(locate_or_build) {
        Ok(path) => path.clone(),
        Err(reason) => panic!("no govledger binary to test: {reason}"),
    }
}

fn locate_or_build() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(BINARY_ENV) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| format!("finding the test executable: {e}"))?;
    // Test executables live in target/<profile>/deps.
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} is not in target/<profile>/deps", exe.display()))?;
    let binary = profile_dir.join(format!("govledger{}", std::env::consts::EXE_SUFFIX));
    match build(profile_dir) {
        Ok(()) => {}
        Err(BuildFailure::CargoMissing(_)) if binary.exists() => return Ok(binary),
        Err(BuildFailure::CargoMissing(reason) | BuildFailure::Failed(reason)) => {
            return Err(reason);
        }
    }
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!("cargo built, yet {} is missing", binary.display()))
    }
}

/// Why the binary could not be built.
enum BuildFailure {
    /// cargo could not be started (the tests run outside cargo).
    CargoMissing(String),
    /// cargo ran and failed (a compile error): never test an old binary then.
    Failed(String),
}

/// `cargo build -p govledger-graphql --bin govledger` into the target directory and profile
/// this test was built with.
fn build(profile_dir: &Path) -> Result<(), BuildFailure> {
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| BuildFailure::Failed(format!("{} has no parent", profile_dir.display())))?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => {
            return Err(BuildFailure::Failed(format!(
                "{} names no profile",
                profile_dir.display()
            )));
        }
    };
    // The cargo running the tests, else the one that built them.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| env!("CARGO").into());
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "govledger-graphql",
            "--bin",
            "govledger",
        ])
        .arg("--profile")
        .arg(profile)
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| BuildFailure::CargoMissing(format!("running cargo: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(BuildFailure::Failed(format!(
            "cargo build of the govledger binary failed: {status}"
        )))
    }
}

/// Runs a one-shot command (`verify`, `token`, `export`…) to completion.
pub fn run_cli(args: &[&str]) -> Output {
    Command::new(binary_path())
        .args(args)
        .env("GOVLEDGER_LOG", "warn")
        // A token in the runner's environment would turn a public report into a role's.
        .env_remove("GOVLEDGER_TOKEN")
        .output()
        .expect("the govledger binary runs")
}

/// A running `govledger serve` or `govledger demo`.
pub struct Server {
    child: Child,
    pub url: String,
    /// Every stdout line printed before the URL (the demo's token is among them).
    pub banner: Vec<String>,
}

impl Server {
    /// Starts `govledger <args…> --listen 127.0.0.1:0` and waits for its URL; the server's
    /// log (denied attempts included) goes to `log`, appended across restarts.
    pub fn start(args: &[&str], log_path: &Path) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log_path)
            .expect("the server log file opens");
        let child = Command::new(binary_path())
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .env("GOVLEDGER_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the govledger binary starts");
        // Owned by a `Server` at once, so a failed start still kills and reaps the child.
        let mut server = Server {
            child,
            url: String::new(),
            banner: Vec::new(),
        };
        let stdout = server.child.stdout.take().expect("stdout is piped");
        let (lines_tx, lines_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let Ok(line) = lines_rx.recv_timeout(START_TIMEOUT) else {
                panic!(
                    "govledger {args:?} printed no URL within {START_TIMEOUT:?}; its log:\n{}",
                    std::fs::read_to_string(log_path).unwrap_or_default()
                );
            };
            if let Some(url) = line.strip_prefix("govledger listening on ") {
                server.url = url.to_string();
                return server;
            }
            server.banner.push(line);
        }
    }

    /// The banner line starting with `prefix`, without it.
    pub fn banner_value(&self, prefix: &str) -> Option<String> {
        self.banner
            .iter()
            .find_map(|line| line.strip_prefix(prefix).map(str::to_string))
    }

    /// `host:port` of the server.
    pub fn address(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status code.
    pub fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + STOP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "govledger did not stop within {STOP_TIMEOUT:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Server {
    /// Sends SIGKILL (no chance to flush or clean up) and reaps the process.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

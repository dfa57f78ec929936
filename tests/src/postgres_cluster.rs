//! A PostgreSQL cluster of a test's own, for tests that restart or crash the server itself
//! (the shared server on `GOVLEDGER_TEST_POSTGRES` serves other tests in parallel and is
//! never restarted). `initdb` into a temp dir, then `postgres` on a free port of 127.0.0.1,
//! its unix socket in the same temp dir, `fsync` on, trust auth for `postgres`. Run as the
//! `postgres` user when the tests run as root (`runuser`), as the current user otherwise.
//! Stopped and deleted on drop.
//!
//! Where the binaries (`pg_config --bindir`, else `/usr/lib/postgresql/<n>/bin`) or, as root,
//! the `postgres` user are missing, `start` prints why the test is skipped and returns `None`,
//! unless `GOVLEDGER_TEST_POSTGRES_REQUIRED=1`, which makes that a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// The operating-system user the cluster runs as when the tests run as root.
const CLUSTER_USER: &str = "postgres";
/// Ports tried for the cluster: below the usual ephemeral range (32768 and up), so no
/// client's outgoing connection takes the port while the cluster is down for a restart.
const PORT_FIRST: u16 = 21_000;
const PORTS_TRIED: u16 = 4_000;
/// Starts tried, each on another port.
const START_ATTEMPTS: u32 = 3;
/// Longest `pg_ctl` waits for the server to start or stop.
const PG_CTL_WAIT_SECONDS: &str = "30";
/// The line of `postgresql.conf` that reads the test's settings.
const INCLUDE_LINE: &str = "include 'govledger.conf'\n";
/// Small settings: the cluster serves one test.
const SERVER_SETTINGS: &[&str] = &[
    "fsync = on",
    "synchronous_commit = on",
    "full_page_writes = on",
    "shared_buffers = '16MB'",
    "max_connections = 40",
    "max_wal_size = '64MB'",
    "listen_addresses = '127.0.0.1'",
];

/// A running cluster of the test's own.
pub struct PrivateCluster {
    bin: PathBuf,
    /// `runuser -u postgres --` as root; empty otherwise.
    run_as: Vec<String>,
    port: u16,
    /// Holds `data/` (the cluster), the socket and `server.log`; deleted last.
    dir: tempfile::TempDir,
}

/// Why a cluster could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin)")]
    NoBinaries,
    #[error("running as root, and there is no `{CLUSTER_USER}` user to run the server as")]
    NoClusterUser,
    #[error("no free port from {PORT_FIRST}")]
    NoFreePort,
    #[error("{what}: {detail}")]
    Command { what: String, detail: String },
}

fn required() -> bool {
    std::env::var("GOVLEDGER_TEST_POSTGRES_REQUIRED").is_ok_and(|value| value == "1")
}

impl PrivateCluster {
    /// A fresh cluster, started; `None` (after saying why) where it cannot be had and none
    /// is required.
    pub fn start(test: &str) -> Option<PrivateCluster> {
        match PrivateCluster::try_start() {
            Ok(cluster) => Some(cluster),
            Err(error) if required() => panic!(
                "{test}: a private PostgreSQL cluster is required \
                 (GOVLEDGER_TEST_POSTGRES_REQUIRED=1): {error}"
            ),
            Err(error) => {
                eprintln!("skipped {test}: no private PostgreSQL cluster ({error})");
                None
            }
        }
    }

    fn try_start() -> Result<PrivateCluster, ClusterError> {
        let bin = server_binaries().ok_or(ClusterError::NoBinaries)?;
        let run_as = run_as()?;
        let dir = tempfile::Builder::new()
            .prefix("govledger-pg-")
            .tempdir()
            .map_err(|error| command_error("making the cluster's temp dir", error))?;
        let mut cluster = PrivateCluster {
            bin,
            run_as,
            port: 0,
            dir,
        };
        if !cluster.run_as.is_empty() {
            let path = cluster.dir.path().to_string_lossy().into_owned();
            run(
                Command::new("chown")
                    .arg(format!("{CLUSTER_USER}:"))
                    .arg(&path),
                "chown of the cluster's temp dir",
            )?;
        }
        let data = cluster.data_dir();
        cluster.run_tool(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                // initdb's own files need no fsync: a crashed initdb is a failed test.
                "--no-sync",
            ],
        )?;
        // Another process may take the port between the check and the start: try another.
        let mut last_error = ClusterError::NoFreePort;
        for _ in 0..START_ATTEMPTS {
            cluster.port = free_port()?;
            cluster.write_settings()?;
            match cluster.pg_ctl(&["start", "-l", &cluster.log_path()]) {
                Ok(()) => return Ok(cluster),
                Err(error) => {
                    last_error = ClusterError::Command {
                        what: error.to_string(),
                        detail: format!("the server's log:\n{}", cluster.log()),
                    }
                }
            }
        }
        cluster.port = 0;
        Err(last_error)
    }

    /// `postgres://postgres@127.0.0.1:<port>/<database>`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The maintenance database's URL.
    pub fn admin_url(&self) -> String {
        self.url("postgres")
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`: every process quits without a
    /// checkpoint, as in a crash; the next start replays the WAL).
    pub fn stop_immediately(&self) {
        self.pg_ctl(&["stop", "-m", "immediate"])
            .unwrap_or_else(|error| panic!("{error}\n{}", self.log()));
    }

    /// Starts the server again after `stop_immediately` (crash recovery first).
    pub fn start_again(&self) {
        self.pg_ctl(&["start", "-l", &self.log_path()])
            .unwrap_or_else(|error| panic!("{error}\n{}", self.log()));
    }

    /// `pg_ctl restart -m immediate`: a crash and a start, back to back.
    pub fn restart_immediately(&self) {
        self.pg_ctl(&["restart", "-m", "immediate", "-l", &self.log_path()])
            .unwrap_or_else(|error| panic!("{error}\n{}", self.log()));
    }

    /// The server's log so far (for a failing test's message).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn log_path(&self) -> String {
        self.dir
            .path()
            .join("server.log")
            .to_string_lossy()
            .into_owned()
    }

    /// The settings and the port go into `govledger.conf`, which `postgresql.conf`
    /// includes, so every start (and `pg_ctl restart`) uses them.
    fn write_settings(&self) -> Result<(), ClusterError> {
        let data = Path::new(&self.data_dir()).to_path_buf();
        let mut settings: Vec<String> = SERVER_SETTINGS
            .iter()
            .map(|setting| setting.to_string())
            .collect();
        settings.push(format!("port = {}", self.port));
        settings.push(format!(
            "unix_socket_directories = '{}'",
            self.dir.path().display()
        ));
        let text: String = settings
            .iter()
            .map(|setting| format!("{setting}\n"))
            .collect();
        std::fs::write(data.join("govledger.conf"), text)
            .map_err(|error| command_error("writing govledger.conf", error))?;
        let main_conf = data.join("postgresql.conf");
        let mut conf = std::fs::read_to_string(&main_conf)
            .map_err(|error| command_error("reading postgresql.conf", error))?;
        if !conf.contains(INCLUDE_LINE) {
            conf.push_str(INCLUDE_LINE);
            // Rewritten in place, the file keeps its owner.
            std::fs::write(&main_conf, conf)
                .map_err(|error| command_error("writing postgresql.conf", error))?;
        }
        Ok(())
    }

    fn pg_ctl(&self, args: &[&str]) -> Result<(), ClusterError> {
        let data = self.data_dir();
        let mut all = vec!["-D", data.as_str(), "-w", "-t", PG_CTL_WAIT_SECONDS];
        all.extend_from_slice(args);
        self.run_tool("pg_ctl", &all)
    }

    /// Runs a server binary as the cluster's user.
    fn run_tool(&self, tool: &str, args: &[&str]) -> Result<(), ClusterError> {
        let binary = self.bin.join(tool);
        let mut command = match self.run_as.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(&binary);
                command
            }
            None => Command::new(&binary),
        };
        command.args(args).current_dir(self.dir.path());
        run(&mut command, &format!("{tool} {}", args.join(" ")))
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        if self.port != 0
            && let Err(error) = self.pg_ctl(&["stop", "-m", "immediate"])
        {
            // Already stopped (a test that failed while it was down) is no error to report.
            if Path::new(&self.data_dir()).join("postmaster.pid").exists() {
                eprintln!("stopping the private PostgreSQL cluster: {error}");
            }
        }
    }
}

/// The directory of `initdb`, `pg_ctl` and `postgres`.
fn server_binaries() -> Option<PathBuf> {
    let has_server = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|tool| dir.join(tool).is_file())
    };
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|dir| has_server(dir)) {
        return Some(dir);
    }
    // Debian installs the server beside, not on, the PATH: the newest version there.
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

/// The command prefix that runs a tool as the cluster's user (`postgres` refuses root).
fn run_as() -> Result<Vec<String>, ClusterError> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|error| command_error("id -u", error))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(Vec::new());
    }
    let user_exists = Command::new("id")
        .arg(CLUSTER_USER)
        .output()
        .is_ok_and(|output| output.status.success());
    if !user_exists {
        return Err(ClusterError::NoClusterUser);
    }
    Ok(["runuser", "-u", CLUSTER_USER, "--"]
        .map(str::to_string)
        .to_vec())
}

/// A port of 127.0.0.1 nobody listens on, starting at a random offset (parallel tests).
fn free_port() -> Result<u16, ClusterError> {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let offset = (std::process::id() as u16)
        .wrapping_mul(7919)
        .wrapping_add(NEXT.fetch_add(101, Ordering::SeqCst))
        % PORTS_TRIED;
    let started = Instant::now();
    for attempt in 0..PORTS_TRIED {
        let port = PORT_FIRST + (offset + attempt) % PORTS_TRIED;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
        if started.elapsed() > Duration::from_secs(5) {
            break;
        }
    }
    Err(ClusterError::NoFreePort)
}

fn run(command: &mut Command, what: &str) -> Result<(), ClusterError> {
    let output: Output = command
        .output()
        .map_err(|error| command_error(what, error))?;
    if output.status.success() {
        return Ok(());
    }
    Err(ClusterError::Command {
        what: what.to_string(),
        detail: format!(
            "{}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    })
}

fn command_error(what: &str, error: std::io::Error) -> ClusterError {
    ClusterError::Command {
        what: what.to_string(),
        detail: error.to_string(),
    }
}

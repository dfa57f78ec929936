//! What every benchmark reports: the machine, latency percentiles, medians across runs, and
//! one JSON line per scenario on stdout.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

/// The machine the numbers came from: CPU model and cores, and the OS.
pub(crate) fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown", |(_, model)| model.trim())
        .to_string();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    json!({
        "cpu_model": cpu_model,
        "cores": cores,
        "os": format!("{} {}", std::env::consts::OS, kernel.trim()),
    })
}

/// Latencies of one measured run, in microseconds, sorted.
pub(crate) struct Latencies(Vec<f64>);

impl Latencies {
    pub(crate) fn new(mut samples: Vec<Duration>) -> Latencies {
        samples.sort_unstable();
        Latencies(samples.iter().map(|d| d.as_secs_f64() * 1e6).collect())
    }

    /// The `quantile` (0..=1) by nearest rank; 0 when there are no samples.
    pub(crate) fn quantile_us(&self, quantile: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let rank = (quantile * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }
}

/// The median of per-run values (the middle one, or the mean of the two middle ones).
pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// Rounds for a readable JSON line.
pub(crate) fn rounded(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// Prints one JSON line on stdout.
pub(crate) fn emit(line: &Value) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// Resets the kernel's peak-RSS mark (`echo 5 > /proc/self/clear_refs`, Linux 4.0+).
pub(crate) fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` of this process, in bytes (0 where /proc is not available).
pub(crate) fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

//! Wall time of the stages of a run and peak memory, for benchmarks: printed to stderr as
//! `timing:` lines when `BAROMETRE_TIMINGS=1` (or `serial`, see [`serial`]). Records
//! nothing otherwise.
//!
//! Owns no policy: callers name their stages; a stage timed twice adds up.

use std::sync::Mutex;
use std::time::{Duration, Instant};

static STAGES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());
static PEAKS: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());

/// True when `BAROMETRE_TIMINGS` is set to something other than empty or `0`.
pub fn enabled() -> bool {
    std::env::var_os("BAROMETRE_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// True when `BAROMETRE_TIMINGS=serial`: the renderers then run one after the other, so
/// that each stage's time is its own, and each stage's peak memory is recorded (the
/// process's high-water mark is reset after each stage, Linux only); for profiling, the
/// edition is the same.
pub fn serial() -> bool {
    std::env::var_os("BAROMETRE_TIMINGS").is_some_and(|v| v == "serial")
}

/// Runs `f` as the stage `name`.
pub fn stage<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    let timer = Timer::start(name);
    let out = f();
    timer.stop();
    out
}

/// Resets the process's high-water mark of resident memory to its current size (writes
/// `5` to `/proc/self/clear_refs`); does nothing where that file is absent.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A running stage, recorded when stopped or dropped.
pub struct Timer {
    name: &'static str,
    start: Instant,
}

impl Timer {
    pub fn start(name: &'static str) -> Timer {
        Timer { name, start: Instant::now() }
    }

    pub fn stop(self) {}
}

impl Drop for Timer {
    fn drop(&mut self) {
        record(self.name, self.start.elapsed());
        if serial() {
            if let Some(kib) = peak_rss_kib() {
                let mut peaks = PEAKS.lock().unwrap_or_else(|e| e.into_inner());
                match peaks.iter_mut().find(|(n, _)| n == self.name) {
                    Some((_, k)) => *k = (*k).max(kib),
                    None => peaks.push((self.name.to_string(), kib)),
                }
            }
            reset_peak_rss();
        }
    }
}

/// Adds `elapsed` to the stage `name` (kept in order of first appearance).
pub fn record(name: &str, elapsed: Duration) {
    if !enabled() {
        return;
    }
    let mut stages = STAGES.lock().unwrap_or_else(|e| e.into_inner());
    match stages.iter_mut().find(|(n, _)| n == name) {
        Some((_, d)) => *d += elapsed,
        None => stages.push((name.to_string(), elapsed)),
    }
}

/// The stages recorded so far, emptied.
pub fn take() -> Vec<(String, Duration)> {
    std::mem::take(&mut *STAGES.lock().unwrap_or_else(|e| e.into_inner()))
}

/// Peak resident memory of this process in KiB (`VmHWM` of `/proc/self/status`; Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The recorded stages, their total and the peak memory as `timing:` lines.
pub fn report(total: Duration) -> String {
    let mut out = String::new();
    for (name, d) in take() {
        out.push_str(&format!("timing: {name:<24} {:>10.1} ms\n", d.as_secs_f64() * 1e3));
    }
    let peaks = std::mem::take(&mut *PEAKS.lock().unwrap_or_else(|e| e.into_inner()));
    for (name, kib) in &peaks {
        let label = format!("peak {name}");
        out.push_str(&format!("timing: {label:<24} {:>10.1} MiB\n", *kib as f64 / 1024.0));
    }
    out.push_str(&format!("timing: {:<24} {:>10.1} ms\n", "total", total.as_secs_f64() * 1e3));
    // Serial runs reset the high-water mark after each stage: the peak is the largest.
    if let Some(kib) = peak_rss_kib().map(|k| peaks.iter().map(|p| p.1).fold(k, u64::max)) {
        out.push_str(&format!("timing: {:<24} {:>10.1} MiB\n", "peak-rss", kib as f64 / 1024.0));
    }
    out
}

/// Prints [`report`] to stderr when timings are enabled.
pub fn print_report(total: Duration) {
    if enabled() {
        crate::console::note_raw(&report(total));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_is_read() {
        assert!(peak_rss_kib().is_some_and(|k| k > 0));
        assert!(report(Duration::from_millis(5)).contains("timing: total"));
    }
}

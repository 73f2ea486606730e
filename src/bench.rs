//! The performance benchmark: the reference city (`scenarios/bench_city.toml`) at a
//! chosen size, with events/s, readings/s, CPU time and peak memory.

use crate::run::{run, QueueKind};
use crate::scenario::{self, LoadError};
use serde::Serialize;

/// The reference model, the same file `citysim run scenarios/bench_city.toml` runs.
pub const BENCH_CITY: &str = include_str!("../scenarios/bench_city.toml");

/// Benchmark size and options.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// Number of sensors.
    pub sensors: u64,
    /// Number of gateways (a square number gives a square grid).
    pub gateways: u64,
    /// Simulated hours.
    pub hours: f64,
    /// Event queue.
    pub queue: QueueKind,
    /// Seed.
    pub seed: u64,
}

/// What a benchmark run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Sensors simulated.
    pub sensors: u64,
    /// Gateways.
    pub gateways: u64,
    /// Simulated hours.
    pub hours: f64,
    /// Queue used.
    pub queue: String,
    /// Events handled.
    pub events: u64,
    /// Readings generated (warm-up included: the benchmark has none).
    pub readings: u64,
    /// Wall time of the event loop, s.
    pub wall_s: f64,
    /// CPU time of the process (user + system), s.
    pub cpu_s: f64,
    /// Wall time to build the city, s.
    pub build_s: f64,
    /// Events per wall second of the event loop.
    pub events_per_s: f64,
    /// Readings per wall second of the event loop.
    pub readings_per_s: f64,
    /// Peak resident memory of the process, bytes.
    pub peak_rss_bytes: u64,
    /// Peak resident memory divided by the number of sensors.
    pub bytes_per_sensor: f64,
}

/// CPU seconds used by this process and its peak resident set, bytes.
pub fn process_usage() -> (f64, u64) {
    // SAFETY: getrusage writes into the zeroed struct we pass and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0;
    if !ok {
        return (f64::NAN, 0);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    // Linux reports kilobytes.
    (cpu, usage.ru_maxrss.max(0) as u64 * 1024)
}

/// Runs the benchmark.
pub fn bench(cfg: &BenchConfig) -> Result<BenchReport, LoadError> {
    let overrides = vec![
        format!("sensors.meter.count={}", cfg.sensors),
        format!("gateways.count={}", cfg.gateways),
        format!("simulation.duration=\"{}s\"", (cfg.hours * 3600.0).round()),
        format!("simulation.seed={}", cfg.seed),
    ];
    let s = scenario::load_str(
        "scenarios/bench_city.toml",
        "bench_city",
        BENCH_CITY,
        &overrides,
    )?;
    let (cpu0, _) = process_usage();
    let (result, timing) = run(&s, 0, cfg.queue, &mut |_| {});
    let (cpu1, rss) = process_usage();
    let readings: u64 = result.buckets.iter().map(|b| b.generated).sum();
    Ok(BenchReport {
        sensors: cfg.sensors,
        gateways: cfg.gateways,
        hours: cfg.hours,
        queue: format!("{:?}", cfg.queue).to_lowercase(),
        events: result.events,
        readings,
        wall_s: timing.simulate_s,
        cpu_s: cpu1 - cpu0,
        build_s: timing.build_s,
        events_per_s: result.events as f64 / timing.simulate_s,
        readings_per_s: readings as f64 / timing.simulate_s,
        peak_rss_bytes: rss,
        bytes_per_sensor: rss as f64 / cfg.sensors.max(1) as f64,
    })
}

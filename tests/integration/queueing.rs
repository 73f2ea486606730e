//! Queueing theory: M/M/1 time in system and Little's law.

use crate::util::batch_ci;
use crate::util::scenario;
use citysim::metrics::RunResult;
use citysim::run::{run, QueueKind};

fn run_mm1(interval: &str, seed: u64) -> RunResult {
    let overrides = vec![
        format!("sensors.arrivals.traffic.interval={interval}"),
        format!("simulation.seed={seed}"),
    ];
    let s = citysim::scenario::load(&scenario("mm1.toml"), &overrides).unwrap();
    run(&s, 0, QueueKind::Radix, &mut |_| {}).0
}

#[test]
fn mm1_mean_time_in_system_matches_theory() {
    let mu = 1000.0;
    for (interval, lambda) in [("2ms", 500.0), ("1.25ms", 800.0)] {
        let r = run_mm1(interval, 11);
        let want_ms = 1000.0 / (mu - lambda);
        let (mean, half, k) = batch_ci(&r);
        assert!(k >= 90, "{k} batches");
        assert!(
            (mean - want_ms).abs() <= half,
            "rho {}: measured {mean:.4} ms +/- {half:.4} (99% CI), theory {want_ms} ms",
            lambda / mu
        );
        // The interval must be tight enough to tell M/M/1 from M/D/1 (W = 1/mu +
        // rho/(2 mu (1 - rho))), i.e. the test can fail for a wrong service law.
        let rho = lambda / mu;
        let md1_ms = 1000.0 * (1.0 / mu + rho / (2.0 * mu * (1.0 - rho)));
        assert!(
            (md1_ms - want_ms).abs() > 3.0 * half,
            "CI too wide to be meaningful"
        );
        // Sojourn times in a FIFO M/M/1 queue are exponential with rate mu - lambda, so
        // the median is ln 2 / (mu - lambda). The histogram's 3 significant digits and
        // 10^6 samples put the estimate well within 3%; LIFO would give a much smaller
        // median (most customers are served at once).
        let p50 = r.classes[0].flow.latency_quantile_ms(0.5);
        let want_p50 = want_ms * std::f64::consts::LN_2;
        assert!(
            (p50 / want_p50 - 1.0).abs() < 0.03,
            "median {p50} vs {want_p50}"
        );
    }
}

#[test]
fn littles_law_holds_at_the_gateway() {
    let r = run_mm1("1.25ms", 3);
    let g = &r.gateways[0].stats;
    let t_ns = (r.duration_ns - r.warmup_ns) as f64;
    let l = g.area_in_system / t_ns;
    let accepted = (g.arrivals - g.overflow) as f64;
    let lambda = accepted / t_ns;
    let w = g.sojourn_sum_ns as f64 / g.sojourn_count as f64;
    // L and lambda W are measured on the same sample path; they differ only by the
    // customers straddling the start and end of the window (a handful, each a few ms,
    // against an area of ~8000 customer-seconds), so they agree to far better than 0.2%.
    assert!(
        (l / (lambda * w) - 1.0).abs() < 2e-3,
        "L = {l}, lambda W = {}",
        lambda * w
    );
    // And both match the M/M/1 value rho / (1 - rho) = 4 within the batch-means error.
    assert!((l - 4.0).abs() < 0.4, "L = {l}");
    // The server is busy a fraction rho of the time.
    let util = g.area_busy / t_ns;
    assert!((util - 0.8).abs() < 0.01, "utilisation {util}");
}

//! Traffic that looks like a city: daily profiles, priorities, threshold alarms.

use crate::util::*;

/// 200 sensors over two days with hourly buckets.
fn profiled(kind: &str, profile: &str) -> String {
    format!(
        r#"
name = "profile"
[simulation]
duration = "2d"
bucket = "1h"
[[sensors]]
name = "counter"
count = 200
traffic = {{ kind = "{kind}", interval = "1min" }}
payload = "10B"
profile = {profile}
"#
    )
}

/// Generated readings per hour, from timeseries.csv.
fn hourly(text: &str) -> Vec<f64> {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "p.toml", text);
    let o = citysim(dir.path(), &["run", &f, "--out", "p", "-q", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("p/timeseries.csv"));
    assert_eq!(rows.len(), 48);
    rows.iter()
        .map(|r| cell::<f64>(&h, r, "generated"))
        .collect()
}

#[test]
fn poisson_hourly_counts_follow_the_profile() {
    // The named profile, normalised to mean 1, from the scenario schema.
    let raw = citysim::scenario::PROFILES
        .iter()
        .find(|p| p.0 == "commute")
        .unwrap()
        .1;
    let mean = raw.iter().sum::<f64>() / 24.0;
    let counts = hourly(&profiled("poisson", "\"commute\""));
    // Each hour's count is Poisson with mean 200 sensors x 60 readings x m(h): the
    // chi-square statistic over 48 hours must stay below its 99.9% point (84.04).
    let mut chi2 = 0.0;
    for (i, &c) in counts.iter().enumerate() {
        let want = 200.0 * 60.0 * raw[i % 24] / mean;
        chi2 += (c - want).powi(2) / want;
    }
    eprintln!("chi-square {chi2:.1} (48 dof)");
    assert!(chi2 < 84.04, "chi-square {chi2}");
    // And the profile matters: a flat rate would be far off.
    let flat: f64 = counts.iter().map(|c| (c - 12000.0).powi(2) / 12000.0).sum();
    assert!(flat > 1000.0, "{flat}");
}

#[test]
fn periodic_hourly_counts_follow_a_custom_table() {
    // Silent at night, four times the rate from 8:00 to 10:00.
    let mut m = vec!["1".to_string(); 24];
    for v in m.iter_mut().take(6) {
        *v = "0".into();
    }
    m[8] = "4".into();
    m[9] = "4".into();
    let counts = hourly(&profiled("periodic", &format!("[{}]", m.join(", "))));
    for (i, &c) in counts.iter().enumerate() {
        let want: f64 = 200.0 * 60.0 * m[i % 24].parse::<f64>().unwrap();
        // Periodic readings: each sensor's count in an hour is off by at most one.
        assert!(
            (c - want).abs() <= 200.0,
            "hour {i}: {c} readings, want {want}"
        );
    }
}

#[test]
fn bad_profiles_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for (profile, traffic) in [
        ("\"rush\"", "poisson"),
        ("[1, 2, 3]", "poisson"),
        ("\"commute\"", "bursty\", on = \"1min\", off = \"5min"),
    ] {
        let text = profiled(traffic, profile);
        let f = write(dir.path(), "bad.toml", &text);
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{profile}: {}", o.stderr);
        assert!(o.stderr.contains("sensors.counter.profile"), "{}", o.stderr);
    }
}

/// Two Poisson classes into one exponential server (mean 1 ms): `alarm` (high
/// priority) offering `rho_high`, `bulk` (low) offering `rho_low`.
fn two_priorities(rho_high: f64, rho_low: f64, queue: &str) -> String {
    // 100 sensors per class: interval = 100 ms / rho.
    format!(
        r#"
name = "prio"
[simulation]
duration = "2min"
warmup = "5s"
[[sensors]]
name = "alarm"
count = 100
traffic = {{ kind = "poisson", interval = "{hi:.6}ms" }}
payload = "10B"
priority = "high"
[[sensors]]
name = "bulk"
count = 100
traffic = {{ kind = "poisson", interval = "{lo:.6}ms" }}
payload = "10B"
priority = "low"
[gateways]
count = 1
servers = 1
service_time = {{ dist = "exponential", mean = "1ms" }}
queue = {queue}
"#,
        hi = 100.0 / rho_high,
        lo = 100.0 / rho_low,
    )
}

#[test]
fn priority_queueing_matches_cobhams_formula() {
    use citysim::run::{run, QueueKind};
    use citysim::stats::mean_ci;
    // Non-preemptive priority M/M/1 (Cobham 1954): with R = sum(lambda_i E[S^2] / 2) =
    // rho / mu, the high class waits R / (1 - rho1) and the low class
    // R / ((1 - rho1)(1 - rho1 - rho2)); add the 1 ms service for the sojourn.
    let (r1, r2) = (0.3, 0.5);
    let r = (r1 + r2) * 1.0;
    let want_hi = r / (1.0 - r1) + 1.0;
    let want_lo = r / ((1.0 - r1) * (1.0 - r1 - r2)) + 1.0;
    let s =
        citysim::scenario::load_str("p.toml", "p", &two_priorities(r1, r2, "\"unlimited\""), &[])
            .unwrap();
    let (mut hi, mut lo) = (Vec::new(), Vec::new());
    for rep in 0..16 {
        let res = run(&s, rep, QueueKind::Radix, &mut |_| {}).0;
        hi.push(res.classes[0].flow.latency_mean_ms());
        lo.push(res.classes[1].flow.latency_mean_ms());
        // The priority table agrees with the classes.
        assert_eq!(res.priorities[0].delivered, res.classes[0].flow.delivered);
        assert_eq!(res.priorities[2].delivered, res.classes[1].flow.delivered);
    }
    // Replications are independent: 99.9% Student-t intervals must cover the formula.
    for (name, v, want) in [("high", &hi, want_hi), ("low", &lo, want_lo)] {
        let (m, half) = mean_ci(v, 0.999);
        eprintln!("{name}: {m:.4} +/- {half:.4} ms, Cobham {want:.4} ms");
        assert!((m - want).abs() <= half, "{name}: {m} +/- {half} vs {want}");
    }
    // The intervals are narrow enough to tell the classes (and FIFO's 5 ms) apart.
    let (m_lo, h_lo) = mean_ci(&lo, 0.999);
    assert!(h_lo < 0.5, "{h_lo}");
    let fifo = r / (1.0 - r1 - r2) + 1.0;
    assert!(
        (m_lo - fifo).abs() > h_lo,
        "low {m_lo} +/- {h_lo} vs FIFO {fifo}"
    );
}

#[test]
fn under_overload_alarms_keep_their_latency_and_delivery() {
    // 120% offered load, a waiting room of 50: the low class absorbs the overload.
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "p.toml", &two_priorities(0.3, 0.9, "50"));
    let o = citysim(dir.path(), &["run", &f, "--out", "p", "-q", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("p/priorities.csv"));
    assert_eq!(rows.len(), 3);
    let get = |i: usize, c: &str| cell::<f64>(&h, &rows[i], c);
    assert!(get(0, "latency_p99_ms") < get(2, "latency_mean_ms"));
    assert!(
        get(0, "delivery_ratio") > 0.999,
        "{}",
        get(0, "delivery_ratio")
    );
    assert!(get(2, "delivery_ratio") < 0.9);
    assert_eq!(get(1, "generated"), 0.0);
}

#[test]
fn threshold_sensors_send_at_the_upcrossing_rate() {
    use citysim::run::{run, QueueKind};
    use citysim::stats::mean_ci;
    // A stationary Gaussian AR(1) value with lag-one correlation rho, sampled every
    // minute: it rises through its mean with probability P(X < 0 <= Y) for a standard
    // bivariate normal pair, arccos(rho) / (2 pi) per sample.
    let rho: f64 = 0.9;
    let text = r#"
name = "threshold"
[simulation]
duration = "1d"
[[sensors]]
name = "water_level"
count = 200
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
threshold = { level = 0.0, correlation = 0.9, sd = 2.0 }
priority = "high"
"#;
    let s = citysim::scenario::load_str("t.toml", "t", text, &[]).unwrap();
    let samples = 200.0 * 1439.0; // the first sample of each sensor cannot cross
    let rates: Vec<f64> = (0..6)
        .map(|r| {
            let res = run(&s, r, QueueKind::Radix, &mut |_| {}).0;
            assert_eq!(res.priorities[0].generated, res.total().generated);
            res.total().generated as f64 / samples
        })
        .collect();
    let want = rho.acos() / (2.0 * std::f64::consts::PI);
    let (m, half) = mean_ci(&rates, 0.999);
    eprintln!("up-crossings per sample {m:.5} +/- {half:.5}, closed form {want:.5}");
    assert!((m - want).abs() <= half, "{m} +/- {half} vs {want}");
    assert!(half < 0.1 * want);
}

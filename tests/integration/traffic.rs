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
    for h in 0..6 {
        m[h] = "0".into();
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
        assert!(o.stderr.contains("sensors.0.profile"), "{}", o.stderr);
    }
}

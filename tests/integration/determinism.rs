//! Same scenario and seed: byte-identical files (wall-clock values aside).

use crate::util::*;

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("quickstart.toml");
    let sc = sc.to_str().unwrap();
    for (out, seed) in [("a", "5"), ("b", "5"), ("c", "6")] {
        let o = citysim(
            dir.path(),
            &["run", sc, "--out", out, "--seed", seed, "--quiet"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let a = fingerprint(&dir.path().join("a"));
    let b = fingerprint(&dir.path().join("b"));
    let c = fingerprint(&dir.path().join("c"));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between two runs with the same seed");
    }
    let differs = |name: &str| {
        let i = a.iter().position(|f| f.0 == name).unwrap();
        a[i].1 != c[i].1
    };
    assert!(differs("summary.csv") && differs("classes.csv") && differs("timeseries.csv"));
}

#[test]
fn both_queues_give_identical_results() {
    use citysim::run::{run, QueueKind};
    let s = citysim::scenario::load(&scenario("quickstart.toml"), &[]).unwrap();
    let (a, _) = run(&s, 0, QueueKind::Radix, &mut |_| {});
    let (b, _) = run(&s, 0, QueueKind::Binary, &mut |_| {});
    assert_eq!(a.events, b.events);
    assert_eq!(
        citysim::output::summary_row(&a)[..16],
        citysim::output::summary_row(&b)[..16]
    );
    for (x, y) in a.buckets.iter().zip(&b.buckets) {
        assert_eq!(
            (x.generated, x.delivered, x.latency_sum_ns),
            (y.generated, y.delivered, y.latency_sum_ns)
        );
    }
}

/// Two classes on access networks and gateways of their own: what one class does
/// cannot reach the other, so adding a sensor to the first must leave the second's
/// results, sensor by sensor, exactly as they were (issue 11: sensor streams are keyed
/// by class and index within the class, not by the global sensor number).
fn two_independent_classes(first_count: u32) -> String {
    format!(
        r#"
name = "independent"
[simulation]
duration = "2h"
seed = 9
[city]
width = "2km"
height = "2km"
[[access]]
name = "wired"
latency = {{ dist = "exponential", mean = "20ms" }}
loss = 0.05
[[access]]
name = "radio"
latency = {{ dist = "uniform", min = "20ms", max = "60ms" }}
lora = {{ sf = "auto", duty_cycle = "1%" }}
[[sensors]]
name = "first"
count = {first_count}
traffic = {{ kind = "poisson", interval = "1min" }}
payload = "20B"
access = "wired"
[[sensors]]
name = "second"
count = 50
traffic = {{ kind = "periodic", interval = "2min", jitter = "30s" }}
payload = "12B"
access = "radio"
mobility = {{ kind = "random_waypoint", speed = "5m/s", pause = "1min" }}
energy = {{ battery = "2400mAh" }}
[[gateways]]
name = "wired_gw"
count = 2
access = ["wired"]
service_time = {{ dist = "exponential", mean = "5ms" }}
[[gateways]]
name = "radio_gw"
count = 4
access = ["radio"]
service_time = {{ dist = "exponential", mean = "5ms" }}
[[nodes]]
name = "cloud"
sink = true
[[links]]
name = "wired_up"
from = "wired_gw"
to = "cloud"
latency = {{ dist = "constant", value = "10ms" }}
[[links]]
name = "radio_up"
from = "radio_gw"
to = "cloud"
latency = {{ dist = "constant", value = "10ms" }}
"#
    )
}

#[test]
fn issue_11_adding_a_sensor_to_one_class_leaves_the_others_draws_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for (i, n) in [100, 101].into_iter().enumerate() {
        let f = write(
            dir.path(),
            &format!("s{i}.toml"),
            &two_independent_classes(n),
        );
        let out = format!("o{i}");
        let o = citysim(
            dir.path(),
            &[
                "run",
                &f,
                "--out",
                &out,
                "-q",
                "--no-report",
                "--per-sensor",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (h, classes) = read_csv(&dir.path().join(&out).join("classes.csv"));
        let second = classes.iter().find(|r| r[0] == "second").unwrap().clone();
        let first: u64 = cell(&h, &classes[0], "generated");
        let (sh, sensors) = read_csv(&dir.path().join(&out).join("sensors.csv"));
        let ci = sh.iter().position(|c| c == "class").unwrap();
        // Sensors are numbered across classes: all but the number must be the same.
        let second_sensors: Vec<Vec<String>> = sensors
            .into_iter()
            .filter(|r| r[ci] == "second")
            .map(|r| r[1..].to_vec())
            .collect();
        rows.push((first, second, second_sensors));
    }
    assert_ne!(rows[0].0, rows[1].0, "the first class changed");
    assert!(rows[0].1.iter().any(|v| v != "0"), "{:?}", rows[0].1);
    assert_eq!(rows[0].1, rows[1].1, "the second class's results changed");
    assert_eq!(rows[0].2.len(), 50);
    assert_eq!(rows[0].2, rows[1].2, "the second class's sensors changed");
}

#[test]
fn issue_17_a_run_gives_the_same_bytes_on_one_thread_and_on_four() {
    // Each LoRa sensor's links to the gateways in range are computed in parallel
    // before the run: what the run finds must not depend on how many threads did it.
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("lorawan_district.toml");
    let sc = sc.to_str().unwrap();
    for (out, threads) in [("one", "1"), ("four", "4")] {
        let o = citysim(
            dir.path(),
            &[
                "run",
                sc,
                "--out",
                out,
                "--threads",
                threads,
                "--quiet",
                "--no-report",
                "--set",
                "simulation.duration=2h",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let a = fingerprint(&dir.path().join("one"));
    let b = fingerprint(&dir.path().join("four"));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} differs between 1 and 4 threads");
    }
}

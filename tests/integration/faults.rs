//! Faults: a gateway outage loses exactly the readings with no alternative.

use crate::util::*;

/// Two gateways 800 m apart. "west" sensors hear only gw-0; "middle" sensors hear both.
/// Readings every minute, no jitter, instant hops: nothing is in flight at the edges.
const TWO_GATEWAYS: &str = r#"
name = "outage"
[simulation]
duration = "3h"
bucket = "5min"
[city]
width = "1000m"
height = "1000m"
[[access]]
name = "radio"
range = "450m"
[[sensors]]
name = "west"
placement = { kind = "explicit", positions = [[50, 500], [60, 510], [70, 490], [80, 500], [90, 520], [100, 480], [110, 500], [120, 505], [130, 495], [140, 500]] }
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
[[sensors]]
name = "middle"
placement = { kind = "explicit", positions = [[500, 500], [500, 510], [500, 490], [510, 500], [490, 500]] }
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
[gateways]
count = 2
placement = { kind = "explicit", positions = [[100, 500], [900, 500]] }
[[faults]]
target = "gw-0"
start = "1h"
duration = "30min"
"#;

#[test]
fn a_gateway_outage_loses_exactly_the_readings_without_an_alternative() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "o.toml", TWO_GATEWAYS);
    let o = citysim(dir.path(), &["run", &f, "--out", "o", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("o/classes.csv"));
    let by = |class: &str, col: &str| -> u64 {
        let r = rows.iter().find(|r| r[0] == class).unwrap();
        cell(&h, r, col)
    };
    // 10 west sensors x 30 readings in the 30-minute outage, nothing else.
    assert_eq!(by("west", "dropped_node_down"), 300);
    assert_eq!(by("west", "delivered"), by("west", "generated") - 300);
    // The middle sensors re-attach to gw-1: nothing lost.
    assert_eq!(by("middle", "dropped_node_down"), 0);
    assert_eq!(by("middle", "delivered"), by("middle", "generated"));
    // Before, during and after: 75 deliveries per 5-minute bucket, 25 during, 75 again.
    let (th, ts) = read_csv(&dir.path().join("o/timeseries.csv"));
    let delivered = |i: usize| cell::<u64>(&th, &ts[i], "delivered");
    assert_eq!(delivered(6), 75, "before (30-35 min)");
    assert_eq!(delivered(14), 25, "during (70-75 min)");
    assert_eq!(delivered(24), 75, "after the repair (120-125 min)");
}

#[test]
fn random_failures_come_and_go() {
    let dir = tempfile::tempdir().unwrap();
    let text = TWO_GATEWAYS.replace(
        "start = \"1h\"\nduration = \"30min\"",
        "mtbf = \"20min\"\nmttr = \"10min\"",
    );
    let f = write(dir.path(), "r.toml", &text);
    let o = citysim(
        dir.path(),
        &[
            "run",
            &f,
            "--out",
            "r",
            "-q",
            "--set",
            "simulation.duration=2d",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("r/classes.csv"));
    let west = rows.iter().find(|r| r[0] == "west").unwrap();
    // Down a third of the time on average (10 / (20 + 10)). Over 2 days (about 96
    // up-down cycles of exponential lengths) the delta method gives the down share a
    // standard deviation near 0.032, so +/- 0.1 is about 3 standard deviations.
    let share = cell::<f64>(&h, west, "dropped_node_down") / cell::<f64>(&h, west, "generated");
    assert!((share - 1.0 / 3.0).abs() < 0.1, "lost share {share}");
}

#[test]
fn faults_on_things_that_do_not_exist_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, needle) in [
        ("target = \"gw-0\"", "target = \"gw-7\"", "faults.0.target"),
        (
            "target = \"gw-0\"",
            "target = \"tower\"",
            "no gateway, gateway group, node, link or sensor class named \"tower\"",
        ),
        ("start = \"1h\"", "start = \"5h\"", "faults.0.start"),
        (
            "duration = \"30min\"",
            "duration = \"0s\"",
            "faults.0.duration",
        ),
    ] {
        let f = write(dir.path(), "bad.toml", &TWO_GATEWAYS.replace(from, to));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
}

#[test]
fn a_sensor_class_outage_loses_its_readings_only() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "c.toml",
        &TWO_GATEWAYS.replace("target = \"gw-0\"", "target = \"middle\""),
    );
    let o = citysim(dir.path(), &["run", &f, "--out", "c", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("c/classes.csv"));
    let by = |class: &str| {
        cell::<u64>(
            &h,
            rows.iter().find(|r| r[0] == class).unwrap(),
            "dropped_node_down",
        )
    };
    assert_eq!(by("middle"), 5 * 30, "5 sensors x 30 readings");
    assert_eq!(by("west"), 0);
}

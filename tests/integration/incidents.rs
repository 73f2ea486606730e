//! Area incidents: surges of readings in a region, and alarm bursts.

use crate::util::*;

/// "west" sensors in the west, "east" sensors in the east; one gateway each side.
const CITY: &str = r#"
name = "incident"
[simulation]
duration = "3h"
[city]
width = "1000m"
height = "1000m"
[[sensors]]
name = "west"
placement = { kind = "explicit", positions = [[50, 500], [60, 510], [70, 490], [80, 500], [90, 520], [100, 480], [110, 500], [120, 505], [130, 495], [140, 500]] }
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
[[sensors]]
name = "east"
placement = { kind = "explicit", positions = [[900, 500], [910, 510], [920, 490]] }
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
[gateways]
count = 2
placement = { kind = "explicit", positions = [[100, 500], [900, 500]] }
[[incidents]]
name = "flood"
region = { kind = "rectangle", x0 = "0m", y0 = "400m", x1 = "300m", y1 = "600m" }
start = "1h"
duration = "30min"
"#;

fn generated(dir: &std::path::Path, text: &str) -> (u64, u64) {
    let f = write(dir, "i.toml", text);
    let o = citysim(dir, &["run", &f, "--out", "i", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.join("i/classes.csv"));
    let by = |c: &str| cell::<u64>(&h, rows.iter().find(|r| r[0] == c).unwrap(), "generated");
    (by("west"), by("east"))
}

#[test]
fn a_surge_adds_exactly_its_readings_in_the_region() {
    let dir = tempfile::tempdir().unwrap();
    // Every 10 s for 30 min from a phase in [0, 10 s): exactly 180 extra readings each.
    let (west, east) = generated(dir.path(), &format!("{CITY}interval = \"10s\"\n"));
    assert_eq!(west, 10 * 180 + 10 * 180);
    assert_eq!(east, 3 * 180, "outside the region nothing changes");
}

#[test]
fn alarms_come_once_per_sensor_within_the_spread() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{CITY}alarms = {{ spread = \"30s\" }}\n")
        .replace("duration = \"3h\"", "duration = \"3h\"\nbucket = \"30s\"");
    let (west, _) = generated(dir.path(), &text);
    assert_eq!(west, 10 * 180 + 10);
    // All 10 alarms fall in the 30 s bucket that starts with the incident.
    let (h, rows) = read_csv(&dir.path().join("i/timeseries.csv"));
    let at = rows
        .iter()
        .position(|r| cell::<f64>(&h, r, "time_s") == 3600.0)
        .unwrap();
    let normal: u64 = cell(&h, &rows[at - 2], "generated");
    let burst: u64 = cell(&h, &rows[at], "generated");
    assert_eq!(
        burst,
        normal + 10,
        "bucket before: {normal}, incident bucket: {burst}"
    );
}

#[test]
fn a_rate_multiplier_scales_the_rate() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("{CITY}rate_multiplier = 3\n").replace("duration = \"30min\"", "duration = \"1h\"");
    let (west, _) = generated(dir.path(), &text);
    // Tripled for an hour: 2 x 60 extra readings per sensor on average, Poisson: 1200
    // extra in all, standard deviation about 35; allow 4 of them.
    let extra = west as i64 - 1800;
    assert!((extra - 1200).abs() < 140, "extra readings {extra}");
}

#[test]
fn bad_incidents_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (add, needle) in [
        (
            "interval = \"10s\"\nclasses = [\"south\"]\n",
            "no sensor class named \"south\"",
        ),
        ("interval = \"10s\"\nrate_multiplier = 2\n", "not both"),
        ("", "needs `interval`, `rate_multiplier` or `alarms`"),
        ("rate_multiplier = 0.5\n", "incidents.flood.rate_multiplier"),
    ] {
        let f = write(dir.path(), "bad.toml", &format!("{CITY}{add}"));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{add}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{add}: {}", o.stderr);
    }
    let text = format!("{CITY}interval = \"10s\"\n")
        .replace("x0 = \"0m\"", "x0 = \"5km\"")
        .replace("x1 = \"300m\"", "x1 = \"6km\"");
    let f = write(dir.path(), "bad.toml", &text);
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("incidents.flood.region") && o.stderr.contains("outside the city"),
        "{}",
        o.stderr
    );
}

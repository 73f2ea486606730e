//! Mobile sensors: they re-attach as they move.

use crate::util::*;

/// Buses shuttling between two gateways 800 m apart at 10 m/s; each gateway reaches
/// 300 m, leaving a 200 m gap in the middle of the 800 m route.
const SHUTTLE: &str = r#"
name = "shuttle"
[simulation]
duration = "2h"
[city]
width = "1000m"
height = "1000m"
[[access]]
name = "radio"
range = "300m"
[[sensors]]
name = "bus"
domain = "logistics"
count = 8
traffic = { kind = "periodic", interval = "10s" }
payload = "20B"
mobility = { kind = "route", route = [[100, 500], [900, 500]], speed = "36km/h" }
[gateways]
count = 2
placement = { kind = "explicit", positions = [[100, 500], [900, 500]] }
"#;

#[test]
fn buses_switch_gateways_and_lose_readings_only_in_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "s.toml", SHUTTLE);
    let o = citysim(dir.path(), &["run", &f, "--out", "s", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("s/classes.csv"));
    let generated: f64 = cell(&h, &rows[0], "generated");
    let gap: f64 = cell(&h, &rows[0], "dropped_no_route");
    // At constant speed a bus spends 200 / 800 of its time in the gap; over 2 h (90
    // legs each) the share of readings lost there is 1/4 up to the legs' ends.
    assert!(
        (gap / generated - 0.25).abs() < 0.03,
        "lost share {}",
        gap / generated
    );
    let (gh, gws) = read_csv(&dir.path().join("s/gateways.csv"));
    for g in &gws {
        let arrivals: f64 = cell(&gh, g, "arrivals");
        assert!(arrivals > 0.3 * generated, "{} carried {arrivals}", g[0]);
    }
}

#[test]
fn bad_mobility_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, needle) in [
        (
            "speed = \"36km/h\"",
            "speed = \"fast\"",
            "sensors.bus.mobility.speed",
        ),
        (
            "[[100, 500], [900, 500]]",
            "[[100, 500]]",
            "sensors.bus.mobility.route",
        ),
        (
            "[[100, 500], [900, 500]]",
            "[[100, 500], [9000, 500]]",
            "outside the city",
        ),
        (
            "kind = \"route\"",
            "kind = \"teleport\"",
            "sensors.bus.mobility.kind",
        ),
    ] {
        let f = write(dir.path(), "bad.toml", &SHUTTLE.replace(from, to));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
}

/// One NB-IoT cell at the west end of a 2 km street, without shadowing: a meter 10 m
/// from it is in CE0 (under 120 dB of coupling loss), one 1,980 m away in CE1.
const NB_STREET: &str = r#"
name = "nb_street"
[simulation]
duration = "1h"
[city]
width = "2000m"
height = "500m"
[[access]]
name = "nb"
cellular = { kind = "nbiot", shadowing = "0dB", ce_levels = ["120dB", "140dB", "200dB"] }
[gateways]
count = 1
placement = { kind = "explicit", positions = [[10, 250]] }
[[sensors]]
name = "van"
domain = "logistics"
count = 1
traffic = { kind = "periodic", interval = "10s" }
payload = "24B"
mobility = { kind = "route", route = [[20, 250], [1990, 250]], speed = "36km/h" }
"#;

#[test]
fn a_device_moving_within_its_cell_changes_coverage_level_as_it_goes() {
    // A moving device keeps its cell, so only its position can tell that its coupling
    // loss changed: a device that stays put keeps the loss it was first given.
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "s.toml", NB_STREET);
    let o = citysim(dir.path(), &["run", &f, "--out", "s", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("s/cells.csv"));
    let ce0: f64 = cell(&h, &rows[0], "readings_ce0");
    let ce1: f64 = cell(&h, &rows[0], "readings_ce1");
    // Near the cell for part of each 197 s leg, far for the rest.
    assert!(ce0 > 20.0 && ce1 > 20.0, "CE0 {ce0}, CE1 {ce1}");
}

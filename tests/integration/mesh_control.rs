//! What a mesh's routers spend: their radios' energy, always listening when up, and the
//! routing control traffic they send (Zigbee link status, RPL DIOs on a trickle timer).

use crate::util::*;
use citysim::run::{run, QueueKind};

/// A sensor at 0 m whose readings go through relay-0 (70 m) and relay-1 (140 m) to the
/// gateway (210 m), one every 10 s for 3 h; relay-1 fails from 1 h to 1 h 30. `mesh`:
/// extra keys of the mesh table; `relays`: extra keys of the relay group.
fn chain(mesh: &str, relays: &str) -> String {
    format!(
        r#"
name = "chain"
[simulation]
duration = "3h"
[city]
width = "300m"
height = "20m"
[[access]]
name = "zigbee"
mesh = {{ exponent = 2.8, shadowing = "0dB", routing = "etx"{mesh} }}
[[relays]]
name = "relay"
count = 2
placement = {{ kind = "explicit", positions = [["70m", "10m"], ["140m", "10m"]] }}
{relays}
[[sensors]]
name = "end"
count = 1
placement = {{ kind = "explicit", positions = [["0m", "10m"]] }}
traffic = {{ kind = "periodic", interval = "10s" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["210m", "10m"]] }}
[[faults]]
target = "relay-1"
start = "1h"
duration = "30min"
"#
    )
}

#[test]
fn issue_15_a_relay_listens_whenever_it_is_up_and_its_battery_says_how_long_it_lasts() {
    let text = chain(", link_status = \"0s\"", "battery = \"19000mAh\"");
    let s = citysim::scenario::load_str("chain.toml", "chain", &text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let measured = r.measured_s();
    let (data_s, ack_s) = ((20.0 + 17.0) * 32e-6, 11.0 * 32e-6);
    for (x, down_s) in [(&r.relays[0], 0.0), (&r.relays[1], 1800.0)] {
        // Up the whole run but for its outage, sending or listening.
        assert!(
            (x.tx_s + x.listen_s - (measured - down_s)).abs() < 1e-6,
            "{}: {} + {} s against {} s up",
            x.name,
            x.tx_s,
            x.listen_s,
            measured - down_s
        );
        // It sent every frame it forwarded (up to 1 + 3 times) and acknowledged every
        // frame it took on.
        let least = x.forwarded as f64 * data_s + x.received as f64 * ack_s;
        assert!(x.forwarded > 500, "{} forwarded {}", x.name, x.forwarded);
        assert!(
            x.tx_s >= least - 1e-9 && x.tx_s <= 4.0 * least,
            "{}: sent {} s, at least {least} s",
            x.name,
            x.tx_s
        );
        // CC2420 currents: 17.4 mA sending, 18.8 mA listening.
        let charge = 0.0174 * x.tx_s + 0.0188 * x.listen_s;
        assert!((x.charge_c - charge).abs() < 1e-9 * charge, "{}", x.name);
        let life = 19.0 * 3600.0 / (charge / measured);
        let got = x.battery_life_s.unwrap();
        assert!((got - life).abs() < 1e-9 * life, "{got} against {life}");
    }
    // About 42 days on a D cell: the run says so, and the file has it.
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "chain.toml", &text);
    let out = citysim(d.path(), &["run", &f, "--out", "o", "--no-report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("2 of 2 battery-powered relays last under a year"),
        "{}",
        out.stdout
    );
    let (h, rows) = read_csv(&d.path().join("o/relays.csv"));
    let days: f64 = cell(&h, &rows[0], "battery_life_days");
    assert!((days - r.relays[0].battery_life_s.unwrap() / 86_400.0).abs() < 0.05);
    // Mains-powered relays (the default) have no battery life and no warning.
    let text = chain("", "");
    let s = citysim::scenario::load_str("chain.toml", "chain", &text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    assert!(r.relays.iter().all(|x| x.battery_life_s.is_none()));
    assert!(r.relays.iter().all(|x| x.charge_c > 0.0));
}

#[test]
fn issue_15_a_mesh_sensor_draws_its_mesh_radios_currents_unless_its_class_says_otherwise() {
    let with = |energy: &str, mesh: &str| {
        let text = chain(mesh, "").replace(
            "payload = \"20B\"",
            &format!("payload = \"20B\"\nenergy = {{ {energy} }}"),
        );
        let s = citysim::scenario::load_str("chain.toml", "chain", &text, &[]).unwrap();
        let e = s.sensors[0].energy.clone().unwrap();
        (e.tx_a, e.rx_a)
    };
    // The CC2420's 17.4 and 18.8 mA, not a LoRa radio's 40 and 11 mA.
    assert_eq!(with("", ""), (0.0174, 0.0188));
    assert_eq!(
        with("", ", tx_current = \"25mA\", rx_current = \"20mA\""),
        (0.025, 0.020)
    );
    assert_eq!(with("tx_current = \"30mA\"", ""), (0.030, 0.0188));
}

//! What a mesh's routers spend: their radios' energy, always listening when up, and the
//! routing control traffic they send (Zigbee link status, RPL DIOs on a trickle timer).

use crate::util::*;
use citysim::run::{run, QueueKind};

/// A sensor at 0 m whose readings go through relay-0 (70 m) and relay-1 (140 m) to the
/// gateway (210 m), one every 10 s for 3 h; relay-1 fails from 1 h to 1 h 30. `mesh`:
/// extra keys of the mesh table; `relays`: extra keys of the relay group.
pub(crate) fn chain(mesh: &str, relays: &str) -> String {
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

/// The trickle schedule from a reset, with Imin `imin` s and Imax `imax` s, over `l`
/// seconds: the fewest and the most DIOs it can send without suppression (the one
/// interval cut by the segment's end may have fired or not).
fn trickle_count(imin: f64, imax: f64, l: f64) -> (u64, u64) {
    let (mut start, mut i, mut least, mut most) = (0.0, imin, 0, 0);
    while start + i / 2.0 < l {
        most += 1;
        if start + i <= l {
            least += 1;
        }
        start += i;
        i = (2.0 * i).min(imax);
    }
    (least, most)
}

#[test]
fn issue_15_rpl_dios_keep_the_trickle_schedule_and_restart_it_after_an_outage() {
    // Imin 1 s, Imax 16 s, no suppression: every router sends at each interval's point.
    let rpl =
        ", control = \"rpl\", dio_interval_min = \"1s\", dio_doublings = 4, dio_redundancy = 0";
    let text = chain(rpl, "");
    let s = citysim::scenario::load_str("chain.toml", "chain", &text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let count = |l: f64| trickle_count(1.0, 16.0, l);
    // relay-1 fails from 3,600 s to 5,400 s: relay-0 loses its next hop at 3,600 s and
    // gets it back at 5,400 s, resetting its timer each time; relay-1 sends nothing while
    // down and restarts when it comes back.
    let segments = |ls: &[f64]| {
        ls.iter().fold((0, 0), |(a, b), &l| {
            let (x, y) = count(l);
            (a + x, b + y)
        })
    };
    let relay0 = segments(&[3600.0, 1800.0, 5400.0]);
    let relay1 = segments(&[3600.0, 5400.0]);
    for (x, (least, most)) in [(&r.relays[0], relay0), (&r.relays[1], relay1)] {
        assert!(
            (least..=most).contains(&x.control_sent),
            "{}: {} DIOs, the schedule allows {least} to {most}",
            x.name,
            x.control_sent
        );
        assert_eq!(x.suppressed, 0);
    }
    // Without the outage relay-0 keeps one schedule, with fewer DIOs.
    let calm = text.split("[[faults]]").next().unwrap();
    let s = citysim::scenario::load_str("chain.toml", "chain", calm, &[]).unwrap();
    let quiet = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let (least, most) = count(10_800.0);
    let sent = quiet.relays[0].control_sent;
    assert!((least..=most).contains(&sent), "{sent}: {least} to {most}");
    assert!(sent < r.relays[0].control_sent);
    // The file has them.
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "chain.toml", &text);
    let out = citysim(d.path(), &["run", &f, "--out", "o", "--no-report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (h, rows) = read_csv(&d.path().join("o/relays.csv"));
    let sent: u64 = cell(&h, &rows[0], "control_sent");
    assert_eq!(sent, r.relays[0].control_sent);
}

/// `n` relays and a gateway within 40 m of each other (every router hears every
/// other), a sensor reading every 30 s, for 3 h, with mesh keys `mesh`.
fn clique(n: u32, mesh: &str) -> String {
    let positions: Vec<String> = (0..n)
        .map(|i| format!("[\"{}m\", \"{}m\"]", 10 + 6 * i, 10 + 4 * (i % 3)))
        .collect();
    format!(
        r#"
name = "clique"
[simulation]
duration = "3h"
[city]
width = "60m"
height = "30m"
[[access]]
name = "thread"
mesh = {{ exponent = 2.8, shadowing = "0dB"{mesh} }}
[[relays]]
name = "relay"
count = {n}
placement = {{ kind = "explicit", positions = [{}] }}
[[sensors]]
name = "end"
count = 1
placement = {{ kind = "explicit", positions = [["5m", "5m"]] }}
traffic = {{ kind = "periodic", interval = "30s" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["30m", "25m"]] }}
"#,
        positions.join(", ")
    )
}

#[test]
fn issue_15_with_k_1_a_clique_of_routers_sends_one_dio_per_interval() {
    // All six routers start their timers together and never reset, so their intervals
    // stay aligned: in each, the first to reach its point sends and the others, having
    // heard it, suppress theirs (k = 1). A second DIO goes out only when another point
    // falls within the first's few milliseconds on the air, which is rare.
    let rpl = ", control = \"rpl\", dio_interval_min = \"1s\", dio_doublings = 4";
    let text = clique(5, &format!("{rpl}, dio_redundancy = 1"));
    let s = citysim::scenario::load_str("clique.toml", "clique", &text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let (least, most) = trickle_count(1.0, 16.0, 10_800.0);
    // The gateway's DIOs are not in relays.csv: take the intervals' totals from the
    // routers' sent and suppressed points, the gateway's sent ones by difference.
    let sent: u64 = r.relays.iter().map(|x| x.control_sent).sum();
    let suppressed: u64 = r.relays.iter().map(|x| x.suppressed).sum();
    // Each relay reached (least..=most) points: sent or suppressed.
    assert!(
        (5 * least..=5 * most).contains(&(sent + suppressed)),
        "{sent} + {suppressed}"
    );
    // One DIO per interval among six routers: the relays send at most every interval's
    // one (when the gateway's point is not first), and about five sixths of them.
    // Which router is first is uniform: the relays' count is Binomial(intervals, 5/6),
    // within 4 sd, plus the rare second DIO of an interval (under 5% of them).
    let (mean, sd) = (least as f64 * 5.0 / 6.0, (least as f64 * 5.0 / 36.0).sqrt());
    let got = sent as f64;
    assert!(
        got >= mean - 4.0 * sd && got <= mean + 4.0 * sd + 0.05 * most as f64,
        "{sent} DIOs from the relays for {least} intervals (mean {mean:.0}, sd {sd:.1})"
    );
    // Without suppression every router sends at every point.
    let text = clique(5, &format!("{rpl}, dio_redundancy = 0"));
    let s = citysim::scenario::load_str("clique.toml", "clique", &text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let sent: u64 = r.relays.iter().map(|x| x.control_sent).sum();
    assert!((5 * least..=5 * most).contains(&sent), "{sent}");
}

#[test]
fn issue_15_control_keys_of_the_other_kind_are_named() {
    let bad = [
        (
            ", dio_redundancy = 3",
            "`dio_redundancy` belongs to control = \"rpl\"",
        ),
        (
            ", control = \"rpl\", link_status = \"30s\"",
            "`link_status` belongs to control = \"link_status\"",
        ),
        (", control = \"ripple\"", "\"link_status\""),
        (
            ", control = \"rpl\", dio_interval_min = \"0s\"",
            "above zero",
        ),
    ];
    for (mesh, want) in bad {
        let text = chain(mesh, "");
        let e = citysim::scenario::load_str("chain.toml", "chain", &text, &[])
            .err()
            .unwrap_or_else(|| panic!("{mesh} was accepted"));
        let msg = e.to_string();
        assert!(msg.contains(want), "{mesh}: {msg}");
        assert!(msg.contains("chain.toml:"), "{msg}");
    }
}

//! LoRa access against closed forms: pure ALOHA, and bad radio settings.

use crate::util::*;
use citysim::run::{run, QueueKind};
use citysim::stats::mean_ci;

/// Time on air of an uplink carrying `payload` application bytes at `sf` (125 kHz, CR
/// 4/5, 8-symbol preamble, explicit header, CRC) with LoRaWAN's 13 bytes around them.
fn uplink_s(sf: u8, payload: u32) -> f64 {
    citysim::model::LoraTx {
        sf,
        bw_hz: 125e3,
        cr: 1,
        preamble: 8,
        explicit_header: true,
        crc: true,
    }
    .time_on_air_s(payload + 13)
}

/// 100 sensors around one gateway, one channel, SF7, no capture, no duty cycle: a pure
/// ALOHA channel. A 20-byte reading is a 33-byte frame, 71.936 ms on air.
fn aloha(g: f64) -> String {
    let toa = uplink_s(7, 20);
    let interval = 100.0 * toa / g;
    format!(
        r#"
name = "aloha"
[simulation]
duration = "{duration}s"
warmup = "2s"
[city]
width = "50m"
height = "50m"
[[access]]
name = "lora"
lora = {{ sf = 7, channels = 1, capture_threshold = "1000dB", demodulators = 100000, duty_cycle = "none", shadowing = "0dB" }}
[[sensors]]
name = "node"
count = 100
traffic = {{ kind = "poisson", interval = "{interval:.6}s" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "grid" }}
"#,
        // About 20,000 frames per replication.
        duration = (20000.0 * toa / g).round(),
    )
}

#[test]
fn pure_aloha_delivers_e_to_the_minus_2g() {
    // No capture under the SINR rules, and the "aloha" rule set itself.
    let rule_sets = [
        |g| aloha(g),
        |g| aloha(g).replace("capture_threshold = \"1000dB\"", "collision = \"aloha\""),
    ];
    for (g, text) in [0.1, 0.5, 1.0]
        .into_iter()
        .flat_map(|g| rule_sets.iter().map(move |f| (g, f(g))))
    {
        let s = citysim::scenario::load_str("aloha.toml", "aloha", &text, &[]).unwrap();
        let ratios: Vec<f64> = (0..10)
            .map(|r| {
                run(&s, r, QueueKind::Radix, &mut |_| {})
                    .0
                    .total()
                    .delivery_ratio()
            })
            .collect();
        // Replications are independent: a 99.9% Student-t interval (9 degrees of
        // freedom) around their mean must cover the closed form.
        let (mean, half) = mean_ci(&ratios, 0.999);
        eprintln!(
            "G = {g}: delivery {mean:.4} +/- {half:.4}, e^-2G = {:.4}",
            (-2.0 * g).exp()
        );
        let want = (-2.0 * g).exp();
        assert!(
            (mean - want).abs() <= half,
            "G = {g}: delivery {mean:.4} +/- {half:.4}, ALOHA says {want:.4}"
        );
        // And the interval is narrow enough to tell pure from slotted ALOHA (e^-G).
        assert!(
            half < ((-g).exp() - want) / 3.0,
            "G = {g}: interval too wide ({half})"
        );
    }
}

#[test]
fn bad_radio_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let base = aloha(0.5);
    for (from, to, needle) in [
        ("sf = 7", "sf = 13", "access.lora.lora.sf"),
        (
            "duty_cycle = \"none\"",
            "duty_cycle = 2",
            "access.lora.lora.duty_cycle",
        ),
        (
            "channels = 1",
            "channels = 1, tx_power = \"-3dBm\"",
            "access.lora.lora.tx_power",
        ),
        (
            "channels = 1",
            "channels = 1, bandwidth = \"100kHz\"",
            "access.lora.lora.bandwidth",
        ),
        (
            "channels = 1",
            "channels = 1, coding_rate = \"4/9\"",
            "access.lora.lora.coding_rate",
        ),
        (
            "channels = 1",
            "channels = 1, spreading = 7",
            "access.lora.lora.spreading",
        ),
        (
            "channels = 1",
            "channels = 1, region = \"AU915\"",
            "access.lora.lora.region",
        ),
        (
            "sf = 7",
            "sf = 12, region = \"US915\"",
            "SF12/125kHz is not an uplink data rate in US915",
        ),
        (
            "sf = 7",
            "sf = 11, region = \"US915\"",
            "access.lora.lora.sf",
        ),
        (
            "payload = \"20B\"",
            "payload = \"60B\"",
            "sensors.node.payload",
        ),
        (
            "payload = \"20B\"",
            "payload = \"60B\"",
            "over the 51B that EU868 DR0 (SF12/125kHz) carries",
        ),
        (
            "payload = \"20B\"",
            "payload = \"243B\"",
            "with the 13B LoRaWAN overhead (lora.mac_overhead) a LoRa frame carries at most 255B",
        ),
        (
            "payload = \"20B\"",
            "payload = \"243B\"\n# no overhead",
            "over the 242B that any EU868 data rate at 125kHz carries",
        ),
        (
            "payload = \"20B\"",
            "payload = \"20B\"\nindoor = 1.5",
            "sensors.node.indoor",
        ),
        (
            "payload = \"20B\"",
            "payload = \"20B\"\nindoor = 0.5\nbuilding = \"igloo\"",
            "sensors.node.building",
        ),
        (
            "channels = 1",
            "channels = 1, pl0 = \"100dB\"",
            "`pl0` sets the log-distance model; add propagation = \"log-distance\"",
        ),
        (
            "channels = 1",
            "channels = 1, environment = \"open\"",
            "`environment` applies to propagation = \"okumura-hata\"",
        ),
        (
            "channels = 1",
            "channels = 1, propagation = \"cost231-hata\", environment = \"open\"",
            "COST-231 Hata has no open-area correction",
        ),
        (
            "channels = 1",
            "channels = 1, propagation = \"friis\"",
            "access.lora.lora.propagation",
        ),
        (
            "channels = 1",
            "channels = 1, gateway_height = \"0m\"",
            "access.lora.lora.gateway_height",
        ),
        (
            "shadowing = \"0dB\"",
            "shadowing = \"-2dB\"",
            "access.lora.lora.shadowing",
        ),
        (
            "channels = 1",
            "channels = 1, collision = \"ns3\"",
            "access.lora.lora.collision",
        ),
        (
            "channels = 1",
            "channels = 1, sf_isolation = \"strong\"",
            "access.lora.lora.sf_isolation",
        ),
        (
            "capture_threshold = \"1000dB\"",
            "collision = \"aloha\", capture_threshold = \"6dB\"",
            "`capture_threshold` has no effect with this collision rule set",
        ),
    ] {
        let base = if to.contains("60B") {
            base.replace("sf = 7,", "sf = 12,")
        } else if to.contains("no overhead") {
            base.replace("sf = 7,", "sf = \"auto\", mac_overhead = \"0B\",")
        } else if to.contains("243B") {
            base.replace("sf = 7,", "sf = \"auto\",")
        } else {
            base.clone()
        };
        let f = write(dir.path(), "bad.toml", &base.replace(from, to));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
}

#[test]
fn the_lorawan_district_runs_and_accounts_for_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let o = citysim(
        dir.path(),
        &[
            "run",
            scenario("lorawan_district.toml").to_str().unwrap(),
            "--out",
            "lw",
            "-q",
            "--set",
            "simulation.duration=2h",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("lw/summary.csv"));
    let generated: u64 = cell(&h, &rows[0], "generated");
    let accounted: u64 = h
        .iter()
        .filter(|c| c.starts_with("dropped_") || *c == "delivered" || *c == "in_flight")
        .map(|c| cell::<u64>(&h, &rows[0], c))
        .sum();
    assert_eq!(generated, accounted);
    assert!(
        cell::<u64>(&h, &rows[0], "dropped_interference") > 0,
        "a busy channel collides"
    );
    assert!(cell::<f64>(&h, &rows[0], "delivery_ratio") > 0.8);
}

#[test]
fn confirmed_uplinks_retransmit_and_deliver_more() {
    // A light ALOHA channel, G = 0.01 (about 640 frames an hour): unconfirmed, a frame
    // survives with e^-0.02 = 0.980. Confirmed with up to 3 retransmissions, a reading
    // is lost only when all four tries collide.
    let base = aloha(0.01);
    let confirmed = base.replace(
        "shadowing = \"0dB\" }",
        "shadowing = \"0dB\", confirmed = true, retries = 3 }",
    );
    let mut ratios = Vec::new();
    for text in [&base, &confirmed] {
        let s = citysim::scenario::load_str("c.toml", "c", text, &[]).unwrap();
        let total = run(&s, 0, QueueKind::Radix, &mut |_| {}).0.total();
        ratios.push((
            total.delivery_ratio(),
            total.retransmissions,
            total.generated,
        ));
    }
    let ((plain, plain_rt, n), (conf, conf_rt, generated)) = (ratios[0], ratios[1]);
    assert_eq!(plain_rt, 0, "unconfirmed uplinks never retransmit");
    // About 20,000 frames: binomial standard error of the loss about 0.001.
    let se = ((1.0 - plain) * plain / n as f64).sqrt();
    assert!(
        (plain - (-0.02f64).exp()).abs() < 4.0 * se,
        "unconfirmed {plain}"
    );
    assert!(
        conf > 0.999,
        "confirmed delivery {conf:.4} (unconfirmed {plain:.4})"
    );
    // Every first try that collided is sent again; so is every one that arrived but
    // found the gateway's downlink duty cycle spent (the device cannot tell).
    let per_reading = conf_rt as f64 / generated as f64;
    assert!(
        per_reading >= (1.0 - plain) - 4.0 * se,
        "{per_reading} retransmissions per reading, first tries lost {}",
        1.0 - plain
    );
}

#[test]
fn a_gateways_duty_cycle_caps_its_acknowledgements() {
    // G = 0.1 is about 6,400 frames an hour at one gateway. An acknowledgement (12 B)
    // goes in RX1 at the uplink's SF7 under a 1% duty cycle, else in RX2 at SF12 under
    // 10%: at most 0.01 x 3600 / ToA(SF7) + 0.1 x 3600 / ToA(SF12) an hour. The rest go
    // unacknowledged, and their devices send them again.
    let confirmed = aloha(0.1).replace(
        "shadowing = \"0dB\" }",
        "shadowing = \"0dB\", confirmed = true, retries = 3 }",
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "c.toml", &confirmed);
    let o = citysim(dir.path(), &["run", &f, "--out", "c", "-q", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let toa = |sf: u8| {
        citysim::model::LoraTx {
            sf,
            bw_hz: 125e3,
            cr: 1,
            preamble: 8,
            explicit_header: true,
            crc: false,
        }
        .time_on_air_s(12)
    };
    let (sh, srows) = read_csv(&dir.path().join("c/summary.csv"));
    let hours = cell::<f64>(&sh, &srows[0], "duration_s") / 3600.0;
    let cap = (0.01 * 3600.0 / toa(7) + 0.1 * 3600.0 / toa(12)) * hours;
    let (h, rows) = read_csv(&dir.path().join("c/gateways.csv"));
    let sent: f64 = cell(&h, &rows[0], "downlinks");
    // Never above the cap. And at least what RX1 alone must send: after each RX1
    // acknowledgement the band is closed for ToA / 1%, then the next received frame
    // (at least the delivered rate, Poisson) takes it: a renewal process with mean
    // cycle D + 1/lambda, less 3 standard deviations of its count.
    let seconds = hours * 3600.0;
    let lambda = cell::<f64>(&sh, &srows[0], "delivered") / seconds;
    let rx1 = seconds / (toa(7) / 0.01 + 1.0 / lambda);
    let floor = rx1 - 3.0 * rx1.sqrt();
    eprintln!("{sent} acknowledgements, cap {cap:.0}, RX1 floor {floor:.0} over {hours:.1} h");
    assert!(sent <= cap + 2.0, "{sent} > {cap}");
    assert!(sent >= floor, "{sent} below {floor}");
    let generated: f64 = cell(&sh, &srows[0], "generated");
    let rt: f64 = cell(&sh, &srows[0], "retransmissions");
    assert!(
        rt / generated > 1.5,
        "{} retransmissions per reading",
        rt / generated
    );
}

#[test]
fn a_class_can_set_its_own_spreading_factor() {
    let dir = tempfile::tempdir().unwrap();
    let text = aloha(0.01)
        + "[[sensors]]\nname = \"far\"\ncount = 10\ntraffic = { kind = \"poisson\", interval = \"10min\" }\npayload = \"20B\"\nsf = 12\n";
    let f = write(dir.path(), "sf.toml", &text);
    let o = citysim(dir.path(), &["run", &f, "--out", "sf", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("sf/classes.csv"));
    let p50 = |c: &str| {
        cell::<f64>(
            &h,
            rows.iter().find(|r| r[0] == c).unwrap(),
            "latency_p50_ms",
        )
    };
    // Latency is the time on air here: 71.9 ms at SF7, 1810.4 ms at SF12 (33 B frames).
    let (sf7, sf12) = (uplink_s(7, 20) * 1e3, uplink_s(12, 20) * 1e3);
    assert!((p50("node") - sf7).abs() < 1.0, "{} vs {sf7}", p50("node"));
    assert!((p50("far") - sf12).abs() < 2.0, "{} vs {sf12}", p50("far"));
    // Not on a non-LoRa access.
    let f = write(
        dir.path(),
        "bad.toml",
        &crate::util::read_to_string(&scenario("mm1.toml"))
            .replace("payload = \"1B\"", "payload = \"1B\"\nsf = 9"),
    );
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("sensors.arrivals.sf"), "{}", o.stderr);
}

#[test]
fn spreading_factors_can_be_set_per_sensor() {
    // Three sensors beside one gateway: SF7, SF12 and "auto" (which picks SF7 so close).
    let text = r#"
name = "per_sensor_sf"
[simulation]
duration = "6h"
[city]
width = "200m"
height = "200m"
[[access]]
name = "lora"
lora = { duty_cycle = "none", shadowing = "0dB" }
[[sensors]]
name = "node"
count = 3
placement = { kind = "explicit", positions = [[90, 100], [100, 90], [110, 100]] }
traffic = { kind = "periodic", interval = "10min" }
payload = "20B"
sf = [7, 12, "auto"]
energy = { battery = "2400mAh", voltage = "3.6V", tx_current = "40mA", rx_current = "11mA", rx_window = "1s", sleep_current = "1.5uA" }
[gateways]
count = 1
placement = { kind = "explicit", positions = [[100, 100]] }
"#;
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "sf.toml", text);
    let o = citysim(dir.path(), &["run", &f, "--out", "o", "-q", "--per-sensor"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("o/sensors.csv"));
    // Energy: frames x (40 mA x time on air + 11 mA x two 1 s receive windows) + 1.5 uA
    // x 6 h, at 3.6 V;
    // time on air at SF7 and SF12 of a 20 B reading in a 33 B frame (CR 4/5).
    let (sf7, sf12) = (uplink_s(7, 20), uplink_s(12, 20));
    for (row, toa) in rows.iter().zip([sf7, sf12, sf7]) {
        let k: f64 = cell(&h, row, "readings");
        let leak = 2400.0 * 3.6 * 0.01 / 31_557_600.0;
        let want = (k * (0.040 * toa + 0.011 * 2.0) + (1.5e-6 + leak) * 6.0 * 3600.0) * 3.6 * 1e3;
        let got: f64 = cell(&h, row, "energy_mj");
        assert!((got / want - 1.0).abs() < 1e-3, "{got} mJ vs {want} mJ");
    }
    // One value per sensor, or an error naming the key.
    let bad = write(
        dir.path(),
        "bad.toml",
        &text.replace("[7, 12, \"auto\"]", "[7, 12]"),
    );
    let o = citysim(dir.path(), &["validate", &bad]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("sensors.node.sf") && o.stderr.contains("3 values"),
        "{}",
        o.stderr
    );
}

#[test]
fn issue_12_a_device_never_overlaps_its_own_frames() {
    // SF12 every second with no duty cycle: a class A device sends its next frame only
    // after its RX2 window closes, 2 s after the frame's end plus 6 symbols at SF12.
    // Before, 332 of 600 readings were lost colliding with the device's own frames.
    let text = r#"
name = "self"
[simulation]
duration = "10min"
[city]
width = "50m"
height = "50m"
[[access]]
name = "lora"
lora = { sf = 12, duty_cycle = "none" }
[[sensors]]
name = "node"
count = 1
traffic = { kind = "periodic", interval = "1s" }
payload = "20B"
[gateways]
count = 1
placement = { kind = "grid" }
"#;
    let s = citysim::scenario::load_str("self.toml", "self", text, &[]).unwrap();
    let total = run(&s, 0, QueueKind::Radix, &mut |_| {}).0.total();
    let tx = citysim::model::LoraTx {
        sf: 12,
        bw_hz: 125e3,
        cr: 1,
        preamble: 8,
        explicit_header: true,
        crc: true,
    };
    let cycle = uplink_s(12, 20) + 2.0 + 6.0 * tx.t_sym();
    let sendable = (600.0 / cycle).ceil() as u64;
    assert_eq!(total.generated, 600);
    // None lost on the air; what the radio cannot carry overflows the device's queue
    // of 8 (dropped_device_queue) or waits in it.
    use citysim::metrics::DropCause;
    let queue = total.dropped[DropCause::DeviceQueue as usize];
    assert_eq!(
        total.dropped.iter().sum::<u64>(),
        queue,
        "{:?}",
        total.dropped
    );
    assert!(total.in_flight <= 9, "{} in flight", total.in_flight);
    assert_eq!(total.delivered + queue + total.in_flight, 600);
    assert!(
        total.delivered + 1 >= sendable && total.delivered <= sendable,
        "delivered {}, the radio can send {sendable}",
        total.delivered
    );
}

#[test]
fn issue_12_drops_say_what_happened_at_the_gateway() {
    // One channel and unlimited demodulators: every loss is interference. Sixty-four
    // channels and one demodulator: most losses are a busy demodulator.
    let base = aloha(0.5);
    let cases = [
        (
            base.clone(),
            "dropped_interference",
            "dropped_demodulator_busy",
        ),
        (
            base.replace("channels = 1,", "channels = 64,")
                .replace("demodulators = 100000", "demodulators = 1"),
            "dropped_demodulator_busy",
            "dropped_interference",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (text, most, fewer) in cases {
        let f = write(dir.path(), "d.toml", &text);
        let o = citysim(dir.path(), &["run", &f, "--out", "d", "-q", "--no-report"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (h, rows) = read_csv(&dir.path().join("d/summary.csv"));
        let get = |c: &str| cell::<u64>(&h, &rows[0], c);
        assert!(
            get(most) > 10 * get(fewer).max(1),
            "{most} {} vs {fewer} {}",
            get(most),
            get(fewer)
        );
        assert_eq!(get("dropped_gateway_transmitting"), 0, "no downlinks");
        let dropped: u64 = h
            .iter()
            .filter(|c| c.starts_with("dropped_"))
            .map(|c| get(c))
            .sum();
        assert_eq!(
            get("generated"),
            get("delivered") + dropped + get("in_flight")
        );
    }
}

#[test]
fn issue_12_validate_and_the_report_say_when_a_duty_cycle_cannot_be_sustained() {
    // A parking sensor at SF12 every 2 minutes: a 33-byte frame is 1.81 s on air,
    // 1.51% of the time, over EU868's 1%.
    let text = aloha(0.1)
        .replace("sf = 7,", "sf = 12,")
        .replace("duty_cycle = \"none\", ", "");
    let text = with_interval(&text, "2min");
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "p.toml", &text);
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("would use 1.51% airtime at SF12, over the 1% duty cycle"),
        "{}",
        o.stdout
    );
    let o = citysim(dir.path(), &["run", &f, "--out", "p", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let manifest = crate::util::read_to_string(&dir.path().join("p/manifest.json"));
    assert!(manifest.contains("1.51% airtime at SF12"), "{manifest}");
    let report = crate::util::read_to_string(&dir.path().join("p/report.md"));
    assert!(report.contains("over the 1% duty cycle"), "{report}");
    // Within the limit, nothing is said of the duty cycle (the 100 sensors on one
    // channel still overload it: 0.75 frames at once).
    let ok = text.replace("interval = \"2min\"", "interval = \"4min\"");
    let f = write(dir.path(), "ok.toml", &ok);
    let o = citysim(dir.path(), &["validate", &f]);
    assert!(!o.stdout.contains("duty cycle"), "{}", o.stdout);
    assert!(
        o.stdout
            .contains("at least 0.75 frames at once per channel"),
        "{}",
        o.stdout
    );
}

/// `text` with its traffic interval set to `interval`.
fn with_interval(text: &str, interval: &str) -> String {
    let start = text.find("interval = \"").unwrap() + "interval = \"".len();
    let end = start + text[start..].find('"').unwrap();
    format!("{}{interval}{}", &text[..start], &text[end..])
}

#[test]
fn issue_12_a_device_queue_is_bounded_and_latest_keeps_the_newest() {
    // SF12 every second with no duty cycle: the radio sends one frame per 4.0 s, so
    // readings pile up. "fifo" holds 8 and sends them oldest first: a delivered reading
    // waited about 8 frames. "latest" holds one: it waited at most one frame.
    let base = r#"
name = "q"
[simulation]
duration = "10min"
[city]
width = "50m"
height = "50m"
[[access]]
name = "lora"
lora = { sf = 12, duty_cycle = "none", QUEUE }
[[sensors]]
name = "node"
count = 1
traffic = { kind = "periodic", interval = "1s" }
payload = "20B"
[gateways]
count = 1
placement = { kind = "grid" }
"#;
    let cycle = uplink_s(12, 20) + 2.0 + 6.0 * 0.032768;
    let mut p50 = Vec::new();
    let mut delivered = Vec::new();
    for queue in [
        "device_queue = \"fifo\"",
        "device_queue = \"latest\"",
        "device_queue = \"drop\"",
    ] {
        let text = base.replace("QUEUE", queue);
        let s = citysim::scenario::load_str("q.toml", "q", &text, &[]).unwrap();
        let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
        let total = r.total();
        use citysim::metrics::DropCause;
        let dropped = total.dropped[DropCause::DeviceQueue as usize];
        assert_eq!(total.delivered + dropped + total.in_flight, 600, "{queue}");
        assert!(
            total.in_flight <= 9,
            "{queue}: {} in flight",
            total.in_flight
        );
        p50.push(r.classes[0].flow.latency_quantile_ms(0.5) / 1e3);
        delivered.push(total.delivered);
    }
    // "drop" keeps nothing: a reading is sent only when it finds the radio free, so
    // it waits for nothing but its own time on air, and one frame per cycle (the next
    // whole second after it) gets through: 600 s / ceil(cycle).
    assert!(p50[2] < uplink_s(12, 20) + 0.1, "drop waited {} s", p50[2]);
    let want = (600.0 / cycle.ceil()).floor() as u64;
    assert!(
        delivered[2].abs_diff(want) <= 1,
        "drop delivered {}",
        delivered[2]
    );
    assert!(
        p50[0] > 7.0 * cycle && p50[0] < 9.0 * cycle + 1.0,
        "fifo waited {} s",
        p50[0]
    );
    assert!(
        p50[1] < cycle + uplink_s(12, 20),
        "latest waited {} s",
        p50[1]
    );
}

//! Energy and battery life against hand calculations.

use crate::util::*;

/// Ten meters reading every 10 minutes: 20 bytes at 1 kbit/s is 160 ms on air.
const METERS: &str = r#"
name = "meters"
[simulation]
duration = "10d"
seed = 5
[[access]]
name = "radio"
latency = "10ms"
bandwidth = "1kbps"
[[sensors]]
name = "meter"
count = 10
traffic = { kind = "periodic", interval = "10min" }
payload = "20B"
energy = { battery = "1000mAh", voltage = "3V", tx_current = "40mA", rx_current = "10mA", rx_window = "1s", sleep_current = "2uA", sensing = "3mJ" }
"#;

#[test]
fn lifetime_matches_the_hand_calculation() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "m.toml", METERS);
    let o = citysim(dir.path(), &["run", &f, "--out", "m", "-q", "--per-sensor"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    // Per reading: 40 mA x 0.16 s + 10 mA x 1 s + 3 mJ / 3 V = 0.0174 C.
    let q = 0.040 * 0.16 + 0.010 * 1.0 + 0.003 / 3.0;
    // Self-discharge: 1% of 1000 mAh a year, as a steady current.
    let leak = 1000.0 * 3.6 * 0.01 / 31_557_600.0;
    let mean_a = 2e-6 + leak + q / 600.0;
    let want_days = 1000.0 * 3.6 / mean_a / 86400.0;
    let (h, rows) = read_csv(&dir.path().join("m/classes.csv"));
    let got: f64 = cell(&h, &rows[0], "lifetime_mean_days");
    assert!(
        (got / want_days - 1.0).abs() < 0.01,
        "lifetime {got} days, by hand {want_days}"
    );
    let p5: f64 = cell(&h, &rows[0], "lifetime_p5_days");
    assert!((p5 / want_days - 1.0).abs() < 0.01);
    assert_eq!(cell::<u64>(&h, &rows[0], "battery_depleted"), 0);
    // Energy over the 10 days: readings x q + sleep x time, in joules at 3 V.
    let (sh, sensors) = read_csv(&dir.path().join("m/sensors.csv"));
    assert_eq!(sensors.len(), 10);
    for s in &sensors {
        let k: f64 = cell(&sh, s, "readings");
        let want_mj = (k * q + (2e-6 + leak) * 864000.0) * 3.0 * 1e3;
        let got: f64 = cell(&sh, s, "energy_mj");
        assert!((got - want_mj).abs() < 1e-3 * want_mj, "{got} vs {want_mj}");
        assert!(s[4].starts_with("gw-"), "attached");
    }
}

#[test]
fn idle_time_is_charged_at_the_idle_current() {
    // One second idle at 1.6 mA per reading (the wait before the receive window).
    let dir = tempfile::tempdir().unwrap();
    let text = METERS.replace(
        "sensing = \"3mJ\"",
        "sensing = \"3mJ\", idle_time = \"1s\", idle_current = \"1.6mA\"",
    );
    let f = write(dir.path(), "m.toml", &text);
    let o = citysim(dir.path(), &["run", &f, "--out", "m", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let q = 0.040 * 0.16 + 0.010 * 1.0 + 0.003 / 3.0 + 0.0016 * 1.0;
    let leak = 1000.0 * 3.6 * 0.01 / 31_557_600.0;
    let want_days = 1000.0 * 3.6 / (2e-6 + leak + q / 600.0) / 86400.0;
    let (h, rows) = read_csv(&dir.path().join("m/classes.csv"));
    let got: f64 = cell(&h, &rows[0], "lifetime_mean_days");
    assert!(
        (got / want_days - 1.0).abs() < 0.01,
        "lifetime {got} days, by hand {want_days}"
    );
}

#[test]
fn an_empty_battery_stops_the_sensor() {
    // Room for exactly five readings and a half: the sixth and later are dropped.
    let q = 0.040 * 0.16 + 0.010 * 1.0 + 0.003 / 3.0;
    let mah = 5.5 * q / 3.6; // 1 mAh = 3.6 C
    let text = METERS
        .replace("battery = \"1000mAh\"", &format!("battery = \"{mah}mAh\""))
        .replace("sleep_current = \"2uA\"", "sleep_current = \"0uA\"")
        .replace("duration = \"10d\"", "duration = \"3h\"");
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "m.toml", &text);
    let o = citysim(dir.path(), &["run", &f, "--out", "m", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("m/summary.csv"));
    let generated: u64 = cell(&h, &rows[0], "generated");
    let delivered: u64 = cell(&h, &rows[0], "delivered");
    let battery: u64 = cell(&h, &rows[0], "dropped_battery");
    let in_flight: u64 = cell(&h, &rows[0], "in_flight");
    assert_eq!(delivered + in_flight, 50, "five readings per sensor");
    assert_eq!(battery, generated - 50);
    let (h, rows) = read_csv(&dir.path().join("m/classes.csv"));
    assert_eq!(cell::<u64>(&h, &rows[0], "battery_depleted"), 10);
}

#[test]
fn incident_readings_drain_the_battery_too() {
    // Room for five and a half readings, and a surge of readings every 10 minutes for
    // 25 minutes from the start: own and surge readings together stop at five.
    let q = 0.040 * 0.16 + 0.010 * 1.0 + 0.003 / 3.0;
    let mah = 5.5 * q / 3.6;
    let text = METERS
        .replace("battery = \"1000mAh\"", &format!("battery = \"{mah}mAh\""))
        .replace("sleep_current = \"2uA\"", "sleep_current = \"0uA\"")
        .replace("duration = \"10d\"", "duration = \"3h\"")
        + r#"
[[incidents]]
name = "storm"
region = { kind = "rectangle", x0 = "0m", y0 = "0m", x1 = "1km", y1 = "1km" }
start = "1s"
duration = "25min"
classes = ["meter"]
interval = "10min"
"#;
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "m.toml", &text);
    let o = citysim(dir.path(), &["run", &f, "--out", "m", "-q", "--per-sensor"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("m/summary.csv"));
    let generated: u64 = cell(&h, &rows[0], "generated");
    let delivered: u64 = cell(&h, &rows[0], "delivered");
    let battery: u64 = cell(&h, &rows[0], "dropped_battery");
    // 18 own readings and 2 or 3 surge readings per sensor.
    assert!(generated >= 10 * 20, "{generated} readings");
    assert_eq!(delivered, 50, "five readings per sensor");
    assert_eq!(battery, generated - 50);
    let (sh, sensors) = read_csv(&dir.path().join("m/sensors.csv"));
    for s in &sensors {
        // Its own 18 readings (sent or refused) and the surge readings it sent.
        let k: u64 = cell(&sh, s, "readings");
        assert!((20..=21).contains(&k), "{k} readings");
    }
}

#[test]
fn bad_energy_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, needle) in [
        (
            "battery = \"1000mAh\"",
            "battery = \"0mAh\"",
            "sensors.meter.energy.battery",
        ),
        (
            "tx_current = \"40mA\"",
            "tx_current = \"-40mA\"",
            "sensors.meter.energy.tx_current",
        ),
        (
            "voltage = \"3V\"",
            "voltage = \"3 parsecs\"",
            "sensors.meter.energy.voltage",
        ),
        ("bandwidth = \"1kbps\"", "", "sensors.meter.energy.tx_time"),
        (
            "sensing = \"3mJ\"",
            "sensing = \"3mJ\", solar = true",
            "sensors.meter.energy.solar",
        ),
    ] {
        let f = write(dir.path(), "bad.toml", &METERS.replace(from, to));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
}

/// One LoRa sensor beside its gateway, reading every 30 s at a fixed SF; `lora` holds
/// more LoRa settings.
fn lora_one(sf: u8, lora: &str) -> String {
    format!(
        r#"
name = "one"
[simulation]
duration = "2h"
[city]
width = "100m"
height = "100m"
[[access]]
name = "lora"
lora = {{ sf = {sf}, shadowing = "0dB"{lora} }}
[[sensors]]
name = "s"
count = 1
placement = {{ kind = "explicit", positions = [[50, 50]] }}
traffic = {{ kind = "periodic", interval = "30s" }}
payload = "20B"
energy = {{ battery = "2400mAh", voltage = "3.6V", tx_current = "40mA", rx_current = "11mA", sleep_current = "1.5uA" }}
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [[50, 50]] }}
"#
    )
}

/// The sensor's energy (mJ), readings taken, and frames whose time on air ended
/// (delivered ones and retransmissions; the sensor is alone, so none collides).
fn lora_energy(dir: &std::path::Path, text: &str) -> (f64, f64, f64) {
    let f = write(dir, "one.toml", text);
    let o = citysim(
        dir,
        &["run", &f, "--out", "o", "-q", "--per-sensor", "--no-report"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.join("o/sensors.csv"));
    let (sh, srows) = read_csv(&dir.join("o/summary.csv"));
    let sent: f64 = cell(&sh, &srows[0], "delivered");
    let retx: f64 = cell(&sh, &srows[0], "retransmissions");
    (
        cell(&h, &rows[0], "energy_mj"),
        cell(&h, &rows[0], "readings"),
        sent + retx,
    )
}

fn toa(sf: u8, bytes: u32, crc: bool) -> f64 {
    citysim::model::LoraTx {
        sf,
        bw_hz: 125e3,
        cr: 1,
        preamble: 8,
        explicit_header: true,
        crc,
    }
    .time_on_air_s(bytes)
}

#[test]
fn issue_12_lora_energy_is_charged_per_transmission_and_receive_window() {
    let dir = tempfile::tempdir().unwrap();
    let t_sym = |sf: u8| f64::from(1u32 << sf) / 125e3;
    // Sleep and self-discharge (1% of 2400 mAh a year).
    let sleep = (1.5e-6 + 2400.0 * 3.6 * 0.01 / 31_557_600.0) * 7200.0;
    // Unconfirmed at SF12 under the 1% duty cycle, policy "drop": a 33-byte frame is
    // 1.81 s on air, so most readings are dropped. Each frame sent costs its time on
    // air at 40 mA and both receive windows at 11 mA, each open the 6 symbols at SF12
    // (RX1 at the uplink's rate, RX2 at SF12) it takes to detect a preamble.
    let drop = lora_one(12, ", duty_cycle_policy = \"drop\"");
    let (got, _, frames) = lora_energy(dir.path(), &drop);
    let per_frame = 0.040 * toa(12, 33, true) + 0.011 * 2.0 * 6.0 * t_sym(12);
    let want = (frames * per_frame + sleep) * 3.6 * 1e3;
    assert!((got / want - 1.0).abs() < 1e-3, "{got} mJ vs {want} mJ");
    assert!(frames < 50.0, "{frames} frames in 2 h under the duty cycle");
    // Policy "delay" holds the other readings (still in flight at the end): the energy
    // follows the frames sent, not the 240 readings taken. One more frame may be on
    // the air when the run ends.
    let delay = lora_one(12, "");
    let (got_d, readings_d, frames_d) = lora_energy(dir.path(), &delay);
    let want_d = (frames_d * per_frame + sleep) * 3.6 * 1e3;
    let extra = got_d - want_d;
    assert!(
        extra > -1e-3 * want_d && extra < 0.040 * toa(12, 33, true) * 3.6e3 + 1e-3 * want_d,
        "{got_d} mJ vs {want_d} mJ"
    );
    assert_eq!(readings_d, 240.0);
    // "drop" wastes the budget until the next reading comes; "delay" sends as soon as
    // it allows, so it sends more, and pays for it (the two reported the same energy).
    assert!(frames_d > frames, "{frames_d} vs {frames}");
    assert!(got_d > got, "{got_d} mJ vs {got} mJ");
    // Confirmed at SF7: every frame is acknowledged in RX1 (12 B, no CRC, at SF7), and
    // the device listens for that downlink only; RX2 stays shut.
    let confirmed = lora_one(7, ", confirmed = true");
    let (got_c, readings_c, frames_c) = lora_energy(dir.path(), &confirmed);
    assert_eq!(
        frames_c, readings_c,
        "no retransmissions beside the gateway"
    );
    let per_frame = 0.040 * toa(7, 33, true) + 0.011 * toa(7, 12, false);
    let want_c = (frames_c * per_frame + sleep) * 3.6 * 1e3;
    assert!(
        (got_c / want_c - 1.0).abs() < 1e-3,
        "{got_c} mJ vs {want_c} mJ"
    );
}

#[test]
fn issue_12_a_lifetime_never_exceeds_the_cells_shelf_life() {
    // Ten meters reading once a day: by energy alone they would last centuries; the
    // cell's 20-year shelf life is the lifetime, and classes.csv says so.
    let dir = tempfile::tempdir().unwrap();
    let text = METERS
        .replace("interval = \"10min\"", "interval = \"1d\"")
        .replace("sleep_current = \"2uA\"", "sleep_current = \"0.2uA\"");
    let f = write(dir.path(), "m.toml", &text);
    let o = citysim(dir.path(), &["run", &f, "--out", "m", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("m/classes.csv"));
    let life: f64 = cell(&h, &rows[0], "lifetime_mean_days");
    assert!((life - 20.0 * 365.25).abs() < 1e-6, "{life} days");
    assert_eq!(cell::<u64>(&h, &rows[0], "lifetime_at_shelf_life"), 10);
    let report = crate::util::read_to_string(&dir.path().join("m/report.md"));
    assert!(
        report.contains("would outlast their cell's shelf life"),
        "{report}"
    );
    // A shorter shelf life given in the file is the cap instead.
    let f = write(
        dir.path(),
        "s.toml",
        &text.replace(
            "sensing = \"3mJ\"",
            "sensing = \"3mJ\", shelf_life = \"5y\"",
        ),
    );
    let o = citysim(dir.path(), &["run", &f, "--out", "s", "-q", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("s/classes.csv"));
    assert!((cell::<f64>(&h, &rows[0], "lifetime_mean_days") - 5.0 * 365.25).abs() < 1e-6);
}

#[test]
fn issue_15_a_mesh_sensor_pays_for_its_radio_as_it_uses_it() {
    // One sensor 10 m from its gateway (SNR 27 dB: nothing is lost), a 20-byte reading
    // every 2 s for an hour. Each reading listens through its backoff (0..7 unit periods
    // of 320 us, mean 1,120 us, sd 733 us) and the 128 us assessment, turns around
    // (192 us), sends 37 B (1,184 us at 40 mA) and listens for the ACK (192 + 352 us).
    let text = r#"
name = "meshbattery"
[simulation]
duration = "1h"
[city]
width = "100m"
height = "100m"
[[access]]
name = "zigbee"
mesh = { exponent = 2.8, shadowing = "0dB" }
[[sensors]]
name = "lone"
count = 1
placement = { kind = "explicit", positions = [["40m", "50m"]] }
traffic = { kind = "periodic", interval = "2s" }
payload = "20B"
energy = { battery = "1000mAh", voltage = "3V", tx_current = "40mA", rx_current = "10mA", sleep_current = "2uA" }
[gateways]
count = 1
placement = { kind = "explicit", positions = [["50m", "50m"]] }
"#;
    let s = citysim::scenario::load_str("m.toml", "m", text, &[]).unwrap();
    let r = citysim::run::run(&s, 0, citysim::run::QueueKind::Radix, &mut |_| {}).0;
    let k = r.classes[0].flow.generated as f64;
    assert_eq!(r.classes[0].flow.delivered as f64, k);
    let (tx, rx) = (0.040, 0.010);
    let per_reading = rx * (1120e-6 + 128e-6 + 192e-6 + 544e-6) + tx * 1184e-6;
    let leak = 1000.0 * 3.6 * 0.01 / 31_557_600.0;
    let want_j = (k * per_reading + (2e-6 + leak) * 3600.0) * 3.0;
    let sd_j = rx * 733e-6 * k.sqrt() * 3.0;
    let got_j = r.classes[0].energy.as_ref().unwrap().energy_mean_j;
    eprintln!("mesh sensor: {got_j:.5} J over {k} readings, by hand {want_j:.5} J (sd {sd_j:.5})");
    assert!(
        (got_j - want_j).abs() < 4.0 * sd_j,
        "{got_j} J, by hand {want_j} J"
    );
    // A receive window per reading, as other accesses have, is refused by name.
    let bad = text.replace(
        "sleep_current = \"2uA\"",
        "sleep_current = \"2uA\", rx_window = \"2ms\"",
    );
    let e = citysim::scenario::load_str("m.toml", "m", &bad, &[]).unwrap_err();
    assert!(e.to_string().contains("remove `rx_window`"), "{e}");
}

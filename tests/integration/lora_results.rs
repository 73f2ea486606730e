//! LoRa results per spreading factor (`lora.csv`), per sensor (`sensors.csv`) and per
//! gateway (`gateways.csv`): every reading and frame accounted for.

use crate::util::*;

fn column<T: std::str::FromStr>(h: &[String], rows: &[Vec<String>], c: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    rows.iter().map(|r| cell::<T>(h, r, c)).collect()
}

#[test]
fn issue_12_lora_csv_accounts_for_every_reading_by_spreading_factor() {
    let dir = tempfile::tempdir().unwrap();
    let o = citysim(
        dir.path(),
        &[
            "run",
            scenario("lorawan_district.toml").to_str().unwrap(),
            "--out",
            "lw",
            "-q",
            "--per-sensor",
            "--set",
            "simulation.duration=2h",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let out = dir.path().join("lw");
    let (lh, lora) = read_csv(&out.join("lora.csv"));
    let (ch, classes) = read_csv(&out.join("classes.csv"));
    // Every class here is on LoRa: the rows per SF add up to the classes' readings,
    // delivered and lost by each cause.
    let drop_cols: Vec<String> = ch
        .iter()
        .filter(|c| c.starts_with("dropped_"))
        .cloned()
        .collect();
    for c in std::iter::once("delivered".to_string()).chain(drop_cols) {
        let by_sf: u64 = column::<u64>(&lh, &lora, &c).iter().sum();
        let by_class: u64 = column::<u64>(&ch, &classes, &c).iter().sum();
        assert_eq!(by_sf, by_class, "{c}");
    }
    // EU868 at 125 kHz: SF7..SF12 are DR5..DR0, each with its row.
    let sfs: Vec<u8> = column(&lh, &lora, "sf");
    assert_eq!(sfs, [7, 8, 9, 10, 11, 12]);
    let drs: Vec<String> = column(&lh, &lora, "data_rate");
    assert_eq!(drs, ["DR5", "DR4", "DR3", "DR2", "DR1", "DR0"]);
    // Airtime shares add up to 1; higher SFs spend longer per frame.
    let share: f64 = column::<f64>(&lh, &lora, "airtime_share").iter().sum();
    assert!((share - 1.0).abs() < 1e-5, "{share}");
    let toa: Vec<f64> = column(&lh, &lora, "mean_time_on_air_ms");
    assert!(toa.windows(2).all(|w| w[0] < w[1]), "{toa:?}");
    // The SF of every sensor that sent, in sensors.csv, counts it in its SF's row.
    let (sh, sensors) = read_csv(&out.join("sensors.csv"));
    let per_sensor: Vec<String> = column(&sh, &sensors, "sf");
    for (sf, n) in sfs.iter().zip(column::<u64>(&lh, &lora, "sensors")) {
        let counted = per_sensor.iter().filter(|x| **x == sf.to_string()).count() as u64;
        assert_eq!(counted, n, "SF{sf}");
    }
    // Gateways: demodulators are busy a share of the time below 1, and every gateway
    // heard some airtime.
    let (gh, gws) = read_csv(&out.join("gateways.csv"));
    for occ in column::<f64>(&gh, &gws, "demodulator_occupancy") {
        assert!(occ > 0.0 && occ < 1.0, "{occ}");
    }
    assert!(column::<f64>(&gh, &gws, "lora_airtime_heard_s")
        .iter()
        .all(|&h| h > 0.0));
    // The report shows the SF chart and table.
    let report = read_to_string(&out.join("report.html"));
    assert!(report.contains("chart-lora_sf") && report.contains("LoRa by spreading factor"));
}

/// One gateway close to 50 sensors at SF9 on 8 channels, one hour after 10 minutes.
fn one_gateway(dir: &std::path::Path, lora_extra: &str) -> std::path::PathBuf {
    let text = format!(
        r#"
name = "one"
[simulation]
duration = "1h"
warmup = "10min"
[city]
width = "200m"
height = "200m"
[[access]]
name = "lora"
lora = {{ sf = 9, channels = 8, duty_cycle = "none"{lora_extra} }}
[[sensors]]
name = "meter"
count = 50
traffic = {{ kind = "poisson", interval = "2min" }}
payload = "20B"
[gateways]
count = 1
"#
    );
    let f = write(dir, "one.toml", &text);
    let o = citysim(dir, &["run", &f, "--out", "one", "-q", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    dir.join("one")
}

#[test]
fn issue_12_one_gateway_hears_exactly_the_airtime_sent() {
    // Demodulators to spare and no downlinks: the gateway detects and demodulates
    // every frame, so its airtime heard is the frames' airtime, and its demodulators'
    // occupancy that airtime over the 3000 s measured and its 8 demodulators.
    let dir = tempfile::tempdir().unwrap();
    let out = one_gateway(dir.path(), "");
    let (lh, lora) = read_csv(&out.join("lora.csv"));
    let nine = lora.iter().find(|r| cell::<u8>(&lh, r, "sf") == 9).unwrap();
    let frames: f64 = cell(&lh, nine, "frames");
    let toa_ms: f64 = cell(&lh, nine, "mean_time_on_air_ms");
    let (gh, gws) = read_csv(&out.join("gateways.csv"));
    let heard: f64 = cell(&gh, &gws[0], "lora_airtime_heard_s");
    // Frames that straddle the end of the run were sent but not yet heard; the files
    // round to the millisecond (heard) and the microsecond (mean time on air).
    let sent = frames * toa_ms / 1e3;
    let rounding = 5e-4 + frames * 5e-7;
    assert!(
        heard <= sent + rounding && heard > sent - 2.0 * toa_ms / 1e3 - rounding,
        "{heard} vs {sent}"
    );
    let occ: f64 = cell(&gh, &gws[0], "demodulator_occupancy");
    assert!((occ - heard / (3000.0 * 8.0)).abs() < 2e-6, "{occ}");
    assert_eq!(cell::<f64>(&gh, &gws[0], "downlink_duty_rx1"), 0.0);
    // Confirmed uplinks: acknowledgements go out in RX1 within its 1% duty cycle and
    // in RX2 within 10%; frames arriving while it sends hold no demodulator.
    let dir = tempfile::tempdir().unwrap();
    let out = one_gateway(dir.path(), ", confirmed = true, retries = 1");
    let (gh, gws) = read_csv(&out.join("gateways.csv"));
    let rx1: f64 = cell(&gh, &gws[0], "downlink_duty_rx1");
    let rx2: f64 = cell(&gh, &gws[0], "downlink_duty_rx2");
    assert!(rx1 > 0.005 && rx1 <= 0.01 + 1e-3, "{rx1}");
    assert!(rx2 > 0.0 && rx2 <= 0.1 + 1e-3, "{rx2}");
    let heard: f64 = cell(&gh, &gws[0], "lora_airtime_heard_s");
    let occ: f64 = cell(&gh, &gws[0], "demodulator_occupancy");
    assert!(occ < heard / (3000.0 * 8.0), "{occ}");
}

/// Semtech's ADR rule written out: the settings (SF, 2 dB power steps) it moves a
/// device with `margin_at(sf, steps)` dB over the floor to, one decision at a time,
/// until it stays; and how many of those decisions changed the SF.
fn semtech_fixed_point(margin_at: impl Fn(u8, u8) -> f64, max_steps: u8) -> ((u8, u8), u32) {
    let (mut sf, mut steps, mut sf_changes) = (12u8, 0u8, 0);
    loop {
        let mut n = ((margin_at(sf, steps) - 10.0) / 3.0).floor() as i32;
        let (old_sf, old_steps) = (sf, steps);
        while n > 0 && sf > 7 {
            sf -= 1;
            n -= 1;
        }
        while n > 0 && steps < max_steps {
            steps += 1;
            n -= 1;
        }
        while n < 0 && steps > 0 {
            steps -= 1;
            n += 1;
        }
        if (sf, steps) == (old_sf, old_steps) {
            return ((sf, steps), sf_changes);
        }
        sf_changes += u32::from(sf != old_sf);
    }
}

#[test]
fn issue_12_adr_converges_to_what_the_link_budget_implies() {
    use citysim::model::{gateway_sensitivity_dbm, propagation::mean_loss_db};
    for d in [1500.0, 600.0] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            r#"
name = "adr"
[simulation]
duration = "3h"
[city]
width = "4km"
height = "4km"
[[access]]
name = "lora"
lora = {{ sf = "adr", duty_cycle = "none", shadowing = "0dB" }}
[[sensors]]
name = "meter"
count = 1
placement = {{ kind = "explicit", positions = [[{x}, 2000]] }}
traffic = {{ kind = "periodic", interval = "1min" }}
payload = "10B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [[2000, 2000]] }}
"#,
            x = 2000.0 + d
        );
        let f = write(dir.path(), "adr.toml", &text);
        let s = citysim::scenario::load_str("adr.toml", "adr", &text, &[]).unwrap();
        let p = s.access[0].lora().unwrap().propagation;
        // 14 dBm, 3 dBi gateway antenna, 1 dB cable; the margin over the floor is the
        // received power less the gateway's sensitivity at the SF.
        let rssi = 14.0 + 3.0 - 1.0 - mean_loss_db(&p, d);
        let margin_at =
            |sf: u8, steps: u8| rssi - 2.0 * f64::from(steps) - gateway_sensitivity_dbm(sf, 125e3);
        let ((sf, _), changes) = semtech_fixed_point(margin_at, 7);
        let o = citysim(
            dir.path(),
            &["run", &f, "--out", "o", "-q", "--no-report", "--per-sensor"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (sh, sensors) = read_csv(&dir.path().join("o/sensors.csv"));
        assert_eq!(cell::<u8>(&sh, &sensors[0], "sf"), sf, "{d} m");
        let (lh, lora) = read_csv(&dir.path().join("o/lora.csv"));
        let made: u32 = column::<u32>(&lh, &lora, "sf_changes").iter().sum();
        assert_eq!(made, changes, "{d} m: SF changes");
        assert!(changes >= 1, "{d} m: the test must move the device");
        // Time at SF12 before the first decision (20 uplinks, about 20 minutes).
        let share: Vec<f64> = column(&lh, &lora, "sensor_time_share");
        let twelve = share[5];
        assert!(
            (twelve - 20.0 / 180.0).abs() < 2.0 / 180.0,
            "{d} m: {twelve}"
        );
    }
}

#[test]
fn issue_12_the_duty_cycle_holds_per_sub_band() {
    // One SF12 device with a reading every 10 s (1.810 s on air) and the "drop"
    // policy sends as much as its duty cycle allows. EU868's three default channels all
    // lie in g1: at most 1% of the time on air. Eight channels span g1 and g, and each
    // band rests 181 s after a frame: twice that. An explicit "1%" holds across all
    // channels.
    let share = |lora: &str| {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            r#"
name = "band"
[simulation]
duration = "4h"
[city]
width = "200m"
height = "200m"
[[access]]
name = "lora"
lora = {{ sf = 12, duty_cycle_policy = "drop", {lora} }}
[[sensors]]
name = "meter"
count = 1
traffic = {{ kind = "periodic", interval = "10s" }}
payload = "20B"
[gateways]
count = 1
"#
        );
        let f = write(dir.path(), "band.toml", &text);
        let o = citysim(dir.path(), &["run", &f, "--out", "o", "-q", "--no-report"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
        let (lh, lora) = read_csv(&dir.path().join("o/lora.csv"));
        let twelve = lora
            .iter()
            .find(|r| cell::<u8>(&lh, r, "sf") == 12)
            .unwrap();
        let frames: f64 = cell(&lh, twelve, "frames");
        let toa_s = cell::<f64>(&lh, twelve, "mean_time_on_air_ms") / 1e3;
        (frames * toa_s / 14_400.0, toa_s)
    };
    let (three, toa) = share("channels = 3");
    let (eight, _) = share("channels = 8");
    let (explicit, _) = share("channels = 8, duty_cycle = \"1%\"");
    // A band free again after toa / 1% waits for the next reading on the 10 s grid:
    // one frame (or, over two bands, two) per period P = 10 s ceil(toa / 0.01 / 10 s).
    // Within two frames over the 4 hours.
    let period = 10.0 * (toa / 0.01 / 10.0).ceil();
    let frame = 2.0 * toa / 14_400.0;
    assert!((three - toa / period).abs() <= frame, "3 channels: {three}");
    assert!(
        (eight - 2.0 * toa / period).abs() <= frame,
        "8 channels: {eight}"
    );
    assert!(
        (explicit - toa / period).abs() <= frame,
        "explicit 1%: {explicit}"
    );
}

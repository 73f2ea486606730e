//! NB-IoT and LTE-M cells against closed forms: random access with Poisson arrivals
//! (slotted-ALOHA on preambles), a storm, the charge of a reading by hand, and the
//! errors a wrong cell table gets.

use citysim::metrics::RunResult;
use citysim::run::{run, QueueKind};

/// One NB-IoT cell in a small city where every device is in CE0 (no shadowing, bounds
/// far above any loss), `n` sensors with traffic `traffic`, `extra` keys in the cell.
fn cell(n: u32, traffic: &str, extra: &str, more: &str) -> String {
    format!(
        r#"
name = "nb"
[simulation]
duration = "1h"
seed = 7
[city]
width = "500m"
height = "500m"
[[access]]
name = "nb"
cellular = {{ kind = "nbiot", shadowing = "0dB", ce_levels = ["200dB", "210dB", "220dB"]{extra} }}
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [[250, 250]] }}
[[sensors]]
name = "meter"
count = {n}
traffic = {traffic}
payload = "24B"
{more}
"#
    )
}

fn run_str(text: &str) -> RunResult {
    let s = citysim::scenario::load_str("nb.toml", "nb", text, &[]).unwrap();
    run(&s, 0, QueueKind::Radix, &mut |_| {}).0
}

/// Preambles heard alone at CE0, and attempts.
fn ce0(r: &RunResult) -> (u64, u64) {
    let c = &r.cells[0];
    (c.attempts[0] - c.collisions[0], c.attempts[0])
}

/// With Poisson arrivals, the attempts at an opportunity are Poisson(lambda), split over
/// `m` preambles into independent Poisson(lambda / m): a preamble carries exactly one
/// attempt with probability q = (lambda / m) exp(-lambda / m). Over k opportunities the
/// successes are a sum of k m independent Bernoulli(q): mean k m q, variance
/// k m q (1 - q); the attempts are Poisson with mean k lambda.
fn check_against_aloha(r: &RunResult, lambda: f64, m: f64, k: f64) {
    let (won, attempts) = ce0(r);
    let q = lambda / m * (-lambda / m).exp();
    let (want, sd) = (k * m * q, (k * m * q * (1.0 - q)).sqrt());
    let (want_a, sd_a) = (k * lambda, (k * lambda).sqrt());
    eprintln!("attempts {attempts} (Poisson {want_a:.0}), heard alone {won} (closed form {want:.0} +/- {sd:.0})");
    assert!((attempts as f64 - want_a).abs() <= 4.0 * sd_a);
    assert!(
        (won as f64 - want).abs() <= 4.0 * sd,
        "{won} against {want:.0} +/- {sd:.0}"
    );
    let ratio = won as f64 / attempts as f64;
    assert!(
        (ratio - (-lambda / m).exp()).abs() < 0.02,
        "success per attempt {ratio:.4}, exp(-lambda/m) = {:.4}",
        (-lambda / m).exp()
    );
}

#[test]
fn random_access_success_with_poisson_arrivals_is_the_slotted_aloha_closed_form() {
    // 2000 devices, a reading a minute each: 33.3 attempts/s, 40 ms opportunities:
    // lambda = 1.333 a opportunity over 4 preambles; one attempt each, no connected
    // shortcut (inactivity 0), so every reading is one independent attempt.
    let text = cell(
        2000,
        "{ kind = \"poisson\", interval = \"1min\" }",
        ", preambles = [4, 12, 12], preamble_trans_max = 1, inactivity = \"0s\"",
        "",
    );
    let r = run_str(&text);
    let lambda = 2000.0 / 60.0 * 0.040;
    check_against_aloha(&r, lambda, 4.0, 3600.0 / 0.040);
    // One attempt allowed: every collision is a lost reading.
    let c = &r.cells[0];
    assert_eq!(c.ra_failed, c.collisions[0]);
    let dropped = r.classes[0].flow.dropped[citysim::metrics::DropCause::RandomAccess as usize];
    assert_eq!(dropped, c.ra_failed);
}

#[test]
fn a_storm_lowers_random_access_success_as_the_closed_form_predicts() {
    // Every meter sends an alarm within 30 s of a city-wide incident at 30 min:
    // 3000 alarms over 30 s is 100 a second on top of a quiet background.
    let quiet = "{ kind = \"periodic\", interval = \"1d\" }";
    let storm = r#"[[incidents]]
name = "storm"
region = { kind = "rectangle", x0 = "0m", y0 = "0m", x1 = "500m", y1 = "500m" }
start = "30min"
duration = "1min"
alarms = { spread = "30s", priority = "high" }"#;
    let text = cell(
        3000,
        quiet,
        ", preambles = [12, 12, 12], preamble_trans_max = 1, inactivity = \"0s\"",
        storm,
    );
    let r = run_str(&text);
    let c = &r.cells[0];
    // The attempts in the storm's buckets against those before it.
    let bucket_s = r.bucket_ns as f64 * 1e-9;
    let at = (1800.0 / bucket_s) as usize;
    let storm: (u64, u64) = c.series[at..at + (30.0 / bucket_s).ceil() as usize + 1]
        .iter()
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(storm.0 >= 2900, "the storm's attempts: {storm:?}");
    let lambda: f64 = 3000.0 / 30.0 * 0.040;
    let p = storm.1 as f64 / storm.0 as f64;
    let want = (-lambda / 12.0).exp();
    // About 3000 attempts: the success ratio's sd is under 0.01.
    assert!(
        (p - want).abs() < 0.04,
        "storm success {p:.3}, closed form {want:.3}"
    );
    let calm: (u64, u64) = c.series[..at]
        .iter()
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(
        calm.1 as f64 / calm.0 as f64 > 0.98,
        "before the storm: {calm:?}"
    );
}

#[test]
fn retries_with_backoff_recover_most_collisions() {
    // The same load with the default ten attempts: collided readings back off and
    // mostly get through; the drops are a small part of the first-attempt losses.
    let text = cell(
        2000,
        "{ kind = \"poisson\", interval = \"1min\" }",
        ", preambles = [4, 12, 12], inactivity = \"0s\"",
        "",
    );
    let r = run_str(&text);
    let c = &r.cells[0];
    let first_losses = c.readings[0] as f64 * (1.0 - (-2000.0 / 60.0 * 0.040 / 4.0_f64).exp());
    assert!(c.collisions.iter().sum::<u64>() as f64 > first_losses);
    assert!(
        (c.ra_failed as f64) < 0.05 * first_losses,
        "{} dropped",
        c.ra_failed
    );
    assert!(r.classes[0].flow.delivery_ratio() > 0.99);
}

#[test]
fn a_reading_costs_what_its_states_cost_by_hand() {
    // One device, a reading an hour for a day, CE0: per reading it sends two preambles
    // of 5.6 ms and 89 bytes (24 + 65 of overhead) in 5 resource units of 1 ms at 220 mA,
    // listens 0.3 s of setup and 10 s of inactivity at 55 mA, pages 20 ms per 20.48 s
    // eDRX cycle over the 10 s active time, and sleeps at 4 uA in PSM.
    let text = cell(
        1,
        "{ kind = \"periodic\", interval = \"1h\" }",
        "",
        "energy = { battery = \"2400mAh\", self_discharge = \"0%\" }",
    );
    let text = text.replace("duration = \"1h\"", "duration = \"1d\"");
    // The connected tail listened in full, in a tenth of each DRX cycle, or not at all
    // (release assistance).
    for (keys, tail_s) in [
        ("", 10.0),
        ("cdrx = \"320ms\", on_duration = \"32ms\", ", 1.0),
        ("rai = true, ", 0.0),
    ] {
        let text = text.replace("ce_levels = [", &format!("{keys}ce_levels = ["));
        let s = citysim::scenario::load_str("nb.toml", "nb", &text, &[]);
        let s = s.unwrap_or_else(|e| panic!("{e}"));
        let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
        let readings = r.classes[0].flow.generated as f64;
        assert_eq!(readings, 24.0);
        let tx = 0.220 * (2.0 * 0.0056 + 0.005);
        let q = tx + 0.055 * (0.3 + tail_s) + 0.055 * 0.02 / 20.48 * 10.0;
        let want_j = (readings * q + 4e-6 * 86_400.0) * 3.6;
        let got_j = r.classes[0].energy.as_ref().unwrap().energy_mean_j;
        assert!(
            (got_j - want_j).abs() < 1e-6 * want_j,
            "{keys}: {got_j} J against {want_j} J by hand"
        );
    }
}

#[test]
fn a_device_beyond_the_maximum_coupling_loss_is_below_sensitivity() {
    // 45 km from the only cell (3GPP urban macro at 900 MHz: about 181 dB of path loss,
    // 167 dB of coupling loss with the antennas' gains): beyond 164 dB.
    let text = r#"
name = "far"
[city]
width = "50km"
height = "1km"
[[access]]
name = "nb"
cellular = { kind = "nbiot", shadowing = "0dB" }
[gateways]
count = 1
placement = { kind = "explicit", positions = [[100, 500]] }
[[sensors]]
name = "near"
count = 5
placement = { kind = "explicit", positions = [[200, 500], [300, 500], [150, 500], [250, 500], [120, 500]] }
traffic = { kind = "periodic", interval = "10min" }
payload = "24B"
[[sensors]]
name = "far"
count = 5
placement = { kind = "explicit", positions = [[45000, 500], [45100, 500], [45200, 500], [45300, 500], [45400, 500]] }
traffic = { kind = "periodic", interval = "10min" }
payload = "24B"
"#;
    let r = run_str(text);
    let below = citysim::metrics::DropCause::BelowSensitivity as usize;
    assert_eq!(r.classes[0].flow.dropped[below], 0);
    assert_eq!(r.classes[0].flow.delivered, r.classes[0].flow.generated);
    assert_eq!(
        r.classes[1].flow.dropped[below],
        r.classes[1].flow.generated
    );
    assert_eq!(r.cells[0].out_of_coverage, r.classes[1].flow.generated);
    assert_eq!(r.coverage[0].generated, r.classes[0].flow.generated);
}

#[test]
fn wrong_cell_tables_name_the_key_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let base = cell(10, "{ kind = \"periodic\", interval = \"1h\" }", "", "");
    for (extra, more, needle) in [
        (
            ", ce_levels = [\"150dB\", \"140dB\", \"164dB\"]",
            "",
            "rising coupling losses",
        ),
        (
            ", ce_levels = [\"150dB\", \"160dB\"]",
            "",
            "three values, for CE0, CE1 and CE2",
        ),
        (
            ", level_units = [12, 4, 1]",
            "",
            "1, 3, 6 or 12 subcarriers",
        ),
        (
            ", ra_period = [\"40ms\", \"40ms\", \"40ms\"]",
            "",
            "longer than its random-access period",
        ),
        (
            ", transfers = 5",
            "",
            "access.nb.cellular.transfers`: `transfers` belongs to the abstract cell",
        ),
        (
            ", rate = \"60kbps\"",
            "",
            "transfer times follow from the transport block",
        ),
        ("", "energy = { tx_current = \"40mA\" }", "psm_current"),
        ("", "energy = { rx_window = \"1s\" }", "remove `rx_window`"),
    ] {
        const CE: &str = ", ce_levels = [\"200dB\", \"210dB\", \"220dB\"]";
        let text = if extra.starts_with(", ce_levels") {
            base.replace(CE, extra)
        } else {
            base.replace(CE, &format!("{CE}{extra}"))
        };
        let text = format!("{text}{more}\n");
        let f = crate::util::write(dir.path(), "bad.toml", &text);
        let o = crate::util::citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{extra} {more}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{extra} {more}: {}", o.stderr);
    }
}

#[test]
fn issue_15_an_abstract_cell_table_names_the_keys_of_radio_cells() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"c\"\n[[access]]\nname = \"ab\"\ncellular = { transfers = 5, ra_period = [\"40ms\", \"80ms\", \"160ms\"] }\n[[sensors]]\nname = \"s\"\ncount = 1\ntraffic = { kind = \"periodic\", interval = \"1h\" }\npayload = \"20B\"\n[gateways]\ncount = 1\n";
    let f = crate::util::write(dir.path(), "bad.toml", text);
    let o = crate::util::citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains(
            "`ra_period` belongs to an NB-IoT or LTE-M cell; set kind = \"nbiot\" or \"ltem\""
        ),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("bad.toml:4:41:"), "{}", o.stderr);
}

#[test]
fn coverage_level_shares_follow_the_coupling_loss_distribution() {
    // Log-distance loss without shadowing from a cell at the centre of a 2 km square:
    // the levels' bounds are the coupling losses at 300, 600 and 900 m, so a uniform
    // device is at CE0, CE1, CE2 or beyond with the shares of the rings' areas.
    let cl = |d: f64| 40.0 + 35.0 * d.log10() - 18.0 + 4.0;
    let text = format!(
        r#"
name = "rings"
[city]
width = "2km"
height = "2km"
[[access]]
name = "nb"
cellular = {{ kind = "nbiot", propagation = "log-distance", d0 = "1m", pl0 = "40dB", exponent = 3.5, shadowing = "0dB", ce_levels = ["{:.6}dB", "{:.6}dB", "{:.6}dB"] }}
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [[1000, 1000]] }}
[[sensors]]
name = "meter"
count = 20000
traffic = {{ kind = "periodic", interval = "1h" }}
payload = "24B"
"#,
        cl(300.0),
        cl(600.0),
        cl(900.0)
    );
    let r = run_str(&text);
    let c = &r.cells[0];
    let n = (c.readings.iter().sum::<u64>() + c.out_of_coverage) as f64;
    assert_eq!(n, 20000.0);
    let area = |r: f64| std::f64::consts::PI * r * r / 4e6;
    let want = [
        area(300.0),
        area(600.0) - area(300.0),
        area(900.0) - area(600.0),
        1.0 - area(900.0),
    ];
    let got = [
        c.readings[0],
        c.readings[1],
        c.readings[2],
        c.out_of_coverage,
    ];
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        let share = g as f64 / n;
        let sd = (w * (1.0 - w) / n).sqrt();
        assert!(
            (share - w).abs() <= 4.0 * sd,
            "level {i}: {share:.4} against {w:.4} +/- {sd:.4}"
        );
    }
}

#[test]
fn a_site_serving_nbiot_and_ltem_has_a_carrier_of_each() {
    let text = r#"
name = "both"
[city]
width = "1km"
height = "1km"
[[access]]
name = "nb"
cellular = { kind = "nbiot" }
[[access]]
name = "lm"
cellular = { kind = "ltem" }
[gateways]
count = 2
placement = { kind = "grid" }
[[sensors]]
name = "meters"
count = 300
traffic = { kind = "periodic", interval = "10min" }
payload = "24B"
access = "nb"
[[sensors]]
name = "trackers"
count = 100
traffic = { kind = "periodic", interval = "10min" }
payload = "24B"
access = "lm"
"#;
    let r = run_str(text);
    let kinds: Vec<(&str, &str)> = r
        .cells
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("gw-0", "nbiot"),
            ("gw-0", "ltem"),
            ("gw-1", "nbiot"),
            ("gw-1", "ltem")
        ]
    );
    let readings = |kind: &str| -> u64 {
        r.cells
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.readings.iter().sum::<u64>() + c.out_of_coverage)
            .sum()
    };
    assert_eq!(readings("nbiot"), r.classes[0].flow.generated);
    assert_eq!(readings("ltem"), r.classes[1].flow.generated);
    assert!(r.classes.iter().all(|c| c.flow.delivery_ratio() > 0.99));
}

#[test]
fn a_saturated_random_access_is_named_in_the_run_and_charted() {
    // 10,000 meters on one site within a minute, four preambles per opportunity: most
    // preambles collide.
    let dir = tempfile::tempdir().unwrap();
    let storm = r#"[[incidents]]
name = "storm"
region = { kind = "rectangle", x0 = "0m", y0 = "0m", x1 = "500m", y1 = "500m" }
start = "10min"
duration = "1min"
alarms = { spread = "1min" }"#;
    let quiet = "{ kind = \"periodic\", interval = \"1d\" }";
    let text = cell(10_000, quiet, ", preambles = [4, 4, 4]", storm);
    let f = crate::util::write(dir.path(), "storm.toml", &text);
    let o = crate::util::citysim(dir.path(), &["run", &f, "--out", "out"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let said = format!("{}{}", o.stdout, o.stderr);
    assert!(said.contains("random access saturated at 1 of 1"), "{said}");
    assert!(said.contains("dropped_random_access"), "{said}");
    let out = dir.path().join("out");
    assert!(out.join("charts/random_access.svg").exists());
    let (h, rows) = crate::util::read_csv(&out.join("timeseries.csv"));
    let sent: u64 = rows
        .iter()
        .map(|r| crate::util::cell::<u64>(&h, r, "ra_attempts"))
        .sum();
    let heard: u64 = rows
        .iter()
        .map(|r| crate::util::cell::<u64>(&h, r, "ra_heard"))
        .sum();
    let c = crate::util::read_csv(&out.join("cells.csv"));
    let attempts: u64 = ["ra_attempts_ce0", "ra_attempts_ce1", "ra_attempts_ce2"]
        .iter()
        .map(|k| crate::util::cell::<u64>(&c.0, &c.1[0], k))
        .sum();
    assert_eq!(sent, attempts);
    assert!((heard as f64) < 0.5 * sent as f64, "{heard} of {sent}");
}

#[test]
fn a_full_cell_queue_pushes_out_bulk_readings_for_alarms() {
    // One tone of uplink and 32 repetitions: a transfer takes the carrier for over a
    // second, far less than 600 meters offer. Ten places to wait: alarms take them from
    // bulk readings, so alarms are never lost to the queue while bulk readings are.
    let alarms = r#"[[sensors]]
name = "alarm"
count = 20
traffic = { kind = "poisson", interval = "1min" }
payload = "24B"
priority = "high""#;
    let extra = ", units = 1, level_units = [1, 1, 1], repetitions = [32, 32, 32], queue = 10";
    let text = cell(
        600,
        "{ kind = \"poisson\", interval = \"1min\" }",
        extra,
        alarms,
    );
    let low = "payload = \"24B\"\npriority = \"low\"\n";
    let text = text.replacen("payload = \"24B\"\n", low, 1);
    let r = run_str(&text);
    let overflow = citysim::metrics::DropCause::QueueOverflow as usize;
    let (bulk, alarm) = (&r.classes[0].flow, &r.classes[1].flow);
    assert!(
        bulk.dropped[overflow] > bulk.generated / 2,
        "{:?}",
        bulk.dropped
    );
    assert_eq!(alarm.dropped[overflow], 0);
    assert!(alarm.delivered as f64 >= 0.98 * alarm.generated as f64);
}

//! IEEE 802.15.4 mesh access: CSMA/CA on an idle and a loaded channel, per-hop
//! retries against the closed form, ETX against hop-count routing, relay outages.

use crate::util::*;
use citysim::metrics::Flow;
use citysim::model::prr;
use citysim::run::{run, QueueKind};

/// Runs scenario text and returns the total flow.
fn total(text: &str, rep: u32) -> Flow {
    let s = citysim::scenario::load_str("mesh.toml", "mesh", text, &[]).unwrap();
    run(&s, rep, QueueKind::Radix, &mut |_| {}).0.total()
}

/// Mesh radio with no shadowing: PL(d) = 40 + 28 log10(d) dB at 0 dBm, noise -95 dBm.
const RADIO: &str = r#"mesh = { exponent = 2.8, shadowing = "0dB", noise_floor = "-95dBm", cca_threshold = "-85dBm" }"#;

/// Fixed part of one hop on an idle channel for a frame of `bytes` (payload + 17 B):
/// CCA, turnaround, the frame, turnaround, the 11-byte ACK. Microseconds.
fn fixed_hop_us(bytes: u64) -> u64 {
    128 + 192 + bytes * 32 + 192 + 11 * 32
}

/// One sensor 10 m from a gateway on a mesh of `mesh`, a 20-byte reading every
/// `interval` for `duration`.
fn lone(mesh: &str, interval: &str, duration: &str) -> String {
    format!(
        r#"
name = "lone"
[simulation]
duration = "{duration}"
[city]
width = "100m"
height = "100m"
[[access]]
name = "zigbee"
{mesh}
[[sensors]]
name = "lone"
count = 1
placement = {{ kind = "explicit", positions = [["40m", "50m"]] }}
traffic = {{ kind = "periodic", interval = "{interval}" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["50m", "50m"]] }}
"#
    )
}

#[test]
fn a_single_sender_on_an_idle_channel_backs_off_once() {
    let text = lone(RADIO, "2s", "2h");
    let f = total(&text, 0);
    assert_eq!(f.generated, 3600);
    assert_eq!(f.delivered, f.generated);
    assert_eq!(f.busy_cca, 0, "the channel was found busy");
    assert_eq!(f.retransmissions, 0);
    // One random backoff of 0..7 unit periods (320 us) and nothing more.
    let fixed = fixed_hop_us(37) * 1000;
    let max_backoff = 7 * 320_000;
    assert!(
        f.latency_max_ns <= fixed + max_backoff,
        "max latency {} ns > {} ns",
        f.latency_max_ns,
        fixed + max_backoff
    );
    assert!(f.latency.min() >= fixed * 999 / 1000);
    // The backoff is uniform over 0..7 slots: mean 3.5 slots, sd 2.29 slots. The mean
    // of 3600 lies within 4 standard errors (4 * 2.29 * 320 / 60 = 49 us) of 1120 us.
    let mean = f.latency_sum_ns as f64 / f.delivered as f64 - fixed as f64;
    assert!(
        (mean - 1_120_000.0).abs() < 49_000.0,
        "mean backoff {mean} ns"
    );
}

/// 60 sensors spread over 120 m x 120 m around one gateway: sensors at opposite sides
/// cannot hear each other (hidden terminals), all reach the gateway.
fn loaded(interval: &str) -> String {
    format!(
        r#"
name = "load"
[simulation]
duration = "4min"
warmup = "10s"
[city]
width = "120m"
height = "120m"
[[access]]
name = "zigbee"
{RADIO}
[[sensors]]
name = "node"
count = 60
traffic = {{ kind = "poisson", interval = "{interval}" }}
payload = "40B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["60m", "60m"]] }}
"#
    )
}

#[test]
fn delivery_falls_and_retries_rise_with_offered_load() {
    // Offered load per frame time (57 B, 1.8 ms + ACK): G = 60 * 2.5 ms / interval,
    // from 0.03 to 3.
    // "Retries" are every attempt a sender repeats: backoffs after a busy channel and
    // retransmissions of unacknowledged frames. At the highest loads, readings die in
    // channel access before any retransmission, so both are needed.
    // Tolerances come from 4 independent replications per level: each step must exceed
    // 3 standard errors of the difference of the means.
    let stats = |v: &[f64]| {
        let m = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        (m, var / v.len() as f64)
    };
    let mut last: Option<((f64, f64), (f64, f64))> = None;
    for interval in ["5s", "1s", "300ms", "100ms", "50ms"] {
        let flows: Vec<Flow> = (0..4).map(|r| total(&loaded(interval), r)).collect();
        let d = stats(&flows.iter().map(Flow::delivery_ratio).collect::<Vec<_>>());
        let per = |f: &Flow, x: u64| x as f64 / f.generated as f64;
        let retries: Vec<f64> = flows
            .iter()
            .map(|f| per(f, f.retransmissions + f.busy_cca))
            .collect();
        let r = stats(&retries);
        eprintln!(
            "interval {interval}: delivery {:.4}, retransmissions/reading {:.4}, busy CCA/reading {:.4}",
            d.0,
            per(&flows[0], flows[0].retransmissions),
            per(&flows[0], flows[0].busy_cca)
        );
        if let Some((pd, pr)) = last {
            assert!(
                pd.0 - d.0 > 3.0 * (pd.1 + d.1).sqrt(),
                "{interval}: delivery {d:?} not below {pd:?}"
            );
            assert!(
                r.0 - pr.0 > 3.0 * (pr.1 + r.1).sqrt(),
                "{interval}: retries {r:?} not above {pr:?}"
            );
        }
        last = Some((d, r));
    }
}

/// A sensor at x = 0, a relay at `relay_x` and a gateway at `gw_x`, on a line.
fn line(routing: &str, gw_x: f64, relay_x: f64, extra: &str) -> String {
    format!(
        r#"
name = "line"
[simulation]
duration = "3h"
[city]
width = "300m"
height = "20m"
[[access]]
name = "zigbee"
mesh = {{ exponent = 2.8, shadowing = "0dB", noise_floor = "-95dBm", routing = "{routing}", link_prr = 0.01 }}
[[relays]]
name = "relay"
count = 1
placement = {{ kind = "explicit", positions = [["{relay_x}m", "10m"]] }}
[[sensors]]
name = "end"
count = 1
placement = {{ kind = "explicit", positions = [["0m", "10m"]] }}
traffic = {{ kind = "periodic", interval = "1s" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["{gw_x}m", "10m"]] }}
{extra}
"#
    )
}

/// Per reading on one lossy hop with up to 1 + 3 attempts, where each attempt's data
/// gets through with `pd` and then its ACK with `pa` (both drawn afresh): the mean and
/// variance of the retransmissions and of the duplicates the receiver suppresses, by
/// enumerating every outcome.
fn hop_moments(pd: f64, pa: f64) -> [(f64, f64); 2] {
    // (probability, retransmissions, duplicates) of every way a reading's attempts end.
    let mut ends: Vec<(f64, f64, f64)> = Vec::new();
    let mut walk = vec![(1.0, 0u32, false, 0u32)]; // (prob, attempts made, received, dups)
    while let Some((w, k, got, dups)) = walk.pop() {
        if k == 4 {
            ends.push((w, 3.0, f64::from(dups)));
            continue;
        }
        let dup = u32::from(got);
        // Data lost: try again.
        walk.push((w * (1.0 - pd), k + 1, got, dups));
        // Data received, ACK heard: done.
        ends.push((w * pd * pa, f64::from(k), f64::from(dups + dup)));
        // Data received, ACK lost: try again.
        walk.push((w * pd * (1.0 - pa), k + 1, true, dups + dup));
    }
    let moments = |f: &dyn Fn(&(f64, f64, f64)) -> f64| {
        let m: f64 = ends.iter().map(|e| e.0 * f(e)).sum();
        let v: f64 = ends.iter().map(|e| e.0 * (f(e) - m).powi(2)).sum();
        (m, v)
    };
    [moments(&|e| e.1), moments(&|e| e.2)]
}

#[test]
fn issue_15_per_hop_retries_and_lost_acks_match_their_closed_forms() {
    // Hop-count routing takes the direct, lossy link to the gateway at 104 m (its ETX,
    // about 3.2, is worse than two clean hops through the relay).
    let d: f64 = 104.0;
    let snr = -40.0 - 28.0 * d.log10() + 95.0;
    let (p, pa) = (prr(snr, 37), prr(snr, 11));
    assert!((0.2..0.7).contains(&p), "link PRR {p}");
    let f = total(&line("hops", d, 52.0, ""), 0);
    let n = f.generated as f64;
    // Up to 1 + 3 attempts: delivered with 1 - (1 - p)^4, whatever becomes of the ACKs.
    let want = 1.0 - (1.0 - p).powi(4);
    let got = f.delivery_ratio();
    let se = (want * (1.0 - want) / n).sqrt();
    eprintln!("p = {p:.4}, ACK {pa:.4}: delivery {got:.4}, closed form {want:.4} (se {se:.4})");
    assert!((got - want).abs() < 4.0 * se, "delivery {got} vs {want}");
    // Retransmissions and suppressed duplicates per reading, each within 4 standard
    // errors of its exact mean.
    let [(retx, retx_var), (dups, dups_var)] = hop_moments(p, pa);
    let got_r = f.retransmissions as f64 / n;
    let got_d = f.duplicates as f64 / n;
    eprintln!(
        "retransmissions {got_r:.4} (closed form {retx:.4}), duplicates {got_d:.4} ({dups:.4})"
    );
    assert!(
        (got_r - retx).abs() < 4.0 * (retx_var / n).sqrt(),
        "retries {got_r} vs {retx}"
    );
    assert!(
        (got_d - dups).abs() < 4.0 * (dups_var / n).sqrt(),
        "duplicates {got_d} vs {dups}"
    );
    // With ACKs that always arrive there would be no duplicate at all.
    assert!(dups > 0.05 && got_d > 0.0);
    // ETX routing goes through the relay: two clean hops, nothing lost.
    let e = total(&line("etx", d, 52.0, ""), 0);
    assert_eq!(e.delivered, e.generated);
    assert_eq!(e.retransmissions, 0);
    let two_hops = 2 * fixed_hop_us(37) * 1000;
    assert!(e.latency.min() >= two_hops * 999 / 1000);
}

#[test]
fn a_relay_outage_cuts_the_only_route_and_delivery_comes_back() {
    // The gateway at 180 m is out of the sensor's reach: only the relay carries it.
    let outage = r#"
[[faults]]
target = "relay-0"
start = "1h"
duration = "30min"
"#;
    let s =
        citysim::scenario::load_str("mesh.toml", "mesh", &line("etx", 180.0, 90.0, outage), &[])
            .unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let f = r.total();
    // 1800 readings during the outage, none of them delivered; all others are.
    assert_eq!(f.generated, 3 * 3600);
    let lost = f.generated - f.delivered;
    assert!(
        (1800..=1801).contains(&lost),
        "{lost} lost, by cause {:?}",
        f.dropped
    );
    let after: u64 = r
        .buckets
        .iter()
        .skip((r.buckets.len() * 2) / 3)
        .map(|b| b.delivered)
        .sum();
    assert_eq!(after, 3600, "delivery after the repair");
    // Every delivered reading went through the relay, one hop from the gateway.
    assert_eq!(r.relays.len(), 1);
    assert_eq!(r.relays[0].name, "relay-0");
    assert_eq!(r.relays[0].hops, Some(1));
    assert_eq!(r.relays[0].forwarded, f.delivered);
    assert_eq!(r.relays[0].received, f.delivered);
}

#[test]
fn bad_mesh_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = line("etx", 100.0, 50.0, "");
    for (from, to, key) in [
        (
            "routing = \"etx\"",
            "routing = \"shortest\"",
            "access.zigbee.mesh.routing",
        ),
        (
            "link_prr = 0.01",
            "link_prr = 2",
            "access.zigbee.mesh.link_prr",
        ),
        (
            "payload = \"20B\"",
            "payload = \"120B\"",
            "sensors.end.payload",
        ),
        (
            "name = \"relay\"",
            "name = \"relay\"\naccess = \"wifi\"",
            "relays.relay.access",
        ),
        (
            "exponent = 2.8",
            "exponent = 2.8, max_backoffs = 9",
            "access.zigbee.mesh.max_backoffs",
        ),
    ] {
        let text = base.replacen(from, to, 1);
        assert_ne!(text, base, "{from}");
        let path = write(dir.path(), "bad.toml", &text);
        let out = citysim(dir.path(), &["validate", &path]);
        assert_eq!(out.code, 2, "{to}: {}", out.stderr);
        assert!(out.stderr.contains(key), "{to}: {}", out.stderr);
        assert!(out.stderr.contains("bad.toml:"), "{}", out.stderr);
    }
}

/// Twenty-five sensors next to each other send through a relay 50 m away to a gateway
/// they cannot reach (120 m). Carrier sense down to -95 dBm makes the relay one more
/// contender for the channel, so it forwards about as often as one sensor sends: its
/// queue of `queue` frames overflows. Bulk readings are low priority; a few alarms are
/// high.
fn crowded_relay(queue: u32) -> String {
    let spots = |n: usize| -> String {
        (0..n)
            .map(|i| format!("[\"{}m\", \"{}m\"]", 1 + i % 5, 8 + i / 5))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        r#"
name = "crowded"
[simulation]
duration = "20min"
[city]
width = "300m"
height = "20m"
[[access]]
name = "zigbee"
mesh = {{ exponent = 2.8, shadowing = "0dB", noise_floor = "-95dBm", cca_threshold = "-95dBm", routing = "etx", queue = {queue} }}
[[relays]]
name = "relay"
count = 1
placement = {{ kind = "explicit", positions = [["55m", "10m"]] }}
[[sensors]]
name = "bulk"
count = 20
priority = "low"
placement = {{ kind = "explicit", positions = [{bulk}] }}
traffic = {{ kind = "poisson", interval = "100ms" }}
payload = "20B"
[[sensors]]
name = "alarm"
count = 5
priority = "high"
placement = {{ kind = "explicit", positions = [{alarm}] }}
traffic = {{ kind = "poisson", interval = "2s" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["120m", "10m"]] }}
"#,
        bulk = spots(20),
        alarm = spots(5),
    )
}

#[test]
fn issue_15_a_full_relay_queue_pushes_out_a_lower_priority_frame() {
    let s = citysim::scenario::load_str("crowded.toml", "crowded", &crowded_relay(4), &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let overflow = |p: usize| {
        let f = &r.priorities[p];
        let lost = f.dropped[citysim::metrics::DropCause::QueueOverflow as usize];
        (lost, f.generated, lost as f64 / f.generated as f64)
    };
    let (high, low) = (overflow(0), overflow(2));
    eprintln!("queue overflow: high {high:?}, low {low:?}");
    // The relay is overloaded: a large share of the bulk readings overflows its queue.
    assert!(low.2 > 0.1, "the relay was not overloaded: {low:?}");
    // Alarms arrive at 1/80 of the bulk rate, so at most a few of the 4 places ever
    // hold alarms: an arriving alarm nearly always finds a bulk frame to push out. Before
    // push-out, alarms overflowed at the bulk readings' rate (17% against 19%).
    assert!(
        high.2 < 0.01,
        "alarms overflowed the relay: {high:?} (bulk {low:?})"
    );
}

/// Twelve sensors on a ring of radius 30 m around a gateway, each sending a 20-byte
/// reading five times a second. Neighbours closer than 40 m hear each other above
/// -85 dBm; every sensor hears every other above the -95 dBm noise floor (60 m at most).
fn ring(cca_mode: &str) -> String {
    let spots: Vec<String> = (0..12)
        .map(|i| {
            let a = i as f64 * std::f64::consts::TAU / 12.0;
            format!(
                "[\"{:.2}m\", \"{:.2}m\"]",
                50.0 + 30.0 * a.cos(),
                50.0 + 30.0 * a.sin()
            )
        })
        .collect();
    format!(
        r#"
name = "ring"
[simulation]
duration = "30min"
[city]
width = "100m"
height = "100m"
[[access]]
name = "zigbee"
mesh = {{ exponent = 2.8, shadowing = "0dB", noise_floor = "-95dBm", cca_threshold = "-85dBm", cca_mode = "{cca_mode}" }}
[[sensors]]
name = "ring"
count = 12
placement = {{ kind = "explicit", positions = [{spots}] }}
traffic = {{ kind = "poisson", interval = "200ms" }}
payload = "20B"
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [["50m", "50m"]] }}
"#,
        spots = spots.join(", ")
    )
}

#[test]
fn issue_15_carrier_sense_prevents_the_hidden_terminal_collisions_energy_detection_lets_through() {
    let per_reading = |mode: &str| {
        let f = total(&ring(mode), 0);
        (f.retransmissions as f64 / f.generated as f64, f.generated)
    };
    let (energy, n) = per_reading("energy");
    let (carrier, _) = per_reading("carrier");
    let (both, _) = per_reading("both");
    eprintln!("retransmissions per reading: energy {energy:.4}, carrier {carrier:.4}, both {both:.4} ({n} readings)");
    // Every pair is heard above the noise floor, so carrier sense leaves collisions
    // only where two assessments end within the 192 us turnaround of each other, or
    // one ends in the 192 us between a frame and its acknowledgement: with the other
    // eleven sensors' 5 readings a second, about 55/s x 3 x 192 us = 3.2% of frames;
    // backoffs and retries add some, so allow twice that. Energy detection at -85 dBm
    // leaves the sensors more than 40 m apart hidden from each other: more than half
    // the pairs, whose frames collide whenever they overlap.
    assert!(
        carrier < 2.0 * 55.0 * 3.0 * 192e-6,
        "carrier sense: {carrier}"
    );
    assert!(
        energy > 3.0 * carrier,
        "energy {energy} against carrier {carrier}"
    );
    // No sum of frames below the noise floor reaches -85 dBm, so mode 3 (either) is
    // carrier sense here.
    assert_eq!(both, carrier);
}

#[test]
fn issue_15_a_saturated_sender_keeps_the_interframe_spaces() {
    // One sensor with a reading every millisecond keeps its queue full: it sends
    // back to back. A cycle is the long interframe space after the last ACK (the 37-byte
    // frame's MPDU, 31 B, is over aMaxSIFSFrameSize: LIFS, 640 us), a backoff of 0..7
    // unit periods (mean 1,120 us, sd 733 us), the CCA (128 us), the turnaround, the
    // frame (1,184 us), the turnaround and the ACK (352 us): 3,808 us on average. By
    // the renewal theorem the cycles in T = 600 s number T / mu, with sd
    // sqrt(T sigma^2 / mu^3) = 76. Without the gateway's link status broadcasts, which
    // would take the channel now and then.
    let quiet = RADIO.replace("mesh = {", "mesh = { link_status = \"0s\",");
    let text = lone(&quiet, "1ms", "10min");
    let f = total(&text, 0);
    let (mu, sigma, t): (f64, f64, f64) = (3808e-6, 733e-6, 600.0);
    let want = t / mu;
    let sd = (t * sigma * sigma / (mu * mu * mu)).sqrt();
    let got = f.delivered as f64;
    eprintln!("back-to-back frames: {got} in 10 min, renewal theory {want:.0} (sd {sd:.0})");
    assert_eq!(f.retransmissions, 0);
    assert_eq!(f.busy_cca, 0);
    // 4 sd, and one cycle for the partial one at each end.
    assert!(
        (got - want).abs() < 4.0 * sd + 2.0,
        "{got} frames, want {want:.0}"
    );
}

#[test]
fn issue_15_each_header_preset_sets_the_frame_time() {
    // One sender on an idle channel: every hop takes the fixed part for its frame (the
    // 20-byte reading plus the stack's overhead) and one backoff of 0..7 unit periods.
    for (preset, overhead) in [("802.15.4", 17), ("zigbee", 51), ("thread", 39)] {
        let mesh =
            format!("mesh = {{ exponent = 2.8, shadowing = \"0dB\", overhead = \"{preset}\" }}");
        let text = lone(&mesh, "2s", "20min");
        let f = total(&text, 0);
        let fixed = fixed_hop_us(20 + overhead) * 1000;
        assert_eq!(f.delivered, f.generated, "{preset}");
        assert!(
            f.latency.min() >= fixed * 999 / 1000,
            "{preset}: {}",
            f.latency.min()
        );
        assert!(
            f.latency_max_ns <= fixed + 7 * 320_000,
            "{preset}: {} > {}",
            f.latency_max_ns,
            fixed + 7 * 320_000
        );
    }
    // A reading that does not fit a frame with the stack's headers is refused by name.
    let d = tempfile::tempdir().unwrap();
    let big = line("etx", 20.0, 10.0, "")
        .replace("payload = \"20B\"", "payload = \"90B\"")
        .replace("link_prr = 0.01", "link_prr = 0.01, overhead = \"zigbee\"");
    let out = citysim(d.path(), &["validate", &write(d.path(), "big.toml", &big)]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("sensors.end.payload"), "{}", out.stderr);
    let typo = line("etx", 20.0, 10.0, "")
        .replace("link_prr = 0.01", "link_prr = 0.01, overhead = \"zigbe\"");
    let out = citysim(
        d.path(),
        &["validate", &write(d.path(), "typo.toml", &typo)],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("\"zigbee\" or \"thread\""),
        "{}",
        out.stderr
    );
}

#[test]
fn issue_15_relays_csv_shows_the_mesh_healing_around_an_outage() {
    // A sensor at 0 m reaches only relay-0 (70 m), which reaches only relay-1 (140 m),
    // which reaches the gateway (210 m): one route. relay-1 fails from 1 h to 1 h 30.
    let text = &crate::mesh_control::chain("", "");
    let s = citysim::scenario::load_str("chain.toml", "chain", text, &[]).unwrap();
    let r = run(&s, 0, QueueKind::Radix, &mut |_| {}).0;
    let (a, b) = (&r.relays[0], &r.relays[1]);
    assert_eq!((a.hops, b.hops), (Some(2), Some(1)), "the chain's routes");
    // relay-0 lost its only next hop and got it back: two changes, and 30 minutes up
    // without a route. relay-1 was down, not without a route.
    assert_eq!(a.route_changes, 2);
    assert!((a.no_route_s - 1800.0).abs() < 1e-6, "{}", a.no_route_s);
    assert_eq!(b.route_changes, 2);
    assert_eq!(b.no_route_s, 0.0);
    // The file says so too.
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "chain.toml", text);
    let out = citysim(d.path(), &["run", &f, "--out", "o", "--no-report"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // And the run's summary.
    assert!(
        out.stdout.contains(
            "warning: 1 of 2 relays were up without a route to a border gateway (longest: relay-0, 30.0 min of the 3.00 h measured)"
        ),
        "{}",
        out.stdout
    );
    let (h, rows) = read_csv(&d.path().join("o/relays.csv"));
    let secs: f64 = cell(&h, &rows[0], "no_route_s");
    let changes: f64 = cell(&h, &rows[0], "route_changes");
    assert_eq!((secs, changes), (1800.0, 2.0));
}

#[test]
fn issue_15_link_status_broadcasts_keep_their_schedule_and_take_the_channel() {
    // Every relay and border gateway broadcasts a link status every 15 s from a random
    // phase: over the 10,800 s run, 720 each (719 or 720 with the phase), whatever
    // else is on the air. Each takes the channel for its frame: a saturated sender
    // finds it busy now and then, where with no control traffic it never does.
    let text = line("etx", 0.0, 30.0, "");
    let dir = tempfile::tempdir().unwrap();
    let f = crate::util::write(dir.path(), "line.toml", &text);
    let o = crate::util::citysim(dir.path(), &["run", &f, "--out", "out", "--no-report"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = crate::util::read_csv(&dir.path().join("out/relays.csv"));
    assert!(!rows.is_empty());
    for r in &rows {
        let sent: u64 = crate::util::cell(&h, r, "control_sent");
        assert!((719..=720).contains(&sent), "{sent} link status frames");
    }
    let busy = |status: &str| {
        let m = RADIO.replace(
            "mesh = {",
            &format!("mesh = {{ link_status = \"{status}\","),
        );
        total(&lone(&m, "1ms", "10min"), 0).busy_cca
    };
    assert_eq!(busy("0s"), 0);
    assert!(
        busy("1s") > busy("15s"),
        "more control traffic, a busier channel"
    );
}

//! What a configuration cannot sustain, said before the run in plain words.

use super::access::lora::net::{class_a_tail_ns, LoraNet};
use super::access::lora::phy::LoraTx;
use crate::scenario::{LoraCfg, PathModel, Propagation, Scenario, SensorClass};
use crate::units::format_duration;

/// Warnings about `scenario`: LoRa classes whose readings come faster than the duty
/// cycle, or the radio itself, can carry at some spreading factor they may use.
pub fn warnings(scenario: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for a in &scenario.access {
        if let Some(l) = a.lora() {
            if let Some(why) = outside_validity(&l.propagation) {
                out.push(format!(
                    "access \"{}\": the path-loss preset is used outside the range it was fitted for ({why}); its losses there are an extrapolation: calibrate it or pick another preset",
                    a.name
                ));
            }
        }
    }
    for c in &scenario.sensors {
        if let Some(l) = scenario.access[c.access].lora() {
            lora_capacity(c, l, &mut out);
        }
    }
    for (a, acc) in scenario.access.iter().enumerate() {
        if let Some(l) = acc.lora() {
            channel_load(scenario, (a, &acc.name), l, &mut out);
        }
    }
    out
}

/// A LoRa network whose channels are offered more than pure ALOHA's best load (G =
/// 0.5 per channel) at a gateway: every class's readings at the fastest SF it may use,
/// from the sensors a gateway placed at random hears at that SF on average (all of them
/// in a city within its reach), so the load is a lower bound.
fn channel_load(scenario: &Scenario, (a, name): (usize, &str), l: &LoraCfg, out: &mut Vec<String>) {
    let city_m2 = scenario.city.width_m * scenario.city.height_m;
    let (mut erlangs, mut all_heard) = (0.0, true);
    for c in scenario.sensors.iter().filter(|c| c.access == a) {
        let rate = c.traffic.mean_rate_per_s();
        let (sfs, _) = usable_sfs(c, l);
        let Some(&sf) = sfs.first() else { continue };
        if rate.is_finite() && rate > 0.0 {
            let heard = (LoraNet::link_area_m2(l, sf) / city_m2).min(1.0);
            all_heard &= heard >= 1.0;
            erlangs += f64::from(c.count) * heard * rate * toa_s(l, sf, c.payload_bytes);
        }
    }
    let g = erlangs / f64::from(l.channels);
    if g > 0.5 {
        let whose = if all_heard {
            "its sensors offer"
        } else {
            "the sensors a gateway hears offer it, on average,"
        };
        out.push(format!(
            "access \"{name}\": {whose} at least {g:.2} frames at once per channel ({erlangs:.1} over {} channels); pure ALOHA delivers e^-2G = {:.1}% at that load and at most 18.4% of a channel's time: expect heavy losses to interference (dropped_interference); add channels, or send fewer or shorter readings",
            l.channels,
            100.0 * (-2.0 * g).exp()
        ));
    }
}

/// Time on air of a `payload`-byte reading at `sf` on network `l`, s.
fn toa_s(l: &LoraCfg, sf: u8, payload: u32) -> f64 {
    LoraTx {
        sf,
        bw_hz: l.bw_hz,
        cr: l.cr,
        preamble: l.preamble,
        explicit_header: l.explicit_header,
        crc: l.crc,
    }
    .time_on_air_s(payload + l.mac_overhead)
}

/// Why a propagation preset is outside its published range of validity, if it is.
pub fn outside_validity(p: &Propagation) -> Option<String> {
    let f = p.frequency_hz / 1e6;
    let (hb, hm) = (p.gateway_height_m, p.device_height_m);
    let mut why = Vec::new();
    let (name, f_range, hb_range, hm_range) = match p.model {
        PathModel::Uma3gpp => (
            "3GPP TR 38.901 UMa",
            (500.0, 100e3),
            (10.0, 150.0),
            (1.5, 22.5),
        ),
        PathModel::OkumuraHata(_) => ("Okumura-Hata", (150.0, 1500.0), (30.0, 200.0), (1.0, 10.0)),
        PathModel::Cost231Hata(_) => (
            "COST-231 Hata",
            (1500.0, 2000.0),
            (30.0, 200.0),
            (1.0, 10.0),
        ),
        PathModel::LogDistance { .. } => return None,
    };
    if f < f_range.0 || f > f_range.1 {
        why.push(format!(
            "{f} MHz; {name} is defined from {} to {} MHz",
            f_range.0, f_range.1
        ));
    }
    if hb < hb_range.0 || hb > hb_range.1 {
        why.push(format!(
            "a {hb} m gateway; {name} assumes {} to {} m",
            hb_range.0, hb_range.1
        ));
    }
    if hm < hm_range.0 || hm > hm_range.1 {
        why.push(format!(
            "a {hm} m device; {name} assumes {} to {} m",
            hm_range.0, hm_range.1
        ));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The airtime share a device of `l` may sustain under a duty cycle of `band_dc`,
/// and the limit in words: one budget per sub-band its channels span when the limit
/// holds per band, else one.
fn duty_limit(l: &LoraCfg, band_dc: f64) -> (f64, String) {
    let mut b: Vec<usize> = (0..l.channels).map(|c| l.region.sub_band(c)).collect();
    b.sort_unstable();
    b.dedup();
    let bands = if l.per_band { b.len() } else { 1 };
    let pct = band_dc * 100.0;
    let words = if bands > 1 {
        format!("{pct}% duty cycle in each of its {bands} sub-bands")
    } else {
        format!("{pct}% duty cycle")
    };
    (band_dc * bands as f64, words)
}

/// The SFs a LoRa class may use: its fixed ones, and with `"auto"` every uplink rate of
/// the region at the network's bandwidth that carries its payload.
fn usable_sfs(c: &SensorClass, l: &LoraCfg) -> (Vec<u8>, bool) {
    let (mut sfs, auto) = c.lora_sfs(l);
    if auto {
        for (dr, &(sf, bw)) in l.region.uplink_rates().iter().enumerate() {
            if (bw - l.bw_hz).abs() < 1.0 && l.region.max_payload(dr) >= c.payload_bytes {
                sfs.push(sf);
            }
        }
        sfs.sort_unstable();
        sfs.dedup();
    }
    (sfs, auto)
}

fn lora_capacity(c: &SensorClass, l: &LoraCfg, out: &mut Vec<String>) {
    let rate = c.traffic.mean_rate_per_s();
    if rate.is_nan() || rate <= 0.0 {
        return;
    }
    let (sfs, auto) = usable_sfs(c, l);
    let toa = |sf: u8| toa_s(l, sf, c.payload_bytes);
    let every = format_duration((1e9 / rate).round() as u64);
    let who = |sfs: &[u8]| {
        let list: Vec<String> = sfs.iter().map(|sf| format!("SF{sf}")).collect();
        if auto && sfs.len() < 7 {
            format!(
                "sensors that need {} (far from a gateway)",
                list.join(" or ")
            )
        } else {
            format!("its sensors at {}", list.join(", "))
        }
    };
    let what = if l.duty_cycle_drop {
        "most of their readings will be dropped (dropped_duty_cycle)"
    } else {
        "their readings will wait longer and longer (in flight at the end, latency growing with the run)"
    };
    if let Some(band_dc) = l.duty_cycle {
        let (dc, limit) = duty_limit(l, band_dc);
        let over: Vec<u8> = sfs
            .iter()
            .copied()
            .filter(|&sf| rate * toa(sf) > dc)
            .collect();
        if !over.is_empty() {
            let needs: Vec<String> = over
                .iter()
                .map(|&sf| format!("{:.2}% airtime at SF{sf}", rate * toa(sf) * 100.0))
                .collect();
            out.push(format!(
                "class \"{}\" (a reading every {every}, {}B + {}B LoRaWAN overhead): {} would use {}, over the {limit}: {what}",
                c.name,
                c.payload_bytes,
                l.mac_overhead,
                who(&over),
                needs.join(", "),
            ));
        }
    }
    let tail = class_a_tail_ns(l.region.rx2_rate()) as f64 * 1e-9;
    let over: Vec<u8> = sfs
        .iter()
        .copied()
        .filter(|&sf| rate * (toa(sf) + tail) > 1.0)
        .collect();
    if !over.is_empty() {
        out.push(format!(
            "class \"{}\" (a reading every {every}): {} cannot keep up: a frame and its receive windows take {:.2} s at SF{}, so readings queue without bound",
            c.name,
            who(&over),
            toa(over[0]) + tail,
            over[0]
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(lora: &str, interval: &str) -> Scenario {
        let text = format!(
            r#"
[[access]]
name = "lora"
lora = {{ {lora} }}
[[sensors]]
name = "parking"
count = 1
traffic = {{ kind = "periodic", interval = "{interval}" }}
payload = "20B"
[gateways]
count = 1
"#
        );
        crate::scenario::load_str("t.toml", "t", &text, &[]).unwrap()
    }

    #[test]
    fn a_channel_offered_more_than_aloha_can_carry_is_named() {
        // One sensor at SF7 (33 B, 71.9 ms on air): a reading every 0.1 s offers 0.72
        // frames at once on one channel; every 0.2 s, 0.36 (within pure ALOHA's 0.5).
        let at = |interval: &str| {
            warnings(&scenario(
                "sf = 7, channels = 1, duty_cycle = \"none\"",
                interval,
            ))
        };
        let w = at("100ms");
        assert!(
            w.iter()
                .any(|w| w.contains("at least 0.72 frames at once per channel")),
            "{w:?}"
        );
        assert!(at("200ms").iter().all(|w| !w.contains("per channel")));
    }

    #[test]
    fn a_gateway_is_offered_only_what_it_hears() {
        // In a city ten times the area a gateway hears SF7 frames in, a gateway hears a
        // tenth of the sensors: 100 sensors every second offer 7.19 frames at once over
        // the city, 0.72 at a gateway; 50, 0.36 (within pure ALOHA's 0.5).
        let lora = "sf = 7, channels = 1, duty_cycle = \"none\"";
        let small = scenario(lora, "1s");
        let l = small.access[0].lora().unwrap();
        let side = (10.0 * LoraNet::link_area_m2(l, 7)).sqrt();
        let at = |count: u32| {
            let text = format!(
                "{}[city]\nwidth = \"{side}m\"\nheight = \"{side}m\"\n",
                small.resolved
            );
            let set = [format!("sensors.0.count={count}")];
            warnings(&crate::scenario::load_str("t.toml", "t", &text, &set).unwrap())
        };
        let w = at(100);
        assert!(
            w.iter().any(|w| w.contains(
                "the sensors a gateway hears offer it, on average, at least 0.72 frames at once per channel"
            )),
            "{w:?}"
        );
        assert!(
            at(50).iter().all(|w| !w.contains("per channel")),
            "{:?}",
            at(50)
        );
        // The same sensors in a city the gateway hears whole: all of them count.
        let whole = warnings(
            &crate::scenario::load_str(
                "t.toml",
                "t",
                &small.resolved,
                &["sensors.0.count=100".to_string()],
            )
            .unwrap(),
        );
        assert!(
            whole
                .iter()
                .any(|w| w.contains("its sensors offer at least 7.19 frames")),
            "{whole:?}"
        );
    }

    #[test]
    fn eu868_sub_bands_each_have_their_own_budget() {
        // SF12, 33 B on air 1.810 s: 1% allows a reading every 181 s; with 8 channels
        // over g1 and g, a device may use 2%, so 100 s is within it and 90 s is not.
        let at = |lora: &str, interval: &str| warnings(&scenario(lora, interval));
        assert!(at("sf = 12, channels = 8", "100s").is_empty());
        let w = at("sf = 12, channels = 8", "90s");
        assert!(
            w[0].contains("1% duty cycle in each of its 2 sub-bands"),
            "{w:?}"
        );
        // An explicit fraction holds across all channels.
        assert!(!at("sf = 12, channels = 8, duty_cycle = \"1%\"", "100s").is_empty());
    }

    #[test]
    fn a_preset_outside_its_range_is_named() {
        let w = warnings(&scenario("region = \"CN470\", sf = 7", "1h"));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("471 MHz; 3GPP TR 38.901 UMa is defined from 500"),
            "{}",
            w[0]
        );
        let hata = "sf = 7, propagation = \"okumura-hata\", gateway_height = \"15m\"";
        let w = warnings(&scenario(hata, "1h"));
        assert!(
            w[0].contains("a 15 m gateway; Okumura-Hata assumes 30 to 200 m"),
            "{w:?}"
        );
        let fine = "sf = 7, propagation = \"okumura-hata\", gateway_height = \"30m\"";
        assert!(warnings(&scenario(fine, "1h")).is_empty());
        assert!(warnings(&scenario("sf = 7", "1h")).is_empty());
    }

    #[test]
    fn the_duty_cycle_warning_appears_exactly_when_airtime_exceeds_the_limit() {
        // A 33-byte frame at SF12 is 1.810 s on air: at 1% it needs a reading every
        // 181.04 s or more.
        let at = |interval: &str| warnings(&scenario("sf = 12", interval));
        assert!(at("182s").is_empty(), "{:?}", at("182s"));
        let w = at("180s");
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("1.01% airtime at SF12") && w[0].contains("over the 1% duty cycle"),
            "{}",
            w[0]
        );
        // With "auto", only the SFs that cannot sustain it are named: at one reading
        // every 90 s, SF11 (0.987 s on air) and SF12; SF10 (0.453 s) can.
        let w = warnings(&scenario("sf = \"auto\"", "90s"));
        assert!(w[0].contains("sensors that need SF11 or SF12"), "{}", w[0]);
        assert!(
            w[0].contains("1.10% airtime at SF11, 2.01% airtime at SF12"),
            "{}",
            w[0]
        );
        // No duty cycle: the radio is the limit (frame plus receive windows).
        assert!(warnings(&scenario("sf = 12, duty_cycle = \"none\"", "5s")).is_empty());
        let w = warnings(&scenario("sf = 12, duty_cycle = \"none\"", "3s"));
        assert!(w[0].contains("cannot keep up"), "{w:?}");
    }
}

//! One LoRa access network as built for a run: its radio settings, region and
//! MAC rules, and the links from a sensor to the gateways that hear it.

use super::phy::{gateway_sensitivity_dbm, LoraTx};
use super::rx::Rules;
use crate::engine::Seeds;
use crate::ids::Ns;
use crate::model::place::SpatialIndex;
use crate::model::propagation::{self, ShadowField};
use crate::scenario::{DataRate, DeviceQueue, LoraCfg, LoraRegion, Propagation, SfChoice};
use rand_distr::{Distribution, StandardNormal};

/// RECEIVE_DELAY2: RX2 opens 2 s after the end of an uplink (LoRaWAN Regional
/// Parameters RP002-1.0.4, every region's default).
const RECEIVE_DELAY2_NS: u64 = 2_000_000_000;

/// Symbols a receive window stays open to detect a preamble: LoRaMac-node's default
/// MinRxSymbols (Semtech's reference end-device stack).
pub(crate) const RX_SYMBOLS: f64 = 6.0;

/// From the end of an uplink until its RX2 window (at data rate `rx2`) closes, ns:
/// RECEIVE_DELAY2 plus the symbols a receiver needs to detect a preamble. A class A
/// device sends nothing meanwhile.
pub(crate) fn class_a_tail_ns((sf, bw_hz): DataRate) -> u64 {
    RECEIVE_DELAY2_NS + crate::units::round_u64(RX_SYMBOLS * f64::from(1u32 << sf) / bw_hz * 1e9)
}

/// A link's received power is kept in steps of 1/128 dB: far finer than a gateway
/// reports it (1 dB, Semtech SX1302 datasheet) or than shadowing is known (several dB),
/// and small enough to store a link in 4 bytes (an `i16`, for powers within ±256 dBm).
pub(crate) const RSSI_STEPS_PER_DB: f64 = 128.0;

/// Transmit power plus the gateways' antenna gain less their cable loss, dBm.
fn link_power_dbm(cfg: &LoraCfg) -> f64 {
    cfg.tx_power_dbm + cfg.gateway_gain_db - cfg.gateway_cable_loss_db
}

/// One LoRa access network, ready to use.
pub(crate) struct LoraNet {
    tx: LoraTx,
    fixed_sf: Option<u8>,
    pub channels: u32,
    pub duty_cycle: Option<f64>,
    /// Per channel: its duty-cycle sub-band, when the duty cycle holds per band (empty
    /// when it holds across all channels).
    pub(crate) band_of: Vec<u8>,
    pub duty_cycle_drop: bool,
    /// What a device does with readings waiting for its radio, and how many it holds.
    pub device_queue: (DeviceQueue, u32),
    /// The region: receive windows' data rates.
    pub region: LoraRegion,
    /// Gateways' duty cycles in RX1 and RX2.
    pub downlink_duty: [Option<f64>; 2],
    /// LoRaWAN's bytes around the application payload, B.
    mac_overhead: u32,
    /// Per SF from 7: the largest application payload the region allows at it, bytes
    /// (0: not an uplink data rate at this bandwidth).
    max_payload: [u32; 6],
    /// Retransmissions of an unacknowledged confirmed uplink (0: unconfirmed).
    pub retries: u32,
    /// Receive windows (RX1 at 1 s, RX2 at 2 s) and back-off before a retry: [min, max], ns.
    pub retry_wait_ns: (u64, u64),
    /// From the end of an uplink until its RX2 window closes, ns: RECEIVE_DELAY2 plus
    /// the symbols a receiver needs to detect a preamble at RX2's data rate.
    class_a_tail_ns: u64,
    /// How overlapping frames are resolved at a gateway.
    pub(crate) rules: Rules,
    pub(crate) demodulators: u32,
    pub(crate) margin_db: f64,
    /// `sf = "adr"`: the network server chooses each device's data rate and power.
    pub(crate) adr: bool,
    prop: Propagation,
    /// `prop`'s mean path loss, its constant terms worked out once.
    loss: propagation::PathLoss,
    /// Shadowing correlated in space (None: drawn independently per link).
    field: Option<ShadowField>,
    /// Transmit power plus the gateways' antenna gain less their cable loss, dBm.
    power_dbm: f64,
    /// Gateways serving this network.
    index: SpatialIndex,
    /// Farthest a gateway can hear (3 sigma of shadowing in the sensor's favour), m.
    max_range_m: f64,
}

impl LoraNet {
    /// The network of `cfg` over `gateways` (id, x, y) in a city of `size` (m);
    /// `seeds` draws their shadowing fields.
    pub fn new(
        cfg: &LoraCfg,
        gateways: &[(u32, f32, f32)],
        size: (f64, f64),
        seeds: Seeds,
    ) -> LoraNet {
        let prop = cfg.propagation;
        let field = (prop.sigma_db > 0.0 && prop.decorrelation_m > 0.0)
            .then(|| ShadowField::new(seeds, gateways.iter().map(|g| g.0), prop.decorrelation_m));
        let index = SpatialIndex::new(gateways, size.0, size.1);
        let power_dbm = link_power_dbm(cfg);
        let tx = LoraTx {
            sf: cfg.sf.unwrap_or(7),
            bw_hz: cfg.bw_hz,
            cr: cfg.cr,
            preamble: cfg.preamble,
            explicit_header: cfg.explicit_header,
            crc: cfg.crc,
        };
        LoraNet {
            tx,
            fixed_sf: cfg.sf,
            channels: cfg.channels,
            duty_cycle: cfg.duty_cycle,
            band_of: if cfg.per_band {
                (0..cfg.channels)
                    .map(|c| cfg.region.sub_band(c) as u8)
                    .collect()
            } else {
                Vec::new()
            },
            duty_cycle_drop: cfg.duty_cycle_drop,
            device_queue: (cfg.device_queue, cfg.device_queue_size),
            retries: cfg.retries,
            retry_wait_ns: (
                2_000_000_000 + cfg.backoff_ns.0,
                2_000_000_000 + cfg.backoff_ns.1,
            ),
            class_a_tail_ns: class_a_tail_ns(cfg.region.rx2_rate()),
            region: cfg.region,
            downlink_duty: cfg.downlink_duty,
            mac_overhead: cfg.mac_overhead,
            max_payload: std::array::from_fn(|i| {
                cfg.region
                    .uplink_dr(7 + i as u8, cfg.bw_hz)
                    .map_or(0, |dr| cfg.region.max_payload(dr))
            }),
            rules: Rules::new(cfg),
            demodulators: cfg.demodulators,
            margin_db: cfg.margin_db,
            adr: cfg.adr,
            prop,
            loss: propagation::PathLoss::new(&prop),
            field,
            power_dbm,
            index,
            max_range_m: LoraNet::range_m(cfg),
        }
    }

    /// Farthest a gateway of `cfg` can hear a sensor (3 sigma of shadowing in the
    /// sensor's favour), m.
    pub fn range_m(cfg: &LoraCfg) -> f64 {
        let power_dbm = link_power_dbm(cfg);
        let p = cfg.propagation;
        let budget = power_dbm - gateway_sensitivity_dbm(12, cfg.bw_hz) + 3.0 * p.sigma_db;
        propagation::distance_for(&p, budget)
    }

    /// The area around a gateway of `cfg` within which a sensor (outdoors) is heard at
    /// spreading factor `sf`, counted by the chance that it is, m²: the integral over a
    /// disc of P(shadowing leaves the received power above the gateway's sensitivity at
    /// `sf`), shadowing being normal with `sigma_db` (the disc reaches 3 sigma in the
    /// sensor's favour). A gateway spread at random over a city of area A hears a
    /// sensor with the chance this over A; at SF12 it is the sensor's link.
    pub fn link_area_m2(cfg: &LoraCfg, sf: u8) -> f64 {
        let p = cfg.propagation;
        let margin = link_power_dbm(cfg) - gateway_sensitivity_dbm(sf, cfg.bw_hz);
        let range = propagation::distance_for(&p, margin + 3.0 * p.sigma_db);
        let loss = propagation::PathLoss::new(&p);
        let chance = |d: f64| {
            let m = margin - loss.db(d);
            if p.sigma_db > 0.0 {
                crate::stats::normal_cdf(m / p.sigma_db)
            } else {
                f64::from(u8::from(m >= 0.0))
            }
        };
        // Simpson's rule over the ring areas 2πd·P(d) dd.
        const STEPS: usize = 512;
        let h = range / STEPS as f64;
        let f = |i: usize| {
            let d = i as f64 * h;
            2.0 * std::f64::consts::PI * d * chance(d)
        };
        let inner: f64 = (1..STEPS)
            .map(|i| f(i) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        (f(0) + inner + f(STEPS)) * h / 3.0
    }

    /// The gateways that can hear the sensor of stream key `key` at (x, y) at the
    /// lowest sensitivity, with the received power (shadowing fixed per link, less the
    /// sensor's building entry loss `indoor_db`, in steps of 1/[`RSSI_STEPS_PER_DB`]
    /// dB), into `out`.
    pub fn links(
        &self,
        (seeds, key): (Seeds, u64),
        (x, y): (f32, f32),
        indoor_db: f64,
        ids: &mut Vec<(u32, f32, f32)>,
        out: &mut Vec<(u32, f32)>,
    ) {
        ids.clear();
        out.clear();
        self.index.within(x as f64, y as f64, self.max_range_m, ids);
        let floor = gateway_sensitivity_dbm(12, self.tx.bw_hz);
        let sigma = self.prop.sigma_db;
        for &(g, gx, gy) in ids.iter() {
            let d = ((gx as f64 - x as f64).powi(2) + (gy as f64 - y as f64).powi(2)).sqrt();
            let shadow: f64 = match &self.field {
                _ if sigma <= 0.0 => 0.0,
                Some(field) => field.value(g, x as f64, y as f64) * sigma,
                None => {
                    let mut rng = seeds.sub(Ns::LinkShadow.id(key), u64::from(g));
                    let z: f64 = StandardNormal.sample(&mut rng);
                    z * sigma
                }
            };
            let rssi = self.power_dbm - self.loss.db(d) - shadow;
            let rssi = ((rssi - indoor_db) * RSSI_STEPS_PER_DB).round() / RSSI_STEPS_PER_DB;
            if rssi >= floor {
                out.push((g, rssi as f32));
            }
        }
    }

    /// The carrier frequency propagation is computed at, Hz.
    pub fn frequency_hz(&self) -> f64 {
        self.prop.frequency_hz
    }

    /// The spreading factor: fixed, or the smallest of the region's uplink rates that
    /// carries `payload` bytes and whose budget to the best gateway closes with the
    /// margin (the largest that carries it when none does).
    pub fn spreading_factor(&self, links: &[(u32, f32)], class_sf: SfChoice, payload: u32) -> u8 {
        let fixed = match class_sf {
            SfChoice::Network => self.fixed_sf,
            SfChoice::Auto => None,
            SfChoice::Fixed(sf) => Some(sf),
            // The server's choice is applied by the caller; "auto" until then.
            SfChoice::Adr => None,
        };
        if let Some(sf) = fixed {
            return sf;
        }
        let best = links
            .iter()
            .map(|l| f64::from(l.1))
            .fold(f64::NEG_INFINITY, f64::max);
        let carries = |sf: u8| self.max_payload[usize::from(sf - 7)] >= payload;
        (7..=12)
            .filter(|&sf| carries(sf))
            .find(|&sf| best >= gateway_sensitivity_dbm(sf, self.tx.bw_hz) + self.margin_db)
            .or_else(|| (7..=12).rev().find(|&sf| carries(sf)))
            .unwrap_or(12)
    }

    /// Radio settings of a downlink at `rate`: LoRaWAN downlinks carry no payload CRC
    /// (LoRaWAN L2 1.0.4, section 4).
    pub fn downlink(&self, rate: DataRate) -> LoraTx {
        LoraTx {
            crc: false,
            ..rate_tx(self.tx, rate)
        }
    }

    /// The data rate of a downlink in RX1 answering an uplink at `sf`, and RX2's.
    pub fn rx_rates(&self, sf: u8) -> [DataRate; 2] {
        [
            self.region.rx1_rate((sf, self.tx.bw_hz)),
            self.region.rx2_rate(),
        ]
    }

    /// When a device that starts a frame of `toa_s` seconds at `at` may send again, ns:
    /// a class A device sends nothing until its RX2 window has closed (LoRaWAN L2 1.0.4,
    /// section 3.3), and under a duty cycle dc stays silent toa (1/dc - 1) after the
    /// frame.
    pub fn next_free(&self, at: u64, toa_s: f64) -> u64 {
        let end = at + crate::units::round_u64(toa_s * 1e9);
        let radio = end + self.class_a_tail_ns;
        match self.duty_cycle {
            // Per sub-band, the caller keeps each band's budget (see `band_free`).
            Some(dc) if self.band_of.is_empty() => {
                radio.max(at + crate::units::round_u64(toa_s / dc * 1e9))
            }
            _ => radio,
        }
    }

    /// Whether uplinks are confirmed (each received one is acknowledged).
    pub fn confirmed(&self) -> bool {
        self.retries > 0
    }

    /// Time on air of an uplink carrying `payload` application bytes at `sf`, s: the
    /// LoRaWAN frame around them included.
    pub fn uplink_s(&self, sf: u8, payload: u32) -> f64 {
        self.tx(sf).time_on_air_s(payload + self.mac_overhead)
    }

    /// Radio settings at `sf`.
    pub fn tx(&self, sf: u8) -> LoraTx {
        LoraTx { sf, ..self.tx }
    }
}

/// `tx` at another data rate.
fn rate_tx(tx: LoraTx, (sf, bw_hz): DataRate) -> LoraTx {
    LoraTx { sf, bw_hz, ..tx }
}

/// A one-channel-plan EU868 network at SF7 with no shadowing, for tests.
#[cfg(test)]
pub(crate) fn test_cfg() -> LoraCfg {
    use crate::scenario::{Collision, PathModel};
    LoraCfg {
        region: LoraRegion::Eu868,
        downlink_duty: [Some(0.01), Some(0.1)],
        mac_overhead: 13,
        sf: Some(7),
        adr: false,
        bw_hz: 125e3,
        cr: 1,
        preamble: 8,
        explicit_header: true,
        crc: true,
        tx_power_dbm: 14.0,
        gateway_gain_db: 0.0,
        gateway_cable_loss_db: 0.0,
        channels: 3,
        duty_cycle: None,
        per_band: false,
        duty_cycle_drop: false,
        device_queue: DeviceQueue::Fifo,
        device_queue_size: 8,
        capture_db: 6.0,
        preamble_rule: true,
        demodulators: 8,
        margin_db: 10.0,
        propagation: Propagation {
            model: PathModel::LogDistance {
                d0_m: 40.0,
                pl0_db: 127.41,
                exponent: 2.08,
            },
            frequency_hz: 868e6,
            gateway_height_m: 25.0,
            device_height_m: 1.5,
            sigma_db: 0.0,
            decorrelation_m: 0.0,
        },
        retries: 0,
        backoff_ns: (0, 0),
        collision: Collision::Sinr,
        inter_sf: Some(crate::scenario::SfRejection::Isolation(16.0)),
    }
}

/// `cfg` over two gateways 100 m apart, for tests.
#[cfg(test)]
pub(crate) fn test_net(cfg: LoraCfg) -> LoraNet {
    let seeds = Seeds {
        seed: 1,
        replication: 0,
    };
    LoraNet::new(
        &cfg,
        &[(0, 0.0, 0.0), (1, 100.0, 0.0)],
        (200.0, 200.0),
        seeds,
    )
}

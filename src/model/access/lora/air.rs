//! LoRa star access in the city: which gateways hear a transmission, at what power,
//! with which spreading factor, and which frames survive overlapping ones.
//!
//! ```text
//! reading --links (spatial index + path loss + shadowing)--> SF --> frame on a channel
//!   --start: one reception per gateway that hears it; overlaps on the same channel
//!     and SF resolved by the capture rule; a gateway demodulates `demodulators` at once
//!   --end (time on air later): delivered once, through the strongest surviving gateway
//! ```
//!
//! Collision checks look only at the receptions active at the same gateway (never at all
//! frames or sensors), and gateways in range come from a spatial index.

use super::phy::{capture, gateway_sensitivity_dbm, LoraTx, PathLoss};
use crate::engine::Seeds;
use crate::ids::Ns;
use crate::model::place::SpatialIndex;
use crate::model::slab::Slab;
use crate::scenario::{DataRate, DeviceQueue, LoraCfg, LoraRegion, SfChoice};
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
    RECEIVE_DELAY2_NS + (RX_SYMBOLS * f64::from(1u32 << sf) / bw_hz * 1e9).round() as u64
}

/// One LoRa access network, ready to use.
pub(crate) struct LoraNet {
    tx: LoraTx,
    fixed_sf: Option<u8>,
    pub channels: u32,
    pub duty_cycle: Option<f64>,
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
    capture_db: f64,
    inter_sf_db: Option<f64>,
    preamble_rule: bool,
    demodulators: u32,
    margin_db: f64,
    path: PathLoss,
    /// Transmit power plus the gateways' antenna gain less their cable loss, dBm.
    power_dbm: f64,
    /// Gateways serving this network.
    index: SpatialIndex,
    /// Farthest a gateway can hear (3 sigma of shadowing in the sensor's favour), m.
    max_range_m: f64,
}

impl LoraNet {
    pub fn new(cfg: &LoraCfg, index: SpatialIndex) -> LoraNet {
        let (d0_m, pl0_db, exponent, sigma_db) = cfg.path_loss;
        let path = PathLoss {
            d0_m,
            pl0_db,
            exponent,
            sigma_db,
        };
        let power_dbm = cfg.tx_power_dbm + cfg.gateway_gain_db - cfg.gateway_cable_loss_db;
        let budget = power_dbm - gateway_sensitivity_dbm(12, cfg.bw_hz) + 3.0 * sigma_db;
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
            capture_db: cfg.capture_db,
            inter_sf_db: cfg.inter_sf_db,
            preamble_rule: cfg.preamble_rule,
            demodulators: cfg.demodulators,
            margin_db: cfg.margin_db,
            path,
            power_dbm,
            index,
            max_range_m: path.distance_for(budget),
        }
    }

    /// Farthest a gateway can hear a sensor, m.
    pub fn max_range_m(&self) -> f64 {
        self.max_range_m
    }

    /// The gateways that can hear the sensor of stream key `key` at (x, y) at the
    /// lowest sensitivity, with the received power (shadowing fixed per link), into
    /// `out`.
    pub fn links(
        &self,
        seeds: Seeds,
        key: u64,
        (x, y): (f32, f32),
        ids: &mut Vec<(u32, f32, f32)>,
        out: &mut Vec<(u32, f32)>,
    ) {
        ids.clear();
        out.clear();
        self.index.within(x as f64, y as f64, self.max_range_m, ids);
        let floor = gateway_sensitivity_dbm(12, self.tx.bw_hz);
        for &(g, gx, gy) in ids.iter() {
            let d = ((gx as f64 - x as f64).powi(2) + (gy as f64 - y as f64).powi(2)).sqrt();
            let shadow: f64 = if self.path.sigma_db > 0.0 {
                let mut rng = seeds.sub(Ns::LinkShadow.id(key), u64::from(g));
                let z: f64 = StandardNormal.sample(&mut rng);
                z * self.path.sigma_db
            } else {
                0.0
            };
            let rssi = self.power_dbm - self.path.mean_db(d) - shadow;
            if rssi >= floor {
                out.push((g, rssi as f32));
            }
        }
    }

    /// The spreading factor: fixed, or the smallest of the region's uplink rates that
    /// carries `payload` bytes and whose budget to the best gateway closes with the
    /// margin (the largest that carries it when none does).
    pub fn spreading_factor(&self, links: &[(u32, f32)], class_sf: SfChoice, payload: u32) -> u8 {
        let fixed = match class_sf {
            SfChoice::Network => self.fixed_sf,
            SfChoice::Auto => None,
            SfChoice::Fixed(sf) => Some(sf),
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
        let end = at + (toa_s * 1e9).round() as u64;
        let radio = end + self.class_a_tail_ns;
        match self.duty_cycle {
            Some(dc) => radio.max(at + (toa_s / dc * 1e9).round() as u64),
            None => radio,
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

/// What became of one gateway's reception of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Received intact (so far).
    Intact,
    /// Lost to overlapping frames on its channel.
    Interference,
    /// Every demodulator was busy when its preamble arrived.
    DemodulatorsBusy,
    /// The gateway was transmitting (an acknowledgement) meanwhile.
    Transmitting,
    /// The gateway failed while receiving it.
    GatewayDown,
}

/// `tx` at another data rate.
fn rate_tx(tx: LoraTx, (sf, bw_hz): DataRate) -> LoraTx {
    LoraTx { sf, bw_hz, ..tx }
}

/// One gateway's reception of one frame.
#[derive(Debug, Clone, Copy)]
struct Reception {
    gateway: u32,
    channel: u16,
    sf: u8,
    rssi: f32,
    /// When the receiver locked onto its preamble, ns.
    lock: u64,
    /// When the frame ends, ns.
    end: u64,
    fate: Fate,
    /// Whether it holds one of the gateway's demodulators (a frame that finds them all
    /// busy, or the gateway transmitting, holds none and is lost there).
    demod: bool,
    /// Next reception of the same frame, or NONE.
    next: u32,
}

impl Reception {
    /// It is lost for `why`, unless it already was for another reason.
    fn lose(&mut self, why: Fate) {
        if self.fate == Fate::Intact {
            self.fate = why;
        }
    }
}

/// A frame on the air.
#[derive(Debug, Clone, Copy)]
struct Frame {
    pkt: u32,
    first: u32,
}

const NONE: u32 = u32::MAX;

/// Every frame on the air and every gateway's active receptions.
#[derive(Default)]
pub(crate) struct Air {
    receptions: Slab<Reception>,
    frames: Slab<Frame>,
    /// Active receptions per element (gateways).
    active: Vec<Vec<u32>>,
    /// Demodulators in use per element.
    busy: Vec<u32>,
    /// Per element: the windows in which the gateway transmits (acknowledgements) and
    /// hears nothing.
    deaf: Vec<Vec<(u64, u64)>>,
    /// The gateways that received the frame [`Air::end`] last ended intact, strongest
    /// first.
    received: Vec<(f32, u32)>,
}

impl Air {
    pub fn new(elements: usize) -> Air {
        Air {
            active: vec![Vec::new(); elements],
            busy: vec![0; elements],
            deaf: vec![Vec::new(); elements],
            ..Air::default()
        }
    }

    /// Gateway `g` transmits from `from` to `to`: it loses the frames it is receiving
    /// that are still on the air at `from`, and hears nothing that overlaps the window.
    pub fn transmit(&mut self, g: u32, from: u64, to: u64, now: u64) {
        for &r in &self.active[g as usize] {
            let rec = &mut self.receptions[r];
            if rec.end > from {
                rec.lose(Fate::Transmitting);
            }
        }
        let windows = &mut self.deaf[g as usize];
        windows.retain(|w| w.1 > now);
        windows.push((from, to));
    }

    /// As if the last frame ended had been received intact by `gateways`, strongest
    /// first.
    #[cfg(test)]
    pub fn received_by(&mut self, gateways: &[u32]) {
        self.received = gateways.iter().map(|&g| (0.0, g)).collect();
    }

    /// Whether gateway `g`'s one transmit chain is busy at some time in `[from, to)`.
    pub fn transmitting(&self, g: u32, from: u64, to: u64) -> bool {
        self.deaf[g as usize]
            .iter()
            .any(|&(a, b)| a < to && from < b)
    }

    /// The gateways that received the last frame ended intact (power in dBm,
    /// gateway), strongest first.
    pub fn received(&self) -> &[(f32, u32)] {
        &self.received
    }

    /// Starts a frame carrying `pkt` from `now` to `end`, heard by `links` (gateway, dBm)
    /// on `channel`. Returns the frame id, or None when no gateway is above the SF's
    /// sensitivity.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &mut self,
        net: &LoraNet,
        pkt: u32,
        (now, end): (u64, u64),
        sf: u8,
        channel: u16,
        links: &[(u32, f32)],
    ) -> Option<u32> {
        let tx = net.tx(sf);
        let sens = gateway_sensitivity_dbm(sf, tx.bw_hz) as f32;
        let lock = now + (tx.lock_s() * 1e9).round() as u64;
        let mut first = NONE;
        for &(g, rssi) in links.iter().rev() {
            if rssi < sens {
                continue;
            }
            let mut me = Reception {
                gateway: g,
                channel,
                sf,
                rssi,
                lock,
                end,
                fate: Fate::Intact,
                demod: false,
                next: first,
            };
            if self.deaf[g as usize]
                .iter()
                .any(|&(a, b)| a < end && now < b)
            {
                // The gateway is sending an acknowledgement meanwhile.
                me.lose(Fate::Transmitting);
            } else if self.busy[g as usize] >= net.demodulators {
                // Every demodulator is busy: this gateway misses the frame, whose
                // signal still interferes with the others on its channel.
                me.lose(Fate::DemodulatorsBusy);
            } else {
                me.demod = true;
                self.busy[g as usize] += 1;
            }
            self.overlaps(net, &mut me, now);
            let id = self.receptions.insert(me);
            self.active[g as usize].push(id);
            first = id;
        }
        if first == NONE {
            return None;
        }
        let frame = Frame { pkt, first };
        Some(self.frames.insert(frame))
    }

    /// Resolves a new reception `me` starting `now` against the ones its gateway is
    /// receiving: the capture rule on the same channel and SF, and with `inter_sf`,
    /// much stronger frames at other SFs on the same channel.
    fn overlaps(&mut self, net: &LoraNet, me: &mut Reception, now: u64) {
        for &other in &self.active[me.gateway as usize] {
            let o = &mut self.receptions[other];
            if o.channel != me.channel {
                continue;
            }
            if o.sf == me.sf {
                let (keep_o, keep_me) = capture(
                    f64::from(o.rssi),
                    f64::from(me.rssi),
                    net.capture_db,
                    now >= o.lock,
                    net.preamble_rule,
                );
                if !keep_o {
                    o.lose(Fate::Interference);
                }
                if !keep_me {
                    me.lose(Fate::Interference);
                }
            } else if let Some(iso) = net.inter_sf_db {
                // Other SFs are only quasi-orthogonal: a much stronger one still hurts.
                let d = f64::from(me.rssi) - f64::from(o.rssi);
                if d > iso {
                    o.lose(Fate::Interference);
                } else if -d > iso {
                    me.lose(Fate::Interference);
                }
            }
        }
    }

    /// Gateway `g` fails: the frames it is receiving are lost there.
    pub fn gateway_down(&mut self, g: u32) {
        for &r in &self.active[g as usize] {
            self.receptions[r].lose(Fate::GatewayDown);
        }
    }

    /// Ends a frame: returns its packet and the strongest gateway that received it
    /// intact, or else what became of it at the strongest gateway that heard it.
    pub fn end(&mut self, frame: u32) -> (u32, Result<u32, Fate>) {
        let f = self.frames[frame];
        self.frames.free(frame);
        self.received.clear();
        let mut lost: Option<(f32, u32, Fate)> = None;
        let stronger =
            |rssi: f32, gateway: u32, p: f32, g: u32| rssi > p || (rssi == p && gateway < g);
        let mut r = f.first;
        while r != NONE {
            let rec = self.receptions[r];
            let active = &mut self.active[rec.gateway as usize];
            if let Some(pos) = active.iter().position(|&x| x == r) {
                active.swap_remove(pos);
            }
            if rec.demod {
                self.busy[rec.gateway as usize] -= 1;
            }
            if rec.fate == Fate::Intact {
                self.received.push((rec.rssi, rec.gateway));
            } else if lost.is_none_or(|(p, g, _)| stronger(rec.rssi, rec.gateway, p, g)) {
                lost = Some((rec.rssi, rec.gateway, rec.fate));
            }
            self.receptions.free(r);
            r = rec.next;
        }
        self.received.sort_unstable_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.1.cmp(&b.1))
        });
        let fate = match self.received.first() {
            Some(&(_, g)) => Ok(g),
            None => Err(lost.map_or(Fate::Interference, |l| l.2)),
        };
        (f.pkt, fate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(demodulators: u32) -> LoraNet {
        let cfg = LoraCfg {
            region: LoraRegion::Eu868,
            downlink_duty: [Some(0.01), Some(0.1)],
            mac_overhead: 13,
            sf: Some(7),
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
            duty_cycle_drop: false,
            device_queue: DeviceQueue::Fifo,
            device_queue_size: 8,
            capture_db: 6.0,
            preamble_rule: true,
            demodulators,
            margin_db: 10.0,
            path_loss: (40.0, 127.41, 2.08, 0.0),
            retries: 0,
            backoff_ns: (0, 0),
            inter_sf_db: Some(16.0),
        };
        LoraNet::new(
            &cfg,
            SpatialIndex::new(&[(0, 0.0, 0.0), (1, 100.0, 0.0)], 200.0, 200.0),
        )
    }

    /// Two frames overlapping at one gateway, the second starting 1 ms later (before
    /// the first one's lock): which packets get through.
    fn overlap(a_dbm: f32, b_dbm: f32, channel_b: u16, demods: u32) -> (Option<u32>, Option<u32>) {
        let n = net(demods);
        let mut air = Air::new(2);
        let fa = air
            .start(&n, 10, (0, 50_000_000), 7, 0, &[(0, a_dbm)])
            .unwrap();
        let fb = air
            .start(&n, 20, (1_000_000, 51_000_000), 7, channel_b, &[(0, b_dbm)])
            .unwrap();
        let (pa, ga) = air.end(fa);
        let (pb, gb) = air.end(fb);
        assert_eq!((pa, pb), (10, 20));
        (ga.ok(), gb.ok())
    }

    #[test]
    fn ten_db_stronger_survives_three_db_loses_both() {
        assert_eq!(overlap(-100.0, -110.0, 0, 8), (Some(0), None));
        assert_eq!(overlap(-110.0, -100.0, 0, 8), (None, Some(0)));
        assert_eq!(overlap(-100.0, -103.0, 0, 8), (None, None));
        // Other channel: no interaction.
        assert_eq!(overlap(-100.0, -103.0, 1, 8), (Some(0), Some(0)));
        // One demodulator: the second frame is missed whatever its power.
        assert_eq!(overlap(-100.0, -90.0, 1, 1), (Some(0), None));
    }

    #[test]
    fn other_sfs_interfere_only_when_much_stronger() {
        let n = net(8);
        let mut air = Air::new(2);
        let mut run = |a: f32, b: f32| {
            let fa = air.start(&n, 1, (0, 50_000_000), 7, 0, &[(0, a)]).unwrap();
            let fb = air
                .start(&n, 2, (1_000_000, 51_000_000), 9, 0, &[(0, b)])
                .unwrap();
            (air.end(fa).1.ok(), air.end(fb).1.ok())
        };
        // SF7 and SF9 on one channel, 10 dB apart: both survive (isolation 16 dB).
        assert_eq!(run(-100.0, -110.0), (Some(0), Some(0)));
        // 20 dB apart: the weaker is lost.
        assert_eq!(run(-90.0, -110.0), (Some(0), None));
        assert_eq!(run(-110.0, -90.0), (None, Some(0)));
    }

    #[test]
    fn a_frame_heard_twice_is_delivered_once_by_the_strongest() {
        let n = net(8);
        let mut air = Air::new(2);
        let f = air
            .start(&n, 7, (0, 50_000_000), 7, 0, &[(0, -110.0), (1, -100.0)])
            .unwrap();
        assert_eq!(air.end(f), (7, Ok(1)));
        // Below a gateway's SF7 sensitivity (-130 dBm) nothing is heard.
        assert!(air
            .start(&n, 8, (0, 50_000_000), 7, 0, &[(0, -131.0)])
            .is_none());
    }

    #[test]
    fn a_gateway_failing_mid_frame_leaves_the_others_receptions() {
        let n = net(8);
        let mut air = Air::new(2);
        let f = air
            .start(&n, 7, (0, 50_000_000), 7, 0, &[(0, -110.0), (1, -100.0)])
            .unwrap();
        air.gateway_down(1);
        assert_eq!(air.end(f), (7, Ok(0)));
        let g = air
            .start(&n, 8, (60_000_000, 110_000_000), 7, 0, &[(1, -100.0)])
            .unwrap();
        air.gateway_down(1);
        assert_eq!(air.end(g), (8, Err(Fate::GatewayDown)));
    }

    #[test]
    fn a_gateway_sending_hears_nothing() {
        let n = net(8);
        let mut air = Air::new(2);
        // A frame on the air when gateway 0 starts an acknowledgement is lost there.
        let f = air
            .start(&n, 1, (0, 50_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        air.transmit(0, 40_000_000, 80_000_000, 10_000_000);
        assert_eq!(air.end(f), (1, Err(Fate::Transmitting)));
        // So is one that starts during it; one after it is heard.
        let g = air
            .start(&n, 2, (60_000_000, 110_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        assert_eq!(air.end(g), (2, Err(Fate::Transmitting)));
        let h = air
            .start(&n, 3, (90_000_000, 140_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        assert_eq!(air.end(h), (3, Ok(0)));
    }

    /// Erlang B blocking with `c` servers and `a` Erlangs offered.
    fn erlang_b(c: u32, a: f64) -> f64 {
        (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
    }

    /// Poisson frames, each on a channel of its own (so no two ever collide), into one
    /// gateway with `demods` demodulators at `erlangs` Erlangs: the share delivered in
    /// each of `batches` batches of `per_batch` frames.
    fn loss_system(demods: u32, erlangs: f64, batches: usize, per_batch: usize) -> Vec<f64> {
        use rand::SeedableRng;
        use rand_distr::Exp;
        let n = net(demods);
        let mut air = Air::new(1);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let toa = 50_000_000u64;
        let gap = Exp::new(erlangs / toa as f64).unwrap();
        let mut ends: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>> =
            Default::default();
        let (mut now, mut shares) = (0u64, Vec::new());
        for _ in 0..batches {
            let mut delivered = 0usize;
            for i in 0..per_batch {
                now += gap.sample(&mut rng).round() as u64;
                while let Some(&std::cmp::Reverse((t, f))) = ends.peek() {
                    if t > now {
                        break;
                    }
                    ends.pop();
                    delivered += usize::from(air.end(f).1.is_ok());
                }
                let f = air
                    .start(&n, 0, (now, now + toa), 7, i as u16, &[(0, -100.0)])
                    .unwrap();
                ends.push(std::cmp::Reverse((now + toa, f)));
            }
            shares.push(delivered as f64 / per_batch as f64);
        }
        shares
    }

    #[test]
    fn demodulators_are_an_erlang_loss_system() {
        // A frame that finds every demodulator busy is lost and holds none: delivery
        // is 1 - B(c, A). The tolerance is four standard errors of the batch means.
        for (c, a) in [(1, 1.0), (2, 1.0), (2, 2.0)] {
            let shares = loss_system(c, a, 20, 5_000);
            let (mean, half) = crate::stats::mean_ci(&shares[1..], 0.95);
            let se = half / crate::stats::student_t_quantile(0.975, 18);
            let want = 1.0 - erlang_b(c, a);
            assert!(se < 0.01, "c={c} A={a}: standard error {se}");
            assert!(
                (mean - want).abs() < 4.0 * se,
                "c={c} A={a}: delivered {mean:.4} +- {se:.4}, Erlang B gives {want:.4}"
            );
        }
    }
}

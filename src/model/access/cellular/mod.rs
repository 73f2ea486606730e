//! Cellular access. An abstract cell (`abstract_cell.rs`): a wake-up, then a transfer
//! slot. An NB-IoT or LTE-M cell (here, `phy.rs`, `ra.rs`): a device's coverage level
//! follows from its coupling loss; it wins random access (preambles that collide are
//! retried after a backoff), sets up its connection, waits for uplink units of the
//! carrier and transfers at its level's block size and repetitions; it stays connected
//! for the inactivity timer, then idle (eDRX) for T3324, then in PSM.
//!
//! ```text
//! reading --coupling loss--> level --RaSlot (preambles collide?)--> setup
//!     --RadioSetUp--> uplink units (UnitsFree when it waits) --> gateway (Arrive)
//! ```
//!
//! A cell is one gateway's carrier of one NB-IoT or LTE-M access (a site serving both
//! has two): cell `c` is gateway element `c / carriers`, carrier `c % carriers`.
//!
//! ```text
//! ```

pub(crate) mod abstract_cell;
pub(crate) mod phy;
pub(crate) mod power;
pub(crate) mod ra;
pub(crate) mod uplink;

use crate::model::propagation::ShadowField;
use crate::model::*;
use crate::scenario::{CellKind, CellRadio, CellularCfg, LEVELS};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// The network of an NB-IoT or LTE-M access.
pub(crate) struct CellNet {
    pub(crate) kind: CellKind,
    pub(crate) radio: CellRadio,
    /// Shadowing correlated in space (None: drawn per link).
    pub(crate) field: Option<ShadowField>,
    /// Readings a cell holds waiting for uplink units (None: unlimited).
    pub(crate) queue: Option<u32>,
    /// Its number among the NB-IoT and LTE-M accesses (its carrier at each site).
    pub(crate) carrier: u32,
}

impl CellNet {
    /// The network of `cfg` (an NB-IoT or LTE-M cell) over `gateways` (id, x, y).
    pub(crate) fn new(cfg: &CellularCfg, gateways: &[(u32, f32, f32)], seeds: Seeds) -> CellNet {
        let radio = cfg
            .radio
            .clone()
            .expect("an NB-IoT or LTE-M cell has a radio");
        let p = radio.propagation;
        let field = (p.sigma_db > 0.0 && p.decorrelation_m > 0.0)
            .then(|| ShadowField::new(seeds, gateways.iter().map(|g| g.0), p.decorrelation_m));
        CellNet {
            kind: cfg.kind,
            radio,
            field,
            queue: cfg.queue,
            carrier: 0,
        }
    }
}

/// A device's connection state, with its battery's account: what a reading reads of
/// its device, in one place (a reading reads no other per-sensor memory).
#[derive(Clone, Copy)]
pub(crate) struct Device {
    /// Connected (RRC) until this time, ns; `u64::MAX` while a reading is under way.
    pub(crate) connected_until: u64,
    /// Its last activity: the end of its last transfer or attempt, ns (for T3412).
    pub(crate) last_active: u64,
    /// Whether it was ever connected (so that idle and PSM follow a release).
    pub(crate) released: bool,
    /// The cell its coupling loss was computed to (`u32::MAX`: none yet), and the loss,
    /// dB (kept for a sensor that stays put).
    pub(crate) loss_to: u32,
    /// Its coupling loss to `loss_to`, dB.
    pub(crate) loss_db: f32,
    /// Where it was when the loss was computed (a moving sensor's changes as it moves).
    pub(crate) loss_at: (f32, f32),
    /// Its battery's account, beside the state each reading reads anyway.
    pub(crate) account: crate::model::energy::Account,
}

// SAFETY: integers, floats and a bool.
unsafe impl crate::model::lazy::Zeroable for Device {}

impl Default for Device {
    fn default() -> Self {
        Device {
            connected_until: 0,
            last_active: 0,
            released: false,
            loss_to: u32::MAX,
            loss_db: 0.0,
            loss_at: (f32::NAN, f32::NAN),
            account: Default::default(),
        }
    }
}

/// A random-access opportunity: its start, ns, and each attempt's packet and preamble.
pub(crate) type Opportunity = (u64, Vec<(u32, u16)>);

/// One NB-IoT or LTE-M cell's state and counts.
#[derive(Default)]
pub(crate) struct RadioCell {
    /// Per level: the attempts at each upcoming opportunity (its start, ns), each a
    /// packet and its preamble.
    pub(crate) ra: [VecDeque<Opportunity>; LEVELS],
    /// Emptied lists of attempts, for reuse.
    pub(crate) spare: Vec<Vec<(u32, u16)>>,
    /// Uplink units free now.
    pub(crate) free: u32,
    /// Readings waiting for units: by priority, then in order of arrival.
    pub(crate) waiting: crate::model::station::PrioQueue,
    /// Transfers under way: when each ends and the units it holds.
    pub(crate) ends: BinaryHeap<Reverse<(u64, u32)>>,
    /// Whether a wake-up at the earliest end is scheduled.
    pub(crate) wake_pending: bool,
    /// What was counted.
    pub(crate) stats: CellStats,
}

/// What one NB-IoT or LTE-M cell counted after the warm-up.
#[derive(Default, Clone)]
pub(crate) struct CellStats {
    /// Preamble attempts per level.
    pub(crate) attempts: [u64; LEVELS],
    /// Attempts whose preamble another device also sent.
    pub(crate) collisions: [u64; LEVELS],
    /// Readings whose random access failed at every attempt.
    pub(crate) ra_failed: u64,
    /// Readings by the level of their device (at their first attempt).
    pub(crate) readings: [u64; LEVELS],
    /// Readings of devices beyond the maximum coupling loss.
    pub(crate) out_of_coverage: u64,
    /// Unit-nanoseconds of uplink transfers.
    pub(crate) unit_ns: u128,
    /// Devices connected now, and the most at once.
    pub(crate) connected: u32,
    /// The most devices connected at once.
    pub(crate) connected_peak: u32,
    /// Per time bucket: attempts and successful attempts.
    pub(crate) series: Vec<(u64, u64)>,
}

/// NB-IoT and LTE-M devices and cells.
#[derive(Default)]
pub(crate) struct CellState {
    /// Per sensor (empty when no class uses an NB-IoT or LTE-M access).
    pub(crate) dev: Vec<Device>,
    /// Per cell, `element * carriers + carrier` (None: that gateway does not serve that
    /// access).
    pub(crate) cells: Vec<Option<RadioCell>>,
    /// NB-IoT and LTE-M accesses: carriers at each site.
    pub(crate) carriers: u32,
    /// The time-series bucket, ns.
    pub(crate) bucket_ns: u64,
    /// Time-series buckets.
    pub(crate) buckets: usize,
    /// Readings per coverage level (counted ones): generated, delivered, latency, the
    /// drops in the cell.
    pub(crate) levels: [Flow; LEVELS],
}

impl City {
    /// Battery-powered classes on NB-IoT or LTE-M pay the module's currents: transmit
    /// and receive as used, PSM in between (their energy tables give the battery).
    pub(crate) fn cell_energy(&mut self) {
        for c in 0..self.classes.len() {
            let AccessKind::RadioCell(net) = &self.access[self.classes[c].access].kind else {
                continue;
            };
            self.classes[c].radio_cell = true;
            if let Some(e) = self.classes[c].energy.as_mut() {
                e.tx_a = net.radio.tx_a;
                e.rx_a = net.radio.rx_a;
                e.sleep_a = net.radio.psm_a;
                e.tx_s = None;
                e.rx_s = None;
            }
        }
    }

    /// The NB-IoT or LTE-M network of the access of `class`.
    #[inline]
    pub(crate) fn cell_net(&self, class: u16) -> &CellNet {
        match &self.access[self.classes[class as usize].access].kind {
            AccessKind::RadioCell(net) => net,
            _ => unreachable!("only NB-IoT and LTE-M readings reach a radio cell"),
        }
    }

    /// Sensor `s` (attached to cell `gw`) wakes to send a reading: its coverage level
    /// from its coupling loss (beyond the last level: lost below sensitivity); a device
    /// still connected transfers at once, any other first wins random access.
    pub(crate) fn cell_wake<Q: EventQueue<Event>>(
        &mut self,
        (s, gw): (u32, u32),
        (class, counted, prio): (u16, bool, u8),
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let c = gw * self.cell.carriers + self.cell_net(class).carrier;
        let Some(level) = self.cell_level(s as usize, gw, class) else {
            if counted {
                self.cell_mut(c).stats.out_of_coverage += 1;
            }
            self.rec
                .drop((s, class, prio), counted, DropCause::BelowSensitivity, now);
            return;
        };
        let net = self.cell_net(class);
        let bytes = self.classes[class as usize].payload + net.radio.overhead_bytes;
        let mut packet = Packet::new(now, bytes, s, class, counted, prio);
        packet.be = level;
        let pkt = self.alloc(packet);
        if counted {
            self.cell_mut(c).stats.readings[level as usize] += 1;
            self.cell.levels[level as usize].generated += 1;
        }
        let dev = self.cell.dev[s as usize];
        if dev.connected_until == u64::MAX {
            // Busy with an earlier reading still under way: this one makes its own
            // attempt.
            self.ra_join(c, pkt, now, sched);
            return;
        }
        if now < dev.connected_until {
            // Still connected: the inactivity timer restarts, no random access.
            self.cell_refund_connected(s as usize, now, dev.connected_until);
            self.cell.dev[s as usize].connected_until = u64::MAX;
            sched.schedule_in(SimTime(0), Event::RadioSetUp { cell: c, pkt });
            return;
        }
        self.cell_charge_idle(s as usize, now);
        self.cell.dev[s as usize].connected_until = u64::MAX;
        self.ra_join(c, pkt, now, sched);
    }

    /// Sensor `s`'s coverage level to cell `gw`, or None beyond the maximum coupling
    /// loss. A sensor keeps its loss to its cell while it stays where it was (shadowing
    /// and building loss are fixed per link and place).
    fn cell_level(&mut self, s: usize, gw: u32, class: u16) -> Option<u8> {
        let dev = self.cell.dev[s];
        // A sensor that never moves is where its loss was worked out: its position
        // (a cache miss at a million sensors) need not be read to know.
        let still = self.classes[class as usize].mobility.is_none();
        let loss = if dev.loss_to == gw && (still || dev.loss_at == self.sensors.pos[s]) {
            f64::from(dev.loss_db)
        } else {
            let at = self.sensors.pos[s];
            let loss = self.coupling_loss_db(s, gw, class);
            let dev = &mut self.cell.dev[s];
            (dev.loss_to, dev.loss_db, dev.loss_at) = (gw, loss as f32, at);
            loss
        };
        phy::level_of(&self.cell_net(class).radio.levels, loss)
    }

    /// Sensor `s`'s coupling loss to gateway `gw`, dB.
    fn coupling_loss_db(&self, s: usize, gw: u32, class: u16) -> f64 {
        let net = self.cell_net(class);
        let (x, y) = self.sensors.pos[s];
        let e = &self.backbone.elements[gw as usize];
        let (gx, gy) = e.position.expect("gateways have positions");
        let d = ((gx - x as f64).powi(2) + (gy - y as f64).powi(2)).sqrt();
        let key = self.sensors.key(s);
        let indoor = self.indoor_of(s);
        let f_hz = net.radio.propagation.frequency_hz;
        let indoor_db = crate::model::access::lora::indoor_loss_db(self.seeds, key, indoor, f_hz);
        let z = if net.field.is_none() {
            let mut r = self
                .seeds
                .sub(crate::ids::Ns::LinkShadow.id(key), u64::from(gw));
            rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut r)
        } else {
            0.0
        };
        let shadow = phy::shadow_db(&net.radio, net.field.as_ref(), gw, (x as f64, y as f64), z);
        phy::coupling_loss_db(&net.radio, d.max(1.0), shadow, indoor_db)
    }

    /// A reading of an NB-IoT or LTE-M device reached a sink `latency` after it was
    /// taken.
    pub(crate) fn cell_delivered(&mut self, level: u8, latency: u64) {
        self.cell.levels[level as usize].deliver(latency);
    }

    /// `pkt` is lost in its cell for `cause`: counted against its level too.
    pub(crate) fn cell_drop(&mut self, pkt: u32, cause: DropCause, now: u64) {
        let p = &self.packets[pkt];
        if p.counted {
            self.cell.levels[p.be as usize].dropped[cause as usize] += 1;
        }
        self.drop_packet(pkt, cause, now);
    }

    /// What each NB-IoT or LTE-M cell counted, at the end `end` of the run.
    pub(crate) fn cell_results(&self, end: u64) -> Vec<crate::metrics::CellResult> {
        let measured = end.saturating_sub(self.warmup) as f64;
        let mut out = Vec::new();
        let nets: Vec<&CellNet> = self
            .access
            .iter()
            .filter_map(|a| match &a.kind {
                AccessKind::RadioCell(n) => Some(&**n),
                _ => None,
            })
            .collect();
        for (c, cell) in self.cell.cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            let carriers = self.cell.carriers as usize;
            let el = &self.backbone.elements[c / carriers];
            let net = nets[c % carriers];
            let (kind, units) = (net.kind.name(), net.radio.units);
            let st = &cell.stats;
            out.push(crate::metrics::CellResult {
                name: el.name.clone(),
                kind: kind.to_string(),
                position: el.position.unwrap_or_default(),
                readings: st.readings,
                out_of_coverage: st.out_of_coverage,
                attempts: st.attempts,
                collisions: st.collisions,
                ra_failed: st.ra_failed,
                utilisation: if measured > 0.0 {
                    st.unit_ns as f64 / (f64::from(units) * measured)
                } else {
                    0.0
                },
                connected_peak: st.connected_peak,
                series: st.series.clone(),
            });
        }
        out
    }

    /// Cell `e`'s state, to read.
    #[inline]
    pub(crate) fn cell_ref(&self, e: u32) -> &RadioCell {
        self.cell.cells[e as usize]
            .as_ref()
            .expect("NB-IoT and LTE-M readings go to cells of their access")
    }

    /// Cell `e`'s state.
    #[inline]
    pub(crate) fn cell_mut(&mut self, e: u32) -> &mut RadioCell {
        self.cell.cells[e as usize]
            .as_mut()
            .expect("NB-IoT and LTE-M readings go to cells of their access")
    }
}

#[cfg(test)]
mod tests {
    /// A reading of an NB-IoT or LTE-M device reads its state in at most two cache
    /// lines (one, where the record does not cross a line's end).
    #[test]
    fn a_device_fits_in_a_cache_line() {
        assert!(std::mem::size_of::<super::Device>() <= 64);
    }
}

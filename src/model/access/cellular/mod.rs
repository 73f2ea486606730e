//! Cellular access. An abstract cell (`abstract_cell.rs`): a wake-up, then a transfer
//! slot. An NB-IoT or LTE-M cell (here, `phy.rs`, `ra.rs`): a device's coverage level
//! follows from its coupling loss; it wins random access (preambles that collide are
//! retried after a backoff), sets up its connection, waits for uplink units of the
//! carrier and transfers at its level's block size and repetitions; it stays connected
//! for the inactivity timer, then idle (eDRX) for T3324, then in PSM.
//!
//! ```text
//! reading --coupling loss--> level --RaSlot (preambles collide?)--> setup
//!     --RadioSetUp--> uplink units --RadioSent--> gateway (Arrive)
//! ```
//!
//! A cell is one gateway's carrier of one NB-IoT or LTE-M access (a site serving both
//! has two): cell `c` is gateway element `c / carriers`, carrier `c % carriers`.
//!
//! ```text
//! ```

pub(crate) mod abstract_cell;
pub(crate) mod phy;
pub(crate) mod ra;

use crate::model::propagation::ShadowField;
use crate::model::*;
use crate::scenario::{CellKind, CellRadio, CellularCfg, LEVELS};
use std::collections::{BTreeMap, VecDeque};

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

/// A device's connection state.
#[derive(Clone, Copy, Default)]
pub(crate) struct Device {
    /// Connected (RRC) until this time, ns; `u64::MAX` while a reading is under way.
    pub(crate) connected_until: u64,
    /// Its last activity: the end of its last transfer or attempt, ns (for T3412).
    pub(crate) last_active: u64,
    /// Whether it was ever connected (so that idle and PSM follow a release).
    pub(crate) released: bool,
}

/// One NB-IoT or LTE-M cell's state and counts.
#[derive(Default)]
pub(crate) struct RadioCell {
    /// Per level: the attempts at each upcoming opportunity (its start, ns), each a
    /// packet and its preamble.
    pub(crate) ra: [BTreeMap<u64, Vec<(u32, u16)>>; LEVELS],
    /// Uplink units free now.
    pub(crate) free: u32,
    /// Readings waiting for units, in order of arrival.
    pub(crate) waiting: VecDeque<u32>,
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
                .drop((class, prio), counted, DropCause::BelowSensitivity, now);
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
            self.cell_refund_connected(s as usize, dev.connected_until - now);
            self.cell.dev[s as usize].connected_until = u64::MAX;
            sched.schedule_in(SimTime(0), Event::RadioSetUp { cell: c, pkt });
            return;
        }
        self.cell_charge_idle(s as usize, now);
        self.cell.dev[s as usize].connected_until = u64::MAX;
        self.ra_join(c, pkt, now, sched);
    }

    /// Sensor `s`'s coverage level to cell `gw`, or None beyond the maximum coupling
    /// loss.
    fn cell_level(&self, s: usize, gw: u32, class: u16) -> Option<u8> {
        let net = self.cell_net(class);
        let (x, y) = self.sensors.pos[s];
        let e = &self.backbone.elements[gw as usize];
        let (gx, gy) = e.position.expect("gateways have positions");
        let d = ((gx - x as f64).powi(2) + (gy - y as f64).powi(2)).sqrt();
        let key = self.sensors.key(s);
        let indoor = self.classes[class as usize].indoor;
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
        let loss = phy::coupling_loss_db(&net.radio, d.max(1.0), shadow, indoor_db);
        phy::level_of(&net.radio.levels, loss)
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
    fn cell_mut_ref(&self, e: u32) -> &RadioCell {
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

    /// A connected reading asks its cell for uplink units: served at once when some are
    /// free and nobody waits, else queued (or lost when the queue is full).
    pub(crate) fn radio_cell_arrive<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if self.backbone.elements[(e / self.cell.carriers) as usize].down > 0 {
            self.cell_give_up(pkt, now);
            return self.cell_drop(pkt, DropCause::NodeDown, now);
        }
        let cap = self.cell_net(self.packets[pkt].class).queue;
        let cell = self.cell_mut(e);
        cell.stats.connected += 1;
        cell.stats.connected_peak = cell.stats.connected_peak.max(cell.stats.connected);
        if cell.waiting.is_empty() && cell.free > 0 {
            self.cell_start(e, pkt, sched);
        } else if cap.is_some_and(|c| cell.waiting.len() >= c as usize) {
            cell.stats.connected -= 1;
            self.cell_give_up(pkt, now);
            self.cell_drop(pkt, DropCause::QueueOverflow, now);
        } else {
            cell.waiting.push_back(pkt);
        }
    }

    /// Starts the transfer of `pkt` on the units it gets: its level's allocation, or
    /// the largest allocation of that kind the free units allow (the scheduler gives a
    /// device fewer tones or PRBs rather than none; its blocks take longer).
    fn cell_start<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let p = &self.packets[pkt];
        let (class, level, bytes, counted) = (p.class, p.be as usize, p.bytes, p.counted);
        let net = self.cell_net(class);
        let mut lv = net.radio.levels[level];
        let free = self.cell_mut_ref(e).free;
        lv.units = phy::allocation(net.kind, lv.units, free);
        let (ns, _) = phy::transfer(net.kind, &lv, bytes);
        let cell = self.cell_mut(e);
        cell.free -= lv.units;
        if counted {
            cell.stats.unit_ns += u128::from(lv.units) * u128::from(ns);
        }
        self.packets[pkt].units = lv.units as u8;
        let s = self.packets[pkt].sensor as usize;
        self.charge_radio(s, ns as f64 * 1e-9, 0.0);
        sched.schedule_in(SimTime(ns), Event::RadioSent { cell: e, pkt });
    }

    /// A transfer is done: its units serve the readings waiting, in order, while any
    /// are free; the device stays connected for the inactivity timer; the reading goes
    /// on to the gateway after the access latency.
    pub(crate) fn radio_cell_done<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let (class, units) = (self.packets[pkt].class, self.packets[pkt].units);
        let cell = self.cell_mut(e);
        cell.free += u32::from(units);
        cell.stats.connected -= 1;
        while self.cell_mut_ref(e).free > 0 {
            let Some(next) = self.cell_mut(e).waiting.pop_front() else {
                break;
            };
            self.cell_start(e, next, sched);
        }
        self.cell_release(pkt, now);
        let access = self.classes[class as usize].access;
        let elem = e / self.cell.carriers;
        let d = self.access[access]
            .latency
            .sample(&mut self.backbone.e_rng[elem as usize]);
        sched.schedule_in(SimTime(d), Event::Arrive { elem, pkt });
    }

    /// The device of `pkt` is done with it at `now`: connected for the inactivity
    /// timer (none with release assistance; charged now at the receive current over
    /// its listening share, refunded if a reading cuts it short), then idle for T3324
    /// (charged the same way).
    pub(crate) fn cell_release(&mut self, pkt: u32, now: u64) {
        let (s, class) = (self.packets[pkt].sensor as usize, self.packets[pkt].class);
        let radio = &self.cell_net(class).radio;
        let (tail, t3324, duty) = (radio.tail_ns(), radio.t3324_ns, radio.connected_duty());
        let dev = &mut self.cell.dev[s];
        // A window an overlapping reading opened and this one restarts: its rest is
        // refunded.
        let overlap = match dev.connected_until {
            u64::MAX => 0,
            until => until.saturating_sub(now),
        };
        dev.connected_until = now + tail;
        dev.last_active = now;
        dev.released = true;
        self.charge_radio(s, 0.0, (tail as f64 - overlap as f64) * duty * 1e-9);
        // The idle time after an overlapped window was never spent: refunded.
        let idle = if overlap > 0 {
            0.0
        } else {
            t3324 as f64 * 1e-9
        };
        let premium = self.cell_idle_premium_c(class) * idle;
        self.charge_radio_c(s, premium);
    }

    /// The device of `pkt` gives it up at `now` without a transfer: back to idle.
    pub(crate) fn cell_give_up(&mut self, pkt: u32, now: u64) {
        let s = self.packets[pkt].sensor as usize;
        let dev = &mut self.cell.dev[s];
        dev.connected_until = now;
        dev.last_active = now;
        dev.released = true;
        let premium = self.cell_idle_premium_c(self.packets[pkt].class);
        let t3324 = self.cell_net(self.packets[pkt].class).radio.t3324_ns;
        self.charge_radio_c(s, premium * t3324 as f64 * 1e-9);
    }

    /// Refunds sensor `s` the connected time it did not spend (`left_ns`): a reading
    /// came before its inactivity timer ran out.
    fn cell_refund_connected(&mut self, s: usize, left_ns: u64) {
        let duty = self.cell_net(self.class_of(s)).radio.connected_duty();
        self.charge_radio(s, 0.0, -(left_ns as f64) * duty * 1e-9);
    }

    /// Sensor `s` wakes at `now` from idle or PSM: refunds the idle time it did not
    /// spend, and charges the periodic tracking-area updates it made since its last
    /// activity (each a preamble and a connection setup at CE0).
    fn cell_charge_idle(&mut self, s: usize, now: u64) {
        let class = self.class_of(s);
        let dev = self.cell.dev[s];
        if !dev.released {
            self.cell.dev[s].last_active = now;
            return;
        }
        let radio = &self.cell_net(class).radio;
        let (t3324, t3412) = (radio.t3324_ns, radio.t3412_ns);
        let lv = radio.levels[0];
        let tail = radio.tail_ns() as f64 * radio.connected_duty();
        let kind = self.cell_net(class).kind;
        let idle_end = dev.connected_until.saturating_add(t3324);
        let premium = self.cell_idle_premium_c(class);
        if now < idle_end {
            let left = idle_end - now.max(dev.connected_until);
            self.charge_radio_c(s, -premium * left as f64 * 1e-9);
        }
        let updates = now.saturating_sub(dev.last_active) / t3412.max(1);
        if updates > 0 {
            let tx = (u64::from(lv.ra_repetitions) * crate::scenario::preamble_ns(kind)) as f64;
            let rx = lv.setup_ns as f64 + tail;
            let n = updates as f64;
            self.charge_radio(s, n * tx * 1e-9, n * rx * 1e-9);
        }
    }

    /// Current over PSM's that an idle device draws for its eDRX paging occasions
    /// (about 20 ms awake at the receive current per cycle), A.
    fn cell_idle_premium_c(&self, class: u16) -> f64 {
        /// Time awake per paging occasion: wake, synchronise, read the paging channel.
        const PAGING_S: f64 = 0.02;
        let radio = &self.cell_net(class).radio;
        radio.rx_a * PAGING_S / (radio.edrx_ns as f64 * 1e-9)
    }
}

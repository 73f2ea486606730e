//! LoRa star access: links, spreading factors, the duty cycle and a reading's way onto the air.

pub(crate) mod adr;
pub(crate) mod air;
pub(crate) mod mac;
pub(crate) mod net;
pub(crate) mod phy;
pub(crate) mod rx;

use crate::model::*;
use crate::scenario::{DeviceQueue, Indoor};
use air::Air;
use rand::Rng;
use rand_distr::Distribution;

/// The LoRa medium and what LoRa sensors keep between readings. Every LoRa access
/// network shares it: they share the gateways' receivers and the channels.
pub(crate) struct LoraState {
    /// Frames on the air and every gateway's receptions.
    pub(crate) air: Air,
    /// Per element: when each gateway may next send an acknowledgement in RX1 and in
    /// RX2 (downlink duty cycles).
    pub(crate) downlink_free: Vec<[u64; 2]>,
    /// Per element: time on air of its downlinks in RX1 and RX2 after the warm-up, ns.
    pub(crate) downlink_ns: Vec<[u64; 2]>,
    /// Per sensor, when a network keeps its duty cycle per sub-band: when the device
    /// may next send in each band, ns.
    pub(crate) band_free: Vec<[u64; 2]>,
    /// Per sensor: the SF of its latest frame (0: none yet).
    pub(crate) last_sf: Vec<u8>,
    /// Per sensor, when some class uses ADR: its settings and the server's history.
    pub(crate) adr: Vec<adr::AdrDevice>,
    /// Earliest next transmission of each sensor: after its receive windows close and
    /// its duty cycle allows (empty when no class uses LoRa).
    pub(crate) next_tx: Vec<u64>,
    /// Per sensor: the readings waiting for its radio.
    pub(crate) waiting: Vec<Waiting>,
    /// Sensors' links once computed, as a range of `arena` (empty when no class uses
    /// LoRa).
    pub(crate) links: Vec<LinkRange>,
    /// The links of sensors that stay put: the gateways (element ids, 2 B each: 4 B a
    /// link where a pair would take 8), and beside them the received powers.
    pub(crate) arena: Vec<u16>,
    /// The received powers of [`LoraState::arena`]'s links, in steps of
    /// 1/[`net::RSSI_STEPS_PER_DB`] dB (exactly the powers computed).
    pub(crate) arena_rx: Vec<i16>,
    /// Gateways near the sensor being looked at (reused buffer).
    pub(crate) scratch_ids: Vec<(u32, f32, f32)>,
    /// The gateways that hear the sensor of the last [`City::lora_links`] call, with
    /// the received power.
    pub(crate) heard: Vec<(u32, f32)>,
}

/// A device's readings waiting for its radio: a list through [`Packet::next`], in the
/// order they will be sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waiting {
    /// The first (`u32::MAX`: none).
    pub(crate) head: u32,
    /// How many.
    pub(crate) len: u32,
}

impl Waiting {
    /// No reading waits.
    pub(crate) const EMPTY: Waiting = Waiting {
        head: u32::MAX,
        len: 0,
    };
}

/// Where a sensor's links lie in [`LoraState::arena`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LinkRange {
    /// First entry (`u32::MAX`: not computed yet).
    pub(crate) start: u32,
    /// Number of entries.
    pub(crate) len: u16,
}

// SAFETY: integers.
unsafe impl crate::model::lazy::Zeroable for LinkRange {}

// SAFETY: integers.
unsafe impl crate::model::lazy::Zeroable for Waiting {}

impl LinkRange {
    /// Not computed yet.
    pub(crate) const UNKNOWN: LinkRange = LinkRange {
        start: u32::MAX,
        len: 0,
    };
}

impl LoraState {
    /// Keeps sensor `s`'s links in the arena (unless they would overflow it, or name a
    /// gateway beyond 2^16 elements or a power beyond ±256 dBm: those are computed at
    /// each reading).
    fn file_links(&mut self, s: usize, heard: &[(u32, f32)]) {
        let start = self.arena.len();
        let steps = |rx: f32| f64::from(rx) * net::RSSI_STEPS_PER_DB;
        let fits = heard.iter().all(|&(g, rx)| {
            g <= u32::from(u16::MAX)
                && (f64::from(i16::MIN)..=f64::from(i16::MAX)).contains(&steps(rx))
        });
        if fits && heard.len() < 1 << 16 && start + heard.len() < u32::MAX as usize {
            self.arena.extend(heard.iter().map(|&(g, _)| g as u16));
            self.arena_rx
                .extend(heard.iter().map(|&(_, rx)| steps(rx) as i16));
            self.links[s] = LinkRange {
                start: start as u32,
                len: heard.len() as u16,
            };
        }
    }

    /// The medium of a city of `elements` backbone elements and `sensors` sensors;
    /// `users`: the sensors of the classes that use LoRa (none: no per-sensor state),
    /// and the most channels of any LoRa network; loads count from `warmup` on.
    pub(crate) fn new(
        elements: usize,
        sensors: usize,
        (users, channels): (&[std::ops::Range<usize>], usize),
        warmup: u64,
    ) -> LoraState {
        let lora = !users.is_empty();
        let per_sensor = if lora { sensors } else { 0 };
        LoraState {
            air: Air::new(elements, if lora { channels } else { 0 }, warmup),
            downlink_free: vec![[0, 0]; elements],
            downlink_ns: vec![[0, 0]; elements],
            last_sf: vec![0; per_sensor],
            band_free: Vec::new(),
            adr: Vec::new(),
            next_tx: vec![0; per_sensor],
            waiting: crate::model::lazy::per_sensor(per_sensor, users, Waiting::EMPTY),
            links: crate::model::lazy::per_sensor(per_sensor, users, LinkRange::UNKNOWN),
            arena: Vec::new(),
            arena_rx: Vec::new(),
            scratch_ids: Vec::new(),
            heard: Vec::new(),
        }
    }
}

/// Proof that [`LoraState::heard`] holds the links of the sensor about to transmit:
/// only [`City::lora_links`] makes one, and putting a frame on the air takes it.
#[must_use]
pub(crate) struct Heard {
    /// The spreading factor the sensor uses.
    pub(crate) sf: u8,
}

impl City {
    /// Whether sensor `s` may sit indoors, and in what: its class's share, or what its
    /// placement file says of it (indoors: a share of 1, drawn the same way).
    pub(crate) fn indoor_of(&self, s: usize) -> Option<Indoor> {
        let c = &self.classes[self.class_of(s) as usize];
        let Some(each) = &c.indoor_each else {
            return c.indoor;
        };
        let first = self.sensors.key(s) as u32 as usize;
        let building = c
            .indoor
            .map_or(crate::scenario::Building::Traditional, |i| i.building);
        match each.get(first).copied().flatten() {
            Some(true) => Some(Indoor {
                share: 1.0,
                building,
            }),
            Some(false) => None,
            None => c.indoor,
        }
    }
}

/// The building entry loss of the sensor of stream key `key`, dB: with probability
/// `indoor.share` it sits indoors, where its loss is drawn from ITU-R P.2109-2 at
/// `f_hz` (once per sensor: the same for every gateway and all run long).
pub(crate) fn indoor_loss_db(seeds: Seeds, key: u64, indoor: Option<Indoor>, f_hz: f64) -> f64 {
    let Some(indoor) = indoor else {
        return 0.0;
    };
    let mut rng = seeds.stream(SensorDraw::Building.id(key));
    if rng.random::<f64>() >= indoor.share {
        return 0.0;
    }
    let z: f64 = rand_distr::StandardNormal.sample(&mut rng);
    propagation::building_entry_loss_db(f_hz, indoor.building, z)
}

/// Sensors whose links are computed at once, in parallel, before they are filed.
const LINK_BATCH: usize = 2048;

impl City {
    /// Computes the links of every LoRa sensor that stays put, on the threads of the
    /// current pool, and files them in sensor order. Each sensor's links depend only
    /// on its own position and streams, so they are what its first reading would have
    /// computed: the results are the same at any thread count (and as without this).
    pub(crate) fn precompute_lora_links(&mut self) {
        use rayon::prelude::*;
        let still: Vec<usize> = (0..self.lora.links.len())
            .filter(|&s| {
                let c = &self.classes[self.class_of(s) as usize];
                c.mobility.is_none() && matches!(self.access[c.access].kind, AccessKind::Lora(_))
            })
            .collect();
        for batch in still.chunks(LINK_BATCH) {
            let lists: Vec<Vec<(u32, f32)>> = batch
                .par_iter()
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(ids, out), &s| {
                        let class = &self.classes[self.class_of(s) as usize];
                        let net = self.access[class.access].lora();
                        let key = self.sensors.key(s);
                        let indoor = self.indoor_of(s);
                        let indoor_db = indoor_loss_db(self.seeds, key, indoor, net.frequency_hz());
                        net.links((self.seeds, key), self.sensors.pos[s], indoor_db, ids, out);
                        out.clone()
                    },
                )
                .collect();
            for (&s, heard) in batch.iter().zip(lists) {
                self.lora.file_links(s, &heard);
            }
        }
    }

    /// The gateways that hear sensor `s` (into `self.lora.heard`) and its spreading
    /// factor.
    pub(crate) fn lora_links(&mut self, s: usize, access: usize) -> Heard {
        let class = self.class_of(s) as usize;
        let net = self.access[access].lora();
        let still = self.classes[class].mobility.is_none();
        match self.lora.links.get(s).copied() {
            // A sensor that stays put hears the same gateways all run long: computed
            // once, then copied from the arena.
            Some(LinkRange { start, len }) if still && start != u32::MAX => {
                let (a, b) = (start as usize, start as usize + len as usize);
                self.lora.heard.clear();
                let (gw, rx) = (&self.lora.arena[a..b], &self.lora.arena_rx[a..b]);
                let per_db = net::RSSI_STEPS_PER_DB as f32;
                let links = gw
                    .iter()
                    .zip(rx)
                    .map(|(&g, &r)| (u32::from(g), f32::from(r) / per_db));
                self.lora.heard.extend(links);
            }
            _ => {
                let key = self.sensors.key(s);
                let indoor = self.indoor_of(s);
                let indoor_db = indoor_loss_db(self.seeds, key, indoor, net.frequency_hz());
                net.links(
                    (self.seeds, key),
                    self.sensors.pos[s],
                    indoor_db,
                    &mut self.lora.scratch_ids,
                    &mut self.lora.heard,
                );
                if still && s < self.lora.links.len() {
                    let heard = std::mem::take(&mut self.lora.heard);
                    self.lora.file_links(s, &heard);
                    self.lora.heard = heard;
                }
            }
        }
        if self.adr_class(class) {
            // The server's settings: its SF, and its power lowered in 2 dB steps.
            let (sf, steps) = self.lora.adr[s].now;
            if steps > 0 {
                let floor = gateway_sensitivity_dbm(12, net.tx(12).bw_hz) as f32;
                let lower = 2.0 * f32::from(steps);
                self.lora.heard.iter_mut().for_each(|l| l.1 -= lower);
                self.lora.heard.retain(|l| l.1 >= floor);
            }
            return Heard { sf };
        }
        let c = &self.classes[class];
        let class_sf = match &c.sf_each {
            Some(v) => {
                let first = self.sensors.first_of(class);
                match v[s - first] {
                    0 => SfChoice::Auto,
                    sf => SfChoice::Fixed(sf),
                }
            }
            None => c.sf,
        };
        Heard {
            sf: net.spreading_factor(&self.lora.heard, class_sf, c.payload),
        }
    }

    /// A reading of a sensor on a LoRa access: battery, range, duty cycle, transmission.
    pub(crate) fn lora_reading<Q: EventQueue<Event>>(
        &mut self,
        s: usize,
        key: DrawKey,
        (charge, prio): (bool, u8),
        rng: &mut Stream,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let class = self.class_of(s);
        let counted = now >= self.warmup;
        let (access, payload) = (
            self.classes[class as usize].access,
            self.classes[class as usize].payload,
        );
        let heard = self.lora_links(s, access);
        let net = self.access[access].lora();
        let (duty, duty_drop) = (net.duty_cycle, net.duty_cycle_drop);
        if let Some(e) = self.classes[class as usize].energy {
            // The radio is charged per transmission and receive window.
            let q = e.base_c;
            if self.battery_empty((s, class), e, q, key.number(), charge, now) {
                self.rec.drop_at(
                    (s as u32, class, prio, heard.sf),
                    counted,
                    DropCause::Battery,
                    now,
                );
                return;
            }
        }
        if self.lora.heard.is_empty() {
            self.rec.drop_at(
                (s as u32, class, prio, heard.sf),
                counted,
                DropCause::BelowSensitivity,
                now,
            );
            return;
        }
        let loss = self.access[access].loss;
        if loss > 0.0 && rng.random::<f64>() < loss {
            self.rec.drop_at(
                (s as u32, class, prio, heard.sf),
                counted,
                DropCause::LinkLoss,
                now,
            );
            return;
        }
        // A device has one radio: it sends when its last frame's receive windows have
        // closed and its duty cycle allows. Until then the reading waits in the
        // device's queue (or, under the "drop" policy with a duty cycle, is dropped).
        let busy = self.lora.next_tx[s] > now || self.lora.waiting[s].len > 0;
        if busy && duty_drop && duty.is_some() {
            self.rec.drop_at(
                (s as u32, class, prio, heard.sf),
                counted,
                DropCause::DutyCycle,
                now,
            );
            return;
        }
        let pkt = self.alloc(Packet {
            draw: key,
            sf: heard.sf,
            ..Packet::new(now, payload, s as u32, class, counted, prio)
        });
        if busy {
            self.wait_for_radio(s, pkt, sched);
        } else {
            let net = self.access[access].lora();
            self.lora.next_tx[s] = net.next_free(now, net.uplink_s(heard.sf, payload));
            self.put_on_air(s as u32, pkt, key, heard, sched);
        }
    }

    /// Reading `pkt` of sensor `s` waits for the radio: in priority order, then oldest
    /// first, up to the queue's size (a reading that outranks the last one waiting
    /// takes its place); under "latest", it replaces the one waiting.
    fn wait_for_radio<Q: EventQueue<Event>>(
        &mut self,
        s: usize,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let access = self.classes[self.packets[pkt].class as usize].access;
        let (policy, size) = self.access[access].lora().device_queue;
        if policy == DeviceQueue::Drop {
            self.drop_packet(pkt, DropCause::DeviceQueue, now);
            return;
        }
        let w = self.lora.waiting[s];
        if w.len == 0 {
            let at = self.lora.next_tx[s].max(now);
            sched.schedule_at(SimTime(at), Event::RadioFree { sensor: s as u32 });
        }
        let full = match policy {
            DeviceQueue::Latest => w.len >= 1,
            DeviceQueue::Fifo | DeviceQueue::Drop => w.len >= size,
        };
        if full {
            // The last one waiting leaves unless the new reading ranks below it.
            let (prev, last) = self.last_waiting(s);
            let keep_last =
                policy == DeviceQueue::Fifo && self.packets[last].prio <= self.packets[pkt].prio;
            if keep_last {
                self.drop_packet(pkt, DropCause::DeviceQueue, now);
                return;
            }
            match prev {
                Some(p) => self.packets[p].next = u32::MAX,
                None => self.lora.waiting[s].head = u32::MAX,
            }
            self.lora.waiting[s].len -= 1;
            self.drop_packet(last, DropCause::DeviceQueue, now);
        }
        // After every reading of its priority or higher.
        let prio = self.packets[pkt].prio;
        let mut prev: Option<u32> = None;
        let mut at = self.lora.waiting[s].head;
        while at != u32::MAX && self.packets[at].prio <= prio {
            prev = Some(at);
            at = self.packets[at].next;
        }
        self.packets[pkt].next = at;
        match prev {
            Some(p) => self.packets[p].next = pkt,
            None => self.lora.waiting[s].head = pkt,
        }
        self.lora.waiting[s].len += 1;
    }

    /// The last reading waiting for sensor `s`'s radio, and the one before it.
    fn last_waiting(&self, s: usize) -> (Option<u32>, u32) {
        let (mut prev, mut at) = (None, self.lora.waiting[s].head);
        while self.packets[at].next != u32::MAX {
            prev = Some(at);
            at = self.packets[at].next;
        }
        (prev, at)
    }

    /// Sensor `s`'s radio may be free: it sends the first reading waiting, and looks
    /// again when it is free once more.
    pub(crate) fn radio_free<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let (now, su) = (sched.now().0, s as usize);
        if self.lora.waiting[su].len == 0 {
            return;
        }
        if self.lora.next_tx[su] > now {
            // A retransmission took the radio meanwhile.
            sched.schedule_at(
                SimTime(self.lora.next_tx[su]),
                Event::RadioFree { sensor: s },
            );
            return;
        }
        let pkt = self.lora.waiting[su].head;
        self.lora.waiting[su].head = self.packets[pkt].next;
        self.lora.waiting[su].len -= 1;
        self.packets[pkt].next = u32::MAX;
        let (class, key) = (self.packets[pkt].class as usize, self.packets[pkt].draw);
        let (access, payload) = (self.classes[class].access, self.classes[class].payload);
        let heard = self.lora_links(su, access);
        let net = self.access[access].lora();
        self.lora.next_tx[su] = net.next_free(now, net.uplink_s(heard.sf, payload));
        if self.lora.waiting[su].len > 0 {
            sched.schedule_at(
                SimTime(self.lora.next_tx[su]),
                Event::RadioFree { sensor: s },
            );
        }
        self.put_on_air(s, pkt, key, heard, sched);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_kept_exactly_unless_a_gateway_id_or_power_needs_more_than_two_bytes() {
        let all = 0..4;
        let mut st = LoraState::new(4, 4, (std::slice::from_ref(&all), 8), 0);
        // Powers in steps of 1/128 dB, as links are computed, down to -256 dBm.
        let near = [
            (0u32, -101.25f32),
            (65_535, -119.5),
            (7, -87.0 - 3.0 / 128.0),
            (3, -256.0),
        ];
        st.file_links(0, &near);
        st.file_links(1, &[(65_536, -100.0)]);
        st.file_links(2, &[]);
        st.file_links(3, &[(1, -256.0 - 1.0 / 128.0)]);
        let back = |st: &LoraState, s: usize| {
            let LinkRange { start, len } = st.links[s];
            let (a, b) = (start as usize, start as usize + len as usize);
            st.arena[a..b]
                .iter()
                .zip(&st.arena_rx[a..b])
                .map(|(&g, &r)| (u32::from(g), f32::from(r) / net::RSSI_STEPS_PER_DB as f32))
                .collect::<Vec<_>>()
        };
        assert_eq!(back(&st, 0), near.to_vec());
        // Beyond 2^16 elements or -256 dBm: not kept, computed at each reading instead.
        assert_eq!(st.links[1].start, u32::MAX);
        assert_eq!(st.links[3].start, u32::MAX);
        assert!(back(&st, 2).is_empty());
    }
}

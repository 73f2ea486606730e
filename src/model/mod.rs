//! The city: sensors, access networks, gateways, nodes and links, and what happens to a
//! reading on its way to a sink.
//!
//! ```text
//! Generate(sensor) --access hop--> Arrive(gateway) --service--> Served(gateway)
//!     --> link queue --serialisation--> Sent(link) --latency--> Arrive(next) ... sink
//! ```
//!
//! State is kept in flat vectors indexed by sensor, element (gateways first, then
//! nodes) and link instance; packets in flight live in a slab reused through a free
//! list. The event handlers neither allocate (beyond amortised queue growth), hash nor
//! format.

mod access;
mod backbone;
pub mod budget;
mod build;
pub mod checks;
mod dist;
mod energy;
mod event;
mod faults;
mod geo;
mod incidents;
mod lazy;
mod mobility;
mod packet;
mod place;
mod profile;
pub mod propagation;
mod recorder;
mod results;
mod slab;
mod split;
mod station;
mod topology;
mod traffic;

use access::cellular::{CellNet, CellState, CellStats, Device, RadioCell};
use access::lora::net::LoraNet;
pub use access::lora::phy::{gateway_sensitivity_dbm, sensitivity_dbm, LoraTx, PathLoss};
use access::lora::LoraState;
use access::mesh::net::{self as mesh, Infra, MFrame, MeshNet};
pub use access::mesh::net::{ber, prr};
use access::mesh::{mesh_node_pos, MeshState, RelayAt, OUT_OF_RANGE};
use access::{AccessKind, AccessNet};
use backbone::{ns_per_byte, Backbone, Element, Link};
pub use dist::Sampler;
use energy::{EnergyRt, EnergyState};
pub use event::Event;
use faults::{Down, FaultRt, Faults};
pub(crate) use geo::{reach_m, sensor_positions};
use mobility::{waypoint, Leg, MobilityState};
pub use packet::DrawKey;
use packet::{Packet, ReadingKind, Role};
pub use place::{place, place_in, SpatialIndex};
use profile::Profile;
use recorder::Recorder;
use slab::Slab;
pub use split::Handover;
use station::{Admit, Station};
pub use topology::{next_hops, Hop, NONE};
use traffic::{ClassRt, Sample, TrafficState};

use crate::engine::{EventQueue, Model, Scheduler, Seeds, SimTime, Simulation, Stream};
use crate::ids::{Ns, SensorDraw};
use crate::metrics::{
    ClassEnergy, ClassResult, DropCause, ElementResult, Flow, RelayResult, RunResult, SensorRecord,
};
use crate::scenario::{
    Attach, Endpoint, FaultTarget, FaultWhen, IncidentCfg, Mobility, Scenario, SfChoice, Surge,
    Technology, Traffic,
};

/// The city model: implements [`Model`] for the engine. A composition of one state
/// per concern; each concern's handlers live in its module.
pub struct City {
    /// What every random stream derives from.
    seeds: Seeds,
    /// Readings before this time are not counted, ns.
    warmup: u64,
    /// The sensor classes, as built.
    classes: Vec<ClassRt>,
    /// Where sensors are and which gateway each is attached to.
    sensors: Sensors,
    /// Readings in flight.
    packets: Slab<Packet>,
    /// What was measured.
    rec: Recorder,
    /// Gateways, nodes and links.
    backbone: Backbone,
    /// The access networks, one per `[[access]]`.
    access: Vec<AccessNet>,
    /// The LoRa medium and LoRa sensors' state.
    lora: LoraState,
    /// The mesh channels and mesh sensors' state.
    mesh: MeshState,
    /// NB-IoT and LTE-M devices and cells.
    cell: access::cellular::CellState,
    /// Sensors' traffic state (bursts, thresholds).
    traffic: TrafficState,
    /// Battery-powered sensors' counts.
    energy: EnergyState,
    /// Mobile sensors' legs.
    mobility: MobilityState,
    /// Outages.
    faults: Faults,
    /// Area incidents.
    incidents: Vec<IncidentCfg>,
    /// The part of a split run this city plays.
    split: split::Split,
    /// Whether readings' per-sensor state is prefetched ([`City::prefetch_sensor`]).
    prefetching: bool,
}

/// The sensors, numbered class by class.
pub(crate) struct Sensors {
    /// One past the last sensor of each class.
    pub(crate) class_end: Vec<u32>,
    /// Each sensor's gateway (reading events carry a copy), or [`NONE`]. Random draws
    /// come from the sensor's sub-stream numbered by the reading (see `substream`), so
    /// no generator is stored per sensor.
    pub(crate) gateway: Vec<u32>,
    /// Each sensor's position, m (mobile sensors: where it last read).
    pub(crate) pos: Vec<(f32, f32)>,
}

/// Sensor `s`'s stream key, (class << 32) | index within the class, from the classes'
/// ends (sensors are numbered class by class).
#[inline]
pub(crate) fn sensor_key(class_end: &[u32], s: usize) -> u64 {
    let c = class_end.partition_point(|&end| end as usize <= s);
    let first = if c == 0 { 0 } else { class_end[c - 1] as usize };
    ((c as u64) << 32) | (s - first) as u64
}

impl Sensors {
    /// The class of sensor `s`.
    #[inline]
    pub(crate) fn class_of(&self, s: usize) -> u16 {
        self.class_end.partition_point(|&end| end as usize <= s) as u16
    }

    /// Sensor `s`'s key in its random streams: (class, index within the class), so
    /// that adding sensors to one class leaves every other class's draws unchanged.
    #[inline]
    pub(crate) fn key(&self, s: usize) -> u64 {
        sensor_key(&self.class_end, s)
    }

    /// Sensor `s`'s class and stream key, with one look-up.
    #[inline]
    pub(crate) fn class_and_key(&self, s: usize) -> (u16, u64) {
        let c = self.class_of(s);
        (c, self.key_in(s, c))
    }

    /// The stream key of sensor `s`, of class `c`.
    #[inline]
    pub(crate) fn key_in(&self, s: usize, c: u16) -> u64 {
        let first = self.first_of(c as usize);
        (u64::from(c) << 32) | (s - first) as u64
    }

    /// The first sensor of class `c`.
    #[inline]
    pub(crate) fn first_of(&self, c: usize) -> usize {
        if c == 0 {
            0
        } else {
            self.class_end[c - 1] as usize
        }
    }
}

impl City {
    /// Makes every hop of every reading an event, as the model was written: no reading
    /// goes ahead of the clock where nothing could intervene. The results are the same
    /// (the shortcuts are tested against this), only slower.
    pub fn every_hop_an_event(&mut self) {
        self.backbone.shortcuts = false;
    }

    /// Number of sensors.
    pub fn sensors(&self) -> usize {
        self.sensors.gateway.len()
    }

    /// Position of a sensor, m.
    pub fn sensor_position(&self, s: usize) -> (f32, f32) {
        self.sensors.pos[s]
    }

    /// The gateway (element index) a sensor is attached to, or [`NONE`].
    pub fn sensor_gateway(&self, s: usize) -> u32 {
        self.sensors.gateway[s]
    }

    /// The class of a sensor.
    #[inline]
    fn class_of(&self, s: usize) -> u16 {
        self.sensors.class_of(s)
    }

    /// The random stream of reading `k` of the sensor of stream key `key` (`u64::MAX`:
    /// its start-up draws).
    #[inline]
    fn sensor_stream(&self, key: u64, k: u64) -> Stream {
        self.seeds.sub(SensorDraw::Readings.id(key), k)
    }

    /// Schedules every sensor's first reading.
    pub fn start<Q: EventQueue<Event>>(sim: &mut Simulation<City, Q>) {
        for f in 0..sim.model().faults.list.len() {
            let at = match sim.model().faults.list[f].when {
                FaultWhen::Scheduled { start_ns, .. } => start_ns,
                FaultWhen::Random { .. } => sim.model_mut().fault_draw(f, true),
            };
            sim.model_mut().faults.list[f].next_change = at;
            sim.schedule(SimTime(at), Event::FaultDown { fault: f as u32 });
        }
        sim.model_mut().calm_down();
        if !sim.model().split.runs_access() {
            return;
        }
        for i in 0..sim.model().incidents.len() {
            let at = sim.model().incidents[i].start_ns;
            sim.schedule(SimTime(at), Event::IncidentStart { incident: i as u32 });
        }
        for (at, event) in sim.model().link_status_starts() {
            sim.schedule(SimTime(at), event);
        }
        for (at, event) in sim.model_mut().trickle_starts() {
            sim.schedule(SimTime(at), event);
        }
        let n = sim.model().sensors();
        for s in 0..n {
            let city = sim.model();
            if !city
                .split
                .runs_net(city.classes[city.class_of(s) as usize].access)
            {
                continue;
            }
            let t = sim.model_mut().first_reading(s);
            let gateway = sim.model().sensors.gateway[s];
            let class = sim.model().class_of(s);
            sim.schedule(
                SimTime(t),
                Event::Generate {
                    sensor: s as u32,
                    gateway,
                    k: 0,
                    class,
                },
            );
        }
    }
}

impl Model for City {
    type Event = Event;

    #[inline]
    fn handle<Q: EventQueue<Event>>(&mut self, event: Event, sched: &mut Scheduler<Event, Q>) {
        match event {
            Event::MeshCca { node, pkt } => self.mesh_cca(node, pkt, sched),
            Event::MeshEnd { frame } => self.mesh_end(frame, sched),
            Event::MeshLinkStatus { node, access } => self.link_status(access, node, sched),
            Event::MeshTrickle {
                node,
                access,
                gen,
                fire,
            } => self.trickle((access, node), (gen, fire), sched),
            Event::Generate {
                sensor,
                gateway,
                k,
                class,
            } => self.generate((sensor, class), gateway, k, sched),
            Event::Arrive { elem, pkt } => self.arrive(elem, pkt, sched),
            Event::Served { elem, pkt } => self.served(elem, pkt, sched),
            Event::Sent { link, pkt } => self.sent(link, pkt, sched),
            Event::LinkFree { link } => self.link_free(link, sched),
            Event::ElemFree { elem } => self.elem_free(elem, sched),
            Event::Transmit { sensor, pkt, key } => self.transmit(sensor, pkt, key, sched),
            Event::RadioFree { sensor } => self.radio_free(sensor, sched),
            Event::TxEnd { frame } => self.tx_end(frame, sched),
            Event::FaultDown { fault } => self.fault(fault, true, sched),
            Event::FaultUp { fault } => self.fault(fault, false, sched),
            Event::CellArrive { elem, pkt } => self.cell_arrive(elem, pkt, sched),
            Event::IncidentStart { incident } => self.incident_start(incident, sched),
            Event::Extra {
                sensor,
                incident,
                n,
            } => self.extra(sensor, incident, n, sched),
            Event::CellDone { elem, pkt } => self.cell_done(elem, pkt, sched),
            Event::RaSlot { cell, level } => self.ra_slot(cell, level, sched),
            Event::RadioSetUp { cell, pkt } => self.radio_cell_arrive(cell, pkt, sched),
            Event::UnitsFree { cell } => self.cell_units_free(cell, sched),
        }
    }

    #[inline]
    fn prefetch(&self, event: &Event) {
        if let Event::Generate { sensor, class, .. } = *event {
            self.prefetch_sensor(sensor as usize, class);
        }
    }

    #[inline]
    fn prefetching(&self) -> bool {
        self.prefetching
    }
}

impl City {
    /// Whether a reading of some class reads per-sensor state that
    /// [`City::prefetch_sensor`] brings in.
    fn reads_sensor_state(&self) -> bool {
        self.classes.iter().any(|c| {
            c.threshold.is_some()
                || c.mobility.is_some()
                || c.radio_cell
                || c.energy.is_some()
                || matches!(
                    self.access[c.access].kind,
                    AccessKind::Lora(_) | AccessKind::Mesh(_)
                )
        })
    }

    /// Brings into cache the per-sensor state a reading of sensor `s` reads first
    /// (each a cache miss at a million sensors otherwise).
    #[inline]
    fn prefetch_sensor(&self, s: usize, class: u16) {
        let class = &self.classes[class as usize];
        if class.threshold.is_some() {
            prefetch(self.traffic.value.get(s));
        }
        if class.mobility.is_some() {
            prefetch(self.mobility.legs.get(s));
            prefetch(self.sensors.pos.get(s));
        }
        if class.radio_cell {
            // Its battery's account is in the same record, which may cross into a
            // second cache line.
            prefetch(self.cell.dev.get(s));
            prefetch_end(self.cell.dev.get(s));
            return;
        }
        if class.energy.is_some() {
            prefetch(self.energy.accounts.get(s));
        }
        match self.access[class.access].kind {
            AccessKind::Lora(_) => {
                let lora = &self.lora;
                prefetch(lora.links.get(s));
                prefetch(lora.next_tx.get(s));
                prefetch(lora.waiting.get(s));
                prefetch(lora.last_sf.get(s));
                prefetch(lora.adr.get(s));
            }
            AccessKind::Mesh(_) => {
                prefetch(self.mesh.busy.get(s));
                prefetch(self.mesh.quiet_until.get(s));
                prefetch(self.mesh.parent.get(s));
                prefetch(self.sensors.pos.get(s));
            }
            _ => {}
        }
    }
}

/// Asks the processor to bring the cache line of `x`'s last byte in (that of a
/// record that crosses a line's end).
#[inline(always)]
pub(crate) fn prefetch_end<T>(x: Option<&T>) {
    prefetch(x.map(|x| {
        // SAFETY: the last byte of `x`, within the same object.
        unsafe {
            &*(x as *const T)
                .cast::<u8>()
                .add(std::mem::size_of::<T>() - 1)
        }
    }));
}

/// Asks the processor to bring `x`'s cache line in (nothing elsewhere, or for None).
#[inline(always)]
pub(crate) fn prefetch<T>(x: Option<&T>) {
    let Some(x) = x else { return };
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing and cannot fault; `x` is a valid reference.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (x as *const T).cast::<i8>(),
        );
    }
}

#[cfg(test)]
mod tests {
    /// Events are 16 bytes, so a queue entry (128-bit key + event) is 32.
    #[test]
    fn events_stay_small() {
        assert_eq!(std::mem::size_of::<super::Event>(), 16);
    }

    #[test]
    fn strict_priority_serves_high_first_and_fifo_within_a_priority() {
        let mut q = super::station::PrioQueue::default();
        // Packets 1..=6 arrive in this order with these priorities (0 high, 2 low).
        for (pkt, prio) in [(1, 2), (2, 1), (3, 0), (4, 2), (5, 0), (6, 1)] {
            q.push(pkt, prio);
        }
        assert_eq!(q.len(), 6);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, [3, 5, 2, 6, 1, 4]);
        // A full room gives up its newest lowest packet to a higher one, never to an
        // equal or lower one.
        for (pkt, prio) in [(1, 2), (2, 1), (3, 2)] {
            q.push(pkt, prio);
        }
        assert_eq!(q.evict_below(0), Some(3));
        assert_eq!(q.evict_below(1), Some(1));
        assert_eq!(q.evict_below(1), None);
        assert_eq!(q.evict_below(2), None);
        assert_eq!(q.len(), 1);
    }
}

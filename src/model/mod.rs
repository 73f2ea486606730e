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
mod build;
mod dist;
mod energy;
mod event;
mod faults;
mod incidents;
mod mobility;
mod packet;
mod place;
mod profile;
mod recorder;
mod results;
mod slab;
mod station;
mod topology;
mod traffic;

use access::lora::air::{Air, LoraNet};
pub use access::lora::phy::{capture, sensitivity_dbm, LoraTx, PathLoss};
use access::mesh::net::{self as mesh, Infra, MFrame, MeshAir, MeshNet};
pub use access::mesh::net::{ber, prr};
use access::mesh::{mesh_node_pos, OUT_OF_RANGE};
use access::AccessRt;
use backbone::{ns_per_byte, Element, Link};
pub use dist::Sampler;
use energy::EnergyRt;
pub use event::Event;
use faults::{Down, FaultRt};
use mobility::waypoint;
use packet::{counted_at, Packet, ReadingKind};
pub use place::{place, place_in, SpatialIndex};
use profile::Profile;
use slab::Slab;
use station::{Admit, Station};
pub use topology::{next_hops, Hop, NONE};
use traffic::ClassRt;

use crate::ids::{Ns, SensorDraw};

use crate::engine::{stream, substream, EventQueue, Model, Scheduler, SimTime, Simulation, Stream};
use crate::metrics::{
    Bucket, ClassEnergy, ClassResult, DropCause, ElementResult, Flow, QueueStats, RelayResult,
    RunResult, SensorRecord,
};
use crate::scenario::{
    Attach, Endpoint, FaultTarget, FaultWhen, IncidentCfg, Mobility, Scenario, Surge, Traffic,
};
use std::collections::VecDeque;

/// The city model: implements [`Model`] for the engine.
pub struct City {
    warmup: u64,
    bucket_ns: u64,
    classes: Vec<ClassRt>,
    access: Vec<AccessRt>,
    seed: u64,
    replication: u32,
    /// One past the last sensor of each class (sensors are numbered class by class).
    class_end: Vec<u32>,
    /// Each sensor's gateway (reading events carry a copy). Random draws come from the
    /// sensor's sub-stream numbered by the reading (see `substream`), so no generator is
    /// stored per sensor.
    s_gateway: Vec<u32>,
    /// End of the current on period of bursty sensors (empty when no class is bursty).
    s_on_end: Vec<u64>,
    s_pos: Vec<(f32, f32)>,
    elements: Vec<Element>,
    e_rng: Vec<Stream>,
    links: Vec<Link>,
    l_rng: Vec<Stream>,
    packets: Slab<Packet>,
    flows: Vec<Flow>,
    buckets: Vec<Bucket>,
    /// Per access network: the LoRa radio, when it is one.
    lora: Vec<Option<LoraNet>>,
    /// LoRa frames on the air.
    air: Air,
    /// Earliest next transmission of each sensor under a duty cycle (empty if none).
    s_next_tx: Vec<u64>,
    scratch_ids: Vec<(u32, f32, f32)>,
    scratch_links: Vec<(u32, f32)>,
    faults: Vec<FaultRt>,
    /// Outages in force per sensor class.
    class_down: Vec<u16>,
    /// Mobile sensors: the leg they are on and when it began (empty if none move).
    s_leg: Vec<(u32, u64)>,
    city_size: (f64, f64),
    incidents: Vec<IncidentCfg>,
    /// The topology, for routes recomputed when something fails.
    hops: Vec<Hop>,
    /// Per access network: the index of its gateways and its range (re-attachment).
    attach: Vec<Option<(SpatialIndex, f64)>>,
    /// Per access network: the 802.15.4 mesh, when it is one.
    mesh: Vec<Option<MeshNet>>,
    /// Frames on the mesh channels.
    mesh_air: MeshAir,
    /// Per element: when each gateway may next send an acknowledgement in RX1 and in
    /// RX2 (downlink duty cycles).
    gw_downlink: Vec<[u64; 2]>,
    /// LoRa sensors' links (gateway, received power) once computed: a range of
    /// `link_arena` (start `u32::MAX`: not yet; empty when no class uses LoRa).
    s_links: Vec<(u32, u16)>,
    link_arena: Vec<(u32, f32)>,
    /// Mesh sensors with a reading in their MAC (empty when no class uses a mesh).
    s_mesh_busy: Vec<bool>,
    /// Mesh sensors' parent (or [`OUT_OF_RANGE`]) and the received power there, valid
    /// while their network's route epoch is the one stored.
    s_parent: Vec<(u32, u32, f32)>,
    /// Readings waiting behind it, by sensor.
    s_mesh_wait: std::collections::BTreeMap<u32, VecDeque<u32>>,
    /// Each relay's mesh and node number there.
    relay_at: Vec<(u32, u32)>,
    /// Own readings taken and incident readings sent by each battery-powered sensor
    /// (empty when there are no incidents or no batteries).
    s_extra: Vec<(u32, u32)>,
    /// Readings by queue priority (high, normal, low).
    prio_flows: [Flow; 3],
    /// Threshold sensors: the random part of the last sampled value and the value
    /// (NaN before the first sample; empty when no class has a threshold).
    s_value: Vec<(f32, f32)>,
}

impl City {
    /// Number of sensors.
    pub fn sensors(&self) -> usize {
        self.s_gateway.len()
    }

    /// Position of a sensor, m.
    pub fn sensor_position(&self, s: usize) -> (f32, f32) {
        self.s_pos[s]
    }

    /// The gateway (element index) a sensor is attached to, or [`NONE`].
    pub fn sensor_gateway(&self, s: usize) -> u32 {
        self.s_gateway[s]
    }

    /// The class of a sensor.
    #[inline]
    fn class_of(&self, s: usize) -> u16 {
        self.class_end.partition_point(|&end| end as usize <= s) as u16
    }

    /// Sensor `s`'s random stream for reading `k` (`u64::MAX`: its start-up draws).
    #[inline]
    fn sensor_stream(&self, s: usize, k: u64) -> Stream {
        substream(self.seed, self.replication, s as u64, k)
    }

    /// Schedules every sensor's first reading.
    pub fn start<Q: EventQueue<Event>>(sim: &mut Simulation<City, Q>) {
        for f in 0..sim.model().faults.len() {
            let at = match sim.model().faults[f].when {
                FaultWhen::Scheduled { start_ns, .. } => start_ns,
                FaultWhen::Random { .. } => sim.model_mut().fault_draw(f, true),
            };
            sim.schedule(
                SimTime(at),
                Event::Fault {
                    fault: f as u32,
                    down: 1,
                },
            );
        }
        for i in 0..sim.model().incidents.len() {
            let at = sim.model().incidents[i].start_ns;
            sim.schedule(SimTime(at), Event::IncidentStart { incident: i as u32 });
        }
        let n = sim.model().sensors();
        for s in 0..n {
            let t = sim.model_mut().first_reading(s);
            let gateway = sim.model().s_gateway[s];
            sim.schedule(
                SimTime(t),
                Event::Generate {
                    sensor: s as u32,
                    gateway,
                    k: 0,
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
            Event::Generate { sensor, gateway, k } => self.generate(sensor, gateway, k, sched),
            Event::Arrive { elem, pkt } => self.arrive(elem, pkt, sched),
            Event::Served { elem, pkt } => self.served(elem, pkt, sched),
            Event::Sent { link, pkt } => self.sent(link, pkt, sched),
            Event::Transmit { sensor, pkt, k } => self.transmit(sensor, pkt, k, sched),
            Event::TxEnd { frame } => self.tx_end(frame, sched),
            Event::Fault { fault, down } => self.fault(fault, down == 1, sched),
            Event::CellArrive { elem, pkt } => self.cell_arrive(elem, pkt, sched),
            Event::IncidentStart { incident } => self.incident_start(incident, sched),
            Event::Extra {
                sensor,
                incident,
                n,
            } => self.extra(sensor, incident, n, sched),
            Event::CellDone { elem, pkt } => self.cell_done(elem, pkt, sched),
        }
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

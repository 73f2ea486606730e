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

mod dist;
mod lora;
mod mesh;
mod place;
mod profile;
mod radio;
mod slab;
mod topology;

pub use dist::Sampler;
pub use lora::{capture, sensitivity_dbm, LoraTx, PathLoss};
pub use mesh::{ber, prr};
use mesh::{Infra, MFrame, MeshAir, MeshNet};
pub use place::{place, place_in, SpatialIndex};
use profile::Profile;
use radio::{Air, LoraNet};
use slab::Slab;
pub use topology::{next_hops, Hop, NONE};

use crate::engine::{stream, substream, EventQueue, Model, Scheduler, SimTime, Simulation, Stream};
use crate::metrics::{
    Bucket, ClassEnergy, ClassResult, DropCause, ElementResult, Flow, QueueStats, RelayResult,
    RunResult, SensorRecord,
};
use crate::scenario::{
    Attach, Endpoint, FaultTarget, FaultWhen, IncidentCfg, Mobility, Scenario, Surge, Traffic,
};
use rand::Rng;
use rand_distr::Distribution;
use std::collections::VecDeque;

/// Entity-id namespaces of the random streams (sensors use their own index).
const NS_PLACE_SENSORS: u64 = 1 << 60;
const NS_PLACE_GATEWAYS: u64 = 2 << 60;
const NS_ELEMENT: u64 = 3 << 60;
const NS_LINK: u64 = 4 << 60;
const NS_FAULT: u64 = 8 << 60;
const NS_INCIDENT: u64 = 9 << 60;
const NS_MOBILITY: u64 = 10 << 60;
const NS_PLACE_RELAYS: u64 = 12 << 60;
const NS_MESH_MAC: u64 = 13 << 60;
/// A mesh sensor no relay or gateway hears.
const OUT_OF_RANGE: u32 = u32::MAX - 1;
/// An acknowledgement: MAC header, frame header and MIC, no payload.
const ACK_BYTES: u32 = 12;
/// `n` of an alarm reading.
const ALARM: u32 = u32::MAX;

/// Why a reading is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadingKind {
    /// On the sensor's own schedule.
    Own,
    /// An incident's surge.
    Surge,
    /// An incident's alarm, with its priority.
    Alarm(u8),
}

#[inline]
fn counted_at(now: u64, warmup: u64) -> bool {
    now >= warmup
}

/// An event of the city model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A sensor takes its reading number `k`.
    Generate {
        /// Sensor index.
        sensor: u32,
        /// Its gateway, carried from reading to reading so that a reading reads no
        /// per-sensor memory at all (a cache miss per reading at a million sensors).
        gateway: u32,
        /// Reading number (0 for the first; validation keeps it below 2^32).
        k: u32,
    },
    /// A packet reaches an element (gateway or node).
    Arrive {
        /// Element index.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// An element finished processing a packet.
    Served {
        /// Element index.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A link finished putting a packet on the wire.
    Sent {
        /// Link index.
        link: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A LoRa sensor transmits a reading held back by its duty cycle.
    Transmit {
        /// Sensor index.
        sensor: u32,
        /// Packet slot.
        pkt: u32,
        /// Reading number.
        k: u32,
    },
    /// A LoRa frame's time on air is over.
    TxEnd {
        /// Frame id.
        frame: u32,
    },
    /// A cellular device, awake and attached, asks its cell for a transfer.
    CellArrive {
        /// Gateway (cell) element.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A cellular transfer is done.
    CellDone {
        /// Gateway (cell) element.
        elem: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// An area incident begins.
    IncidentStart {
        /// Incident index.
        incident: u32,
    },
    /// A reading an incident causes (a surge reading, or an alarm when `n` is
    /// `u32::MAX`).
    Extra {
        /// Sensor index.
        sensor: u32,
        /// Incident index.
        incident: u32,
        /// Number of the surge reading.
        n: u32,
    },
    /// A mesh node's clear-channel assessment ends (after its random backoff).
    MeshCca {
        /// Mesh node (relays and gateways first, then sensors).
        node: u32,
        /// Packet slot.
        pkt: u32,
    },
    /// A mesh frame (data or acknowledgement) ends.
    MeshEnd {
        /// Frame id.
        frame: u32,
    },
    /// A fault takes its element down (`down` = 1) or brings it back (0).
    Fault {
        /// Fault index.
        fault: u32,
        /// 1: goes down; 0: comes back.
        down: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Packet {
    created: u64,
    /// When it reached the element or link it is at now.
    arrived: u64,
    bytes: u32,
    /// The sensor that took it.
    sensor: u32,
    class: u16,
    counted: bool,
    /// LoRa transmissions so far; mesh: retries on the current hop.
    tries: u8,
    /// Mesh CSMA/CA: backoffs so far (NB) and backoff exponent (BE) on this attempt.
    nb: u8,
    be: u8,
    /// Queue priority (0 highest).
    prio: u8,
    /// A LoRa retransmission of a reading that was delivered but not acknowledged: it
    /// occupies the air and is never delivered again (1; 2 when the reading is counted).
    ghost: u8,
}

struct ClassRt {
    name: String,
    domain: String,
    district: String,
    traffic: Traffic,
    payload: u32,
    access: usize,
    sensors: u64,
    energy: Option<EnergyRt>,
    /// LoRa spreading factor override.
    sf: Option<Option<u8>>,
    /// Per-sensor spreading factors (0: auto), indexed from the class's first sensor.
    sf_each: Option<Vec<u8>>,
    /// Movement, for mobile classes.
    mobility: Option<Mobility>,
    /// Daily profile of its reading rate.
    profile: Option<Profile>,
    /// Send only when the sampled value crosses a threshold.
    threshold: Option<crate::scenario::Threshold>,
    /// Queue priority of its readings.
    priority: u8,
}

/// What a battery-powered class's readings cost.
#[derive(Clone, Copy)]
struct EnergyRt {
    /// Charge per reading besides transmitting, C.
    base_c: f64,
    /// Transmit current, A.
    tx_a: f64,
    /// Time on air per reading, s (None: from the sensor's LoRa spreading factor).
    tx_s: Option<f64>,
    /// Sleep current, A.
    sleep_a: f64,
    /// Battery capacity, C.
    capacity_c: f64,
    /// Supply voltage, V.
    voltage_v: f64,
}

impl Packet {
    /// A reading of `bytes` taken by `sensor` at `now`.
    fn new(now: u64, bytes: u32, sensor: u32, class: u16, counted: bool, prio: u8) -> Packet {
        Packet {
            created: now,
            arrived: now,
            bytes,
            sensor,
            class,
            counted,
            tries: 0,
            nb: 0,
            be: 0,
            prio,
            ghost: 0,
        }
    }
}

impl EnergyRt {
    /// Charge per reading with `tx_s` seconds on air.
    fn per_reading_c(&self, tx_s: f64) -> f64 {
        self.base_c + self.tx_a * tx_s
    }

    /// Charge used by a sensor that took `readings` readings by time `t_s`, each
    /// costing `per_reading` coulombs.
    fn used_c(&self, per_reading: f64, readings: f64, t_s: f64) -> f64 {
        readings * per_reading + self.sleep_a * t_s
    }
}

struct AccessRt {
    latency: Sampler,
    ns_per_byte: f64,
    loss: f64,
    /// Cellular: ns per byte of one transfer, and the wake-up delay (ns).
    cell: Option<(f64, u64)>,
}

/// A waiting room with strict priority: one FIFO lane per priority, highest first.
#[derive(Default)]
struct PrioQueue {
    lanes: [VecDeque<u32>; 3],
    len: usize,
}

impl PrioQueue {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn push(&mut self, pkt: u32, prio: u8) {
        self.lanes[prio as usize].push_back(pkt);
        self.len += 1;
    }

    /// The oldest packet of the highest priority waiting.
    #[inline]
    fn pop(&mut self) -> Option<u32> {
        for lane in &mut self.lanes {
            if let Some(p) = lane.pop_front() {
                self.len -= 1;
                return Some(p);
            }
        }
        None
    }

    /// Takes out the newest packet of the lowest priority below `prio`, if any.
    fn evict_below(&mut self, prio: u8) -> Option<u32> {
        for lane in self.lanes[prio as usize + 1..].iter_mut().rev() {
            if let Some(p) = lane.pop_back() {
                self.len -= 1;
                return Some(p);
            }
        }
        None
    }

    /// Empties it, highest priority first.
    fn drain(&mut self) -> Vec<u32> {
        self.len = 0;
        self.lanes.iter_mut().flat_map(|l| l.drain(..)).collect()
    }
}

/// What a station does with an arriving packet.
enum Admit {
    /// A server takes it now.
    Serve,
    /// It waits.
    Queued,
    /// It waits, in the place of this lower-priority packet, which is lost.
    Evicted(u32),
    /// The waiting room is full (of packets of its priority or higher).
    Refused,
}

/// A queueing station: `servers` parallel servers and a waiting room served in strict
/// priority order (FIFO within a priority).
struct Station {
    servers: u32,
    busy: u32,
    cap: u32,
    queue: PrioQueue,
    last_change: u64,
    stats: QueueStats,
}

impl Station {
    fn new(servers: u32, cap: Option<u32>) -> Station {
        Station {
            servers,
            busy: 0,
            cap: cap.unwrap_or(u32::MAX),
            queue: PrioQueue::default(),
            last_change: 0,
            stats: QueueStats::default(),
        }
    }

    /// Accumulates the time integrals up to `now` (only the part after the warm-up).
    #[inline]
    fn integrate(&mut self, now: u64, warmup: u64) {
        let from = self.last_change.max(warmup);
        if now > from {
            let dt = (now - from) as f64;
            self.stats.area_in_system += (self.busy as usize + self.queue.len()) as f64 * dt;
            self.stats.area_busy += self.busy as f64 * dt;
        }
        self.last_change = now;
    }

    /// Admits a packet of priority `prio`. When the waiting room is full, a waiting
    /// packet of lower priority (the newest of the lowest) makes room for it.
    #[inline]
    fn admit(&mut self, pkt: u32, prio: u8, now: u64, warmup: u64) -> Admit {
        self.integrate(now, warmup);
        let measured = now >= warmup;
        if measured {
            self.stats.arrivals += 1;
        }
        if self.busy < self.servers {
            self.busy += 1;
            Admit::Serve
        } else if (self.queue.len() as u64) < u64::from(self.cap) {
            self.queue.push(pkt, prio);
            self.stats.peak_queue = self.stats.peak_queue.max(self.queue.len() as u32);
            Admit::Queued
        } else {
            if measured {
                self.stats.overflow += 1;
            }
            match self.queue.evict_below(prio) {
                Some(old) => {
                    self.queue.push(pkt, prio);
                    Admit::Evicted(old)
                }
                None => Admit::Refused,
            }
        }
    }

    /// A server finished `arrived_at`'s packet; returns the next packet to serve.
    #[inline]
    fn depart(&mut self, arrived_at: u64, now: u64, warmup: u64) -> Option<u32> {
        self.integrate(now, warmup);
        if arrived_at >= warmup {
            self.stats.served += 1;
            self.stats.sojourn_sum_ns += u128::from(now - arrived_at);
            self.stats.sojourn_count += 1;
        }
        match self.queue.pop() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }
}

struct Element {
    name: String,
    group: String,
    position: Option<(f64, f64)>,
    sink: bool,
    service: Option<Sampler>,
    next: u32,
    sensors: u64,
    station: Station,
    /// Outages in force (a fault can overlap another).
    down: u16,
    /// A cellular gateway's transfer slots.
    cell: Option<Station>,
    /// LoRa acknowledgements sent.
    downlinks: u64,
}

struct Link {
    name: String,
    group: String,
    to: u32,
    latency: Sampler,
    ns_per_byte: Option<f64>,
    loss: f64,
    station: Station,
    down: u16,
}

/// What a fault takes down.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Down {
    Element,
    Link,
    Class,
    Relay,
}

/// One element a fault applies to, with its schedule.
struct FaultRt {
    when: FaultWhen,
    /// Element, link or class index.
    target: u32,
    kind: Down,
    /// Down-up cycles so far (numbers the random draws).
    cycles: u64,
}

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

fn ns_per_byte(bps: f64) -> f64 {
    8e9 / bps
}

impl City {
    /// Builds the city of `scenario` for one replication: places sensors and gateways,
    /// attaches sensors, lays out links and computes routes.
    pub fn build(scenario: &Scenario, replication: u32) -> City {
        let seed = scenario.simulation.seed;
        let sim = &scenario.simulation;
        let buckets = sim.duration_ns.div_ceil(sim.bucket_ns).max(1) as usize;

        // Gateways, then nodes: the elements.
        let mut elements = Vec::new();
        let mut gw_group = Vec::new();
        for (gi, g) in scenario.gateways.iter().enumerate() {
            let mut rng = stream(seed, replication, NS_PLACE_GATEWAYS | gi as u64);
            for (i, p) in place_in(
                &g.placement,
                g.count,
                &scenario.city,
                g.area.as_ref().map(|d| &d.region),
                &mut rng,
            )
            .into_iter()
            .enumerate()
            {
                elements.push(Element {
                    name: format!("{}-{i}", g.name),
                    group: g.name.clone(),
                    position: Some((p.0 as f64, p.1 as f64)),
                    sink: false,
                    service: g.service.as_ref().map(Sampler::new),
                    next: NONE,
                    sensors: 0,
                    station: Station::new(g.servers, g.queue),
                    down: 0,
                    downlinks: 0,
                    cell: g
                        .access
                        .iter()
                        .find_map(|&a| scenario.access[a].cellular.as_ref())
                        .map(|c| Station::new(c.transfers, c.queue)),
                });
                gw_group.push(gi);
            }
        }
        let n_gateways = elements.len();
        let mut node_elem = Vec::new();
        for n in &scenario.nodes {
            node_elem.push(elements.len() as u32);
            elements.push(Element {
                name: n.name.clone(),
                group: n.name.clone(),
                position: None,
                sink: n.sink,
                service: n.service.as_ref().map(Sampler::new),
                next: NONE,
                sensors: 0,
                station: Station::new(n.servers, n.queue),
                down: 0,
                downlinks: 0,
                cell: None,
            });
        }

        // Link instances: one per gateway for links leaving a gateway group.
        let mut links = Vec::new();
        let mut hops = Vec::new();
        let mut link_of: Vec<(usize, Option<u32>)> = Vec::new();
        for (li, l) in scenario.links.iter().enumerate() {
            let from: Vec<(u32, String)> = match l.from {
                Endpoint::Gateways(g) => (0..n_gateways)
                    .filter(|&e| gw_group[e] == g)
                    .map(|e| (e as u32, format!("{}-{}", l.name, elements[e].name)))
                    .collect(),
                Endpoint::Node(n) => vec![(node_elem[n], l.name.clone())],
            };
            let to = node_elem[l.to];
            let ser = l.bandwidth_bps.map(ns_per_byte);
            for (f, name) in from {
                link_of.push((li, matches!(l.from, Endpoint::Gateways(_)).then_some(f)));
                hops.push(Hop {
                    from: f,
                    to,
                    cost: l.latency.mean_ns().min(1e15) as u64,
                });
                links.push(Link {
                    name,
                    group: l.name.clone(),
                    to,
                    latency: Sampler::new(&l.latency),
                    ns_per_byte: ser,
                    loss: l.loss,
                    station: Station::new(1, l.queue),
                    down: 0,
                });
            }
        }
        let sinks: Vec<bool> = elements.iter().map(|e| e.sink).collect();
        for (e, next) in next_hops(elements.len(), &sinks, &hops)
            .into_iter()
            .enumerate()
        {
            elements[e].next = next;
        }

        // Sensors: placement and attachment.
        let total = scenario.sensor_count() as usize;
        let mut s_gateway = Vec::with_capacity(total);
        let mut class_end = Vec::with_capacity(scenario.sensors.len());
        let mut s_pos = Vec::with_capacity(total);
        let mut indexes: Vec<Option<SpatialIndex>> =
            (0..scenario.access.len()).map(|_| None).collect();
        for (ci, c) in scenario.sensors.iter().enumerate() {
            let mut rng = stream(seed, replication, NS_PLACE_SENSORS | ci as u64);
            let mut positions = place_in(
                &c.placement,
                c.count,
                &scenario.city,
                c.area.as_ref().map(|d| &d.region),
                &mut rng,
            );
            if let Some(m) = &c.mobility {
                let first = s_gateway.len();
                for (i, p) in positions.iter_mut().enumerate() {
                    let w = waypoint(
                        m,
                        seed,
                        replication,
                        first + i,
                        0,
                        (scenario.city.width_m, scenario.city.height_m),
                    );
                    *p = (w.0 as f32, w.1 as f32);
                }
            }
            let index = indexes[c.access].get_or_insert_with(|| {
                let pts: Vec<(u32, f32, f32)> = (0..n_gateways)
                    .filter(|&e| scenario.gateways[gw_group[e]].access.contains(&c.access))
                    .map(|e| {
                        let p = elements[e].position.expect("gateways have positions");
                        (e as u32, p.0 as f32, p.1 as f32)
                    })
                    .collect();
                SpatialIndex::new(&pts, scenario.city.width_m, scenario.city.height_m)
            });
            let range = match &scenario.access[c.access].lora {
                // A LoRa sensor reports to whoever hears it; attach it (for the
                // gateway tables) to the nearest gateway that can.
                Some(l) => Some(LoraNet::new(l, SpatialIndex::new(&[], 1.0, 1.0)).max_range_m()),
                None => scenario.access[c.access].range_m,
            };
            for (i, &(x, y)) in positions.iter().enumerate() {
                let gw = match &c.attach {
                    Attach::Nearest => index
                        .nearest_within(x as f64, y as f64, range.unwrap_or(f64::INFINITY))
                        .map_or(NONE, |(g, _)| g),
                    Attach::Gateway(g) => *g,
                    Attach::PerSensor(v) => v[i],
                };
                if gw != NONE {
                    elements[gw as usize].sensors += 1;
                }
                s_gateway.push(gw);
                s_pos.push((x, y));
            }
            class_end.push(s_gateway.len() as u32);
        }
        let bursty = scenario
            .sensors
            .iter()
            .any(|c| matches!(c.traffic, Traffic::Bursty { .. }));
        let attach: Vec<Option<(SpatialIndex, f64)>> = indexes
            .into_iter()
            .enumerate()
            .map(|(a, idx)| {
                let range = scenario.access[a].range_m.unwrap_or(f64::INFINITY);
                idx.map(|i| (i, range))
            })
            .collect();
        let faults: Vec<FaultRt> = scenario
            .faults
            .iter()
            .flat_map(|f| {
                let (link_of, node_elem) = (&link_of, &node_elem);
                f.targets.iter().map(move |t| {
                    let (target, kind) = match *t {
                        FaultTarget::Gateway(g) => (g, Down::Element),
                        FaultTarget::Node(n) => (node_elem[n], Down::Element),
                        FaultTarget::Link(li, gw) => {
                            let i = link_of
                                .iter()
                                .position(|&(l, g)| l == li && g == gw)
                                .expect("validated link");
                            (i as u32, Down::Link)
                        }
                        FaultTarget::Class(c) => (c as u32, Down::Class),
                        FaultTarget::Relay(r) => (r, Down::Relay),
                    };
                    FaultRt {
                        when: f.when.clone(),
                        target,
                        kind,
                        cycles: 0,
                    }
                })
            })
            .collect();
        let lora: Vec<Option<LoraNet>> = scenario
            .access
            .iter()
            .enumerate()
            .map(|(a, acc)| {
                acc.lora.as_ref().map(|cfg| {
                    let pts: Vec<(u32, f32, f32)> = (0..n_gateways)
                        .filter(|&e| scenario.gateways[gw_group[e]].access.contains(&a))
                        .map(|e| {
                            let p = elements[e].position.expect("gateways have positions");
                            (e as u32, p.0 as f32, p.1 as f32)
                        })
                        .collect();
                    LoraNet::new(
                        cfg,
                        SpatialIndex::new(&pts, scenario.city.width_m, scenario.city.height_m),
                    )
                })
            })
            .collect();
        // Mesh networks: their relays, then the gateways serving them.
        let mut relay_at = Vec::new();
        let mut mesh: Vec<Option<MeshNet>> = (0..scenario.access.len()).map(|_| None).collect();
        for (a, acc) in scenario.access.iter().enumerate() {
            let Some(cfg) = &acc.mesh else { continue };
            let (mut infra, mut pos) = (Vec::new(), Vec::new());
            let mut r_global = 0u32;
            for (ri, r) in scenario.relays.iter().enumerate() {
                if r.access == a {
                    let mut rng = stream(seed, replication, NS_PLACE_RELAYS | ri as u64);
                    for (i, p) in place_in(
                        &r.placement,
                        r.count,
                        &scenario.city,
                        r.area.as_ref().map(|d| &d.region),
                        &mut rng,
                    )
                    .into_iter()
                    .enumerate()
                    {
                        relay_at.push((r_global + i as u32, a as u32, infra.len() as u32));
                        infra.push(Infra::Relay(r_global + i as u32));
                        pos.push(p);
                    }
                }
                r_global += r.count;
            }
            for (e, el) in elements.iter().enumerate().take(n_gateways) {
                if scenario.gateways[gw_group[e]].access.contains(&a) {
                    let p = el.position.expect("gateways have positions");
                    infra.push(Infra::Gateway(e as u32));
                    pos.push((p.0 as f32, p.1 as f32));
                }
            }
            let mut net = MeshNet::new(
                cfg,
                a,
                infra,
                pos,
                (scenario.city.width_m, scenario.city.height_m),
                (seed, replication),
            );
            net.reroute(|e| {
                let el = &elements[e as usize];
                el.next != NONE || el.sink
            });
            for c in scenario.sensors.iter().filter(|c| c.access == a) {
                net.tabulate(c.payload_bytes + cfg.overhead_bytes);
            }
            mesh[a] = Some(net);
        }
        relay_at.sort_unstable();
        let relay_at: Vec<(u32, u32)> = relay_at.into_iter().map(|(_, a, i)| (a, i)).collect();
        let any_mesh = scenario
            .sensors
            .iter()
            .any(|c| scenario.access[c.access].mesh.is_some());
        let n_elements = elements.len();
        let duty = scenario.sensors.iter().any(|c| {
            scenario.access[c.access]
                .lora
                .as_ref()
                .is_some_and(|l| l.duty_cycle.is_some())
        });
        let e_rng = (0..elements.len())
            .map(|e| stream(seed, replication, NS_ELEMENT | e as u64))
            .collect();
        let l_rng = (0..links.len())
            .map(|l| stream(seed, replication, NS_LINK | l as u64))
            .collect();

        City {
            warmup: sim.warmup_ns,
            bucket_ns: sim.bucket_ns,
            classes: scenario
                .sensors
                .iter()
                .map(|c| ClassRt {
                    name: c.name.clone(),
                    domain: c.domain.clone(),
                    district: c.area.as_ref().map_or(String::new(), |d| d.name.clone()),
                    traffic: c.traffic.clone(),
                    payload: c.payload_bytes,
                    access: c.access,
                    sensors: u64::from(c.count),
                    sf: c.sf,
                    sf_each: c.sf_each.clone(),
                    mobility: c.mobility.clone(),
                    profile: c.profile.map(Profile::new),
                    threshold: c.threshold,
                    priority: c.priority as u8,
                    energy: c.energy.as_ref().map(|e| EnergyRt {
                        base_c: e.base_charge_c(),
                        tx_a: e.tx_a,
                        tx_s: e.tx_s,
                        sleep_a: e.sleep_a,
                        capacity_c: e.battery_c,
                        voltage_v: e.voltage_v,
                    }),
                })
                .collect(),
            access: scenario
                .access
                .iter()
                .map(|a| AccessRt {
                    latency: Sampler::new(&a.latency),
                    ns_per_byte: a.bandwidth_bps.map_or(0.0, ns_per_byte),
                    loss: a.loss,
                    cell: a
                        .cellular
                        .as_ref()
                        .map(|c| (ns_per_byte(c.rate_bps), c.wake_up_ns)),
                })
                .collect(),
            seed,
            replication,
            class_end,
            s_gateway,
            s_on_end: if bursty { vec![0; total] } else { Vec::new() },
            s_pos,
            elements,
            e_rng,
            links,
            l_rng,
            packets: Slab::default(),
            flows: scenario.sensors.iter().map(|_| Flow::default()).collect(),
            air: Air::new(n_elements),
            lora,
            s_next_tx: if duty { vec![0; total] } else { Vec::new() },
            scratch_ids: Vec::new(),
            scratch_links: Vec::new(),
            faults,
            incidents: scenario.incidents.clone(),
            class_down: vec![0; scenario.sensors.len()],
            s_leg: if scenario.sensors.iter().any(|c| c.mobility.is_some()) {
                vec![(0, 0); total]
            } else {
                Vec::new()
            },
            city_size: (scenario.city.width_m, scenario.city.height_m),
            hops,
            attach,
            mesh_air: MeshAir::new(mesh.len()),
            gw_downlink: vec![[0, 0]; n_elements],
            s_links: if scenario
                .sensors
                .iter()
                .any(|c| scenario.access[c.access].lora.is_some())
            {
                vec![(u32::MAX, 0); total]
            } else {
                Vec::new()
            },
            link_arena: Vec::new(),
            mesh,
            s_mesh_busy: if any_mesh {
                vec![false; total]
            } else {
                Vec::new()
            },
            s_parent: if any_mesh {
                vec![(u32::MAX, NONE, 0.0); total]
            } else {
                Vec::new()
            },
            s_mesh_wait: Default::default(),
            relay_at,
            prio_flows: Default::default(),
            s_value: if scenario.sensors.iter().any(|c| c.threshold.is_some()) {
                vec![(f32::NAN, f32::NAN); total]
            } else {
                Vec::new()
            },
            s_extra: if !scenario.incidents.is_empty()
                && scenario.sensors.iter().any(|c| c.energy.is_some())
            {
                vec![(0, 0); total]
            } else {
                Vec::new()
            },
            buckets: vec![Bucket::default(); buckets],
        }
    }

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

    /// Time of a sensor's first reading, drawn from the stationary state of its traffic.
    fn first_reading(&mut self, s: usize) -> u64 {
        let class = self.class_of(s) as usize;
        let traffic = self.classes[class].traffic.clone();
        let mut rng = self.sensor_stream(s, u64::MAX);
        let t = match traffic {
            Traffic::Periodic {
                interval_ns,
                jitter_ns,
            } => jittered(&mut rng, self.phase(s, interval_ns), jitter_ns),
            Traffic::Poisson { interval_ns } => dist::exp_ns(&mut rng, interval_ns as f64),
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => {
                let p_on = on_ns as f64 / (on_ns + off_ns) as f64;
                let mut from = 0;
                if rng.random::<f64>() >= p_on {
                    from = dist::exp_ns(&mut rng, off_ns as f64);
                }
                let on_end = &mut self.s_on_end[s];
                *on_end = from + dist::exp_ns(&mut rng, on_ns as f64);
                return next_burst_reading(&mut rng, from, on_end, on_ns, off_ns, interval_ns);
            }
        };
        // With a daily profile, `t` is operational time.
        match &self.classes[class].profile {
            Some(p) => p.unwarp(t as f64),
            None => t,
        }
    }

    /// A periodic sensor's phase: uniform in [0, interval), fixed for the run.
    #[inline]
    fn phase(&self, s: usize, interval_ns: u64) -> u64 {
        // A sub-stream of its own (index u64::MAX - 1), drawn again whenever needed.
        self.sensor_stream(s, u64::MAX - 1)
            .random_range(0..interval_ns)
    }

    /// Time of reading `k + 1`, given reading `k` at `now`, drawing from `rng`.
    #[inline]
    fn next_reading(&mut self, s: usize, class: u16, k: u64, now: u64, rng: &mut Stream) -> u64 {
        let c = &self.classes[class as usize];
        match c.traffic {
            Traffic::Periodic {
                interval_ns,
                jitter_ns,
            } => {
                let nominal = self
                    .phase(s, interval_ns)
                    .saturating_add(interval_ns.saturating_mul(k + 1));
                let t = jittered(rng, nominal, jitter_ns);
                match &c.profile {
                    Some(p) => p.unwarp(t as f64).max(now),
                    None => t,
                }
            }
            Traffic::Poisson { interval_ns } => {
                let gap = dist::exp_ns(rng, interval_ns as f64);
                match &c.profile {
                    Some(p) => p.unwarp(p.warp(now) + gap as f64).max(now),
                    None => now.saturating_add(gap),
                }
            }
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => next_burst_reading(rng, now, &mut self.s_on_end[s], on_ns, off_ns, interval_ns),
        }
    }

    #[inline]
    fn bucket(&mut self, now: u64) -> &mut Bucket {
        let i = ((now / self.bucket_ns) as usize).min(self.buckets.len() - 1);
        &mut self.buckets[i]
    }

    #[inline]
    fn count_drop(&mut self, class: u16, counted: bool, cause: DropCause, now: u64) {
        self.bucket(now).dropped[cause as usize] += 1;
        if counted {
            self.flows[class as usize].dropped[cause as usize] += 1;
        }
    }

    #[inline]
    fn alloc(&mut self, p: Packet) -> u32 {
        if p.counted {
            self.flows[p.class as usize].in_flight += 1;
            self.prio_flows[p.prio as usize].in_flight += 1;
        }
        self.packets.insert(p)
    }

    #[inline]
    fn release(&mut self, pkt: u32) -> Packet {
        let p = self.packets[pkt];
        if p.counted {
            self.flows[p.class as usize].in_flight -= 1;
            self.prio_flows[p.prio as usize].in_flight -= 1;
        }
        self.packets.free(pkt);
        p
    }

    #[inline]
    fn drop_packet(&mut self, pkt: u32, cause: DropCause, now: u64) {
        let p = self.release(pkt);
        self.count_drop(p.class, p.counted, cause, now);
    }

    fn generate<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        gw: u32,
        k: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let class = self.class_of(su);
        // Reading k's stream gives the time of reading k + 1, then this reading's draws.
        let mut rng = self.sensor_stream(su, u64::from(k));
        let next = self.next_reading(su, class, u64::from(k), now, &mut rng);
        let following = Event::Generate {
            sensor: s,
            gateway: gw,
            k: k.wrapping_add(1),
        };
        sched.schedule_at(SimTime(next), following);
        if let Some(th) = self.classes[class as usize].threshold {
            if !self.crosses(su, &th, now, &mut rng) {
                return;
            }
        }
        self.reading(s, gw, k, ReadingKind::Own, &mut rng, sched);
    }

    /// Samples a threshold sensor's value at `now`: whether it rose through the level
    /// since the previous sample.
    fn crosses(
        &mut self,
        s: usize,
        th: &crate::scenario::Threshold,
        now: u64,
        rng: &mut Stream,
    ) -> bool {
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        let (x0, v0) = self.s_value[s];
        let x = if x0.is_nan() {
            th.sd * z
        } else {
            th.correlation * f64::from(x0) + (1.0 - th.correlation.powi(2)).sqrt() * th.sd * z
        };
        let hour = (now % 86_400_000_000_000) as f64 / 3.6e12;
        let curve =
            th.daily_amplitude * (2.0 * std::f64::consts::PI * (hour - th.peak_hour) / 24.0).cos();
        let v = x + curve;
        self.s_value[s] = (x as f32, v as f32);
        !v0.is_nan() && f64::from(v0) < th.level && v >= th.level
    }

    /// Sensor `s` takes a reading now and sends it. `k` numbers it (its random draws);
    /// `charge`: count it against the battery (the k-th of the sensor's own schedule).
    fn reading<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        gw: u32,
        k: u32,
        kind: ReadingKind,
        rng: &mut Stream,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let class = self.class_of(su);
        let charge = kind == ReadingKind::Own;
        let prio = match kind {
            ReadingKind::Alarm(p) => p,
            _ => self.classes[class as usize].priority,
        };
        if counted_at(now, self.warmup) {
            self.prio_flows[prio as usize].generated += 1;
        }
        let counted = now >= self.warmup;
        self.bucket(now).generated += 1;
        if counted {
            self.flows[class as usize].generated += 1;
        }
        if self.class_down[class as usize] > 0 {
            self.count_drop(class, counted, DropCause::NodeDown, now);
            return;
        }
        let gw = if self.classes[class as usize].mobility.is_some() {
            self.advance(su, class, now)
        } else {
            gw
        };
        let access_id = self.classes[class as usize].access;
        if self.lora[access_id].is_some() {
            self.lora_reading(su, k, (charge, prio), rng, sched);
            return;
        }
        if let Some(e) = self.classes[class as usize].energy {
            // Readings k are no per-sensor state: the charge used so far follows from k
            // and the time. An empty battery sends nothing more.
            let q = e.per_reading_c(e.tx_s.unwrap_or(0.0));
            if self.battery_empty(su, e, q, k, charge, now) {
                self.count_drop(class, counted, DropCause::Battery, now);
                return;
            }
        }
        if self.mesh[access_id].is_some() {
            let payload = self.classes[class as usize].payload;
            let pkt = self.alloc(Packet::new(now, payload, s, class, counted, prio));
            let node = self.mesh[access_id].as_ref().expect("a mesh").infra.len() as u32 + s;
            self.mesh_enqueue(access_id, node, pkt, sched);
            return;
        }
        if gw == NONE {
            self.count_drop(class, counted, DropCause::NoRoute, now);
            return;
        }
        let mut gw = gw;
        if self.elements[gw as usize].down > 0 {
            // Its gateway is down: the nearest one that is up and in range, if any.
            match self.reattach(su, access_id) {
                Some(g) => gw = g,
                None => {
                    self.count_drop(class, counted, DropCause::NodeDown, now);
                    return;
                }
            }
        }
        let c = &self.classes[class as usize];
        let (payload, access) = (c.payload, &self.access[c.access]);
        if access.loss > 0.0 && rng.random::<f64>() < access.loss {
            self.count_drop(class, counted, DropCause::LinkLoss, now);
            return;
        }
        let cell = access.cell;
        let delay = match cell {
            Some((_, wake)) => wake,
            None => {
                access.latency.sample(rng) + (payload as f64 * access.ns_per_byte).round() as u64
            }
        };
        let pkt = self.alloc(Packet::new(now, payload, s, class, counted, prio));
        let event = match cell {
            Some(_) => Event::CellArrive { elem: gw, pkt },
            None => Event::Arrive { elem: gw, pkt },
        };
        sched.schedule_in(SimTime(delay), event);
    }

    /// The transfer time of `pkt` in its class's cellular access, ns.
    fn cell_transfer_ns(&self, pkt: u32) -> u64 {
        let p = &self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        let (npb, _) = self.access[access].cell.expect("a cellular access");
        (p.bytes as f64 * npb).round() as u64
    }

    fn cell_arrive<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if self.elements[e as usize].down > 0 {
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        self.packets[pkt].arrived = now;
        let prio = self.packets[pkt].prio;
        let cell = self.elements[e as usize]
            .cell
            .as_mut()
            .expect("a cellular gateway");
        match cell.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = self.cell_transfer_ns(pkt);
                sched.schedule_in(SimTime(d), Event::CellDone { elem: e, pkt });
            }
            Admit::Queued => {}
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    fn cell_done<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let cell = self.elements[e as usize]
            .cell
            .as_mut()
            .expect("a cellular gateway");
        if let Some(next) = cell.depart(arrived, now, self.warmup) {
            let d = self.cell_transfer_ns(next);
            sched.schedule_in(SimTime(d), Event::CellDone { elem: e, pkt: next });
        }
        let class = self.packets[pkt].class;
        let access = self.classes[class as usize].access;
        let d = self.access[access]
            .latency
            .sample(&mut self.e_rng[e as usize]);
        sched.schedule_in(SimTime(d), Event::Arrive { elem: e, pkt });
    }

    /// The nearest gateway that is up, serves `access` and is in range of sensor `s`.
    fn reattach(&self, s: usize, access: usize) -> Option<u32> {
        let (index, range) = self.attach[access].as_ref()?;
        let (x, y) = self.s_pos[s];
        index
            .nearest_where(x as f64, y as f64, *range, |g| {
                self.elements[g as usize].down == 0
            })
            .map(|(g, _)| g)
    }

    /// The gateways that hear sensor `s` (into `scratch_links`) and its spreading factor.
    fn lora_links(&mut self, s: usize, access: usize) -> u8 {
        let class = self.class_of(s) as usize;
        let net = self.lora[access].as_ref().expect("a LoRa access");
        let still = self.classes[class].mobility.is_none();
        match self.s_links.get(s).copied() {
            // A sensor that stays put hears the same gateways all run long: computed
            // once, then copied from the arena.
            Some((start, len)) if still && start != u32::MAX => {
                let (a, b) = (start as usize, start as usize + len as usize);
                self.scratch_links.clear();
                self.scratch_links.extend_from_slice(&self.link_arena[a..b]);
            }
            _ => {
                net.links(
                    self.seed,
                    self.replication,
                    s,
                    self.s_pos[s],
                    &mut self.scratch_ids,
                    &mut self.scratch_links,
                );
                if still && s < self.s_links.len() && self.scratch_links.len() < 1 << 16 {
                    let start = self.link_arena.len();
                    if start + self.scratch_links.len() < u32::MAX as usize {
                        self.link_arena.extend_from_slice(&self.scratch_links);
                        self.s_links[s] = (start as u32, self.scratch_links.len() as u16);
                    }
                }
            }
        }
        let c = &self.classes[class];
        let class_sf = match &c.sf_each {
            Some(v) => {
                let first = if class == 0 {
                    0
                } else {
                    self.class_end[class - 1] as usize
                };
                match v[s - first] {
                    0 => Some(None),
                    sf => Some(Some(sf)),
                }
            }
            None => c.sf,
        };
        net.spreading_factor(&self.scratch_links, class_sf)
    }

    /// Charge per reading of sensor `s` (its own time on air for a LoRa class).
    fn sensor_charge_c(&mut self, s: usize, class: u16) -> Option<f64> {
        let e = self.classes[class as usize].energy?;
        let tx_s = match e.tx_s {
            Some(t) => t,
            None => {
                let (access, payload) = (
                    self.classes[class as usize].access,
                    self.classes[class as usize].payload,
                );
                let sf = self.lora_links(s, access);
                self.lora[access]
                    .as_ref()
                    .expect("a LoRa access")
                    .tx(sf)
                    .time_on_air_s(payload)
            }
        };
        Some(e.per_reading_c(tx_s))
    }

    /// A reading of a sensor on a LoRa access: battery, range, duty cycle, transmission.
    fn lora_reading<Q: EventQueue<Event>>(
        &mut self,
        s: usize,
        k: u32,
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
        let sf = self.lora_links(s, access);
        let net = self.lora[access].as_ref().expect("a LoRa access");
        let toa_s = net.tx(sf).time_on_air_s(payload);
        let (duty, duty_drop) = (net.duty_cycle, net.duty_cycle_drop);
        if let Some(e) = self.classes[class as usize].energy {
            let q = e.per_reading_c(toa_s);
            if self.battery_empty(s, e, q, k, charge, now) {
                self.count_drop(class, counted, DropCause::Battery, now);
                return;
            }
        }
        if self.scratch_links.is_empty() {
            self.count_drop(class, counted, DropCause::OutOfRange, now);
            return;
        }
        let loss = self.access[access].loss;
        if loss > 0.0 && rng.random::<f64>() < loss {
            self.count_drop(class, counted, DropCause::LinkLoss, now);
            return;
        }
        let mut at = now;
        if let Some(dc) = duty {
            // After a frame of T seconds a device stays silent T (1/dc - 1) seconds.
            let allowed = self.s_next_tx[s];
            if allowed > now {
                if duty_drop {
                    self.count_drop(class, counted, DropCause::DutyCycle, now);
                    return;
                }
                at = allowed;
            }
            self.s_next_tx[s] = at + (toa_s / dc * 1e9).round() as u64;
        }
        let pkt = self.alloc(Packet::new(now, payload, s as u32, class, counted, prio));
        if at > now {
            sched.schedule_at(
                SimTime(at),
                Event::Transmit {
                    sensor: s as u32,
                    pkt,
                    k,
                },
            );
        } else {
            self.transmit_linked(s as u32, pkt, k, sf, sched);
        }
    }

    /// Puts a LoRa frame held back by the duty cycle on the air now.
    fn transmit<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        pkt: u32,
        k: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let class = self.packets[pkt].class;
        let sf = self.lora_links(s as usize, self.classes[class as usize].access);
        self.transmit_linked(s, pkt, k, sf, sched);
    }

    /// Puts a LoRa frame on the air now; `scratch_links` holds the sensor's links.
    fn transmit_linked<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        pkt: u32,
        k: u32,
        sf: u8,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let class = self.packets[pkt].class;
        let (access, payload) = (
            self.classes[class as usize].access,
            self.classes[class as usize].payload,
        );
        let net = self.lora[access].as_ref().expect("a LoRa access");
        // The channel: a draw of its own for this transmission of this reading.
        let p = &mut self.packets[pkt];
        p.tries += 1;
        let channel = substream(
            self.seed,
            self.replication,
            su as u64 | (1 << 58),
            p.created ^ (u64::from(p.tries) << 56) ^ u64::from(k),
        )
        .random_range(0..net.channels) as u16;
        let toa_ns = (net.tx(sf).time_on_air_s(payload) * 1e9).round() as u64;
        let heard = !self.scratch_links.is_empty();
        let elements = &self.elements;
        self.scratch_links
            .retain(|&(g, _)| elements[g as usize].down == 0);
        if heard && self.scratch_links.is_empty() {
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        match self.air.start(
            net,
            pkt,
            (now, now + toa_ns),
            sf,
            channel,
            &self.scratch_links,
        ) {
            Some(frame) => sched.schedule_in(SimTime(toa_ns), Event::TxEnd { frame }),
            None => self.drop_packet(pkt, DropCause::OutOfRange, now),
        }
    }

    /// A frame's time on air is over: delivered once, through the strongest gateway that
    /// received it intact, after the access network's latency. A confirmed uplink is
    /// acknowledged by that gateway if its downlink duty cycle allows; otherwise the
    /// device, not knowing it arrived, sends it again.
    fn tx_end<Q: EventQueue<Event>>(&mut self, frame: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let (pkt, gateway) = self.air.end(frame);
        let ghost = self.packets[pkt].ghost != 0;
        match gateway {
            Some(g) => {
                let acked = self.acknowledge(g, pkt, now);
                if ghost {
                    if acked || !self.retransmit(pkt, sched) {
                        self.release_ghost(pkt);
                    }
                    return;
                }
                if !acked {
                    let p = self.packets[pkt];
                    let copy = self.alloc(Packet {
                        counted: false,
                        ghost: 1 + u8::from(p.counted),
                        ..p
                    });
                    if !self.retransmit(copy, sched) {
                        self.release_ghost(copy);
                    }
                }
                let class = self.packets[pkt].class;
                let access = self.classes[class as usize].access;
                let d = self.access[access]
                    .latency
                    .sample(&mut self.e_rng[g as usize]);
                sched.schedule_in(SimTime(d), Event::Arrive { elem: g, pkt });
            }
            None if ghost => {
                if !self.retransmit(pkt, sched) {
                    self.release_ghost(pkt);
                }
            }
            None => {
                if !self.retransmit(pkt, sched) {
                    self.drop_packet(pkt, DropCause::Collision, now);
                }
            }
        }
    }

    /// A retransmitted copy is done with (it was never a reading of its own).
    fn release_ghost(&mut self, pkt: u32) {
        self.packets.free(pkt);
    }

    /// Gateway `g` acknowledges `pkt`'s frame, which ended at `now`: in RX1 (1 s later,
    /// same spreading factor, 1% duty cycle) or else RX2 (2 s later, SF12, 10%). While it
    /// sends it hears nothing. Returns whether an acknowledgement goes out (always true
    /// for unconfirmed uplinks).
    fn acknowledge(&mut self, g: u32, pkt: u32, now: u64) -> bool {
        let p = self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        let net = self.lora[access].as_ref().expect("a LoRa access");
        if !net.confirmed() {
            return true;
        }
        let sf = self.lora_links(p.sensor as usize, access);
        let net = self.lora[access].as_ref().expect("a LoRa access");
        let ns = |s: f64| (s * 1e9).round() as u64;
        let windows = [
            (
                now + 1_000_000_000,
                ns(net.tx(sf).time_on_air_s(ACK_BYTES)),
                0.01,
            ),
            (
                now + 2_000_000_000,
                ns(net.tx(12).time_on_air_s(ACK_BYTES)),
                0.10,
            ),
        ];
        for (i, (at, toa, duty)) in windows.into_iter().enumerate() {
            let next = &mut self.gw_downlink[g as usize][i];
            if *next <= at {
                *next = at + (toa as f64 / duty).round() as u64;
                self.air.transmit(g, at, at + toa, now);
                self.elements[g as usize].downlinks += 1;
                return true;
            }
        }
        false
    }

    /// A confirmed uplink got no acknowledgement: after both receive windows and a
    /// random back-off (and the duty cycle), send it again, if retries remain.
    fn retransmit<Q: EventQueue<Event>>(
        &mut self,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) -> bool {
        let now = sched.now().0;
        let p = self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        let net = self.lora[access].as_ref().expect("a LoRa access");
        if u32::from(p.tries) > net.retries {
            return false;
        }
        let ((lo, hi), duty) = (net.retry_wait_ns, net.duty_cycle);
        let mut rng = substream(
            self.seed,
            self.replication,
            u64::from(p.sensor) | (1 << 59),
            p.created ^ (u64::from(p.tries) << 56),
        );
        let mut at = now + rng.random_range(lo..=hi);
        let s = p.sensor as usize;
        if let Some(dc) = duty {
            // The retransmission also waits for the duty-cycle budget, and spends it.
            let sf = self.lora_links(s, access);
            let net = self.lora[access].as_ref().expect("a LoRa access");
            let toa_s = net.tx(sf).time_on_air_s(p.bytes);
            at = at.max(self.s_next_tx[s]);
            self.s_next_tx[s] = at + (toa_s / dc * 1e9).round() as u64;
        }
        if p.counted || p.ghost == 2 {
            self.flows[p.class as usize].retransmissions += 1;
        }
        sched.schedule_at(
            SimTime(at),
            Event::Transmit {
                sensor: p.sensor,
                pkt,
                k: 0x4000_0000 | u32::from(p.tries),
            },
        );
        true
    }

    /// Moves mobile sensor `s` to where it is at `now`, and returns its gateway there
    /// (the nearest one up and in range; NONE when none).
    fn advance(&mut self, s: usize, class: u16, now: u64) -> u32 {
        let m = self.classes[class as usize]
            .mobility
            .as_ref()
            .expect("a mobile class");
        let (mut leg, mut t0) = self.s_leg[s];
        let size = self.city_size;
        let pos = loop {
            let a = waypoint(m, self.seed, self.replication, s, leg, size);
            let b = waypoint(m, self.seed, self.replication, s, leg + 1, size);
            let dist = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let travel = (dist / m.speed_mps * 1e9).round() as u64;
            if now < t0 + travel + m.pause_ns {
                let f = if travel == 0 {
                    1.0
                } else {
                    ((now - t0) as f64 / travel as f64).min(1.0)
                };
                break (
                    (a.0 + (b.0 - a.0) * f) as f32,
                    (a.1 + (b.1 - a.1) * f) as f32,
                );
            }
            t0 += travel + m.pause_ns;
            leg += 1;
        };
        self.s_pos[s] = pos;
        self.s_leg[s] = (leg, t0);
        let access = self.classes[class as usize].access;
        self.reattach(s, access).unwrap_or(NONE)
    }

    /// The random stream of incident `i`'s reading `n` by sensor `s`.
    fn incident_stream(&self, s: usize, i: u32, n: u32) -> Stream {
        substream(
            self.seed,
            self.replication,
            NS_INCIDENT | s as u64,
            (u64::from(i) << 32) | u64::from(n),
        )
    }

    /// Gap to an affected sensor's next surge reading, ns.
    fn surge_gap(&self, s: usize, i: u32, n: u32) -> u64 {
        let inc = &self.incidents[i as usize];
        let mut rng = self.incident_stream(s, i, n);
        match inc.surge.expect("a surge") {
            Surge::Interval { interval_ns } if n == 0 => rng.random_range(0..interval_ns),
            Surge::Interval { interval_ns } => interval_ns,
            Surge::Multiplier { multiplier } => {
                let rate = self.classes[self.class_of(s) as usize]
                    .traffic
                    .mean_rate_per_s();
                dist::exp_ns(&mut rng, 1e9 / (rate * (multiplier - 1.0)))
            }
        }
    }

    /// An incident begins: every affected sensor in its region starts its surge
    /// readings and, with alarms, sends one alarm within the spread.
    fn incident_start<Q: EventQueue<Event>>(&mut self, i: u32, sched: &mut Scheduler<Event, Q>) {
        let inc = self.incidents[i as usize].clone();
        let end = inc.start_ns + inc.duration_ns;
        for s in 0..self.sensors() {
            let (x, y) = self.s_pos[s];
            if !inc.classes.contains(&(self.class_of(s) as usize))
                || !inc.region.contains(x as f64, y as f64)
            {
                continue;
            }
            if inc.surge.is_some() {
                let at = sched.now().0 + self.surge_gap(s, i, 0);
                if at < end {
                    sched.schedule_at(
                        SimTime(at),
                        Event::Extra {
                            sensor: s as u32,
                            incident: i,
                            n: 0,
                        },
                    );
                }
            }
            if let Some(spread) = inc.alarm_spread_ns {
                let d = if spread == 0 {
                    0
                } else {
                    self.incident_stream(s, i, ALARM).random_range(0..spread)
                };
                sched.schedule_in(
                    SimTime(d),
                    Event::Extra {
                        sensor: s as u32,
                        incident: i,
                        n: ALARM,
                    },
                );
            }
        }
    }

    /// A reading caused by an incident (not charged to the battery schedule).
    fn extra<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        i: u32,
        n: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        if n != ALARM {
            let inc = &self.incidents[i as usize];
            let end = inc.start_ns + inc.duration_ns;
            let next = now + self.surge_gap(su, i, n + 1);
            if next < end {
                sched.schedule_at(
                    SimTime(next),
                    Event::Extra {
                        sensor: s,
                        incident: i,
                        n: n + 1,
                    },
                );
            }
        }
        let mut rng = self.incident_stream(su, i, n ^ 0x5555_5555);
        let gw = self.s_gateway[su];
        let kind = if n == ALARM {
            ReadingKind::Alarm(self.incidents[i as usize].alarm_priority as u8)
        } else {
            ReadingKind::Surge
        };
        self.reading(
            s,
            gw,
            0x8000_0000 | (n & 0x7fff_ffff),
            kind,
            &mut rng,
            sched,
        );
    }

    /// Time to the next failure (`up`) or repair of fault `f`, ns.
    fn fault_draw(&mut self, f: usize, up: bool) -> u64 {
        let FaultWhen::Random { up: ttf, down: ttr } = &self.faults[f].when else {
            unreachable!("only random faults draw")
        };
        let cycle = self.faults[f].cycles;
        let mut rng = substream(
            self.seed,
            self.replication,
            NS_FAULT | f as u64,
            cycle * 2 + u64::from(!up),
        );
        Sampler::new(if up { ttf } else { ttr })
            .sample(&mut rng)
            .max(1)
    }

    /// An element or link goes down or comes back; routes are recomputed.
    fn fault<Q: EventQueue<Event>>(&mut self, f: u32, down: bool, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let fu = f as usize;
        let (target, kind) = (self.faults[fu].target as usize, self.faults[fu].kind);
        let (counter, station) = match kind {
            Down::Link => {
                let l = &mut self.links[target];
                (&mut l.down, Some(&mut l.station))
            }
            Down::Element => {
                let e = &mut self.elements[target];
                (&mut e.down, Some(&mut e.station))
            }
            Down::Class => (&mut self.class_down[target], None),
            Down::Relay => {
                let (a, i) = self.relay_at[target];
                let net = self.mesh[a as usize].as_mut().expect("a mesh");
                if down {
                    let lost: Vec<u32> = net.queue[i as usize].drain();
                    net.down[i as usize] += 1;
                    for pkt in lost {
                        self.drop_packet(pkt, DropCause::NodeDown, now);
                    }
                } else {
                    net.down[i as usize] = net.down[i as usize].saturating_sub(1);
                }
                (&mut self.class_down[0], None)
            }
        };
        if kind == Down::Relay {
            // Counted above.
        } else if down {
            *counter += 1;
            // What waits there is lost with it; what is in service is lost when done.
            if let Some(station) = station {
                station.integrate(now, self.warmup);
                let lost: Vec<u32> = station.queue.drain();
                for pkt in lost {
                    self.drop_packet(pkt, DropCause::NodeDown, now);
                }
            }
        } else {
            *counter = counter.saturating_sub(1);
        }
        self.reroute();
        match self.faults[fu].when {
            FaultWhen::Scheduled { duration_ns, .. } => {
                if down {
                    sched.schedule_in(SimTime(duration_ns), Event::Fault { fault: f, down: 0 });
                }
            }
            FaultWhen::Random { .. } => {
                if !down {
                    self.faults[fu].cycles += 1;
                }
                let d = self.fault_draw(fu, !down);
                sched.schedule_in(
                    SimTime(d),
                    Event::Fault {
                        fault: f,
                        down: u32::from(!down),
                    },
                );
            }
        }
    }

    /// Next hops over the elements and links that are up.
    fn reroute(&mut self) {
        let sinks: Vec<bool> = self
            .elements
            .iter()
            .map(|e| e.sink && e.down == 0)
            .collect();
        let hops: Vec<Hop> = self
            .hops
            .iter()
            .zip(&self.links)
            .map(|(h, l)| {
                let usable = l.down == 0
                    && self.elements[h.from as usize].down == 0
                    && self.elements[h.to as usize].down == 0;
                // A dead hop points nowhere: keep indices aligned with the links.
                if usable {
                    *h
                } else {
                    Hop {
                        from: h.from,
                        to: h.from,
                        cost: u64::MAX / 4,
                    }
                }
            })
            .collect();
        for (e, next) in next_hops(self.elements.len(), &sinks, &hops)
            .into_iter()
            .enumerate()
        {
            self.elements[e].next = next;
        }
        let elements = &self.elements;
        for net in self.mesh.iter_mut().flatten() {
            net.reroute(|e| {
                let el = &elements[e as usize];
                el.down == 0 && (el.next != NONE || el.sink)
            });
        }
    }

    /// The mesh (access index) a packet travels on.
    fn mesh_of(&self, pkt: u32) -> usize {
        self.classes[self.packets[pkt].class as usize].access
    }

    /// Position of mesh node `node` of `net`.
    fn mesh_pos(&self, net: &MeshNet, node: u32) -> (f32, f32) {
        mesh_node_pos(net, &self.s_pos, node)
    }

    /// Whether relay or gateway `node` of mesh `a` is up.
    fn mesh_up(&self, a: usize, node: u32) -> bool {
        let net = self.mesh[a].as_ref().expect("a mesh");
        match net.infra.get(node as usize) {
            Some(Infra::Relay(_)) => net.down[node as usize] == 0,
            Some(Infra::Gateway(e)) => self.elements[*e as usize].down == 0,
            None => true,
        }
    }

    /// A packet reaches mesh node `node` to be sent on: into its MAC now, or behind
    /// the packet already there.
    fn mesh_enqueue<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let net = self.mesh[a].as_mut().expect("a mesh");
        let n = net.infra.len() as u32;
        let cap = net.cfg.queue as usize;
        let measured = now >= self.warmup;
        let (busy, waiting) = if node < n {
            let i = node as usize;
            let st = &mut net.stats[i];
            let refused = net.busy[i] && net.queue[i].len() >= cap;
            if measured {
                st.0 += 1;
                st.2 += u64::from(refused);
            }
            if !refused {
                // Held once it is in: the one being sent and those waiting.
                let held = net.queue[i].len() as u32 + u32::from(net.busy[i]) + 1;
                st.3 = st.3.max(held);
            }
            (&mut net.busy[i], net.queue[i].len())
        } else {
            let s = node - n;
            let busy = &mut self.s_mesh_busy[s as usize];
            // Only a busy sensor has readings waiting.
            let w = if *busy {
                self.s_mesh_wait.get(&s).map_or(0, VecDeque::len)
            } else {
                0
            };
            (busy, w)
        };
        if !*busy {
            *busy = true;
            self.mac_start(a, node, pkt, 0, sched);
        } else if waiting >= cap {
            self.drop_packet(pkt, DropCause::QueueOverflow, now);
        } else if node < n {
            let prio = self.packets[pkt].prio;
            net.queue[node as usize].push(pkt, prio);
        } else {
            self.s_mesh_wait.entry(node - n).or_default().push_back(pkt);
        }
    }

    /// Mesh node `node` is done with its packet: the next one waiting enters the MAC.
    fn mesh_next<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let net = self.mesh[a].as_mut().expect("a mesh");
        let n = net.infra.len() as u32;
        let next = if node < n {
            let q = net.queue[node as usize].pop();
            if q.is_none() {
                net.busy[node as usize] = false;
            }
            q
        } else {
            let s = node - n;
            let q = match self.s_mesh_wait.get_mut(&s) {
                Some(w) => {
                    let q = w.pop_front();
                    if w.is_empty() {
                        self.s_mesh_wait.remove(&s);
                    }
                    q
                }
                None => None,
            };
            if q.is_none() {
                self.s_mesh_busy[s as usize] = false;
            }
            q
        };
        if let Some(pkt) = next {
            self.mac_start(a, node, pkt, 0, sched);
        }
    }

    /// The random draws of `pkt`'s MAC at `node` (backoffs, `what` = 0; reception, 1).
    fn mac_stream(&self, a: usize, node: u32, pkt: u32, what: u64) -> Stream {
        let p = &self.packets[pkt];
        substream(
            self.seed,
            self.replication,
            NS_MESH_MAC | ((a as u64) << 40) | u64::from(node),
            p.created
                ^ (u64::from(p.sensor) << 20)
                ^ (u64::from(p.nb) << 52)
                ^ (u64::from(p.tries) << 56)
                ^ (what << 63),
        )
    }

    /// Unslotted CSMA/CA begins (after `delay` ns): NB = 0, BE = macMinBE, a random
    /// backoff of 0..2^BE - 1 unit periods, then a clear-channel assessment.
    fn mac_start<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        delay: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let min_be = self.mesh[a].as_ref().expect("a mesh").cfg.min_be;
        let p = &mut self.packets[pkt];
        p.nb = 0;
        p.be = min_be;
        self.mac_backoff(a, node, pkt, delay, sched);
    }

    fn mac_backoff<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        delay: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let be = self.packets[pkt].be;
        let slots = self.mac_stream(a, node, pkt, 0).random_range(0..1u64 << be);
        sched.schedule_in(
            SimTime(delay + slots * mesh::UNIT_BACKOFF_NS + mesh::CCA_NS),
            Event::MeshCca { node, pkt },
        );
    }

    /// Drops the packet `node` is sending and lets the next one in.
    fn mesh_give_up<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        cause: DropCause,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        self.drop_packet(pkt, cause, now);
        self.mesh_next(a, node, sched);
    }

    /// Whether sensor `s`'s battery cannot pay for a reading costing `q` coulombs now.
    /// An own reading (`charge`) is number `k + 1` of its schedule; with incidents, the
    /// incident readings it sent so far are added, and an incident reading is charged
    /// on top of the own readings taken so far.
    fn battery_empty(
        &mut self,
        s: usize,
        e: EnergyRt,
        q: f64,
        k: u32,
        charge: bool,
        now: u64,
    ) -> bool {
        let (own, extra) = match self.s_extra.get_mut(s) {
            Some((own, extra)) => {
                if charge {
                    *own = k + 1;
                } else {
                    *extra += 1;
                }
                (*own, *extra)
            }
            None if charge => (k + 1, 0),
            None => return false,
        };
        let readings = f64::from(own) + f64::from(extra);
        let empty = e.used_c(q, readings, now as f64 * 1e-9) > e.capacity_c;
        if empty && !charge {
            // Not sent: not charged.
            if let Some(x) = self.s_extra.get_mut(s) {
                x.1 -= 1;
            }
        }
        empty
    }

    /// The clear-channel assessment ends: send (after the turnaround) when the channel
    /// was idle, else back off again with a larger exponent, up to macMaxCSMABackoffs.
    fn mesh_cca<Q: EventQueue<Event>>(
        &mut self,
        node: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let a = self.mesh_of(pkt);
        let seeds = (self.seed, self.replication);
        if !self.mesh_up(a, node) {
            self.mesh_give_up(a, node, pkt, DropCause::NodeDown, sched);
            return;
        }
        let mut net = self.mesh[a].take().expect("a mesh");
        let n = net.infra.len() as u32;
        let me = self.mesh_pos(&net, node);
        let hop = if node < n {
            let to = net.next[node as usize];
            (to != NONE)
                .then(|| {
                    let rx = net.rx_dbm(seeds, (node, me), (to, net.pos[to as usize]));
                    (to, rx)
                })
                .ok_or(DropCause::NoRoute)
        } else {
            let s = (node - n) as usize;
            let moves = self.classes[self.class_of(s) as usize].mobility.is_some();
            let (epoch, parent, rx) = self.s_parent[s];
            let (parent, rx) = if epoch == net.epoch && !moves {
                (parent, f64::from(rx))
            } else {
                let (p, rx) = net.parent(seeds, s, me).unwrap_or((OUT_OF_RANGE, 0.0));
                self.s_parent[s] = (net.epoch, p, rx as f32);
                (p, rx)
            };
            match parent {
                OUT_OF_RANGE => Err(DropCause::OutOfRange),
                NONE => Err(DropCause::NoRoute),
                p => Ok((p, rx)),
            }
        };
        let busy = hop.is_ok() && self.mesh_air.busy(&net, seeds, node, me, now);
        let cfg = net.cfg;
        let (to, signal) = match hop {
            Ok(h) => h,
            Err(cause) => {
                self.mesh[a] = Some(net);
                self.mesh_give_up(a, node, pkt, cause, sched);
                return;
            }
        };
        if busy {
            self.mesh[a] = Some(net);
            let p = &mut self.packets[pkt];
            p.nb += 1;
            p.be = (p.be + 1).min(cfg.max_be);
            let (class, counted, nb) = (p.class, p.counted, p.nb);
            if counted {
                self.flows[class as usize].busy_cca += 1;
            }
            if nb > cfg.max_backoffs {
                self.mesh_give_up(a, node, pkt, DropCause::ChannelBusy, sched);
            } else {
                self.mac_backoff(a, node, pkt, 0, sched);
            }
            return;
        }
        let bytes = self.packets[pkt].bytes + cfg.overhead_bytes;
        let start = now + mesh::TURNAROUND_NS;
        let frame = MFrame {
            access: a as u32,
            sender: node,
            receiver: to,
            sender_pos: me,
            start,
            end: start + MeshNet::frame_ns(bytes),
            signal: signal as f32,
            ok: true,
            pkt,
            ack: false,
            bytes,
        };
        let s_pos = &self.s_pos;
        let id = self
            .mesh_air
            .start(&net, seeds, frame, |x| mesh_node_pos(&net, s_pos, x));
        self.mesh[a] = Some(net);
        sched.schedule_at(SimTime(frame.end), Event::MeshEnd { frame: id });
    }

    /// A mesh frame ends. Data received intact (no collision, the link's bit errors
    /// spared it, the receiver up) is acknowledged after the turnaround; otherwise the
    /// sender waits macAckWaitDuration and retries, up to macMaxFrameRetries. When the
    /// acknowledgement ends, the packet belongs to the receiver.
    fn mesh_end<Q: EventQueue<Event>>(&mut self, id: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let f = self.mesh_air.end(id);
        let a = f.access as usize;
        let seeds = (self.seed, self.replication);
        if f.ack {
            // The data's receiver (the ACK's sender) takes the packet on.
            let (receiver, sender, pkt) = (f.sender, f.receiver, f.pkt);
            self.packets[pkt].tries = 0;
            if now >= self.warmup {
                if let Some(st) = self.mesh[a]
                    .as_mut()
                    .expect("a mesh")
                    .stats
                    .get_mut(sender as usize)
                {
                    st.1 += 1;
                }
            }
            let net = self.mesh[a].as_ref().expect("a mesh");
            match net.infra.get(receiver as usize).copied() {
                Some(Infra::Gateway(e)) => {
                    let d = self.access[a].latency.sample(&mut self.e_rng[e as usize]);
                    self.packets[pkt].arrived = now;
                    sched.schedule_in(SimTime(d), Event::Arrive { elem: e, pkt });
                }
                Some(Infra::Relay(_)) if self.mesh_up(a, receiver) => {
                    self.mesh_enqueue(a, receiver, pkt, sched);
                }
                _ => self.drop_packet(pkt, DropCause::NodeDown, now),
            }
            self.mesh_next(a, sender, sched);
            return;
        }
        let net = self.mesh[a].as_ref().expect("a mesh");
        let snr = f64::from(f.signal) - net.cfg.noise_floor_dbm;
        let (retries, up) = (net.cfg.retries, self.mesh_up(a, f.receiver));
        let intact = f.ok
            && up
            && self.mac_stream(a, f.sender, f.pkt, 1).random::<f64>() < net.frame_prr(snr, f.bytes);
        if intact {
            let start = now + mesh::TURNAROUND_NS;
            let ack = MFrame {
                sender: f.receiver,
                receiver: f.sender,
                sender_pos: self.mesh_pos(net, f.receiver),
                start,
                end: start + MeshNet::frame_ns(mesh::ACK_BYTES),
                ack: true,
                bytes: mesh::ACK_BYTES,
                ..f
            };
            let s_pos = &self.s_pos;
            let id = self
                .mesh_air
                .start(net, seeds, ack, |x| mesh_node_pos(net, s_pos, x));
            sched.schedule_at(SimTime(ack.end), Event::MeshEnd { frame: id });
            return;
        }
        let p = &mut self.packets[f.pkt];
        p.tries += 1;
        if p.tries > retries {
            let cause = if !up {
                DropCause::NodeDown
            } else if f.ok {
                DropCause::LinkLoss
            } else {
                DropCause::Collision
            };
            self.mesh_give_up(a, f.sender, f.pkt, cause, sched);
            return;
        }
        if p.counted {
            self.flows[p.class as usize].retransmissions += 1;
        }
        self.mac_start(a, f.sender, f.pkt, mesh::ACK_WAIT_NS, sched);
    }

    fn arrive<Q: EventQueue<Event>>(&mut self, e: u32, pkt: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        if self.elements[e as usize].down > 0 {
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        let el = &mut self.elements[e as usize];
        if el.sink {
            if now >= self.warmup {
                el.station.stats.arrivals += 1;
                el.station.stats.served += 1;
                el.station.stats.sojourn_count += 1;
            }
            let p = self.release(pkt);
            let latency = now - p.created;
            let b = self.bucket(now);
            b.delivered += 1;
            b.latency_sum_ns += u128::from(latency);
            b.latency_max_ns = b.latency_max_ns.max(latency);
            if p.counted {
                self.flows[p.class as usize].deliver(latency);
                self.prio_flows[p.prio as usize].deliver(latency);
            }
            return;
        }
        self.packets[pkt].arrived = now;
        let prio = self.packets[pkt].prio;
        let Some(service) = &el.service else {
            // No processing: count it through and forward at once.
            if now >= self.warmup {
                el.station.stats.arrivals += 1;
                el.station.stats.served += 1;
                el.station.stats.sojourn_count += 1;
            }
            self.forward(e, pkt, sched);
            return;
        };
        match el.station.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = service.sample(&mut self.e_rng[e as usize]);
                sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt });
            }
            Admit::Queued => {}
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    fn served<Q: EventQueue<Event>>(&mut self, e: u32, pkt: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let el = &mut self.elements[e as usize];
        if el.down > 0 {
            // It went down while serving this packet (its queue was emptied then).
            let _ = el.station.depart(arrived, now, self.warmup);
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        if let Some(next) = el.station.depart(arrived, now, self.warmup) {
            let service = el
                .service
                .as_ref()
                .expect("a served element has a service time");
            let d = service.sample(&mut self.e_rng[e as usize]);
            sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt: next });
        }
        self.forward(e, pkt, sched);
    }

    #[inline]
    fn forward<Q: EventQueue<Event>>(&mut self, e: u32, pkt: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let l = self.elements[e as usize].next;
        if l == NONE {
            self.drop_packet(pkt, DropCause::NoRoute, now);
            return;
        }
        let link = &mut self.links[l as usize];
        let Some(npb) = link.ns_per_byte else {
            if now >= self.warmup {
                link.station.stats.arrivals += 1;
                link.station.stats.served += 1;
                link.station.stats.sojourn_count += 1;
            }
            self.propagate(l, pkt, sched);
            return;
        };
        self.packets[pkt].arrived = now;
        let prio = self.packets[pkt].prio;
        match link.station.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = (self.packets[pkt].bytes as f64 * npb).round() as u64;
                sched.schedule_in(SimTime(d), Event::Sent { link: l, pkt });
            }
            Admit::Queued => {}
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    fn sent<Q: EventQueue<Event>>(&mut self, l: u32, pkt: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let link = &mut self.links[l as usize];
        if link.down > 0 {
            let _ = link.station.depart(arrived, now, self.warmup);
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        if let Some(next) = link.station.depart(arrived, now, self.warmup) {
            let npb = link
                .ns_per_byte
                .expect("a transmitting link has a bandwidth");
            let d = (self.packets[next].bytes as f64 * npb).round() as u64;
            sched.schedule_in(SimTime(d), Event::Sent { link: l, pkt: next });
        }
        self.propagate(l, pkt, sched);
    }

    #[inline]
    fn propagate<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let link = &self.links[l as usize];
        let rng = &mut self.l_rng[l as usize];
        if link.loss > 0.0 && rng.random::<f64>() < link.loss {
            self.drop_packet(pkt, DropCause::LinkLoss, sched.now().0);
            return;
        }
        let d = link.latency.sample(rng);
        sched.schedule_in(SimTime(d), Event::Arrive { elem: link.to, pkt });
    }

    /// Sensors per (cell, class) on a grid of `cell` metres, for the city map.
    fn density_map(&self, cell: f64) -> Vec<(u32, u32, u16, u32)> {
        let mut counts: std::collections::BTreeMap<(u32, u32, u16), u32> = Default::default();
        for (s, &(x, y)) in self.s_pos.iter().enumerate() {
            let key = (
                (x as f64 / cell) as u32,
                (y as f64 / cell) as u32,
                self.class_of(s),
            );
            *counts.entry(key).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((x, y, c), n)| (x, y, c, n))
            .collect()
    }

    /// Energy of each battery-powered class, and per-sensor records when asked for.
    /// `readings[s]` is the number of readings sensor `s` took over the run.
    fn energy_results(
        &mut self,
        readings: &[u32],
        t_s: f64,
        per_sensor: bool,
    ) -> (Vec<Option<ClassEnergy>>, Vec<SensorRecord>) {
        let mut lifetimes: Vec<Vec<f64>> = vec![Vec::new(); self.classes.len()];
        let mut energy_sum = vec![0.0; self.classes.len()];
        let mut depleted = vec![0u64; self.classes.len()];
        let mut records = Vec::new();
        for (s, &k) in readings.iter().enumerate() {
            let k = k.saturating_add(self.s_extra.get(s).map_or(0, |x| x.1));
            let c = self.class_of(s) as usize;
            let q = self.sensor_charge_c(s, c as u16);
            let (energy_j, lifetime_s) = match (self.classes[c].energy, q) {
                (Some(e), Some(q)) => {
                    let used = e.used_c(q, f64::from(k), t_s);
                    if used >= e.capacity_c {
                        depleted[c] += 1;
                    }
                    // Projected life at the sensor's observed mean current.
                    let mean_a = e.sleep_a + q * f64::from(k) / t_s;
                    let life = e.capacity_c / mean_a;
                    lifetimes[c].push(life);
                    let j = used.min(e.capacity_c) * e.voltage_v;
                    energy_sum[c] += j;
                    (j, life)
                }
                _ => (f64::NAN, f64::NAN),
            };
            if per_sensor {
                let gw = self.s_gateway[s];
                records.push(SensorRecord {
                    class: c as u16,
                    position: self.s_pos[s],
                    gateway: if gw == NONE {
                        String::new()
                    } else {
                        self.elements[gw as usize].name.clone()
                    },
                    readings: u64::from(k),
                    energy_j,
                    lifetime_s,
                });
            }
        }
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(c, rt)| {
                rt.energy?;
                let mut l = std::mem::take(&mut lifetimes[c]);
                if l.is_empty() {
                    return None;
                }
                l.sort_by(|a, b| a.partial_cmp(b).expect("finite lifetimes"));
                let p5 = l[((l.len() - 1) as f64 * 0.05).round() as usize];
                Some(ClassEnergy {
                    energy_mean_j: energy_sum[c] / l.len() as f64,
                    lifetime_mean_s: l.iter().sum::<f64>() / l.len() as f64,
                    lifetime_p5_s: p5,
                    depleted: depleted[c],
                })
            })
            .collect();
        (classes, records)
    }

    /// Every relay's position, links, route and load.
    fn relay_results(&self, scenario: &Scenario) -> Vec<RelayResult> {
        let mut names = Vec::new();
        for g in &scenario.relays {
            for i in 0..g.count {
                names.push((format!("{}-{i}", g.name), g.name.clone()));
            }
        }
        self.relay_at
            .iter()
            .zip(names)
            .map(|(&(a, i), (name, group))| {
                let net = self.mesh[a as usize].as_ref().expect("a mesh");
                let i = i as usize;
                let (received, forwarded, overflow, peak) = net.stats[i];
                RelayResult {
                    name,
                    group,
                    position: (f64::from(net.pos[i].0), f64::from(net.pos[i].1)),
                    neighbours: net.neighbours(i),
                    hops: net.hops(i),
                    received,
                    forwarded,
                    overflow,
                    peak_queue: peak,
                }
            })
            .collect()
    }

    /// Closes the books at `end` and returns what was measured. `readings[s]` is the
    /// number of readings sensor `s` took (from its pending reading event).
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        mut self,
        scenario: &Scenario,
        replication: u32,
        end: u64,
        events: u64,
        wall_s: f64,
        readings: &[u32],
        per_sensor: bool,
    ) -> RunResult {
        let (energy, sensor_records) = self.energy_results(readings, end as f64 * 1e-9, per_sensor);
        // The map grid: 64 cells along the longer side of the city.
        let map_cell = scenario.city.width_m.max(scenario.city.height_m) / 64.0;
        for el in &mut self.elements {
            el.station.integrate(end, self.warmup);
        }
        for l in &mut self.links {
            l.station.integrate(end, self.warmup);
        }
        let element = |e: &Element| ElementResult {
            name: e.name.clone(),
            group: e.group.clone(),
            position: e.position,
            sensors: e.sensors,
            servers: e.station.servers,
            stats: e.station.stats.clone(),
            downlinks: e.downlinks,
        };
        let (gws, nodes): (Vec<&Element>, Vec<&Element>) =
            self.elements.iter().partition(|e| e.position.is_some());
        RunResult {
            scenario: scenario.name.clone(),
            replication,
            seed: scenario.simulation.seed,
            duration_ns: scenario.simulation.duration_ns,
            warmup_ns: self.warmup,
            bucket_ns: self.bucket_ns,
            priorities: self.prio_flows.to_vec(),
            relays: self.relay_results(scenario),
            classes: self
                .classes
                .iter()
                .zip(&self.flows)
                .zip(energy)
                .map(|((c, f), energy)| ClassResult {
                    name: c.name.clone(),
                    domain: c.domain.clone(),
                    district: c.district.clone(),
                    sensors: c.sensors,
                    flow: f.clone(),
                    energy,
                })
                .collect(),
            gateways: gws.into_iter().map(element).collect(),
            nodes: nodes.into_iter().map(element).collect(),
            links: self
                .links
                .iter()
                .map(|l| ElementResult {
                    name: l.name.clone(),
                    group: l.group.clone(),
                    position: None,
                    sensors: 0,
                    servers: 1,
                    stats: l.station.stats.clone(),
                    downlinks: 0,
                })
                .collect(),
            buckets: std::mem::take(&mut self.buckets),
            map: self.density_map(map_cell),
            map_cell_m: map_cell,
            sensors: sensor_records,
            events,
            wall_s,
        }
    }
}

/// Waypoint `j` of mobile sensor `s`: a point of its route (from its own random start
/// on the route), or a uniform random point of the city.
fn waypoint(m: &Mobility, seed: u64, rep: u32, s: usize, j: u32, (w, h): (f64, f64)) -> (f64, f64) {
    match &m.route {
        Some(route) => {
            let start =
                substream(seed, rep, NS_MOBILITY | s as u64, u64::MAX).random_range(0..route.len());
            route[(start + j as usize) % route.len()]
        }
        None => {
            let mut rng = substream(seed, rep, NS_MOBILITY | s as u64, u64::from(j));
            (rng.random::<f64>() * w, rng.random::<f64>() * h)
        }
    }
}

/// Position of mesh node `node` of `net` (sensors at `s_pos`).
fn mesh_node_pos(net: &MeshNet, s_pos: &[(f32, f32)], node: u32) -> (f32, f32) {
    let n = net.infra.len() as u32;
    if node < n {
        net.pos[node as usize]
    } else {
        s_pos[(node - n) as usize]
    }
}

/// `nominal` moved by a uniform offset in [-jitter, +jitter] (not before zero).
#[inline]
fn jittered(rng: &mut Stream, nominal: u64, jitter: u64) -> u64 {
    if jitter == 0 {
        return nominal;
    }
    let offset = rng.random_range(0..=2 * jitter);
    nominal.saturating_add(offset).saturating_sub(jitter)
}

/// Next reading of an on/off source after `from`, advancing through off periods.
#[inline]
fn next_burst_reading(
    rng: &mut Stream,
    mut from: u64,
    on_end: &mut u64,
    on: u64,
    off: u64,
    interval: u64,
) -> u64 {
    // Validation keeps interval <= 1000 x on, so this loops ~1 + interval/on times.
    loop {
        let t = from.saturating_add(dist::exp_ns(rng, interval as f64));
        if t <= *on_end || t == u64::MAX {
            return t;
        }
        from = on_end.saturating_add(dist::exp_ns(rng, off as f64));
        *on_end = from.saturating_add(dist::exp_ns(rng, on as f64));
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
        let mut q = super::PrioQueue::default();
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

//! Readings crossing from the access side (sensors, access networks, gateways and the
//! links leaving them) to the core (the nodes behind the gateways: edge data centres,
//! the cloud, and the links between them), and a run in parts on several threads at
//! once: one part per group of access networks that share no gateway
//! ([`crate::model::budget::access_groups`]), and the core.
//!
//! ```text
//!   access parts: Generate ... gateway --link--> handover (when it reaches the node)
//!                                                  |  (between windows, in a split run)
//!   core:                                          v
//!                     arrivals, by (time, reading) --> Arrive(node) --> ... --> sink
//! ```
//!
//! Nothing the core does reaches back to the access side: readings only flow from
//! gateways to nodes, and faults (drawn from their own streams) are replayed in every
//! part. Access networks that share no gateway meet nowhere else. So the parts of the
//! access side can run a window of time ahead while the core runs the window before:
//! the core only needs, before it runs up to a time, every reading handed over up to
//! then. Each part keeps its own event queue, packets and counts; at the end each part
//! of the access side gives its sensors', gateways' and networks' state to the first
//! ([`City::absorb_access`]), the counts are added (all of them integers, so exactly),
//! and the core's nodes and links replace the access side's copies.
//!
//! A reading reaching a node from a gateway's link waits among the *arrivals*, ordered
//! by time and then by the reading itself (never by when or where it was handed over),
//! and is taken after the node's other events of the same instant. A city run whole
//! does the same, so a run gives byte-identical results whole or split, on any number
//! of threads.

use super::*;

/// Which part of the city a [`City`] simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// All of it.
    Whole,
    /// Sensors, access networks, gateways and the links leaving them: readings bound
    /// for a node are handed over.
    Access,
    /// The nodes and the links between them.
    Core,
}

/// A reading handed from the access side to the core: it reaches node `elem` at `at`.
#[derive(Debug, Clone, Copy)]
pub struct Handover {
    at: u64,
    elem: u32,
    packet: Packet,
}

/// A reading due at a node from a gateway's link, as the arrivals order it: by time,
/// then by what the reading is (when it was taken, by which sensor, and which of that
/// sensor's readings), never by where it is kept. Then its slot and the node.
type Arrival = std::cmp::Reverse<(u64, u64, u64, u32, u32)>;

/// The arrival of `packet`, kept in slot `pkt`, at node `elem` at `at`.
#[inline]
fn arrival(at: u64, packet: &Packet, pkt: u32, elem: u32) -> Arrival {
    let who = (u64::from(packet.sensor) << 32) | u64::from(packet.draw.0);
    std::cmp::Reverse((at, packet.created, who, pkt, elem))
}

/// The part a city plays in a split run, and what it handed over.
pub(crate) struct Split {
    pub(crate) part: Part,
    /// Per element: a node (the core's), rather than a gateway.
    pub(crate) core: Vec<bool>,
    /// Per access network: whether this part runs its sensors (all of them in a city
    /// run whole, none in the core).
    pub(crate) nets: Vec<bool>,
    /// Per element: a gateway of this part's networks (the access side of a split run
    /// keeps their queues and links; the other parts' copies stay idle).
    pub(crate) mine: Vec<bool>,
    /// Whether the events every part handles (faults, incidents starting) are counted
    /// as replays here: in the core and in every access part but the first.
    pub(crate) replays: bool,
    /// Readings handed over since they were last taken (the access side of a split
    /// run).
    pub(crate) outbox: Vec<Handover>,
    /// Shared events this part handled again (not counted among the run's events).
    replayed: u64,
    /// Readings due at nodes from gateways' links, earliest first.
    arrivals: std::collections::BinaryHeap<Arrival>,
}

impl Split {
    /// A city playing `part`, running the access networks `nets` (none for the core);
    /// `gateways` of `elements` are gateways (they come first), and `serves(e)` tells
    /// whether gateway `e` serves one of `nets`.
    pub(crate) fn new(
        part: Part,
        nets: Vec<bool>,
        (gateways, elements): (usize, usize),
        serves: impl Fn(usize) -> bool,
    ) -> Split {
        Split {
            part,
            core: (0..elements).map(|e| e >= gateways).collect(),
            mine: (0..elements)
                .map(|e| part != Part::Core && e < gateways && serves(e))
                .collect(),
            nets,
            replays: part == Part::Core,
            outbox: Vec::new(),
            replayed: 0,
            arrivals: Default::default(),
        }
    }

    /// Whether this part runs the access side's own processes (sensors, incidents,
    /// routing control).
    #[inline]
    pub(crate) fn runs_access(&self) -> bool {
        self.part != Part::Core
    }

    /// Whether this part runs the sensors and control traffic of access network `a`.
    #[inline]
    pub(crate) fn runs_net(&self, a: usize) -> bool {
        self.nets[a]
    }
}

impl City {
    /// Makes this city the access side of a split run (its core is built by
    /// [`City::build_core`]): its first part, or (`replays`) another, which counts the
    /// events every part handles as replays.
    pub fn play_access_side(&mut self, replays: bool) {
        self.split.part = Part::Access;
        self.split.replays = replays;
    }

    /// Whether reading `pkt`, leaving link `l` for element `e` and due there at `at`,
    /// crosses from a gateway to a node: then it waits among the arrivals (or, on the
    /// access side of a split run, is handed over to the core) and leaves its slot.
    #[inline]
    pub(crate) fn hands_over(&mut self, l: u32, e: u32, pkt: u32, at: u64) -> bool {
        let from = self.backbone.hops[l as usize].from as usize;
        let split = &self.split;
        if split.part == Part::Core || !split.core[e as usize] || split.core[from] {
            return false;
        }
        if self.split.part == Part::Access {
            // Still in flight: the core counts it out when it ends.
            let packet = self.packets[pkt];
            self.packets.free(pkt);
            self.split.outbox.push(Handover {
                at,
                elem: e,
                packet,
            });
        } else {
            let a = arrival(at, &self.packets[pkt], pkt, e);
            self.split.arrivals.push(a);
        }
        true
    }

    /// A fault goes down or comes back, or an incident starts: every part handles it,
    /// and all but one count it as a replay.
    #[inline]
    pub(crate) fn replays_shared(&mut self) {
        if self.split.replays {
            self.split.replayed += 1;
        }
    }

    /// The events this part handled that another part handled too (faults, incidents
    /// starting): the run counts them once.
    pub fn replayed_events(&self) -> u64 {
        self.split.replayed
    }

    /// The readings handed over since last asked, in the order they were.
    pub fn take_handovers(&mut self) -> Vec<Handover> {
        std::mem::take(&mut self.split.outbox)
    }

    /// The core receives readings the access side handed over, each due later than
    /// the core's clock.
    pub fn receive(&mut self, handovers: Vec<Handover>) {
        for h in handovers {
            // Counted in flight by the access side already.
            let pkt = self.packets.insert(h.packet);
            let a = arrival(h.at, &h.packet, pkt, h.elem);
            self.split.arrivals.push(a);
        }
    }

    /// Handles every event and arrival due by `horizon`: at each instant the events
    /// first, then the arrivals one by one (each followed by the events it causes at
    /// that instant).
    pub fn run_until<Q: EventQueue<Event>>(sim: &mut Simulation<City, Q>, horizon: SimTime) {
        let next = |city: &City| city.split.arrivals.peek().map(|a| SimTime(a.0 .0));
        loop {
            sim.run_until_before(horizon, next);
            match next(sim.model()) {
                Some(at) if at <= horizon => {
                    let (.., pkt, elem) = sim.model_mut().split.arrivals.pop().expect("peeked").0;
                    sim.dispatch_at(at, Event::Arrive { elem, pkt });
                }
                _ => return,
            }
        }
    }

    /// Takes in another part of the access side of a split run (built with other
    /// networks): its sensors' state, its gateways and the links leaving them, its
    /// networks, and its counts. Every part starts from the same city and changes only
    /// what its own sensors and gateways own, so each piece is taken whole from the part
    /// that ran it; counts are integers, added exactly.
    pub fn absorb_access(&mut self, mut other: City) {
        let ranges: Vec<std::ops::Range<usize>> = (0..self.classes.len())
            .filter(|&c| other.split.runs_net(self.classes[c].access))
            .map(|c| self.sensors.first_of(c)..self.sensors.class_end[c] as usize)
            .collect();
        let r = &ranges;
        take(&mut self.sensors.gateway, &mut other.sensors.gateway, r);
        take(&mut self.sensors.pos, &mut other.sensors.pos, r);
        let (lora, theirs) = (&mut self.lora, &mut other.lora);
        take(&mut lora.last_sf, &mut theirs.last_sf, r);
        take(&mut lora.adr, &mut theirs.adr, r);
        take(&mut lora.band_free, &mut theirs.band_free, r);
        take(&mut lora.next_tx, &mut theirs.next_tx, r);
        take(&mut lora.waiting, &mut theirs.waiting, r);
        take(&mut self.traffic.on_end, &mut other.traffic.on_end, r);
        take(&mut self.traffic.value, &mut other.traffic.value, r);
        take(&mut self.energy.accounts, &mut other.energy.accounts, r);
        take(&mut self.mobility.legs, &mut other.mobility.legs, r);
        self.absorb_cells(&mut other, r);
        let mine = &other.split.mine;
        for (e, el) in other.backbone.elements.iter_mut().enumerate() {
            if mine[e] {
                std::mem::swap(&mut self.backbone.elements[e], el);
                self.lora.air.load[e] = other.lora.air.load[e];
                self.lora.downlink_ns[e] = other.lora.downlink_ns[e];
                self.lora.downlink_free[e] = other.lora.downlink_free[e];
            } else if self.split.core[e] {
                // Delivered to a steady sink straight from the other part's gateways.
                let (a, b) = (
                    &mut self.backbone.elements[e].station.stats,
                    &el.station.stats,
                );
                a.arrivals += b.arrivals;
                a.served += b.served;
                a.sojourn_count += b.sojourn_count;
            }
        }
        for (l, link) in other.backbone.links.iter_mut().enumerate() {
            if mine[self.backbone.hops[l].from as usize] {
                std::mem::swap(&mut self.backbone.links[l], link);
            }
        }
        for (a, net) in other.access.iter_mut().enumerate() {
            if other.split.nets[a] {
                std::mem::swap(&mut self.access[a], net);
            }
        }
        self.rec.absorb_part(&mut other.rec, &other.split.nets);
    }

    /// [`City::absorb_access`]'s NB-IoT and LTE-M devices (in `ranges` of sensors),
    /// cells (of the other part's gateways) and counts by coverage level.
    fn absorb_cells(&mut self, other: &mut City, ranges: &[std::ops::Range<usize>]) {
        if other.cell.cells.is_empty() {
            return;
        }
        if self.cell.cells.is_empty() {
            std::mem::swap(&mut self.cell, &mut other.cell);
            return;
        }
        take(&mut self.cell.dev, &mut other.cell.dev, ranges);
        let carriers = self.cell.carriers as usize;
        for (i, cell) in other.cell.cells.iter_mut().enumerate() {
            if other.split.mine[i / carriers] {
                std::mem::swap(&mut self.cell.cells[i], cell);
            }
        }
        for (a, b) in self.cell.levels.iter_mut().zip(&other.cell.levels) {
            a.merge(b);
        }
    }

    /// Takes in the core's part of the run: its counts, and its nodes and the links
    /// leaving them.
    pub fn absorb_core(&mut self, core: City) {
        self.rec.absorb(&core.rec);
        for (a, b) in self.cell.levels.iter_mut().zip(&core.cell.levels) {
            a.merge(b);
        }
        let is_core = &self.split.core;
        for (e, mut el) in core.backbone.elements.into_iter().enumerate() {
            if is_core[e] {
                // The access side delivered to steady sinks at once.
                let mine = &self.backbone.elements[e].station.stats;
                let theirs = &mut el.station.stats;
                theirs.arrivals += mine.arrivals;
                theirs.served += mine.served;
                theirs.sojourn_count += mine.sojourn_count;
                self.backbone.elements[e] = el;
            }
        }
        for (l, link) in core.backbone.links.into_iter().enumerate() {
            if is_core[self.backbone.hops[l].from as usize] {
                self.backbone.links[l] = link;
            }
        }
    }
}

/// Puts `theirs`' entries in `ranges` into `mine` (per-sensor state of another part of a
/// split run). A part whose sensors do not use the state has none: then it takes the
/// other's whole (whose entries beyond its own are as built).
fn take<T>(mine: &mut Vec<T>, theirs: &mut Vec<T>, ranges: &[std::ops::Range<usize>]) {
    if theirs.is_empty() {
        return;
    }
    if mine.is_empty() {
        std::mem::swap(mine, theirs);
        return;
    }
    for r in ranges {
        mine[r.clone()].swap_with_slice(&mut theirs[r.clone()]);
    }
}

//! 802.15.4 mesh access: node queues and the hand-over of packets between nodes.

pub(crate) mod air;
pub(crate) mod control;
pub(crate) mod mac;
pub(crate) mod net;
pub(crate) mod trickle;

use crate::model::*;
use net::MeshAir;
use std::collections::{BTreeMap, VecDeque};

/// A mesh sensor no relay or gateway hears.
pub(crate) const OUT_OF_RANGE: u32 = u32::MAX - 1;
/// The receiver of a broadcast frame (a link status): every node that hears it.
pub(crate) const BROADCAST: u32 = u32::MAX - 2;

/// The mesh channels and what mesh sensors keep between readings, shared by every mesh
/// access network.
pub(crate) struct MeshState {
    /// Frames on the mesh channels.
    pub(crate) air: MeshAir,
    /// Mesh sensors with a reading in their MAC (empty when no class uses a mesh).
    pub(crate) busy: Vec<bool>,
    /// Until when each mesh sensor keeps the interframe space after its last exchange.
    pub(crate) quiet_until: Vec<u64>,
    /// Mesh sensors' parents, valid while their network's route epoch is the one stored.
    pub(crate) parent: Vec<Parent>,
    /// Readings waiting behind the one in a sensor's MAC, by sensor.
    pub(crate) wait: BTreeMap<u32, VecDeque<u32>>,
    /// Where each relay is: its access network and node number there.
    pub(crate) relay_at: Vec<RelayAt>,
}

/// A mesh sensor's parent as last looked up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parent {
    /// The route epoch it was looked up in (`u32::MAX`: never).
    pub(crate) epoch: u32,
    /// The parent node, [`OUT_OF_RANGE`] or [`NONE`] (no route).
    pub(crate) node: u32,
    /// Received power at the parent, dBm.
    pub(crate) rx_dbm: f32,
}

// SAFETY: integers and a float.
unsafe impl crate::model::lazy::Zeroable for Parent {}

/// A relay's place: its access network and node number there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct RelayAt {
    /// Access network index.
    pub(crate) access: u32,
    /// Node number in that mesh.
    pub(crate) node: u32,
}

impl MeshState {
    /// Channels for `networks` access networks and `sensors` sensors, of which those in
    /// `users` use a mesh (none: no per-sensor state).
    pub(crate) fn new(
        networks: usize,
        sensors: usize,
        users: &[std::ops::Range<usize>],
        relay_at: Vec<RelayAt>,
    ) -> Self {
        let n = if users.is_empty() { 0 } else { sensors };
        let never = Parent {
            epoch: u32::MAX,
            node: NONE,
            rx_dbm: 0.0,
        };
        MeshState {
            air: MeshAir::new(networks),
            busy: vec![false; n],
            quiet_until: vec![0; n],
            parent: crate::model::lazy::per_sensor(n, users, never),
            wait: BTreeMap::new(),
            relay_at,
        }
    }
}

/// Position of mesh node `node` of `net` (sensors at `s_pos`).
pub(crate) fn mesh_node_pos(net: &MeshNet, s_pos: &[(f32, f32)], node: u32) -> (f32, f32) {
    let n = net.infra.len() as u32;
    if node < n {
        net.pos[node as usize]
    } else {
        s_pos[(node - n) as usize]
    }
}

impl City {
    /// The mesh (access index) a packet travels on.
    pub(crate) fn mesh_of(&self, pkt: u32) -> usize {
        self.classes[self.packets[pkt].class as usize].access
    }

    /// Position of mesh node `node` of `net`.
    pub(crate) fn mesh_pos(&self, net: &MeshNet, node: u32) -> (f32, f32) {
        mesh_node_pos(net, &self.sensors.pos, node)
    }

    /// Until when mesh node `node` of mesh `a` keeps its interframe space.
    pub(crate) fn quiet_until(&mut self, a: usize, node: u32) -> &mut u64 {
        let net = self.access[a].mesh_mut();
        let n = net.infra.len() as u32;
        if node < n {
            &mut net.quiet_until[node as usize]
        } else {
            &mut self.mesh.quiet_until[(node - n) as usize]
        }
    }

    /// Whether relay or gateway `node` of mesh `a` is up.
    pub(crate) fn mesh_up(&self, a: usize, node: u32) -> bool {
        let net = self.access[a].mesh();
        match net.infra.get(node as usize) {
            Some(Infra::Relay(_)) => net.down[node as usize] == 0,
            Some(Infra::Gateway(e)) => self.backbone.elements[*e as usize].down == 0,
            None => true,
        }
    }

    /// A packet reaches mesh node `node` to be sent on: into its MAC now, or behind
    /// the packet already there. A relay whose queue is full makes room by dropping
    /// the newest waiting frame of a lower priority, as every queue does; a sensor's
    /// own readings wait in order.
    pub(crate) fn mesh_enqueue<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let prio = self.packets[pkt].prio;
        let measured = now >= self.warmup;
        let net = self.access[a].mesh_mut();
        let n = net.infra.len() as u32;
        let cap = net.cfg.queue as usize;
        if node < n {
            let i = node as usize;
            let full = net.busy[i] && net.queue[i].len() >= cap;
            // A full queue takes the frame in the place of a lower-priority one.
            let evicted = if full {
                net.queue[i].evict_below(prio)
            } else {
                None
            };
            let refused = full && evicted.is_none();
            let st = &mut net.stats[i];
            if measured && !self.packets[pkt].is_control() {
                st.received += 1;
                st.overflow += u64::from(full);
            }
            if !refused {
                // Held once it is in: the one being sent and those waiting.
                let held = net.queue[i].len() as u32 + u32::from(net.busy[i]) + 1;
                st.peak = st.peak.max(held);
            }
            if !net.busy[i] {
                net.busy[i] = true;
                self.mac_start(a, node, pkt, 0, sched);
                return;
            }
            if refused {
                if self.packets[pkt].is_control() {
                    // A link status that finds the queue full of control frames: skipped.
                    self.packets.free(pkt);
                } else {
                    self.drop_packet(pkt, DropCause::QueueOverflow, now);
                }
                return;
            }
            net.queue[i].push(pkt, prio);
            if let Some(old) = evicted {
                self.drop_packet(old, DropCause::QueueOverflow, now);
            }
            return;
        }
        let s = node - n;
        let busy = &mut self.mesh.busy[s as usize];
        if !*busy {
            *busy = true;
            self.mac_start(a, node, pkt, 0, sched);
            return;
        }
        let wait = self.mesh.wait.entry(s).or_default();
        if wait.len() >= cap {
            if wait.is_empty() {
                self.mesh.wait.remove(&s);
            }
            self.drop_packet(pkt, DropCause::QueueOverflow, now);
        } else {
            wait.push_back(pkt);
        }
    }

    /// Mesh node `node` is done with its packet: the next one waiting enters the MAC.
    pub(crate) fn mesh_next<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let net = self.access[a].mesh_mut();
        let n = net.infra.len() as u32;
        let next = if node < n {
            let q = net.queue[node as usize].pop();
            if q.is_none() {
                net.busy[node as usize] = false;
            }
            q
        } else {
            let s = node - n;
            let q = match self.mesh.wait.get_mut(&s) {
                Some(w) => {
                    let q = w.pop_front();
                    if w.is_empty() {
                        self.mesh.wait.remove(&s);
                    }
                    q
                }
                None => None,
            };
            if q.is_none() {
                self.mesh.busy[s as usize] = false;
            }
            q
        };
        if let Some(pkt) = next {
            self.mac_start(a, node, pkt, 0, sched);
        }
    }
}

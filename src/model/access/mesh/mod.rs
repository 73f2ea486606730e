//! 802.15.4 mesh access: node queues and the hand-over of packets between nodes.

pub(crate) mod mac;
pub(crate) mod net;

use crate::model::*;

/// A mesh sensor no relay or gateway hears.
pub(crate) const OUT_OF_RANGE: u32 = u32::MAX - 1;

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
        mesh_node_pos(net, &self.s_pos, node)
    }

    /// Whether relay or gateway `node` of mesh `a` is up.
    pub(crate) fn mesh_up(&self, a: usize, node: u32) -> bool {
        let net = self.mesh[a].as_ref().expect("a mesh");
        match net.infra.get(node as usize) {
            Some(Infra::Relay(_)) => net.down[node as usize] == 0,
            Some(Infra::Gateway(e)) => self.elements[*e as usize].down == 0,
            None => true,
        }
    }

    /// A packet reaches mesh node `node` to be sent on: into its MAC now, or behind
    /// the packet already there.
    pub(crate) fn mesh_enqueue<Q: EventQueue<Event>>(
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
    pub(crate) fn mesh_next<Q: EventQueue<Event>>(
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
}

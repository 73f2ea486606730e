//! Routing control traffic: every router and border gateway of a mesh broadcasts a link
//! status (Zigbee's NWK command, with its neighbours' link costs) every `link_status`,
//! from a random phase. Each is a frame like any other: it waits in the node's queue
//! (ahead of readings), contends for the channel with CSMA/CA, collides with and
//! corrupts what it overlaps, and is acknowledged by nobody.

use crate::model::access::mesh::air::Hearer;
use crate::model::*;
use crate::scenario::{Control, MeshCfg};
use rand::Rng;

/// Bytes of a link status command above the network's headers: the command id and
/// options (2 B), then 3 B per neighbour (its short address and link costs), as many as
/// fit in one frame (Zigbee specification 05-3474, 3.4.13).
fn link_status_bytes(neighbours: u32, overhead: u32) -> u32 {
    let room = (MeshCfg::MAX_FRAME.saturating_sub(overhead + 2)) / 3;
    2 + 3 * neighbours.min(room)
}

impl City {
    /// The first link status of every router and border gateway of every mesh whose
    /// readings need it (a mesh no class uses stays quiet), each at a random phase.
    pub(crate) fn link_status_starts(&self) -> Vec<(u64, Event)> {
        let mut out = Vec::new();
        for (a, acc) in self.access.iter().enumerate() {
            let AccessKind::Mesh(net) = &acc.kind else {
                continue;
            };
            let Control::LinkStatus { period_ns: period } = net.cfg.control else {
                continue;
            };
            if period == 0 || !self.split.runs_net(a) || !self.classes.iter().any(|c| c.access == a)
            {
                continue;
            }
            for node in 0..net.infra.len() as u32 {
                let id = Ns::MeshMac.id(((a as u64) << 40) | (1 << 39) | u64::from(node));
                let at = self.seeds.stream(id).random_range(0..period);
                out.push((
                    at,
                    Event::MeshLinkStatus {
                        node,
                        access: a as u16,
                    },
                ));
            }
        }
        out
    }

    /// Node `node` of mesh `a` broadcasts its link status (when it is up), and sets the
    /// next one a period later.
    pub(crate) fn link_status<Q: EventQueue<Event>>(
        &mut self,
        a: u16,
        node: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let a = a as usize;
        let net = self.access[a].mesh();
        let Control::LinkStatus { period_ns: period } = net.cfg.control else {
            return;
        };
        sched.schedule_in(
            SimTime(period),
            Event::MeshLinkStatus {
                node,
                access: a as u16,
            },
        );
        if !self.mesh_up(a, node) {
            return;
        }
        let bytes = link_status_bytes(net.neighbours(node as usize), net.cfg.overhead_bytes);
        self.control_frame(a, node, bytes, now, sched);
    }

    /// Node `node` of mesh `a` queues a control broadcast of `bytes` above the
    /// network's headers.
    pub(crate) fn control_frame<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        bytes: u32,
        now: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        // A control frame belongs to no sensor: it takes the first class on its mesh
        // (so that the mesh is found from it) and is never counted.
        let Some(class) = self.classes.iter().position(|c| c.access == a) else {
            return;
        };
        let first = self
            .sensors
            .class_end
            .get(class.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let mut p = Packet::new(now, bytes, first, class as u16, false, 0);
        p.role = Role::Control;
        let pkt = self.packets.insert(p);
        self.mesh_enqueue(a, node, pkt, sched);
    }

    /// A control broadcast from `node` has ended at `now`: counted, heard by the
    /// `hearers` it reached (a DIO's routers), and the node moves on to what waits.
    pub(crate) fn control_sent<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        (node, pkt, bytes): (u32, u32, u32),
        hearers: &[Hearer],
        now: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        self.dio_heard(a, pkt, bytes, hearers);
        self.packets.free(pkt);
        if now >= self.warmup {
            self.access[a].mesh_mut().stats[node as usize].control += 1;
        }
        // The interframe space after a frame that needs no acknowledgement.
        *self.quiet_until(a, node) = now + mesh::ifs_ns(bytes);
        self.mesh_next(a, node, sched);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_status_carries_three_bytes_a_neighbour_within_one_frame() {
        assert_eq!(link_status_bytes(0, 51), 2);
        assert_eq!(link_status_bytes(5, 51), 17);
        // 133 - 51 - 2 = 80 bytes of room: 26 neighbours at most.
        assert_eq!(link_status_bytes(40, 51), 2 + 3 * 26);
    }
}

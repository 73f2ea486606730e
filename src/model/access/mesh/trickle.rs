//! RPL's routing control traffic: every router and border gateway (the DODAG root)
//! multicasts DIOs on a trickle timer (RFC 6206, as RFC 6550 8.3 configures it).
//!
//! Each interval of length I begins with a counter c = 0 and a point t drawn uniformly
//! from [I/2, I). Every consistent DIO the node hears increments c. At t the node sends
//! its DIO unless c has reached the redundancy constant k (k = 0: always sends). At the
//! interval's end I doubles, up to Imax = Imin x 2^doublings. An inconsistency (its next
//! hop changed as the mesh healed, or it came back up) resets I to Imin when it was
//! larger. A DIO is a frame like any other: it queues ahead of readings, contends with
//! CSMA/CA, collides, and is heard by each neighbouring router where it arrives intact.

use crate::model::access::mesh::air::Hearer;
use crate::model::*;
use crate::scenario::{Control, Trickle};
use rand::Rng;

/// Bytes of a DIO above the network's headers: the ICMPv6 header (4 B, RFC 4443), the
/// DIO base object (24 B, RFC 6550 6.3.1) and a DODAG Configuration option (16 B, RFC
/// 6550 6.7.6).
pub(crate) const DIO_BYTES: u32 = 4 + 24 + 16;

/// A router's trickle timer.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TrickleState {
    /// The current interval's length, ns.
    pub i_ns: u64,
    /// When the current interval began, ns.
    pub start: u64,
    /// Consistent DIOs heard in the current interval.
    pub c: u32,
    /// Bumped at each reset: events of an earlier interval are stale.
    pub gen: u16,
}

impl City {
    /// The trickle parameters of mesh `a` (None: it does not run RPL).
    fn trickle_cfg(&self, a: usize) -> Option<Trickle> {
        match self.access[a].mesh().cfg.control {
            Control::Rpl(t) => Some(t),
            Control::LinkStatus { .. } => None,
        }
    }

    /// Every router and border gateway of every RPL mesh whose readings need it starts
    /// its trickle timer at Imin, at time 0.
    pub(crate) fn trickle_starts(&mut self) -> Vec<(u64, Event)> {
        let mut out = Vec::new();
        for a in 0..self.access.len() {
            let AccessKind::Mesh(net) = &self.access[a].kind else {
                continue;
            };
            let n = net.infra.len() as u32;
            let ran = self.split.runs_net(a) && self.classes.iter().any(|c| c.access == a);
            if self.trickle_cfg(a).is_none() || !ran {
                continue;
            }
            out.extend((0..n).filter_map(|node| self.trickle_reset(a, node, true, 0)));
        }
        out
    }

    /// Resets `node`'s timer to Imin at `now` and starts an interval, when its
    /// interval is longer than Imin or `always`: the event to schedule.
    fn trickle_reset(
        &mut self,
        a: usize,
        node: u32,
        always: bool,
        now: u64,
    ) -> Option<(u64, Event)> {
        let cfg = self.trickle_cfg(a)?;
        let st = &mut self.access[a].mesh_mut().trickle[node as usize];
        if !always && st.i_ns <= cfg.imin_ns {
            return None;
        }
        st.i_ns = cfg.imin_ns;
        st.gen = st.gen.wrapping_add(1);
        Some(self.trickle_interval(a, node, now))
    }

    /// A new interval from `now`: c = 0, and its point t drawn from [I/2, I), the
    /// event to schedule.
    fn trickle_interval(&mut self, a: usize, node: u32, now: u64) -> (u64, Event) {
        let id = Ns::MeshMac.id(((a as u64) << 40) | (1 << 38) | u64::from(node));
        let mut rng = self.seeds.sub(id, now);
        let st = &mut self.access[a].mesh_mut().trickle[node as usize];
        st.start = now;
        st.c = 0;
        let half = st.i_ns / 2;
        let t = half + rng.random_range(0..(st.i_ns - half).max(1));
        (
            now + t,
            Event::MeshTrickle {
                node,
                access: a as u16,
                gen: st.gen,
                fire: true,
            },
        )
    }

    /// `node`'s trickle timer reaches its point t (`fire`: send unless suppressed, then
    /// wait for the interval's end) or its interval's end (double I, start the next).
    /// Events of an interval cut short by a reset are ignored.
    pub(crate) fn trickle<Q: EventQueue<Event>>(
        &mut self,
        (a, node): (u16, u32),
        (gen, fire): (u16, bool),
        sched: &mut Scheduler<Event, Q>,
    ) {
        let a = a as usize;
        let Some(cfg) = self.trickle_cfg(a) else {
            return;
        };
        let now = sched.now().0;
        let warm = now >= self.warmup;
        let st = self.access[a].mesh().trickle[node as usize];
        if st.gen != gen {
            return;
        }
        if !fire {
            let imax = cfg.imin_ns.saturating_mul(1u64 << cfg.doublings.min(40));
            self.access[a].mesh_mut().trickle[node as usize].i_ns = (st.i_ns * 2).min(imax);
            let (at, e) = self.trickle_interval(a, node, now);
            sched.schedule_at(SimTime(at), e);
            return;
        }
        sched.schedule_at(
            SimTime(st.start + st.i_ns),
            Event::MeshTrickle {
                node,
                access: a as u16,
                gen,
                fire: false,
            },
        );
        if !self.mesh_up(a, node) {
            return;
        }
        if cfg.k > 0 && st.c >= cfg.k {
            if warm {
                self.access[a].mesh_mut().stats[node as usize].suppressed += 1;
            }
            return;
        }
        self.control_frame(a, node, DIO_BYTES, now, sched);
    }

    /// The neighbouring routers and border gateways a DIO from `node` at `me` is meant
    /// for, with the power it arrives with at each.
    pub(crate) fn dio_hearers(&self, a: usize, node: u32, me: (f32, f32)) -> Vec<Hearer> {
        let net = self.access[a].mesh();
        net.links(node as usize)
            .iter()
            .map(|&(b, _)| {
                let pos = net.pos[b as usize];
                Hearer {
                    node: b,
                    pos,
                    signal: net.rx_dbm(self.seeds, (node, me), (b, pos)) as f32,
                    ok: true,
                }
            })
            .collect()
    }

    /// A DIO ended: each router it reached intact (not corrupted there, up, and spared
    /// by the link's bit errors) counts it as consistent.
    pub(crate) fn dio_heard(&mut self, a: usize, pkt: u32, bytes: u32, hearers: &[Hearer]) {
        let noise = self.access[a].mesh().cfg.noise_floor_dbm;
        for h in hearers.iter().filter(|h| h.ok) {
            if !self.mesh_up(a, h.node) {
                continue;
            }
            let snr = f64::from(h.signal) - noise;
            let prr = self.access[a].mesh().frame_prr(snr, bytes);
            if self.mac_stream(a, h.node, pkt, 1).random::<f64>() < prr {
                self.access[a].mesh_mut().trickle[h.node as usize].c += 1;
            }
        }
    }

    /// The routers whose routes changed (or which came back) since the last call reset
    /// their trickle timers: an inconsistency (RFC 6550 8.3).
    pub(crate) fn trickle_resets<Q: EventQueue<Event>>(&mut self, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        for a in 0..self.access.len() {
            let AccessKind::Mesh(net) = &mut self.access[a].kind else {
                continue;
            };
            let changed = std::mem::take(&mut net.inconsistent);
            if self.split.runs_net(a) && self.classes.iter().any(|c| c.access == a) {
                for node in changed {
                    if let Some((at, e)) = self.trickle_reset(a, node, false, now) {
                        sched.schedule_at(SimTime(at), e);
                    }
                }
            }
        }
    }
}

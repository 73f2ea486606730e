//! Unslotted CSMA/CA with acknowledgements and retries on a mesh.

use crate::model::access::mesh::{Parent, BROADCAST};
use crate::model::*;
use crate::scenario::Control;
use rand::Rng;

impl City {
    /// The random draws of `pkt`'s MAC at `node` (backoffs, `what` = 0; reception, 1).
    pub(crate) fn mac_stream(&self, a: usize, node: u32, pkt: u32, what: u64) -> Stream {
        self.mesh_stream(Ns::MeshMac, a, node, pkt, what)
    }

    /// `pkt`'s draws of kind `ns` at mesh node `node`, keyed by its sensor, when it was
    /// taken, and its backoffs and tries so far.
    fn mesh_stream(&self, ns: Ns, a: usize, node: u32, pkt: u32, what: u64) -> Stream {
        let p = &self.packets[pkt];
        self.seeds.sub(
            ns.id(((a as u64) << 40) | u64::from(node)),
            p.created
                ^ self.sensors.key(p.sensor as usize).rotate_left(20)
                ^ (u64::from(p.nb) << 52)
                ^ (u64::from(p.tries) << 56)
                ^ (what << 63),
        )
    }

    /// Unslotted CSMA/CA begins (after `delay` ns, and not before the node's interframe
    /// space has passed): NB = 0, BE = macMinBE, a random backoff of 0..2^BE - 1 unit
    /// periods, then a clear-channel assessment.
    pub(crate) fn mac_start<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        delay: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let min_be = self.access[a].mesh().cfg.min_be;
        let now = sched.now().0;
        let delay = delay.max(self.quiet_until(a, node).saturating_sub(now));
        let p = &mut self.packets[pkt];
        p.nb = 0;
        p.be = min_be;
        self.mac_backoff(a, node, pkt, delay, sched);
    }

    pub(crate) fn mac_backoff<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        delay: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let be = self.packets[pkt].be;
        let slots = self.mac_stream(a, node, pkt, 0).random_range(0..1u64 << be);
        // It listens through the backoff and the assessment.
        self.mesh_charge(a, node, 0, slots * mesh::UNIT_BACKOFF_NS + mesh::CCA_NS);
        sched.schedule_in(
            SimTime(delay + slots * mesh::UNIT_BACKOFF_NS + mesh::CCA_NS),
            Event::MeshCca { node, pkt },
        );
    }

    /// Drops the packet `node` is sending and lets the next one in.
    pub(crate) fn mesh_give_up<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        cause: DropCause,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if self.packets[pkt].is_echo() || self.packets[pkt].is_control() {
            // Its reading was delivered (or it is no reading): the sender only stops.
            self.release_echo(pkt);
        } else {
            self.drop_packet(pkt, cause, now);
        }
        self.mesh_next(a, node, sched);
    }

    /// The clear-channel assessment ends: send (after the turnaround) when the channel
    /// was idle, else back off again with a larger exponent, up to macMaxCSMABackoffs.
    pub(crate) fn mesh_cca<Q: EventQueue<Event>>(
        &mut self,
        node: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let a = self.mesh_of(pkt);
        let seeds = self.seeds;
        if !self.mesh_up(a, node) {
            self.mesh_give_up(a, node, pkt, DropCause::NodeDown, sched);
            return;
        }
        let me = self.mesh_pos(self.access[a].mesh(), node);
        let hop = if self.packets[pkt].is_control() {
            Ok((BROADCAST, 0.0))
        } else {
            self.mesh_hop(a, node, me)
        };
        let (to, signal) = match hop {
            Ok(hop) => hop,
            Err(cause) => {
                self.mesh_give_up(a, node, pkt, cause, sched);
                return;
            }
        };
        let net = self.access[a].mesh();
        let cfg = net.cfg;
        if self.mesh.air.busy(net, seeds, node, me, now) {
            let p = &mut self.packets[pkt];
            p.nb += 1;
            p.be = (p.be + 1).min(cfg.max_be);
            let (class, counted, nb) = (p.class, p.counts(), p.nb);
            if counted {
                self.rec.flows[class as usize].busy_cca += 1;
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
        self.mesh_charge(a, node, MeshNet::frame_ns(bytes), mesh::TURNAROUND_NS);
        self.infra_sent(a, node, MeshNet::frame_ns(bytes), now);
        let net = self.access[a].mesh();
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
        // An RPL DIO's reception by each neighbouring router is followed (trickle).
        let hearers = match (to, net.cfg.control) {
            (BROADCAST, Control::Rpl(_)) => self.dio_hearers(a, node, me),
            _ => Vec::new(),
        };
        let s_pos = &self.sensors.pos;
        let id = self
            .mesh
            .air
            .start_heard(net, seeds, (frame, hearers), |x| {
                mesh_node_pos(net, s_pos, x)
            });
        sched.schedule_at(SimTime(frame.end), Event::MeshEnd { frame: id });
    }

    /// Where mesh node `node` at `me` sends its packet, and the power it arrives with:
    /// a relay's next hop, or a sensor's parent (looked up again only when the routes
    /// changed or the sensor moves).
    fn mesh_hop(&mut self, a: usize, node: u32, me: (f32, f32)) -> Result<(u32, f64), DropCause> {
        let net = self.access[a].mesh();
        let n = net.infra.len() as u32;
        if node < n {
            let to = net.next[node as usize];
            if to == NONE {
                return Err(DropCause::NoRoute);
            }
            return Ok((
                to,
                net.rx_dbm(self.seeds, (node, me), (to, net.pos[to as usize])),
            ));
        }
        let s = (node - n) as usize;
        let moves = self.classes[self.class_of(s) as usize].mobility.is_some();
        let (cached, epoch) = (self.mesh.parent[s], net.epoch);
        let (parent, rx) = if cached.epoch == epoch && !moves {
            (cached.node, f64::from(cached.rx_dbm))
        } else {
            let net = self.access[a].mesh_mut();
            let (p, rx) = net.parent(self.seeds, s, me).unwrap_or((OUT_OF_RANGE, 0.0));
            self.mesh.parent[s] = Parent {
                epoch,
                node: p,
                rx_dbm: rx as f32,
            };
            (p, rx)
        };
        match parent {
            OUT_OF_RANGE => Err(DropCause::BelowSensitivity),
            NONE => Err(DropCause::NoRoute),
            p => Ok((p, rx)),
        }
    }

    /// A mesh frame ends. Data received intact (no collision, the link's bit errors
    /// spared it, the receiver up) is acknowledged after the turnaround; otherwise the
    /// sender waits macAckWaitDuration and retries, up to macMaxFrameRetries. When the
    /// acknowledgement ends, the packet belongs to the receiver.
    pub(crate) fn mesh_end<Q: EventQueue<Event>>(
        &mut self,
        id: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let (f, hearers) = self.mesh.air.end(id);
        let a = f.access as usize;
        let seeds = self.seeds;
        if f.ack {
            self.mesh_acked(a, &f, sched);
            return;
        }
        if f.receiver == BROADCAST {
            // Routing control: heard by whoever heard it, acknowledged by nobody.
            self.control_sent(a, (f.sender, f.pkt, f.bytes), &hearers, now, sched);
            return;
        }
        let net = self.access[a].mesh();
        let snr = f64::from(f.signal) - net.cfg.noise_floor_dbm;
        let up = self.mesh_up(a, f.receiver);
        let intact = f.ok
            && up
            && self.mac_stream(a, f.sender, f.pkt, 1).random::<f64>() < net.frame_prr(snr, f.bytes);
        if intact {
            let p = self.packets[f.pkt];
            if p.is_echo() && p.counts() {
                // Seen before (its sequence number): acknowledged again, not taken on.
                self.rec.flows[p.class as usize].duplicates += 1;
            }
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
            let s_pos = &self.sensors.pos;
            let id = self
                .mesh
                .air
                .start(net, seeds, ack, |x| mesh_node_pos(net, s_pos, x));
            sched.schedule_at(SimTime(ack.end), Event::MeshEnd { frame: id });
            self.infra_sent(a, f.receiver, ack.end - ack.start, now);
            return;
        }
        // The sender listened for the acknowledgement until macAckWaitDuration.
        self.mesh_charge(a, f.sender, 0, mesh::ACK_WAIT_NS);
        let cause = if !up {
            DropCause::NodeDown
        } else if f.ok {
            DropCause::LinkLoss
        } else {
            DropCause::Interference
        };
        self.mesh_retry(a, f.sender, f.pkt, mesh::ACK_WAIT_NS, cause, sched);
    }

    /// A mesh sensor's battery pays for `tx_ns` sending and `rx_ns` listening (relays
    /// and gateways are mains-powered).
    fn mesh_charge(&mut self, a: usize, node: u32, tx_ns: u64, rx_ns: u64) {
        let n = self.access[a].mesh().infra.len() as u32;
        if node >= n {
            self.charge_radio(
                (node - n) as usize,
                tx_ns as f64 * 1e-9,
                rx_ns as f64 * 1e-9,
            );
        }
    }

    /// A relay or border gateway `node` sends for `ns` from `now`: counted after the
    /// warm-up (its receiver is on the rest of the time it is up).
    fn infra_sent(&mut self, a: usize, node: u32, ns: u64, now: u64) {
        if now >= self.warmup {
            if let Some(st) = self.access[a].mesh_mut().stats.get_mut(node as usize) {
                st.tx_ns += ns;
            }
        }
    }

    /// `node` heard no acknowledgement of `pkt`: it tries again after `delay` (the rest
    /// of macAckWaitDuration), or, past macMaxFrameRetries, gives up for `cause`.
    fn mesh_retry<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        node: u32,
        pkt: u32,
        delay: u64,
        cause: DropCause,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let retries = self.access[a].mesh().cfg.retries;
        let p = &mut self.packets[pkt];
        p.tries += 1;
        if p.tries > retries {
            self.mesh_give_up(a, node, pkt, cause, sched);
            return;
        }
        if p.counts() {
            self.rec.flows[p.class as usize].retransmissions += 1;
        }
        self.mac_start(a, node, pkt, delay, sched);
    }

    /// Whether the data's sender hears acknowledgement `f` intact: not corrupted on
    /// the air, and spared by the link's bit errors (IEEE 802.15.4-2006 E.4.1.8 for its
    /// 11 bytes).
    fn ack_heard(&self, a: usize, f: &MFrame) -> bool {
        let net = self.access[a].mesh();
        let snr = f64::from(f.signal) - net.cfg.noise_floor_dbm;
        f.ok && self
            .mesh_stream(Ns::MeshAck, a, f.receiver, f.pkt, 0)
            .random::<f64>()
            < net.frame_prr(snr, f.bytes)
    }

    /// An acknowledgement ends: the data's receiver (the ACK's sender) takes a reading
    /// on (an echo it already has). When the data's sender hears it, it moves to its
    /// next packet; when the ACK is lost, it retries with an echo of what it sent, which
    /// the receiver will suppress as a duplicate.
    fn mesh_acked<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        f: &MFrame,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let (receiver, sender, pkt) = (f.sender, f.receiver, f.pkt);
        // The ACK's sender keeps a short interframe space after it; the data's sender
        // one after the ACK as long as the data frame asks for (7.5.1.3).
        let data = self.packets[pkt].bytes + self.access[a].mesh().cfg.overhead_bytes;
        *self.quiet_until(a, receiver) = now + mesh::ifs_ns(mesh::ACK_BYTES);
        *self.quiet_until(a, sender) = now + mesh::ifs_ns(data);
        let heard = self.ack_heard(a, f);
        // The data's sender listened from its frame's end: to the ACK's end when it
        // heard it, else until macAckWaitDuration.
        let data_end = f.start - mesh::TURNAROUND_NS;
        let listened = if heard {
            f.end - data_end
        } else {
            mesh::ACK_WAIT_NS
        };
        self.mesh_charge(a, sender, 0, listened);
        let sent = self.packets[pkt];
        if sent.is_echo() {
            if heard {
                self.release_echo(pkt);
                self.mesh_next(a, sender, sched);
            } else {
                self.ack_lost(a, sender, pkt, f, sched);
            }
            return;
        }
        self.hand_over(a, receiver, sender, pkt, sched);
        if heard {
            self.mesh_next(a, sender, sched);
        } else {
            let echo = self.alloc(Packet {
                counted: false,
                role: Role::Echo {
                    of_counted: sent.counted,
                },
                ..sent
            });
            self.ack_lost(a, sender, echo, f, sched);
        }
    }

    /// The sender of `pkt` missed acknowledgement `f`: it retries once
    /// macAckWaitDuration has passed since its frame ended.
    fn ack_lost<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        sender: u32,
        pkt: u32,
        f: &MFrame,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let data_end = f.start - mesh::TURNAROUND_NS;
        let delay = (data_end + mesh::ACK_WAIT_NS).saturating_sub(now);
        let cause = if f.ok {
            DropCause::LinkLoss
        } else {
            DropCause::Interference
        };
        self.mesh_retry(a, sender, pkt, delay, cause, sched);
    }

    /// The data's receiver takes reading `pkt` on: into the backbone at a gateway, into
    /// a relay's queue, or lost when the relay went down.
    fn hand_over<Q: EventQueue<Event>>(
        &mut self,
        a: usize,
        receiver: u32,
        sender: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        self.packets[pkt].tries = 0;
        if now >= self.warmup {
            if let Some(st) = self.access[a].mesh_mut().stats.get_mut(sender as usize) {
                st.forwarded += 1;
            }
        }
        let net = self.access[a].mesh();
        match net.infra.get(receiver as usize).copied() {
            Some(Infra::Gateway(e)) => {
                let d = self.access[a]
                    .latency
                    .sample(&mut self.backbone.e_rng[e as usize]);
                self.packets[pkt].arrived = now;
                sched.schedule_in(SimTime(d), Event::Arrive { elem: e, pkt });
            }
            Some(Infra::Relay(_)) if self.mesh_up(a, receiver) => {
                self.mesh_enqueue(a, receiver, pkt, sched);
            }
            _ => self.drop_packet(pkt, DropCause::NodeDown, now),
        }
    }
}

//! The backbone: gateways and nodes (queueing stations) joined by links, with routes to the sinks.

use super::*;
use rand::Rng;

pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) group: String,
    pub(crate) position: Option<(f64, f64)>,
    pub(crate) sink: bool,
    pub(crate) service: Option<Sampler>,
    pub(crate) next: u32,
    pub(crate) sensors: u64,
    pub(crate) station: Station,
    /// Outages in force (a fault can overlap another).
    pub(crate) down: u16,
    /// A cellular gateway's transfer slots.
    pub(crate) cell: Option<Station>,
    /// LoRa acknowledgements sent.
    pub(crate) downlinks: u64,
}

pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) group: String,
    pub(crate) to: u32,
    pub(crate) latency: Sampler,
    pub(crate) ns_per_byte: Option<f64>,
    pub(crate) loss: f64,
    pub(crate) station: Station,
    pub(crate) down: u16,
}

pub(crate) fn ns_per_byte(bps: f64) -> f64 {
    8e9 / bps
}

/// Gateways and nodes (the elements: gateways first, then nodes) joined by link
/// instances, with the random streams of each and the topology routes are computed on.
pub(crate) struct Backbone {
    pub(crate) elements: Vec<Element>,
    /// Each element's stream: service times, and the access latency of readings it
    /// receives.
    pub(crate) e_rng: Vec<Stream>,
    pub(crate) links: Vec<Link>,
    /// Each link's stream: latencies and losses.
    pub(crate) l_rng: Vec<Stream>,
    /// The topology (one hop per link instance), for routes recomputed when something
    /// fails.
    pub(crate) hops: Vec<Hop>,
}

impl Backbone {
    /// Next hops over the elements and links that are up.
    pub(crate) fn reroute(&mut self) {
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
    }

    /// Whether element `e` delivers what reaches it (it is up and is a sink or has a
    /// route to one).
    pub(crate) fn delivers(&self, e: u32) -> bool {
        let el = &self.elements[e as usize];
        el.down == 0 && (el.next != NONE || el.sink)
    }
}

impl City {
    /// Routes over what is up at `now`: the backbone's, then each mesh's.
    pub(crate) fn reroute(&mut self, now: u64) {
        self.backbone.reroute();
        let backbone = &self.backbone;
        let warmup = self.warmup;
        for net in self.access.iter_mut().filter_map(AccessNet::as_mesh_mut) {
            net.reroute(|e| backbone.delivers(e), (now, warmup));
        }
    }

    pub(crate) fn arrive<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if self.backbone.elements[e as usize].down > 0 {
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        let el = &mut self.backbone.elements[e as usize];
        if el.sink {
            if now >= self.warmup {
                el.station.stats.arrivals += 1;
                el.station.stats.served += 1;
                el.station.stats.sojourn_count += 1;
            }
            let p = self.release(pkt);
            self.rec.delivered(&p, now);
            if p.counted && !self.cell.dev.is_empty() && self.classes[p.class as usize].radio_cell {
                self.cell_delivered(p.be, now - p.created);
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
                let d = service.sample(&mut self.backbone.e_rng[e as usize]);
                sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt });
            }
            Admit::Queued => {}
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    pub(crate) fn served<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let el = &mut self.backbone.elements[e as usize];
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
            let d = service.sample(&mut self.backbone.e_rng[e as usize]);
            sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt: next });
        }
        self.forward(e, pkt, sched);
    }

    #[inline]
    pub(crate) fn forward<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let l = self.backbone.elements[e as usize].next;
        if l == NONE {
            self.drop_packet(pkt, DropCause::NoRoute, now);
            return;
        }
        let link = &mut self.backbone.links[l as usize];
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

    pub(crate) fn sent<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let link = &mut self.backbone.links[l as usize];
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
    pub(crate) fn propagate<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let link = &self.backbone.links[l as usize];
        let rng = &mut self.backbone.l_rng[l as usize];
        if link.loss > 0.0 && rng.random::<f64>() < link.loss {
            self.drop_packet(pkt, DropCause::LinkLoss, sched.now().0);
            return;
        }
        let d = link.latency.sample(rng);
        sched.schedule_in(SimTime(d), Event::Arrive { elem: link.to, pkt });
    }
}

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

impl Link {
    /// An instance of link `cfg` named `name`, to element `to`.
    pub(crate) fn new(name: String, to: u32, cfg: &crate::scenario::LinkCfg) -> Link {
        Link {
            name,
            group: cfg.name.clone(),
            to,
            latency: Sampler::new(&cfg.latency),
            ns_per_byte: cfg.bandwidth_bps.map(ns_per_byte),
            loss: cfg.loss,
            station: Station::new(1, cfg.queue),
            down: 0,
        }
    }
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
    /// The end of the run, ns: a reading due at a steady sink by then is delivered
    /// without an event.
    pub(crate) end: u64,
    /// No element or link fails or comes back before this time, ns (the earliest
    /// change any fault of theirs has pending): until then nothing can intervene on a
    /// reading's way, and routes stay as they are.
    pub(crate) calm_until: u64,
    /// Whether readings may go ahead of the clock where nothing can intervene (false:
    /// every hop is an event, the reference the shortcuts are tested against).
    pub(crate) shortcuts: bool,
}

impl Backbone {
    /// Whether nothing can intervene on a reading's way up to `at`: the shortcuts are
    /// on, `at` is within the run, and no element or link changes before.
    #[inline]
    fn calm(&self, at: u64) -> bool {
        self.calm_window().contains(&at)
    }

    /// The times [`Backbone::calm`] holds for (an empty range with the shortcuts off).
    #[inline]
    fn calm_window(&self) -> std::ops::Range<u64> {
        let upto = if self.shortcuts {
            self.calm_until.min(self.end.saturating_add(1))
        } else {
            0
        };
        0..upto
    }

    /// Whether a reading that element `e` starts serving now and finishes at `at` can
    /// go on its way now, as of `at`: nothing can fail or reroute meanwhile (see
    /// [`Backbone::calm`]), `e` has one server (its readings leave in the order they start), and its link will be idle
    /// then with nothing waiting, so that every later use of the link comes after.
    fn can_go_ahead(&self, e: u32, at: u64) -> bool {
        let el = &self.elements[e as usize];
        if !(self.calm(at) && el.station.servers == 1) {
            return false;
        }
        let Some(link) = self.links.get(el.next as usize) else {
            return false;
        };
        link.ns_per_byte.is_none() || link.station.idle_at(at)
    }
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
            self.reach_sink(e, pkt, now);
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
        el.station.settle(now, self.warmup);
        match el.station.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = service.sample(&mut self.backbone.e_rng[e as usize]);
                if self.backbone.can_go_ahead(e, now + d) {
                    self.backbone.elements[e as usize]
                        .station
                        .go_ahead(now, now + d);
                    self.forward_at(e, pkt, now + d, sched);
                } else {
                    sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt });
                }
            }
            Admit::Queued => {
                if let Some(until) = el.station.park() {
                    // It waits behind a reading that has no event: the station needs
                    // one when that reading's service ends, to start the next.
                    sched.schedule_at(SimTime(until), Event::ElemFree { elem: e });
                }
            }
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    /// A station's reading that went ahead ends its service with another waiting: the
    /// station counts it served (it is on its way already) and starts the next.
    pub(crate) fn elem_free<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let el = &mut self.backbone.elements[e as usize];
        if let Some(next) = el.station.unpark(now, self.warmup) {
            self.serve_next(e, next, sched);
        }
    }

    /// Element `e` starts serving `next` (taken from its queue): its service ends
    /// with an event.
    fn serve_next<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        next: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let service = self.backbone.elements[e as usize]
            .service
            .as_ref()
            .expect("a served element has a service time");
        let d = service.sample(&mut self.backbone.e_rng[e as usize]);
        sched.schedule_in(SimTime(d), Event::Served { elem: e, pkt: next });
    }

    /// Reading `pkt` reaches sink `e` (up) at `at`: delivered.
    fn reach_sink(&mut self, e: u32, pkt: u32, at: u64) {
        let el = &mut self.backbone.elements[e as usize];
        if at >= self.warmup {
            el.station.stats.arrivals += 1;
            el.station.stats.served += 1;
            el.station.stats.sojourn_count += 1;
        }
        let p = self.release(pkt);
        self.rec.delivered(&p, at);
        if p.counted && self.classes[p.class as usize].radio_cell {
            self.cell_delivered(p.be, at - p.created);
        }
    }

    /// Reading `pkt` will reach the far end `e` of link `l` at `at`: an event (or, from a
    /// gateway to a node, an arrival: see `split`), unless `e` is a steady sink and `at`
    /// within the run, where nothing can happen to it on the way: then it is delivered
    /// now, as of `at` (one event fewer per reading, the same results).
    #[inline]
    fn arrive_at<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        at: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let e = self.backbone.links[l as usize].to;
        let el = &self.backbone.elements[e as usize];
        if el.sink && el.down == 0 && self.backbone.calm(at) {
            self.reach_sink(e, pkt, at);
        } else if !self.hands_over(l, e, pkt, at) {
            sched.schedule_at(SimTime(at), Event::Arrive { elem: e, pkt });
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
            self.serve_next(e, next, sched);
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
        self.forward_at(e, pkt, now, sched);
    }

    /// Element `e` hands `pkt` to its link at `now` (the present, or a time ahead when
    /// nothing can happen on the way: see [`Backbone::can_go_ahead`]).
    #[inline]
    fn forward_at<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        now: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let l = self.backbone.elements[e as usize].next;
        if l == NONE {
            self.drop_packet(pkt, DropCause::NoRoute, now);
            return;
        }
        let calm = self.backbone.calm_window();
        let link = &mut self.backbone.links[l as usize];
        let Some(npb) = link.ns_per_byte else {
            if now >= self.warmup {
                link.station.stats.arrivals += 1;
                link.station.stats.served += 1;
                link.station.stats.sojourn_count += 1;
            }
            self.propagate_at(l, pkt, now, sched);
            return;
        };
        self.packets[pkt].arrived = now;
        let prio = self.packets[pkt].prio;
        link.station.settle(now, self.warmup);
        match link.station.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = crate::units::round_u64(self.packets[pkt].bytes as f64 * npb);
                if calm.contains(&(now + d)) {
                    // Nothing can stop it: it goes on its way as of its frame's end.
                    link.station.go_ahead(now, now + d);
                    self.propagate_at(l, pkt, now + d, sched);
                } else {
                    sched.schedule_at(SimTime(now + d), Event::Sent { link: l, pkt });
                }
            }
            Admit::Queued => {
                if let Some(until) = link.station.park() {
                    // It waits behind a frame that has no event: the link needs one at
                    // that frame's end to start the next.
                    sched.schedule_at(SimTime(until), Event::LinkFree { link: l });
                }
            }
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
            self.send_next(l, next, sched);
        }
        self.propagate(l, pkt, sched);
    }

    /// A link's frame that went ahead ends with a frame waiting behind it: the link
    /// settles it and starts the next.
    pub(crate) fn link_free<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let link = &mut self.backbone.links[l as usize];
        // The frame that ended is on its way already: the link only counts it served.
        if let Some(next) = link.station.unpark(now, self.warmup) {
            self.send_next(l, next, sched);
        }
    }

    /// Link `l` starts sending `next` (taken from its queue): its frame ends with an
    /// event.
    fn send_next<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        next: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let npb = self.backbone.links[l as usize]
            .ns_per_byte
            .expect("a transmitting link has a bandwidth");
        let d = crate::units::round_u64(self.packets[next].bytes as f64 * npb);
        sched.schedule_in(SimTime(d), Event::Sent { link: l, pkt: next });
    }

    #[inline]
    pub(crate) fn propagate<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        self.propagate_at(l, pkt, now, sched);
    }

    /// `pkt` leaves link `l` at `at` (now or later): lost on the way, or due at the
    /// link's far end after its latency.
    #[inline]
    fn propagate_at<Q: EventQueue<Event>>(
        &mut self,
        l: u32,
        pkt: u32,
        at: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let link = &self.backbone.links[l as usize];
        let rng = &mut self.backbone.l_rng[l as usize];
        if link.loss > 0.0 && rng.random::<f64>() < link.loss {
            self.drop_packet(pkt, DropCause::LinkLoss, at);
            return;
        }
        let d = link.latency.sample(rng);
        self.arrive_at(l, pkt, at + d, sched);
    }
}

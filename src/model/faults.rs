//! Faults: scheduled and random outages of gateways, nodes, links, relays and sensor classes.

use super::*;

/// What a fault takes down.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Down {
    /// A gateway or node.
    Element,
    /// A link instance.
    Link,
    /// Every sensor of a class.
    Class,
    /// A mesh relay.
    Relay,
}

/// One element a fault applies to, with its schedule.
pub(crate) struct FaultRt {
    pub(crate) when: FaultWhen,
    /// Element, link, class or relay index.
    pub(crate) target: u32,
    pub(crate) kind: Down,
    /// Down-up cycles so far (numbers the random draws).
    pub(crate) cycles: u64,
    /// When its next change is due, ns (`u64::MAX`: none).
    pub(crate) next_change: u64,
}

/// The faults of a run and the sensor-class outages in force.
pub(crate) struct Faults {
    /// One entry per (fault, target).
    pub(crate) list: Vec<FaultRt>,
    /// Outages in force per sensor class.
    pub(crate) class_down: Vec<u16>,
}

/// One more outage in force (`down`), or one fewer.
fn count_outage(counter: &mut u16, down: bool) {
    if down {
        *counter += 1;
    } else {
        *counter = counter.saturating_sub(1);
    }
}

impl City {
    /// Time to the next failure (`up`) or repair of fault `f`, ns.
    pub(crate) fn fault_draw(&mut self, f: usize, up: bool) -> u64 {
        let FaultWhen::Random { up: ttf, down: ttr } = &self.faults.list[f].when else {
            unreachable!("only random faults draw")
        };
        let cycle = self.faults.list[f].cycles;
        let mut rng = self
            .seeds
            .sub(Ns::Fault.id(f as u64), cycle * 2 + u64::from(!up));
        Sampler::new(if up { ttf } else { ttr })
            .sample(&mut rng)
            .max(1)
    }

    /// An element, link, relay or class goes down or comes back; routes are recomputed
    /// and the fault's next change is scheduled.
    pub(crate) fn fault<Q: EventQueue<Event>>(
        &mut self,
        f: u32,
        down: bool,
        sched: &mut Scheduler<Event, Q>,
    ) {
        self.replays_shared();
        let now = sched.now().0;
        let fu = f as usize;
        let (target, kind) = (
            self.faults.list[fu].target as usize,
            self.faults.list[fu].kind,
        );
        match kind {
            Down::Link => {
                self.backbone.links[target].station.settle(now, self.warmup);
                count_outage(&mut self.backbone.links[target].down, down);
                if down {
                    let lost = st_drain(&mut self.backbone.links[target].station, now, self.warmup);
                    self.lose_waiting_at(lost, now);
                }
            }
            Down::Element => {
                self.backbone.elements[target]
                    .station
                    .settle(now, self.warmup);
                count_outage(&mut self.backbone.elements[target].down, down);
                if down {
                    self.lora.air.gateway_down(target as u32);
                    let lost = st_drain(
                        &mut self.backbone.elements[target].station,
                        now,
                        self.warmup,
                    );
                    self.lose_waiting_at(lost, now);
                }
            }
            Down::Class => count_outage(&mut self.faults.class_down[target], down),
            Down::Relay => self.relay_fault(target, down, now),
        }
        self.reroute(now);
        self.trickle_resets(sched);
        self.schedule_fault_change(fu, down, sched);
    }

    /// What waited at a station that went down is lost with it (what is in service is
    /// lost when done).
    fn lose_waiting_at(&mut self, lost: Vec<u32>, now: u64) {
        for pkt in lost {
            self.drop_packet(pkt, DropCause::NodeDown, now);
        }
    }

    /// Relay `r` goes down (its queue is lost) or comes back.
    fn relay_fault(&mut self, r: usize, down: bool, now: u64) {
        let at = self.mesh.relay_at[r];
        let net = self.access[at.access as usize].mesh_mut();
        let i = at.node as usize;
        if down {
            let lost: Vec<u32> = net.queue[i].drain();
            net.down[i] += 1;
            net.stats[i].went_down(true, now, self.warmup);
            self.lose_waiting_at(lost, now);
        } else {
            net.down[i] = net.down[i].saturating_sub(1);
            let up = net.down[i] == 0;
            net.stats[i].went_down(!up, now, self.warmup);
        }
    }

    /// Schedules fault `f`'s next change after it went down (`down`) or came back.
    fn schedule_fault_change<Q: EventQueue<Event>>(
        &mut self,
        f: usize,
        down: bool,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let fault = f as u32;
        let now = sched.now().0;
        self.faults.list[f].next_change = u64::MAX;
        match self.faults.list[f].when {
            FaultWhen::Scheduled { duration_ns, .. } => {
                if down {
                    self.faults.list[f].next_change = now + duration_ns;
                    sched.schedule_in(SimTime(duration_ns), Event::FaultUp { fault });
                }
            }
            FaultWhen::Random { .. } => {
                if !down {
                    self.faults.list[f].cycles += 1;
                }
                let d = self.fault_draw(f, !down);
                let event = if down {
                    Event::FaultUp { fault }
                } else {
                    Event::FaultDown { fault }
                };
                self.faults.list[f].next_change = now + d;
                sched.schedule_in(SimTime(d), event);
            }
        }
        self.calm_down();
    }

    /// The backbone is calm until the earliest change an element's or link's fault has
    /// pending.
    pub(crate) fn calm_down(&mut self) {
        self.backbone.calm_until = self
            .faults
            .list
            .iter()
            .filter(|f| matches!(f.kind, Down::Element | Down::Link))
            .map(|f| f.next_change)
            .min()
            .unwrap_or(u64::MAX);
    }
}

/// Closes a station's books at `now` and empties its waiting room.
fn st_drain(station: &mut Station, now: u64, warmup: u64) -> Vec<u32> {
    station.integrate(now, warmup);
    station.queue.drain()
}

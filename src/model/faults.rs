//! Faults: scheduled and random outages of gateways, nodes, links, relays and sensor classes.

use super::*;

/// What a fault takes down.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Down {
    Element,
    Link,
    Class,
    Relay,
}

/// One element a fault applies to, with its schedule.
pub(crate) struct FaultRt {
    pub(crate) when: FaultWhen,
    /// Element, link or class index.
    pub(crate) target: u32,
    pub(crate) kind: Down,
    /// Down-up cycles so far (numbers the random draws).
    pub(crate) cycles: u64,
}

impl City {
    /// Time to the next failure (`up`) or repair of fault `f`, ns.
    pub(crate) fn fault_draw(&mut self, f: usize, up: bool) -> u64 {
        let FaultWhen::Random { up: ttf, down: ttr } = &self.faults[f].when else {
            unreachable!("only random faults draw")
        };
        let cycle = self.faults[f].cycles;
        let mut rng = substream(
            self.seed,
            self.replication,
            Ns::Fault.id(f as u64),
            cycle * 2 + u64::from(!up),
        );
        Sampler::new(if up { ttf } else { ttr })
            .sample(&mut rng)
            .max(1)
    }

    /// An element or link goes down or comes back; routes are recomputed.
    pub(crate) fn fault<Q: EventQueue<Event>>(
        &mut self,
        f: u32,
        down: bool,
        sched: &mut Scheduler<Event, Q>,
    ) {
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
}

//! Direct and cellular access: one hop from the sensor to the gateway it is attached to
//! (re-attached to the nearest one up when that one is down).

use crate::model::*;
use rand::Rng;

impl City {
    /// A reading crosses a direct or cellular access hop to its gateway `gw`: lost with
    /// the access's loss probability, else after the hop's latency and serialisation (a
    /// cell: after the wake-up, into the cell's transfer slots).
    pub(crate) fn hop_reading<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        gw: u32,
        (class, counted, prio): (u16, bool, u8),
        rng: &mut Stream,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if gw == NONE {
            self.rec
                .drop((s, class, prio), counted, DropCause::NoRoute, now);
            return;
        }
        let mut gw = gw;
        if self.backbone.elements[gw as usize].down > 0 {
            // Its gateway is down: the nearest one that is up and in range, if any.
            let access = self.classes[class as usize].access;
            match self.reattach(s as usize, access) {
                Some(g) => gw = g,
                None => {
                    self.rec
                        .drop((s, class, prio), counted, DropCause::NodeDown, now);
                    return;
                }
            }
        }
        let c = &self.classes[class as usize];
        let (payload, access) = (c.payload, &self.access[c.access]);
        if access.loss > 0.0 && rng.random::<f64>() < access.loss {
            self.rec
                .drop((s, class, prio), counted, DropCause::LinkLoss, now);
            return;
        }
        if let AccessKind::RadioCell(_) = access.kind {
            self.cell_wake((s, gw), (class, counted, prio), sched);
            return;
        }
        let (delay, cellular) = match access.kind {
            AccessKind::Cellular { wake_ns, .. } => (wake_ns, true),
            AccessKind::Direct { ns_per_byte } => (
                access.latency.sample(rng) + crate::units::round_u64(payload as f64 * ns_per_byte),
                false,
            ),
            AccessKind::Lora(_) | AccessKind::Mesh(_) | AccessKind::RadioCell(_) => {
                unreachable!("LoRa and mesh readings take their own MAC")
            }
        };
        let pkt = self.alloc(Packet::new(now, payload, s, class, counted, prio));
        let event = if cellular {
            Event::CellArrive { elem: gw, pkt }
        } else {
            Event::Arrive { elem: gw, pkt }
        };
        sched.schedule_in(SimTime(delay), event);
    }
}

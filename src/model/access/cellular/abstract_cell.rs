//! The abstract cell: a wake-up, then a transfer slot of the cell.

use crate::model::*;

impl City {
    /// The transfer time of `pkt` in its class's cellular access, ns.
    pub(crate) fn cell_transfer_ns(&self, pkt: u32) -> u64 {
        let p = &self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        match self.access[access].kind {
            AccessKind::Cellular { ns_per_byte, .. } => {
                crate::units::round_u64(p.bytes as f64 * ns_per_byte)
            }
            _ => unreachable!("only cellular readings reach a cell"),
        }
    }

    pub(crate) fn cell_arrive<Q: EventQueue<Event>>(
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
        self.packets[pkt].arrived = now;
        let prio = self.packets[pkt].prio;
        let Some(cell) = self.backbone.elements[e as usize].cell.as_mut() else {
            unreachable!("cellular readings go to gateways of a cellular access")
        };
        match cell.admit(pkt, prio, now, self.warmup) {
            Admit::Serve => {
                let d = self.cell_transfer_ns(pkt);
                sched.schedule_in(SimTime(d), Event::CellDone { elem: e, pkt });
            }
            Admit::Queued => {}
            Admit::Evicted(old) => self.drop_packet(old, DropCause::QueueOverflow, now),
            Admit::Refused => self.drop_packet(pkt, DropCause::QueueOverflow, now),
        }
    }

    pub(crate) fn cell_done<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let arrived = self.packets[pkt].arrived;
        let Some(cell) = self.backbone.elements[e as usize].cell.as_mut() else {
            unreachable!("cellular readings go to gateways of a cellular access")
        };
        if let Some(next) = cell.depart(arrived, now, self.warmup) {
            let d = self.cell_transfer_ns(next);
            sched.schedule_in(SimTime(d), Event::CellDone { elem: e, pkt: next });
        }
        let class = self.packets[pkt].class;
        let access = self.classes[class as usize].access;
        let d = self.access[access]
            .latency
            .sample(&mut self.backbone.e_rng[e as usize]);
        sched.schedule_in(SimTime(d), Event::Arrive { elem: e, pkt });
    }
}

//! NB-IoT and LTE-M uplink: the carrier's units, shared by connected devices in order of
//! arrival. A transfer's end is known when it starts, so units come back lazily (when
//! the next device asks, or at the one wake-up a waiting device needs): a reading whose
//! transfer finds units free costs no event until it reaches the gateway.

use super::*;
use std::cmp::Reverse;

impl City {
    /// A connected reading asks its cell `c` for uplink units: served at once when some
    /// are free and nobody waits, else queued by priority; a full queue takes it in the
    /// place of a lower-priority reading, or loses it.
    pub(crate) fn radio_cell_arrive<Q: EventQueue<Event>>(
        &mut self,
        c: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        if self.backbone.elements[(c / self.cell.carriers) as usize].down > 0 {
            self.cell_give_up(pkt, now);
            return self.cell_drop(pkt, DropCause::NodeDown, now);
        }
        let (cap, prio) = (
            self.cell_net(self.packets[pkt].class).queue,
            self.packets[pkt].prio,
        );
        let cell = self.cell_mut(c);
        cell.reclaim(now);
        cell.stats.connected += 1;
        cell.stats.connected_peak = cell.stats.connected_peak.max(cell.stats.connected);
        if cell.waiting.len() == 0 && cell.free > 0 {
            self.cell_start(c, pkt, sched);
            return;
        }
        if cap.is_none_or(|q| cell.waiting.len() < q as usize) {
            cell.waiting.push(pkt, prio);
            self.cell_wake_up(c, sched);
            return;
        }
        // Full: it takes the place of a lower-priority reading, or is lost itself.
        let lost = match cell.waiting.evict_below(prio) {
            Some(old) => {
                cell.waiting.push(pkt, prio);
                old
            }
            None => pkt,
        };
        self.cell_mut(c).stats.connected -= 1;
        self.cell_give_up(lost, now);
        self.cell_drop(lost, DropCause::QueueOverflow, now);
    }

    /// Starts the transfer of `pkt` on the units it gets: its level's allocation, or
    /// the largest allocation of that kind the free units allow (the scheduler gives a
    /// device fewer tones or PRBs rather than none; its blocks take longer). The
    /// device is released when it ends, and the reading goes on to the gateway after
    /// the access latency.
    fn cell_start<Q: EventQueue<Event>>(
        &mut self,
        c: u32,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let p = &self.packets[pkt];
        let (class, level, bytes, counted) = (p.class, p.be as usize, p.bytes, p.counted);
        let net = self.cell_net(class);
        let mut lv = net.radio.levels[level];
        lv.units = phy::allocation(net.kind, lv.units, self.cell_ref(c).free);
        let (ns, _) = phy::transfer(net.kind, &lv, bytes);
        let cell = self.cell_mut(c);
        cell.free -= lv.units;
        cell.ends.push(Reverse((now + ns, lv.units)));
        if counted {
            cell.stats.unit_ns += u128::from(lv.units) * u128::from(ns);
        }
        let s = self.packets[pkt].sensor as usize;
        self.cell_charge(s, class, ns as f64 * 1e-9, 0.0);
        self.cell_release(pkt, now + ns);
        let access = self.classes[class as usize].access;
        let elem = c / self.cell.carriers;
        let d = self.access[access]
            .latency
            .sample(&mut self.backbone.e_rng[elem as usize]);
        sched.schedule_in(SimTime(ns + d), Event::Arrive { elem, pkt });
    }

    /// Cell `c`'s earliest transfer has ended: its units serve the readings waiting, in
    /// order, while any are free.
    pub(crate) fn cell_units_free<Q: EventQueue<Event>>(
        &mut self,
        c: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let cell = self.cell_mut(c);
        cell.wake_pending = false;
        cell.reclaim(now);
        while self.cell_ref(c).free > 0 {
            let Some(next) = self.cell_mut(c).waiting.pop() else {
                break;
            };
            self.cell_start(c, next, sched);
        }
        if self.cell_ref(c).waiting.len() > 0 {
            self.cell_wake_up(c, sched);
        }
    }

    /// Makes sure cell `c` wakes when its earliest transfer ends (a device waits).
    fn cell_wake_up<Q: EventQueue<Event>>(&mut self, c: u32, sched: &mut Scheduler<Event, Q>) {
        let now = sched.now().0;
        let cell = self.cell_mut(c);
        if cell.wake_pending {
            return;
        }
        if let Some(&Reverse((end, _))) = cell.ends.peek() {
            cell.wake_pending = true;
            sched.schedule_in(
                SimTime(end.saturating_sub(now)),
                Event::UnitsFree { cell: c },
            );
        }
    }
}

impl RadioCell {
    /// Takes back the units of every transfer that has ended by `now`.
    pub(crate) fn reclaim(&mut self, now: u64) {
        while let Some(&Reverse((end, units))) = self.ends.peek() {
            if end > now {
                break;
            }
            self.ends.pop();
            self.free += units;
            self.stats.connected -= 1;
        }
    }
}

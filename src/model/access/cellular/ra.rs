//! NB-IoT and LTE-M random access: a device sends a preamble, drawn uniformly from its
//! level's, at the level's next opportunity; the preambles two or more devices sent
//! at the same opportunity collide and none of them is answered. A failed device backs
//! off (uniformly up to the backoff indicator), moves to the next level after
//! `attempts_per_level` failures, and gives up after `preamble_trans_max`.

use super::*;
use rand::Rng;

/// The first opportunity of period `period` at or after `t`, ns (opportunities fall on
/// multiples of the period).
#[inline]
pub(crate) fn next_opportunity(t: u64, period: u64) -> u64 {
    t.div_ceil(period) * period
}

impl City {
    /// `pkt` attempts random access at cell `e` at the first opportunity of its level
    /// at or after `t`: it draws its preamble, and the device transmits it (charged).
    pub(crate) fn ra_join<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        t: u64,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let (class, level) = (self.packets[pkt].class, self.packets[pkt].be);
        let net = self.cell_net(class);
        let lv = net.radio.levels[level as usize];
        let preamble_ns = u64::from(lv.ra_repetitions) * crate::scenario::preamble_ns(net.kind);
        let at = next_opportunity(t, lv.ra_period_ns);
        let elem = (e / self.cell.carriers) as usize;
        let preamble = self.backbone.e_rng[elem].random_range(0..lv.preambles) as u16;
        let p = &mut self.packets[pkt];
        p.tries = p.tries.saturating_add(1);
        p.nb = p.nb.saturating_add(1);
        let (s, counted) = (p.sensor as usize, p.counted);
        self.cell_charge(s, class, preamble_ns as f64 * 1e-9, 0.0);
        let bucket = self.cell_bucket(at);
        let cell = self.cell_mut(e);
        if counted {
            cell.stats.attempts[level as usize] += 1;
            cell.stats.series[bucket].0 += 1;
        }
        // Opportunities in time order; a new attempt is almost always for the latest.
        let q = &mut cell.ra[level as usize];
        let i = match q.iter().rposition(|o| o.0 <= at) {
            Some(i) if q[i].0 == at => i,
            found => {
                let i = found.map_or(0, |i| i + 1);
                q.insert(i, (at, cell.spare.pop().unwrap_or_default()));
                i
            }
        };
        let list = &mut q[i].1;
        list.push((pkt, preamble));
        if list.len() == 1 {
            let now = sched.now().0;
            let event = Event::RaSlot { cell: e, level };
            sched.schedule_in(SimTime(at + preamble_ns - now), event);
        }
    }

    /// The time-series bucket of time `t`.
    fn cell_bucket(&self, t: u64) -> usize {
        let b = (t.saturating_sub(self.warmup) / self.cell.bucket_ns.max(1)) as usize;
        b.min(self.cell.buckets.saturating_sub(1))
    }

    /// The preambles of cell `e`'s earliest pending opportunity at `level` have been
    /// sent: each device alone on its preamble connects (after the setup), the others
    /// back off and try again, or give up.
    pub(crate) fn ra_slot<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        level: u8,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let Some((_, mut list)) = self.cell_mut(e).ra[level as usize].pop_front() else {
            unreachable!("an opportunity's slot follows its first attempt")
        };
        let down = self.backbone.elements[(e / self.cell.carriers) as usize].down > 0;
        // By preamble, then by device: the order the cell answers in depends on the
        // devices alone, not on where their readings are kept (a stable sort keeps the
        // order of attempts of any one device).
        let packets = &self.packets;
        list.sort_by_key(|&(pkt, pre)| (pre, packets[pkt].sensor));
        for i in 0..list.len() {
            let (pkt, pre) = list[i];
            let alone =
                (i == 0 || list[i - 1].1 != pre) && list.get(i + 1).is_none_or(|n| n.1 != pre);
            if down {
                self.cell_give_up(pkt, now);
                self.cell_drop(pkt, DropCause::NodeDown, now);
            } else if alone {
                self.ra_won(e, pkt, level, sched);
            } else {
                self.ra_lost(e, pkt, level, sched);
            }
        }
        list.clear();
        self.cell_mut(e).spare.push(list);
    }

    /// `pkt`'s preamble was heard: the connection is set up (the device listening),
    /// then it asks for uplink units.
    fn ra_won<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        level: u8,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let (class, s) = (self.packets[pkt].class, self.packets[pkt].sensor as usize);
        let setup = self.cell_net(class).radio.levels[level as usize].setup_ns;
        if self.packets[pkt].counted {
            let now = sched.now().0;
            let b = self.cell_bucket(now);
            self.cell_mut(e).stats.series[b].1 += 1;
        }
        self.packets[pkt].be = level;
        self.cell_charge(s, class, 0.0, setup as f64 * 1e-9);
        sched.schedule_in(SimTime(setup), Event::RadioSetUp { cell: e, pkt });
    }

    /// `pkt`'s preamble collided: the device listened for a response that did not come
    /// (its level's period), and backs off; after its level's attempts it moves to the
    /// next level; after `preamble_trans_max` the reading is lost.
    fn ra_lost<Q: EventQueue<Event>>(
        &mut self,
        e: u32,
        pkt: u32,
        level: u8,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let (class, s) = (self.packets[pkt].class, self.packets[pkt].sensor as usize);
        let radio = &self.cell_net(class).radio;
        let (window, backoff) = (radio.levels[level as usize].ra_period_ns, radio.backoff_ns);
        let (max, per_level) = (radio.preamble_trans_max, radio.attempts_per_level);
        if self.packets[pkt].counted {
            self.cell_mut(e).stats.collisions[level as usize] += 1;
        }
        self.cell_charge(s, class, 0.0, window as f64 * 1e-9);
        let p = &mut self.packets[pkt];
        if u32::from(p.tries) >= max {
            if p.counted {
                self.cell_mut(e).stats.ra_failed += 1;
            }
            self.cell_give_up(pkt, now);
            self.cell_drop(pkt, DropCause::RandomAccess, now);
            return;
        }
        if u32::from(p.nb) >= per_level && (p.be as usize) < LEVELS - 1 {
            p.be += 1;
            p.nb = 0;
        }
        let elem = (e / self.cell.carriers) as usize;
        let wait = self.backbone.e_rng[elem].random_range(0..=backoff);
        self.ra_join(e, pkt, now + window + wait, sched);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opportunities_fall_on_multiples_of_the_period() {
        assert_eq!(next_opportunity(0, 40), 0);
        assert_eq!(next_opportunity(1, 40), 40);
        assert_eq!(next_opportunity(40, 40), 40);
        assert_eq!(next_opportunity(41, 40), 80);
    }
}

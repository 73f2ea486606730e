//! Queueing stations: parallel servers and a waiting room served in strict priority order.

use crate::metrics::QueueStats;
use std::collections::VecDeque;

/// A waiting room with strict priority: one FIFO lane per priority, highest first.
#[derive(Default)]
pub(crate) struct PrioQueue {
    pub(crate) lanes: [VecDeque<u32>; 3],
    pub(crate) len: usize,
}

impl PrioQueue {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn push(&mut self, pkt: u32, prio: u8) {
        self.lanes[prio as usize].push_back(pkt);
        self.len += 1;
    }

    /// The oldest packet of the highest priority waiting.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<u32> {
        for lane in &mut self.lanes {
            if let Some(p) = lane.pop_front() {
                self.len -= 1;
                return Some(p);
            }
        }
        None
    }

    /// Takes out the newest packet of the lowest priority below `prio`, if any.
    pub(crate) fn evict_below(&mut self, prio: u8) -> Option<u32> {
        for lane in self.lanes[prio as usize + 1..].iter_mut().rev() {
            if let Some(p) = lane.pop_back() {
                self.len -= 1;
                return Some(p);
            }
        }
        None
    }

    /// Empties it, highest priority first.
    pub(crate) fn drain(&mut self) -> Vec<u32> {
        self.len = 0;
        self.lanes.iter_mut().flat_map(|l| l.drain(..)).collect()
    }
}

/// What a station does with an arriving packet.
pub(crate) enum Admit {
    /// A server takes it now.
    Serve,
    /// It waits.
    Queued,
    /// It waits, in the place of this lower-priority packet, which is lost.
    Evicted(u32),
    /// The waiting room is full (of packets of its priority or higher).
    Refused,
}

/// A queueing station: `servers` parallel servers and a waiting room served in strict
/// priority order (FIFO within a priority).
pub(crate) struct Station {
    pub(crate) servers: u32,
    pub(crate) busy: u32,
    pub(crate) cap: u32,
    pub(crate) queue: PrioQueue,
    pub(crate) last_change: u64,
    pub(crate) stats: QueueStats,
    /// A packet that went on its way when its service began, with no event for its
    /// end: `(arrived, until)`; nothing waits behind it.
    ahead: Option<(u64, u64)>,
    /// When the packet arrived whose end a pending event will settle ([`Station::park`]).
    parked: u64,
}

impl Station {
    pub(crate) fn new(servers: u32, cap: Option<u32>) -> Station {
        Station {
            servers,
            busy: 0,
            cap: cap.unwrap_or(u32::MAX),
            queue: PrioQueue::default(),
            last_change: 0,
            stats: QueueStats::default(),
            ahead: None,
            parked: 0,
        }
    }

    /// The packet that arrived at `arrived` is in service until `until` and went on
    /// its way already: no event will mark its end.
    pub(crate) fn go_ahead(&mut self, arrived: u64, until: u64) {
        self.ahead = Some((arrived, until));
    }

    /// Settles the service of a packet that went ahead, if it ended by `now`.
    pub(crate) fn settle(&mut self, now: u64, warmup: u64) {
        if let Some((arrived, until)) = self.ahead.filter(|a| a.1 <= now) {
            self.ahead = None;
            let next = self.depart(arrived, until, warmup);
            debug_assert!(
                next.is_none(),
                "nothing waits behind a packet that went ahead"
            );
        }
    }

    /// A packet now waits behind one that went ahead: that one's end needs an event,
    /// at the time returned (None: none went ahead). [`Station::unpark`] ends it.
    pub(crate) fn park(&mut self) -> Option<u64> {
        let (arrived, until) = self.ahead.take()?;
        self.parked = arrived;
        Some(until)
    }

    /// The parked packet's service ends at `now`: returns the next packet to serve.
    pub(crate) fn unpark(&mut self, now: u64, warmup: u64) -> Option<u32> {
        self.depart(self.parked, now, warmup)
    }

    /// Whether a packet arriving at `at` would find a server free, as far as is known
    /// now (the one that went ahead has ended by then).
    pub(crate) fn idle_at(&self, at: u64) -> bool {
        self.busy == 0 || self.ahead.is_some_and(|a| a.1 <= at && self.busy == 1)
    }

    /// Accumulates the time integrals up to `now` (only the part after the warm-up).
    #[inline]
    pub(crate) fn integrate(&mut self, now: u64, warmup: u64) {
        let from = self.last_change.max(warmup);
        if now > from {
            let dt = (now - from) as f64;
            self.stats.area_in_system += (self.busy as usize + self.queue.len()) as f64 * dt;
            self.stats.area_busy += self.busy as f64 * dt;
        }
        self.last_change = now;
    }

    /// Admits a packet of priority `prio`. When the waiting room is full, a waiting
    /// packet of lower priority (the newest of the lowest) makes room for it.
    #[inline]
    pub(crate) fn admit(&mut self, pkt: u32, prio: u8, now: u64, warmup: u64) -> Admit {
        self.integrate(now, warmup);
        let measured = now >= warmup;
        if measured {
            self.stats.arrivals += 1;
        }
        if self.busy < self.servers {
            self.busy += 1;
            Admit::Serve
        } else if (self.queue.len() as u64) < u64::from(self.cap) {
            self.queue.push(pkt, prio);
            self.stats.peak_queue = self.stats.peak_queue.max(self.queue.len() as u32);
            Admit::Queued
        } else {
            if measured {
                self.stats.overflow += 1;
            }
            match self.queue.evict_below(prio) {
                Some(old) => {
                    self.queue.push(pkt, prio);
                    Admit::Evicted(old)
                }
                None => Admit::Refused,
            }
        }
    }

    /// A server finished `arrived_at`'s packet; returns the next packet to serve.
    #[inline]
    pub(crate) fn depart(&mut self, arrived_at: u64, now: u64, warmup: u64) -> Option<u32> {
        self.integrate(now, warmup);
        if arrived_at >= warmup {
            self.stats.served += 1;
            self.stats.sojourn_sum_ns += u128::from(now - arrived_at);
            self.stats.sojourn_count += 1;
        }
        match self.queue.pop() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_that_went_ahead_is_settled_as_its_event_would_have_been() {
        // One server: a packet arrives at 10 and is served until 30 without an event.
        let (mut a, mut b) = (Station::new(1, Some(4)), Station::new(1, Some(4)));
        for s in [&mut a, &mut b] {
            assert!(matches!(s.admit(1, 0, 10, 0), Admit::Serve));
        }
        a.go_ahead(10, 30);
        // Not ended by 20: nothing to settle, the server is busy until 30.
        a.settle(20, 0);
        assert!(!a.idle_at(25) && a.idle_at(30));
        // A packet comes at 40: the first is settled at 30 first, as `b`'s event does.
        a.settle(40, 0);
        assert_eq!(b.depart(10, 30, 0), None);
        for s in [&mut a, &mut b] {
            assert!(matches!(s.admit(2, 0, 40, 0), Admit::Serve));
        }
        // The second goes ahead until 70; a third comes at 50 and waits: the end of
        // the second needs an event at 70 (park), which starts the third.
        a.go_ahead(40, 70);
        for s in [&mut a, &mut b] {
            assert!(matches!(s.admit(3, 0, 50, 0), Admit::Queued));
        }
        assert_eq!(a.park(), Some(70));
        assert_eq!(a.park(), None);
        assert_eq!(a.unpark(70, 0), Some(3));
        assert_eq!(b.depart(40, 70, 0), Some(3));
        for s in [&mut a, &mut b] {
            assert_eq!(s.depart(50, 90, 0), None);
            s.integrate(100, 0);
        }
        let (x, y) = (&a.stats, &b.stats);
        assert_eq!((x.served, x.sojourn_sum_ns), (y.served, y.sojourn_sum_ns));
        assert_eq!(
            (x.area_busy, x.area_in_system),
            (y.area_busy, y.area_in_system)
        );
        assert_eq!(x.served, 3);
    }
}

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
        }
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

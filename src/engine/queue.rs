//! Event queues ordered by (time, sequence): FIFO among events at the same instant.
//!
//! [`BinaryQueue`] is the simple reference. [`RadixQueue`] is a monotone radix heap:
//! simulation time never goes back, so keys only need to be compared with the last key
//! popped, and each event moves between at most 128 buckets over its life. Measured on
//! the city model (`citysim bench --queue`), it keeps its speed with millions of pending
//! events, where the binary heap's cache misses dominate. The two are checked against
//! each other on long random operation sequences (see the tests below).

use super::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A priority queue of events keyed by time, FIFO among equal times.
///
/// Queues are monotone: pushing an event earlier than the last one popped is a bug in
/// the caller and panics.
pub trait EventQueue<E> {
    /// Adds an event at `time`.
    fn push(&mut self, time: SimTime, event: E);
    /// Removes the earliest event (the first pushed among equal times).
    fn pop(&mut self) -> Option<(SimTime, E)>;
    /// Removes the earliest event if it is due by `horizon`, leaving the queue as it was
    /// otherwise: events may then still be pushed at any time from the last one popped.
    fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)>;
    /// Number of pending events.
    fn len(&self) -> usize;
    /// Visits every pending event, in no particular order (end-of-run accounting).
    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E));
    /// The event `k` places after the next one, where the queue knows it without work
    /// (None otherwise): a hint of what comes, for [`crate::engine::Model::prefetch`].
    #[inline]
    fn ahead(&self, _k: usize) -> Option<&E> {
        None
    }
    /// True when no event is pending.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct HeapEntry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for HeapEntry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for HeapEntry<E> {}
impl<E> PartialOrd for HeapEntry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for HeapEntry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// The reference queue: `std::collections::BinaryHeap` on (time, sequence).
pub struct BinaryQueue<E> {
    heap: BinaryHeap<HeapEntry<E>>,
    seq: u64,
    last: u64,
}

impl<E> Default for BinaryQueue<E> {
    fn default() -> Self {
        BinaryQueue {
            heap: BinaryHeap::new(),
            seq: 0,
            last: 0,
        }
    }
}

impl<E> EventQueue<E> for BinaryQueue<E> {
    fn push(&mut self, time: SimTime, event: E) {
        assert!(
            time.0 >= self.last,
            "event scheduled at {} ns, before the last event popped ({} ns)",
            time.0,
            self.last
        );
        self.heap.push(HeapEntry {
            time: time.0,
            seq: self.seq,
            event,
        });
        self.seq += 1;
    }

    fn pop(&mut self) -> Option<(SimTime, E)> {
        let e = self.heap.pop()?;
        self.last = e.time;
        Some((SimTime(e.time), e.event))
    }

    fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        if self.heap.peek()?.time > horizon.0 {
            return None;
        }
        self.pop()
    }

    fn len(&self) -> usize {
        self.heap.len()
    }

    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E)) {
        for e in self.heap.iter() {
            f(SimTime(e.time), &e.event);
        }
    }
}

/// A monotone radix heap over event times, with a sorted run of the next few events.
///
/// Bucket `b` (1 to 64) holds events whose time's highest bit differing from `base`
/// (the least time when the run was last refilled) is bit `b - 1`. Popping takes the
/// first event of `run`, a short list of the next events sorted by (time, push order).
/// When `run` is empty, the lowest non-empty bucket is taken: a small one is sorted into
/// `run` whole (one move per event), a large one redistributed around its least time,
/// which becomes `base`, its events at that time going to `run` and the others to lower
/// buckets. An event pushed no later than `run`'s last joins `run` in its place (after
/// those of its time), any other is filed in its bucket: every bucketed event is then
/// later than every event of `run`. A run grown to `RUN_CAP` (64) events goes back to the
/// buckets whole, in order. Events of one time always share a bucket and keep their
/// push order through every redistribution and sort (a bucket is only refilled after
/// every lower one emptied, and the sort is stable), so the order is exactly (time,
/// push order), as [`BinaryQueue`]'s. Keys are the 8-byte time alone. Buckets keep
/// their capacity, so a warmed-up queue does not allocate.
pub struct RadixQueue<E> {
    run: std::collections::VecDeque<(u64, E)>,
    buckets: Vec<Vec<(u64, E)>>,
    /// Each bucket's least time (`u64::MAX` when empty), kept as events are filed, so
    /// that a redistribution knows its new `base` without a pass over the bucket.
    mins: [u64; 65],
    /// Bit b set when bucket b is non-empty.
    nonempty: u128,
    /// The time buckets are filed around: the least time when the run was last
    /// refilled (no later than any pending event; it only moves when the run and every
    /// bucket below the one taken are empty, as a radix heap needs).
    base: u64,
    /// The time of the last event popped.
    last: u64,
    len: usize,
}

/// Bucket capacity (entries) above which a drained bucket gives its memory back.
const SHRINK_ABOVE: usize = 4096;

/// Buckets of at most this many events are sorted into the run whole.
const SORT_UP_TO: usize = 32;

/// The most events the run holds before an insertion puts them back in the buckets
/// (so an insertion never scans more than this many).
const RUN_CAP: usize = 64;

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        RadixQueue {
            run: std::collections::VecDeque::new(),
            buckets: (0..65).map(|_| Vec::new()).collect(),
            mins: [u64::MAX; 65],
            nonempty: 0,
            base: 0,
            last: 0,
            len: 0,
        }
    }
}

impl<E> RadixQueue<E> {
    /// Files an event later than `base` (and than the run) into its bucket.
    #[inline]
    fn put(&mut self, time: u64, event: E) {
        let b = (64 - (time ^ self.base).leading_zeros()) as usize;
        self.buckets[b].push((time, event));
        self.mins[b] = self.mins[b].min(time);
        self.nonempty |= 1 << b;
    }

    /// Refills the empty run from the lowest non-empty bucket, whose least time is
    /// `least`; `base` becomes `least`.
    fn refill(&mut self, b: usize, least: u64) {
        let mut items = std::mem::take(&mut self.buckets[b]);
        self.mins[b] = u64::MAX;
        self.nonempty &= !(1 << b);
        self.base = least;
        if items.len() <= SORT_UP_TO {
            items.sort_by_key(|e| e.0);
            // The sorted bucket becomes the run, and the empty run's memory the
            // bucket's: no event moves.
            let empty = std::mem::replace(&mut self.run, items.into());
            if empty.capacity() <= SHRINK_ABOVE {
                self.buckets[b] = empty.into();
            }
            return;
        }
        for (time, event) in items.drain(..) {
            if time == least {
                self.run.push_back((time, event));
            } else {
                self.put(time, event);
            }
        }
        // Give the emptied vector back to its bucket, unless it is large: buckets
        // that once held a big share of the pending events would otherwise keep
        // that memory for good (several times the live set at a million events).
        if items.capacity() <= SHRINK_ABOVE {
            self.buckets[b] = items;
        }
    }
}

impl<E> EventQueue<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, time: SimTime, event: E) {
        let t = time.0;
        assert!(
            t >= self.last,
            "event scheduled at {} ns, before the last event popped ({} ns)",
            t,
            self.last
        );
        self.len += 1;
        match self.run.back() {
            Some(&(end, _)) if t >= end => {
                if t == end {
                    self.run.push_back((t, event));
                } else {
                    self.put(t, event);
                }
            }
            Some(_) if self.run.len() >= RUN_CAP => {
                // A long run would make each insertion slow: its events go back to
                // the buckets (all are at or after `base`), and this one with them.
                while let Some((time, e)) = self.run.pop_front() {
                    self.put(time, e);
                }
                self.put(t, event);
            }
            Some(_) => {
                // Within the run: after every event of its time or earlier.
                let mut i = self.run.len() - 1;
                while i > 0 && self.run[i - 1].0 > t {
                    i -= 1;
                }
                self.run.insert(i, (t, event));
            }
            // The present, with nothing of its time in the buckets (a spilled run
            // may have left some there).
            None if t == self.last
                && (self.nonempty == 0
                    || self.mins[self.nonempty.trailing_zeros() as usize] > t) =>
            {
                self.run.push_back((t, event))
            }
            None => self.put(t, event),
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime(u64::MAX))
    }

    #[inline]
    fn pop_until(&mut self, horizon: SimTime) -> Option<(SimTime, E)> {
        match self.run.front() {
            Some(&(t, _)) if t > horizon.0 => return None,
            Some(_) => {}
            None => {
                if self.nonempty == 0 {
                    return None;
                }
                let b = self.nonempty.trailing_zeros() as usize;
                let least = self.mins[b];
                if least > horizon.0 {
                    // Not due: the buckets stay filed around the last time popped.
                    return None;
                }
                self.refill(b, least);
            }
        }
        let (t, event) = self.run.pop_front()?;
        self.last = t;
        self.len -= 1;
        Some((SimTime(t), event))
    }

    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn ahead(&self, k: usize) -> Option<&E> {
        self.run.get(k).map(|(_, e)| e)
    }

    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E)) {
        for (time, event) in &self.run {
            f(SimTime(*time), event);
        }
        for bucket in &self.buckets {
            for (time, event) in bucket {
                f(SimTime(*time), event);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Drives both queues with the same random operations and checks they agree.
    fn agree(ops: usize, seed: u64, spread: u64) {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut reference = BinaryQueue::default();
        let mut fast = RadixQueue::default();
        let mut now = 0u64;
        let mut id = 0u64;
        for _ in 0..ops {
            if rng.random_bool(0.52) {
                // Many ties (spread small) and occasional far-future events.
                let delay = if rng.random_bool(0.05) {
                    rng.random_range(0..u64::MAX / 4)
                } else {
                    rng.random_range(0..spread)
                };
                let t = SimTime(now.saturating_add(delay));
                reference.push(t, id);
                fast.push(t, id);
                id += 1;
            } else {
                // Sometimes only what is due by a horizon (none may be).
                let (a, b) = if rng.random_bool(0.3) {
                    let h = SimTime(now.saturating_add(rng.random_range(0..spread.max(2))));
                    (reference.pop_until(h), fast.pop_until(h))
                } else {
                    (reference.pop(), fast.pop())
                };
                assert_eq!(a, b);
                if let Some((t, _)) = a {
                    now = t.0;
                }
            }
            assert_eq!(reference.len(), fast.len());
        }
        while let Some(a) = reference.pop() {
            assert_eq!(Some(a), fast.pop());
        }
        assert!(fast.pop().is_none());
    }

    #[test]
    fn a_long_run_goes_back_to_the_buckets_in_order() {
        let mut reference = BinaryQueue::default();
        let mut fast = RadixQueue::default();
        fn both(r: &mut BinaryQueue<u32>, f: &mut RadixQueue<u32>, t: u64, id: u32) {
            r.push(SimTime(t), id);
            f.push(SimTime(t), id);
        }
        // 600 and 1000 share a bucket: both are sorted into the run, and 600 popped.
        both(&mut reference, &mut fast, 600, 0);
        both(&mut reference, &mut fast, 1000, 1);
        assert_eq!(fast.pop(), reference.pop());
        // Then many events inside the run's span, two by two at one time, more than
        // the run holds, and some at the present and at the run's end.
        for i in 0..3 * RUN_CAP as u32 {
            both(&mut reference, &mut fast, 700 + u64::from(i / 2), 10 + i);
            if i % 50 == 0 {
                both(&mut reference, &mut fast, 600, 1000 + i);
                both(&mut reference, &mut fast, 1000, 2000 + i);
            }
        }
        let (mut n, mut last) = (0, 0);
        while let Some(a) = reference.pop() {
            assert_eq!(Some(a), fast.pop());
            assert!(a.0 .0 >= last);
            last = a.0 .0;
            n += 1;
            if n == 5 {
                // At the present again, after a spill left its time in the buckets.
                both(&mut reference, &mut fast, last, 5000);
            }
        }
        assert!(fast.pop().is_none());
    }

    #[test]
    fn radix_matches_reference_on_random_operations() {
        agree(1_000_000, 1, 1_000);
        agree(300_000, 2, 3);
        agree(300_000, 3, 1 << 40);
        for seed in 10..200 {
            agree(20_000, seed, 1 << (seed % 40));
        }
    }

    /// What the queue says comes `k` events after the next is what comes then, when
    /// nothing is pushed meanwhile.
    #[test]
    fn the_events_ahead_are_those_popped_next() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(4);
        let mut q = RadixQueue::default();
        let (mut now, mut hinted) = (0u64, 0);
        for id in 0..200_000u32 {
            let t = now + rng.random_range(0..1_000u64);
            q.push(SimTime(t), id);
            if rng.random_bool(0.45) {
                let k = rng.random_range(0..5);
                let hint = q.ahead(k).copied();
                let popped: Vec<u32> = (0..=k).filter_map(|_| q.pop()).map(|(_, e)| e).collect();
                if let Some(e) = hint {
                    assert_eq!(popped.get(k), Some(&e));
                    hinted += 1;
                }
                now = q.last;
            }
        }
        // The test checks hints, not only their absence (about 90,000 asked).
        assert!(hinted > 10_000, "{hinted}");
    }

    #[test]
    fn equal_times_are_fifo() {
        let mut q = RadixQueue::default();
        for i in 0..100 {
            q.push(SimTime(5), i);
        }
        for i in 0..100 {
            assert_eq!(q.pop(), Some((SimTime(5), i)));
        }
    }

    #[test]
    #[should_panic(expected = "before the last event popped")]
    fn pushing_into_the_past_panics() {
        let mut q = RadixQueue::default();
        q.push(SimTime(10), ());
        q.pop();
        q.push(SimTime(9), ());
    }
}

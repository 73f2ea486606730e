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
    /// Number of pending events.
    fn len(&self) -> usize;
    /// Visits every pending event, in no particular order (end-of-run accounting).
    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E));
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

    fn len(&self) -> usize {
        self.heap.len()
    }

    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E)) {
        for e in self.heap.iter() {
            f(SimTime(e.time), &e.event);
        }
    }
}

/// A monotone radix heap over the 128-bit key (time << 64 | sequence).
///
/// Bucket `b` holds keys whose highest bit differing from `last` (the last key popped)
/// is bit `b - 1`; bucket 0 holds `last` itself. Popping takes bucket 0 or else the
/// lowest non-empty bucket, whose minimum becomes `last`, and redistributes that bucket
/// into lower ones. Buckets keep their capacity, so a warmed-up queue does not allocate.
pub struct RadixQueue<E> {
    buckets: Vec<Vec<(u128, E)>>,
    /// Bit b set when bucket b is non-empty.
    nonempty: [u64; 3],
    last: u128,
    seq: u64,
    len: usize,
}

/// Bucket capacity (entries) above which a drained bucket gives its memory back.
const SHRINK_ABOVE: usize = 4096;

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        RadixQueue {
            buckets: (0..129).map(|_| Vec::new()).collect(),
            nonempty: [0; 3],
            last: 0,
            seq: 0,
            len: 0,
        }
    }
}

impl<E> RadixQueue<E> {
    #[inline]
    fn bucket_of(&self, key: u128) -> usize {
        (128 - (key ^ self.last).leading_zeros()) as usize
    }

    #[inline]
    fn put(&mut self, key: u128, event: E) {
        let b = self.bucket_of(key);
        self.buckets[b].push((key, event));
        self.nonempty[b >> 6] |= 1 << (b & 63);
    }

    #[inline]
    fn first_nonempty(&self) -> Option<usize> {
        self.nonempty
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }
}

impl<E> EventQueue<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, time: SimTime, event: E) {
        let key = (u128::from(time.0) << 64) | u128::from(self.seq);
        assert!(
            time.0 >= (self.last >> 64) as u64,
            "event scheduled at {} ns, before the last event popped ({} ns)",
            time.0,
            self.last >> 64
        );
        self.seq += 1;
        self.len += 1;
        self.put(key, event);
    }

    #[inline]
    fn pop(&mut self) -> Option<(SimTime, E)> {
        let b = self.first_nonempty()?;
        if b != 0 {
            let mut items = std::mem::take(&mut self.buckets[b]);
            self.nonempty[b >> 6] &= !(1 << (b & 63));
            let min = items.iter().map(|e| e.0).min().expect("non-empty bucket");
            self.last = min;
            for (key, event) in items.drain(..) {
                self.put(key, event);
            }
            // Give the emptied vector back to its bucket, unless it is large: buckets
            // that once held a big share of the pending events would otherwise keep
            // that memory for good (several times the live set at a million events).
            if items.capacity() <= SHRINK_ABOVE {
                self.buckets[b] = items;
            }
        }
        // Keys are unique, so bucket 0 holds exactly the minimum.
        let (key, event) = self.buckets[0].pop().expect("bucket 0 holds the minimum");
        self.nonempty[0] &= !1;
        self.len -= 1;
        Some((SimTime((key >> 64) as u64), event))
    }

    fn len(&self) -> usize {
        self.len
    }

    fn for_each(&self, f: &mut dyn FnMut(SimTime, &E)) {
        for bucket in &self.buckets {
            for (key, event) in bucket {
                f(SimTime((key >> 64) as u64), event);
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
                let a = reference.pop();
                let b = fast.pop();
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
    fn radix_matches_reference_on_random_operations() {
        agree(1_000_000, 1, 1_000);
        agree(300_000, 2, 3);
        agree(300_000, 3, 1 << 40);
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

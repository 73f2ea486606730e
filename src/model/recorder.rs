//! Counting: readings generated, delivered and dropped, per class, priority and time bucket.

use super::*;

impl City {
    #[inline]
    pub(crate) fn bucket(&mut self, now: u64) -> &mut Bucket {
        let i = ((now / self.bucket_ns) as usize).min(self.buckets.len() - 1);
        &mut self.buckets[i]
    }

    #[inline]
    pub(crate) fn count_drop(&mut self, class: u16, counted: bool, cause: DropCause, now: u64) {
        self.bucket(now).dropped[cause as usize] += 1;
        if counted {
            self.flows[class as usize].dropped[cause as usize] += 1;
        }
    }

    #[inline]
    pub(crate) fn alloc(&mut self, p: Packet) -> u32 {
        if p.counted {
            self.flows[p.class as usize].in_flight += 1;
            self.prio_flows[p.prio as usize].in_flight += 1;
        }
        self.packets.insert(p)
    }

    #[inline]
    pub(crate) fn release(&mut self, pkt: u32) -> Packet {
        let p = self.packets[pkt];
        if p.counted {
            self.flows[p.class as usize].in_flight -= 1;
            self.prio_flows[p.prio as usize].in_flight -= 1;
        }
        self.packets.free(pkt);
        p
    }

    #[inline]
    pub(crate) fn drop_packet(&mut self, pkt: u32, cause: DropCause, now: u64) {
        let p = self.release(pkt);
        self.count_drop(p.class, p.counted, cause, now);
    }
}

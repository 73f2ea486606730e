//! Counting: readings generated, delivered and dropped, per class, priority and time
//! bucket. The model counts through the [`Recorder`] alone.

use super::*;
use crate::metrics::{Bucket, GroupBucket, GroupSeries, SfResult};

/// What a run measured so far.
pub(crate) struct Recorder {
    /// Readings before this time are not counted in the flows (they still are in the
    /// time series), ns.
    pub(crate) warmup: u64,
    /// Width of a time-series bucket, ns.
    pub(crate) bucket_ns: u64,
    /// Per sensor class.
    pub(crate) flows: Vec<Flow>,
    /// Per queue priority (high, normal, low).
    pub(crate) prio: [Flow; 3],
    /// The time series.
    pub(crate) buckets: Vec<Bucket>,
    /// Per class: its LoRa access network, if it has one.
    pub(crate) lora_class: Vec<Option<u16>>,
    /// Per LoRa access network and SF from 7 (six each): frames and readings.
    pub(crate) sf: Vec<SfResult>,
    /// The time series per group: one per domain, district and priority.
    pub(crate) groups: Vec<GroupSeries>,
    /// Per class: its domain's and its district's series (`NONE` without a district).
    pub(crate) class_groups: Vec<[u16; 2]>,
    /// The first priority series.
    pub(crate) prio_groups: u16,
    /// Counts by where sensors stand, for a city on the map.
    pub(crate) zones: Option<Zones>,
}

/// Counts by place: per district a sensor stands in, and per sensor.
pub(crate) struct Zones {
    /// Per sensor: the district it was placed in (the last zone: in none).
    pub(crate) of: Vec<u16>,
    /// Per zone.
    pub(crate) flows: Vec<Flow>,
    /// Per sensor: readings counted (taken after the warm-up) and delivered.
    pub(crate) sensor: Vec<[u32; 2]>,
}

/// No series.
const NONE: u16 = u16::MAX;

/// The priorities, in `prio` order.
const PRIORITIES: [&str; 3] = ["high", "normal", "low"];

impl Recorder {
    /// Books for `classes` sensor classes over `buckets` buckets of `bucket_ns`.
    pub(crate) fn new(classes: usize, warmup: u64, bucket_ns: u64, buckets: usize) -> Self {
        Recorder {
            warmup,
            bucket_ns,
            flows: vec![Flow::default(); classes],
            prio: Default::default(),
            buckets: vec![Bucket::default(); buckets],
            lora_class: Vec::new(),
            sf: Vec::new(),
            groups: Vec::new(),
            class_groups: vec![[NONE; 2]; classes],
            prio_groups: NONE,
            zones: None,
        }
    }

    /// Counts by place too: `of[s]` is sensor `s`'s zone, of `zones`.
    pub(crate) fn set_zones(&mut self, of: Vec<u16>, zones: usize) {
        let sensors = of.len();
        self.zones = Some(Zones {
            of,
            flows: vec![Flow::default(); zones],
            sensor: vec![[0; 2]; sensors],
        });
    }

    /// Books a time series per domain and per district (in the order the classes name
    /// them; `class_groups[c]`: class `c`'s domain and district, if it has one) and per
    /// priority.
    pub(crate) fn with_groups(mut self, class_groups: &[(&str, Option<&str>)]) -> Self {
        let buckets = self.buckets.len();
        let series = |scope: &'static str, name: &str, groups: &mut Vec<GroupSeries>| match groups
            .iter()
            .position(|g| g.scope == scope && g.name == name)
        {
            Some(i) => i as u16,
            None => {
                groups.push(GroupSeries {
                    scope,
                    name: name.to_string(),
                    buckets: vec![GroupBucket::default(); buckets],
                });
                (groups.len() - 1) as u16
            }
        };
        let mut groups = Vec::new();
        let domains: Vec<u16> = class_groups
            .iter()
            .map(|(d, _)| series("domain", d, &mut groups))
            .collect();
        let districts: Vec<u16> = class_groups
            .iter()
            .map(|(_, d)| d.map_or(NONE, |d| series("district", d, &mut groups)))
            .collect();
        self.prio_groups = groups.len() as u16;
        for p in PRIORITIES {
            series("priority", p, &mut groups);
        }
        self.class_groups = domains
            .into_iter()
            .zip(districts)
            .map(|(a, b)| [a, b])
            .collect();
        self.groups = groups;
        self
    }

    /// Applies `f` to the buckets of `now` of `class`'s domain and district and of
    /// priority `prio`.
    #[inline]
    fn group_buckets(&mut self, class: u16, prio: u8, now: u64, f: impl Fn(&mut GroupBucket)) {
        if self.groups.is_empty() {
            return;
        }
        let i = ((now / self.bucket_ns) as usize).min(self.buckets.len() - 1);
        let [a, b] = self.class_groups[class as usize];
        for g in [a, b, self.prio_groups + u16::from(prio)] {
            if g != NONE {
                f(&mut self.groups[g as usize].buckets[i]);
            }
        }
    }

    /// Books per SF for `accesses` access networks; `lora_class`: each class's LoRa
    /// access network, if any.
    pub(crate) fn with_lora(mut self, accesses: usize, lora_class: Vec<Option<u16>>) -> Self {
        if lora_class.iter().any(Option::is_some) {
            self.sf = vec![SfResult::default(); accesses * 6];
        }
        self.lora_class = lora_class;
        self
    }

    /// The books of `class`'s readings at `sf`, if it is a LoRa class.
    #[inline]
    fn sf_book(&mut self, class: u16, sf: u8) -> Option<&mut SfResult> {
        let access = self.lora_class.get(class as usize).copied().flatten()?;
        (7..=12)
            .contains(&sf)
            .then(|| &mut self.sf[usize::from(access) * 6 + usize::from(sf - 7)])
    }

    /// A LoRa frame of `class` at `sf`, `toa_s` on air, leaves at `now`; the best
    /// gateway hears it `margin_db` above its sensitivity.
    #[inline]
    pub(crate) fn frame(&mut self, class: u16, sf: u8, toa_s: f64, margin_db: f64, now: u64) {
        if now < self.warmup {
            return;
        }
        if let Some(b) = self.sf_book(class, sf) {
            b.frames += 1;
            b.airtime_s += toa_s;
            b.margin_db_sum += margin_db;
        }
    }

    /// A sensor of LoRa `class` changes from SF `from` (used since `since`) to `to` at
    /// `now`.
    pub(crate) fn sf_change(&mut self, class: u16, (from, to): (u8, u8), since: u64, now: u64) {
        let warmup = self.warmup;
        if let Some(b) = self.sf_book(class, from) {
            b.sensor_time_s += now.saturating_sub(since.max(warmup)) as f64 * 1e-9;
        }
        if now >= warmup {
            if let Some(b) = self.sf_book(class, to) {
                b.changes += 1;
            }
        }
    }

    /// A reading of LoRa `class` whose frame is (or would have been) at `sf` is lost
    /// for `cause` at `now`.
    #[inline]
    pub(crate) fn drop_at(
        &mut self,
        (sensor, class, prio, sf): (u32, u16, u8, u8),
        counted: bool,
        cause: DropCause,
        now: u64,
    ) {
        self.drop((sensor, class, prio), counted, cause, now);
        if counted {
            if let Some(b) = self.sf_book(class, sf) {
                b.dropped[cause as usize] += 1;
            }
        }
    }

    /// The time-series bucket of `now` (the last one past the end).
    #[inline]
    pub(crate) fn bucket(&mut self, now: u64) -> &mut Bucket {
        let i = ((now / self.bucket_ns) as usize).min(self.buckets.len() - 1);
        &mut self.buckets[i]
    }

    /// A reading of `sensor` of `class` and priority `prio` is taken at `now`.
    #[inline]
    pub(crate) fn generated(&mut self, sensor: u32, class: u16, prio: u8, now: u64) {
        let counted = now >= self.warmup;
        if counted {
            self.prio[prio as usize].generated += 1;
        }
        self.bucket(now).generated += 1;
        self.group_buckets(class, prio, now, |b| b.generated += 1);
        if counted {
            self.flows[class as usize].generated += 1;
            if let Some(z) = &mut self.zones {
                z.flows[z.of[sensor as usize] as usize].generated += 1;
                z.sensor[sensor as usize][0] += 1;
            }
        }
    }

    /// A reading of `sensor` of `class` is lost for `cause` at `now` (`counted`: taken
    /// after the warm-up).
    #[inline]
    pub(crate) fn drop(
        &mut self,
        (sensor, class, prio): (u32, u16, u8),
        counted: bool,
        cause: DropCause,
        now: u64,
    ) {
        self.bucket(now).dropped[cause as usize] += 1;
        self.group_buckets(class, prio, now, |b| b.dropped += 1);
        if counted {
            self.flows[class as usize].dropped[cause as usize] += 1;
            self.prio[prio as usize].dropped[cause as usize] += 1;
            if let Some(z) = &mut self.zones {
                z.flows[z.of[sensor as usize] as usize].dropped[cause as usize] += 1;
            }
        }
    }

    /// Packet `p` reaches a sink at `now`.
    #[inline]
    pub(crate) fn delivered(&mut self, p: &Packet, now: u64) {
        let latency = now - p.created;
        let b = self.bucket(now);
        b.delivered += 1;
        b.latency_sum_ns += u128::from(latency);
        b.latency_max_ns = b.latency_max_ns.max(latency);
        self.group_buckets(p.class, p.prio, now, |b| {
            b.delivered += 1;
            b.latency_sum_ns += u128::from(latency);
            b.latency_max_ns = b.latency_max_ns.max(latency);
        });
        if p.counted {
            self.flows[p.class as usize].deliver(latency);
            self.prio[p.prio as usize].deliver(latency);
            if let Some(b) = self.sf_book(p.class, p.sf) {
                b.delivered += 1;
            }
            if let Some(z) = &mut self.zones {
                z.flows[z.of[p.sensor as usize] as usize].deliver(latency);
                z.sensor[p.sensor as usize][1] += 1;
            }
        }
    }

    /// One more (`up`) or one fewer packet of `p`'s class in flight.
    #[inline]
    fn in_flight(&mut self, p: &Packet, up: bool) {
        if p.counted {
            let (f, q) = (
                &mut self.flows[p.class as usize].in_flight,
                &mut self.prio[p.prio as usize].in_flight,
            );
            // Wrapping: the core of a split run ends readings the access side began
            // (the parts' counts are summed at the end, see `Recorder::absorb`).
            if up {
                *f = f.wrapping_add(1);
                *q = q.wrapping_add(1);
            } else {
                *f = f.wrapping_sub(1);
                *q = q.wrapping_sub(1);
            }
        }
    }
}

impl City {
    /// Puts a packet in flight.
    #[inline]
    pub(crate) fn alloc(&mut self, p: Packet) -> u32 {
        self.rec.in_flight(&p, true);
        self.packets.insert(p)
    }

    /// Takes a packet out of flight.
    #[inline]
    pub(crate) fn release(&mut self, pkt: u32) -> Packet {
        let p = self.packets[pkt];
        self.rec.in_flight(&p, false);
        self.packets.free(pkt);
        p
    }

    /// A packet is lost for `cause` at `now`.
    #[inline]
    pub(crate) fn drop_packet(&mut self, pkt: u32, cause: DropCause, now: u64) {
        let p = self.release(pkt);
        self.rec
            .drop_at((p.sensor, p.class, p.prio, p.sf), p.counted, cause, now);
    }
}

impl Recorder {
    /// Adds what another part of the same run counted (the core of a split run: the
    /// readings it delivered or lost). Every count is an integer, so the sum is exact
    /// and does not depend on the order the parts ran in; the frames, air time and
    /// margins of LoRa are the access side's alone.
    pub(crate) fn absorb(&mut self, other: &Recorder) {
        for (a, b) in self.sf.iter_mut().zip(&other.sf) {
            a.merge_readings(b);
        }
        self.absorb_counts(other);
    }

    /// Takes in the counts of another part of the access side of a split run, which
    /// ran the access networks `nets` (whose books by spreading factor it kept whole).
    pub(crate) fn absorb_part(&mut self, other: &mut Recorder, nets: &[bool]) {
        for (i, (a, b)) in self.sf.iter_mut().zip(&mut other.sf).enumerate() {
            if nets[i / 6] {
                std::mem::swap(a, b);
            }
        }
        self.absorb_counts(other);
    }

    /// Adds `other`'s counts by class, priority, time, group and place.
    fn absorb_counts(&mut self, other: &Recorder) {
        for (a, b) in self.flows.iter_mut().zip(&other.flows) {
            a.merge(b);
        }
        for (a, b) in self.prio.iter_mut().zip(&other.prio) {
            a.merge(b);
        }
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            a.merge(b);
        }
        for (a, b) in self.groups.iter_mut().zip(&other.groups) {
            for (x, y) in a.buckets.iter_mut().zip(&b.buckets) {
                x.merge(y);
            }
        }
        if let (Some(a), Some(b)) = (&mut self.zones, &other.zones) {
            for (x, y) in a.flows.iter_mut().zip(&b.flows) {
                x.merge(y);
            }
            for (x, y) in a.sensor.iter_mut().zip(&b.sensor) {
                x[0] += y[0];
                x[1] += y[1];
            }
        }
    }
}

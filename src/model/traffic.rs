//! Traffic generation: when each sensor reads (periodic, Poisson, bursty, daily profiles,
//! thresholds) and how a reading enters its access network.

use super::*;
use rand::Rng;
use rand_distr::Distribution;

pub(crate) struct ClassRt {
    pub(crate) name: String,
    pub(crate) domain: String,
    pub(crate) district: String,
    pub(crate) traffic: Traffic,
    pub(crate) payload: u32,
    pub(crate) access: usize,
    pub(crate) sensors: u64,
    pub(crate) energy: Option<EnergyRt>,
    /// LoRa spreading factor choice.
    pub(crate) sf: SfChoice,
    /// Per-sensor spreading factors (0: auto), indexed from the class's first sensor.
    pub(crate) sf_each: Option<Vec<u8>>,
    /// Movement, for mobile classes.
    pub(crate) mobility: Option<Mobility>,
    /// Daily profile of its reading rate.
    pub(crate) profile: Option<Profile>,
    /// Send only when the sampled value crosses a threshold.
    pub(crate) threshold: Option<crate::scenario::Threshold>,
    /// Queue priority of its readings.
    pub(crate) priority: u8,
    /// Whether its access is an NB-IoT or LTE-M network.
    pub(crate) radio_cell: bool,
    /// The share of its sensors indoors, and their buildings.
    pub(crate) indoor: Option<crate::scenario::Indoor>,
    /// Per sensor of the class, from its placement file: indoors or not (None: the
    /// share decides).
    pub(crate) indoor_each: Option<Vec<Option<bool>>>,
}

/// What sensors' traffic keeps between readings.
pub(crate) struct TrafficState {
    /// End of the current on period of bursty sensors (empty when no class is bursty).
    pub(crate) on_end: Vec<u64>,
    /// Threshold sensors' last sample (empty when no class has a threshold).
    pub(crate) value: Vec<Sample>,
}

/// A threshold sensor's last sampled value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    /// The AR(1) part (NaN before the first sample).
    pub(crate) noise: f32,
    /// The value: the AR(1) part plus the daily curve (NaN before the first sample).
    pub(crate) value: f32,
}

// SAFETY: floats.
unsafe impl crate::model::lazy::Zeroable for Sample {}

impl Sample {
    /// Before the first sample.
    pub(crate) const NONE: Sample = Sample {
        noise: f32::NAN,
        value: f32::NAN,
    };
}

/// `nominal` moved by a uniform offset in [-jitter, +jitter] (not before zero).
#[inline]
pub(crate) fn jittered(rng: &mut Stream, nominal: u64, jitter: u64) -> u64 {
    if jitter == 0 {
        return nominal;
    }
    let offset = rng.random_range(0..=2 * jitter);
    nominal.saturating_add(offset).saturating_sub(jitter)
}

/// Next reading of an on/off source after `from`, advancing through off periods.
#[inline]
pub(crate) fn next_burst_reading(
    rng: &mut Stream,
    mut from: u64,
    on_end: &mut u64,
    on: u64,
    off: u64,
    interval: u64,
) -> u64 {
    // Validation keeps interval <= 1000 x on, so this loops ~1 + interval/on times.
    loop {
        let t = from.saturating_add(dist::exp_ns(rng, interval as f64));
        if t <= *on_end || t == u64::MAX {
            return t;
        }
        from = on_end.saturating_add(dist::exp_ns(rng, off as f64));
        *on_end = from.saturating_add(dist::exp_ns(rng, on as f64));
    }
}

/// Set in a `Generate` event's `k`: the sample was taken ahead of the clock and
/// crossed the threshold (see [`City::sample_ahead`]).
const SAMPLED: u32 = 0x8000_0000;

impl City {
    /// Time of a sensor's first reading, drawn from the stationary state of its traffic.
    pub(crate) fn first_reading(&mut self, s: usize) -> u64 {
        let (class, key) = self.sensors.class_and_key(s);
        let class = class as usize;
        let traffic = self.classes[class].traffic.clone();
        let mut rng = self.sensor_stream(key, u64::MAX);
        let t = match traffic {
            Traffic::Periodic {
                interval_ns,
                jitter_ns,
            } => jittered(&mut rng, self.phase(key, interval_ns), jitter_ns),
            Traffic::Poisson { interval_ns } => dist::exp_ns(&mut rng, interval_ns as f64),
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => {
                let p_on = on_ns as f64 / (on_ns + off_ns) as f64;
                let mut from = 0;
                if rng.random::<f64>() >= p_on {
                    from = dist::exp_ns(&mut rng, off_ns as f64);
                }
                let on_end = &mut self.traffic.on_end[s];
                *on_end = from + dist::exp_ns(&mut rng, on_ns as f64);
                return next_burst_reading(&mut rng, from, on_end, on_ns, off_ns, interval_ns);
            }
        };
        // With a daily profile, `t` is operational time.
        match &self.classes[class].profile {
            Some(p) => p.unwarp(t as f64),
            None => t,
        }
    }

    /// A periodic sensor's phase: uniform in [0, interval), fixed for the run.
    #[inline]
    pub(crate) fn phase(&self, key: u64, interval_ns: u64) -> u64 {
        // A sub-stream of its own (index u64::MAX - 1), drawn again whenever needed.
        self.sensor_stream(key, u64::MAX - 1)
            .random_range(0..interval_ns)
    }

    /// Time of reading `k + 1`, given reading `k` at `now`, drawing from `rng`.
    #[inline]
    pub(crate) fn next_reading(
        &mut self,
        s: usize,
        (class, key): (u16, u64),
        k: u64,
        now: u64,
        rng: &mut Stream,
    ) -> u64 {
        let c = &self.classes[class as usize];
        match c.traffic {
            Traffic::Periodic {
                interval_ns,
                jitter_ns,
            } => {
                let nominal = self
                    .phase(key, interval_ns)
                    .saturating_add(interval_ns.saturating_mul(k + 1));
                let t = jittered(rng, nominal, jitter_ns);
                match &c.profile {
                    Some(p) => p.unwarp(t as f64).max(now),
                    None => t,
                }
            }
            Traffic::Poisson { interval_ns } => {
                let gap = dist::exp_ns(rng, interval_ns as f64);
                match &c.profile {
                    Some(p) => p.unwarp(p.warp(now) + gap as f64).max(now),
                    None => now.saturating_add(gap),
                }
            }
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => next_burst_reading(
                rng,
                now,
                &mut self.traffic.on_end[s],
                on_ns,
                off_ns,
                interval_ns,
            ),
        }
    }

    pub(crate) fn generate<Q: EventQueue<Event>>(
        &mut self,
        (s, class): (u32, u16),
        gw: u32,
        k: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let key = self.sensors.key_in(su, class);
        let sampled = k & SAMPLED != 0;
        let k = k & !SAMPLED;
        // Reading k's stream gives the time of reading k + 1, then this reading's draws.
        let mut rng = self.sensor_stream(key, u64::from(k));
        let next = self.next_reading(su, (class, key), u64::from(k), now, &mut rng);
        let following = |k: u32| Event::Generate {
            sensor: s,
            gateway: gw,
            k: k.wrapping_add(1),
            class,
        };
        if let Some(th) = self.classes[class as usize].threshold {
            if sampled {
                // Its sample crossed the level when it was looked ahead: the same draw.
                let _: f64 = rand_distr::StandardNormal.sample(&mut rng);
            } else if !self.crosses(su, &th, now, &mut rng) {
                let (k, at) = self.sample_ahead(su, (class, key), (k, next), &th);
                let event = Event::Generate {
                    sensor: s,
                    gateway: gw,
                    k,
                    class,
                };
                sched.schedule_at(SimTime(at), event);
                return;
            }
        }
        sched.schedule_at(SimTime(next), following(k));
        self.reading(
            (s, class),
            gw,
            DrawKey::own(k),
            ReadingKind::Own,
            &mut rng,
            sched,
        );
    }

    /// A threshold sensor whose sample `k` crossed nothing, with its next sample due
    /// at `next`, takes its next samples now, ahead of the clock, while they cross
    /// nothing and fall within the run: nothing but its own draws decides them (its
    /// traffic keeps no state). Returns the `Generate` event's `k` and time: the first
    /// sample left to take, or the one that crossed the level (marked [`SAMPLED`]), at
    /// its time.
    fn sample_ahead(
        &mut self,
        s: usize,
        (class, key): (u16, u64),
        (mut k, next): (u32, u64),
        th: &crate::scenario::Threshold,
    ) -> (u32, u64) {
        let c = &self.classes[class as usize];
        if matches!(c.traffic, Traffic::Bursty { .. }) || !self.backbone.shortcuts {
            return (k + 1, next);
        }
        let mut at = next;
        while at <= self.backbone.end && k + 1 < SAMPLED >> 2 {
            k += 1;
            let mut rng = self.sensor_stream(key, u64::from(k));
            let after = self.next_reading(s, (class, key), u64::from(k), at, &mut rng);
            if self.crosses(s, th, at, &mut rng) {
                return (k | SAMPLED, at);
            }
            at = after;
        }
        (k + 1, at)
    }

    /// Samples a threshold sensor's value at `now`: whether it rose through the level
    /// since the previous sample.
    pub(crate) fn crosses(
        &mut self,
        s: usize,
        th: &crate::scenario::Threshold,
        now: u64,
        rng: &mut Stream,
    ) -> bool {
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        let Sample {
            noise: x0,
            value: v0,
        } = self.traffic.value[s];
        let x = if x0.is_nan() {
            th.sd * z
        } else {
            th.correlation * f64::from(x0) + (1.0 - th.correlation.powi(2)).sqrt() * th.sd * z
        };
        let hour = (now % 86_400_000_000_000) as f64 / 3.6e12;
        let curve =
            th.daily_amplitude * (2.0 * std::f64::consts::PI * (hour - th.peak_hour) / 24.0).cos();
        let v = x + curve;
        self.traffic.value[s] = Sample {
            noise: x as f32,
            value: v as f32,
        };
        !v0.is_nan() && f64::from(v0) < th.level && v >= th.level
    }

    /// Sensor `s` takes a reading now and sends it; `key` numbers its random draws (and,
    /// for an own reading, counts it against the battery).
    pub(crate) fn reading<Q: EventQueue<Event>>(
        &mut self,
        (s, class): (u32, u16),
        gw: u32,
        key: DrawKey,
        kind: ReadingKind,
        rng: &mut Stream,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let charge = kind == ReadingKind::Own;
        let prio = match kind {
            ReadingKind::Alarm(p) => p,
            _ => self.classes[class as usize].priority,
        };
        let counted = now >= self.warmup;
        self.rec.generated(s, class, prio, now);
        if self.faults.class_down[class as usize] > 0 {
            self.rec
                .drop((s, class, prio), counted, DropCause::NodeDown, now);
            return;
        }
        let gw = if self.classes[class as usize].mobility.is_some() {
            self.advance(su, class, now)
        } else {
            gw
        };
        let access_id = self.classes[class as usize].access;
        if let AccessKind::Lora(_) = self.access[access_id].kind {
            self.lora_reading(su, key, (charge, prio), rng, sched);
            return;
        }
        if let Some(e) = self.classes[class as usize].energy {
            // Readings k are no per-sensor state: the charge used so far follows from k
            // and the time. An empty battery sends nothing more.
            let q = e.per_reading_c(e.tx_s.unwrap_or(0.0));
            if self.battery_empty((su, class), e, q, key.number(), charge, now) {
                self.rec
                    .drop((s, class, prio), counted, DropCause::Battery, now);
                return;
            }
        }
        if let AccessKind::Mesh(net) = &self.access[access_id].kind {
            let node = net.infra.len() as u32 + s;
            let payload = self.classes[class as usize].payload;
            let pkt = self.alloc(Packet::new(now, payload, s, class, counted, prio));
            self.mesh_enqueue(access_id, node, pkt, sched);
            return;
        }
        self.hop_reading(s, gw, (class, counted, prio), rng, sched);
    }
}

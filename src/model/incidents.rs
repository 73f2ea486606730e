//! Area incidents: surges of readings and correlated alarms in a region.

use super::*;
use rand::Rng;

/// `n` of an alarm reading.
pub(crate) const ALARM: u32 = u32::MAX;

impl City {
    /// The random stream of incident `i`'s reading `n` by sensor `s`.
    pub(crate) fn incident_stream(&self, s: usize, i: u32, n: u32) -> Stream {
        self.seeds.sub(
            Ns::Incident.id(self.sensors.key(s)),
            (u64::from(i) << 32) | u64::from(n),
        )
    }

    /// Gap to an affected sensor's next surge reading, ns.
    pub(crate) fn surge_gap(&self, s: usize, i: u32, n: u32) -> u64 {
        let inc = &self.incidents[i as usize];
        let mut rng = self.incident_stream(s, i, n);
        match inc.surge.expect("a surge") {
            Surge::Interval { interval_ns } if n == 0 => rng.random_range(0..interval_ns),
            Surge::Interval { interval_ns } => interval_ns,
            Surge::Multiplier { multiplier } => {
                let rate = self.classes[self.class_of(s) as usize]
                    .traffic
                    .mean_rate_per_s();
                dist::exp_ns(&mut rng, 1e9 / (rate * (multiplier - 1.0)))
            }
        }
    }

    /// An incident begins: every affected sensor in its region starts its surge
    /// readings and, with alarms, sends one alarm within the spread.
    pub(crate) fn incident_start<Q: EventQueue<Event>>(
        &mut self,
        i: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        self.replays_shared();
        let inc = self.incidents[i as usize].clone();
        let end = inc.start_ns + inc.duration_ns;
        for s in 0..self.sensors() {
            let (x, y) = self.sensors.pos[s];
            let c = self.class_of(s) as usize;
            if !inc.classes.contains(&c)
                || !self.split.runs_net(self.classes[c].access)
                || !inc.region.contains(x as f64, y as f64)
            {
                continue;
            }
            if inc.surge.is_some() {
                let at = sched.now().0 + self.surge_gap(s, i, 0);
                if at < end {
                    sched.schedule_at(
                        SimTime(at),
                        Event::Extra {
                            sensor: s as u32,
                            incident: i,
                            n: 0,
                        },
                    );
                }
            }
            if let Some(spread) = inc.alarm_spread_ns {
                let d = if spread == 0 {
                    0
                } else {
                    self.incident_stream(s, i, ALARM).random_range(0..spread)
                };
                sched.schedule_in(
                    SimTime(d),
                    Event::Extra {
                        sensor: s as u32,
                        incident: i,
                        n: ALARM,
                    },
                );
            }
        }
    }

    /// A reading caused by an incident (not charged to the battery schedule).
    pub(crate) fn extra<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        i: u32,
        n: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        if n != ALARM {
            let inc = &self.incidents[i as usize];
            let end = inc.start_ns + inc.duration_ns;
            let next = now + self.surge_gap(su, i, n + 1);
            if next < end {
                sched.schedule_at(
                    SimTime(next),
                    Event::Extra {
                        sensor: s,
                        incident: i,
                        n: n + 1,
                    },
                );
            }
        }
        let mut rng = self.incident_stream(su, i, n ^ 0x5555_5555);
        let gw = self.sensors.gateway[su];
        let kind = if n == ALARM {
            ReadingKind::Alarm(self.incidents[i as usize].alarm_priority as u8)
        } else {
            ReadingKind::Surge
        };
        let class = self.class_of(su);
        self.reading((s, class), gw, DrawKey::incident(n), kind, &mut rng, sched);
    }
}

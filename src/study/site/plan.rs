//! The first pass: which candidates cover the sensors best, by link budget alone.
//!
//! Each sensor costs `d / R` when its nearest gateway is `d` within its access's median
//! reach `R`, and 2 when none is within reach: covering a sensor always gains more than
//! bringing a covered one closer. Adding sites in the order of greatest cost reduction
//! (lazily: a site's gain only shrinks as others are added) ranks the candidates;
//! a site's contribution to a set is what removing it would cost.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The sensors a first pass weighs, and where the sites stand.
pub(crate) struct Plan {
    /// Sensors (a sample of at most [`MAX_SENSORS`]): position (m) and reach (m).
    pub(crate) sensors: Vec<(f64, f64, f64)>,
    /// Candidate positions, m.
    pub(crate) sites: Vec<(f64, f64)>,
    /// Each sensor's cost with the gateways kept (the candidates' starting point).
    pub(crate) base: Vec<f64>,
    /// Sensors each of the sample stands for.
    step: usize,
}

/// The most sensors the first pass weighs (every k-th beyond it).
pub(crate) const MAX_SENSORS: usize = 20_000;

/// Cost of a sensor `d` from its nearest gateway, reach `r`.
fn cost(d: f64, r: f64) -> f64 {
    if d <= r {
        d / r
    } else {
        2.0
    }
}

#[derive(PartialEq)]
struct Gain(f64, usize);
impl Eq for Gain {}
impl PartialOrd for Gain {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Gain {
    // Larger gains first; among equal gains, the earlier candidate.
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

impl Plan {
    /// A plan over `sensors` ((x, y) m, reach m), gateways kept at `kept` and
    /// candidate `sites`.
    pub(crate) fn new(
        sensors: Vec<(f64, f64, f64)>,
        kept: &[(f64, f64)],
        sites: Vec<(f64, f64)>,
    ) -> Plan {
        let step = sensors.len().div_ceil(MAX_SENSORS).max(1);
        let sensors: Vec<(f64, f64, f64)> = sensors.into_iter().step_by(step).collect();
        let base = sensors
            .iter()
            .map(|&(x, y, r)| {
                kept.iter()
                    .map(|&(gx, gy)| cost((gx - x).hypot(gy - y), r))
                    .fold(2.0, f64::min)
            })
            .collect();
        Plan {
            sensors,
            sites,
            base,
            step,
        }
    }

    /// Each sensor's cost with the kept gateways and the sites of `set`.
    pub(crate) fn costs(&self, set: &[usize]) -> Vec<f64> {
        let mut c = self.base.clone();
        for &j in set {
            self.lower(&mut c, j);
        }
        c
    }

    /// Lowers `c` to what site `j` offers each sensor.
    fn lower(&self, c: &mut [f64], j: usize) {
        let (gx, gy) = self.sites[j];
        for (ci, &(x, y, r)) in c.iter_mut().zip(&self.sensors) {
            *ci = ci.min(cost((gx - x).hypot(gy - y), r));
        }
    }

    /// How much site `j` would lower the costs `c`.
    pub(crate) fn gain(&self, c: &[f64], j: usize) -> f64 {
        let (gx, gy) = self.sites[j];
        c.iter()
            .zip(&self.sensors)
            .map(|(&ci, &(x, y, r))| (ci - cost((gx - x).hypot(gy - y), r)).max(0.0))
            .sum()
    }

    /// Every candidate, in the order the greedy first pass adds them.
    pub(crate) fn ranking(&self) -> Vec<usize> {
        let mut c = self.base.clone();
        let mut heap: BinaryHeap<Gain> = (0..self.sites.len())
            .map(|j| Gain(self.gain(&c, j), j))
            .collect();
        let mut order = Vec::with_capacity(self.sites.len());
        while let Some(Gain(_, j)) = heap.pop() {
            let fresh = self.gain(&c, j);
            // Gains only shrink: a fresh gain still ahead of the next stale one wins.
            if heap.peek().is_none_or(|next| Gain(fresh, j) >= *next) {
                order.push(j);
                self.lower(&mut c, j);
            } else {
                heap.push(Gain(fresh, j));
            }
        }
        order
    }

    /// The members of `set` by what each contributes (what removing it would cost),
    /// least first.
    pub(crate) fn weakest_first(&self, set: &[usize]) -> Vec<usize> {
        let mut contrib: Vec<(f64, usize)> = set
            .iter()
            .map(|&i| {
                let rest: Vec<usize> = set.iter().copied().filter(|&m| m != i).collect();
                let without: f64 = self.costs(&rest).iter().sum();
                let with: f64 = self.costs(set).iter().sum();
                (without - with, i)
            })
            .collect();
        contrib.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        contrib.into_iter().map(|(_, i)| i).collect()
    }

    /// The candidates outside `set` that best replace its member `i`, best first, at
    /// most `n`.
    pub(crate) fn replacements(&self, set: &[usize], i: usize, n: usize) -> Vec<usize> {
        let rest: Vec<usize> = set.iter().copied().filter(|&m| m != i).collect();
        let c = self.costs(&rest);
        let mut gains: Vec<(f64, usize)> = (0..self.sites.len())
            .filter(|j| !set.contains(j))
            .map(|j| (self.gain(&c, j), j))
            .collect();
        gains.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        gains.into_iter().take(n).map(|(_, j)| j).collect()
    }

    /// Sensors within reach of site `j` (counted on the sample, times the sensors
    /// each stands for).
    pub(crate) fn in_reach(&self, j: usize) -> usize {
        let (gx, gy) = self.sites[j];
        let n = self
            .sensors
            .iter()
            .filter(|&&(x, y, r)| (gx - x).hypot(gy - y) <= r)
            .count();
        n * self.step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lazy_ranking_is_the_plain_greedy_one() {
        // Sensors in three clusters; candidates near each and between them.
        let mut sensors = Vec::new();
        for (cx, n) in [(0.0, 50), (3000.0, 30), (6000.0, 10)] {
            for k in 0..n {
                sensors.push((cx + f64::from(k) * 3.0, 0.0, 500.0));
            }
        }
        let sites = vec![
            (1500.0, 0.0),
            (6000.0, 10.0),
            (0.0, 10.0),
            (3000.0, 5.0),
            (20.0, 0.0),
        ];
        let plan = Plan::new(sensors, &[], sites);
        let order = plan.ranking();
        // Plain greedy: at each step, the largest gain (earliest on ties).
        let mut plain = Vec::new();
        while plain.len() < plan.sites.len() {
            let c = plan.costs(&plain);
            let best = (0..plan.sites.len())
                .filter(|j| !plain.contains(j))
                .max_by(|&a, &b| {
                    plan.gain(&c, a)
                        .total_cmp(&plan.gain(&c, b))
                        .then(b.cmp(&a))
                })
                .unwrap();
            plain.push(best);
        }
        assert_eq!(order, plain);
        assert_eq!(&order[..3], &[4, 3, 1]);
        assert_eq!(plan.weakest_first(&[4, 3, 1])[0], 1);
    }
}

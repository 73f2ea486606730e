//! Daily profiles: a class's reading rate times an hourly multiplier, by a change of
//! time. Operational time runs at the multiplier's speed, τ(t) = ∫ m(hour(u)) du;
//! readings are laid out in operational time exactly as without a profile (periodic
//! instants, Poisson gaps) and mapped back to simulated time. A Poisson class becomes a
//! non-homogeneous Poisson process of rate λ m(t), a periodic one reads m times as
//! often, and no per-sensor state is needed. Simulated time 0 is midnight.

const HOUR_NS: u64 = 3_600_000_000_000;
const DAY_NS: u64 = 24 * HOUR_NS;

/// An hourly multiplier table, ready to warp time.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    m: [f64; 24],
    /// Operational time at the start of each hour of a day, ns (`cum[24]`: a whole day).
    cum: [f64; 25],
}

impl Profile {
    pub fn new(m: [f64; 24]) -> Profile {
        let mut cum = [0.0; 25];
        for h in 0..24 {
            cum[h + 1] = cum[h] + m[h] * HOUR_NS as f64;
        }
        Profile { m, cum }
    }

    /// Operational time at simulated time `t`.
    pub fn warp(&self, t: u64) -> f64 {
        let (day, r) = (t / DAY_NS, t % DAY_NS);
        let h = (r / HOUR_NS) as usize;
        day as f64 * self.cum[24] + self.cum[h] + self.m[h] * (r - h as u64 * HOUR_NS) as f64
    }

    /// The simulated time at which operational time reaches `tau` (the earliest, when
    /// hours with multiplier 0 leave it flat).
    pub fn unwarp(&self, tau: f64) -> u64 {
        let day = (tau / self.cum[24]).floor().max(0.0);
        let rem = (tau - day * self.cum[24]).max(0.0);
        let base = (day as u64).saturating_mul(DAY_NS);
        for h in 0..24 {
            if self.m[h] > 0.0 && rem < self.cum[h + 1] {
                let into = crate::units::round_u64((rem - self.cum[h]).max(0.0) / self.m[h]);
                return base.saturating_add(h as u64 * HOUR_NS + into.min(HOUR_NS));
            }
        }
        base.saturating_add(DAY_NS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warping_there_and_back_is_the_identity() {
        let mut m = [1.0; 24];
        m[3] = 0.0;
        m[8] = 2.5;
        m[20] = 0.25;
        let p = Profile::new(m);
        for t in (0..3 * DAY_NS).step_by(7_777_777_777) {
            let h = (t % DAY_NS) / HOUR_NS;
            if h == 3 {
                continue;
            }
            let back = p.unwarp(p.warp(t));
            assert!(back.abs_diff(t) <= 2, "{t} -> {back}");
        }
        // The silent hour is skipped: operational time at 3:00 maps to 4:00.
        assert_eq!(p.unwarp(p.warp(3 * HOUR_NS)), 4 * HOUR_NS);
        // Hour 8 runs 2.5 times as fast.
        let d = p.warp(9 * HOUR_NS) - p.warp(8 * HOUR_NS);
        assert!((d / HOUR_NS as f64 - 2.5).abs() < 1e-12);
    }
}

//! Drawing random durations from a [`DistCfg`].

use crate::engine::Stream;
use crate::scenario::{DistCfg, DistKind};
use rand::Rng;
use rand_distr::{Distribution, Exp1, LogNormal, Normal, Pareto, Weibull};

/// A ready-to-draw duration distribution (nanoseconds).
#[derive(Debug, Clone)]
pub struct Sampler {
    kind: Kind,
    shift: f64,
}

#[derive(Debug, Clone)]
enum Kind {
    Const(f64),
    Uniform { min: f64, width: f64 },
    Exp(f64),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Pareto(Pareto<f64>),
    Weibull(Weibull<f64>),
}

impl Sampler {
    /// Prepares a sampler. The configuration was validated when the scenario was read.
    pub fn new(cfg: &DistCfg) -> Sampler {
        let kind = match cfg.kind {
            DistKind::Constant { value } => Kind::Const(value),
            DistKind::Uniform { min, max } => Kind::Uniform {
                min,
                width: max - min,
            },
            DistKind::Exponential { mean } => Kind::Exp(mean),
            DistKind::Normal { mean, sd } => {
                Kind::Normal(Normal::new(mean, sd).expect("validated normal"))
            }
            DistKind::LogNormal { mean, sd } => {
                // Parameters of the underlying normal from the value's mean and sd.
                let s2 = (1.0 + (sd / mean).powi(2)).ln();
                let mu = mean.ln() - s2 / 2.0;
                Kind::LogNormal(LogNormal::new(mu, s2.sqrt()).expect("validated lognormal"))
            }
            DistKind::Pareto { scale, shape } => {
                Kind::Pareto(Pareto::new(scale, shape).expect("validated pareto"))
            }
            DistKind::Weibull { scale, shape } => {
                Kind::Weibull(Weibull::new(scale, shape).expect("validated weibull"))
            }
        };
        Sampler {
            kind,
            shift: cfg.shift_ns,
        }
    }

    /// One draw, in whole nanoseconds.
    #[inline]
    pub fn sample(&self, rng: &mut Stream) -> u64 {
        let v = match &self.kind {
            Kind::Const(v) => *v,
            Kind::Uniform { min, width } => min + width * rng.random::<f64>(),
            Kind::Exp(mean) => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Kind::Normal(n) => {
                // Truncated at zero by redrawing; after many misses (a mean far below
                // zero was validated away, so this is rare) fall back to zero.
                let mut v = 0.0;
                for _ in 0..64 {
                    let x = n.sample(rng);
                    if x >= 0.0 {
                        v = x;
                        break;
                    }
                }
                v
            }
            Kind::LogNormal(d) => d.sample(rng),
            Kind::Pareto(d) => d.sample(rng),
            Kind::Weibull(d) => d.sample(rng),
        };
        crate::units::round_u64(v + self.shift).min(1_000_000_000_000_000_000)
    }
}

/// An exponential draw with the given mean (ns), rounded to whole ns.
#[inline]
pub fn exp_ns(rng: &mut Stream, mean_ns: f64) -> u64 {
    let e: f64 = Exp1.sample(rng);
    crate::units::round_u64(mean_ns * e).min(1_000_000_000_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    /// Sample mean within 5 standard errors of the configured mean, for each kind.
    #[test]
    fn sample_means_match_configured_means() {
        let kinds = [
            DistKind::Constant { value: 5e6 },
            DistKind::Uniform { min: 1e6, max: 3e6 },
            DistKind::Exponential { mean: 5e6 },
            DistKind::Normal {
                mean: 10e6,
                sd: 2e6,
            },
            DistKind::LogNormal {
                mean: 10e6,
                sd: 5e6,
            },
            DistKind::Pareto {
                scale: 1e6,
                shape: 3.5,
            },
            DistKind::Weibull {
                scale: 2e6,
                shape: 1.5,
            },
        ];
        for kind in kinds {
            let cfg = DistCfg {
                kind,
                shift_ns: 1e6,
            };
            let s = Sampler::new(&cfg);
            let mut rng = stream(3, 0, 9);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| s.sample(&mut rng) as f64).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let se = (var / n as f64).sqrt().max(1.0);
            let want = cfg.mean_ns();
            assert!(
                (mean - want).abs() < 5.0 * se,
                "{kind:?}: mean {mean} vs {want} (se {se})"
            );
        }
    }
}

//! Propagation: the mean path loss of each preset, building entry loss (ITU-R
//! P.2109-2) and spatially correlated shadowing (Gudmundson's exponential model).

use crate::engine::Seeds;
use crate::ids::Ns;
use crate::scenario::{Building, Environment, PathModel, Propagation};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Speed of light, m/s.
const C: f64 = 299_792_458.0;

/// Free-space loss over `d_m` metres at `f_hz`, dB (Friis).
pub fn free_space_db(d_m: f64, f_hz: f64) -> f64 {
    20.0 * (4.0 * std::f64::consts::PI * d_m.max(1.0) * f_hz / C).log10()
}

/// Mean path loss between a gateway and a device `d_m` metres apart on the ground, dB.
/// The empirical models never fall below free space.
pub fn mean_loss_db(p: &Propagation, d_m: f64) -> f64 {
    PathLoss::new(p).db(d_m)
}

/// The mean path loss of one propagation setting, with the terms that do not depend on
/// the distance worked out once: a dense city evaluates it for every sensor and every
/// gateway in range. Each loss is computed with the same operations in the same order
/// as the formulas read, so it has the same bits.
#[derive(Debug, Clone, Copy)]
pub struct PathLoss {
    f_hz: f64,
    /// (gateway height - device height)², m².
    dh2: f64,
    model: Model,
}

/// [`PathLoss`]'s model, its constant terms worked out.
#[derive(Debug, Clone, Copy)]
enum Model {
    /// pl0 + 10 n log10(d / d0).
    LogDistance { d0_m: f64, pl0_db: f64, ten_n: f64 },
    /// Hata and COST-231 Hata (Hata 1980; COST 231 final report, section 4.4.1):
    /// `base + slope log10(d / 1 km)`, then the environment's terms.
    Hata { base: f64, slope: f64, env: HataEnv },
    /// 3GPP TR 38.901 table 7.4.1-1, UMa NLOS, with the LOS breakpoint at
    /// d'BP = 4 h'BS h'UT fc / c (effective environment height 1 m).
    Uma {
        /// 20 log10(fc / 1 GHz).
        fc_db: f64,
        /// The breakpoint distance, m.
        bp: f64,
        /// 9 log10(d'BP² + (hBS - hUT)²).
        bp_db: f64,
        /// 0.6 (hUT - 1.5).
        hm_db: f64,
    },
}

/// What the environment adds to Hata's urban loss.
#[derive(Debug, Clone, Copy)]
enum HataEnv {
    /// COST-231: + C (3 dB in metropolitan centres, else 0).
    Cost231(f64),
    /// Urban: nothing.
    Urban,
    /// Suburban: - 2 log10(f / 28 MHz)² - 5.4.
    Suburban(f64),
    /// Open: - 4.78 log10(f)² + 18.33 log10(f) - 40.94.
    Open(f64, f64),
}

impl PathLoss {
    /// The mean path loss of `p`.
    pub fn new(p: &Propagation) -> PathLoss {
        let (hb, hm) = (p.gateway_height_m, p.device_height_m);
        let f_mhz = p.frequency_hz / 1e6;
        let dh2 = (hb - hm) * (hb - hm);
        let model = match p.model {
            PathModel::LogDistance {
                d0_m,
                pl0_db,
                exponent,
            } => Model::LogDistance {
                d0_m,
                pl0_db,
                ten_n: 10.0 * exponent,
            },
            PathModel::OkumuraHata(env) => hata(f_mhz, hb, hm, env, false),
            PathModel::Cost231Hata(env) => hata(f_mhz, hb, hm, env, true),
            PathModel::Uma3gpp => {
                let fc = p.frequency_hz / 1e9;
                let bp = 4.0 * (hb - 1.0).max(0.1) * (hm - 1.0).max(0.1) * p.frequency_hz / C;
                Model::Uma {
                    fc_db: 20.0 * fc.log10(),
                    bp,
                    bp_db: 9.0 * (bp * bp + dh2).log10(),
                    hm_db: 0.6 * (hm - 1.5),
                }
            }
        };
        PathLoss {
            f_hz: p.frequency_hz,
            dh2,
            model,
        }
    }

    /// The mean loss over `d_m` metres on the ground, dB.
    #[inline]
    pub fn db(&self, d_m: f64) -> f64 {
        let loss = match self.model {
            Model::LogDistance {
                d0_m,
                pl0_db,
                ten_n,
            } => return pl0_db + ten_n * (d_m.max(1.0) / d0_m).log10(),
            Model::Hata { base, slope, env } => {
                let urban = base + slope * (d_m.max(1.0) / 1e3).log10();
                match env {
                    HataEnv::Cost231(c) => urban + c,
                    HataEnv::Urban => urban,
                    HataEnv::Suburban(x) => urban - x - 5.4,
                    HataEnv::Open(a, b) => urban - a + b - 40.94,
                }
            }
            Model::Uma {
                fc_db,
                bp,
                bp_db,
                hm_db,
            } => {
                let d2 = d_m.max(10.0);
                let l3 = (d2 * d2 + self.dh2).sqrt().log10();
                let los = if d2 <= bp {
                    28.0 + 22.0 * l3 + fc_db
                } else {
                    28.0 + 40.0 * l3 + fc_db - bp_db
                };
                let nlos = 13.54 + 39.08 * l3 + fc_db - hm_db;
                los.max(nlos)
            }
        };
        let d3 = (d_m * d_m + self.dh2).sqrt();
        loss.max(free_space_db(d3, self.f_hz))
    }
}

/// Okumura-Hata (Hata 1980) and COST-231 Hata with the small and medium city mobile
/// antenna correction.
fn hata(f_mhz: f64, hb: f64, hm: f64, env: Environment, cost231: bool) -> Model {
    let lf = f_mhz.log10();
    let a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8);
    let slope = 44.9 - 6.55 * hb.log10();
    if cost231 {
        // COST 231 final report, section 4.4.1: C = 3 dB in metropolitan centres.
        let c = if env == Environment::Urban { 3.0 } else { 0.0 };
        let base = 46.3 + 33.9 * lf - 13.82 * hb.log10() - a_hm;
        let env = HataEnv::Cost231(c);
        return Model::Hata { base, slope, env };
    }
    let base = 69.55 + 26.16 * lf - 13.82 * hb.log10() - a_hm;
    let env = match env {
        Environment::Urban => HataEnv::Urban,
        Environment::Suburban => HataEnv::Suburban(2.0 * (f_mhz / 28.0).log10().powi(2)),
        Environment::Open => HataEnv::Open(4.78 * lf * lf, 18.33 * lf),
    };
    Model::Hata { base, slope, env }
}

/// The ground distance at which the mean loss reaches `loss_db`, m (the loss grows
/// with distance; at most 1000 km).
pub fn distance_for(p: &Propagation, loss_db: f64) -> f64 {
    if let PathModel::LogDistance {
        d0_m,
        pl0_db,
        exponent,
    } = p.model
    {
        return d0_m * 10f64.powf((loss_db - pl0_db) / (10.0 * exponent));
    }
    let (mut lo, mut hi) = (0.0f64, 6.0f64);
    let loss = PathLoss::new(p);
    if loss.db(1.0) >= loss_db {
        return 1.0;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if loss.db(10f64.powf(mid)) < loss_db {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    10f64.powf(hi)
}

/// Building entry loss not exceeded with the probability whose standard normal
/// quantile is `z`, horizontal paths, dB (ITU-R P.2109-2, annex 1, section 3).
pub fn building_entry_loss_db(f_hz: f64, building: Building, z: f64) -> f64 {
    let [r, s, t, u, v, w, x, y, zz] = match building {
        Building::Traditional => [12.64, 3.72, 0.96, 9.6, 2.0, 9.1, -3.0, 4.5, -2.0],
        Building::ThermallyEfficient => [28.19, -3.00, 8.48, 13.5, 3.8, 27.8, -2.9, 9.4, -2.1],
    };
    let lf = (f_hz / 1e9).log10();
    let mu1 = r + s * lf + t * lf * lf;
    let mu2 = w + x * lf;
    let (sigma1, sigma2) = (u + v * lf, y + zz * lf);
    let a = z * sigma1 + mu1;
    let b = z * sigma2 + mu2;
    10.0 * (10f64.powf(0.1 * a) + 10f64.powf(0.1 * b) + 10f64.powf(-0.3)).log10()
}

/// Plane waves per gateway in a shadowing field.
const WAVES: usize = 32;

/// Log-normal shadowing correlated in space: for each gateway an isotropic Gaussian
/// field whose correlation between two places r apart is exp(-r / decorrelation)
/// (Gudmundson 1991), made as a sum of plane waves with wave numbers drawn from that
/// correlation's spectrum. Each wave has Gaussian amplitudes, so the value at any
/// place is exactly standard normal; fields of different gateways are independent.
pub struct ShadowField {
    /// Per gateway id: its waves, None when it has none.
    waves: Vec<Option<Box<Waves>>>,
}

/// One gateway's plane waves, one array per quantity, so that the waves are computed
/// several at once (a dense city evaluates a field for every sensor and every gateway
/// in range at build time).
struct Waves {
    kx: [f64; WAVES],
    ky: [f64; WAVES],
    a: [f64; WAVES],
    b: [f64; WAVES],
    /// The largest |kx| + |ky|, which bounds the phase at a place.
    k_max: f64,
}

impl ShadowField {
    /// Fields for `gateways` (element ids) with the decorrelation distance `dc_m`.
    pub fn new(seeds: Seeds, gateways: impl Iterator<Item = u32>, dc_m: f64) -> ShadowField {
        let mut waves: Vec<Option<Box<Waves>>> = Vec::new();
        for g in gateways {
            let g = g as usize;
            if waves.len() <= g {
                waves.resize_with(g + 1, || None);
            }
            let mut rng = seeds.stream(Ns::ShadowField.id(g as u64));
            let mut w = Box::new(Waves {
                kx: [0.0; WAVES],
                ky: [0.0; WAVES],
                a: [0.0; WAVES],
                b: [0.0; WAVES],
                k_max: 0.0,
            });
            for i in 0..WAVES {
                // The radial wave number of exp(-r/dc) in two dimensions has the
                // distribution F(k) = 1 - 1 / sqrt(1 + (k dc)^2).
                let u: f64 = rng.random();
                let k = ((1.0 / (1.0 - u).powi(2)) - 1.0).max(0.0).sqrt() / dc_m;
                let angle = rng.random::<f64>() * std::f64::consts::TAU;
                w.a[i] = StandardNormal.sample(&mut rng);
                w.b[i] = StandardNormal.sample(&mut rng);
                (w.kx[i], w.ky[i]) = (k * angle.cos(), k * angle.sin());
                w.k_max = w.k_max.max(w.kx[i].abs() + w.ky[i].abs());
            }
            waves[g] = Some(w);
        }
        ShadowField { waves }
    }

    /// The standard normal value of gateway `g`'s field at (x, y).
    pub fn value(&self, g: u32, x: f64, y: f64) -> f64 {
        let Some(w) = self.waves.get(g as usize).and_then(|w| w.as_deref()) else {
            return 0.0;
        };
        // The terms first (independent, so several are computed at once), then their
        // sum in order (so the result does not depend on how).
        let mut terms = [0.0f64; WAVES];
        if w.k_max * (x.abs() + y.abs()) * std::f64::consts::FRAC_2_PI < WIDE_LIMIT {
            wide_terms(w, (x, y), &mut terms);
        } else {
            for (i, t) in terms.iter_mut().enumerate() {
                let (s, c) = sin_cos(w.kx[i] * x + w.ky[i] * y);
                *t = w.a[i] * c + w.b[i] * s;
            }
        }
        let sum: f64 = terms.iter().sum();
        sum / (WAVES as f64).sqrt()
    }
}

/// [`ShadowField::value`]'s terms, on the widest vector unit this processor has (the
/// same operations in the same order on every one, so the same bits).
fn wide_terms(w: &Waves, at: (f64, f64), out: &mut [f64; WAVES]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { wide_terms_avx2(w, at, out) };
        return;
    }
    wide_terms_plain(w, at, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn wide_terms_avx2(w: &Waves, at: (f64, f64), out: &mut [f64; WAVES]) {
    wide_terms_plain(w, at, out);
}

#[inline(always)]
fn wide_terms_plain(w: &Waves, (x, y): (f64, f64), out: &mut [f64; WAVES]) {
    for (i, t) in out.iter_mut().enumerate() {
        let (s, c) = sin_cos_wide(w.kx[i] * x + w.ky[i] * y);
        *t = w.a[i] * c + w.b[i] * s;
    }
}

/// Below this |x| 2/pi, [`sin_cos_wide`] equals [`sin_cos`] bit for bit.
const WIDE_LIMIT: f64 = (1u64 << 50) as f64;

/// 1.5 * 2^52: adding it to a float below 2^51 in magnitude rounds it to an integer,
/// which then sits in the low bits of the sum (two's complement).
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// [`sin_cos`] without branches or conversions to integers, for |x| 2/pi below
/// [`WIDE_LIMIT`], so that it runs on vector units: the same result, bit for bit.
#[inline(always)]
fn sin_cos_wide(x: f64) -> (f64, f64) {
    const HI: f64 = std::f64::consts::FRAC_PI_2;
    const LO: f64 = 6.123_233_995_736_766e-17;
    let t = x * std::f64::consts::FRAC_2_PI;
    let u = t + if t >= 0.0 { 0.5 } else { -0.5 };
    // u truncated toward zero: rounded to the nearest integer, then stepped back
    // toward zero when that went past it.
    let n = (u + ROUNDER) - ROUNDER;
    let step = if u >= 0.0 {
        if n > u {
            -1.0
        } else {
            0.0
        }
    } else if n < u {
        1.0
    } else {
        0.0
    };
    let q = n + step;
    let r = (x - q * HI) - q * LO;
    let (s, c) = polynomials(r);
    // The quadrant from q's low bits (exact: q is an integer below 2^51).
    let m = (q + ROUNDER).to_bits();
    let one = 1.0f64.to_bits();
    let sign_s = f64::from_bits(one | ((m & 2) << 62));
    let sign_c = f64::from_bits(one | ((m.wrapping_add(1) & 2) << 62));
    let swap = 0u64.wrapping_sub(m & 1);
    let s2 = f64::from_bits((s.to_bits() & !swap) | (c.to_bits() & swap));
    let c2 = f64::from_bits((c.to_bits() & !swap) | (s.to_bits() & swap));
    (s2 * sign_s, c2 * sign_c)
}

/// sin r and cos r for |r| up to pi/4: Taylor polynomials.
#[inline(always)]
fn polynomials(r: f64) -> (f64, f64) {
    let r2 = r * r;
    let s = r
        * (1.0
            + r2 * (-1.0 / 6.0
                + r2 * (1.0 / 120.0
                    + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362_880.0 - r2 / 39_916_800.0)))));
    let c = 1.0
        + r2 * (-0.5
            + r2 * (1.0 / 24.0
                + r2 * (-1.0 / 720.0
                    + r2 * (1.0 / 40_320.0 + r2 * (-1.0 / 3_628_800.0 + r2 / 479_001_600.0)))));
    (s, c)
}

/// sin x and cos x to about 1e-11 for |x| below 2^60 (Taylor polynomials after reducing x to within
/// pi/4 of a multiple of pi/2): several times faster than the C library's, and the same
/// on every machine.
fn sin_cos(x: f64) -> (f64, f64) {
    // pi/2 in two parts, so that the reduction stays exact for large x.
    const HI: f64 = std::f64::consts::FRAC_PI_2;
    const LO: f64 = 6.123_233_995_736_766e-17;
    // Nearest multiple of pi/2 (a cast truncates toward zero in one instruction).
    let t = x * std::f64::consts::FRAC_2_PI;
    let q = (t + if t >= 0.0 { 0.5 } else { -0.5 }) as i64 as f64;
    let r = (x - q * HI) - q * LO;
    let (s, c) = polynomials(r);
    // The quadrant without branches: odd quadrants swap sine and cosine; the signs
    // follow bits of q and q + 1 (0: (s, c), 1: (c, -s), 2: (-s, -c), 3: (-c, s)).
    let q = q as i64;
    let swap = q & 1 == 1;
    let sign_s = if q & 2 == 0 { 1.0 } else { -1.0 };
    let sign_c = if (q + 1) & 2 == 0 { 1.0 } else { -1.0 };
    let (s2, c2) = if swap { (c, s) } else { (s, c) };
    (s2 * sign_s, c2 * sign_c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(model: PathModel, f_hz: f64, hb: f64) -> Propagation {
        Propagation {
            model,
            frequency_hz: f_hz,
            gateway_height_m: hb,
            device_height_m: 1.5,
            sigma_db: 0.0,
            decorrelation_m: 0.0,
        }
    }

    #[test]
    fn the_wide_sin_cos_gives_the_same_bits() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let same = |x: f64| {
            let (a, b) = (sin_cos(x), sin_cos_wide(x));
            assert!(
                a.0.to_bits() == b.0.to_bits() && a.1.to_bits() == b.1.to_bits(),
                "{x}: {a:?} against {b:?}"
            );
        };
        // Multiples of pi/4 (where the reduction rounds half away), their neighbours,
        // zeros, and random phases of every magnitude up to the wide limit.
        for k in -4000i32..4000 {
            let x = f64::from(k) * std::f64::consts::FRAC_PI_4;
            for x in [x, x.next_up(), x.next_down()] {
                same(x);
            }
        }
        same(0.0);
        same(-0.0);
        for _ in 0..200_000 {
            let scale = 2f64.powi(rng.random_range(-20..50));
            same((rng.random::<f64>() * 2.0 - 1.0) * scale);
        }
        // A whole field, against the terms computed one by one.
        let f = ShadowField::new(
            Seeds {
                seed: 5,
                replication: 0,
            },
            0..4,
            50.0,
        );
        for i in 0..2000 {
            let (x, y) = (f64::from(i) * 13.7 - 9000.0, f64::from(i) * -7.3 + 4000.0);
            let w = f.waves[1].as_deref().unwrap();
            let sum: f64 = (0..WAVES)
                .map(|j| {
                    let (s, c) = sin_cos(w.kx[j] * x + w.ky[j] * y);
                    w.a[j] * c + w.b[j] * s
                })
                .sum();
            let want = sum / (WAVES as f64).sqrt();
            assert_eq!(f.value(1, x, y).to_bits(), want.to_bits(), "({x}, {y})");
        }
    }

    #[test]
    fn sin_cos_matches_the_library() {
        for i in -20_000i32..20_000 {
            let x = f64::from(i) * 0.123_456_7 * (1.0 + f64::from(i.abs()) * 0.01);
            let (s, c) = sin_cos(x);
            let (ws, wc) = x.sin_cos();
            assert!((s - ws).abs() < 1e-9 && (c - wc).abs() < 1e-9, "{x}");
        }
    }

    /// The mean losses as the published formulas read, term by term, every term
    /// computed for each distance.
    fn loss_as_published(p: &Propagation, d_m: f64) -> f64 {
        let (hb, hm, f_hz) = (p.gateway_height_m, p.device_height_m, p.frequency_hz);
        let f_mhz = f_hz / 1e6;
        let d3 = (d_m * d_m + (hb - hm) * (hb - hm)).sqrt();
        let hata = |env: Environment, cost231: bool| {
            let lf = f_mhz.log10();
            let a_hm = (1.1 * lf - 0.7) * hm - (1.56 * lf - 0.8);
            let slope = (44.9 - 6.55 * hb.log10()) * (d_m.max(1.0) / 1e3).log10();
            if cost231 {
                let c = if env == Environment::Urban { 3.0 } else { 0.0 };
                return 46.3 + 33.9 * lf - 13.82 * hb.log10() - a_hm + slope + c;
            }
            let urban = 69.55 + 26.16 * lf - 13.82 * hb.log10() - a_hm + slope;
            match env {
                Environment::Urban => urban,
                Environment::Suburban => urban - 2.0 * (f_mhz / 28.0).log10().powi(2) - 5.4,
                Environment::Open => urban - 4.78 * lf * lf + 18.33 * lf - 40.94,
            }
        };
        let model = match p.model {
            PathModel::LogDistance {
                d0_m,
                pl0_db,
                exponent,
            } => return pl0_db + 10.0 * exponent * (d_m.max(1.0) / d0_m).log10(),
            PathModel::OkumuraHata(env) => hata(env, false),
            PathModel::Cost231Hata(env) => hata(env, true),
            PathModel::Uma3gpp => {
                let fc = f_hz / 1e9;
                let d2 = d_m.max(10.0);
                let d3 = (d2 * d2 + (hb - hm) * (hb - hm)).sqrt();
                let bp = 4.0 * (hb - 1.0).max(0.1) * (hm - 1.0).max(0.1) * f_hz / C;
                let los = if d2 <= bp {
                    28.0 + 22.0 * d3.log10() + 20.0 * fc.log10()
                } else {
                    28.0 + 40.0 * d3.log10() + 20.0 * fc.log10()
                        - 9.0 * (bp * bp + (hb - hm) * (hb - hm)).log10()
                };
                let nlos = 13.54 + 39.08 * d3.log10() + 20.0 * fc.log10() - 0.6 * (hm - 1.5);
                los.max(nlos)
            }
        };
        model.max(free_space_db(d3, f_hz))
    }

    #[test]
    fn the_path_loss_with_its_constants_worked_out_has_the_published_bits() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let envs = [Environment::Urban, Environment::Suburban, Environment::Open];
        let mut models = vec![
            PathModel::Uma3gpp,
            PathModel::LogDistance {
                d0_m: 40.0,
                pl0_db: 127.41,
                exponent: 2.08,
            },
        ];
        for env in envs {
            models.extend([PathModel::OkumuraHata(env), PathModel::Cost231Hata(env)]);
        }
        for model in models {
            for _ in 0..2_000 {
                let f_hz = [433e6, 868e6, 915e6, 1.8e9, 2.4e9][rng.random_range(0..5)];
                let mut p = prop(model, f_hz, rng.random_range(1.0..60.0));
                p.device_height_m = rng.random_range(0.2..10.0);
                let loss = PathLoss::new(&p);
                // From under a metre to 100 km, the UMa breakpoint included.
                let d = 10f64.powf(rng.random_range(-0.5..5.0));
                let (got, want) = (loss.db(d), loss_as_published(&p, d));
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{model:?} {d} m: {got} {want}"
                );
                assert_eq!(mean_loss_db(&p, d).to_bits(), want.to_bits());
            }
        }
    }

    #[test]
    fn hata_matches_the_published_urban_value() {
        // Hata 1980 urban, 900 MHz, base 30 m, mobile 1.5 m: 126.4 dB at 1 km, and
        // 44.9 - 6.55 log10(30) = 35.2 dB per decade.
        let p = prop(PathModel::OkumuraHata(Environment::Urban), 900e6, 30.0);
        assert!((mean_loss_db(&p, 1e3) - 126.42).abs() < 0.05);
        let slope = mean_loss_db(&p, 1e4) - mean_loss_db(&p, 1e3);
        assert!((slope - 35.22).abs() < 0.01, "{slope}");
        let sub = prop(PathModel::OkumuraHata(Environment::Suburban), 900e6, 30.0);
        let open = prop(PathModel::OkumuraHata(Environment::Open), 900e6, 30.0);
        assert!(mean_loss_db(&open, 1e3) < mean_loss_db(&sub, 1e3));
        assert!(mean_loss_db(&sub, 1e3) < mean_loss_db(&p, 1e3));
    }

    #[test]
    fn uma_matches_tr_38_901() {
        // 868 MHz, 25 m / 1.5 m, 1 km: PL'_NLOS = 13.54 + 39.08 log10(1000.28) +
        // 20 log10(0.868) = 129.55 dB, above the LOS value beyond the breakpoint.
        let p = prop(PathModel::Uma3gpp, 868e6, 25.0);
        assert!((mean_loss_db(&p, 1e3) - 129.55).abs() < 0.02);
        // Never below free space, and the inverse round-trips.
        assert!(mean_loss_db(&p, 10.0) >= free_space_db(26.0, 868e6) - 1e-9);
        for loss in [120.0, 140.0, 160.0] {
            let d = distance_for(&p, loss);
            assert!((mean_loss_db(&p, d) - loss).abs() < 1e-6, "{loss}");
        }
    }

    #[test]
    fn building_entry_loss_matches_p2109() {
        // Median (z = 0) at 1 GHz, traditional: 10 log10(10^1.264 + 10^0.91 + 10^-0.3).
        let want = 10.0 * (10f64.powf(1.264) + 10f64.powf(0.91) + 10f64.powf(-0.3)).log10();
        let got = building_entry_loss_db(1e9, Building::Traditional, 0.0);
        assert!((got - want).abs() < 1e-9 && (got - 14.31).abs() < 0.01);
        let eff = building_entry_loss_db(1e9, Building::ThermallyEfficient, 0.0);
        assert!(eff > got + 10.0, "{eff}");
        assert!(building_entry_loss_db(1e9, Building::Traditional, 1.0) > got);
    }

    #[test]
    fn shadowing_is_standard_normal_and_decorrelates_exponentially() {
        // Over N independent fields, the product of the values at two places r apart
        // has mean exp(-r/dc) and variance at most 3 (1 + 2 c^2 for each field's own
        // correlation c); 5 standard errors of sqrt(3/N) bound the estimate.
        let n = 20_000u32;
        let dc = 50.0;
        let f = ShadowField::new(
            Seeds {
                seed: 9,
                replication: 0,
            },
            0..n,
            dc,
        );
        let tol = 5.0 * (3.0 / f64::from(n)).sqrt();
        let mut var = 0.0;
        let mut tail = 0u32;
        for g in 0..n {
            let v = f.value(g, 1234.0, -567.0);
            var += v * v;
            tail += u32::from(v.abs() > 2.0);
        }
        assert!((var / f64::from(n) - 1.0).abs() < tol, "variance");
        // P(|Z| > 2) = 0.0455; binomial standard error.
        let p = f64::from(tail) / f64::from(n);
        assert!(
            (p - 0.0455).abs() < 5.0 * (0.0455 * 0.9545 / f64::from(n)).sqrt(),
            "{p}"
        );
        for r in [25.0, 50.0, 100.0] {
            let rho: f64 = (0..n)
                .map(|g| f.value(g, 100.0, 200.0) * f.value(g, 100.0 + r * 0.6, 200.0 + r * 0.8))
                .sum::<f64>()
                / f64::from(n);
            let want = (-r / dc).exp();
            assert!((rho - want).abs() < tol, "r = {r}: {rho} vs {want}");
        }
    }
}

//! Small statistics helpers: normal and Student-t quantiles, batch means.

/// Quantile of the standard normal distribution (Acklam's rational approximation,
/// relative error below 1.2e-9), for `0 < p < 1`.
pub fn normal_quantile(p: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "normal_quantile needs 0 < p < 1, got {p}"
    );
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// CDF of the standard normal distribution (Abramowitz & Stegun 7.1.26 for erfc,
/// absolute error below 1.5e-7).
///
/// ```
/// use citysim::stats::normal_cdf;
/// assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
/// assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
/// assert!((normal_cdf(-3.0) - 0.001_349_9).abs() < 1e-6);
/// ```
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-x * x).exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Quantile of Student's t distribution with `df` degrees of freedom.
///
/// Exact closed forms for 1 and 2 degrees of freedom; otherwise a Cornish-Fisher
/// expansion refined by Newton steps on the t CDF, accurate to about 1e-9.
///
/// ```
/// use citysim::stats::student_t_quantile;
/// assert!((student_t_quantile(0.975, 10) - 2.228_138_85).abs() < 1e-6);
/// assert!((student_t_quantile(0.975, 1) - 12.706_204_7).abs() < 1e-6);
/// ```
pub fn student_t_quantile(p: f64, df: u64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "student_t_quantile needs 0 < p < 1, got {p}"
    );
    assert!(
        df >= 1,
        "student_t_quantile needs at least one degree of freedom"
    );
    let v = df as f64;
    match df {
        1 => return (std::f64::consts::PI * (p - 0.5)).tan(),
        2 => {
            let a = 4.0 * p * (1.0 - p);
            return 2.0 * (p - 0.5) * (2.0 / a).sqrt();
        }
        _ => {}
    }
    let z = normal_quantile(p);
    let (z3, z5, z7, z9) = (z.powi(3), z.powi(5), z.powi(7), z.powi(9));
    let mut t = z
        + (z3 + z) / (4.0 * v)
        + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * v.powi(3))
        + (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / (92160.0 * v.powi(4));
    for _ in 0..8 {
        let err = student_t_cdf(t, df) - p;
        let step = err / student_t_pdf(t, v);
        t -= step;
        if step.abs() < 1e-12 * t.abs().max(1.0) {
            break;
        }
    }
    t
}

/// Natural log of the gamma function for x > 0 (Lanczos approximation, g = 7, n = 9).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let t = x + 7.5;
    let s: f64 = G[0] + (1..9).map(|i| G[i] / (x + i as f64)).sum::<f64>();
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

fn student_t_pdf(t: f64, v: f64) -> f64 {
    let ln = ln_gamma((v + 1.0) / 2.0)
        - ln_gamma(v / 2.0)
        - 0.5 * (v * std::f64::consts::PI).ln()
        - (v + 1.0) / 2.0 * (1.0 + t * t / v).ln();
    ln.exp()
}

/// CDF of Student's t: for integer df, the classic finite series.
pub fn student_t_cdf(t: f64, df: u64) -> f64 {
    let v = df as f64;
    let theta = (t.abs() / v.sqrt()).atan();
    let (s, c) = theta.sin_cos();
    // A(t|v) = P(|T| < t), by the series of Abramowitz & Stegun 26.7.3/26.7.4.
    let a = if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = c;
            sum = term;
            let mut k = 3.0;
            while k <= v - 2.0 + 1e-9 {
                term *= c * c * (k - 1.0) / k;
                sum += term;
                k += 2.0;
            }
        }
        2.0 / std::f64::consts::PI * (theta + s * sum)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        let mut k = 2.0;
        while k <= v - 2.0 + 1e-9 {
            term *= c * c * (k - 1.0) / k;
            sum += term;
            k += 2.0;
        }
        s * sum
    };
    if t >= 0.0 {
        0.5 + 0.5 * a
    } else {
        0.5 - 0.5 * a
    }
}

/// Mean and half-width of the two-sided `level` confidence interval (Student's t) of the
/// mean of `samples` (at least two).
pub fn mean_ci(samples: &[f64], level: f64) -> (f64, f64) {
    let n = samples.len();
    assert!(n >= 2, "a confidence interval needs at least two samples");
    let mean = samples.iter().sum::<f64>() / n as f64;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = student_t_quantile(0.5 + level / 2.0, n as u64 - 1);
    (mean, t * (var / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.005) + 2.575_829_304).abs() < 1e-8);
        // Reference values (R: qt).
        let table = [
            (0.975, 2, 4.302_652_730),
            (0.975, 3, 3.182_446_305),
            (0.975, 4, 2.776_445_105),
            (0.975, 9, 2.262_157_163),
            (0.995, 5, 4.032_142_984),
            (0.995, 99, 2.626_405_132),
            (0.95, 29, 1.699_127_027),
            (0.025, 7, -2.364_624_252),
        ];
        for (p, df, want) in table {
            let got = student_t_quantile(p, df);
            assert!(
                (got - want).abs() < 1e-6,
                "t({p}, {df}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn ci_uses_t_not_z() {
        let (m, h) = mean_ci(&[1.0, 2.0, 3.0], 0.95);
        assert_eq!(m, 2.0);
        // s = 1, n = 3: 4.302653 / sqrt(3).
        assert!((h - 4.302_652_73 / 3f64.sqrt()).abs() < 1e-6);
    }
}

//! LoRa coverage against the closed form of its propagation model: mean path loss,
//! log-normal shadowing and ITU-R P.2109 building entry loss.

use citysim::metrics::DropCause;
use citysim::model::propagation::{building_entry_loss_db, mean_loss_db};
use citysim::run::{run, QueueKind};
use citysim::scenario::Building;

/// `n` sensors on a circle of radius `r_m` around one gateway, each sending one SF12
/// reading; `extra` goes into the class.
fn ring(n: usize, r_m: f64, extra: &str) -> String {
    let c = 6000.0;
    let positions: Vec<String> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            format!("[{:.2}, {:.2}]", c + r_m * a.cos(), c + r_m * a.sin())
        })
        .collect();
    format!(
        r#"
name = "ring"
[simulation]
duration = "10min"
[city]
width = "12km"
height = "12km"
[[access]]
name = "lora"
lora = {{ sf = 12, duty_cycle = "none", decorrelation = "0m" }}
[[sensors]]
name = "meter"
count = {n}
placement = {{ kind = "explicit", positions = [{}] }}
traffic = {{ kind = "periodic", interval = "10min" }}
payload = "10B"
{extra}
[gateways]
count = 1
placement = {{ kind = "explicit", positions = [[{c}, {c}]] }}
"#,
        positions.join(", ")
    )
}

/// The standard normal upper tail, Q(x) = Φ(-x) (Abramowitz and Stegun 7.1.26, error
/// under 1.5e-7).
fn q(x: f64) -> f64 {
    citysim::stats::normal_cdf(-x)
}

/// The share of readings no gateway hears, and how many readings there were.
fn unheard(text: &str) -> (f64, f64) {
    let s = citysim::scenario::load_str("ring.toml", "ring", text, &[]).unwrap();
    let t = run(&s, 0, QueueKind::Radix, &mut |_| {}).0.total();
    let below = t.dropped[DropCause::BelowSensitivity as usize] as f64;
    (below / t.generated as f64, t.generated as f64)
}

#[test]
fn issue_12_coverage_follows_the_path_loss_shadowing_and_building_loss() {
    let s = citysim::scenario::load_str("ring.toml", "ring", &ring(1, 1.0, ""), &[]).unwrap();
    let p = s.access[0].lora().unwrap().propagation;
    // 14 dBm + 3 dBi - 1 dB against the SX1301's -142.5 dBm at SF12.
    let budget = 14.0 + 3.0 - 1.0 + 142.5;
    let sigma = p.sigma_db;
    // The building entry loss's quantile z and the shadowing are independent: average
    // Q((budget - L - BEL(z)) / sigma) over z by the midpoint rule.
    let indoors = |margin: f64| {
        let (lo, hi, k) = (-8.0, 8.0, 4000);
        let h = (hi - lo) / f64::from(k);
        (0..k)
            .map(|i| {
                let z = lo + (f64::from(i) + 0.5) * h;
                let bel = building_entry_loss_db(p.frequency_hz, Building::Traditional, z);
                let w = (-z * z / 2.0).exp() / (std::f64::consts::TAU).sqrt() * h;
                w * q((margin - bel) / sigma)
            })
            .sum::<f64>()
    };
    let n = 4000;
    for (r, extra, share) in [
        (5000.0, "", 0.0),
        (2000.0, "indoor = 1.0", 1.0),
        (3000.0, "indoor = 0.5", 0.5),
    ] {
        let margin = budget - mean_loss_db(&p, r);
        let want = (1.0 - share) * q(margin / sigma) + share * indoors(margin);
        let (got, readings) = unheard(&ring(n, r, extra));
        assert_eq!(readings, n as f64, "one reading per sensor");
        // Sensors draw their shadowing and building independently: binomial error.
        let tol = 4.5 * (want * (1.0 - want) / readings).sqrt();
        assert!(
            (got - want).abs() < tol,
            "r = {r} m, {extra:?}: {got:.4} unheard, closed form {want:.4} +/- {tol:.4}"
        );
    }
}

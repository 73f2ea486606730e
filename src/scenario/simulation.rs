//! `[simulation]`, `[city]` and `[targets]`.

use super::read::{self, Cx, Tbl};
use super::tree::Node;
use super::*;
use serde::Serialize;

/// `[simulation]`.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Simulated time, ns.
    pub duration_ns: u64,
    /// Initial period excluded from the metrics, ns.
    pub warmup_ns: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Width of a time-series bucket, ns.
    pub bucket_ns: u64,
    /// Multiplies the count of every sensor class, gateway group and relay group placed
    /// by rule (explicit positions stay as written).
    pub scale: f64,
}

/// `[city]`.
#[derive(Debug, Clone, Serialize)]
pub struct City {
    /// East-west extent, m.
    pub width_m: f64,
    /// North-south extent, m.
    pub height_m: f64,
}

/// `[targets]`: what the city expects, drawn as target lines and checked in reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Targets {
    /// Lowest acceptable delivery ratio.
    pub delivery_ratio: Option<f64>,
    /// Highest acceptable p95 latency, ms.
    pub latency_p95_ms: Option<f64>,
}

pub(crate) fn read_simulation(cx: &mut Cx, node: Option<&Node>) -> Option<Simulation> {
    let parse = |s: &str| crate::units::parse_duration_ns(s).expect("default parses");
    let mut sim = Simulation {
        duration_ns: parse(defaults::DURATION),
        warmup_ns: parse(defaults::WARMUP),
        seed: defaults::SEED,
        bucket_ns: 0,
        scale: 1.0,
    };
    let mut ok = true;
    let mut bucket = None;
    if let Some(node) = node {
        let mut t = Tbl::open(cx, node, "simulation")?;
        if let Some(n) = t.get("duration") {
            match read::positive_duration(cx, n, "simulation.duration") {
                Some(d) => sim.duration_ns = d,
                None => ok = false,
            }
        }
        if let Some(n) = t.get("warmup") {
            match read::duration(cx, n, "simulation.warmup") {
                Some(w) if w < sim.duration_ns => sim.warmup_ns = w,
                Some(_) => {
                    cx.err(
                        &n.origin,
                        "simulation.warmup",
                        "expected a warm-up shorter than the duration",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(n) = t.get("seed") {
            match read::int(cx, n, "simulation.seed", 0, i64::MAX) {
                Some(s) => sim.seed = s as u64,
                None => ok = false,
            }
        }
        if let Some(n) = t.get("scale") {
            match read::positive_float(cx, n, "simulation.scale") {
                Some(x) if x <= 1e4 => sim.scale = x,
                Some(_) => {
                    cx.expected(n, "simulation.scale", "a factor above 0 and at most 10000");
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(n) = t.get("bucket") {
            match read::positive_duration(cx, n, "simulation.bucket") {
                Some(b) if sim.duration_ns / b <= 1_000_000 => bucket = Some(b),
                Some(_) => {
                    cx.err(
                        &n.origin,
                        "simulation.bucket",
                        "expected a bucket giving at most 1,000,000 buckets over the duration",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        t.finish(cx);
    }
    sim.bucket_ns = bucket.unwrap_or_else(|| {
        let raw = sim.duration_ns / defaults::BUCKETS;
        (raw / 1_000_000_000 * 1_000_000_000).max(1_000_000_000)
    });
    ok.then_some(sim)
}

pub(crate) fn read_targets(cx: &mut Cx, node: Option<&Node>) -> Option<Targets> {
    let mut targets = Targets::default();
    let Some(node) = node else {
        return Some(targets);
    };
    let mut t = Tbl::open(cx, node, "targets")?;
    let mut ok = true;
    if let Some(n) = t.get("delivery_ratio") {
        match read::probability(cx, n, "targets.delivery_ratio") {
            Some(p) => targets.delivery_ratio = Some(p),
            None => ok = false,
        }
    }
    if let Some(n) = t.get("latency_p95") {
        match read::positive_duration(cx, n, "targets.latency_p95") {
            Some(ns) => targets.latency_p95_ms = Some(ns as f64 / 1e6),
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(targets)
}

pub(crate) fn read_city(cx: &mut Cx, node: Option<&Node>) -> City {
    let side = crate::units::parse_distance_m(defaults::CITY_SIDE).expect("default parses");
    let mut city = City {
        width_m: side,
        height_m: side,
    };
    if let Some(node) = node {
        if let Some(mut t) = Tbl::open(cx, node, "city") {
            for (key, slot) in [("width", &mut city.width_m), ("height", &mut city.height_m)] {
                if let Some(n) = t.get(key) {
                    match read::distance(cx, n, &format!("city.{key}")) {
                        Some(v) if v > 0.0 => *slot = v,
                        Some(_) => cx.expected(n, &format!("city.{key}"), "a positive distance"),
                        None => {}
                    }
                }
            }
            t.finish(cx);
        }
    }
    city
}

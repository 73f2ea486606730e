//! `[simulation]`, `[city]` and `[targets]`.

use super::diag::Origin;
use super::read::{self, Cx, Duration, Int, Kind, PositiveDuration, Probability, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
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
    /// Whether the city grows with `scale` (each side by its square root, with every
    /// position, region and cluster count), so that density stays as written.
    pub scale_area: bool,
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
    let empty = absent_table();
    let mut t = Tbl::open(cx, node.unwrap_or(&empty), "simulation", "simulation")?;
    let duration = t.val::<PositiveDuration>(cx, "duration");
    let warmup = t.val::<Duration>(cx, "warmup");
    let seed = t.val::<Int<0, { i64::MAX }>>(cx, "seed");
    let scale = t.val::<Scale>(cx, "scale");
    let scale_area = t.val::<read::Flag>(cx, "scale_area");
    let bucket = t.opt::<PositiveDuration>(cx, "bucket");
    let warmup = match (warmup, duration) {
        (Some(w), Some(d)) if w >= d => {
            let origin = t.origin_of("warmup");
            cx.err(
                &origin,
                "simulation.warmup",
                "expected a warm-up shorter than the duration",
            );
            None
        }
        (w, _) => w,
    };
    let bucket = match (bucket, duration) {
        (Some(Some(b)), Some(d)) if d / b > 1_000_000 => {
            let origin = t.origin_of("bucket");
            cx.err(
                &origin,
                "simulation.bucket",
                "expected a bucket giving at most 1,000,000 buckets over the duration",
            );
            None
        }
        (b, _) => b,
    };
    t.finish(cx);
    let duration_ns = duration?;
    Some(Simulation {
        duration_ns,
        warmup_ns: warmup?,
        seed: seed? as u64,
        // By default, `duration / BUCKETS` rounded down to whole seconds (at least one).
        bucket_ns: bucket?.unwrap_or_else(|| {
            let raw = duration_ns / defaults::BUCKETS;
            (raw / 1_000_000_000 * 1_000_000_000).max(1_000_000_000)
        }),
        scale: scale?,
        scale_area: scale_area?,
    })
}

read::kind!(
    /// `simulation.scale`: a factor above 0 and at most 10000.
    Scale => f64, "number > 0, at most 10000", |cx: &mut Cx, n: &Node, k: &str| match read::positive_float(cx, n, k) {
        Some(x) if x <= 1e4 => Some(x),
        Some(_) => {
            cx.expected(n, k, "a factor above 0 and at most 10000");
            None
        }
        None => None,
    }
);

pub(crate) fn read_targets(cx: &mut Cx, node: Option<&Node>) -> Option<Targets> {
    let mut targets = Targets::default();
    let Some(node) = node else {
        return Some(targets);
    };
    let mut t = Tbl::open(cx, node, "targets", "targets")?;
    let ratio = t.opt::<Probability>(cx, "delivery_ratio");
    let p95 = t.opt::<PositiveDuration>(cx, "latency_p95");
    t.finish(cx);
    targets.delivery_ratio = ratio?;
    targets.latency_p95_ms = p95?.map(|ns| ns as f64 / 1e6);
    Some(targets)
}

/// A section the file leaves out, read as an empty table so that every key takes its
/// documented default.
pub(crate) fn absent_table() -> Node {
    Node {
        val: Val::Table(Vec::new()),
        origin: Origin::Default,
    }
}

/// The keys of `simulation` tables, for the key reference.
pub(crate) const SIMULATION_KEYS: &[Key] = &[
    Key::of("duration", "how much city time to simulate"),
    Key::of(
        "warmup",
        "readings generated before this are simulated but not counted",
    ),
    Key::of(
        "seed",
        "the random seed: the same scenario and seed give the same outputs",
    ),
    Key::of(
        "scale",
        "multiplies every sensor, gateway and relay count (not explicit positions)",
    ),
    Key::of(
        "scale_area",
        "grow the city with `scale` (sides by its square root), so that density stays as written",
    ),
    Key::opt(
        "bucket",
        "the duration / 60, in whole seconds (at least 1s)",
        "the time series' bucket",
    ),
];

/// The keys of `targets` tables, for the key reference.
pub(crate) const TARGETS_KEYS: &[Key] = &[
    Key::opt(
        "delivery_ratio",
        "no target",
        "the least share of readings that must be delivered",
    ),
    Key::opt(
        "latency_p95",
        "no target",
        "the largest 95th percentile of delivery latency",
    ),
];

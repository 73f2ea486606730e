//! The `[sweep]` section: which scenario variants a study runs.
//!
//! ```toml
//! [sweep]
//! replications = 5                      # runs per point, replication 0..R-1
//! [sweep.grid]                          # cartesian product
//! "gateways.count" = [4, 8, 12]
//! "sensors.air.traffic.interval" = ["1min", "5min"]
//! [[sweep.points]]                      # explicit points, after the grid's
//! "gateways.count" = 20
//! [sweep.sample]                        # sampled points, after the explicit ones
//! method = "lhs"                        # or "random"
//! points = 16
//! seed = 3
//! ranges = { "access.lora.loss" = { min = 0.0, max = 0.2 },
//!            "gateways.count" = { min = 2, max = 40 } }   # integers stay integers
//! ```
//!
//! Every path is a `--set` path. The points of the study are the grid's, then the
//! explicit ones, then the sampled ones, in that order.

use super::diag::Origin;
use super::read::{self, Cx, Int, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use crate::engine::stream;
use rand::Rng;

/// The variants of a study.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// Replications per point.
    pub replications: u32,
    /// Every parameter path, in order of first appearance.
    pub params: Vec<String>,
    /// The points: one value (or none: the scenario's own) per parameter.
    pub points: Vec<Vec<Option<Node>>>,
}

fn param_index(params: &mut Vec<String>, path: &str) -> usize {
    match params.iter().position(|p| p == path) {
        Some(i) => i,
        None => {
            params.push(path.to_string());
            params.len() - 1
        }
    }
}

/// Reads `[sweep]`; `None` when it has problems (reported).
pub(crate) fn read_sweep(cx: &mut Cx, node: &Node) -> Option<SweepSpec> {
    let mut t = Tbl::open(cx, node, "sweep", "sweep")?;
    let replications = t
        .val::<Int<1, 1_000_000>>(cx, "replications")
        .map(|r| r as u32);
    let mut params = Vec::new();
    let mut points: Vec<Vec<(usize, Node)>> = Vec::new();
    let mut ok = true;

    if let Some(grid) = t.get("grid") {
        match read_grid(cx, grid, &mut params) {
            Some(mut p) => points.append(&mut p),
            None => ok = false,
        }
    }
    if let Some(list) = t.get("points") {
        ok &= read_explicit(cx, list, &mut params, &mut points);
    }
    if let Some(sample) = t.get("sample") {
        match read_sample(cx, sample, &mut params) {
            Some(mut p) => points.append(&mut p),
            None => ok = false,
        }
    }
    let origin = t.origin.clone();
    t.finish(cx);
    if ok && points.is_empty() {
        cx.err(
            &origin,
            "sweep",
            "expected at least one point: add [sweep.grid], [[sweep.points]] or [sweep.sample]",
        );
        return None;
    }
    if let (true, Some(r)) = (ok, replications) {
        if !sizes_fit(cx, &origin, points.len(), r) {
            return None;
        }
    }
    let n = params.len();
    let points = points
        .into_iter()
        .map(|p| {
            let mut row: Vec<Option<Node>> = vec![None; n];
            for (i, v) in p {
                row[i] = Some(v);
            }
            row
        })
        .collect();
    if !ok {
        return None;
    }
    Some(SweepSpec {
        replications: replications?,
        params,
        points,
    })
}

/// `[[sweep.points]]`, appended to `points`; false when one is not a table of values.
fn read_explicit(
    cx: &mut Cx,
    list: &Node,
    params: &mut Vec<String>,
    points: &mut Vec<Vec<(usize, Node)>>,
) -> bool {
    let Some(items) = read::array(cx, list, "sweep.points") else {
        return false;
    };
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match &item.val {
            Val::Table(entries) if !entries.is_empty() => points.push(
                entries
                    .iter()
                    .map(|e| (param_index(params, &e.key), e.node.clone()))
                    .collect(),
            ),
            _ => {
                cx.expected(
                    item,
                    &format!("sweep.points.{i}"),
                    "a table of parameter values, e.g. { \"gateways.count\" = 4 }",
                );
                ok = false;
            }
        }
    }
    ok
}

/// Whether `points` points of `replications` each are within [`MAX_POINTS`] and
/// [`MAX_TASKS`] (else says so).
fn sizes_fit(cx: &mut Cx, origin: &Origin, points: usize, r: u32) -> bool {
    let tasks = points as u64 * u64::from(r);
    if points <= MAX_POINTS && tasks <= MAX_TASKS {
        return true;
    }
    cx.err(
        origin,
        "sweep",
        format!(
            "{points} points x {r} replications = {tasks} runs; expected at most 1,000,000 \
             points and 10,000,000 runs"
        ),
    );
    false
}

/// The most points a sweep may have (each is a simulation).
pub const MAX_POINTS: usize = 1_000_000;

/// The most runs (points x replications) a sweep may have.
pub const MAX_TASKS: u64 = 10_000_000;

fn read_grid(
    cx: &mut Cx,
    node: &Node,
    params: &mut Vec<String>,
) -> Option<Vec<Vec<(usize, Node)>>> {
    let Val::Table(entries) = &node.val else {
        cx.expected(node, "sweep.grid", "a table of parameter = [values]");
        return None;
    };
    let mut axes: Vec<(usize, &[Node])> = Vec::new();
    for e in entries {
        let key = format!("sweep.grid.\"{}\"", e.key);
        match &e.node.val {
            Val::Array(values) if !values.is_empty() => {
                axes.push((param_index(params, &e.key), values));
            }
            Val::Array(_) => {
                cx.err(
                    &e.node.origin,
                    &key,
                    "expected at least one value (an empty range sweeps nothing)",
                );
                return None;
            }
            _ => {
                cx.expected(&e.node, &key, "a list of values, e.g. [4, 8, 12]");
                return None;
            }
        }
    }
    if axes.is_empty() {
        cx.err(
            &node.origin,
            "sweep.grid",
            "expected at least one parameter",
        );
        return None;
    }
    let total = axes
        .iter()
        .try_fold(1usize, |acc, a| acc.checked_mul(a.1.len()))
        .filter(|&t| t <= MAX_POINTS);
    let Some(total) = total else {
        let digits: f64 = axes.iter().map(|a| (a.1.len() as f64).log10()).sum();
        cx.err(
            &node.origin,
            "sweep.grid",
            format!(
                "the grid has about 10^{digits:.1} points; expected at most 1,000,000 (each \
                 point is a simulation)"
            ),
        );
        return None;
    };
    // Cartesian product, last axis fastest.
    let mut out = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut point = vec![(0, axes[0].1[0].clone()); axes.len()];
        for (a, (p, values)) in axes.iter().enumerate().rev() {
            point[a] = (*p, values[i % values.len()].clone());
            i /= values.len();
        }
        out.push(point);
    }
    Some(out)
}

/// A sampled range: numbers, or strings with one of the scenario units.
pub(crate) enum Range {
    Int(i64, i64),
    Float(f64, f64),
    /// In base units, with the unit suffix used to write values back.
    Unit(f64, f64, &'static str, bool),
}

fn unit_value(s: &str) -> Option<(f64, &'static str, bool)> {
    use crate::units::*;
    if let Ok(ns) = parse_duration_ns(s) {
        return Some((ns as f64, "ns", true));
    }
    if let Ok(b) = parse_bytes(s) {
        return Some((b as f64, "B", true));
    }
    if let Ok(r) = parse_bitrate(s) {
        return Some((r, "bps", false));
    }
    parse_distance_m(s).ok().map(|m| (m, "m", false))
}

pub(crate) fn read_range(cx: &mut Cx, node: &Node, key: &str) -> Option<Range> {
    let mut t = Tbl::open(cx, node, key, "range")?;
    let lo = t.req(cx, "min", "the lower end of the range");
    let hi = t.req(cx, "max", "the upper end of the range");
    t.finish(cx);
    let (lo, hi) = (lo?, hi?);
    let range = match (&lo.val, &hi.val) {
        (Val::Int(a), Val::Int(b)) => Range::Int(*a, *b),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => {
            Range::Float(read::float(cx, lo, key)?, read::float(cx, hi, key)?)
        }
        (Val::Str(a), Val::Str(b)) => {
            match (unit_value(a), unit_value(b)) {
                (Some((x, u, int)), Some((y, v, _))) if u == v => Range::Unit(x, y, u, int),
                _ => {
                    cx.err(&node.origin, key, "expected min and max with the same kind of unit, e.g. \"1min\" and \"10min\"");
                    return None;
                }
            }
        }
        _ => {
            cx.err(
                &node.origin,
                key,
                "expected numbers or strings with units for min and max",
            );
            return None;
        }
    };
    let empty = match range {
        Range::Int(a, b) => a > b,
        Range::Float(a, b) | Range::Unit(a, b, _, _) => a.partial_cmp(&b).is_none_or(|o| o.is_gt()),
    };
    if empty {
        cx.err(
            &node.origin,
            key,
            "expected min <= max (the range is empty)",
        );
        return None;
    }
    Some(range)
}

fn read_sample(
    cx: &mut Cx,
    node: &Node,
    params: &mut Vec<String>,
) -> Option<Vec<Vec<(usize, Node)>>> {
    let mut t = Tbl::open(cx, node, "sweep.sample", "sample")?;
    let method = t
        .req(cx, "method", "\"lhs\" or \"random\"")
        .and_then(|n| read::choice(cx, n, "sweep.sample.method", &["lhs", "random"]));
    let count = t
        .req(cx, "points", "the number of points to sample")
        .and_then(|n| read::int(cx, n, "sweep.sample.points", 1, 1_000_000));
    let seed = t.val::<Int<0, { i64::MAX }>>(cx, "seed");
    let ranges_node = t.req(
        cx,
        "ranges",
        "a table of parameter = { min = ..., max = ... }",
    );
    t.finish(cx);
    let ranges_node = ranges_node?;
    let Val::Table(entries) = &ranges_node.val else {
        cx.expected(
            ranges_node,
            "sweep.sample.ranges",
            "a table of parameter = { min, max }",
        );
        return None;
    };
    if entries.is_empty() {
        cx.err(
            &ranges_node.origin,
            "sweep.sample.ranges",
            "expected at least one parameter range",
        );
        return None;
    }
    let mut dims = Vec::new();
    for e in entries {
        let key = format!("sweep.sample.ranges.\"{}\"", e.key);
        let r = read_range(cx, &e.node, &key)?;
        dims.push((param_index(params, &e.key), r, e.node.origin.clone()));
    }
    let (method, n, seed) = (method?, count? as usize, seed? as u64);
    let mut points: Vec<Vec<(usize, Node)>> = vec![Vec::new(); n];
    for (d, (p, range, origin)) in dims.iter().enumerate() {
        let mut rng = stream(seed, 0, crate::ids::Ns::Sweep.id(d as u64));
        // Unit-interval coordinates: stratified (one per 1/n slice, shuffled) or uniform.
        let mut u: Vec<f64> = (0..n)
            .map(|i| (i as f64 + rng.random::<f64>()) / n as f64)
            .collect();
        if method == "lhs" {
            for i in (1..n).rev() {
                let j = rng.random_range(0..=i);
                u.swap(i, j);
            }
        } else {
            u.iter_mut().for_each(|x| *x = rng.random::<f64>());
        }
        for (i, x) in u.into_iter().enumerate() {
            points[i].push((*p, sampled_value(range, x, origin)));
        }
    }
    Some(points)
}

pub(crate) fn sampled_value(range: &Range, x: f64, origin: &Origin) -> Node {
    let val = match *range {
        Range::Int(a, b) => {
            let span = (b - a + 1) as f64;
            Val::Int((a + (x * span).floor() as i64).min(b))
        }
        Range::Float(a, b) => Val::Float(a + x * (b - a)),
        Range::Unit(a, b, unit, integer) => {
            let v = a + x * (b - a);
            if integer {
                Val::Str(format!("{}{unit}", v.round() as u64))
            } else {
                Val::Str(format!("{v:.3}{unit}"))
            }
        }
    };
    Node {
        val,
        origin: origin.clone(),
    }
}

/// The keys of `sweep` tables, for the key reference.
pub(crate) const SWEEP_KEYS: &[Key] = &[
    Key::of("replications", "runs of each point, with seeds from the scenario's; results are their means with 95% intervals"),
    Key::any("grid", "a table of `path = [values]`", "no grid", "every combination of the listed values of each `--set` path"),
    Key::any("points", "tables (`[[sweep.points]]`) of `path = value`", "no points", "points given one by one"),
    Key::any("sample", "a table (see `sample`)", "no sample", "points sampled from ranges"),
];

/// The keys of `range` tables, for the key reference.
pub(crate) const RANGE_KEYS: &[Key] = &[
    Key::of("min", "the lower end of the range"),
    Key::of("max", "the upper end of the range"),
];

/// The keys of `sample` tables, for the key reference.
pub(crate) const SAMPLE_KEYS: &[Key] = &[
    Key::of(
        "method",
        "Latin hypercube (`\"lhs\"`) or independent uniform draws",
    ),
    Key::of("points", "how many points to sample"),
    Key::of("seed", "the sampling's own seed"),
    Key::of("ranges", "a range per `--set` path (see `range`)"),
];

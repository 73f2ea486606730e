//! Distributions of service times, latencies and times between failures.

use super::read::{self, Cx, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use serde::Serialize;

/// A random duration: a distribution plus a constant shift, both in ns.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct DistCfg {
    /// The distribution.
    pub kind: DistKind,
    /// Added to every draw, ns.
    pub shift_ns: f64,
}

/// The distributions a duration can follow (parameters in ns).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub enum DistKind {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform in [min, max].
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Normal, truncated at zero (redrawn when negative).
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation.
        sd: f64,
    },
    /// Log-normal with this mean and standard deviation (of the value, not its log).
    LogNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value.
        scale: f64,
        /// Tail index (> 1 for a finite mean).
        shape: f64,
    },
    /// Weibull with this scale and shape.
    Weibull {
        /// Scale.
        scale: f64,
        /// Shape.
        shape: f64,
    },
}

impl DistCfg {
    /// A constant duration.
    pub fn constant(ns: f64) -> Self {
        DistCfg {
            kind: DistKind::Constant { value: ns },
            shift_ns: 0.0,
        }
    }

    /// The mean, ns (infinite for a Pareto with shape <= 1).
    pub fn mean_ns(&self) -> f64 {
        let m = match self.kind {
            DistKind::Constant { value } => value,
            DistKind::Uniform { min, max } => (min + max) / 2.0,
            DistKind::Exponential { mean } => mean,
            DistKind::Normal { mean, .. } => mean,
            DistKind::LogNormal { mean, .. } => mean,
            DistKind::Pareto { scale, shape } if shape > 1.0 => scale * shape / (shape - 1.0),
            DistKind::Pareto { .. } => f64::INFINITY,
            DistKind::Weibull { scale, shape } => {
                scale * crate::stats::ln_gamma(1.0 + 1.0 / shape).exp()
            }
        };
        m + self.shift_ns
    }
}

/// The parameters of a distribution of kind `kind`, all durations but a shape.
fn dist_kind(cx: &mut Cx, t: &mut Tbl, kind: &str) -> Option<DistKind> {
    let mut dur = |t: &mut Tbl, name: &'static str| -> Option<f64> {
        let n = t.req(cx, name, "a duration such as \"5ms\"")?;
        read::duration(cx, n, &t.key(name)).map(|v| v as f64)
    };
    match Some(kind) {
        Some("constant") => dur(t, "value").map(|value| DistKind::Constant { value }),
        Some("uniform") => match (dur(t, "min"), dur(t, "max")) {
            (Some(min), Some(max)) if min <= max => Some(DistKind::Uniform { min, max }),
            (Some(_), Some(_)) => {
                cx.err(&t.origin, &t.key("max"), "expected max >= min");
                None
            }
            _ => None,
        },
        Some("exponential") => dur(t, "mean").map(|mean| DistKind::Exponential { mean }),
        Some(k @ ("normal" | "lognormal")) => match (dur(t, "mean"), dur(t, "sd")) {
            (Some(mean), Some(sd)) if k == "normal" => Some(DistKind::Normal { mean, sd }),
            (Some(mean), Some(sd)) if mean > 0.0 => Some(DistKind::LogNormal { mean, sd }),
            (Some(_), Some(_)) => {
                cx.err(
                    &t.origin,
                    &t.key("mean"),
                    "expected a positive mean for a lognormal",
                );
                None
            }
            _ => None,
        },
        Some(k @ ("pareto" | "weibull")) => {
            let scale = dur(t, "scale");
            let shape = t
                .req(cx, "shape", "a positive number")
                .and_then(|n| read::positive_float(cx, n, &t.key("shape")));
            match (scale, shape) {
                (Some(scale), Some(shape)) if k == "pareto" && scale > 0.0 => {
                    Some(DistKind::Pareto { scale, shape })
                }
                (Some(scale), Some(shape)) if k == "weibull" && scale > 0.0 => {
                    Some(DistKind::Weibull { scale, shape })
                }
                (Some(_), Some(_)) => {
                    cx.err(&t.origin, &t.key("scale"), "expected a positive scale");
                    None
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Reads a duration distribution: a string (`"20ms"`, constant) or a table such as
/// `{ dist = "exponential", mean = "5ms", shift = "10ms" }`.
pub(crate) fn dist(cx: &mut Cx, node: &Node, key: &str) -> Option<DistCfg> {
    const KINDS: &[&str] = &[
        "constant",
        "uniform",
        "exponential",
        "normal",
        "lognormal",
        "pareto",
        "weibull",
    ];
    if let Val::Str(_) = node.val {
        return read::duration(cx, node, key).map(|ns| DistCfg::constant(ns as f64));
    }
    let Val::Table(_) = node.val else {
        cx.expected(
            node,
            key,
            "a duration such as \"20ms\" or a table such as { dist = \"exponential\", mean = \"5ms\" }",
        );
        return None;
    };
    let mut t = Tbl::open(cx, node, key, "distribution")?;
    let kind = t
        .req(cx, "dist", &read::quoted_list(KINDS))
        .and_then(|n| read::choice(cx, n, &t.key("dist"), KINDS));
    let kind = kind.and_then(|k| dist_kind(cx, &mut t, k));
    let shift = t.val::<read::Duration>(cx, "shift");
    t.finish(cx);
    Some(DistCfg {
        kind: kind?,
        shift_ns: shift? as f64,
    })
}

/// The keys of `distribution` tables, for the key reference.
pub(crate) const DISTRIBUTION_KEYS: &[Key] = &[
    Key::of("value", "a `\"constant\"` distribution's value"),
    Key::of("min", "a `\"uniform\"` distribution's least value"),
    Key::of("max", "a `\"uniform\"` distribution's largest value"),
    Key::of(
        "mean",
        "the mean (`\"exponential\"`, `\"normal\"`, `\"lognormal\"`)",
    ),
    Key::of(
        "sd",
        "the standard deviation (`\"normal\"`; `\"lognormal\"`: of the value)",
    ),
    Key::of(
        "scale",
        "the scale (`\"pareto\"`: the least value; `\"weibull\"`)",
    ),
    Key::of("shape", "the shape (`\"pareto\"`, `\"weibull\"`)"),
    Key::of("dist", "the kind of distribution"),
    Key::of("shift", "a constant added to every draw"),
];

//! The `[tune]` section: decision variables, an objective and constraints.
//!
//! ```toml
//! [tune]
//! minimize = "gateways.count * 1500"            # or maximize = "delivery_ratio"
//! constraints = ["delivery_ratio >= 0.99", "latency_p95_ms <= 800"]
//! replications = 3                              # per candidate at first
//! max_replications = 8                          # for candidates near a constraint bound
//! budget = 80                                   # runs in all
//! seed = 1
//! method = "auto"                               # "search", "bisection"
//! [tune.variables]
//! "gateways.count" = { min = 1, max = 64 }      # integer
//! "access.lpwan.loss" = { min = 0.0, max = 0.1 } # real
//! "gateways.placement.kind" = { choices = ["grid", "uniform"] }
//! ```

use super::diag::Origin;
pub use super::expr::Expr;
use super::read::{self, Cx, Int, Kind, Tbl};
use super::reference::Key;
use super::sweep::{read_range, sampled_value, Range};
use super::tree::{Node, Val};
use crate::units;

/// A decision variable.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Its `--set` path.
    pub path: String,
    /// Its domain.
    pub domain: Domain,
}

/// The values a variable may take.
#[derive(Debug, Clone)]
pub enum Domain {
    /// Integers in [min, max].
    Int(i64, i64),
    /// Reals in [min, max]; `unit` set when written with a unit (base units then).
    Real {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
        /// The unit values are written with (`ns`, `B`, `bps`, `m`), if any.
        unit: Option<&'static str>,
        /// Whether values are whole numbers of the unit.
        integer: bool,
    },
    /// One of these values.
    Choice(Vec<Node>),
}

impl Variable {
    /// The scenario value for coordinate `x` (an integer, a real, or a choice index).
    pub fn node(&self, x: f64) -> Node {
        let origin = Origin::Default;
        match &self.domain {
            Domain::Int(a, b) => Node {
                val: Val::Int((x.round() as i64).clamp(*a, *b)),
                origin,
            },
            Domain::Real {
                min,
                max,
                unit,
                integer,
            } => {
                let v = x.clamp(*min, *max);
                match unit {
                    None => Node {
                        val: Val::Float(v),
                        origin,
                    },
                    Some(u) => {
                        let range = Range::Unit(*min, *max, u, *integer);
                        let frac = if max > min {
                            (v - min) / (max - min)
                        } else {
                            0.0
                        };
                        sampled_value(&range, frac, &origin)
                    }
                }
            }
            Domain::Choice(items) => items[(x.round() as usize).min(items.len() - 1)].clone(),
        }
    }

    /// The coordinate at fraction `f` (0 or 1: the corners) of the domain.
    pub fn corner(&self, f: f64) -> f64 {
        match &self.domain {
            Domain::Int(a, b) => *a as f64 + f * (*b - *a) as f64,
            Domain::Real { min, max, .. } => min + f * (max - min),
            Domain::Choice(items) => f * (items.len() - 1) as f64,
        }
    }

    /// The number an expression sees for coordinate `x`: the value itself, durations in
    /// seconds, a choice's value when numeric (else its index).
    pub fn number(&self, x: f64) -> f64 {
        match &self.domain {
            Domain::Int(a, b) => (x.round() as i64).clamp(*a, *b) as f64,
            Domain::Real { min, max, unit, .. } => {
                let v = x.clamp(*min, *max);
                if *unit == Some("ns") {
                    v / 1e9
                } else {
                    v
                }
            }
            Domain::Choice(items) => {
                let i = (x.round() as usize).min(items.len() - 1);
                match items[i].val {
                    Val::Int(v) => v as f64,
                    Val::Float(v) => v,
                    _ => i as f64,
                }
            }
        }
    }
}

/// A constraint on a metric: `metric >= value` or `metric <= value`.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The metric column.
    pub metric: String,
    /// True for `>=`, false for `<=`.
    pub at_least: bool,
    /// The threshold.
    pub value: f64,
    /// The text as written.
    pub text: String,
}

/// An objective to minimise or maximise.
#[derive(Debug, Clone)]
pub struct Objective {
    /// The expression.
    pub expr: Expr,
    /// As written.
    pub text: String,
    /// True when maximising.
    pub maximize: bool,
}

impl Objective {
    /// "minimize EXPR" or "maximize EXPR".
    pub fn describe(&self) -> String {
        format!(
            "{} {}",
            if self.maximize {
                "maximize"
            } else {
                "minimize"
            },
            self.text
        )
    }
}

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Bisection when there is one integer variable and the objective grows with it;
    /// otherwise search.
    Auto,
    /// A sampled design, then refinement around the best feasible candidate.
    Search,
    /// Bisection on one integer variable, assuming the constraints get easier to meet
    /// as it grows.
    Bisection,
}

/// The `[tune]` section.
#[derive(Debug, Clone)]
pub struct TuneSpec {
    /// Decision variables.
    pub variables: Vec<Variable>,
    /// One objective, or two (a Pareto front is searched for).
    pub objectives: Vec<Objective>,
    /// Constraints.
    pub constraints: Vec<Constraint>,
    /// Replications per new candidate.
    pub replications: u32,
    /// Most replications for a candidate near a constraint bound.
    pub max_replications: u32,
    /// Runs in all.
    pub budget: u32,
    /// Seed of the search's own random choices.
    pub seed: u64,
    /// Search method.
    pub method: Method,
}

fn constraint(cx: &mut Cx, node: &Node, key: &str, metrics: &[String]) -> Option<Constraint> {
    let text = read::string(cx, node, key)?;
    let (metric, at_least, value) = if let Some((m, v)) = text.split_once(">=") {
        (m, true, v)
    } else if let Some((m, v)) = text.split_once("<=") {
        (m, false, v)
    } else {
        cx.expected(
            node,
            key,
            "a constraint such as \"delivery_ratio >= 0.99\" (>= or <=)",
        );
        return None;
    };
    // The language of [targets] too: `latency_p95 <= 2s` is `latency_p95_ms <= 2000`,
    // `delivery_ratio >= 99%` is `delivery_ratio >= 0.99`.
    let (metric, value) = (metric.trim(), value.trim());
    let duration = units::parse_duration_ns(value)
        .ok()
        .filter(|_| value.parse::<f64>().is_err());
    let metric = match (metrics.iter().any(|m| m == metric), duration) {
        (false, Some(_)) if metrics.iter().any(|m| *m == format!("{metric}_ms")) => {
            format!("{metric}_ms")
        }
        _ => metric.to_string(),
    };
    if !metrics.contains(&metric) {
        cx.err(
            &node.origin,
            key,
            format!(
                "no metric named `{metric}`{}; metrics: {}",
                read::did_you_mean(&metric, metrics),
                metrics.join(", ")
            ),
        );
        return None;
    }
    let value = match (value.parse::<f64>(), duration, units::parse_percent(value)) {
        (Ok(v), _, _) => v,
        (_, Some(ns), _) if metric.ends_with("_ms") => ns as f64 / 1e6,
        (_, Some(ns), _) if metric.ends_with("_s") => ns as f64 / 1e9,
        (_, None, Some(share)) => share,
        _ => {
            let unit = if metric.ends_with("_ms") || metric.ends_with("_s") {
                " (or a duration such as \"2s\")"
            } else if metric.ends_with("_ratio") {
                " (or a percentage such as \"99%\")"
            } else {
                ""
            };
            cx.expected(node, key, &format!("a number after >= or <={unit}"));
            return None;
        }
    };
    Some(Constraint {
        metric,
        at_least,
        value,
        text,
    })
}

/// Reads `[tune]`. `metrics` are the metric names a constraint or objective may use;
/// `known` tells whether a name is a scenario path with a numeric value.
pub(crate) fn read_tune(
    cx: &mut Cx,
    node: &Node,
    metrics: &[String],
    known: &dyn Fn(&str) -> bool,
) -> Option<TuneSpec> {
    let mut t = Tbl::open(cx, node, "tune", "tune")?;
    let (variables, vars_ok) = read_variables(cx, &mut t);
    let (objectives, objectives_ok) = read_objectives(cx, &mut t, &variables, metrics, known);
    let mut ok = vars_ok && objectives_ok;
    if objectives.is_empty() && ok {
        let origin = t.origin.clone();
        cx.err(
            &origin,
            "tune",
            "missing key; expected `minimize = \"...\"` or `maximize = \"...\"` (or a list of two, for a Pareto front)",
        );
        ok = false;
    }
    if objectives.len() > 2 {
        let origin = t.origin.clone();
        cx.err(
            &origin,
            "tune.minimize",
            "expected one objective, or two for a Pareto front",
        );
        ok = false;
    }
    let (constraints, constraints_ok) = read_constraints(cx, &mut t, metrics);
    ok &= constraints_ok;
    let (replications, max_replications, budget, seed, method) = read_effort(cx, &mut t);
    let origin = t.origin.clone();
    t.finish(cx);
    if let (Some(r), Some(m)) = (replications, max_replications) {
        if m < r {
            cx.err(
                &origin,
                "tune.max_replications",
                "expected max_replications >= replications",
            );
            ok = false;
        }
    }
    ok &= bisection_fits_spec(cx, &origin, method, &variables, &objectives);
    if !ok {
        return None;
    }
    Some(TuneSpec {
        variables,
        objectives,
        constraints,
        replications: replications? as u32,
        max_replications: max_replications? as u32,
        budget: budget? as u32,
        seed: seed? as u64,
        method: method?,
    })
}

/// How much effort a tuning may spend: replications per candidate (and at most), the
/// run budget, the seed of its search, and the method.
type Effort = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<Method>,
);

/// `replications`, `max_replications`, `budget`, `seed` and `method`.
fn read_effort(cx: &mut Cx, t: &mut Tbl) -> Effort {
    let replications = t.val::<Int<2, 10_000>>(cx, "replications");
    // Left out: three times `replications` (it follows that key, so no fixed default).
    let max_replications = t
        .opt::<Int<2, 100_000>>(cx, "max_replications")
        .map(|m| m.unwrap_or(3 * replications.unwrap_or(3)));
    let budget = t.val::<Int<1, 10_000_000>>(cx, "budget");
    let seed = t.val::<Int<0, { i64::MAX }>>(cx, "seed");
    let method = t.val::<MethodName>(cx, "method");
    (replications, max_replications, budget, seed, method)
}

read::kind!(
    /// A search method: `"auto"`, `"search"` or `"bisection"`.
    MethodName => Method, "`\"auto\"`, `\"search\"` or `\"bisection\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["auto", "search", "bisection"]).map(|m| match m {
            "search" => Method::Search,
            "bisection" => Method::Bisection,
            _ => Method::Auto,
        })
    }
);

/// Bisection needs one integer variable and one objective: false (with a diagnostic)
/// when the method asks for it without them.
fn bisection_fits_spec(
    cx: &mut Cx,
    origin: &Origin,
    method: Option<Method>,
    variables: &[Variable],
    objectives: &[Objective],
) -> bool {
    let mut ok = true;
    if method == Some(Method::Bisection)
        && !(variables.len() == 1 && matches!(variables[0].domain, Domain::Int(..)))
    {
        cx.err(
            origin,
            "tune.method",
            "bisection needs exactly one integer variable",
        );
        ok = false;
    }
    if method == Some(Method::Bisection) && objectives.len() != 1 {
        cx.err(
            origin,
            "tune.method",
            "bisection needs exactly one objective",
        );
        ok = false;
    }
    ok
}

/// `tune.variables`: each path with its domain. The flag is false when any is bad.
fn read_variables(cx: &mut Cx, t: &mut Tbl) -> (Vec<Variable>, bool) {
    let mut variables = Vec::new();
    let mut ok = true;
    match t.req(
        cx,
        "variables",
        "a table of \"path\" = { min, max } or { choices = [...] }",
    ) {
        Some(vars) => match &vars.val {
            Val::Table(entries) if !entries.is_empty() => {
                for e in entries {
                    let key = format!("tune.variables.\"{}\"", e.key);
                    let domain = read_domain(cx, &e.node, &key);
                    match domain {
                        Some(domain) => variables.push(Variable {
                            path: e.key.clone(),
                            domain,
                        }),
                        None => ok = false,
                    }
                }
            }
            _ => {
                cx.expected(vars, "tune.variables", "at least one variable");
                ok = false;
            }
        },
        None => ok = false,
    }
    (variables, ok)
}

/// The domain of a tune variable: `{ choices = [...] }` or a `{ min, max }` range.
fn read_domain(cx: &mut Cx, node: &Node, key: &str) -> Option<Domain> {
    match &node.val {
        Val::Table(fields) if fields.iter().any(|f| f.key == "choices") => {
            let mut vt = Tbl::open(cx, node, key, "choices")?;
            let items = vt.get("choices").and_then(|n| read::array(cx, n, key));
            vt.finish(cx);
            match items {
                Some(items) if !items.is_empty() => Some(Domain::Choice(items.to_vec())),
                Some(_) => {
                    cx.err(&node.origin, key, "expected at least one choice");
                    None
                }
                None => None,
            }
        }
        _ => read_range(cx, node, key).map(|r| match r {
            Range::Int(a, b) => Domain::Int(a, b),
            Range::Float(a, b) => Domain::Real {
                min: a,
                max: b,
                unit: None,
                integer: false,
            },
            Range::Unit(a, b, u, integer) => Domain::Real {
                min: a,
                max: b,
                unit: Some(u),
                integer,
            },
        }),
    }
}

/// `minimize` and `maximize`: each an expression or a list of them, naming only
/// variables, metrics and values written in the scenario. The flag is false when any is
/// bad.
fn read_objectives(
    cx: &mut Cx,
    t: &mut Tbl,
    variables: &[Variable],
    metrics: &[String],
    known: &dyn Fn(&str) -> bool,
) -> (Vec<Objective>, bool) {
    let mut ok = true;
    let mut objectives: Vec<Objective> = Vec::new();
    for (key, maximize) in [("minimize", false), ("maximize", true)] {
        let full = format!("tune.{key}");
        let Some(n) = t.get(key) else {
            continue;
        };
        let items: Vec<&Node> = match &n.val {
            Val::Array(items) => items.iter().collect(),
            _ => vec![n],
        };
        for item in items {
            let Some(text) = read::string(cx, item, &full) else {
                ok = false;
                continue;
            };
            match Expr::parse(&text) {
                Ok(expr) => {
                    for name in expr.names() {
                        let is_var = variables.iter().any(|v| v.path == name);
                        if !is_var && !metrics.contains(&name) && !known(&name) {
                            cx.err(
                                &item.origin,
                                &full,
                                format!(
                                    "`{name}`{} is neither a tune variable, a metric, nor a numeric value written in the scenario (defaults do not count: write the value in the file)",
                                    read::did_you_mean(&name, metrics)
                                ),
                            );
                            ok = false;
                        }
                    }
                    objectives.push(Objective {
                        expr,
                        text,
                        maximize,
                    });
                }
                Err(msg) => {
                    cx.err(
                        &item.origin,
                        &full,
                        format!("cannot read the expression: {msg}"),
                    );
                    ok = false;
                }
            }
        }
    }
    (objectives, ok)
}

/// `tune.constraints`. The flag is false when any is bad.
fn read_constraints(cx: &mut Cx, t: &mut Tbl, metrics: &[String]) -> (Vec<Constraint>, bool) {
    let mut ok = true;
    let constraints: Vec<Constraint> = match t.get("constraints") {
        Some(n) => match read::array(cx, n, "tune.constraints") {
            Some(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let r = constraint(cx, c, &format!("tune.constraints.{i}"), metrics);
                    if r.is_none() {
                        ok = false;
                    }
                    r
                })
                .collect(),
            None => {
                ok = false;
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    (constraints, ok)
}

const OBJECTIVE_VALUES: &str =
    "an expression of variables and metrics, or a list of two (a Pareto front)";
const OBJECTIVE_ABSENT: &str = "one of `minimize` and `maximize` is required";
const OBJECTIVE: &str =
    "what the search minimizes or maximizes, such as `\"gateways.count * 1500\"`";

/// The keys of `tune` tables, for the key reference.
pub(crate) const TUNE_KEYS: &[Key] = &[
    Key::of(
        "replications",
        "runs of each candidate at first (more are added where a constraint is not settled)",
    ),
    Key::opt(
        "max_replications",
        "3 x replications",
        "the most runs of one candidate",
    ),
    Key::of("budget", "the most runs the whole search may take"),
    Key::of("seed", "the search's own seed"),
    Key::of(
        "method",
        "bisection over one monotone variable, a search otherwise (auto picks)",
    ),
    Key::of(
        "variables",
        "the `--set` paths the search varies, each over a range (see `range`) or choices",
    ),
    Key::any("minimize", OBJECTIVE_VALUES, OBJECTIVE_ABSENT, OBJECTIVE),
    Key::any("maximize", OBJECTIVE_VALUES, OBJECTIVE_ABSENT, OBJECTIVE),
    Key::any(
        "constraints",
        "a list of conditions such as `\"delivery_ratio >= 99%\"`",
        "none",
        "what a candidate must meet at the 95% bound of its replications",
    ),
];

/// The keys of `choices` tables, for the key reference.
pub(crate) const CHOICES_KEYS: &[Key] = &[Key::any(
    "choices",
    "a list of values",
    "required",
    "the values a variable may take",
)];

//! `[[incidents]]` and `[[faults]]`: what disturbs the city.

use super::read::{self, Cx, Duration, Tbl};
use super::reference::Key;
use super::tree::Node;
use super::*;
use serde::Serialize;

/// Extra readings during an incident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Surge {
    /// Every affected sensor also reads every `interval_ns` (from a random phase).
    Interval {
        /// Period, ns.
        interval_ns: u64,
    },
    /// Affected sensors read `multiplier` times as often: extra readings at
    /// (multiplier - 1) times their own mean rate, Poisson.
    Multiplier {
        /// Rate multiplier (> 1).
        multiplier: f64,
    },
}

/// A `[[incidents]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentCfg {
    /// Name (for reports).
    pub name: String,
    /// Where.
    pub region: Region,
    /// From, ns.
    pub start_ns: u64,
    /// For, ns.
    pub duration_ns: u64,
    /// Classes it affects (indices; all when the file names none).
    pub classes: Vec<usize>,
    /// Extra readings, if any.
    pub surge: Option<Surge>,
    /// One alarm reading from each affected sensor within this long after the start.
    pub alarm_spread_ns: Option<u64>,
    /// Queue priority of the alarm readings.
    pub alarm_priority: Priority,
}

/// What fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FaultTarget {
    /// A gateway (global index among gateways).
    Gateway(u32),
    /// A node (index into `nodes`).
    Node(usize),
    /// A link instance, by `links` entry and gateway (for links leaving a group).
    Link(usize, Option<u32>),
    /// Every sensor of a class (index into `sensors`): its readings are lost.
    Class(usize),
    /// A mesh relay (global index among relays).
    Relay(u32),
}

/// When it fails.
#[derive(Debug, Clone, Serialize)]
pub enum FaultWhen {
    /// Down from `start` for `duration`.
    Scheduled {
        /// Start, ns.
        start_ns: u64,
        /// Length, ns.
        duration_ns: u64,
    },
    /// Up for a random time (mean `mtbf`), then down for a random time (mean `mttr`),
    /// and again.
    Random {
        /// Time to failure.
        up: DistCfg,
        /// Time to repair.
        down: DistCfg,
    },
}

/// A `[[faults]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct FaultCfg {
    /// Every element it applies to (a gateway group name means each of its gateways,
    /// failing independently).
    pub targets: Vec<FaultTarget>,
    /// Schedule.
    pub when: FaultWhen,
}

/// What a fault may name: gateway groups, nodes, links, sensor classes and relays.
pub(crate) type FaultScope<'a> = (
    &'a [GatewayGroup],
    &'a [NodeCfg],
    &'a [LinkCfg],
    &'a [String],
    &'a [RelayGroup],
);

/// Reads a `[[faults]]` entry: `target` names a gateway (`gw-3`), a gateway group (each
/// of its gateways), a node, or a link (`backhaul` between nodes, `backhaul-gw-3` from a
/// gateway); then `start` and `duration`, or `mtbf` and `mttr` (exponential, or Weibull
/// with `shape`).
pub(crate) fn read_fault(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    scope: FaultScope,
    sim: Option<&Simulation>,
) -> Option<FaultCfg> {
    let mut t = Tbl::open(cx, node, key, "faults")?;
    let target_node = t.req(
        cx,
        "target",
        "a gateway, gateway group, node, link or sensor class name",
    );
    let targets = target_node.and_then(|n| read_fault_target(cx, &t, n, scope));
    let when = if t.has_key("mtbf") || t.has_key("mttr") {
        read_random_fault(cx, &mut t)
    } else {
        read_scheduled_fault(cx, &mut t, sim)
    };
    t.finish(cx);
    Some(FaultCfg {
        targets: targets?,
        when: when?,
    })
}

/// What a fault's `target` names: gateways, a node, links, relays or a sensor class.
fn read_fault_target(
    cx: &mut Cx,
    t: &Tbl,
    n: &Node,
    (gateways, nodes, links, classes, relays): FaultScope,
) -> Option<Vec<FaultTarget>> {
    let name = read::string(cx, n, &t.key("target"))?;
    let mut found = resolve_target(&name, gateways, nodes, links);
    if found.is_empty() {
        found = resolve_relay(&name, relays);
    }
    if found.is_empty() {
        if let Some(c) = classes.iter().position(|c| *c == name) {
            found.push(FaultTarget::Class(c));
        }
    }
    if found.is_empty() {
        let first = gateways
            .first()
            .map(|g| format!("{}-0", g.name))
            .unwrap_or_default();
        cx.err(
            &n.origin,
            &t.key("target"),
            format!("no gateway, gateway group, node, link or sensor class named \"{name}\" (gateways are named like \"{first}\", links from a gateway like \"<link>-{first}\")"),
        );
        return None;
    }
    Some(found)
}

/// Random failures: `mtbf` (exponential, or Weibull with `shape`) and `mttr`.
fn read_random_fault(cx: &mut Cx, t: &mut Tbl) -> Option<FaultWhen> {
    let shape = t.val::<read::Positive>(cx, "shape");
    // Below a second, failures would cycle faster than any run could follow.
    const MTBF: (u64, &str) = (1_000_000_000, "an mtbf of at least \"1s\"");
    const MTTR: (u64, &str) = (1_000_000_000, "an mttr of at least \"1s\"");
    let mtbf = t
        .req(cx, "mtbf", "a mean time between failures such as \"30d\"")
        .and_then(|n| read::duration_at_least(cx, n, &t.key("mtbf"), MTBF));
    let mttr = t
        .req(cx, "mttr", "a mean time to repair such as \"4h\"")
        .and_then(|n| read::duration_at_least(cx, n, &t.key("mttr"), MTTR));
    match (mtbf, mttr, shape) {
        (Some(b), Some(r), Some(k)) => {
            let up = if (k - 1.0).abs() < 1e-12 {
                DistCfg {
                    kind: DistKind::Exponential { mean: b as f64 },
                    shift_ns: 0.0,
                }
            } else {
                // Weibull with this mean: scale = mean / Gamma(1 + 1/k).
                let scale = b as f64 / crate::stats::ln_gamma(1.0 + 1.0 / k).exp();
                DistCfg {
                    kind: DistKind::Weibull { scale, shape: k },
                    shift_ns: 0.0,
                }
            };
            Some(FaultWhen::Random {
                up,
                down: DistCfg {
                    kind: DistKind::Exponential { mean: r as f64 },
                    shift_ns: 0.0,
                },
            })
        }
        _ => None,
    }
}

/// A scheduled outage: `start` (within the simulated duration) and `duration`.
fn read_scheduled_fault(cx: &mut Cx, t: &mut Tbl, sim: Option<&Simulation>) -> Option<FaultWhen> {
    let start = t
        .req(cx, "start", "when the outage starts, such as \"2h\"")
        .and_then(|n| read::duration(cx, n, &t.key("start")));
    let duration = t
        .req(cx, "duration", "how long it lasts, such as \"30min\"")
        .and_then(|n| read::positive_duration(cx, n, &t.key("duration")));
    match (start, duration, sim) {
        (Some(s), Some(d), Some(sim)) if s < sim.duration_ns => Some(FaultWhen::Scheduled {
            start_ns: s,
            duration_ns: d,
        }),
        (Some(_), Some(_), Some(_)) => {
            let origin = t.origin_of("start");
            cx.err(
                &origin,
                &t.key("start"),
                "expected a start within the simulated duration",
            );
            None
        }
        _ => None,
    }
}

/// Reads an `[[incidents]]` entry.
pub(crate) fn read_incident(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts): (&City, &[District]),
    classes: &[String],
    sim: Option<&Simulation>,
) -> Option<IncidentCfg> {
    let mut t = Tbl::open(cx, node, key, "incidents")?;
    let name = match t.get("name") {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(key.replace('.', "-")),
    };
    let region = t
        .req(
            cx,
            "region",
            "a region such as { kind = \"circle\", x = \"1km\", y = \"2km\", radius = \"500m\" }",
        )
        .and_then(|n| read_area(cx, n, &t.key("region"), city, districts));
    let start = t
        .req(cx, "start", "when it starts, such as \"6h\"")
        .and_then(|n| read::duration(cx, n, &t.key("start")));
    let duration = t
        .req(cx, "duration", "how long it lasts, such as \"2h\"")
        .and_then(|n| read::positive_duration(cx, n, &t.key("duration")));
    let affected = read_affected(cx, &mut t, classes);
    let interval = t.get("interval").map(|n| {
        let why = "an interval of at least \"1ms\" (a sensor reads at most once a millisecond)";
        read::duration_at_least(cx, n, &t.key("interval"), (1_000_000, why))
    });
    let multiplier = read_multiplier(cx, &mut t);
    let alarms = read_alarms(cx, &mut t);
    let origin = t.origin.clone();
    let (start_at, interval_at) = (t.origin_of("start"), t.origin_of("interval"));
    t.finish(cx);
    let surge = match (interval, multiplier) {
        (Some(_), Some(_)) => {
            cx.err(
                &interval_at,
                &format!("{key}.interval"),
                "expected `interval` or `rate_multiplier`, not both",
            );
            return None;
        }
        (Some(i), None) => Some(Surge::Interval { interval_ns: i? }),
        (None, Some(m)) => Some(Surge::Multiplier { multiplier: m? }),
        (None, None) => None,
    };
    if surge.is_none() && alarms.is_none() {
        cx.err(
            &origin,
            key,
            "an incident needs `interval`, `rate_multiplier` or `alarms`",
        );
        return None;
    }
    let (start, duration) = (start?, duration?);
    if sim.is_some_and(|s| start >= s.duration_ns) {
        cx.err(
            &start_at,
            &format!("{key}.start"),
            "expected a start within the simulated duration",
        );
        return None;
    }
    Some(IncidentCfg {
        name: name?,
        region: region?,
        start_ns: start,
        duration_ns: duration,
        classes: affected?,
        surge,
        alarm_spread_ns: match alarms {
            Some(a) => Some(a?.0),
            None => None,
        },
        alarm_priority: alarms.flatten().map_or(Priority::High, |a| a.1),
    })
}

/// `classes`: the sensor classes an incident affects (default: every class).
fn read_affected(cx: &mut Cx, t: &mut Tbl, classes: &[String]) -> Option<Vec<usize>> {
    match t.get("classes") {
        None => Some((0..classes.len()).collect()),
        Some(n) => read::array(cx, n, &t.key("classes")).and_then(|items| {
            let mut out = Vec::new();
            for item in items {
                let c = read::string(cx, item, &t.key("classes"))?;
                match classes.iter().position(|x| *x == c) {
                    Some(i) => out.push(i),
                    None if cx.is_broken("sensors", &c) => return None,
                    None => {
                        cx.err(
                            &item.origin,
                            &t.key("classes"),
                            format!(
                                "no sensor class named \"{c}\" (classes: {})",
                                classes.join(", ")
                            ),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }),
    }
}

/// `rate_multiplier`: above 1; None when absent, Some(None) when bad.
fn read_multiplier(cx: &mut Cx, t: &mut Tbl) -> Option<Option<f64>> {
    t.get("rate_multiplier").map(
        |n| match read::positive_float(cx, n, &t.key("rate_multiplier")) {
            Some(m) if m > 1.0 => Some(m),
            Some(_) => {
                cx.expected(n, &t.key("rate_multiplier"), "a multiplier above 1");
                None
            }
            None => None,
        },
    )
}

/// `alarms = { spread, priority }`; None when absent, Some(None) when bad.
fn read_alarms(cx: &mut Cx, t: &mut Tbl) -> Option<Option<(u64, Priority)>> {
    t.get("alarms").map(|n| {
        let mut a = Tbl::open(cx, n, &t.key("alarms"), "alarms")?;
        let spread = a.val::<Duration>(cx, "spread");
        let prio = a.val::<PriorityName>(cx, "priority");
        a.finish(cx);
        Some((spread?, prio?))
    })
}

/// The elements a fault target name denotes.
/// Relays named `name`: a group, or `<group>-<i>`.
pub(crate) fn resolve_relay(name: &str, relays: &[RelayGroup]) -> Vec<FaultTarget> {
    let mut base = 0u32;
    for r in relays {
        if r.name == name {
            return (base..base + r.count).map(FaultTarget::Relay).collect();
        }
        let i: Option<u32> = name
            .strip_prefix(r.name.as_str())
            .and_then(|x| x.strip_prefix('-'))
            .and_then(|x| x.parse().ok());
        if let Some(i) = i.filter(|&i| i < r.count) {
            return vec![FaultTarget::Relay(base + i)];
        }
        base += r.count;
    }
    Vec::new()
}

pub(crate) fn resolve_target(
    name: &str,
    gateways: &[GatewayGroup],
    nodes: &[NodeCfg],
    links: &[LinkCfg],
) -> Vec<FaultTarget> {
    let mut base = 0u32;
    let mut gw_names = Vec::new();
    for g in gateways {
        if g.name == name {
            return (base..base + g.count).map(FaultTarget::Gateway).collect();
        }
        gw_names.push((g.name.clone(), base, g.count));
        base += g.count;
    }
    let gateway_index = |n: &str| -> Option<u32> {
        gw_names.iter().find_map(|(g, b, c)| {
            let i: u32 = n
                .strip_prefix(g.as_str())?
                .strip_prefix('-')?
                .parse()
                .ok()?;
            (i < *c).then_some(b + i)
        })
    };
    if let Some(g) = gateway_index(name) {
        return vec![FaultTarget::Gateway(g)];
    }
    if let Some(n) = nodes.iter().position(|n| n.name == name) {
        return vec![FaultTarget::Node(n)];
    }
    for (li, l) in links.iter().enumerate() {
        match l.from {
            Endpoint::Node(_) if l.name == name => return vec![FaultTarget::Link(li, None)],
            Endpoint::Gateways(_) => {
                if let Some(g) = name
                    .strip_prefix(l.name.as_str())
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(gateway_index)
                {
                    return vec![FaultTarget::Link(li, Some(g))];
                }
            }
            _ => {}
        }
    }
    Vec::new()
}

/// The keys of `faults` tables, for the key reference.
pub(crate) const FAULTS_KEYS: &[Key] = &[
    Key::of("target", "what fails: a gateway (`gw-3`), a gateway group (each of its gateways), a node, a link, a relay or a sensor class"),
    Key::of("shape", "the Weibull shape of the times between failures (1: exponential)"),
    Key::of("mtbf", "random failures: the mean time between failures (with `mttr`, instead of `start` and `duration`)"),
    Key::of("mttr", "random failures: the mean time to repair (exponential)"),
    Key::of("start", "a scheduled outage: when it starts, within the simulated duration"),
    Key::of("duration", "a scheduled outage: how long it lasts"),
];

/// The keys of `incidents` tables, for the key reference.
pub(crate) const INCIDENTS_KEYS: &[Key] = &[
    Key::any(
        "name",
        "a name such as \"flood\"",
        "the entry's position (`incidents-0`)",
        "the incident's name in outputs and the report",
    ),
    Key::of(
        "region",
        "the area whose sensors it affects: a circle, rectangle, polygon or district name",
    ),
    Key::of("start", "when it starts, within the simulated duration"),
    Key::of("duration", "how long it lasts"),
    Key::any(
        "interval",
        "duration, at least `\"1ms\"`",
        "no extra readings at a fixed interval",
        "extra readings from each affected sensor at this interval (from a random phase)",
    ),
    Key::any(
        "classes",
        "a list of sensor class names",
        "every class",
        "the classes it affects",
    ),
    Key::any(
        "rate_multiplier",
        "number > 1",
        "no extra Poisson readings",
        "extra Poisson readings, so that the class reads this many times as often",
    ),
    Key::any(
        "alarms",
        "a table (see `alarms`)",
        "no alarm readings",
        "one alarm reading from each affected sensor as it starts",
    ),
];

/// The keys of `alarms` tables, for the key reference.
pub(crate) const ALARMS_KEYS: &[Key] = &[
    Key::of(
        "spread",
        "the window over which the alarm readings are spread",
    ),
    Key::of("priority", "the alarm readings' priority"),
];

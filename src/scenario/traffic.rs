//! Traffic: when sensors read (periodic, Poisson, bursty), daily profiles, thresholds and priorities.

use super::read::{self, Cx, Kind, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use serde::Serialize;

/// How a sensor class generates readings.
#[derive(Debug, Clone, Serialize)]
pub enum Traffic {
    /// Every `interval`, from a uniform random phase, each instant moved by a uniform
    /// offset in [-jitter, +jitter].
    Periodic {
        /// Period, ns.
        interval_ns: u64,
        /// Half-width of the uniform jitter, ns (at most half the interval).
        jitter_ns: u64,
    },
    /// A Poisson process with mean gap `interval`.
    Poisson {
        /// Mean gap, ns.
        interval_ns: u64,
    },
    /// On/off bursts: exponential on and off periods; Poisson readings with mean gap
    /// `interval` while on.
    Bursty {
        /// Mean on period, ns.
        on_ns: u64,
        /// Mean off period, ns.
        off_ns: u64,
        /// Mean gap between readings while on, ns.
        interval_ns: u64,
    },
}

impl Traffic {
    /// Long-run mean readings per second of one sensor.
    pub fn mean_rate_per_s(&self) -> f64 {
        match *self {
            Traffic::Periodic { interval_ns, .. } | Traffic::Poisson { interval_ns } => {
                1e9 / interval_ns as f64
            }
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => 1e9 / interval_ns as f64 * on_ns as f64 / (on_ns + off_ns) as f64,
        }
    }
}

/// A `jitter` as written: a duration (ns) or a share of the interval.
pub(crate) enum Jitter {
    /// A duration, ns.
    Ns(u64),
    /// A share of the interval (`"10%"`: 0.1).
    Share(f64),
}

read::kind!(
    /// A periodic class's jitter: a duration or a percentage of the interval.
    JitterSpec => Jitter,
    "duration, or a percentage of the interval (`\"10%\"`), at most half the interval",
    |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s.trim_end().ends_with('%') => match crate::units::parse_percent(s) {
            Some(p) if p >= 0.0 => Some(Jitter::Share(p)),
            _ => {
                cx.expected(n, k, "a percentage such as \"10%\"");
                None
            }
        },
        _ => read::duration(cx, n, k).map(Jitter::Ns),
    }
);

/// A periodic class's `jitter` in ns: at most half of the interval.
fn read_jitter(cx: &mut Cx, t: &mut Tbl, interval: Option<u64>) -> Option<u64> {
    let jitter = t.val::<JitterSpec>(cx, "jitter");
    let (jitter, iv) = (jitter?, interval?);
    let j = match jitter {
        Jitter::Ns(ns) => ns,
        Jitter::Share(p) => (p * iv as f64).round() as u64,
    };
    if j.saturating_mul(2) > iv {
        cx.err(
            &t.origin_of("jitter"),
            &t.key("jitter"),
            "expected a jitter of at most half the interval (readings would overtake each other)",
        );
        return None;
    }
    Some(j)
}

pub(crate) fn traffic(cx: &mut Cx, node: &Node, key: &str) -> Option<Traffic> {
    const KINDS: &[&str] = &["periodic", "poisson", "bursty"];
    let mut t = Tbl::open(cx, node, key, "traffic")?;
    let kind = t
        .req(cx, "kind", &read::quoted_list(KINDS))
        .and_then(|n| read::choice(cx, n, &t.key("kind"), KINDS));
    let mut pos = |t: &mut Tbl, name: &'static str| -> Option<u64> {
        let n = t.req(cx, name, "a positive duration such as \"5min\"")?;
        read::positive_duration(cx, n, &t.key(name))
    };
    let out = match kind {
        Some("periodic") => {
            let interval = pos(&mut t, "interval");
            let jitter = read_jitter(cx, &mut t, interval);
            match (interval, jitter) {
                (Some(interval_ns), Some(jitter_ns)) => Some(Traffic::Periodic {
                    interval_ns,
                    jitter_ns,
                }),
                _ => None,
            }
        }
        Some("poisson") => {
            pos(&mut t, "interval").map(|interval_ns| Traffic::Poisson { interval_ns })
        }
        Some(_) => match (
            pos(&mut t, "on"),
            pos(&mut t, "off"),
            pos(&mut t, "interval"),
        ) {
            (Some(on_ns), Some(_), Some(interval_ns)) if interval_ns / 1000 > on_ns => {
                let origin = t.origin_of("interval");
                cx.err(
                    &origin,
                    &t.key("interval"),
                    "expected an interval at most 1000 times the on period (a burst would almost never carry a reading)",
                );
                None
            }
            (Some(on_ns), Some(off_ns), Some(interval_ns)) => Some(Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            }),
            _ => None,
        },
        None => None,
    };
    t.finish(cx);
    out
}

/// `threshold` of a sensor class: the sampled value is a stationary Gaussian AR(1)
/// process (mean 0, standard deviation `sd`, lag-one correlation `correlation` between
/// samples) plus a daily curve `daily_amplitude x cos(2 pi (hour - peak_hour) / 24)`;
/// a reading is sent when the value rises through `level`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    /// Alarm level.
    pub level: f64,
    /// Correlation between successive samples, in [0, 1).
    pub correlation: f64,
    /// Standard deviation of the random part.
    pub sd: f64,
    /// Amplitude of the daily curve.
    pub daily_amplitude: f64,
    /// Hour of the daily maximum.
    pub peak_hour: f64,
}

/// A number in `[lo, hi)`, or what was expected.
fn float_in(cx: &mut Cx, n: &Node, k: &str, (lo, hi): (f64, f64), what: &str) -> Option<f64> {
    match read::float(cx, n, k) {
        Some(v) if v >= lo && v < hi => Some(v),
        Some(_) => {
            cx.expected(n, k, what);
            None
        }
        None => None,
    }
}

read::kind!(
    /// A lag-one correlation in [0, 1).
    Correlation => f64, "a correlation from 0 up to (not including) 1", |cx: &mut Cx, n: &Node, k: &str| {
        float_in(cx, n, k, (0.0, 1.0), "a correlation from 0 up to (not including) 1")
    }
);
read::kind!(
    /// A standard deviation above 0.
    Deviation => f64, "a standard deviation above 0", |cx: &mut Cx, n: &Node, k: &str| {
        float_in(cx, n, k, (1e-12, f64::INFINITY), "a standard deviation above 0")
    }
);
read::kind!(
    /// An amplitude >= 0.
    Amplitude => f64, "an amplitude >= 0", |cx: &mut Cx, n: &Node, k: &str| {
        float_in(cx, n, k, (0.0, f64::INFINITY), "an amplitude >= 0")
    }
);
read::kind!(
    /// An hour of the day in [0, 24).
    Hour => f64, "an hour from 0 to 24", |cx: &mut Cx, n: &Node, k: &str| {
        float_in(cx, n, k, (0.0, 24.0), "an hour from 0 to 24")
    }
);

pub(crate) fn read_threshold(cx: &mut Cx, node: &Node, key: &str) -> Option<Threshold> {
    let mut t = Tbl::open(cx, node, key, "threshold")?;
    let level = t
        .req(cx, "level", "the alarm level, a number such as 2.5")
        .and_then(|n| read::float(cx, n, &t.key("level")));
    let correlation = t.val::<Correlation>(cx, "correlation");
    let sd = t.val::<Deviation>(cx, "sd");
    let amp = t.val::<Amplitude>(cx, "daily_amplitude");
    let peak = t.val::<Hour>(cx, "peak_hour");
    t.finish(cx);
    Some(Threshold {
        level: level?,
        correlation: correlation?,
        sd: sd?,
        daily_amplitude: amp?,
        peak_hour: peak?,
    })
}

/// Strict priority of a reading in queues: all waiting high readings are served before
/// any normal one, and normal before low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Priority {
    /// Alarms, medical alerts.
    High = 0,
    /// The default.
    Normal = 1,
    /// Bulk and background readings.
    Low = 2,
}

impl Priority {
    /// Every priority, highest first.
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    /// Its name in scenario files and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

read::kind!(
    /// A queue priority: `"high"`, `"normal"` or `"low"`.
    PriorityName => Priority, "`\"high\"`, `\"normal\"` or `\"low\"`", read_priority
);

pub(crate) fn read_priority(cx: &mut Cx, node: &Node, key: &str) -> Option<Priority> {
    read::choice(cx, node, key, &["high", "normal", "low"]).map(|c| match c {
        "high" => Priority::High,
        "low" => Priority::Low,
        _ => Priority::Normal,
    })
}

/// Named daily profiles (hourly multipliers from midnight, normalised to mean 1).
pub const PROFILES: &[(&str, [f64; 24])] = &[
    ("flat", [1.0; 24]),
    (
        "commute",
        [
            0.2, 0.15, 0.1, 0.1, 0.15, 0.4, 1.2, 2.6, 2.8, 1.6, 1.0, 1.0, 1.1, 1.0, 1.0, 1.2, 1.8,
            2.7, 2.6, 1.5, 0.9, 0.6, 0.4, 0.3,
        ],
    ),
    (
        "office",
        [
            0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1.4, 2.0, 2.2, 2.2, 2.0, 1.8, 2.0, 2.2, 2.2, 2.0,
            1.5, 0.8, 0.4, 0.3, 0.2, 0.2, 0.2,
        ],
    ),
    (
        "residential",
        [
            0.5, 0.4, 0.3, 0.3, 0.3, 0.5, 1.2, 1.8, 1.4, 0.8, 0.7, 0.8, 0.9, 0.8, 0.8, 0.9, 1.1,
            1.6, 2.0, 2.2, 2.0, 1.6, 1.1, 0.8,
        ],
    ),
    (
        "night",
        [
            2.0, 2.0, 2.0, 2.0, 2.0, 1.8, 1.0, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
            0.6, 1.0, 1.6, 2.0, 2.0, 2.0, 2.0,
        ],
    ),
];

/// Reads `profile`: a named profile (normalised to mean 1) or 24 non-negative hourly
/// multipliers, used as given.
pub(crate) fn read_profile(cx: &mut Cx, node: &Node, key: &str) -> Option<[f64; 24]> {
    let names: Vec<&str> = PROFILES.iter().map(|p| p.0).collect();
    if let Val::Str(_) = &node.val {
        let name = read::choice(cx, node, key, &names)?;
        let m = PROFILES
            .iter()
            .find(|p| p.0 == name)
            .expect("a known name")
            .1;
        let mean = m.iter().sum::<f64>() / 24.0;
        return Some(m.map(|x| x / mean));
    }
    let expected = format!(
        "one of {} or a list of 24 hourly multipliers (from midnight), each >= 0, not all 0",
        read::quoted_list(&names)
    );
    let items = match &node.val {
        Val::Array(_) => read::array(cx, node, key)?,
        _ => {
            cx.expected(node, key, &expected);
            return None;
        }
    };
    let values: Vec<f64> = items
        .iter()
        .filter_map(|n| match n.val {
            Val::Int(i) => Some(i as f64),
            Val::Float(f) => Some(f),
            _ => None,
        })
        .collect();
    if values.len() != 24
        || items.len() != 24
        || values
            .iter()
            .any(|v| !v.is_finite() || *v < 0.0 || *v > 1e6)
        || values.iter().all(|v| *v == 0.0)
    {
        cx.expected(node, key, &expected);
        return None;
    }
    let mut m = [0.0; 24];
    m.copy_from_slice(&values);
    Some(m)
}

/// The keys of `traffic` tables, for the key reference.
pub(crate) const TRAFFIC_KEYS: &[Key] = &[
    Key::of(
        "jitter",
        "a periodic class's readings fall uniformly within this of their schedule",
    ),
    Key::of(
        "kind",
        "a fixed interval from a random phase (periodic), exponential gaps (poisson), or bursts",
    ),
    Key::of(
        "interval",
        "the mean time between readings (bursty: within a burst)",
    ),
    Key::of("on", "bursty: the mean length of a burst (exponential)"),
    Key::of("off", "bursty: the mean time between bursts (exponential)"),
];

/// The keys of `threshold` tables, for the key reference.
pub(crate) const THRESHOLD_KEYS: &[Key] = &[
    Key::of(
        "level",
        "a reading is sent when the sampled value rises through this level",
    ),
    Key::of("correlation", "the correlation between successive samples"),
    Key::of(
        "sd",
        "the standard deviation of the sampled value's random part",
    ),
    Key::of(
        "daily_amplitude",
        "the amplitude of the value's daily curve",
    ),
    Key::of("peak_hour", "the hour of the daily curve's maximum"),
];

#[cfg(test)]
mod tests {
    use super::super::diag::{Origin, Source};
    use super::super::tree::parse_override_value;
    use super::*;
    use std::sync::Arc;

    fn jitter(text: &str) -> (Option<u64>, Vec<String>) {
        let mut cx = Cx::new(Arc::new(Source::new("t.toml", "")));
        let node = parse_override_value(text, &Origin::Default);
        let mut t = Tbl::open(&mut cx, &node, "sensors.0.traffic", "traffic").unwrap();
        let j = read_jitter(&mut cx, &mut t, Some(300_000_000_000));
        (j, cx.diags.iter().map(|d| d.message.clone()).collect())
    }

    #[test]
    fn jitter_is_a_duration_or_a_share_of_the_interval_at_most_half_of_it() {
        assert_eq!(jitter("{}").0, Some(0));
        assert_eq!(jitter("{ jitter = \"10s\" }").0, Some(10_000_000_000));
        assert_eq!(jitter("{ jitter = \"10%\" }").0, Some(30_000_000_000));
        assert_eq!(jitter("{ jitter = \"50%\" }").0, Some(150_000_000_000));
        let (j, msgs) = jitter("{ jitter = \"3min\" }");
        assert_eq!(j, None);
        assert!(msgs[0].contains("at most half the interval"), "{msgs:?}");
        let (j, msgs) = jitter("{ jitter = \"-5%\" }");
        assert_eq!(j, None);
        assert!(msgs[0].contains("a percentage"), "{msgs:?}");
    }
}

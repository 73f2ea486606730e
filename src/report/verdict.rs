//! What the points of a sweep are judged against, and which one to recommend.
//!
//! A point meets the targets when every rule holds at the bound of its 95% interval
//! (the interval's low end for `>=`, its high end for `<=`; the mean when a point has
//! one replication). The rules are the scenario's `[targets]` and its `[tune]`
//! constraints. The recommended point is, among those that meet every rule, the one
//! with the best `[tune]` objective when the scenario has one, else the one with the
//! highest delivery ratio at its bound.

use crate::scenario::{Objective, Study};
use crate::units::human_number;

/// One rule: a metric column, its direction and threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The metric (a `summary.csv` column).
    pub metric: String,
    /// True for `>=`, false for `<=`.
    pub at_least: bool,
    /// The threshold.
    pub value: f64,
}

impl Rule {
    /// `delivery_ratio >= 0.95`.
    pub fn text(&self) -> String {
        let op = if self.at_least { ">=" } else { "<=" };
        format!("{} {op} {}", self.metric, self.value)
    }

    /// Whether the rule holds for `value`.
    pub fn holds(&self, value: f64) -> bool {
        if self.at_least {
            value >= self.value
        } else {
            value <= self.value
        }
    }
}

/// The targets of a sweep, its objective, title and description.
#[derive(Debug, Clone, Default)]
pub struct SweepTargets {
    /// Every rule (targets first, then constraints not already among them).
    pub rules: Vec<Rule>,
    /// The `[tune]` objective, when there is one and only one.
    pub objective: Option<Objective>,
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
}

impl SweepTargets {
    /// The targets of `study` (its base scenario's `[targets]` and its `[tune]`).
    pub fn of(study: &Study) -> SweepTargets {
        let mut out = SweepTargets::default();
        if let Ok(base) = study.base() {
            out.name = base.name.clone();
            out.description = base.description.clone();
            if let Some(v) = base.targets.delivery_ratio {
                out.push("delivery_ratio", true, v);
            }
            if let Some(v) = base.targets.latency_p95_ms {
                out.push("latency_p95_ms", false, v);
            }
        }
        if let Some(t) = &study.tune {
            for c in &t.constraints {
                out.push(&c.metric, c.at_least, c.value);
            }
            if let [one] = t.objectives.as_slice() {
                out.objective = Some(one.clone());
            }
        }
        out
    }

    fn push(&mut self, metric: &str, at_least: bool, value: f64) {
        let rule = Rule {
            metric: metric.into(),
            at_least,
            value,
        };
        if !self.rules.contains(&rule) {
            self.rules.push(rule);
        }
    }

    /// The rule on `metric`, if any (for a chart's target line).
    pub fn on(&self, metric: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.metric == metric)
    }

    /// How many rules hold for a point, given each metric's value at the rule's bound
    /// (`bound(metric, at_least)`; NaN when the point lacks it).
    pub fn met(&self, bound: &dyn Fn(&str, bool) -> f64) -> usize {
        self.rules
            .iter()
            .filter(|r| r.holds(bound(&r.metric, r.at_least)))
            .count()
    }
}

/// One point of a finished sweep, as the verdict needs it.
pub struct Point {
    /// Its label (`gateways.count=9, ...`).
    pub label: String,
    /// Rules met, of all.
    pub met: usize,
    /// Delivery ratio at its low bound.
    pub delivery_low: f64,
    /// The objective's value, when there is one.
    pub objective: Option<f64>,
}

/// The sentence that answers the sweep: which point to take, why, or that none meets
/// the targets and which comes closest.
pub fn recommendation(t: &SweepTargets, points: &[Point]) -> String {
    if t.rules.is_empty() {
        return "No targets to judge the points by: set [targets] (delivery_ratio, latency_p95) or [tune] constraints in the scenario.".into();
    }
    let rules = t
        .rules
        .iter()
        .map(Rule::text)
        .collect::<Vec<_>>()
        .join(", ");
    let all = t.rules.len();
    let meeting: Vec<&Point> = points.iter().filter(|p| p.met == all).collect();
    let by = |a: f64, b: f64| a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal);
    if meeting.is_empty() {
        let closest = points
            .iter()
            .max_by(|a, b| a.met.cmp(&b.met).then(by(a.delivery_low, b.delivery_low)));
        return match closest {
            Some(p) => format!(
                "No point meets every target ({rules}) at the 95% bound. Closest: {} ({} of {all} met); widen the swept range.",
                p.label, p.met
            ),
            None => "No point has finished.".into(),
        };
    }
    let share = format!(
        "{} of {} points meet {rules} at the 95% bound",
        meeting.len(),
        points.len()
    );
    match &t.objective {
        Some(obj)
            if meeting
                .iter()
                .all(|p| p.objective.is_some_and(f64::is_finite)) =>
        {
            let value = |p: &&Point| p.objective.unwrap_or(f64::NAN);
            let best = if obj.maximize {
                meeting.iter().max_by(|a, b| by(value(a), value(b)))
            } else {
                meeting.iter().min_by(|a, b| by(value(a), value(b)))
            }
            .expect("a meeting point");
            let word = if obj.maximize { "highest" } else { "lowest" };
            format!(
                "Recommended: {} ({word} {} among them, {}); {share}.",
                best.label,
                obj.text,
                human_number(value(best))
            )
        }
        _ => {
            let best = meeting
                .iter()
                .max_by(|a, b| by(a.delivery_low, b.delivery_low))
                .expect("a meeting point");
            format!(
                "Recommended: {} (the highest delivery ratio at its bound among them); {share}.",
                best.label
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, met: usize, low: f64, objective: Option<f64>) -> Point {
        Point {
            label: label.into(),
            met,
            delivery_low: low,
            objective,
        }
    }

    #[test]
    fn the_cheapest_point_that_meets_every_target_is_recommended() {
        let mut t = SweepTargets::default();
        t.push("delivery_ratio", true, 0.95);
        t.push("latency_p95_ms", false, 500.0);
        let pts = [
            point("g=4", 1, 0.93, Some(4.0)),
            point("g=9", 2, 0.97, Some(9.0)),
            point("g=16", 2, 0.99, Some(16.0)),
        ];
        let text = recommendation(&t, &pts);
        // With no objective: the point with the most delivery in hand.
        assert!(
            text.starts_with("Recommended: g=16 (the highest delivery"),
            "{text}"
        );
        assert!(text.contains("2 of 3 points meet"), "{text}");
        t.objective = Some(Objective {
            expr: crate::scenario::Expr::parse("g * 1500").unwrap(),
            text: "g * 1500".into(),
            maximize: false,
        });
        let text = recommendation(&t, &pts);
        assert!(
            text.starts_with("Recommended: g=9 (lowest g * 1500 among them, 9)"),
            "{text}"
        );
        let none = recommendation(&t, &pts[..1]);
        assert!(none.starts_with("No point meets every target"), "{none}");
        assert!(none.contains("Closest: g=4 (1 of 2 met)"), "{none}");
    }
}

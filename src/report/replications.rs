//! The report of a replicated run (`run --replications R`): every headline number and
//! every chart with its 95% confidence interval over the replications (Student's t
//! with R - 1 degrees of freedom), whether each target is met at its bound, and a link
//! to each replication's own report.

use super::charts::{self, render, Format};
use super::data::{drop_columns, Csv, ReportError, RunData};
use super::html::{esc, CSS};
use crate::output::write_atomic;
use crate::stats::mean_ci;
use crate::units::{human_interval, human_number, human_percent, human_range};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Whether `dir` holds a replicated run: `summary.csv` with a `replication` column and
/// the first replication's folder.
pub fn is_replicated(dir: &Path) -> bool {
    dir.join("rep-0").is_dir()
        && std::fs::read_to_string(dir.join("summary.csv"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .next()
                    .map(|h| h.split(',').any(|c| c == "replication"))
            })
            .unwrap_or(false)
}

/// A mean over replications with the half-width of its 95% interval (NaN when there
/// are fewer than two finite values).
#[derive(Debug, Clone, Copy)]
pub(super) struct Estimate {
    pub(super) mean: f64,
    pub(super) half: f64,
    n: usize,
}

impl Estimate {
    /// The estimate from `values` (non-finite values left out).
    pub(super) fn of(values: &[f64]) -> Estimate {
        let xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        match xs.len() {
            0 => Estimate {
                mean: f64::NAN,
                half: f64::NAN,
                n: 0,
            },
            1 => Estimate {
                mean: xs[0],
                half: f64::NAN,
                n: 1,
            },
            n => {
                let (mean, half) = mean_ci(&xs, 0.95);
                Estimate { mean, half, n }
            }
        }
    }

    pub(super) fn low(&self) -> f64 {
        self.mean - self.half
    }

    pub(super) fn high(&self) -> f64 {
        self.mean + self.half
    }

    /// `0.99221 ± 0.00041`, or the mean alone with `n/a` for an interval it lacks.
    fn text(&self) -> String {
        if self.half.is_finite() {
            human_interval(self.mean, self.half)
        } else {
            format!("{} (no interval)", human_number(self.mean))
        }
    }
}

/// The replications, loaded.
struct Replicated {
    summary: Csv,
    runs: Vec<RunData>,
}

impl Replicated {
    fn load(dir: &Path) -> Result<Replicated, ReportError> {
        let summary = Csv::read(
            dir,
            "summary.csv",
            &["scenario", "replication", "seed"],
            &["replication"],
        )?;
        if summary.rows.is_empty() {
            return Err(ReportError::Input(format!(
                "error: {}: no replication in it",
                summary.path.display()
            )));
        }
        let mut runs = Vec::new();
        for r in &summary.rows {
            let rep = summary.text(r, "replication");
            runs.push(RunData::load(&dir.join(format!("rep-{rep}")))?);
        }
        Ok(Replicated { summary, runs })
    }

    /// A summary column over the replications.
    fn metric(&self, col: &str) -> Estimate {
        let s = &self.summary;
        if !s.header.iter().any(|h| h == col) {
            return Estimate::of(&[]);
        }
        Estimate::of(&s.rows.iter().map(|r| s.num(r, col)).collect::<Vec<_>>())
    }

    /// The class names of the first replication (every replication has the same).
    fn classes(&self) -> Vec<(String, String)> {
        let c = &self.runs[0].classes;
        c.rows
            .iter()
            .map(|r| {
                (
                    c.text(r, "class").to_string(),
                    c.text(r, "domain").to_string(),
                )
            })
            .collect()
    }

    /// A class column over the replications.
    fn class_metric(&self, class: &str, col: &str) -> Estimate {
        let values: Vec<f64> = self
            .runs
            .iter()
            .map(|d| {
                let c = &d.classes;
                c.rows
                    .iter()
                    .find(|r| c.text(r, "class") == class)
                    .map_or(f64::NAN, |r| c.num(r, col))
            })
            .collect();
        Estimate::of(&values)
    }

    fn target(&self, key: &str) -> Option<f64> {
        self.runs[0].target(key)
    }
}

/// The headline rows: label, summary column, how to write it.
const HEADLINE: &[(&str, &str)] = &[
    ("delivery ratio", "delivery_ratio"),
    ("high-priority delivery ratio", "high_delivery_ratio"),
    ("latency p50 (ms)", "latency_p50_ms"),
    ("latency p95 (ms)", "latency_p95_ms"),
    ("latency p99 (ms)", "latency_p99_ms"),
    ("latency mean (ms)", "latency_mean_ms"),
    ("latency max (ms)", "latency_max_ms"),
    ("readings generated", "generated"),
    ("readings delivered", "delivered"),
    ("in flight at the end", "in_flight"),
];

/// Whether a target holds at the bound of its interval: met, not met, or not settled
/// by these replications (the interval straddles it).
fn verdict(e: &Estimate, target: f64, at_least: bool) -> &'static str {
    let (worst, best) = if at_least {
        (e.low(), e.high())
    } else {
        (e.high(), e.low())
    };
    let holds = |v: f64| if at_least { v >= target } else { v <= target };
    if !e.half.is_finite() {
        "no interval (one replication)"
    } else if holds(worst) {
        "met at the 95% bound"
    } else if holds(best) {
        "not settled: the interval straddles the target (run more replications)"
    } else {
        "missed at the 95% bound"
    }
}

/// The sentences at the top: delivery and p95 latency with intervals, and the targets.
fn lead(r: &Replicated) -> Vec<String> {
    let n = r.summary.rows.len();
    let mut out = vec![format!(
        "{n} replications with independent seeds; each number is the mean with the half-width of its 95% confidence interval (Student's t, {} degrees of freedom).",
        n.saturating_sub(1)
    )];
    let dr = r.metric("delivery_ratio");
    let p95 = r.metric("latency_p95_ms");
    out.push(format!(
        "Delivery ratio {}; p95 latency {} ms.",
        dr.text(),
        p95.text()
    ));
    if let Some(t) = r.target("delivery_ratio") {
        out.push(format!(
            "Target delivery ratio ≥ {}: {}.",
            human_percent(t),
            verdict(&dr, t, true)
        ));
    }
    if let Some(t) = r.target("latency_p95_ms") {
        out.push(format!(
            "Target p95 latency ≤ {} ms: {}.",
            human_number(t),
            verdict(&p95, t, false)
        ));
    }
    out
}

/// Writes `dir/charts/*` and `dir/report.html` for a replicated run.
pub fn report_replications(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let r = Replicated::load(dir)?;
    let made = replication_charts(&r, &dir.join("charts"))?;
    let h = page(&r, &made);
    let path = dir.join("report.html");
    write_atomic(&path, h.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", path.display())))?;
    Ok(vec![path])
}

/// The value axis of estimates `est`: (from, to). Ratios near 1 are drawn as dots on
/// an axis from just below the lowest interval (and the target), so that intervals a
/// few tenths of a percent wide can be seen; other values as bars from zero.
fn axis(est: &[Estimate], format: Format, target: Option<f64>) -> (f64, f64) {
    let ends = |e: &Estimate| {
        if e.half.is_finite() {
            (e.low(), e.high())
        } else {
            (e.mean, e.mean)
        }
    };
    let finite = |v: &f64| v.is_finite();
    let max = est
        .iter()
        .map(|e| ends(e).1)
        .filter(finite)
        .fold(0.0, f64::max);
    let min = est
        .iter()
        .map(|e| ends(e).0)
        .filter(finite)
        .fold(f64::INFINITY, f64::min);
    let low = target.map_or(min, |t| min.min(t));
    if format == Format::Percent && low.is_finite() && low > 0.5 {
        let from = ((low - (1.0 - low) * 0.5 - 0.001) * 200.0).floor() / 200.0;
        (from, 1.0 + (1.0 - from) * 0.25)
    } else if format == Format::Percent {
        (0.0, 1.15)
    } else {
        (0.0, max.max(1e-9) * 1.3)
    }
}

/// A chart of one estimate per class with its interval.
fn interval_bars(
    names: &[String],
    (title, desc): (&str, &str),
    est: Vec<Estimate>,
    format: Format,
    target: Option<(String, f64)>,
) -> charts::Bars {
    let (from, max) = axis(&est, format, target.as_ref().map(|t| t.1));
    charts::Bars {
        title: title.into(),
        value_desc: desc.into(),
        categories: names.to_vec(),
        series: vec![(desc.into(), est.iter().map(|e| e.mean).collect())],
        from,
        max,
        format,
        target,
        intervals: vec![est.iter().map(|e| (e.low(), e.high())).collect()],
    }
}

/// Delivery and p95 latency by class, each with its interval.
fn replication_charts(r: &Replicated, dir: &Path) -> Result<Vec<(String, String)>, ReportError> {
    let names: Vec<String> = r.classes().into_iter().map(|c| c.0).collect();
    let by =
        |col: &str| -> Vec<Estimate> { names.iter().map(|c| r.class_metric(c, col)).collect() };
    let bars = |t: (&str, &str), est, format, target| interval_bars(&names, t, est, format, target);
    let delivery_target = r
        .target("delivery_ratio")
        .map(|t| (format!("target ≥ {}", human_percent(t)), t));
    let latency_target = r
        .target("latency_p95_ms")
        .map(|t| (format!("target ≤ {}", charts::latency_label(t)), t));
    let mut made = Vec::new();
    for (name, chart) in [
        (
            "delivery_by_class",
            bars(
                ("Delivery ratio by class (95% CI)", "delivery ratio"),
                by("delivery_ratio"),
                Format::Percent,
                delivery_target,
            ),
        ),
        (
            "latency_p95_by_class",
            bars(
                ("p95 latency by class (95% CI)", "p95 latency"),
                by("latency_p95_ms"),
                Format::Latency,
                latency_target,
            ),
        ),
    ] {
        made.push((name.to_string(), render(dir, name, &chart)?));
    }
    Ok(made)
}

/// The report page.
fn page(r: &Replicated, made: &[(String, String)]) -> String {
    let first = &r.runs[0];
    let name = r.summary.text(&r.summary.rows[0], "scenario").to_string();
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}: replications</title><style>{CSS}</style></head><body><h1>{0}: {1} replications</h1>",
        esc(&name),
        r.summary.rows.len()
    );
    let description = first.meta_text("description");
    if !description.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(&description));
    }
    for line in lead(r) {
        let _ = write!(h, "<p>{}</p>", esc(&line));
    }
    h.push_str("<h2>Headline numbers</h2><table><thead><tr><th>metric</th><th>mean ± 95% CI</th><th>95% CI</th><th>replications</th></tr></thead><tbody>");
    let mut rows: Vec<(String, String)> = HEADLINE
        .iter()
        .map(|(l, c)| (l.to_string(), c.to_string()))
        .collect();
    for c in drop_columns(&r.summary) {
        if r.metric(&c).mean > 0.0 {
            rows.push((
                format!(
                    "lost: {}",
                    c.trim_start_matches("dropped_").replace('_', " ")
                ),
                c,
            ));
        }
    }
    for (label, col) in rows {
        let e = r.metric(&col);
        if e.n == 0 {
            continue;
        }
        let range = if e.half.is_finite() {
            human_range(e.low(), e.high())
        } else {
            String::new()
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&label),
            esc(&e.text()),
            esc(&range),
            e.n
        );
    }
    h.push_str("</tbody></table><h2>Charts</h2>");
    for (name, svg) in made {
        let _ = write!(
            h,
            "<div class=\"chart\" id=\"chart-{name}\">{}</div>",
            charts::inline_svg(svg)
        );
    }
    class_table(r, &mut h);
    h.push_str("<h2>Replications</h2><table><thead><tr><th>replication</th><th>delivery ratio</th><th>p95 latency (ms)</th><th>report</th></tr></thead><tbody>");
    let s = &r.summary;
    for row in &s.rows {
        let rep = s.text(row, "replication");
        let _ = write!(
            h,
            "<tr><td>{rep}</td><td>{}</td><td>{}</td><td><a href=\"rep-{rep}/report.html\">rep-{rep}/report.html</a></td></tr>",
            esc(s.text(row, "delivery_ratio")),
            esc(s.text(row, "latency_p95_ms")),
        );
    }
    h.push_str("</tbody></table><p class=\"muted\">Beside this page: summary.csv (a row per replication) and aggregate.csv (means, standard deviations and intervals).</p></body></html>\n");
    h
}

/// Per class: delivery ratio and p95 latency with their intervals.
fn class_table(r: &Replicated, h: &mut String) {
    h.push_str("<h2>Classes</h2><table><thead><tr><th>class</th><th>domain</th><th>delivery ratio</th><th>p95 latency (ms)</th><th>readings generated</th></tr></thead><tbody>");
    for (class, domain) in r.classes() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&class),
            esc(&domain),
            esc(&r.class_metric(&class, "delivery_ratio").text()),
            esc(&r.class_metric(&class, "latency_p95_ms").text()),
            esc(&r.class_metric(&class, "generated").text()),
        );
    }
    h.push_str("</tbody></table>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_judged_at_the_bound_of_its_interval() {
        let e = Estimate {
            mean: 0.992,
            half: 0.004,
            n: 4,
        };
        assert_eq!(verdict(&e, 0.985, true), "met at the 95% bound");
        assert!(verdict(&e, 0.99, true).starts_with("not settled"));
        assert_eq!(verdict(&e, 0.997, true), "missed at the 95% bound");
        let p95 = Estimate {
            mean: 250.0,
            half: 10.0,
            n: 4,
        };
        assert_eq!(verdict(&p95, 300.0, false), "met at the 95% bound");
        assert!(verdict(&p95, 255.0, false).starts_with("not settled"));
        assert_eq!(verdict(&p95, 200.0, false), "missed at the 95% bound");
    }
}

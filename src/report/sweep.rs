//! Sweep and tuning reports: each metric against each parameter with 95% confidence
//! bars (one line per combination of the other parameters), and the search of a tune.

use super::charts::{self, render, CiPoint};
use super::data::{Csv, ReportError};
use super::html::{esc, CSS};
use super::verdict::{recommendation, Point, SweepTargets};
use crate::output::write_atomic;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The metrics charted against every parameter.
const METRICS: &[(&str, &str)] = &[
    ("delivery_ratio", "delivery ratio"),
    ("latency_mean_ms", "mean latency (ms)"),
    ("latency_p95_ms", "p95 latency (ms)"),
    ("latency_p99_ms", "p99 latency (ms)"),
];

/// A parameter value as a number: plain numbers, durations in seconds, other units in
/// their base unit.
fn as_number(label: &str) -> Option<f64> {
    use crate::units::*;
    label
        .parse::<f64>()
        .ok()
        .or_else(|| parse_duration_ns(label).ok().map(|ns| ns as f64 / 1e9))
        .or_else(|| parse_bytes(label).ok().map(|b| b as f64))
        .or_else(|| parse_bitrate(label).ok())
        .or_else(|| parse_distance_m(label).ok())
}

/// A finished sweep's table, parameters and targets.
struct Finished {
    agg: Csv,
    params: Vec<String>,
    targets: SweepTargets,
}

impl Finished {
    fn load(dir: &Path) -> Result<Finished, ReportError> {
        let agg = Csv::read(
            dir,
            "aggregate.csv",
            &["point", "replications"],
            &["replications"],
        )?;
        let end = agg.col("replications");
        let params: Vec<String> = agg.header[1..end].to_vec();
        check_metrics(&agg)?;
        // The resolved study beside the results gives the title and the targets; a
        // folder without one (copied results) is reported without them.
        let targets = crate::scenario::load_study(&dir.join("study.toml"), &[])
            .map(|s| SweepTargets::of(&s))
            .unwrap_or_default();
        Ok(Finished {
            agg,
            params,
            targets,
        })
    }

    /// Metric `m` of row `r` at the bound a rule reads: the interval's low end for
    /// `>=` rules, its high end for `<=`, the mean when there is no interval.
    fn bound(&self, r: &[String], m: &str, at_least: bool) -> f64 {
        let col = |suffix: &str| format!("{m}_{suffix}");
        let has = |c: &str| self.agg.header.iter().any(|h| h == c);
        let end = col(if at_least { "ci95_low" } else { "ci95_high" });
        let v = if has(&end) {
            self.agg.num(r, &end)
        } else {
            f64::NAN
        };
        if v.is_finite() || !has(&col("mean")) {
            v
        } else {
            self.agg.num(r, &col("mean"))
        }
    }

    /// `gateways.count=9, interval=1min`.
    fn label(&self, r: &[String]) -> String {
        self.params
            .iter()
            .enumerate()
            .map(|(j, p)| format!("{p}={}", r[1 + j]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Each point as the verdict reads it.
    fn points(&self) -> Vec<Point> {
        self.agg
            .rows
            .iter()
            .map(|r| {
                let objective = self.targets.objective.as_ref().and_then(|o| {
                    let mut lookup = |name: &str| -> Option<f64> {
                        match self.params.iter().position(|p| p == name) {
                            Some(j) => as_number(&r[1 + j]),
                            None => Some(self.agg.num(r, &format!("{name}_mean")))
                                .filter(|_| self.agg.header.contains(&format!("{name}_mean"))),
                        }
                    };
                    o.expr.eval(&mut lookup).ok()
                });
                Point {
                    label: self.label(r),
                    met: self.targets.met(&|m, at_least| self.bound(r, m, at_least)),
                    delivery_low: self.bound(r, "delivery_ratio", true),
                    objective,
                }
            })
            .collect()
    }

    /// The sentence that answers the sweep.
    fn answer(&self, points: &[Point]) -> String {
        recommendation(&self.targets, points)
    }
}

/// The recommendation of the finished sweep in `dir`, as one sentence.
pub fn sweep_answer(dir: &Path) -> Result<String, ReportError> {
    let f = Finished::load(dir)?;
    Ok(f.answer(&f.points()))
}

/// Writes `dir/charts/*` and `dir/report.html` for a finished sweep (`aggregate.csv`).
pub fn report_sweep(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let f = Finished::load(dir)?;
    let charts_dir = dir.join("charts");
    let mut made = Vec::new();
    for pi in 0..f.params.len() {
        made.extend(param_charts(&f, pi, &charts_dir)?);
    }
    let h = sweep_html(&f, &made);
    let path = dir.join("report.html");
    write_atomic(&path, h.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", path.display())))?;
    Ok(vec![path])
}

/// Every metric's mean and interval columns are in `aggregate.csv`.
fn check_metrics(agg: &Csv) -> Result<(), ReportError> {
    for (m, _) in METRICS {
        for suffix in ["mean", "ci95_low", "ci95_high"] {
            let col = format!("{m}_{suffix}");
            if !agg.header.contains(&col) {
                return Err(ReportError::Input(format!(
                    "error: {}: column `{col}` is missing",
                    agg.path.display()
                )));
            }
        }
    }
    Ok(())
}

/// One chart per metric against parameter `pi`: a line per combination of the other
/// parameters (pooled when there are more than eight).
fn param_charts(
    f: &Finished,
    pi: usize,
    charts_dir: &Path,
) -> Result<Vec<(String, String)>, ReportError> {
    let (agg, params) = (&f.agg, &f.params);
    let (start, p) = (1, &params[pi]);
    let mut made = Vec::new();
    let labels: Vec<String> = agg.rows.iter().map(|r| r[start + pi].clone()).collect();
    let numeric: Option<Vec<f64>> = labels.iter().map(|l| as_number(l)).collect();
    let mut distinct: Vec<String> = Vec::new();
    for l in &labels {
        if !distinct.contains(l) {
            distinct.push(l.clone());
        }
    }
    let x_of = |i: usize| match &numeric {
        Some(v) => v[i],
        None => distinct.iter().position(|d| *d == labels[i]).unwrap_or(0) as f64,
    };
    let is_duration = labels
        .iter()
        .all(|l| l.parse::<f64>().is_err() && crate::units::parse_duration_ns(l).is_ok());
    // Lines: one per combination of the other parameters (pooled when too many).
    let key = |r: &Vec<String>| -> String {
        params
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != pi)
            .map(|(j, q)| format!("{q}={}", r[start + j]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut keys: Vec<String> = Vec::new();
    for r in &agg.rows {
        let k = key(r);
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    let pooled = keys.len() > 8;
    for (m, desc) in METRICS {
        let lines = metric_lines(agg, m, pooled, &key, &x_of);
        let name = format!(
            "{m}_vs_{}",
            p.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let chart = charts::SweepLines {
            title: format!("{desc} vs {p} (95% CI)"),
            x_desc: if is_duration {
                format!("{p} (s)")
            } else {
                p.clone()
            },
            y_desc: desc.to_string(),
            x_labels: if numeric.is_some() {
                None
            } else {
                Some(distinct.clone())
            },
            scatter: vec![false; lines.len()],
            lines,
            target: f
                .targets
                .on(m)
                .map(|r| (format!("target: {}", r.text()), r.value)),
            answer: None,
        };
        made.push((name.clone(), render(charts_dir, &name, &chart)?));
    }
    Ok(made)
}

/// One line per key (or one, pooled) of metric `m`'s mean and interval over the points.
fn metric_lines(
    agg: &Csv,
    m: &str,
    pooled: bool,
    key: &dyn Fn(&Vec<String>) -> String,
    x_of: &dyn Fn(usize) -> f64,
) -> Vec<(String, Vec<CiPoint>)> {
    let mut lines: Vec<(String, Vec<CiPoint>)> = Vec::new();
    for (i, r) in agg.rows.iter().enumerate() {
        let name = if pooled {
            "all points".to_string()
        } else {
            key(r)
        };
        let pt = (
            x_of(i),
            agg.num(r, &format!("{m}_mean")),
            agg.num(r, &format!("{m}_ci95_low")),
            agg.num(r, &format!("{m}_ci95_high")),
        );
        match lines.iter_mut().find(|l| l.0 == name) {
            Some(l) => l.1.push(pt),
            None => lines.push((name, vec![pt])),
        }
    }
    lines
}

/// The sweep report page: the answer, the charts and the table of points.
fn sweep_html(f: &Finished, made: &[(String, String)]) -> String {
    let points = f.points();
    let t = &f.targets;
    let title = if t.name.is_empty() {
        "Sweep report".to_string()
    } else {
        format!("{}: sweep", t.name)
    };
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title><style>{CSS}</style></head><body><h1>{0}</h1>",
        esc(&title)
    );
    if !t.description.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(&t.description));
    }
    let _ = write!(
        h,
        "<p class=\"headline\"><strong>{}</strong></p>",
        esc(&f.answer(&points))
    );
    let _ = write!(
        h,
        "<p>{} points over {}; each metric is the mean over the replications with the half-width of its 95% confidence interval (Student's t). A point meets the targets when each holds at its interval's bound.</p>",
        f.agg.rows.len(),
        esc(&f.params.join(", "))
    );
    h.push_str("<h2>Charts</h2>");
    for (name, svg) in made {
        let _ = write!(
            h,
            "<div class=\"chart\" id=\"chart-{name}\">{}</div>",
            charts::inline_svg(svg)
        );
    }
    points_table(f, &points, &mut h);
    h.push_str("<p class=\"muted\">Every column, with standard deviations and interval ends, is in aggregate.csv; one row per run in runs.csv.</p></body></html>\n");
    h
}

/// The table of points: parameters, replications, whether the point meets the
/// targets, and each charted metric as mean ± half-width.
fn points_table(f: &Finished, points: &[Point], h: &mut String) {
    h.push_str("<h2>Points</h2><table><thead><tr><th>point</th>");
    for p in &f.params {
        let _ = write!(h, "<th>{}</th>", esc(p));
    }
    h.push_str("<th>replications</th><th>meets the targets</th>");
    for (_, desc) in METRICS {
        let _ = write!(h, "<th>{}</th>", esc(desc));
    }
    h.push_str("</tr></thead><tbody>");
    let all = f.targets.rules.len();
    for (r, p) in f.agg.rows.iter().zip(points) {
        let _ = write!(h, "<tr><td>{}</td>", esc(&r[0]));
        for j in 0..f.params.len() {
            let _ = write!(h, "<td>{}</td>", esc(&r[1 + j]));
        }
        let meets = match (all, p.met == all) {
            (0, _) => "no targets".to_string(),
            (_, true) => "yes".to_string(),
            (_, false) => format!("no ({} of {all})", p.met),
        };
        let _ = write!(
            h,
            "<td>{}</td><td>{meets}</td>",
            esc(f.agg.text(r, "replications"))
        );
        for (m, _) in METRICS {
            let mean = f.agg.num(r, &format!("{m}_mean"));
            let low = f.agg.num(r, &format!("{m}_ci95_low"));
            let cell = if low.is_finite() {
                crate::units::human_interval(mean, mean - low)
            } else {
                crate::units::human_number(mean)
            };
            let _ = write!(h, "<td>{}</td>", esc(&cell));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// The search chart of a tune: objective against trial, feasible and infeasible marked.
pub fn report_tune(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let trials = Csv::read(
        dir,
        "trials.csv",
        &["trial", "feasible"],
        &["trial", "feasible"],
    )?;
    let obj = if trials.header.iter().any(|h| h == "objective") {
        "objective"
    } else {
        "objective_1"
    };
    if !trials.header.iter().any(|h| h == obj) {
        return Err(ReportError::Input(format!(
            "error: {}: column `objective` is missing",
            trials.path.display()
        )));
    }
    let chart = search_chart(dir, &trials, obj);
    render(&dir.join("charts"), "search", &chart)?;
    Ok(vec![
        dir.join("charts").join("search.svg"),
        dir.join("charts").join("search.png"),
    ])
}

/// The search chart: each candidate's objective against the variable when there is one
/// (else against the trial), those meeting the constraints apart from those missing
/// one, and the answer ringed.
fn search_chart(dir: &Path, trials: &Csv, obj: &str) -> charts::SweepLines {
    let manifest: serde_json::Value = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let objective = manifest["objectives"][0].as_str().unwrap_or("");
    let maximize = objective.starts_with("maximize ");
    let name = objective
        .trim_start_matches("maximize ")
        .trim_start_matches("minimize ")
        .to_string();
    // The variables are the columns between `phase` and `replications`.
    let h = &trials.header;
    let vars = match (
        h.iter().position(|c| c == "phase"),
        h.iter().position(|c| c == "replications"),
    ) {
        (Some(a), Some(b)) if b > a + 1 => h[a + 1..b].to_vec(),
        _ => Vec::new(),
    };
    let x_col = match vars.as_slice() {
        [one] if trials.rows.iter().all(|r| trials.num(r, one).is_finite()) => one.clone(),
        _ => "trial".to_string(),
    };
    let (mut feasible, mut infeasible) = (Vec::new(), Vec::new());
    for r in &trials.rows {
        let p = (
            trials.num(r, &x_col),
            trials.num(r, obj),
            f64::NAN,
            f64::NAN,
        );
        if trials.num(r, "feasible") > 0.5 {
            feasible.push(p);
        } else {
            infeasible.push(p);
        }
    }
    let better = |a: f64, b: f64| if maximize { a > b } else { a < b };
    let answer = feasible
        .iter()
        .filter(|p| p.1.is_finite())
        .fold(None::<CiPoint>, |best, p| match best {
            Some(b) if !better(p.1, b.1) => Some(b),
            _ => Some(*p),
        })
        .map(|p| {
            let at = if x_col == "trial" {
                String::new()
            } else {
                format!(" at {x_col} = {}", crate::units::human_number(p.0))
            };
            (
                format!("answer: {}{at}", crate::units::human_number(p.1)),
                (p.0, p.1),
            )
        });
    let y_desc = if name.is_empty() {
        "objective".to_string()
    } else {
        name.clone()
    };
    charts::SweepLines {
        title: format!(
            "Tuning search: {} of each candidate",
            if name.is_empty() { "objective" } else { &name }
        ),
        x_desc: x_col.clone(),
        y_desc,
        x_labels: None,
        lines: vec![
            ("meets the constraints".into(), feasible),
            ("misses a constraint".into(), infeasible),
        ],
        scatter: vec![true, true],
        target: None,
        answer,
    }
}

/// The Pareto front of a two-objective tune: every feasible candidate, the front joined.
pub fn pareto_chart(
    dir: &Path,
    x_desc: &str,
    y_desc: &str,
    feasible: &[(f64, f64)],
    front: &[(f64, f64)],
) -> Result<Vec<PathBuf>, ReportError> {
    let pts = |v: &[(f64, f64)]| v.iter().map(|&(x, y)| (x, y, f64::NAN, f64::NAN)).collect();
    let chart = charts::SweepLines {
        title: "Pareto front of the feasible candidates".into(),
        x_desc: x_desc.into(),
        y_desc: y_desc.into(),
        x_labels: None,
        lines: vec![
            ("feasible candidate".into(), pts(feasible)),
            ("Pareto front".into(), pts(front)),
        ],
        scatter: vec![true, false],
        target: None,
        answer: None,
    };
    render(&dir.join("charts"), "pareto", &chart)?;
    Ok(vec![
        dir.join("charts").join("pareto.svg"),
        dir.join("charts").join("pareto.png"),
    ])
}

//! Sweep and tuning reports: each metric against each parameter with 95% confidence
//! bars (one line per combination of the other parameters), and the search of a tune.

use super::charts::{self, render, CiPoint};
use super::data::{Csv, ReportError};
use super::html::{esc, CSS};
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

/// Writes `dir/charts/*` and `dir/report.html` for a finished sweep (`aggregate.csv`).
pub fn report_sweep(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let agg = Csv::read(
        dir,
        "aggregate.csv",
        &["point", "replications"],
        &["replications"],
    )?;
    let end = agg.col("replications");
    let params: Vec<String> = agg.header[1..end].to_vec();
    check_metrics(&agg)?;
    let charts_dir = dir.join("charts");
    let mut made = Vec::new();
    for pi in 0..params.len() {
        made.extend(param_charts(&agg, &params, pi, &charts_dir)?);
    }
    let h = sweep_html(&agg, &params, &made, end);
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
    agg: &Csv,
    params: &[String],
    pi: usize,
    charts_dir: &Path,
) -> Result<Vec<(String, String)>, ReportError> {
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
            target: None,
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

/// The sweep report page: its charts and the table of points.
fn sweep_html(agg: &Csv, params: &[String], made: &[(String, String)], end: usize) -> String {
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sweep report</title><style>{CSS}</style></head><body><h1>Sweep report</h1>"
    );
    let _ = write!(
        h,
        "<p>{} points; each metric's mean over the replications with its 95% confidence interval (Student's t). Parameters: {}.</p>",
        agg.rows.len(),
        esc(&params.join(", "))
    );
    h.push_str("<h2>Charts</h2>");
    for (name, svg) in made {
        let _ = write!(
            h,
            "<div class=\"chart\" id=\"chart-{name}\">{}</div>",
            charts::inline_svg(svg)
        );
    }
    h.push_str("<h2>Points</h2><table><thead><tr>");
    let mut cols: Vec<String> = agg.header[..=end].to_vec();
    for (m, _) in METRICS {
        cols.extend([
            format!("{m}_mean"),
            format!("{m}_ci95_low"),
            format!("{m}_ci95_high"),
        ]);
    }
    for c in &cols {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &agg.rows {
        h.push_str("<tr>");
        for c in &cols {
            let _ = write!(h, "<td>{}</td>", esc(agg.text(r, c)));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table><p class=\"muted\">All columns are in aggregate.csv; one row per run in runs.csv.</p></body></html>\n");
    h
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
    let mut feasible = Vec::new();
    let mut infeasible = Vec::new();
    for r in &trials.rows {
        let p = (
            trials.num(r, "trial"),
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
    let chart = charts::SweepLines {
        title: "Tuning search: objective of each trial".into(),
        x_desc: "trial".into(),
        y_desc: "objective".into(),
        x_labels: None,
        lines: vec![
            ("meets the constraints".into(), feasible),
            ("misses a constraint".into(), infeasible),
        ],
        scatter: vec![true, true],
        target: None,
        answer: None,
    };
    render(&dir.join("charts"), "search", &chart)?;
    Ok(vec![
        dir.join("charts").join("search.svg"),
        dir.join("charts").join("search.png"),
    ])
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

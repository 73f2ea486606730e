//! Comparing two runs: a table of deltas (significant or not, given the replications)
//! and overlaid charts.

use super::charts::{self, render};
use super::data::{Csv, ReportError, RunData};
use super::html::{esc, CSS, HEADLINE};
use crate::output::write_atomic;
use crate::stats::student_t_quantile;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The runs a folder holds: a single run, or `run --replications` (rep-0, rep-1, ...).
struct Side {
    name: String,
    /// summary.csv rows (one per replication).
    summary: Csv,
    /// The first run's full data, for charts.
    first: RunData,
}

fn side(dir: &Path) -> Result<Side, ReportError> {
    let rep0 = dir.join("rep-0");
    let first = if rep0.is_dir() {
        RunData::load(&rep0)?
    } else {
        RunData::load(dir)?
    };
    let summary = if rep0.is_dir() {
        Csv::read(
            dir,
            "summary.csv",
            &["scenario", "delivery_ratio"],
            &["delivery_ratio"],
        )?
    } else {
        first.summary.clone()
    };
    let name = summary
        .rows
        .first()
        .map(|r| summary.text(r, "scenario").to_string())
        .unwrap_or_default();
    Ok(Side {
        name,
        summary,
        first,
    })
}

/// Welch's test: is the difference of means significant at 5% (two-sided)?
fn welch(a: &[f64], b: &[f64]) -> Option<bool> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let stats = |x: &[f64]| {
        let n = x.len() as f64;
        let m = x.iter().sum::<f64>() / n;
        let v = x.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (n - 1.0);
        (m, v / n)
    };
    let ((ma, sa), (mb, sb)) = (stats(a), stats(b));
    let se2 = sa + sb;
    if se2 == 0.0 {
        return Some(ma != mb);
    }
    let df = se2 * se2 / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0));
    let t = (ma - mb).abs() / se2.sqrt();
    Some(t > student_t_quantile(0.975, df.floor().max(1.0) as u64))
}

/// Writes `out/report.html` and `out/report.md` comparing `a` (base) with `b`.
pub fn compare_runs(a: &Path, b: &Path, out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let (sa, sb) = (side(a)?, side(b)?);
    let rows = differences(&sa, &sb);
    let (svg_cdf, svg_bars) = compare_charts(&sa, &sb, &out.join("charts"))?;
    let h = compare_html((a, &sa), (b, &sb), &rows, (&svg_cdf, &svg_bars));
    let md = compare_md(&sa, &sb, &rows);
    std::fs::create_dir_all(out)
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", out.display())))?;
    let hp = out.join("report.html");
    write_atomic(&hp, h.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", hp.display())))?;
    let mp = out.join("report.md");
    write_atomic(&mp, md.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", mp.display())))?;
    Ok(vec![hp, mp])
}

/// The columns of the comparison table.
const HEADER: [&str; 7] = [
    "metric",
    "A",
    "B",
    "B - A",
    "change",
    "significant (5%, Welch)",
    "runs A / B",
];

/// One row per headline metric: A's and B's means, the difference, and whether it is
/// significant.
fn differences(sa: &Side, sb: &Side) -> Vec<Vec<String>> {
    let values = |s: &Side, col: &str| -> Vec<f64> {
        if !s.summary.header.iter().any(|h| h == col) {
            return Vec::new();
        }
        s.summary
            .rows
            .iter()
            .map(|r| s.summary.num(r, col))
            .filter(|v| v.is_finite())
            .collect()
    };
    let mean = |x: &[f64]| {
        if x.is_empty() {
            f64::NAN
        } else {
            x.iter().sum::<f64>() / x.len() as f64
        }
    };
    let mut rows = Vec::new();
    for (label, col) in HEADLINE.iter().skip(1) {
        let (x, y) = (values(sa, col), values(sb, col));
        let (mx, my) = (mean(&x), mean(&y));
        let verdict = match welch(&x, &y) {
            Some(true) => "yes".to_string(),
            Some(false) => "no".to_string(),
            None => "n/a (needs 2+ replications each)".to_string(),
        };
        rows.push(vec![
            label.to_string(),
            format!("{mx:.6}"),
            format!("{my:.6}"),
            format!("{:+.6}", my - mx),
            if mx != 0.0 && mx.is_finite() {
                format!("{:+.2}%", (my - mx) / mx.abs() * 100.0)
            } else {
                String::new()
            },
            verdict,
            format!("{} / {}", x.len(), y.len()),
        ]);
    }
    rows
}

/// The overlaid latency CDFs and the delivery bars of both runs.
fn compare_charts(
    sa: &Side,
    sb: &Side,
    charts_dir: &Path,
) -> Result<(String, String), ReportError> {
    // Overlaid charts: latency CDFs of both (all classes pooled per class name).
    let cdf = |s: &Side, tag: &str| -> Vec<(String, Vec<(f64, f64)>)> {
        let c = &s.first.cdf;
        let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in &c.rows {
            let name = format!("{} ({tag})", c.text(r, "class"));
            let p = (c.num(r, "latency_ms"), c.num(r, "quantile"));
            match out.iter_mut().find(|x| x.0 == name) {
                Some(x) => x.1.push(p),
                None => out.push((name, vec![p])),
            }
        }
        out
    };
    let mut classes = cdf(sa, "A");
    classes.extend(cdf(sb, "B"));
    classes.sort_by(|x, y| x.0.cmp(&y.0));
    let svg_cdf = render(
        charts_dir,
        "latency_cdf_compare",
        &charts::LatencyCdf {
            classes,
            target_ms: None,
        },
    )?;
    let delivery = |s: &Side| -> Vec<(String, f64)> {
        let c = &s.first.classes;
        c.rows
            .iter()
            .map(|r| (c.text(r, "class").to_string(), c.num(r, "delivery_ratio")))
            .collect()
    };
    let (da, db) = (delivery(sa), delivery(sb));
    let mut categories: Vec<String> = da.iter().map(|x| x.0.clone()).collect();
    for (name, _) in &db {
        if !categories.contains(name) {
            categories.push(name.clone());
        }
    }
    let values = |side: &[(String, f64)]| -> Vec<f64> {
        categories
            .iter()
            .map(|c| side.iter().find(|x| &x.0 == c).map_or(f64::NAN, |x| x.1))
            .collect()
    };
    let series = vec![
        ("A".to_string(), values(&da)),
        ("B".to_string(), values(&db)),
    ];
    let svg_bars = render(
        charts_dir,
        "delivery_compare",
        &charts::Bars {
            title: "Delivery ratio by class: A and B".into(),
            value_desc: "delivery ratio".into(),
            categories,
            series,
            from: 0.0,
            max: 1.15,
            format: charts::Format::Percent,
            target: None,
            intervals: Vec::new(),
        },
    )?;

    Ok((svg_cdf, svg_bars))
}

/// The comparison page.
fn compare_html(
    (a, sa): (&Path, &Side),
    (b, sb): (&Path, &Side),
    rows: &[Vec<String>],
    (svg_cdf, svg_bars): (&str, &str),
) -> String {
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} vs {}</title><style>{CSS}</style></head><body>",
        esc(&sa.name),
        esc(&sb.name)
    );
    let _ = write!(h, "<h1>A: {} vs B: {}</h1><p class=\"muted\">A = {}, B = {}</p><h2>Differences</h2><table><thead><tr>", esc(&sa.name), esc(&sb.name), esc(&a.display().to_string()), esc(&b.display().to_string()));
    for c in HEADER {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            let _ = write!(h, "<td>{}</td>", esc(c));
        }
        h.push_str("</tr>");
    }
    let _ = write!(h, "</tbody></table><h2>Charts</h2><div class=\"chart\">{}</div><div class=\"chart\">{}</div></body></html>", charts::inline_svg(svg_cdf), charts::inline_svg(svg_bars));
    h.push('\n');
    h
}

/// The comparison in Markdown.
fn compare_md(sa: &Side, sb: &Side, rows: &[Vec<String>]) -> String {
    let mut md = format!(
        "# A: {} vs B: {}\n\n| {} |\n|{}\n",
        sa.name,
        sb.name,
        HEADER.join(" | "),
        " --- |".repeat(HEADER.len())
    );
    for r in rows {
        let _ = writeln!(md, "| {} |", r.join(" | "));
    }
    md
}

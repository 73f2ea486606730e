//! Comparing two designs: the settings that differ, then each headline metric's
//! difference with its 95% interval and p-value (Welch's t-test over the replications),
//! ratios in percentage points, and overlaid charts.

use super::charts::{self, render, Format};
use super::data::{Csv, ReportError, RunData};
use super::html::{esc, CSS, HEADLINE};
use crate::output::write_atomic;
use crate::stats::{student_t_cdf, student_t_quantile};
use crate::units::human_number;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The runs a folder holds: a single run, or `run --replications` (rep-0, rep-1, ...).
struct Side {
    name: String,
    /// summary.csv rows (one per replication).
    summary: Csv,
    /// Every replication's full data (one for a single run).
    runs: Vec<RunData>,
}

fn side(dir: &Path) -> Result<Side, ReportError> {
    let (summary, runs) = if dir.join("rep-0").is_dir() {
        let summary = Csv::read(
            dir,
            "summary.csv",
            &["scenario", "replication", "delivery_ratio"],
            &["replication", "delivery_ratio"],
        )?;
        let runs = summary
            .rows
            .iter()
            .map(|r| RunData::load(&dir.join(format!("rep-{}", summary.text(r, "replication")))))
            .collect::<Result<Vec<_>, _>>()?;
        (summary, runs)
    } else {
        let run = RunData::load(dir)?;
        (run.summary.clone(), vec![run])
    };
    let name = summary
        .rows
        .first()
        .map(|r| summary.text(r, "scenario").to_string())
        .unwrap_or_default();
    Ok(Side {
        name,
        summary,
        runs,
    })
}

/// A difference of means (B - A) and what the replications say about it.
#[derive(Debug, Clone)]
struct Diff {
    a: f64,
    b: f64,
    /// Half-width of the 95% interval of B - A (NaN when it cannot be computed).
    half: f64,
    /// Two-sided p-value of Welch's t-test (NaN when the test does not apply).
    p: f64,
    /// Significant at 5%, in words.
    verdict: &'static str,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = if x.len() > 1 {
        x.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    (m, v)
}

/// Welch's comparison of B with A: the interval of the difference and its p-value.
/// Without two replications a side there is no test; with no spread on either side
/// there is nothing to test against, and the verdict says which way the values went.
fn welch(a: &[f64], b: &[f64]) -> Diff {
    let nan = f64::NAN;
    if a.is_empty() || b.is_empty() {
        return Diff {
            a: nan,
            b: nan,
            half: nan,
            p: nan,
            verdict: "n/a (not in both)",
        };
    }
    let ((ma, va), (mb, vb)) = (mean_var(a), mean_var(b));
    let d = |half, p, verdict| Diff {
        a: ma,
        b: mb,
        half,
        p,
        verdict,
    };
    if a.len() < 2 || b.len() < 2 {
        return d(nan, nan, "n/a (needs 2+ replications each)");
    }
    let (sa, sb) = (va / a.len() as f64, vb / b.len() as f64);
    let se2 = sa + sb;
    if se2 == 0.0 {
        return if ma == mb {
            d(0.0, nan, "no (identical in every replication)")
        } else {
            d(
                0.0,
                nan,
                "not testable (no spread; the values differ in every replication)",
            )
        };
    }
    let df = se2 * se2 / (sa * sa / (a.len() as f64 - 1.0) + sb * sb / (b.len() as f64 - 1.0));
    let df = df.floor().max(1.0) as u64;
    let t = (mb - ma) / se2.sqrt();
    let p = 2.0 * (1.0 - student_t_cdf(t.abs(), df));
    let half = student_t_quantile(0.975, df) * se2.sqrt();
    d(half, p, if p < 0.05 { "yes" } else { "no" })
}

/// Writes `out/report.html` and `out/report.md` comparing `a` (base) with `b`.
pub fn compare_runs(a: &Path, b: &Path, out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let (sa, sb) = (side(a)?, side(b)?);
    let settings = differing_settings(&sa, &sb);
    let rows = differences(&sa, &sb);
    let svgs = compare_charts(&sa, &sb, &out.join("charts"))?;
    let h = compare_html((a, &sa), (b, &sb), &settings, &rows, &svgs);
    let md = compare_md(&sa, &sb, &settings, &rows);
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

/// Every setting of a side's resolved scenario, as `path = value` pairs (entries of
/// `[[sensors]]` and the like named by their `name`).
fn settings(s: &Side) -> Vec<(String, String)> {
    let text = s.runs[0].meta_text("resolved_scenario");
    let mut out = Vec::new();
    if let Ok(doc) = text.parse::<toml_edit::DocumentMut>() {
        flatten_table(doc.as_table(), "", &mut out);
    }
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn flatten_table(t: &toml_edit::Table, path: &str, out: &mut Vec<(String, String)>) {
    for (k, item) in t.iter() {
        flatten_item(item, &join(path, k), out);
    }
}

fn flatten_item(item: &toml_edit::Item, path: &str, out: &mut Vec<(String, String)>) {
    use toml_edit::Item;
    match item {
        Item::Table(t) => flatten_table(t, path, out),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                let id = t
                    .get("name")
                    .and_then(|n| n.as_str())
                    .map_or(i.to_string(), str::to_string);
                flatten_table(t, &join(path, &id), out);
            }
        }
        Item::Value(toml_edit::Value::InlineTable(t)) => {
            for (k, v) in t.iter() {
                flatten_item(&Item::Value(v.clone()), &join(path, k), out);
            }
        }
        Item::Value(v) => out.push((path.to_string(), v.to_string().trim().to_string())),
        Item::None => {}
    }
}

/// The settings that differ: (key, A's value, B's value), `—` where one lacks it.
fn differing_settings(sa: &Side, sb: &Side) -> Vec<(String, String, String)> {
    let (a, b) = (settings(sa), settings(sb));
    let find = |v: &[(String, String)], k: &str| v.iter().find(|x| x.0 == k).map(|x| x.1.clone());
    let mut keys: Vec<String> = a.iter().map(|x| x.0.clone()).collect();
    keys.extend(
        b.iter()
            .map(|x| x.0.clone())
            .filter(|k| !a.iter().any(|x| &x.0 == k)),
    );
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (find(&a, &k), find(&b, &k));
            (x != y).then(|| {
                let show = |v: Option<String>| v.unwrap_or_else(|| "—".into());
                (k, show(x), show(y))
            })
        })
        .collect()
}

/// The columns of the comparison table.
const HEADER: [&str; 8] = [
    "metric",
    "A",
    "B",
    "B − A (95% CI)",
    "change",
    "p-value (Welch)",
    "significant (5%)",
    "runs A / B",
];

/// A metric's values over the replications of a side.
fn values(s: &Side, col: &str) -> Vec<f64> {
    if !s.summary.header.iter().any(|h| h == col) {
        return Vec::new();
    }
    s.summary
        .rows
        .iter()
        .map(|r| s.summary.num(r, col))
        .filter(|v| v.is_finite())
        .collect()
}

/// One row per headline metric: A's and B's means, the difference with its interval
/// (percentage points for ratios), the relative change, p-value and verdict.
fn differences(sa: &Side, sb: &Side) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (label, col) in HEADLINE.iter().skip(1) {
        let (x, y) = (values(sa, col), values(sb, col));
        let d = welch(&x, &y);
        let ratio = col.ends_with("_ratio");
        let (a, b, diff, change) = if ratio {
            let pct = |v: f64| format!("{:.3}%", v * 100.0);
            (
                pct(d.a),
                pct(d.b),
                points(d.b - d.a, d.half, 100.0, " pp"),
                String::new(),
            )
        } else {
            let change = if d.a != 0.0 && d.a.is_finite() && d.b.is_finite() {
                format!("{:+.2}%", (d.b - d.a) / d.a.abs() * 100.0)
            } else {
                String::new()
            };
            (
                human_number(d.a),
                human_number(d.b),
                points(d.b - d.a, d.half, 1.0, ""),
                change,
            )
        };
        let p = match d.p {
            p if !p.is_finite() => "n/a".to_string(),
            p if p < 0.001 => "< 0.001".to_string(),
            p => format!("{p:.3}"),
        };
        rows.push(vec![
            label.to_string(),
            a,
            b,
            diff,
            change,
            p,
            d.verdict.to_string(),
            format!("{} / {}", x.len(), y.len()),
        ]);
    }
    rows
}

/// A difference scaled by `k` with its interval's half-width: `+0.41 ± 0.12 pp`.
fn points(diff: f64, half: f64, k: f64, unit: &str) -> String {
    if !diff.is_finite() {
        return String::new();
    }
    let text = if half.is_finite() && half > 0.0 {
        crate::units::human_interval(diff * k, half * k)
    } else {
        human_number(diff * k)
    };
    let sign = if diff > 0.0 { "+" } else { "" };
    format!("{sign}{text}{unit}")
}

/// Per class of A (then B's own): delivery on each side over its replications.
fn class_delivery(s: &Side, classes: &[String]) -> (Vec<f64>, Vec<(f64, f64)>) {
    classes
        .iter()
        .map(|c| {
            let v: Vec<f64> = s
                .runs
                .iter()
                .filter_map(|d| {
                    let t = &d.classes;
                    t.rows
                        .iter()
                        .find(|r| t.text(r, "class") == c)
                        .map(|r| t.num(r, "delivery_ratio"))
                })
                .collect();
            let e = super::replications::Estimate::of(&v);
            (e.mean, (e.low(), e.high()))
        })
        .unzip()
}

/// The overlaid latency CDFs (the first replication of each side) and delivery by
/// class (the mean over each side's replications, with its 95% interval).
fn compare_charts(sa: &Side, sb: &Side, dir: &Path) -> Result<(String, String), ReportError> {
    let cdf = |s: &Side, tag: &str| -> Vec<(String, Vec<(f64, f64)>)> {
        let c = &s.runs[0].cdf;
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
    let replicated = sa.runs.len() > 1 || sb.runs.len() > 1;
    let title = if replicated {
        "End-to-end latency by class, A and B (replication 0 of each)"
    } else {
        "End-to-end latency by class, A and B"
    };
    let svg_cdf = render(
        dir,
        "latency_cdf_compare",
        &charts::LatencyCdf {
            title: title.into(),
            classes,
            target_ms: sa.runs[0].target("latency_p95_ms"),
        },
    )?;
    let names = |s: &Side| -> Vec<String> {
        let c = &s.runs[0].classes;
        c.rows
            .iter()
            .map(|r| c.text(r, "class").to_string())
            .collect()
    };
    let mut categories = names(sa);
    for n in names(sb) {
        if !categories.contains(&n) {
            categories.push(n);
        }
    }
    let ((va, ia), (vb, ib)) = (
        class_delivery(sa, &categories),
        class_delivery(sb, &categories),
    );
    let bars = charts::Bars {
        title: "Delivery ratio by class: A and B".into(),
        value_desc: "delivery ratio".into(),
        categories,
        series: vec![("A".into(), va), ("B".into(), vb)],
        from: 0.0,
        max: 1.15,
        format: Format::Percent,
        target: sa.runs[0]
            .target("delivery_ratio")
            .map(|t| (format!("target ≥ {}", crate::units::human_percent(t)), t)),
        intervals: if replicated { vec![ia, ib] } else { Vec::new() },
    };
    let svg_bars = render(dir, "delivery_compare", &bars)?;
    Ok((svg_cdf, svg_bars))
}

/// The page's title: the two names, or the one name both share.
fn title(sa: &Side, sb: &Side) -> String {
    if sa.name == sb.name {
        format!("{}: A vs B", sa.name)
    } else {
        format!("A: {} vs B: {}", sa.name, sb.name)
    }
}

/// The comparison page.
fn compare_html(
    (a, sa): (&Path, &Side),
    (b, sb): (&Path, &Side),
    settings: &[(String, String, String)],
    rows: &[Vec<String>],
    (svg_cdf, svg_bars): &(String, String),
) -> String {
    let t = title(sa, sb);
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0}</title><style>{CSS}</style></head><body><h1>{0}</h1><p class=\"muted\">A = {1} ({2} run{3}), B = {4} ({5} run{6})</p>",
        esc(&t),
        esc(&a.display().to_string()),
        sa.runs.len(),
        if sa.runs.len() == 1 { "" } else { "s" },
        esc(&b.display().to_string()),
        sb.runs.len(),
        if sb.runs.len() == 1 { "" } else { "s" },
    );
    h.push_str("<h2>Settings that differ</h2>");
    if settings.is_empty() {
        h.push_str("<p>None: the two scenarios are the same (the runs differ only in what the command line changed outside the scenario, or not at all).</p>");
    } else {
        h.push_str("<table><thead><tr><th>setting</th><th>A</th><th>B</th></tr></thead><tbody>");
        for (k, x, y) in settings {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(k),
                esc(x),
                esc(y)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("<h2>Differences</h2><p>B − A with its 95% confidence interval (Welch's t over the replications); ratios in percentage points (pp).</p><table><thead><tr>");
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
fn compare_md(
    sa: &Side,
    sb: &Side,
    settings: &[(String, String, String)],
    rows: &[Vec<String>],
) -> String {
    let mut md = format!("# {}\n\n## Settings that differ\n\n", title(sa, sb));
    if settings.is_empty() {
        md.push_str("None.\n");
    } else {
        md.push_str("| setting | A | B |\n| --- | --- | --- |\n");
        for (k, x, y) in settings {
            let _ = writeln!(md, "| {k} | {x} | {y} |");
        }
    }
    let _ = write!(
        md,
        "\n## Differences\n\n| {} |\n|{}\n",
        HEADER.join(" | "),
        " --- |".repeat(HEADER.len())
    );
    for r in rows {
        let _ = writeln!(md, "| {} |", r.join(" | "));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_gives_the_interval_and_p_value_of_the_difference() {
        // Two samples of 4 with equal spread: df = 6, t = 2.5 / sqrt(2 * 1.6667 / 4).
        let a = [9.0, 10.0, 11.0, 10.0];
        let b = [11.5, 12.5, 13.5, 12.5];
        let d = welch(&a, &b);
        let se = (2.0 * (2.0 / 3.0) / 4.0f64).sqrt();
        assert!((d.half - student_t_quantile(0.975, 6) * se).abs() < 1e-9);
        let p = 2.0 * (1.0 - student_t_cdf(2.5 / se, 6));
        assert!((d.p - p).abs() < 1e-12 && d.p < 0.05, "{}", d.p);
        assert_eq!(d.verdict, "yes");
    }

    #[test]
    fn no_spread_is_not_called_significant() {
        let same = welch(&[5.0, 5.0], &[5.0, 5.0]);
        assert_eq!(same.verdict, "no (identical in every replication)");
        let apart = welch(&[5.0, 5.0], &[6.0, 6.0]);
        assert!(
            apart.verdict.starts_with("not testable"),
            "{}",
            apart.verdict
        );
        assert!(apart.p.is_nan());
        assert!(welch(&[1.0], &[2.0, 3.0]).verdict.starts_with("n/a"));
    }
}

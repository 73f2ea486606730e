//! The time series charts of a run: citywide readings and latency, and the same per
//! domain, per district and per priority (from `timeseries_groups.csv`).

use super::charts::{self, render};
use super::data::{drop_columns, ReportError, RunData};
use super::html::Made;
use super::run_charts::push;
use std::path::Path;

/// The buckets' start times (h) and width (h) of a time series.
fn times(d: &RunData) -> (Vec<f64>, f64) {
    let ts = &d.timeseries;
    let t_h: Vec<f64> = ts
        .rows
        .iter()
        .map(|r| ts.num(r, "time_s") / 3600.0)
        .collect();
    let width_h = match t_h.as_slice() {
        [a, b, ..] => b - a,
        _ => d.meta("bucket_s") / 3600.0,
    };
    let width_h = if width_h.is_finite() && width_h > 0.0 {
        width_h
    } else {
        1.0
    };
    (t_h, width_h)
}

/// The end of the warm-up, h (0 without one).
fn warmup_h(d: &RunData) -> f64 {
    d.meta("warmup_s").max(0.0) / 3600.0
}

/// The incidents and outages to shade: (label, start h, end h).
fn spans(d: &RunData) -> Vec<(String, f64, f64)> {
    d.manifest
        .get("events_shown")
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let label = i.get(0)?.as_str()?.to_string();
                    Some((
                        label,
                        i.get(1)?.as_f64()? / 3600.0,
                        i.get(2)?.as_f64()? / 3600.0,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The citywide time series: generated, delivered and dropped per bucket, and the
/// bucket's mean and worst latency.
pub(super) fn timeseries_chart(
    d: &RunData,
    dir: &Path,
    made: &mut Vec<Made>,
) -> Result<(), ReportError> {
    let ts = &d.timeseries;
    let (t_h, width_h) = times(d);
    let drops = drop_columns(ts);
    let col = |name: &str| -> Vec<f64> { ts.rows.iter().map(|r| ts.num(r, name)).collect() };
    let dropped: Vec<f64> = ts
        .rows
        .iter()
        .map(|r| drops.iter().map(|c| ts.num(r, c)).sum())
        .collect();
    let chart = charts::TimeSeries {
        title: "Readings and latency over time".into(),
        counts: "readings".into(),
        paired: false,
        t_h,
        width_h,
        lines: vec![
            ("generated".into(), col("generated")),
            ("delivered".into(), col("delivered")),
            ("dropped".into(), dropped),
        ],
        latency: [
            ("latency_mean_ms", "mean latency"),
            ("latency_max_ms", "worst latency"),
        ]
        .iter()
        .filter(|(c, _)| ts.header.iter().any(|h| h == c))
        .map(|(c, name)| (name.to_string(), col(c)))
        .collect(),
        warmup_h: warmup_h(d),
        spans: spans(d),
    };
    push(made, "timeseries", render(dir, "timeseries", &chart)?);
    Ok(())
}

/// NB-IoT and LTE-M random access over time, when the run has such cells: preambles
/// sent per bucket, those heard alone (the successes) and those that collided (a storm
/// shows as the sent line rising and the collided one catching up with it).
pub(super) fn random_access_chart(
    d: &RunData,
    dir: &Path,
    made: &mut Vec<Made>,
) -> Result<(), ReportError> {
    let ts = &d.timeseries;
    if !ts.header.iter().any(|h| h == "ra_attempts") {
        return Ok(());
    }
    let col = |name: &str| -> Vec<f64> { ts.rows.iter().map(|r| ts.num(r, name)).collect() };
    let (attempts, heard) = (col("ra_attempts"), col("ra_heard"));
    if !attempts.iter().any(|&a| a > 0.0) {
        return Ok(());
    }
    let (t_h, width_h) = times(d);
    let collided: Vec<f64> = attempts.iter().zip(&heard).map(|(a, h)| a - h).collect();
    let chart = charts::TimeSeries {
        title: "Random access over time (NB-IoT and LTE-M)".into(),
        counts: "preambles".into(),
        paired: false,
        t_h,
        width_h,
        lines: vec![
            ("sent".into(), attempts),
            ("heard alone".into(), heard),
            ("collided".into(), collided),
        ],
        latency: Vec::new(),
        warmup_h: warmup_h(d),
        spans: spans(d),
    };
    push(made, "random_access", render(dir, "random_access", &chart)?);
    Ok(())
}

/// The scopes charted, the fewest groups that make a chart worth drawing, and titles.
const SCOPES: &[(&str, usize, &str)] = &[
    ("domain", 2, "Delivered readings and latency by domain"),
    ("district", 1, "Delivered readings and latency by district"),
    ("priority", 2, "Delivered readings and latency by priority"),
];

/// One chart per scope of `timeseries_groups.csv` with enough groups: delivered
/// readings per bucket above, mean latency below, a line of each per group.
pub(super) fn group_charts(
    d: &RunData,
    dir: &Path,
    made: &mut Vec<Made>,
) -> Result<(), ReportError> {
    let Some(g) = &d.groups else {
        return Ok(());
    };
    let (t_h, width_h) = times(d);
    for (scope, least, title) in SCOPES {
        let mut names: Vec<String> = Vec::new();
        for r in g.rows.iter().filter(|r| g.text(r, "scope") == *scope) {
            let n = g.text(r, "name");
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
        if names.len() < *least {
            continue;
        }
        let column = |name: &str, col: &str| -> Vec<f64> {
            g.rows
                .iter()
                .filter(|r| g.text(r, "scope") == *scope && g.text(r, "name") == name)
                .map(|r| g.num(r, col))
                .collect()
        };
        let chart = charts::TimeSeries {
            title: title.to_string(),
            counts: "delivered".into(),
            paired: true,
            t_h: t_h.clone(),
            width_h,
            lines: names
                .iter()
                .map(|n| (n.clone(), column(n, "delivered")))
                .collect(),
            latency: names
                .iter()
                .map(|n| (n.clone(), column(n, "latency_mean_ms")))
                .collect(),
            warmup_h: warmup_h(d),
            spans: spans(d),
        };
        let file = format!("timeseries_{scope}");
        push(made, &file, render(dir, &file, &chart)?);
    }
    Ok(())
}

//! What `--until` and `--metric` name: a constraint on a metric of `summary.csv`.

use crate::scenario::Constraint;

/// Parses `--until`: `METRIC >= VALUE` or `METRIC <= VALUE` (a number, or a share such
/// as `99%`), naming a metric of `summary.csv`.
pub fn parse_constraint(text: &str) -> Result<Constraint, String> {
    let (metric, at_least, value) = if let Some((m, v)) = text.split_once(">=") {
        (m.trim(), true, v.trim())
    } else if let Some((m, v)) = text.split_once("<=") {
        (m.trim(), false, v.trim())
    } else {
        return Err(format!(
            "--until \"{text}\": expected METRIC >= VALUE or METRIC <= VALUE, e.g. \"delivery_ratio >= 0.99\""
        ));
    };
    check_metric(metric)?;
    let value = value
        .parse::<f64>()
        .ok()
        .or_else(|| crate::units::parse_percent(value))
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("--until \"{text}\": \"{value}\" is not a number"))?;
    Ok(Constraint {
        metric: metric.to_string(),
        at_least,
        value,
        text: text.trim().to_string(),
    })
}

/// Whether `metric` is a column of `summary.csv` that studies aggregate.
pub fn check_metric(metric: &str) -> Result<(), String> {
    let cols = crate::study::metric_columns();
    if cols.iter().any(|c| c == metric) {
        return Ok(());
    }
    Err(format!(
        "no metric named `{metric}`{}; metrics: {}",
        crate::scenario::did_you_mean(metric, &cols),
        cols.join(", ")
    ))
}

/// Whether larger values of `metric` are better.
pub(super) fn larger_is_better(metric: &str) -> bool {
    !(metric.contains("latency") || metric.starts_with("dropped") || metric.contains("energy"))
}

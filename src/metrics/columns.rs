//! The one table of output columns: each `summary.csv` column's name, unit, whether it
//! is a metric (a number a sweep aggregates and a tuning constraint may name), and how
//! it is read from a [`RunResult`]. `output` writes from it, `study` and the scenario
//! reader take the metric names from it, `report` reads the files it describes.

use super::{DropCause, Flow, RunResult};
use std::sync::OnceLock;

/// A number for a CSV cell: fixed decimals, empty when undefined (pandas and R read an
/// empty cell as missing).
pub fn num(v: f64, decimals: usize) -> String {
    if v.is_finite() {
        format!("{v:.decimals$}")
    } else {
        String::new()
    }
}

/// What a row of `summary.csv` is read from: the run, and the flows computed once.
pub struct Row<'a> {
    /// The run.
    pub run: &'a RunResult,
    /// Every class's readings together.
    pub total: Flow,
    /// The high-priority readings.
    pub high: Flow,
}

/// How a column's cell is read.
#[derive(Clone, Copy)]
enum Read {
    /// From the run.
    Run(fn(&Row) -> String),
    /// From the flow of every reading (see [`FLOW`]).
    Total(fn(&Flow) -> String),
    /// Readings lost to one cause.
    Drop(DropCause),
    /// From the flow of high-priority readings.
    High(fn(&Flow) -> String),
}

/// One column of `summary.csv`.
#[derive(Clone)]
pub struct Column {
    /// Its name in the header.
    pub name: String,
    /// Its unit, as written in docs/outputs.md (`""` for counts and ratios).
    pub unit: &'static str,
    /// A number that studies aggregate (not an identifier, not a wall-clock time).
    pub metric: bool,
    read: Read,
}

/// A delivery or latency column of a flow table (summary, classes, priorities,
/// districts): name, unit and how it is read.
pub struct FlowColumn {
    /// Its name in the header.
    pub name: &'static str,
    /// Its unit.
    pub unit: &'static str,
    /// Its cell.
    pub read: fn(&Flow) -> String,
}

fn latency_max(f: &Flow) -> String {
    if f.delivered == 0 {
        String::new()
    } else {
        num(f.latency_max_ns as f64 / 1e6, 3)
    }
}

/// The delivery and latency columns of every flow table, in order.
pub const FLOW: &[FlowColumn] = &[
    FlowColumn {
        name: "generated",
        unit: "",
        read: |f| f.generated.to_string(),
    },
    FlowColumn {
        name: "delivered",
        unit: "",
        read: |f| f.delivered.to_string(),
    },
    FlowColumn {
        name: "delivery_ratio",
        unit: "",
        read: |f| num(f.delivery_ratio_defined(), 6),
    },
    FlowColumn {
        name: "latency_mean_ms",
        unit: "ms",
        read: |f| num(f.latency_mean_ms(), 3),
    },
    FlowColumn {
        name: "latency_p50_ms",
        unit: "ms",
        read: |f| num(f.latency_quantile_ms(0.50), 3),
    },
    FlowColumn {
        name: "latency_p95_ms",
        unit: "ms",
        read: |f| num(f.latency_quantile_ms(0.95), 3),
    },
    FlowColumn {
        name: "latency_p99_ms",
        unit: "ms",
        read: |f| num(f.latency_quantile_ms(0.99), 3),
    },
    FlowColumn {
        name: "latency_max_ms",
        unit: "ms",
        read: latency_max,
    },
];

/// The flow columns' names, in order.
pub fn flow_names() -> Vec<&'static str> {
    FLOW.iter().map(|c| c.name).collect()
}

/// A flow's cells: the [`FLOW`] columns, then one per drop cause.
pub fn flow_cells(f: &Flow) -> Vec<String> {
    let mut cells: Vec<String> = FLOW.iter().map(|c| (c.read)(f)).collect();
    cells.extend(f.dropped.iter().map(|d| d.to_string()));
    cells
}

/// The drop-cause columns, in order.
pub fn drop_columns() -> Vec<String> {
    DropCause::ALL
        .iter()
        .map(|c| c.column().to_string())
        .collect()
}

fn id(name: &str, read: fn(&Row) -> String) -> Column {
    Column {
        name: name.into(),
        unit: "",
        metric: false,
        read: Read::Run(read),
    }
}

fn metric(name: &str, unit: &'static str, read: Read) -> Column {
    Column {
        name: name.into(),
        unit,
        metric: true,
        read,
    }
}

fn build_summary() -> Vec<Column> {
    let mut cols = vec![
        id("scenario", |r| r.run.scenario.clone()),
        id("replication", |r| r.run.replication.to_string()),
        id("seed", |r| r.run.seed.to_string()),
        metric("sensors", "", Read::Run(|r| r.run.sensors().to_string())),
    ];
    cols.extend(
        FLOW.iter()
            .map(|c| metric(c.name, c.unit, Read::Total(c.read))),
    );
    cols.extend(
        DropCause::ALL
            .iter()
            .map(|&c| metric(c.column(), "", Read::Drop(c))),
    );
    cols.extend([
        metric("events", "", Read::Run(|r| r.run.events.to_string())),
        Column {
            metric: false,
            ..metric("wall_s", "s", Read::Run(|r| num(r.run.wall_s, 3)))
        },
        metric("in_flight", "", Read::Total(|f| f.in_flight.to_string())),
        metric(
            "duration_s",
            "s",
            Read::Run(|r| num(r.run.duration_ns as f64 / 1e9, 3)),
        ),
        metric(
            "warmup_s",
            "s",
            Read::Run(|r| num(r.run.warmup_ns as f64 / 1e9, 3)),
        ),
        metric(
            "retransmissions",
            "",
            Read::Total(|f| f.retransmissions.to_string()),
        ),
        // High-priority readings (alarms, medical alerts) on their own.
        metric(
            "high_generated",
            "",
            Read::High(|f| f.generated.to_string()),
        ),
        metric(
            "high_delivery_ratio",
            "",
            Read::High(|f| num(f.delivery_ratio_defined(), 6)),
        ),
        metric(
            "high_latency_mean_ms",
            "ms",
            Read::High(|f| num(f.latency_mean_ms(), 3)),
        ),
        metric(
            "high_latency_p95_ms",
            "ms",
            Read::High(|f| num(f.latency_quantile_ms(0.95), 3)),
        ),
        metric(
            "high_latency_p99_ms",
            "ms",
            Read::High(|f| num(f.latency_quantile_ms(0.99), 3)),
        ),
    ]);
    cols
}

/// The columns of `summary.csv`, in order.
pub fn summary_columns() -> &'static [Column] {
    static COLUMNS: OnceLock<Vec<Column>> = OnceLock::new();
    COLUMNS.get_or_init(build_summary)
}

/// The header of `summary.csv`.
pub fn summary_header() -> Vec<String> {
    summary_columns().iter().map(|c| c.name.clone()).collect()
}

/// One `summary.csv` row.
pub fn summary_row(r: &RunResult) -> Vec<String> {
    let row = Row {
        run: r,
        total: r.total(),
        high: r.priorities.first().cloned().unwrap_or_default(),
    };
    summary_columns()
        .iter()
        .map(|c| match c.read {
            Read::Run(f) => f(&row),
            Read::Total(f) => f(&row.total),
            Read::Drop(cause) => row.total.dropped[cause as usize].to_string(),
            Read::High(f) => f(&row.high),
        })
        .collect()
}

/// The metric columns of a study's `runs.csv`: the numeric columns of `summary.csv`.
pub fn metric_columns() -> Vec<String> {
    summary_columns()
        .iter()
        .filter(|c| c.metric)
        .map(|c| c.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_the_summary_less_its_identifiers_and_wall_clock() {
        let all = summary_header();
        let metrics = metric_columns();
        assert_eq!(all.len(), metrics.len() + 4);
        for id in ["scenario", "replication", "seed", "wall_s"] {
            assert!(all.iter().any(|c| c == id) && !metrics.iter().any(|c| c == id));
        }
        // Every millisecond column says so in its name, and no other does.
        for c in summary_columns() {
            assert_eq!(c.unit == "ms", c.name.ends_with("_ms"), "{}", c.name);
        }
    }

    #[test]
    fn a_row_has_one_cell_per_column() {
        let r = RunResult::default();
        assert_eq!(summary_row(&r).len(), summary_header().len());
    }
}

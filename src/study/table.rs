//! The rows of a study: one per task, and the aggregate per point.

pub use crate::metrics::columns::metric_columns;
use crate::metrics::columns::{summary_columns, summary_row};
use crate::metrics::RunResult;
use crate::stats::mean_ci;

/// One finished task: its position and its metric cells, exactly as written to CSV (so
/// aggregates computed after a resume or a merge are the same bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    /// Task index: point * replications + replication.
    pub index: usize,
    /// Sweep point.
    pub point: usize,
    /// Replication.
    pub replication: u32,
    /// Seed of the run.
    pub seed: u64,
    /// One cell per [`metric_columns`] entry.
    pub cells: Vec<String>,
}

impl TaskRow {
    /// The row of a finished run.
    pub fn from_result(index: usize, point: usize, r: &RunResult) -> TaskRow {
        let cells = summary_row(r)
            .into_iter()
            .zip(summary_columns())
            .filter(|(_, col)| col.metric)
            .map(|(c, _)| c)
            .collect();
        TaskRow {
            index,
            point,
            replication: r.replication,
            seed: r.seed,
            cells,
        }
    }
}

fn csv_bytes(header: Vec<String>, rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).expect("writing to memory");
    for r in rows {
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// `runs.csv`: point, replication, seed, the parameters, the metrics; by task index.
pub fn runs_csv(
    params: &[String],
    labels: &[Vec<String>],
    _reps: u32,
    rows: &[TaskRow],
) -> Vec<u8> {
    let mut header = vec!["point".to_string(), "replication".into(), "seed".into()];
    header.extend(params.iter().cloned());
    header.extend(metric_columns());
    let mut sorted: Vec<&TaskRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.index);
    csv_bytes(
        header,
        sorted.into_iter().map(|r| {
            let mut cells = vec![
                r.point.to_string(),
                r.replication.to_string(),
                r.seed.to_string(),
            ];
            cells.extend(labels[r.point].iter().cloned());
            cells.extend(r.cells.iter().cloned());
            cells
        }),
    )
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.6}")
    } else {
        String::new()
    }
}

/// `aggregate.csv`: per point, each metric's mean, standard deviation and 95%
/// confidence interval (Student's t with R - 1 degrees of freedom).
pub fn aggregate_csv(params: &[String], labels: &[Vec<String>], rows: &[TaskRow]) -> Vec<u8> {
    let metrics = metric_columns();
    let mut header = vec!["point".to_string()];
    header.extend(params.iter().cloned());
    header.push("replications".into());
    for m in &metrics {
        for suffix in ["mean", "sd", "ci95_low", "ci95_high"] {
            header.push(format!("{m}_{suffix}"));
        }
    }
    let points = labels.len();
    let mut by_point: Vec<Vec<&TaskRow>> = vec![Vec::new(); points];
    for r in rows {
        by_point[r.point].push(r);
    }
    csv_bytes(
        header,
        by_point
            .iter()
            .enumerate()
            .filter(|(_, rs)| !rs.is_empty())
            .map(|(p, rs)| {
                let mut cells = vec![p.to_string()];
                cells.extend(labels[p].iter().cloned());
                cells.push(rs.len().to_string());
                for m in 0..metrics.len() {
                    let mut values: Vec<(usize, f64)> = rs
                        .iter()
                        .filter_map(|r| r.cells[m].parse::<f64>().ok().map(|v| (r.index, v)))
                        .filter(|(_, v)| v.is_finite())
                        .collect();
                    // Sum in task order whatever order the rows came in: same bytes.
                    values.sort_by_key(|(i, _)| *i);
                    let xs: Vec<f64> = values.into_iter().map(|(_, v)| v).collect();
                    match xs.len() {
                        0 => cells.extend(std::iter::repeat_n(String::new(), 4)),
                        1 => {
                            cells.extend([fmt(xs[0]), String::new(), String::new(), String::new()])
                        }
                        n => {
                            let (mean, half) = mean_ci(&xs, 0.95);
                            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                                / (n - 1) as f64)
                                .sqrt();
                            cells.extend([fmt(mean), fmt(sd), fmt(mean - half), fmt(mean + half)]);
                        }
                    }
                }
                cells
            }),
    )
}

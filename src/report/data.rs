//! A run folder read back: the CSV files and the manifest, checked before anything is
//! drawn or written, so a missing or damaged file is reported and nothing is overwritten.

use crate::metrics::columns::flow_names;
use std::path::{Path, PathBuf};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A missing or damaged input file (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Writing or drawing failed (exit code 1).
    #[error("{0}")]
    Output(String),
}

/// A CSV file in memory.
#[derive(Debug, Clone)]
pub struct Csv {
    /// Where it was read from.
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// Cells.
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    /// Reads `dir/name`, requiring `columns` and that `numeric` ones parse as numbers
    /// (or are empty).
    pub fn read(
        dir: &Path,
        name: &str,
        columns: &[&str],
        numeric: &[&str],
    ) -> Result<Csv, ReportError> {
        let path = dir.join(name);
        let bad = |what: String| ReportError::Input(format!("error: {}: {what}", path.display()));
        let mut rdr =
            csv::Reader::from_path(&path).map_err(|e| bad(format!("cannot read it ({e})")))?;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| bad(format!("no header row ({e})")))?
            .iter()
            .map(str::to_string)
            .collect();
        for c in columns {
            if !header.iter().any(|h| h == c) {
                return Err(bad(format!("column `{c}` is missing")));
            }
        }
        let mut rows = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
            let row: Vec<String> = rec.iter().map(str::to_string).collect();
            for c in numeric {
                let j = header.iter().position(|h| h == c).expect("checked above");
                let cell = &row[j];
                if !cell.is_empty() && cell.parse::<f64>().is_err() {
                    return Err(bad(format!(
                        "line {}: column `{c}` holds \"{cell}\", not a number",
                        i + 2
                    )));
                }
            }
            rows.push(row);
        }
        Ok(Csv { path, header, rows })
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| {
                panic!(
                    "column {name} was checked when {} was read",
                    self.path.display()
                )
            })
    }

    /// A cell as text.
    pub fn text<'a>(&'a self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }

    /// A cell as a number (NaN when empty).
    pub fn num(&self, row: &[String], name: &str) -> f64 {
        row[self.col(name)].parse().unwrap_or(f64::NAN)
    }
}

/// Drop-cause columns present in a file's header.
pub fn drop_columns(csv: &Csv) -> Vec<String> {
    csv.header
        .iter()
        .filter(|h| h.starts_with("dropped_"))
        .cloned()
        .collect()
}

/// Everything a single-run report needs.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run folder.
    pub dir: PathBuf,
    /// `summary.csv`.
    pub summary: Csv,
    /// `classes.csv`.
    pub classes: Csv,
    /// `gateways.csv`.
    pub gateways: Csv,
    /// `timeseries.csv`.
    pub timeseries: Csv,
    /// `latency_cdf.csv`.
    pub cdf: Csv,
    /// `map.csv`.
    pub map: Csv,
    /// `priorities.csv`, when the run wrote one.
    pub priorities: Option<Csv>,
    /// `districts.csv`, when the run wrote one.
    pub districts: Option<Csv>,
    /// `lora.csv`, when the run wrote one with rows.
    pub lora: Option<Csv>,
    /// `relays.csv`, when the run wrote one.
    pub relays: Option<Csv>,
    /// `timeseries_groups.csv`, when the run wrote one.
    pub groups: Option<Csv>,
    /// `manifest.json`.
    pub manifest: serde_json::Value,
}

impl RunData {
    /// Reads and checks a run folder.
    pub fn load(dir: &Path) -> Result<RunData, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::Input(format!(
                "error: {}: not a run folder",
                dir.display()
            )));
        }
        let mut summary_cols = vec!["scenario", "seed", "sensors", "events", "in_flight"];
        summary_cols.extend(flow_names());
        let summary = Csv::read(dir, "summary.csv", &summary_cols, &summary_cols[1..])?;
        if summary.rows.is_empty() {
            return Err(ReportError::Input(format!(
                "error: {}: no run in it",
                summary.path.display()
            )));
        }
        let mut class_cols = vec!["class", "domain", "sensors"];
        class_cols.extend(flow_names());
        let classes = Csv::read(dir, "classes.csv", &class_cols, &class_cols[2..])?;
        let gw_cols = [
            "gateway",
            "x_m",
            "y_m",
            "sensors",
            "utilisation",
            "peak_queue",
            "mean_sojourn_ms",
        ];
        let gateways = Csv::read(dir, "gateways.csv", &gw_cols, &gw_cols[1..])?;
        let ts_cols = ["time_s", "in_warmup", "generated", "delivered"];
        let timeseries = Csv::read(dir, "timeseries.csv", &ts_cols, &ts_cols)?;
        let cdf = Csv::read(
            dir,
            "latency_cdf.csv",
            &["class", "quantile", "latency_ms"],
            &["quantile", "latency_ms"],
        )?;
        let map_cols = ["x_m", "y_m", "cell_m", "class", "sensors"];
        let map = Csv::read(
            dir,
            "map.csv",
            &map_cols,
            &["x_m", "y_m", "cell_m", "sensors"],
        )?;
        for csv in [&summary, &classes, &timeseries] {
            check_drop_cells(csv)?;
        }
        let manifest = read_manifest(dir)?;
        let optional = |name: &str, key: &str| -> Result<Option<Csv>, ReportError> {
            if !dir.join(name).exists() {
                return Ok(None);
            }
            let mut cols = vec![key];
            cols.extend(flow_names());
            Csv::read(dir, name, &cols, &cols[1..]).map(Some)
        };
        let priorities = optional("priorities.csv", "priority")?;
        let districts = optional("districts.csv", "district")?;
        let (lora, relays, groups) = extras(dir)?;
        Ok(RunData {
            relays,
            groups,
            dir: dir.to_path_buf(),
            summary,
            classes,
            gateways,
            timeseries,
            cdf,
            map,
            priorities,
            districts,
            lora,
            manifest,
        })
    }

    /// A manifest number (NaN when absent).
    pub fn meta(&self, key: &str) -> f64 {
        self.manifest
            .get(key)
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
    }

    /// A target from the scenario's `[targets]`, if set.
    pub fn target(&self, key: &str) -> Option<f64> {
        self.manifest.get("targets")?.get(key)?.as_f64()
    }

    /// How the run was simulated: the city whole, or in parts at once with what each
    /// took (empty for a manifest that does not say).
    pub fn parts_text(&self) -> String {
        let Some(parts) = self.manifest.get("parts").and_then(|v| v.as_u64()) else {
            return String::new();
        };
        let busy: Vec<(String, f64)> = (self.manifest.get("parts_busy_s"))
            .and_then(|v| v.as_array())
            .map(|a| {
                let part = |p: &serde_json::Value| {
                    Some((
                        p.get("part")?.as_str()?.to_string(),
                        p.get("busy_s")?.as_f64()?,
                    ))
                };
                a.iter().filter_map(part).collect()
            })
            .unwrap_or_default();
        if parts <= 1 {
            return "1 (the city whole)".to_string();
        }
        match crate::run::parts_summary(&busy) {
            Some(s) => format!("{parts} at once: {s}"),
            None => format!("{parts} at once"),
        }
    }

    /// A manifest string (empty when absent).
    pub fn meta_text(&self, key: &str) -> String {
        match self.manifest.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) if !v.is_null() => v.to_string(),
            _ => String::new(),
        }
    }
}

/// The files a run writes only with LoRa, relays or time-series groups:
/// `lora.csv` (when it has rows), `relays.csv` and `timeseries_groups.csv`.
type Extras = (Option<Csv>, Option<Csv>, Option<Csv>);

fn extras(dir: &Path) -> Result<Extras, ReportError> {
    let lora = optional_csv(
        dir,
        "lora.csv",
        &["access", "sf", "sensors", "frames", "delivered"],
    )?
    .filter(|c| !c.rows.is_empty());
    let relays = optional_csv(dir, "relays.csv", &["relay", "x_m", "y_m"])?;
    let name = "timeseries_groups.csv";
    let cols = ["scope", "name", "time_s", "delivered", "latency_mean_ms"];
    let groups = if dir.join(name).exists() {
        Some(Csv::read(dir, name, &cols, &cols[2..])?)
    } else {
        None
    };
    Ok((lora, relays, groups))
}

/// `dir/name` when the run wrote it, its first column text and the others numbers.
fn optional_csv(dir: &Path, name: &str, cols: &[&str]) -> Result<Option<Csv>, ReportError> {
    if dir.join(name).exists() {
        Csv::read(dir, name, cols, &cols[1..]).map(Some)
    } else {
        Ok(None)
    }
}

/// Every drop-cause cell of `csv` is a number (or empty).
fn check_drop_cells(csv: &Csv) -> Result<(), ReportError> {
    for d in drop_columns(csv) {
        for row in &csv.rows {
            let cell = csv.text(row, &d);
            if !cell.is_empty() && cell.parse::<f64>().is_err() {
                return Err(ReportError::Input(format!(
                    "error: {}: column `{d}` holds \"{cell}\", not a number",
                    csv.path.display()
                )));
            }
        }
    }
    Ok(())
}

/// A run folder's `manifest.json`, which must be a JSON object.
fn read_manifest(dir: &Path) -> Result<serde_json::Value, ReportError> {
    let mpath = dir.join("manifest.json");
    let text = std::fs::read_to_string(&mpath).map_err(|e| {
        ReportError::Input(format!("error: {}: cannot read it ({e})", mpath.display()))
    })?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        ReportError::Input(format!("error: {}: not valid JSON ({e})", mpath.display()))
    })?;
    if !manifest.is_object() {
        return Err(ReportError::Input(format!(
            "error: {}: not a run manifest (expected a JSON object of the fields citysim \
             writes)",
            mpath.display()
        )));
    }
    for &(field, kind) in MANIFEST_FIELDS {
        let why = match manifest.get(field) {
            None => "is missing".to_string(),
            Some(v) if kind.holds(v) => continue,
            Some(v) => format!("holds {}", shown(v)),
        };
        return Err(ReportError::Input(format!(
            "error: {}: field `{field}` {why}; expected {} (a manifest written by citysim \
             has it: run the scenario again to rebuild the folder)",
            mpath.display(),
            kind.expected()
        )));
    }
    Ok(manifest)
}

/// What a manifest field holds.
#[derive(Debug, Clone, Copy)]
enum Field {
    Text,
    Whole,
    Number,
    TextList,
    /// `[[label, start_s, end_s], ...]`.
    Spans,
    /// An object of optional numbers (the scenario's targets).
    Targets,
}

/// Every field of a run's `manifest.json` and what it holds.
const MANIFEST_FIELDS: &[(&str, Field)] = &[
    ("citysim_version", Field::Text),
    ("scenario", Field::Text),
    ("description", Field::Text),
    ("source", Field::Text),
    ("seed", Field::Whole),
    ("replication", Field::Whole),
    ("scenario_sha256", Field::Text),
    ("sensors", Field::Whole),
    ("targets", Field::Targets),
    ("events_shown", Field::Spans),
    ("city_width_m", Field::Number),
    ("city_height_m", Field::Number),
    ("duration_s", Field::Number),
    ("warmup_s", Field::Number),
    ("bucket_s", Field::Number),
    ("events", Field::Whole),
    ("wall_s", Field::Number),
    ("build_s", Field::Number),
    ("files", Field::TextList),
    ("warnings", Field::TextList),
    ("resolved_scenario", Field::Text),
];

impl Field {
    fn holds(self, v: &serde_json::Value) -> bool {
        use serde_json::Value;
        match self {
            Field::Text => v.is_string(),
            Field::Whole => v.is_u64(),
            Field::Number => v.as_f64().is_some_and(|x| x >= 0.0),
            Field::TextList => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Field::Spans => v.as_array().is_some_and(|a| {
                a.iter().all(|s| {
                    matches!(s.as_array().map(Vec::as_slice),
                        Some([l, a, b]) if l.is_string() && a.is_number() && b.is_number())
                })
            }),
            Field::Targets => v
                .as_object()
                .is_some_and(|o| o.values().all(|t| t.is_null() || t.is_number())),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Field::Text => "a string",
            Field::Whole => "a whole number, 0 or more",
            Field::Number => "a number, 0 or more",
            Field::TextList => "a list of strings",
            Field::Spans => "a list of [label, start_s, end_s]",
            Field::Targets => "an object of numbers (or null)",
        }
    }
}

/// A JSON value in a message, cut to a readable length.
fn shown(v: &serde_json::Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text,
    }
}

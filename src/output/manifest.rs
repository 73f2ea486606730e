//! `manifest.json`: what was run, how, and with which files.

use super::{named, write_atomic, GEO_FILES, RUN_FILES};
use crate::metrics::RunResult;
use crate::run::Timing;
use crate::scenario::Scenario;
use sha2::{Digest, Sha256};
use std::path::Path;

/// `manifest.json`: what was run, how, and with which files.
pub(super) fn write_manifest(
    dir: &Path,
    scenario: &Scenario,
    r: &RunResult,
    timing: &Timing,
) -> std::io::Result<()> {
    let mut manifest = serde_json::json!({
        "citysim_version": env!("CARGO_PKG_VERSION"),
        "scenario": scenario.name,
        "description": scenario.description,
        "source": scenario.source,
        "seed": r.seed,
        "replication": r.replication,
        "scenario_sha256": scenario_hash(scenario),
        "sensors": r.sensors(),
        "targets": scenario.targets,
        "events_shown": scenario_spans(scenario),
        "city_width_m": scenario.city.width_m,
        "city_height_m": scenario.city.height_m,
        "duration_s": r.duration_ns as f64 / 1e9,
        "warmup_s": r.warmup_ns as f64 / 1e9,
        "bucket_s": r.bucket_ns as f64 / 1e9,
        "events": r.events,
        "wall_s": r.wall_s,
        "build_s": timing.build_s,
        "parts": timing.parts,
        "parts_busy_s": parts_busy(timing),
        "files": run_files(r),
        "warnings": crate::model::checks::warnings(scenario),
        "resolved_scenario": scenario.resolved,
    });
    if !scenario.inputs.is_empty() {
        let inputs: Vec<serde_json::Value> = scenario
            .inputs
            .iter()
            .map(|(path, digest)| serde_json::json!({ "path": path, "sha256": digest }))
            .collect();
        manifest["inputs"] = serde_json::Value::Array(inputs);
    }
    let mut text = serde_json::to_string_pretty(&manifest).expect("JSON of plain values");
    text.push('\n');
    let path = dir.join("manifest.json");
    write_atomic(&path, text.as_bytes()).map_err(|e| named(&path, e))?;
    Ok(())
}

/// Each part of a run in parts and the time its thread spent on it, s (empty: whole).
fn parts_busy(timing: &Timing) -> serde_json::Value {
    let parts = timing
        .busy_s
        .iter()
        .map(|(part, s)| serde_json::json!({ "part": part, "busy_s": (s * 1e3).round() / 1e3 }));
    serde_json::Value::Array(parts.collect())
}

/// The files of a run: [`RUN_FILES`], and the `geo/` layers of a run on the map.
fn run_files(r: &RunResult) -> Vec<&'static str> {
    let mut files = RUN_FILES.to_vec();
    if r.geo.is_some() {
        files.extend(GEO_FILES);
    }
    files
}

/// Incidents and scheduled outages as (label, start s, end s), for the time-series chart.
fn scenario_spans(scenario: &Scenario) -> Vec<(String, f64, f64)> {
    use crate::scenario::FaultWhen;
    let mut spans: Vec<(String, f64, f64)> = scenario
        .incidents
        .iter()
        .map(|i| {
            (
                format!("incident {}", i.name),
                i.start_ns as f64 / 1e9,
                (i.start_ns + i.duration_ns) as f64 / 1e9,
            )
        })
        .collect();
    for (n, f) in scenario.faults.iter().enumerate() {
        if let FaultWhen::Scheduled {
            start_ns,
            duration_ns,
        } = f.when
        {
            spans.push((
                format!("outage {}", n + 1),
                start_ns as f64 / 1e9,
                (start_ns + duration_ns) as f64 / 1e9,
            ));
        }
    }
    spans
}

/// SHA-256 of the resolved scenario text, hex.
pub fn scenario_hash(scenario: &Scenario) -> String {
    let mut text = scenario.resolved.clone();
    for (path, digest) in &scenario.inputs {
        text.push_str(&format!("\n# input {path} {digest}"));
    }
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

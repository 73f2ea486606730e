//! What a site search writes: `sites.csv` and `sites.geojson` (the chosen sites),
//! `best.toml` (the scenario with them), `history.csv` (every set tried),
//! `comparison.csv` (the chosen sites against a grid of as many gateways) and the
//! manifest.

use super::*;
use crate::output::write_atomic;
use serde_json::json;

fn save(out: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, SweepError> {
    let path = out.join(name);
    write_atomic(&path, bytes).map_err(|e| io_err(&path, e))?;
    Ok(path)
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("memory");
    for r in rows {
        w.write_record(r).expect("memory");
    }
    w.into_inner().expect("memory")
}

fn num(v: f64) -> String {
    crate::metrics::columns::num(v, 6)
}

/// Writes every file; `judged` is the set reported (the best found, or the largest
/// tried when none was feasible).
pub(super) fn write(
    s: &Search,
    judged: usize,
    grid: Option<usize>,
    feasible: bool,
) -> Result<Vec<PathBuf>, SweepError> {
    let out = s.opts.out.as_path();
    let mut files = vec![sites_csv(s, judged, out)?];
    files.extend(sites_geojson(s, judged, out)?);
    let _ = std::fs::remove_file(out.join("best.toml"));
    if feasible {
        files.push(best_toml(s, judged, out)?);
    }
    files.push(history_csv(s, out)?);
    files.push(comparison_csv(s, judged, grid, out)?);
    files.push(manifest(s, judged, feasible, out)?);
    Ok(files)
}

/// Where candidate `j` stands in the first pass's order (from 0).
fn rank(s: &Search, j: usize) -> usize {
    s.order.iter().position(|&o| o == j).unwrap_or(usize::MAX)
}

/// The chosen sites, in the first pass's order.
fn ordered(s: &Search, judged: usize) -> Vec<usize> {
    let mut set = s.evals[judged].set.clone();
    set.sort_by_key(|&j| rank(s, j));
    set
}

fn sites_csv(s: &Search, judged: usize, out: &Path) -> Result<PathBuf, SweepError> {
    let (a, b) = s
        .study
        .base()
        .ok()
        .and_then(|b| b.city.frame.map(|f| f.crs.axes()))
        .unwrap_or(("x", "y"));
    let header: Vec<String> = ["site", a, b, "x_m", "y_m", "rank", "sensors_in_reach"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let rows: Vec<Vec<String>> = ordered(s, judged)
        .into_iter()
        .map(|j| {
            let site = &s.sites[j];
            vec![
                site.name.clone(),
                format!("{}", site.at.0),
                format!("{}", site.at.1),
                crate::metrics::columns::num(site.xy.0, 1),
                crate::metrics::columns::num(site.xy.1, 1),
                (rank(s, j) + 1).to_string(),
                s.plan.in_reach(j).to_string(),
            ]
        })
        .collect();
    save(out, "sites.csv", &csv_bytes(&header, &rows))
}

fn sites_geojson(s: &Search, judged: usize, out: &Path) -> Result<Option<PathBuf>, SweepError> {
    let Some(frame) = s.study.base()?.city.frame else {
        return Ok(None);
    };
    let features: Vec<serde_json::Value> = ordered(s, judged)
        .into_iter()
        .map(|j| {
            let site = &s.sites[j];
            let (lon, lat) = frame.to_lonlat(site.xy.0, site.xy.1);
            let r7 = |v: f64| (v * 1e7).round() / 1e7;
            json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [r7(lon), r7(lat)] },
                "properties": { "site": site.name, "sensors_in_reach": s.plan.in_reach(j) },
            })
        })
        .collect();
    let fc = json!({ "type": "FeatureCollection", "features": features });
    let mut text = serde_json::to_string(&fc).expect("plain JSON");
    text.push('\n');
    save(out, "sites.geojson", text.as_bytes()).map(Some)
}

/// The scenario with the chosen sites, its files named by absolute paths so that it
/// runs from the output folder.
fn best_toml(s: &Search, judged: usize, out: &Path) -> Result<PathBuf, SweepError> {
    let base = s.study.base()?;
    let dir = std::path::Path::new(&base.source)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let dir = std::env::current_dir().map(|c| c.join(&dir)).unwrap_or(dir);
    let abs = |p: &str| value_node(&format!("{:?}", dir.join(p).display().to_string()));
    let mut values = s.values(&s.evals[judged]);
    if let Some(b) = &base.city.boundary {
        values.push(("city.boundary".into(), abs(b)));
    }
    let files = |name: &str, p: &crate::scenario::Placement| match p {
        crate::scenario::Placement::File { path, .. } => Some((name.to_string(), path.clone())),
        _ => None,
    };
    let placed = base
        .sensors
        .iter()
        .filter_map(|c| files(&format!("sensors.{}", c.name), &c.placement))
        .chain(
            base.relays
                .iter()
                .filter_map(|r| files(&format!("relays.{}", r.name), &r.placement)),
        )
        .chain(
            base.gateways
                .iter()
                .filter(|g| g.name != s.group)
                .filter_map(|g| files(&format!("gateways.{}", g.name), &g.placement)),
        );
    for (key, path) in placed {
        values.push((format!("{key}.placement.path"), abs(&path)));
    }
    let text = s.study.scenario_text(&values)?;
    save(out, "best.toml", text.as_bytes())
}

fn history_csv(s: &Search, out: &Path) -> Result<PathBuf, SweepError> {
    let header: Vec<String> = [
        "step",
        "phase",
        "sites",
        "gateways",
        "replications",
        &format!("{}_mean", s.metric),
        &format!("{}_bound", s.metric),
        "feasible",
        "set",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    let rows: Vec<Vec<String>> = s
        .log
        .iter()
        .enumerate()
        .map(|(k, &(i, phase, n))| {
            let e = &s.evals[i];
            let (mean, bound) = s.stats_of(&e.rows[..n]);
            let ok = s.verdict_of((mean, bound)).0;
            let names: Vec<&str> = e.set.iter().map(|&j| s.sites[j].name.as_str()).collect();
            vec![
                k.to_string(),
                phase.to_string(),
                e.set.len().to_string(),
                e.grid.unwrap_or(s.kept_at.len() + e.set.len()).to_string(),
                n.to_string(),
                num(mean),
                num(bound),
                u8::from(ok).to_string(),
                if e.grid.is_some() {
                    "grid".into()
                } else {
                    names.join(" ")
                },
            ]
        })
        .collect();
    save(out, "history.csv", &csv_bytes(&header, &rows))
}

fn comparison_csv(
    s: &Search,
    judged: usize,
    grid: Option<usize>,
    out: &Path,
) -> Result<PathBuf, SweepError> {
    let cols = super::super::metric_columns();
    let shown = ["delivery_ratio", "latency_p95_ms", "high_delivery_ratio"];
    let mut header: Vec<String> = ["layout", "gateways", "replications"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    header.extend([format!("{}_mean", s.metric), format!("{}_bound", s.metric)]);
    let shown: Vec<&str> = shown.into_iter().filter(|m| *m != s.metric).collect();
    header.extend(shown.iter().map(|m| format!("{m}_mean")));
    let row = |label: &str, i: usize| -> Vec<String> {
        let e = &s.evals[i];
        let (mean, bound) = s.stats(i);
        let mut r = vec![
            label.to_string(),
            e.grid.unwrap_or(s.kept_at.len() + e.set.len()).to_string(),
            e.rows.len().to_string(),
            num(mean),
            num(bound),
        ];
        for &m in &shown {
            let c = cols.iter().position(|x| x == m);
            let xs: Vec<f64> = e
                .rows
                .iter()
                .filter_map(|row| c.and_then(|c| row.cells[c].parse::<f64>().ok()))
                .collect();
            r.push(num(xs.iter().sum::<f64>() / xs.len().max(1) as f64));
        }
        r
    };
    let mut rows = vec![row("chosen", judged)];
    rows.extend(grid.map(|g| row("grid", g)));
    save(out, "comparison.csv", &csv_bytes(&header, &rows))
}

fn manifest(s: &Search, judged: usize, feasible: bool, out: &Path) -> Result<PathBuf, SweepError> {
    let goal = match &s.opts.goal {
        Goal::Count(k) => json!({ "count": k, "metric": s.metric }),
        Goal::Until(c) => json!({ "until": c.text }),
    };
    let m = json!({
        "citysim_version": env!("CARGO_PKG_VERSION"),
        "kind": "site",
        "source": s.study.source_name(),
        "candidates": s.opts.candidates.display().to_string(),
        "candidate_count": s.sites.len(),
        "group": s.group,
        "kept": s.kept_at.len(),
        "replace": s.opts.replace,
        "goal": goal,
        "runs": s.runs,
        "sets_tried": s.evals.len(),
        "chosen": s.evals[judged].set.len(),
        "feasible_found": feasible,
    });
    let mut text = serde_json::to_string_pretty(&m).expect("plain JSON");
    text.push('\n');
    save(out, "manifest.json", text.as_bytes())
}

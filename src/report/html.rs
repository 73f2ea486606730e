//! The run report: charts, `report.html` (self-contained: inline SVG, inline CSS, no
//! network) and `report.md` (the headline table, for tickets and pull requests).

use super::charts;
use super::data::{drop_columns, ReportError, RunData};
pub use super::run_charts::run_charts;
use crate::output::write_atomic;
use crate::units::{human_duration_ms, human_number};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// A chart made for a report: file stem, SVG text.
pub struct Made {
    /// File stem under `charts/`.
    pub name: String,
    /// SVG text, embedded in the HTML.
    pub svg: String,
}

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.2}%", v * 100.0)
    } else {
        "n/a".into()
    }
}

fn thousands(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let s = format!("{:.0}", v);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// What the configuration cannot sustain, found before the run (from the manifest), as
/// sentences.
fn planning_warnings(d: &RunData) -> Vec<String> {
    let list = d.manifest.get("warnings").and_then(|v| v.as_array());
    list.into_iter()
        .flatten()
        .filter_map(|x| x.as_str())
        .map(|x| {
            let mut t = x.to_string();
            if let Some(c) = t.get(..1) {
                t.replace_range(..1, &c.to_uppercase());
            }
            t + "."
        })
        .collect()
}

/// Classes whose sensors would outlast their cells' shelf life.
fn shelf_life_warnings(d: &RunData, w: &mut Vec<String>) {
    if d.classes
        .header
        .iter()
        .any(|h| h == "lifetime_at_shelf_life")
    {
        for r in &d.classes.rows {
            let capped = d.classes.num(r, "lifetime_at_shelf_life");
            if capped > 0.0 {
                w.push(format!(
                    "{} sensors of class \"{}\" would outlast their cell's shelf life: their lifetime is given as the shelf life (class mean {:.1} years), limited by the cell's ageing, not by what they send.",
                    thousands(capped),
                    d.classes.text(r, "class"),
                    d.classes.num(r, "lifetime_mean_days") / 365.25
                ));
            }
        }
    }
}

/// How many of the slowest class's mean latencies the warm-up should span.
const WARMUP_SOJOURNS: f64 = 20.0;

/// Warnings a careful analyst would want.
pub fn warnings(d: &RunData) -> Vec<String> {
    let mut w = planning_warnings(d);
    // Queues fill within a few sojourn times; the warm-up should cover many of the
    // slowest class's mean latency (a fixed share of the run said nothing about that).
    let warm = d.meta("warmup_s");
    let slowest_s = d
        .classes
        .rows
        .iter()
        .map(|r| d.classes.num(r, "latency_mean_ms") / 1e3)
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    if warm.is_finite() && slowest_s > 0.0 && warm < WARMUP_SOJOURNS * slowest_s {
        w.push(format!(
            "The warm-up ({warm:.0} s) is shorter than {WARMUP_SOJOURNS:.0} times the slowest class's mean latency ({slowest_s:.1} s): start-up transients (empty queues) are part of the metrics. Set `simulation.warmup` to at least {:.0} s.",
            WARMUP_SOJOURNS * slowest_s
        ));
    }
    for r in &d.classes.rows {
        let (name, delivered, generated) = (
            d.classes.text(r, "class"),
            d.classes.num(r, "delivered"),
            d.classes.num(r, "generated"),
        );
        if generated > 0.0 && delivered == 0.0 {
            w.push(format!(
                "Class \"{name}\" delivered nothing: check its access network, range and gateways."
            ));
        } else if delivered > 0.0 && delivered < 1000.0 {
            w.push(format!(
                "Class \"{name}\" has {delivered:.0} deliveries: its p99 latency rests on fewer than 10 readings; run longer or replicate."
            ));
        }
    }
    let s = &d.summary;
    if let Some(t) = d.target("delivery_ratio") {
        let v = s.num(&s.rows[0], "delivery_ratio");
        if v < t {
            w.push(format!(
                "Delivery ratio {v:.4} misses the target {t} set in [targets]."
            ));
        }
    }
    if let Some(t) = d.target("latency_p95_ms") {
        let v = s.num(&s.rows[0], "latency_p95_ms");
        if v > t {
            w.push(format!(
                "p95 latency {v} ms misses the target {t} ms set in [targets]."
            ));
        }
    }
    let (generated, in_flight) = (
        s.num(&s.rows[0], "generated"),
        s.num(&s.rows[0], "in_flight"),
    );
    if generated > 0.0 && in_flight > 0.05 * generated {
        w.push(format!(
            "{} of {} readings ({:.1}%) were still waiting or travelling when the run ended: a queue is growing (a LoRa duty cycle or radio that cannot keep up, or a saturated gateway or link); delivery and latency understate the losses.",
            thousands(in_flight),
            thousands(generated),
            in_flight / generated * 100.0
        ));
    }
    shelf_life_warnings(d, &mut w);
    let g = &d.gateways;
    for r in &g.rows {
        let u = g.num(r, "utilisation");
        if u > 0.9 {
            w.push(format!(
                "Gateway {} is busy {:.0}% of the time: near saturation, queues and latency grow sharply.",
                g.text(r, "gateway"),
                u * 100.0
            ));
        }
    }
    w
}

fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            let col = header.get(i).map_or("", String::as_str);
            let label = if col.is_empty() { r[0].as_str() } else { col };
            let _ = write!(out, "<td>{}</td>", esc(&readable(label, c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

/// A CSV cell as a person reads it in a table: numbers with thousands separators and
/// five significant digits (`14,947,437`, `0.99945`, `12.747`), identifiers as written.
pub(super) fn readable(column: &str, cell: &str) -> String {
    const AS_WRITTEN: [&str; 5] = [
        "seed",
        "replication",
        "sf",
        "citysim_version",
        "scenario_sha256",
    ];
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() && !AS_WRITTEN.contains(&column) => human_number(v),
        _ => cell.to_string(),
    }
}

/// The page's style: readable, printable, no external fonts.
pub const CSS: &str = "body{font-family:DejaVu Sans,Verdana,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:.2em}h2{border-bottom:2px solid #0072b2;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #bbb;padding:.3em .6em;text-align:right}\
th{background:#eef3f8}td:first-child,th:first-child{text-align:left}.muted{color:#666}\
.warn{background:#fff4e0;border-left:4px solid #e69f00;padding:.5em 1em;margin:.5em 0}\
.chart svg{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em}\
.headline td:first-child{font-weight:bold}";

/// Headline metrics: (label, summary column).
pub const HEADLINE: &[(&str, &str)] = &[
    ("sensors", "sensors"),
    ("readings generated", "generated"),
    ("readings delivered", "delivered"),
    ("delivery ratio", "delivery_ratio"),
    ("latency mean (ms)", "latency_mean_ms"),
    ("latency p50 (ms)", "latency_p50_ms"),
    ("latency p95 (ms)", "latency_p95_ms"),
    ("latency p99 (ms)", "latency_p99_ms"),
    ("latency max (ms)", "latency_max_ms"),
    ("in flight at the end", "in_flight"),
];

/// Writes charts, `report.html` and `report.md` for the run in `dir`. Everything is
/// read and checked first: a missing or damaged file changes nothing.
pub fn report_run(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let d = RunData::load(dir)?;
    let made = run_charts(&d, &dir.join("charts"))?;
    let s = &d.summary;
    let name = s.text(&s.rows[0], "scenario").to_string();
    let headline = headline_table(&d);
    let lines = headline_lines(&d);
    let warns = warnings(&d);
    let mut h = html_top(&d, &name, &lines, &headline, &warns, &made);
    html_tables(&d, &mut h);
    let md = report_md(&d, &name, &lines, &headline, &warns);
    let html_path = dir.join("report.html");
    write_atomic(&html_path, h.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", html_path.display())))?;
    let md_path = dir.join("report.md");
    write_atomic(&md_path, md.as_bytes())
        .map_err(|e| ReportError::Output(format!("error: {}: {e}", md_path.display())))?;
    Ok(vec![html_path, md_path])
}

/// The headline table: every summary metric shown, and the readings lost by cause.
fn headline_table(d: &RunData) -> Vec<(String, String)> {
    let s = &d.summary;
    let row = &s.rows[0];
    let mut headline: Vec<(String, String)> = HEADLINE
        .iter()
        .map(|(l, c)| (l.to_string(), readable(c, s.text(row, c))))
        .collect();
    // The causes that lost something (all of them are in summary.csv).
    for c in drop_columns(s).into_iter().filter(|c| s.num(row, c) > 0.0) {
        headline.push((
            format!(
                "lost: {}",
                c.trim_start_matches("dropped_").replace('_', " ")
            ),
            readable(&c, s.text(row, &c)),
        ));
    }
    headline
}

/// The headline in sentences: delivery, latency, the busiest gateway.
fn headline_lines(d: &RunData) -> Vec<String> {
    let s = &d.summary;
    let row = &s.rows[0];
    let num = |c: &str| s.num(row, c);
    let dropped: f64 = drop_columns(s).iter().map(|c| num(c)).sum();
    let worst = drop_columns(s)
        .into_iter()
        .max_by(|a, b| {
            num(a)
                .partial_cmp(&num(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .filter(|c| num(c) > 0.0)
        .map(|c| {
            format!(
                ", mostly {}",
                c.trim_start_matches("dropped_").replace('_', " ")
            )
        })
        .unwrap_or_default();
    let mut lines = vec![
        format!(
            "{} of the {} readings generated after the warm-up were delivered; {} were lost{worst}, and {} were still travelling when the run ended.",
            pct(num("delivery_ratio")),
            thousands(num("generated")),
            thousands(dropped),
            thousands(num("in_flight"))
        ),
        format!(
            "Half of the delivered readings arrived within {}, 95% within {} and 99% within {}; the slowest took {}.",
            human_duration_ms(num("latency_p50_ms")),
            human_duration_ms(num("latency_p95_ms")),
            human_duration_ms(num("latency_p99_ms")),
            human_duration_ms(num("latency_max_ms"))
        ),
    ];
    let g = &d.gateways;
    // The first of the busiest (in file order, so ties name gw-2 before gw-20); none
    // when no gateway queued anything (LoRa gateways: see the LoRa lines).
    let mut busiest: Option<&Vec<String>> = None;
    for r in &g.rows {
        let u = g.num(r, "utilisation");
        if u > 0.0 && busiest.is_none_or(|b| u > g.num(b, "utilisation")) {
            busiest = Some(r);
        }
    }
    if let Some(busiest) = busiest {
        let peak = g.text(busiest, "peak_queue");
        lines.push(format!(
            "The busiest of the {} gateways, {}, was busy {} of the time; its queue peaked at {peak} reading{}.",
            g.rows.len(),
            g.text(busiest, "gateway"),
            pct(g.num(busiest, "utilisation")),
            if peak == "1" { "" } else { "s" }
        ));
    }
    lines.extend(lora_lines(d));
    lines
}

/// The LoRa sentences: the busiest receiver's demodulators, and the SF that takes the
/// most airtime against its share of sensors.
fn lora_lines(d: &RunData) -> Vec<String> {
    let (g, Some(l)) = (&d.gateways, &d.lora) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let occ = |r: &Vec<String>| {
        let v = g.num(r, "demodulator_occupancy");
        if v.is_finite() {
            v
        } else {
            -1.0
        }
    };
    if let Some(b) = g
        .rows
        .iter()
        .filter(|r| occ(r) >= 0.0)
        .max_by(|a, b| occ(a).total_cmp(&occ(b)))
    {
        lines.push(format!(
            "The busiest LoRa receiver, {}, kept {} of its demodulators busy on average.",
            g.text(b, "gateway"),
            pct(occ(b))
        ));
    }
    // The SF whose airtime most outweighs its share of the sensors.
    let sensors: f64 = l.rows.iter().map(|r| l.num(r, "sensors")).sum();
    let share = |r: &Vec<String>| l.num(r, "airtime_share");
    let excess = |r: &Vec<String>| share(r) - l.num(r, "sensors") / sensors;
    if let Some(top) = l
        .rows
        .iter()
        .filter(|r| excess(r).is_finite() && excess(r) > 0.0)
        .max_by(|a, b| excess(a).total_cmp(&excess(b)))
    {
        lines.push(format!(
            "SF{} took {} of the LoRa airtime for {} of the sensors.",
            l.text(top, "sf"),
            pct(share(top)),
            pct(l.num(top, "sensors") / sensors)
        ));
    }
    lines
}

/// The report page up to the charts.
fn html_top(
    d: &RunData,
    name: &str,
    lines: &[String],
    headline: &[(String, String)],
    warns: &[String],
    made: &[Made],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - citysim report</title><style>{CSS}</style></head><body>",
        esc(name)
    );
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"muted\">{}</p>",
        esc(name),
        esc(&d.meta_text("description"))
    );
    h.push_str("<h2>Headline</h2><ul>");
    for l in lines {
        let _ = write!(h, "<li>{}</li>", esc(l));
    }
    h.push_str("</ul>");
    let hrows: Vec<Vec<String>> = headline
        .iter()
        .map(|(l, v)| vec![l.clone(), v.clone()])
        .collect();
    h.push_str("<div class=\"headline\">");
    table(&mut h, &["metric".into(), "value".into()], &hrows);
    h.push_str("</div>");
    if !warns.is_empty() {
        h.push_str("<h2>Warnings</h2>");
        for w in warns {
            let _ = write!(h, "<div class=\"warn\">{}</div>", esc(w));
        }
    }
    h.push_str("<h2>Charts</h2>");
    for m in made {
        let _ = write!(
            h,
            "<div class=\"chart\" id=\"chart-{}\">{}</div>",
            m.name,
            charts::inline_svg(&m.svg)
        );
    }
    h
}

/// The report page's tables, the run's facts and the resolved scenario, to its end.
fn html_tables(d: &RunData, h: &mut String) {
    let g = &d.gateways;
    h.push_str("<h2>Sensor classes</h2>");
    table(h, &d.classes.header, &d.classes.rows);
    if let Some(l) = &d.lora {
        h.push_str("<h2>LoRa by spreading factor</h2>");
        table(h, &l.header, &l.rows);
    }
    if let Some(p) = &d.priorities {
        let used: Vec<Vec<String>> = p
            .rows
            .iter()
            .filter(|r| p.num(r, "generated") > 0.0)
            .cloned()
            .collect();
        if used.len() > 1 {
            h.push_str("<h2>Priorities</h2><p class=\"muted\">Queues serve high before normal before low.</p>");
            table(h, &p.header, &used);
        }
    }
    if let Some(dist) = &d.districts {
        if dist.rows.len() > 1 {
            h.push_str("<h2>Districts</h2>");
            table(h, &dist.header, &dist.rows);
        }
    }
    h.push_str("<h2>Gateways</h2>");
    let mut gw: Vec<&Vec<String>> = g.rows.iter().collect();
    gw.sort_by(|a, b| {
        g.num(b, "utilisation")
            .partial_cmp(&g.num(a, "utilisation"))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let shown: Vec<Vec<String>> = gw.iter().take(50).map(|r| (*r).clone()).collect();
    if g.rows.len() > 50 {
        let _ = write!(
            h,
            "<p class=\"muted\">The 50 busiest of {} gateways; all are in gateways.csv.</p>",
            g.rows.len()
        );
    }
    table(h, &g.header, &shown);
    places_table(d, h);
    h.push_str("<h2>Run</h2>");
    let meta: Vec<Vec<String>> = [
        "citysim_version",
        "source",
        "seed",
        "replication",
        "duration_s",
        "warmup_s",
        "events",
        "wall_s",
        "scenario_sha256",
    ]
    .iter()
    .map(|k| vec![k.to_string(), d.meta_text(k)])
    .chain(std::iter::once(vec!["parts".to_string(), d.parts_text()]))
    .collect();
    table(h, &["".into(), "".into()], &meta);
    let _ = write!(
        h,
        "<h2>Scenario (resolved)</h2><pre>{}</pre>",
        esc(&d.meta_text("resolved_scenario"))
    );
    h.push_str("<p class=\"muted\">Made by citysim from the CSV files and manifest in this folder (<code>citysim report</code> rebuilds it).</p></body></html>\n");
}

/// For a city on the map: delivery by the district each sensor stands in, from
/// `geo/districts.geojson`, and where the layers are.
fn places_table(d: &RunData, h: &mut String) {
    let path = d.dir.join("geo").join("districts.geojson");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    let Ok(layer) = serde_json::from_str::<serde_json::Value>(&text) else {
        return;
    };
    let Some(features) = layer["features"].as_array() else {
        return;
    };
    let num = |p: &serde_json::Value, k: &str| p[k].as_f64().unwrap_or(f64::NAN);
    let rows: Vec<Vec<String>> = features
        .iter()
        .map(|f| {
            let p = &f["properties"];
            vec![
                p["district"].as_str().unwrap_or("").to_string(),
                thousands(num(p, "sensors")),
                thousands(num(p, "generated")),
                pct(num(p, "delivery_ratio")),
                format!("{:.0}", num(p, "latency_p95_ms")),
            ]
        })
        .collect();
    h.push_str("<h2>Districts, by where sensors stand</h2>");
    let header: Vec<String> = [
        "district",
        "sensors",
        "readings",
        "delivered",
        "p95 latency (ms)",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    table(h, &header, &rows);
    h.push_str(
        "<p class=\"muted\">Layers in WGS84 longitude/latitude in <code>geo/</code> \
         (districts, gateways, sensors, incidents): drag them into QGIS, or \
         <code>geopandas.read_file(\"geo/districts.geojson\")</code>.</p>",
    );
}

/// The Markdown report: the headline, the classes and the warnings.
fn report_md(
    d: &RunData,
    name: &str,
    lines: &[String],
    headline: &[(String, String)],
    warns: &[String],
) -> String {
    let mut md = format!("# {name}: citysim report\n\n");
    for l in lines {
        let _ = writeln!(md, "- {l}");
    }
    md.push_str("\n| metric | value |\n| --- | ---: |\n");
    for (l, v) in headline {
        let _ = writeln!(md, "| {l} | {v} |");
    }
    md.push_str("\n| class | domain | delivery ratio | p95 (ms) | p99 (ms) |\n| --- | --- | ---: | ---: | ---: |\n");
    for r in &d.classes.rows {
        let c = &d.classes;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            c.text(r, "class"),
            c.text(r, "domain"),
            readable("delivery_ratio", c.text(r, "delivery_ratio")),
            readable("latency_p95_ms", c.text(r, "latency_p95_ms")),
            readable("latency_p99_ms", c.text(r, "latency_p99_ms"))
        );
    }
    for w in warns {
        let _ = writeln!(md, "\n> warning: {w}");
    }
    md
}

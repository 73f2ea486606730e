//! The charts of a run report, one function per chart, from the run's CSV files.

use super::charts::{self, render};
use super::data::{drop_columns, Csv, ReportError, RunData};
use super::html::Made;
use crate::metrics::DropCause;
use crate::scenario::Region;
use plotters::style::RGBColor;
use std::path::Path;

/// The charts of a run, written under `dir/charts/`.
pub fn run_charts(d: &RunData, dir: &Path) -> Result<Vec<Made>, ReportError> {
    let mut made = Vec::new();
    latency_cdf_chart(d, dir, &mut made)?;
    delivery_charts(d, dir, &mut made)?;
    super::time_charts::timeseries_chart(d, dir, &mut made)?;
    super::time_charts::group_charts(d, dir, &mut made)?;
    super::time_charts::random_access_chart(d, dir, &mut made)?;
    drops_chart(d, dir, &mut made)?;
    gateway_chart(d, dir, &mut made)?;
    sf_chart(d, dir, &mut made)?;
    battery_chart(d, dir, &mut made)?;
    map_chart(d, dir, &mut made)?;
    Ok(made)
}

/// Adds a rendered chart to `made`.
pub(super) fn push(made: &mut Vec<Made>, name: &str, svg: String) {
    made.push(Made {
        name: name.into(),
        svg,
    });
}

/// The latency CDF, one line per class.
fn latency_cdf_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Latency CDF.
    let mut classes: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for row in &d.cdf.rows {
        let name = d.cdf.text(row, "class").to_string();
        let p = (d.cdf.num(row, "latency_ms"), d.cdf.num(row, "quantile"));
        match classes.iter_mut().find(|c| c.0 == name) {
            Some(c) => c.1.push(p),
            None => classes.push((name, vec![p])),
        }
    }
    push(
        made,
        "latency_cdf",
        render(
            dir,
            "latency_cdf",
            &charts::LatencyCdf {
                title: "End-to-end latency distribution by sensor class".into(),
                classes,
                target_ms: d.target("latency_p95_ms"),
            },
        )?,
    );
    Ok(())
}

/// A share as a percentage with no more digits than it needs (`95%`, `99.9%`).
fn percent_label(v: f64) -> String {
    let t = format!("{:.3}", v * 100.0);
    format!("{}%", t.trim_end_matches('0').trim_end_matches('.'))
}

/// Delivery ratio bars against the scenario's delivery target.
fn delivery_bars(d: &RunData, title: &str, rows: Vec<(String, f64)>) -> charts::Bars {
    let target = d.target("delivery_ratio");
    let (categories, values) = rows.into_iter().unzip();
    charts::Bars {
        title: title.into(),
        value_desc: "delivery ratio (after warm-up)".into(),
        categories,
        series: vec![("delivery ratio".into(), values)],
        from: 0.0,
        max: 1.15,
        format: charts::Format::Percent,
        target: target.map(|t| (format!("target ≥ {}", percent_label(t)), t)),
        intervals: Vec::new(),
    }
}

/// Delivery by class and by domain.
fn delivery_charts(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let by_class: Vec<(String, f64)> = d
        .classes
        .rows
        .iter()
        .map(|r| {
            (
                d.classes.text(r, "class").to_string(),
                d.classes.num(r, "delivery_ratio"),
            )
        })
        .collect();
    let chart = delivery_bars(d, "Delivery ratio by sensor class", by_class);
    push(
        made,
        "delivery_by_class",
        render(dir, "delivery_by_class", &chart)?,
    );
    let mut domains: Vec<(String, f64, f64)> = Vec::new();
    for r in &d.classes.rows {
        let dom = d.classes.text(r, "domain").to_string();
        let (g, del) = (d.classes.num(r, "generated"), d.classes.num(r, "delivered"));
        match domains.iter_mut().find(|x| x.0 == dom) {
            Some(x) => {
                x.1 += g;
                x.2 += del;
            }
            None => domains.push((dom, g, del)),
        }
    }
    let by_domain = domains
        .into_iter()
        .map(|(n, g, del)| (n, if g > 0.0 { del / g } else { f64::NAN }))
        .collect();
    let chart = delivery_bars(d, "Delivery ratio by domain", by_domain);
    push(
        made,
        "delivery_by_domain",
        render(dir, "delivery_by_domain", &chart)?,
    );
    Ok(())
}

/// The colour of drop cause `column` (the same on every chart), and its label.
fn cause_look(column: &str) -> (RGBColor, String) {
    let k = DropCause::ALL
        .iter()
        .position(|c| c.column() == column)
        .unwrap_or(DropCause::ALL.len());
    (
        charts::colour(1 + k),
        column.trim_start_matches("dropped_").replace('_', " "),
    )
}

/// Readings lost, by cause and class.
fn drops_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let series = drop_columns(&d.classes)
        .iter()
        .map(|c| {
            let (colour, label) = cause_look(c);
            let values = d.classes.rows.iter().map(|r| d.classes.num(r, c)).collect();
            (label, colour, values)
        })
        .collect();
    let groups = d
        .classes
        .rows
        .iter()
        .map(|r| d.classes.text(r, "class").to_string())
        .collect();
    let chart = charts::Stacked {
        title: "Readings lost, by cause and class".into(),
        groups,
        series,
        value_desc: "readings lost (after warm-up)".into(),
        empty: "No reading was lost after the warm-up.".into(),
    };
    push(
        made,
        "drops_by_cause",
        render(dir, "drops_by_cause", &chart)?,
    );
    Ok(())
}

/// Gateway load (demodulator occupancy for LoRa gateways, server utilisation for the
/// others) and peak queue.
fn gateway_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let g = &d.gateways;
    let has_demod = g.header.iter().any(|h| h == "demodulator_occupancy");
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    let gateways = g
        .rows
        .iter()
        .map(|r| {
            let util = finite(g.num(r, "utilisation"));
            let demod = if has_demod {
                finite(g.num(r, "demodulator_occupancy"))
            } else {
                0.0
            };
            let (load, what) = if demod > util {
                (demod, "demodulators")
            } else {
                (util, "")
            };
            (
                g.text(r, "gateway").to_string(),
                load,
                what,
                finite(g.num(r, "peak_queue")),
            )
        })
        .collect();
    push(
        made,
        "gateway_load",
        render(dir, "gateway_load", &charts::GatewayLoad { gateways })?,
    );
    Ok(())
}

/// LoRa readings by spreading factor: delivered and lost by cause (the table beside
/// it gives each SF's sensors, airtime and margin).
fn sf_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let Some(l) = &d.lora else {
        return Ok(());
    };
    let several = l
        .rows
        .iter()
        .any(|r| l.text(r, "access") != l.text(&l.rows[0], "access"));
    let groups = l
        .rows
        .iter()
        .map(|r| {
            let net = if several {
                format!("{} ", l.text(r, "access"))
            } else {
                String::new()
            };
            format!("{net}SF{}", l.text(r, "sf"))
        })
        .collect();
    let mut series = vec![(
        "delivered".to_string(),
        charts::colour(0),
        l.rows.iter().map(|r| l.num(r, "delivered")).collect(),
    )];
    for c in drop_columns(l) {
        let (colour, label) = cause_look(&c);
        series.push((label, colour, l.rows.iter().map(|r| l.num(r, &c)).collect()));
    }
    let chart = charts::Stacked {
        title: "LoRa readings by spreading factor: delivered and lost".into(),
        groups,
        series,
        value_desc: "readings (after warm-up)".into(),
        empty: "No LoRa reading after the warm-up.".into(),
    };
    push(made, "lora_sf", render(dir, "lora_sf", &chart)?);
    Ok(())
}

/// Battery life by class, when classes run on batteries: the 5th percentile and the
/// mean of each class's sensors.
fn battery_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let has_life = d.classes.header.iter().any(|h| h == "lifetime_mean_days");
    let life: Vec<(String, f64, f64)> = d
        .classes
        .rows
        .iter()
        .filter(|_| has_life)
        .map(|r| {
            (
                d.classes.text(r, "class").to_string(),
                d.classes.num(r, "lifetime_p5_days"),
                d.classes.num(r, "lifetime_mean_days"),
            )
        })
        .filter(|(_, p, m)| m.is_finite() && p.is_finite())
        .collect();
    if life.is_empty() {
        return Ok(());
    }
    let max = life.iter().map(|l| l.1.max(l.2)).fold(1.0, f64::max) * 1.18;
    let chart = charts::Bars {
        title: "Projected battery life by class".into(),
        from: 0.0,
        value_desc: "days".into(),
        categories: life.iter().map(|l| l.0.clone()).collect(),
        series: vec![
            (
                "5th percentile of the class's sensors".into(),
                life.iter().map(|l| l.1).collect(),
            ),
            ("mean".into(), life.iter().map(|l| l.2).collect()),
        ],
        max,
        format: charts::Format::Count,
        target: None,
        intervals: Vec::new(),
    };
    push(
        made,
        "battery_lifetime",
        render(dir, "battery_lifetime", &chart)?,
    );
    Ok(())
}

/// A named region as map outlines: its rings, the name on the largest only.
fn named_outlines(name: &str, r: &Region) -> Vec<charts::Outline> {
    let rings = r.rings();
    let area = |p: &Vec<(f64, f64)>| Region::Polygon(p.clone()).area();
    let largest = (0..rings.len())
        .max_by(|&a, &b| area(&rings[a]).total_cmp(&area(&rings[b])))
        .unwrap_or(0);
    rings
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            (
                if i == largest {
                    name.to_string()
                } else {
                    String::new()
                },
                p,
            )
        })
        .collect()
}

/// Districts, incident regions, and where the city is on the Earth.
type MapShapes = (
    Vec<charts::Outline>,
    Vec<charts::Outline>,
    Option<crate::geo::Frame>,
);

/// The districts and incident regions of the run's scenario (from the manifest's
/// resolved scenario; none when it cannot be read, as in folders of older versions).
fn scenario_outlines(d: &RunData) -> MapShapes {
    let text = d.meta_text("resolved_scenario");
    // Named as the scenario file, so that the files it names are found beside it.
    let source = d.meta_text("source");
    let name = if source.is_empty() {
        "resolved scenario"
    } else {
        source.as_str()
    };
    let Ok(s) = crate::scenario::load_str(name, "run", &text, &[]) else {
        return (Vec::new(), Vec::new(), None);
    };
    let districts = s
        .districts
        .iter()
        .flat_map(|x| named_outlines(&x.name, &x.region))
        .collect();
    let incidents = s
        .incidents
        .iter()
        .flat_map(|x| named_outlines(&x.name, &x.region))
        .collect();
    (districts, incidents, s.city.frame)
}

/// Positions (x, y) of the rows of `csv` that have them, grouped by `group`.
fn grouped_positions(csv: &Csv) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    let has_group = csv.header.iter().any(|h| h == "group");
    for r in &csv.rows {
        let p = (csv.num(r, "x_m"), csv.num(r, "y_m"));
        if !(p.0.is_finite() && p.1.is_finite()) {
            continue;
        }
        let g = if has_group {
            csv.text(r, "group").to_string()
        } else {
            "gateway".to_string()
        };
        match out.iter_mut().find(|x| x.0 == g) {
            Some(x) => x.1.push(p),
            None => out.push((g, vec![p])),
        }
    }
    out
}

/// The city map: sensors per cell and class, districts, incidents, relays, gateways.
fn map_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    let names: Vec<String> = d
        .classes
        .rows
        .iter()
        .map(|r| d.classes.text(r, "class").to_string())
        .collect();
    let m = &d.map;
    let cell_m = m.rows.first().map_or(1.0, |r| m.num(r, "cell_m"));
    let cells = m
        .rows
        .iter()
        .map(|r| {
            let c = names
                .iter()
                .position(|n| n == m.text(r, "class"))
                .unwrap_or(0);
            (m.num(r, "x_m"), m.num(r, "y_m"), c, m.num(r, "sensors"))
        })
        .collect();
    let mut size = (d.meta("city_width_m"), d.meta("city_height_m"));
    if !(size.0 > 0.0 && size.1 > 0.0) {
        let max = |col: &str| m.rows.iter().map(|r| m.num(r, col)).fold(1.0, f64::max) + cell_m;
        size = (max("x_m"), max("y_m"));
    }
    let (districts, incidents, frame) = scenario_outlines(d);
    let relays = d
        .relays
        .as_ref()
        .map(|r| grouped_positions(r).into_iter().flat_map(|g| g.1).collect())
        .unwrap_or_default();
    let chart = charts::CityMap {
        size_m: size,
        cell_m: cell_m.max(1e-3),
        classes: names,
        cells,
        districts,
        incidents,
        relays,
        gateways: grouped_positions(&d.gateways),
        frame,
    };
    push(made, "map", render(dir, "map", &chart)?);
    Ok(())
}

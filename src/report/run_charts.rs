//! The charts of a run report, one function per chart, from the run's CSV files.

use super::charts::{self, render};
use super::data::{drop_columns, ReportError, RunData};
use super::html::Made;
use std::path::Path;

/// The charts of a run, written under `dir/charts/`.
pub fn run_charts(d: &RunData, dir: &Path) -> Result<Vec<Made>, ReportError> {
    let mut made = Vec::new();
    latency_cdf_chart(d, dir, &mut made)?;
    delivery_charts(d, dir, &mut made)?;
    timeseries_chart(d, dir, &mut made)?;
    drops_chart(d, dir, &mut made)?;
    gateway_chart(d, dir, &mut made)?;
    sf_chart(d, dir, &mut made)?;
    battery_chart(d, dir, &mut made)?;
    map_chart(d, dir, &mut made)?;
    Ok(made)
}

/// Adds a rendered chart to `made`.
fn push(made: &mut Vec<Made>, name: &str, svg: String) {
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
        render(dir, "latency_cdf", &charts::LatencyCdf { classes })?,
    );
    Ok(())
}

/// Delivery by class and by domain.
fn delivery_charts(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Delivery by class and by domain.
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
        .map(|(n, v)| (n, if v.is_finite() { v } else { 0.0 }))
        .collect();
    let target = d.target("delivery_ratio");
    let bars = |title: &str, bars: Vec<(String, f64)>| charts::Bars {
        title: title.into(),
        y_desc: "delivery ratio (after warm-up)".into(),
        bars,
        y_max: 1.1,
        percent: true,
        target,
    };
    push(
        made,
        "delivery_by_class",
        render(
            dir,
            "delivery_by_class",
            &bars("Delivery ratio by sensor class", by_class),
        )?,
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
        .map(|(n, g, del)| (n, if g > 0.0 { del / g } else { 0.0 }))
        .collect();
    push(
        made,
        "delivery_by_domain",
        render(
            dir,
            "delivery_by_domain",
            &bars("Delivery ratio by domain", by_domain),
        )?,
    );
    Ok(())
}

/// The time series: generated, delivered and dropped per bucket.
fn timeseries_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Time series.
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
    let drops = drop_columns(ts);
    let col = |name: &str| -> Vec<f64> { ts.rows.iter().map(|r| ts.num(r, name)).collect() };
    let dropped: Vec<f64> = ts
        .rows
        .iter()
        .map(|r| drops.iter().map(|c| ts.num(r, c)).sum())
        .collect();
    let warm_rows = ts
        .rows
        .iter()
        .filter(|r| ts.num(r, "in_warmup") > 0.5)
        .count();
    push(
        made,
        "timeseries",
        render(
            dir,
            "timeseries",
            &charts::TimeSeries {
                t_h,
                width_h: if width_h.is_finite() && width_h > 0.0 {
                    width_h
                } else {
                    1.0
                },
                lines: vec![
                    ("generated".into(), col("generated")),
                    ("delivered".into(), col("delivered")),
                    ("dropped".into(), dropped),
                ],
                warmup_h: d.meta("warmup_s").max(0.0) / 3600.0
                    * f64::from(u8::from(warm_rows > 0 || d.meta("warmup_s") > 0.0)),
                spans: d
                    .manifest
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
                    .unwrap_or_default(),
            },
        )?,
    );
    Ok(())
}

/// Readings lost, by cause and class.
fn drops_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Drops by cause.
    let cdrops = drop_columns(&d.classes);
    let series = cdrops
        .iter()
        .map(|c| {
            let label = c.trim_start_matches("dropped_").replace('_', " ");
            (
                label,
                d.classes.rows.iter().map(|r| d.classes.num(r, c)).collect(),
            )
        })
        .collect();
    let groups = d
        .classes
        .rows
        .iter()
        .map(|r| d.classes.text(r, "class").to_string())
        .collect();
    push(
        made,
        "drops_by_cause",
        render(
            dir,
            "drops_by_cause",
            &charts::Stacked {
                title: "Readings lost, by cause and class".into(),
                groups,
                series,
                y_label: "readings lost (after warm-up)".into(),
            },
        )?,
    );
    Ok(())
}

/// Gateway utilisation and peak queue.
fn gateway_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Gateway load.
    let g = &d.gateways;
    let gateways = g
        .rows
        .iter()
        .map(|r| {
            (
                g.text(r, "gateway").to_string(),
                g.num(r, "utilisation"),
                g.num(r, "peak_queue"),
            )
        })
        .map(|(n, u, q)| {
            (
                n,
                if u.is_finite() { u } else { 0.0 },
                if q.is_finite() { q } else { 0.0 },
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
        l.rows.iter().map(|r| l.num(r, "delivered")).collect(),
    )];
    for c in drop_columns(l) {
        let v: Vec<f64> = l.rows.iter().map(|r| l.num(r, &c)).collect();
        if v.iter().any(|x| *x > 0.0) {
            series.push((c.trim_start_matches("dropped_").replace('_', " "), v));
        }
    }
    push(
        made,
        "lora_sf",
        render(
            dir,
            "lora_sf",
            &charts::Stacked {
                title: "LoRa readings by spreading factor: delivered and lost".into(),
                groups,
                series,
                y_label: "readings (after warm-up)".into(),
            },
        )?,
    );
    Ok(())
}

/// Battery life by class, when classes run on batteries.
fn battery_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Battery life, when classes run on batteries.
    let has_life = d.classes.header.iter().any(|h| h == "lifetime_mean_days");
    let life: Vec<(String, f64, f64)> = d
        .classes
        .rows
        .iter()
        .filter(|_| has_life)
        .map(|r| {
            (
                d.classes.text(r, "class").to_string(),
                d.classes.num(r, "lifetime_mean_days"),
                d.classes.num(r, "lifetime_p5_days"),
            )
        })
        .filter(|(_, m, p)| m.is_finite() && p.is_finite())
        .collect();
    if !life.is_empty() {
        let mut bars = Vec::new();
        for (name, mean, p5) in &life {
            bars.push((format!("{name} p5"), *p5));
            bars.push((format!("{name} mean"), *mean));
        }
        let y_max = life.iter().map(|l| l.1.max(l.2)).fold(1.0, f64::max) * 1.15;
        push(
            made,
            "battery_lifetime",
            render(
                dir,
                "battery_lifetime",
                &charts::Bars {
                    title: "Projected battery life by class (days): 5th percentile and mean".into(),
                    y_desc: "days".into(),
                    bars,
                    y_max,
                    percent: false,
                    target: None,
                },
            )?,
        );
    }
    Ok(())
}

/// The city map: sensors per cell and class, and the gateways.
fn map_chart(d: &RunData, dir: &Path, made: &mut Vec<Made>) -> Result<(), ReportError> {
    // Map.
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
    let g = &d.gateways;
    let gws = g
        .rows
        .iter()
        .map(|r| (g.num(r, "x_m"), g.num(r, "y_m")))
        .filter(|p| p.0.is_finite())
        .collect();
    push(
        made,
        "map",
        render(
            dir,
            "map",
            &charts::CityMap {
                size_m: size,
                cell_m: cell_m.max(1e-3),
                classes: names,
                cells,
                gateways: gws,
            },
        )?,
    );
    Ok(())
}

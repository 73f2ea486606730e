//! Output files of a run: CSV tables and the manifest, each written atomically
//! (a temporary file in the same folder, synced, then renamed over the target), so a
//! reader never sees half a file.

mod geo;
mod manifest;

pub use geo::{write_geo, GEO_FILES};
pub use manifest::scenario_hash;
use manifest::write_manifest;

use crate::metrics::columns::{drop_columns, flow_cells, flow_names, num};
pub use crate::metrics::columns::{summary_header, summary_row};
use crate::metrics::{ElementResult, Flow, RunResult};
use crate::run::Timing;
use crate::scenario::{Priority, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `e` with the path it concerns in its message.
fn named(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

struct Table {
    w: csv::Writer<Vec<u8>>,
}

impl Table {
    fn new(header: &[String]) -> Table {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(header).expect("writing to memory");
        Table { w }
    }

    fn row(&mut self, cells: &[String]) {
        self.w.write_record(cells).expect("writing to memory");
    }

    fn save(self, path: &Path) -> std::io::Result<()> {
        let bytes = self.w.into_inner().map_err(|e| e.into_error())?;
        write_atomic(path, &bytes).map_err(|e| named(path, e))
    }
}

fn header(fixed: &[&str]) -> Vec<String> {
    fixed.iter().map(|s| s.to_string()).collect()
}

fn element_rows(
    path: &Path,
    first: &str,
    items: &[ElementResult],
    measured_s: f64,
) -> std::io::Result<()> {
    let gateways = first == "gateway";
    let mut h = header(&[
        first,
        "group",
        "x_m",
        "y_m",
        "sensors",
        "arrivals",
        "served",
        "dropped_queue_overflow",
        "throughput_per_s",
        "utilisation",
        "mean_in_system",
        "mean_sojourn_ms",
        "peak_queue",
    ]);
    if gateways {
        h.extend(header(&[
            "downlinks",
            "lora_airtime_heard_s",
            "demodulator_occupancy",
            "downlink_duty_rx1",
            "downlink_duty_rx2",
        ]));
    }
    let mut t = Table::new(&h);
    let t_ns = measured_s * 1e9;
    for e in items {
        let s = &e.stats;
        let (x, y) = e.position.map_or((String::new(), String::new()), |(x, y)| {
            (num(x, 1), num(y, 1))
        });
        let sojourn = if s.sojourn_count == 0 {
            f64::NAN
        } else {
            s.sojourn_sum_ns as f64 / s.sojourn_count as f64 / 1e6
        };
        let mut cells = vec![
            e.name.clone(),
            e.group.clone(),
            x,
            y,
            e.sensors.to_string(),
            s.arrivals.to_string(),
            s.served.to_string(),
            s.overflow.to_string(),
            num(s.served as f64 / measured_s, 3),
            num(s.area_busy / (t_ns * f64::from(e.servers)), 6),
            num(s.area_in_system / t_ns, 6),
            num(sojourn, 3),
            s.peak_queue.to_string(),
        ];
        if gateways {
            cells.push(e.downlinks.to_string());
            cells.extend(lora_load_cells(e.lora.as_ref(), measured_s));
        }
        t.row(&cells);
    }
    t.save(path)
}

/// A LoRa gateway's load cells (empty for other gateways): airtime heard, the mean
/// share of its demodulators busy, and the share of time it sent in RX1 and RX2.
fn lora_load_cells(l: Option<&crate::metrics::LoraLoad>, measured_s: f64) -> Vec<String> {
    match l {
        Some(l) => vec![
            num(l.heard_s, 3),
            num(
                l.demodulating_s / (measured_s * f64::from(l.demodulators)),
                6,
            ),
            num(l.downlink_s[0] / measured_s, 6),
            num(l.downlink_s[1] / measured_s, 6),
        ],
        None => vec![String::new(); 4],
    }
}

/// `lora.csv`: one row per LoRa access network and spreading factor: its sensors,
/// frames, airtime, readings delivered and lost, and link margin.
fn write_lora(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut h = header(&[
        "access",
        "sf",
        "data_rate",
        "sensors",
        "frames",
        "mean_time_on_air_ms",
        "airtime_share",
        "delivered",
    ]);
    h.extend(drop_columns());
    h.extend(header(&[
        "delivery_ratio",
        "mean_snr_margin_db",
        "sensor_time_share",
        "sf_changes",
    ]));
    let mut t = Table::new(&h);
    for x in &r.lora {
        // Over the rows of the same network.
        let net_sum = |f: fn(&crate::metrics::SfResult) -> f64| -> f64 {
            r.lora.iter().filter(|y| y.access == x.access).map(f).sum()
        };
        let total = net_sum(|y| y.airtime_s);
        let time = net_sum(|y| y.sensor_time_s);
        let frames = x.frames as f64;
        let ended = x.delivered + x.dropped.iter().sum::<u64>();
        let mut cells = vec![
            x.access.clone(),
            x.sf.to_string(),
            x.data_rate.map_or(String::new(), |d| format!("DR{d}")),
            x.sensors.to_string(),
            x.frames.to_string(),
            num(x.airtime_s / frames * 1e3, 3),
            num(x.airtime_s / total, 6),
            x.delivered.to_string(),
        ];
        cells.extend(x.dropped.iter().map(|d| d.to_string()));
        cells.push(num(x.delivered as f64 / ended as f64, 6));
        cells.push(num(x.margin_db_sum / frames, 2));
        cells.push(num(x.sensor_time_s / time, 6));
        cells.push(x.changes.to_string());
        t.row(&cells);
    }
    t.save(&dir.join("lora.csv"))
}

/// The files a run writes, in the order they are written.
pub const RUN_FILES: &[&str] = &[
    "summary.csv",
    "classes.csv",
    "priorities.csv",
    "districts.csv",
    "gateways.csv",
    "nodes.csv",
    "links.csv",
    "relays.csv",
    "cells.csv",
    "coverage.csv",
    "lora.csv",
    "timeseries.csv",
    "timeseries_groups.csv",
    "latency_cdf.csv",
    "map.csv",
    "manifest.json",
];

/// The quantiles written to `latency_cdf.csv`.
fn cdf_quantiles() -> Vec<f64> {
    let mut q: Vec<f64> = (0..100).map(|i| i as f64 / 100.0).collect();
    q.extend([0.995, 0.999, 1.0]);
    q
}

/// Writes every output file of a run into `dir` (created if needed).
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    r: &RunResult,
    timing: &Timing,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    write_summary(dir, r)?;
    write_classes(dir, r)?;
    write_priorities(dir, r)?;
    write_districts(dir, r)?;
    write_sensors(dir, r)?;
    write_elements(dir, r)?;
    write_relays(dir, r)?;
    write_cells(dir, r)?;
    write_coverage(dir, r)?;
    write_lora(dir, r)?;
    write_timeseries(dir, r)?;
    write_timeseries_groups(dir, r)?;
    write_latency_cdf(dir, r)?;
    write_map(dir, r)?;
    let geo = write_geo(dir, scenario, r).map_err(|e| named(&dir.join("geo"), e))?;
    write_manifest(dir, scenario, r, timing)?;
    let mut files: Vec<PathBuf> = RUN_FILES.iter().map(|f| dir.join(f)).collect();
    files.extend(geo);
    Ok(files)
}

/// `summary.csv`: one row.
fn write_summary(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut t = Table::new(&summary_header());
    t.row(&summary_row(r));
    t.save(&dir.join("summary.csv"))?;
    Ok(())
}

/// `classes.csv`: one row per sensor class.
fn write_classes(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut h = header(&["class", "domain", "sensors"]);
    h.extend(header(&flow_names()));
    h.extend(drop_columns());
    h.extend(header(&[
        "in_flight",
        "retransmissions",
        "busy_cca",
        "duplicates",
        "readings_per_s",
        "energy_mean_mj",
        "lifetime_mean_days",
        "lifetime_p5_days",
        "battery_depleted",
        "lifetime_at_shelf_life",
    ]));
    let mut t = Table::new(&h);
    for c in &r.classes {
        let mut cells = vec![c.name.clone(), c.domain.clone(), c.sensors.to_string()];
        cells.extend(flow_cells(&c.flow));
        cells.push(c.flow.in_flight.to_string());
        cells.push(c.flow.retransmissions.to_string());
        cells.push(c.flow.busy_cca.to_string());
        cells.push(c.flow.duplicates.to_string());
        cells.push(num(c.flow.generated as f64 / r.measured_s(), 3));
        match &c.energy {
            Some(e) => cells.extend([
                num(e.energy_mean_j * 1e3, 3),
                num(e.lifetime_mean_s / 86400.0, 3),
                num(e.lifetime_p5_s / 86400.0, 3),
                e.depleted.to_string(),
                e.at_shelf_life.to_string(),
            ]),
            None => cells.extend(std::iter::repeat_n(String::new(), 5)),
        }
        t.row(&cells);
    }
    t.save(&dir.join("classes.csv"))?;
    Ok(())
}

/// `priorities.csv`: one row per queue priority.
fn write_priorities(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    // By queue priority: delivery, latency and losses by cause, as for classes.
    let mut h = header(&["priority"]);
    h.extend(header(&flow_names()));
    h.extend(drop_columns());
    h.push("in_flight".into());
    let mut t = Table::new(&h);
    for (p, f) in Priority::ALL.iter().zip(&r.priorities) {
        let mut cells = vec![p.name().to_string()];
        cells.extend(flow_cells(f));
        cells.push(f.in_flight.to_string());
        t.row(&cells);
    }
    t.save(&dir.join("priorities.csv"))?;
    Ok(())
}

/// `districts.csv`: one row per district.
fn write_districts(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    // By district (classes placed over the whole city count as "citywide").
    let mut districts: Vec<(String, u64, u64, Flow)> = Vec::new();
    for c in &r.classes {
        let name = if c.district.is_empty() {
            "citywide"
        } else {
            c.district.as_str()
        };
        match districts.iter_mut().find(|d| d.0 == name) {
            Some(d) => {
                d.1 += 1;
                d.2 += c.sensors;
                d.3.merge(&c.flow);
            }
            None => districts.push((name.to_string(), 1, c.sensors, c.flow.clone())),
        }
    }
    let mut h = header(&["district", "classes", "sensors"]);
    h.extend(header(&flow_names()));
    h.extend(drop_columns());
    let mut t = Table::new(&h);
    for (name, classes, sensors, f) in &districts {
        let mut cells = vec![name.clone(), classes.to_string(), sensors.to_string()];
        cells.extend(flow_cells(f));
        t.row(&cells);
    }
    t.save(&dir.join("districts.csv"))?;
    Ok(())
}

/// `sensors.csv`, when per-sensor records were kept.
fn write_sensors(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    if !r.sensors.is_empty() {
        let mut t = Table::new(&header(&[
            "sensor",
            "class",
            "x_m",
            "y_m",
            "gateway",
            "readings",
            "energy_mj",
            "lifetime_days",
            "sf",
        ]));
        for (i, s) in r.sensors.iter().enumerate() {
            t.row(&[
                i.to_string(),
                r.classes[s.class as usize].name.clone(),
                num(f64::from(s.position.0), 1),
                num(f64::from(s.position.1), 1),
                s.gateway.clone(),
                s.readings.to_string(),
                num(s.energy_j * 1e3, 3),
                num(s.lifetime_s / 86400.0, 3),
                if s.sf == 0 {
                    String::new()
                } else {
                    s.sf.to_string()
                },
            ]);
        }
        t.save(&dir.join("sensors.csv"))?;
    }
    Ok(())
}

/// `gateways.csv`, `nodes.csv` and `links.csv`.
fn write_elements(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    element_rows(
        &dir.join("gateways.csv"),
        "gateway",
        &r.gateways,
        r.measured_s(),
    )?;
    element_rows(&dir.join("nodes.csv"), "node", &r.nodes, r.measured_s())?;
    element_rows(&dir.join("links.csv"), "link", &r.links, r.measured_s())?;
    Ok(())
}

/// `cells.csv`: one row per NB-IoT or LTE-M cell.
fn write_cells(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut names = vec!["cell", "kind", "x_m", "y_m"];
    names.extend([
        "readings_ce0",
        "readings_ce1",
        "readings_ce2",
        "out_of_coverage",
    ]);
    names.extend(["ra_attempts_ce0", "ra_attempts_ce1", "ra_attempts_ce2"]);
    names.extend([
        "ra_collisions_ce0",
        "ra_collisions_ce1",
        "ra_collisions_ce2",
    ]);
    names.extend(["ra_success_ratio", "dropped_random_access"]);
    names.extend(["uplink_utilisation", "connected_peak"]);
    let mut t = Table::new(&header(&names));
    for c in &r.cells {
        let attempts: u64 = c.attempts.iter().sum();
        let collided: u64 = c.collisions.iter().sum();
        let mut row = vec![c.name.clone(), c.kind.clone()];
        row.extend([num(c.position.0, 1), num(c.position.1, 1)]);
        row.extend(c.readings.iter().map(u64::to_string));
        row.push(c.out_of_coverage.to_string());
        row.extend(c.attempts.iter().map(u64::to_string));
        row.extend(c.collisions.iter().map(u64::to_string));
        row.push(if attempts == 0 {
            String::new()
        } else {
            num((attempts - collided) as f64 / attempts as f64, 4)
        });
        row.push(c.ra_failed.to_string());
        row.push(num(c.utilisation, 4));
        row.push(c.connected_peak.to_string());
        t.row(&row);
    }
    t.save(&dir.join("cells.csv"))
}

/// `coverage.csv`: NB-IoT and LTE-M readings per coverage level.
fn write_coverage(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut h = header(&["level"]);
    h.extend(header(&flow_names()));
    h.extend(drop_columns());
    let mut t = Table::new(&h);
    for (i, f) in r.coverage.iter().enumerate() {
        let mut row = vec![format!("CE{i}")];
        row.extend(flow_cells(f));
        t.row(&row);
    }
    t.save(&dir.join("coverage.csv"))
}

/// `relays.csv`: one row per mesh relay.
fn write_relays(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut t = Table::new(&header(&[
        "relay",
        "group",
        "x_m",
        "y_m",
        "neighbours",
        "hops",
        "received",
        "forwarded",
        "dropped_queue_overflow",
        "peak_queue",
        "route_changes",
        "control_sent",
        "dio_suppressed",
        "no_route_s",
        "tx_s",
        "listen_s",
        "charge_mah",
        "battery_life_days",
    ]));
    for x in &r.relays {
        t.row(&[
            x.name.clone(),
            x.group.clone(),
            num(x.position.0, 1),
            num(x.position.1, 1),
            x.neighbours.to_string(),
            x.hops.map_or(String::new(), |h| h.to_string()),
            x.received.to_string(),
            x.forwarded.to_string(),
            x.overflow.to_string(),
            x.peak_queue.to_string(),
            x.route_changes.to_string(),
            x.control_sent.to_string(),
            x.suppressed.to_string(),
            num(x.no_route_s, 3),
            num(x.tx_s, 3),
            num(x.listen_s, 3),
            num(x.charge_c / 3.6, 3),
            x.battery_life_s
                .map_or(String::new(), |l| num(l / 86_400.0, 1)),
        ]);
    }
    t.save(&dir.join("relays.csv"))?;
    Ok(())
}

/// A bucket's latency_mean_ms and latency_max_ms cells (empty with no delivery).
fn latency_cells(delivered: u64, sum_ns: u128, max_ns: u64) -> [String; 2] {
    if delivered == 0 {
        [String::new(), String::new()]
    } else {
        [
            num(sum_ns as f64 / delivered as f64 / 1e6, 3),
            num(max_ns as f64 / 1e6, 3),
        ]
    }
}

/// `timeseries.csv`: one row per time bucket.
fn write_timeseries(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut h = header(&["time_s", "in_warmup", "generated", "delivered"]);
    h.extend(drop_columns());
    h.extend(header(&["latency_mean_ms", "latency_max_ms"]));
    h.extend(header(&["ra_attempts", "ra_heard"]));
    let mut t = Table::new(&h);
    // NB-IoT and LTE-M random access, over every cell (by opportunity time).
    let ra = |i: usize| -> (u64, u64) {
        r.cells
            .iter()
            .filter_map(|c| c.series.get(i))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    for (i, b) in r.buckets.iter().enumerate() {
        let start = i as u64 * r.bucket_ns;
        let mut cells = vec![
            num(start as f64 / 1e9, 3),
            u8::from(start < r.warmup_ns).to_string(),
            b.generated.to_string(),
            b.delivered.to_string(),
        ];
        cells.extend(b.dropped.iter().map(|d| d.to_string()));
        cells.extend(latency_cells(
            b.delivered,
            b.latency_sum_ns,
            b.latency_max_ns,
        ));
        let (attempts, heard) = ra(i);
        cells.extend([attempts.to_string(), heard.to_string()]);
        t.row(&cells);
    }
    t.save(&dir.join("timeseries.csv"))?;
    Ok(())
}

/// `timeseries_groups.csv`: one row per time bucket of each domain, district and
/// priority that took a reading (long format: `scope`, `name`, then the bucket's
/// counts and latency).
fn write_timeseries_groups(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut t = Table::new(&header(&[
        "scope",
        "name",
        "time_s",
        "in_warmup",
        "generated",
        "delivered",
        "dropped",
        "latency_mean_ms",
        "latency_max_ms",
    ]));
    for g in r
        .groups
        .iter()
        .filter(|g| g.buckets.iter().any(|b| b.generated > 0))
    {
        for (i, b) in g.buckets.iter().enumerate() {
            let start = i as u64 * r.bucket_ns;
            let mut cells = vec![
                g.scope.to_string(),
                g.name.clone(),
                num(start as f64 / 1e9, 3),
                u8::from(start < r.warmup_ns).to_string(),
                b.generated.to_string(),
                b.delivered.to_string(),
                b.dropped.to_string(),
            ];
            cells.extend(latency_cells(
                b.delivered,
                b.latency_sum_ns,
                b.latency_max_ns,
            ));
            t.row(&cells);
        }
    }
    t.save(&dir.join("timeseries_groups.csv"))?;
    Ok(())
}

/// `latency_cdf.csv`: latency quantiles per class.
fn write_latency_cdf(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut t = Table::new(&header(&["class", "quantile", "latency_ms"]));
    for c in &r.classes {
        if c.flow.delivered == 0 {
            continue;
        }
        for q in cdf_quantiles() {
            t.row(&[
                c.name.clone(),
                num(q, 3),
                num(c.flow.latency_quantile_ms(q), 3),
            ]);
        }
    }
    t.save(&dir.join("latency_cdf.csv"))?;
    Ok(())
}

/// `map.csv`: sensors per map cell and class.
fn write_map(dir: &Path, r: &RunResult) -> std::io::Result<()> {
    let mut t = Table::new(&header(&["x_m", "y_m", "cell_m", "class", "sensors"]));
    for &(x, y, c, n) in &r.map {
        t.row(&[
            num((x as f64 + 0.5) * r.map_cell_m, 1),
            num((y as f64 + 0.5) * r.map_cell_m, 1),
            num(r.map_cell_m, 1),
            r.classes[c as usize].name.clone(),
            n.to_string(),
        ]);
    }
    t.save(&dir.join("map.csv"))?;
    Ok(())
}

//! `geo/`: the run's results as GeoJSON layers in WGS84 longitude/latitude (RFC 7946),
//! for a scenario with a `crs`. QGIS opens them as they are (drag the files onto the
//! map); geopandas reads them with `geopandas.read_file`.

use super::write_atomic;
use crate::geo::Frame;
use crate::metrics::columns::{drop_columns, flow_cells, flow_names};
use crate::metrics::geo::GeoResult;
use crate::metrics::{Flow, RunResult};
use crate::scenario::{Region, Scenario};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// The layers, in the order they are written.
pub const GEO_FILES: &[&str] = &[
    "geo/districts.geojson",
    "geo/gateways.geojson",
    "geo/sensors.geojson",
    "geo/incidents.geojson",
];

/// Writes the `geo/` layers of a run on the map (nothing for a scenario without a
/// `crs`); returns the files written.
pub fn write_geo(dir: &Path, scenario: &Scenario, r: &RunResult) -> std::io::Result<Vec<PathBuf>> {
    let (Some(frame), Some(g)) = (&scenario.city.frame, &r.geo) else {
        return Ok(Vec::new());
    };
    let out = dir.join("geo");
    std::fs::create_dir_all(&out)?;
    let layers = [
        districts(frame, scenario, g),
        gateways(frame, r, g),
        sensors(frame, r, g),
        incidents(frame, scenario),
    ];
    let mut files = Vec::new();
    for (name, features) in GEO_FILES.iter().zip(layers) {
        let fc = json!({ "type": "FeatureCollection", "features": features });
        let mut text = serde_json::to_string(&fc).expect("JSON of plain values");
        text.push('\n');
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        files.push(path);
    }
    Ok(files)
}

/// A coordinate: degrees to 7 decimals (about 1 cm).
fn deg(v: f64) -> Value {
    let r = (v * 1e7).round() / 1e7;
    serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number)
}

/// A property: a number, or null when undefined.
fn number(v: f64) -> Value {
    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn point(frame: &Frame, (x, y): (f64, f64)) -> Value {
    let (lon, lat) = frame.to_lonlat(x, y);
    json!({ "type": "Point", "coordinates": [deg(lon), deg(lat)] })
}

/// A region's polygons in longitude/latitude (rings closed, as RFC 7946 asks).
fn area(frame: &Frame, region: &Region) -> Value {
    let ring = |r: &Vec<(f64, f64)>| -> Value {
        let mut pts: Vec<Value> = r
            .iter()
            .map(|&(x, y)| {
                let (lon, lat) = frame.to_lonlat(x, y);
                json!([deg(lon), deg(lat)])
            })
            .collect();
        if let Some(first) = pts.first().cloned() {
            if pts.last() != Some(&first) {
                pts.push(first);
            }
        }
        Value::Array(pts)
    };
    let polys: Vec<Value> = region
        .polygons()
        .iter()
        .map(|p| Value::Array(p.iter().map(ring).collect()))
        .collect();
    json!({ "type": "MultiPolygon", "coordinates": polys })
}

fn feature(geometry: Value, properties: Map<String, Value>) -> Value {
    json!({ "type": "Feature", "geometry": geometry, "properties": properties })
}

/// A flow's columns (as `districts.csv` names them) as properties.
fn flow_properties(p: &mut Map<String, Value>, f: &Flow) {
    let names = flow_names()
        .into_iter()
        .map(str::to_string)
        .chain(drop_columns());
    for (name, cell) in names.zip(flow_cells(f)) {
        let v = match cell.parse::<u64>() {
            Ok(n) => json!(n),
            Err(_) => cell.parse::<f64>().map_or(Value::Null, number),
        };
        p.insert(name, v);
    }
}

fn districts(frame: &Frame, scenario: &Scenario, g: &GeoResult) -> Vec<Value> {
    scenario
        .districts
        .iter()
        .zip(&g.zones)
        .map(|(d, z)| {
            let mut p = Map::new();
            p.insert("district".into(), json!(d.name));
            p.insert("area_km2".into(), number(d.region.area() / 1e6));
            p.insert("sensors".into(), json!(z.sensors));
            flow_properties(&mut p, &z.flow);
            feature(area(frame, &d.region), p)
        })
        .collect()
}

fn ratio(delivered: u64, generated: u64) -> Value {
    if generated == 0 {
        Value::Null
    } else {
        number(delivered as f64 / generated as f64)
    }
}

fn gateways(frame: &Frame, r: &RunResult, g: &GeoResult) -> Vec<Value> {
    r.gateways
        .iter()
        .zip(&g.gateway_sensors)
        .filter_map(|(e, &[generated, delivered])| {
            let at = e.position?;
            let mut p = Map::new();
            p.insert("gateway".into(), json!(e.name));
            p.insert("group".into(), json!(e.group));
            p.insert("sensors".into(), json!(e.sensors));
            p.insert("arrivals".into(), json!(e.stats.arrivals));
            p.insert("dropped_queue_overflow".into(), json!(e.stats.overflow));
            p.insert("downlinks".into(), json!(e.downlinks));
            p.insert("sensors_generated".into(), json!(generated));
            p.insert("sensors_delivered".into(), json!(delivered));
            p.insert("sensors_delivery_ratio".into(), ratio(delivered, generated));
            Some(feature(point(frame, at), p))
        })
        .collect()
}

fn sensors(frame: &Frame, r: &RunResult, g: &GeoResult) -> Vec<Value> {
    g.sensors
        .iter()
        .map(|s| {
            let mut p = Map::new();
            p.insert("sensor".into(), json!(s.id));
            let class = r.classes.get(usize::from(s.class));
            p.insert("class".into(), json!(class.map_or("", |c| c.name.as_str())));
            p.insert(
                "domain".into(),
                json!(class.map_or("", |c| c.domain.as_str())),
            );
            p.insert("gateway".into(), json!(s.gateway));
            p.insert(
                "sf".into(),
                if s.sf == 0 { Value::Null } else { json!(s.sf) },
            );
            p.insert(
                "coupling_loss_db".into(),
                number(f64::from(s.coupling_loss_db)),
            );
            let level = s.coverage_level.map(|l| json!(format!("CE{l}")));
            p.insert("coverage_level".into(), level.unwrap_or(Value::Null));
            p.insert("generated".into(), json!(s.generated));
            p.insert("delivered".into(), json!(s.delivered));
            p.insert(
                "delivery_ratio".into(),
                ratio(u64::from(s.delivered), u64::from(s.generated)),
            );
            p.insert("lifetime_days".into(), number(s.lifetime_s / 86400.0));
            let at = (f64::from(s.position.0), f64::from(s.position.1));
            feature(point(frame, at), p)
        })
        .collect()
}

fn incidents(frame: &Frame, scenario: &Scenario) -> Vec<Value> {
    scenario
        .incidents
        .iter()
        .map(|i| {
            let mut p = Map::new();
            p.insert("incident".into(), json!(i.name));
            p.insert("start_s".into(), number(i.start_ns as f64 * 1e-9));
            p.insert(
                "end_s".into(),
                number((i.start_ns + i.duration_ns) as f64 * 1e-9),
            );
            feature(area(frame, &i.region), p)
        })
        .collect()
}

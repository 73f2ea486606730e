//! Reading point layers (CSV or GeoJSON) and district outlines (GeoJSON).
//!
//! Coordinates in every file are in the scenario's `crs` (plain metres when it has
//! none). A problem names the file, the row and the column (or the feature and the
//! property), and what was expected.

use super::Crs;
use geojson::{Feature, GeoJson, GeometryValue, Position};
use std::path::Path;

/// One point of a layer: where, and the optional attributes citysim reads.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRow {
    /// First coordinate (x, or longitude), in the file's system.
    pub x: f64,
    /// Second coordinate (y, or latitude).
    pub y: f64,
    /// `class`: which sensor class the point belongs to.
    pub class: Option<String>,
    /// `sf`: the LoRa spreading factor (7 to 12).
    pub sf: Option<u8>,
    /// `name` (or `id`): how outputs name the point.
    pub name: Option<String>,
    /// `indoor`: whether the sensor sits in a building (empty: the class's share
    /// decides).
    pub indoor: Option<bool>,
    /// Where it is in the file, for messages.
    pub at: Place,
}

/// Where a point is in its file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Place {
    /// A CSV row (1 is the first after the header) and its line.
    Row(usize, u64),
    /// A GeoJSON feature (from 1).
    Feature(usize),
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            Place::Row(row, line) => write!(f, "row {row} (line {line})"),
            Place::Feature(i) => write!(f, "feature {i}"),
        }
    }
}

/// A named area: its polygons, in the file's system.
#[derive(Debug, Clone, PartialEq)]
pub struct Outline {
    /// The value of the naming property.
    pub name: String,
    /// Its polygons, each its outer ring then its holes (closed or not).
    pub polygons: Vec<Vec<Vec<(f64, f64)>>>,
}

/// The most rows a point layer may hold.
pub const MAX_ROWS: usize = 100_000_000;

/// Reads a point layer: `.csv` (a header, then one row per point) or `.geojson` /
/// `.json` (Point features).
pub fn read_points(path: &Path, crs: Option<&Crs>) -> Result<Vec<PointRow>, String> {
    let file = path.display();
    match extension(path).as_str() {
        "csv" => read_csv(path, crs).map_err(|e| format!("{file}: {e}")),
        "geojson" | "json" => {
            let g = read_geojson(path)?;
            points_of(&g).map_err(|e| format!("{file}: {e}"))
        }
        other => Err(format!(
            "{file}: expected a .csv or .geojson file, found \"{other}\""
        )),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// The coordinate columns a header may use, for a file in `crs`.
fn axis_names(crs: Option<&Crs>) -> (&'static [&'static str], &'static [&'static str]) {
    match crs.map(Crs::geographic) {
        Some(true) => (&["lon", "longitude", "lng"], &["lat", "latitude"]),
        _ => (&["x", "x_m", "easting"], &["y", "y_m", "northing"]),
    }
}

fn read_csv(path: &Path, crs: Option<&Crs>) -> Result<Vec<PointRow>, String> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_path(path)
        .map_err(|e| e.to_string())?;
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (xs, ys) = axis_names(crs);
    let (Some(xi), Some(yi)) = (find(xs), find(ys)) else {
        return Err(missing_axes(&header, crs));
    };
    let (ci, si) = (find(&["class"]), find(&["sf"]));
    let ii = find(&["indoor"]);
    let ni = find(&["name", "id", "site"]);
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| e.to_string())?;
        let line = rec.position().map_or(i + 2, |p| p.line() as usize);
        let at = Place::Row(i + 1, line as u64);
        if rows.len() >= MAX_ROWS {
            return Err(format!("{at}: more than {MAX_ROWS} rows"));
        }
        let num = |c: usize| -> Result<f64, String> {
            let s = &rec[c];
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "{at}, column \"{}\": expected a number, found \"{s}\"",
                        header[c]
                    )
                })
        };
        let text = |c: Option<usize>| c.map(|c| rec[c].to_string()).filter(|s| !s.is_empty());
        let sf = match si.map(|c| &rec[c]) {
            None | Some("") => None,
            Some(s) => Some(sf_value(s).map_err(|e| format!("{at}, column \"sf\": {e}"))?),
        };
        let indoor = match ii.map(|c| &rec[c]) {
            None | Some("") => None,
            Some(s) => Some(flag(s).map_err(|e| format!("{at}, column \"indoor\": {e}"))?),
        };
        rows.push(PointRow {
            x: num(xi)?,
            y: num(yi)?,
            class: text(ci),
            sf,
            name: text(ni),
            indoor,
            at,
        });
    }
    Ok(rows)
}

/// Why a header lacks the coordinate columns, and what to do about it.
fn missing_axes(header: &[String], crs: Option<&Crs>) -> String {
    let find = |names: &[&str]| header.iter().any(|h| names.contains(&h.as_str()));
    let (xs, ys) = axis_names(crs);
    let wgs84 = Crs::wgs84();
    let (other_x, _) = axis_names(match crs.map(Crs::geographic) {
        Some(true) => None,
        _ => Some(&wgs84),
    });
    let hint = match crs {
        _ if !find(other_x) => String::new(),
        Some(c) if c.geographic() => format!(
            " (it has projected x, y columns but the scenario's crs is {}, which is \
             longitude/latitude)",
            c.name
        ),
        Some(c) => format!(
            " (it has longitude/latitude columns but the scenario's crs is {}, which is \
             projected)",
            c.name
        ),
        None => " (it has longitude/latitude columns; declare them with [city] crs = \
                  \"EPSG:4326\")"
            .to_string(),
    };
    format!(
        "the header must name the columns \"{}\" and \"{}\"; found {}{hint}",
        xs[0],
        ys[0],
        header.join(",")
    )
}

/// A yes/no cell: `true`, `false`, `1`, `0`, `yes`, `no` (any case).
fn flag(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!(
            "expected true or false (or 1, 0, yes, no), found \"{s}\""
        )),
    }
}

fn sf_value(s: &str) -> Result<u8, String> {
    let v = s.trim_start_matches(['S', 'F', 's', 'f']);
    match v.parse::<u8>() {
        Ok(sf @ 7..=12) => Ok(sf),
        _ => Err(format!(
            "expected a spreading factor from 7 to 12, found \"{s}\""
        )),
    }
}

fn read_geojson(path: &Path) -> Result<GeoJson, String> {
    let file = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
    text.parse::<GeoJson>()
        .map_err(|e| format!("{file}: not GeoJSON: {e}"))
}

fn features(g: &GeoJson) -> Vec<Feature> {
    match g {
        GeoJson::FeatureCollection(fc) => fc.features.clone(),
        GeoJson::Feature(f) => vec![f.clone()],
        GeoJson::Geometry(geom) => vec![Feature {
            geometry: Some(geom.clone()),
            ..Feature::default()
        }],
    }
}

fn xy(p: &Position, at: &str) -> Result<(f64, f64), String> {
    match p.as_slice() {
        [x, y, ..] if x.is_finite() && y.is_finite() => Ok((*x, *y)),
        _ => Err(format!("{at}: a position needs two finite numbers")),
    }
}

/// A property as text (strings as they are, numbers written out).
fn property(f: &Feature, name: &str) -> Option<String> {
    match f.properties.as_ref()?.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn points_of(g: &GeoJson) -> Result<Vec<PointRow>, String> {
    let mut rows = Vec::new();
    for (i, f) in features(g).iter().enumerate() {
        let at = Place::Feature(i + 1);
        let p = match f.geometry.as_ref().map(|g| &g.value) {
            Some(GeometryValue::Point { coordinates }) => xy(coordinates, &at.to_string())?,
            Some(other) => {
                return Err(format!(
                    "{at}: expected a Point, found a {}",
                    other.type_name()
                ))
            }
            None => return Err(format!("{at}: has no geometry")),
        };
        let sf = match property(f, "sf") {
            None => None,
            Some(s) => Some(sf_value(&s).map_err(|e| format!("{at}, property \"sf\": {e}"))?),
        };
        let name = property(f, "name")
            .or_else(|| property(f, "id"))
            .or_else(|| {
                f.id.as_ref().map(|id| match id {
                    geojson::feature::Id::String(s) => s.clone(),
                    geojson::feature::Id::Number(n) => n.to_string(),
                })
            });
        let indoor = match f.properties.as_ref().and_then(|p| p.get("indoor")) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(v) => Some(
                flag(v.as_str().unwrap_or(&v.to_string()))
                    .map_err(|e| format!("{at}, property \"indoor\": {e}"))?,
            ),
        };
        rows.push(PointRow {
            x: p.0,
            y: p.1,
            class: property(f, "class"),
            sf,
            name,
            indoor,
            at,
        });
    }
    Ok(rows)
}

/// Reads named areas from a GeoJSON file of Polygon or MultiPolygon features, each
/// named by its property `name_property`. Two features with one name are one area.
pub fn read_outlines(path: &Path, name_property: &str) -> Result<Vec<Outline>, String> {
    let file = path.display();
    let g = read_geojson(path)?;
    let mut out: Vec<Outline> = Vec::new();
    for (i, f) in features(&g).iter().enumerate() {
        let at = format!("{file}: feature {}", i + 1);
        let polys: Vec<&Vec<Vec<Position>>> = match f.geometry.as_ref().map(|g| &g.value) {
            Some(GeometryValue::Polygon { coordinates }) => vec![coordinates],
            Some(GeometryValue::MultiPolygon { coordinates }) => coordinates.iter().collect(),
            Some(other) => {
                return Err(format!(
                    "{at}: expected a Polygon or MultiPolygon, found a {}",
                    other.type_name()
                ))
            }
            None => return Err(format!("{at}: has no geometry")),
        };
        let Some(name) = property(f, name_property) else {
            let keys: Vec<String> = f
                .properties
                .as_ref()
                .map(|p| p.keys().map(|k| format!("\"{k}\"")).collect())
                .unwrap_or_default();
            return Err(format!(
                "{at}: no property \"{name_property}\" to name the district (its \
                 properties: {}); set [city] district_property",
                if keys.is_empty() {
                    "none".into()
                } else {
                    keys.join(", ")
                }
            ));
        };
        let mut polygons = Vec::new();
        for poly in polys {
            let mut rings = Vec::new();
            for ring in poly {
                let pts: Vec<(f64, f64)> =
                    ring.iter().map(|p| xy(p, &at)).collect::<Result<_, _>>()?;
                if pts.len() < 3 {
                    return Err(format!(
                        "{at} (\"{name}\"): a ring needs at least 3 positions"
                    ));
                }
                rings.push(pts);
            }
            if !rings.is_empty() {
                polygons.push(rings);
            }
        }
        match out.iter_mut().find(|o| o.name == name) {
            Some(o) => o.polygons.extend(polygons),
            None => out.push(Outline { name, polygons }),
        }
    }
    if out.is_empty() {
        return Err(format!("{file}: holds no Polygon or MultiPolygon features"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn csv_points_with_optional_columns() {
        let (_d, p) = file(
            "s.csv",
            "lon,lat,class,sf,extra\n120.1,31.5,meter,SF9,a\n120.2,31.6,,,b\n",
        );
        let rows = read_points(&p, Some(&Crs::wgs84())).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].x, rows[0].y), (120.1, 31.5));
        assert_eq!(rows[0].class.as_deref(), Some("meter"));
        assert_eq!(rows[0].sf, Some(9));
        assert_eq!((rows[1].class.as_ref(), rows[1].sf), (None, None));
    }

    #[test]
    fn a_bad_row_names_the_file_row_and_column() {
        let (_d, p) = file("s.csv", "x,y\n1,2\n3,north\n");
        let e = read_points(&p, None).unwrap_err();
        assert!(
            e.contains("s.csv") && e.contains("row 2 (line 3)") && e.contains("\"y\""),
            "{e}"
        );
        let (_d, p) = file("s.csv", "x,y,sf\n1,2,13\n");
        let e = read_points(&p, None).unwrap_err();
        assert!(
            e.contains("row 1") && e.contains("\"sf\"") && e.contains("7 to 12"),
            "{e}"
        );
    }

    #[test]
    fn longitude_columns_without_a_crs_say_how_to_declare_one() {
        let (_d, p) = file("s.csv", "lon,lat\n120,31\n");
        let e = read_points(&p, None).unwrap_err();
        assert!(e.contains("crs = \"EPSG:4326\""), "{e}");
    }

    #[test]
    fn outlines_merge_parts_and_name_missing_properties() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
          {"type":"Feature","properties":{"name":"a"},"geometry":{"type":"MultiPolygon","coordinates":[[[[2,2],[3,2],[3,3],[2,2]]]]}},
          {"type":"Feature","properties":{"NAME":"b"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let (_d, p) = file("d.geojson", text);
        let e = read_outlines(&p, "name").unwrap_err();
        assert!(e.contains("feature 3") && e.contains("\"NAME\""), "{e}");
        let o = read_outlines(&p, "NAME").unwrap_err();
        assert!(o.contains("feature 1"), "{o}");
        let (_d, p) = file("d.geojson", &text.replace("\"NAME\"", "\"name\""));
        let o = read_outlines(&p, "name").unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].polygons.len(), 2);
    }
}

//! `[city]`: the city's extent, and its real place when it has one.
//!
//! Without `crs`, a city is a `width` x `height` rectangle from (0, 0), in metres. With
//! `crs`, its positions are written in that system and its extent comes from a GeoJSON
//! `boundary` (whose features become districts) or from two corners (`extent`); the
//! model works in metres of a local projection (see [`crate::geo::Frame`]).

use super::diag::Origin;
use super::read::{self, Cx, Kind, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use crate::geo::{Crs, Frame, Outline};
use serde::Serialize;
use std::path::PathBuf;

/// `[city]`.
#[derive(Debug, Clone, Serialize)]
pub struct City {
    /// East-west extent, m.
    pub width_m: f64,
    /// North-south extent, m.
    pub height_m: f64,
    /// Where the city is on the Earth, when the scenario says (`crs`).
    #[serde(skip)]
    pub frame: Option<Frame>,
    /// The area of the `boundary`'s districts together: placements over the whole city
    /// stay inside it (None: the whole rectangle).
    pub outline: Option<Region>,
    /// The `boundary` file, as written.
    pub boundary: Option<String>,
    /// What positions and region sizes written in the file are multiplied by: the
    /// square root of `simulation.scale` with `scale_area`, else 1.
    pub stretch: f64,
}

impl City {
    /// A rectangle of `width_m` x `height_m` with no geography.
    pub fn rectangle(width_m: f64, height_m: f64) -> City {
        City {
            width_m,
            height_m,
            frame: None,
            outline: None,
            boundary: None,
            stretch: 1.0,
        }
    }
}

/// The longest side of a city, m: a region the size of a country, where positions
/// (32-bit floats) are still kept to 6 cm.
pub const MAX_CITY_SIDE_M: f64 = 1e6;

read::kind!(
    /// A side of the city: a positive distance of at most [`MAX_CITY_SIDE_M`].
    Side => f64, "distance > 0, at most 1000km", |cx: &mut Cx, n: &Node, k: &str| match read::distance(cx, n, k) {
        Some(v) if v > 0.0 && v <= MAX_CITY_SIDE_M => Some(v),
        Some(_) => {
            cx.expected(n, k, "a positive distance of at most 1000km (positions are kept to \
                 6 cm over 1000 km; a larger region is several scenarios)");
            None
        }
        None => None,
    }
);

read::kind!(
    /// A text value.
    Text => String, "text", read::string
);

/// A file named in the scenario, relative to the scenario file's folder.
pub(crate) fn scenario_path(cx: &Cx, path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() {
        return p;
    }
    let base = std::path::Path::new(&cx.src.name).parent();
    base.map_or(p.clone(), |b| b.join(&p))
}

/// Reads `[city]`: the city, and the districts its `boundary` holds. `stretch`: what
/// `simulation.scale_area` grows the city's sides by (1 without it).
pub(crate) fn read_city(cx: &mut Cx, node: Option<&Node>, stretch: f64) -> (City, Vec<District>) {
    let empty = simulation::absent_table();
    let fallback = crate::units::parse_distance_m(defaults::CITY_SIDE).expect("default parses");
    let Some(mut t) = Tbl::open(cx, node.unwrap_or(&empty), "city", "city") else {
        return (City::rectangle(fallback, fallback), Vec::new());
    };
    let sized = t.has_key("width") || t.has_key("height");
    let width = t.val::<Side>(cx, "width");
    let height = t.val::<Side>(cx, "height");
    let crs = t.opt::<Text>(cx, "crs").flatten();
    let crs = crs.and_then(|c| match Crs::parse(&c) {
        Ok(crs) => Some(crs),
        Err(e) => {
            let origin = t.origin_of("crs");
            cx.err(&origin, "city.crs", e);
            None
        }
    });
    let property = t.opt::<Text>(cx, "district_property").flatten();
    let boundary = t.opt::<Text>(cx, "boundary").flatten();
    let extent = t.get("extent");
    let mut plain = City::rectangle(
        (width.unwrap_or(fallback) * stretch).min(MAX_CITY_SIDE_M),
        (height.unwrap_or(fallback) * stretch).min(MAX_CITY_SIDE_M),
    );
    plain.stretch = stretch;
    let geo = boundary.is_some() || extent.is_some() || t.has_key("crs");
    if geo && stretch != 1.0 {
        let origin = t.origin_of("crs");
        cx.err(
            &origin,
            "simulation.scale_area",
            "a city on the map keeps its real size: scale_area grows a city of width x height; \
             remove scale_area (scale alone makes the city denser)",
        );
    }
    if sized && geo {
        let origin = t.origin_of("width");
        cx.err(
            &origin,
            "city.width",
            "a city with a crs, boundary or extent takes its size from them; remove width and height",
        );
    }
    if property.is_some() && boundary.is_none() {
        let origin = t.origin_of("district_property");
        cx.err(
            &origin,
            "city.district_property",
            "names the districts of a `boundary` file; add one or remove this key",
        );
    }
    let out = if let Some(file) = boundary {
        let origin = t.origin_of("boundary");
        let name = property.as_deref().unwrap_or("name");
        with_boundary(cx, &origin, &file, name, crs.as_ref())
    } else if let Some(n) = extent {
        with_extent(cx, n, crs.as_ref())
    } else if t.has_key("crs") && crs.is_some() {
        let origin = t.origin_of("crs");
        cx.err(&origin, "city.crs", "a city with a crs needs a `boundary` (a GeoJSON file of districts) or an `extent` ([[x0, y0], [x1, y1]] in that system) to say where it is");
        None
    } else {
        None
    };
    t.finish(cx);
    out.unwrap_or((plain, Vec::new()))
}

/// A city whose extent and districts come from a GeoJSON file.
fn with_boundary(
    cx: &mut Cx,
    origin: &Origin,
    file: &str,
    property: &str,
    crs: Option<&Crs>,
) -> Option<(City, Vec<District>)> {
    let path = scenario_path(cx, file);
    cx.input(&path);
    let outlines = match crate::geo::read_outlines(&path, property) {
        Ok(o) => o,
        Err(e) => {
            cx.err(origin, "city.boundary", e);
            return None;
        }
    };
    let all: Vec<(f64, f64)> = outlines
        .iter()
        .flat_map(|o| o.polygons.iter().flatten().flatten().copied())
        .collect();
    let (frame, w, h) = match crs {
        Some(crs) => match Frame::around(crs.clone(), &all) {
            Ok((f, w, h)) => (Some(f), w, h),
            Err(e) => {
                cx.err(origin, "city.boundary", format!("{}: {e}", path.display()));
                return None;
            }
        },
        None => {
            if all.iter().any(|p| p.0 < 0.0 || p.1 < 0.0) {
                cx.err(origin, "city.boundary", format!("{}: without a crs, positions are metres from (0, 0) and none may be negative; declare the file's system with [city] crs", path.display()));
                return None;
            }
            let w = all.iter().fold(0.0f64, |m, p| m.max(p.0));
            let h = all.iter().fold(0.0f64, |m, p| m.max(p.1));
            (None, w, h)
        }
    };
    if !(w > 0.0 && h > 0.0 && w <= MAX_CITY_SIDE_M && h <= MAX_CITY_SIDE_M) {
        cx.err(origin, "city.boundary", format!("{}: the districts span {w:.0} m x {h:.0} m; a city is more than 0 and at most 1000 km on a side", path.display()));
        return None;
    }
    let districts = districts_of(cx, origin, &path, outlines, frame.as_ref())?;
    let polygons = districts.iter().flat_map(|d| d.region.polygons()).collect();
    let city = City {
        width_m: w,
        height_m: h,
        frame,
        outline: Some(Region::Shapes(polygons)),
        boundary: Some(file.to_string()),
        stretch: 1.0,
    };
    Some((city, districts))
}

/// The boundary's outlines as districts, in the model's metres.
fn districts_of(
    cx: &mut Cx,
    origin: &Origin,
    path: &std::path::Path,
    outlines: Vec<Outline>,
    frame: Option<&Frame>,
) -> Option<Vec<District>> {
    let mut out: Vec<District> = Vec::new();
    for o in outlines {
        let name = schema::sanitize(&o.name);
        if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
            cx.err(origin, "city.boundary", format!("{}: district \"{}\" has no Latin letter or digit to name its files and CSV rows by; choose another property with district_property", path.display(), o.name));
            return None;
        }
        if out.iter().any(|d| d.name == name) {
            cx.err(origin, "city.boundary", format!("{}: two districts are named \"{name}\" once written with letters, digits, `_` and `-`", path.display()));
            return None;
        }
        let projected: Result<Vec<Rings>, String> = o
            .polygons
            .iter()
            .map(|p| {
                p.iter()
                    .map(|ring| match frame {
                        Some(f) => f.many_to_model(ring),
                        None => Ok(ring.clone()),
                    })
                    .collect()
            })
            .collect();
        let polygons = match projected {
            Ok(p) => p,
            Err(e) => {
                let msg = format!("{}: district \"{}\": {e}", path.display(), o.name);
                cx.err(origin, "city.boundary", msg);
                return None;
            }
        };
        out.push(District {
            name,
            region: Region::Shapes(polygons),
        });
    }
    Some(out)
}

/// A city between two corners written in its crs.
fn with_extent(cx: &mut Cx, n: &Node, crs: Option<&Crs>) -> Option<(City, Vec<District>)> {
    let key = "city.extent";
    let Some(crs) = crs else {
        cx.err(&n.origin, key, "an extent is written in the city's crs; add [city] crs (or give width and height in metres instead)");
        return None;
    };
    let corners = match &n.val {
        Val::Array(v) if v.len() == 2 => {
            let a = pair(cx, &v[0], key)?;
            let b = pair(cx, &v[1], key)?;
            (a, b)
        }
        _ => {
            cx.expected(
                n,
                key,
                "two corners [[x0, y0], [x1, y1]] (south-west, north-east) in the crs",
            );
            return None;
        }
    };
    let ((x0, y0), (x1, y1)) = corners;
    if x0 >= x1 || y0 >= y1 {
        cx.expected(n, key, "the south-west corner first: x0 < x1 and y0 < y1");
        return None;
    }
    // The corners and the middles of the sides, so that the frame holds the whole box.
    let (xm, ym) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let pts = [
        (x0, y0),
        (x1, y0),
        (x1, y1),
        (x0, y1),
        (xm, y0),
        (xm, y1),
        (x0, ym),
        (x1, ym),
    ];
    match Frame::around(crs.clone(), &pts) {
        Ok((frame, w, h)) if w <= MAX_CITY_SIDE_M && h <= MAX_CITY_SIDE_M => {
            let outline = frame
                .many_to_model(&[
                    (x0, y0),
                    (xm, y0),
                    (x1, y0),
                    (x1, ym),
                    (x1, y1),
                    (xm, y1),
                    (x0, y1),
                    (x0, ym),
                ])
                .ok();
            let city = City {
                width_m: w,
                height_m: h,
                frame: Some(frame),
                outline: outline.map(|r| Region::Shapes(vec![vec![r]])),
                boundary: None,
                stretch: 1.0,
            };
            Some((city, Vec::new()))
        }
        Ok((_, w, h)) => {
            cx.err(
                &n.origin,
                key,
                format!(
                    "the extent spans {w:.0} m x {h:.0} m; a city is at most 1000 km on a side"
                ),
            );
            None
        }
        Err(e) => {
            cx.err(&n.origin, key, e);
            None
        }
    }
}

/// Two plain numbers `[x, y]`.
pub(crate) fn pair(cx: &mut Cx, n: &Node, key: &str) -> Option<(f64, f64)> {
    match &n.val {
        Val::Array(v) if v.len() == 2 => {
            let x = read::float(cx, &v[0], key)?;
            let y = read::float(cx, &v[1], key)?;
            Some((x, y))
        }
        _ => {
            cx.expected(
                n,
                key,
                "a position [x, y] in the city's crs (longitude, latitude for EPSG:4326)",
            );
            None
        }
    }
}

/// The keys of `city` tables, for the key reference.
pub(crate) const CITY_KEYS: &[Key] = &[
    Key::of("width", "the city's extent west to east (x)"),
    Key::of("height", "the city's extent south to north (y)"),
    Key::opt(
        "crs",
        "plain metres from (0, 0)",
        "the coordinate system of every position and file (`\"EPSG:4326\"` for longitude/latitude, any projected EPSG code, or a PROJ string)",
    ),
    Key::opt(
        "boundary",
        "no districts from a file",
        "a GeoJSON file of Polygon or MultiPolygon features: the city's extent, and one district per feature",
    ),
    Key::opt(
        "district_property",
        "`\"name\"`",
        "the feature property that names each district of the `boundary`",
    ),
    Key::any(
        "extent",
        "two positions in the crs",
        "the boundary's, or width and height",
        "two corners `[[x0, y0], [x1, y1]]` in the crs: the city's extent when it has no boundary",
    ),
];

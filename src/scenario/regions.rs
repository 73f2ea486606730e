//! Regions, districts and placements: where things are.

use super::read::{self, Cx, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// An area of the city.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Region {
    /// Centre (m) and radius (m).
    Circle {
        /// Centre x.
        x: f64,
        /// Centre y.
        y: f64,
        /// Radius.
        r: f64,
    },
    /// Corners (m).
    Rectangle {
        /// West edge.
        x0: f64,
        /// South edge.
        y0: f64,
        /// East edge.
        x1: f64,
        /// North edge.
        y1: f64,
    },
    /// A simple polygon (vertices in order, m).
    Polygon(Vec<(f64, f64)>),
}

impl Region {
    /// Whether (x, y) lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        match self {
            Region::Circle { x: cx, y: cy, r } => (x - cx).powi(2) + (y - cy).powi(2) <= r * r,
            Region::Rectangle { x0, y0, x1, y1 } => {
                (*x0..=*x1).contains(&x) && (*y0..=*y1).contains(&y)
            }
            Region::Polygon(p) => {
                // Even-odd rule: count edge crossings of a ray towards +x.
                let mut inside = false;
                let mut j = p.len() - 1;
                for i in 0..p.len() {
                    let ((xi, yi), (xj, yj)) = (p[i], p[j]);
                    if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                    j = i;
                }
                inside
            }
        }
    }

    /// Bounding box (x0, y0, x1, y1), m.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        match self {
            Region::Circle { x, y, r } => (x - r, y - r, x + r, y + r),
            Region::Rectangle { x0, y0, x1, y1 } => (*x0, *y0, *x1, *y1),
            Region::Polygon(p) => p.iter().fold(
                (
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ),
                |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
            ),
        }
    }

    /// Area, m².
    pub fn area(&self) -> f64 {
        match self {
            Region::Circle { r, .. } => std::f64::consts::PI * r * r,
            Region::Rectangle { x0, y0, x1, y1 } => (x1 - x0) * (y1 - y0),
            Region::Polygon(p) => {
                let mut a = 0.0;
                for i in 0..p.len() {
                    let (x0, y0) = p[i];
                    let (x1, y1) = p[(i + 1) % p.len()];
                    a += x0 * y1 - x1 * y0;
                }
                (a / 2.0).abs()
            }
        }
    }
}

/// A `[[districts]]` entry: a named area with its own sensor mix.
#[derive(Debug, Clone, Serialize)]
pub struct District {
    /// District name (sensor classes, gateways and incidents refer to it).
    pub name: String,
    /// Its area.
    pub region: Region,
}

/// Where the members of a sensor class or gateway group stand.
#[derive(Debug, Clone, Serialize)]
pub enum Placement {
    /// Independently uniform over the city.
    Uniform,
    /// A near-square grid over the city, one per cell centre; when the count does not
    /// fill a rectangle, the last row is spread across the width (see `grid_layout`).
    Grid,
    /// Around `clusters` uniform centres, normally distributed with sd `radius_m`.
    Clustered {
        /// Number of cluster centres.
        clusters: u32,
        /// Standard deviation around a centre, m.
        radius_m: f64,
    },
    /// Given positions (x, y) in metres.
    Explicit(Vec<(f64, f64)>),
}

pub(crate) fn placement(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Placement> {
    const KINDS: &[&str] = &["uniform", "grid", "clustered", "explicit"];
    let mut t = Tbl::open(cx, node, key, "placement")?;
    let kind = t.req(cx, "kind", &read::quoted_list(KINDS));
    let kind = kind.and_then(|k| read::choice(cx, k, &t.key("kind"), KINDS));
    let out = match kind {
        Some("uniform") => Some(Placement::Uniform),
        Some("grid") => Some(Placement::Grid),
        Some("clustered") => {
            let clusters = t
                .req(cx, "clusters", "a number of clusters")
                .and_then(|n| read::int(cx, n, &t.key("clusters"), 1, 1_000_000));
            let radius = t
                .req(cx, "radius", "a distance such as \"200m\"")
                .and_then(|n| read::distance(cx, n, &t.key("radius")));
            match (clusters, radius) {
                (Some(c), Some(r)) => Some(Placement::Clustered {
                    clusters: c as u32,
                    radius_m: r,
                }),
                _ => None,
            }
        }
        Some(_) => {
            let list = t
                .req(cx, "positions", "a list of [x, y] positions in metres")
                .and_then(|n| read::array(cx, n, &t.key("positions")));
            list.map(|items| {
                let key = t.key("positions");
                let points: Vec<(f64, f64)> = items
                    .iter()
                    .filter_map(|p| position(cx, p, &key, city))
                    .collect();
                Placement::Explicit(points)
            })
        }
        None => None,
    };
    t.finish(cx);
    out
}

pub(crate) fn position(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<(f64, f64)> {
    let xy = match &node.val {
        Val::Array(v) if v.len() == 2 => {
            let x = read::distance(cx, &v[0], key)?;
            let y = read::distance(cx, &v[1], key)?;
            (x, y)
        }
        _ => {
            cx.expected(node, key, "a position [x, y] in metres, e.g. [120, 340]");
            return None;
        }
    };
    if xy.0 > city.width_m || xy.1 > city.height_m {
        cx.err(
            &node.origin,
            key,
            format!(
                "position [{}, {}] lies outside the city ({} m x {} m)",
                xy.0, xy.1, city.width_m, city.height_m
            ),
        );
        return None;
    }
    Some(xy)
}

pub(crate) fn read_region(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Region> {
    read_area(cx, node, key, city, &[])
}

/// Reads a region: a table (circle, rectangle or polygon), or the name of a district.
pub(crate) fn read_area(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    city: &City,
    districts: &[District],
) -> Option<Region> {
    if let Val::Str(name) = &node.val {
        return district_region(cx, node, key, name, districts);
    }
    let mut t = Tbl::open(cx, node, key, "region")?;
    let kinds = ["circle", "rectangle", "polygon"];
    let kind = t
        .req(cx, "kind", "\"circle\", \"rectangle\" or \"polygon\"")
        .and_then(|n| read::choice(cx, n, &t.key("kind"), &kinds));
    if kind == Some("polygon") {
        let pts = t
            .req(cx, "points", "a list of at least 3 [x, y] vertices")
            .and_then(|n| read_polygon(cx, n, &t.key("points"), city));
        t.finish(cx);
        return pts;
    }
    let mut d = |t: &mut Tbl, k: &'static str| -> Option<f64> {
        let n = t.req(cx, k, "a distance such as \"500m\"")?;
        read::distance(cx, n, &t.key(k))
    };
    let region = match kind {
        Some("circle") => match (d(&mut t, "x"), d(&mut t, "y"), d(&mut t, "radius")) {
            (Some(x), Some(y), Some(r)) => Some(Region::Circle { x, y, r }),
            _ => None,
        },
        Some(_) => match (
            d(&mut t, "x0"),
            d(&mut t, "y0"),
            d(&mut t, "x1"),
            d(&mut t, "y1"),
        ) {
            (Some(x0), Some(y0), Some(x1), Some(y1)) if x0 <= x1 && y0 <= y1 => {
                Some(Region::Rectangle { x0, y0, x1, y1 })
            }
            (Some(_), Some(_), Some(_), Some(_)) => {
                let origin = t.origin.clone();
                cx.err(&origin, key, "expected x0 <= x1 and y0 <= y1");
                None
            }
            _ => None,
        },
        None => None,
    };
    let origin = t.origin.clone();
    t.finish(cx);
    let region = region?;
    inside_city(cx, &origin, key, region, city)
}

/// A region named by its district.
fn district_region(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    name: &str,
    districts: &[District],
) -> Option<Region> {
    match districts.iter().find(|d| d.name == name) {
        Some(d) => Some(d.region.clone()),
        None if cx.is_broken("districts", name) => None,
        None => {
            let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
            cx.expected(
                node,
                key,
                &if names.is_empty() {
                    "a region table (no [[districts]] are defined to name)".to_string()
                } else {
                    format!(
                        "a region table or a district: {}",
                        read::quoted_list(&names)
                    )
                },
            );
            None
        }
    }
}

/// A polygon's `points`: at least 3 vertices enclosing an area.
fn read_polygon(cx: &mut Cx, n: &Node, key: &str, city: &City) -> Option<Region> {
    let items = read::array(cx, n, key)?;
    let pts: Vec<(f64, f64)> = items
        .iter()
        .filter_map(|p| position(cx, p, key, city))
        .collect();
    if pts.len() < items.len() {
        return None; // Each bad vertex is reported; the shape is not judged without it.
    }
    let poly = Region::Polygon(pts);
    if items.len() < 3 || poly.area() <= 0.0 {
        cx.expected(n, key, "at least 3 vertices enclosing an area");
        return None;
    }
    Some(poly)
}

/// `region`, when it overlaps the city; otherwise a diagnostic.
fn inside_city(
    cx: &mut Cx,
    origin: &Origin,
    key: &str,
    region: Region,
    city: &City,
) -> Option<Region> {
    let inside = match region {
        Region::Circle { x, y, .. } => x <= city.width_m && y <= city.height_m,
        Region::Rectangle { x0, y0, .. } => x0 <= city.width_m && y0 <= city.height_m,
        Region::Polygon(_) => true,
    };
    if !inside {
        cx.err(
            origin,
            key,
            format!(
                "the region lies outside the city ({} m x {} m)",
                city.width_m, city.height_m
            ),
        );
        return None;
    }
    Some(region)
}

/// The keys of `placement` tables, for the key reference.
pub(crate) const PLACEMENT_KEYS: &[Key] = &[
    Key::of(
        "kind",
        "uniform at random, on a grid, in clusters, or at explicit positions",
    ),
    Key::of(
        "clusters",
        "`\"clustered\"`: how many centres, uniform over the area",
    ),
    Key::of(
        "radius",
        "`\"clustered\"`: the standard deviation of positions around a centre",
    ),
    Key::of("positions", "`\"explicit\"`: one position per member"),
];

/// The keys of `region` tables, for the key reference.
pub(crate) const REGION_KEYS: &[Key] = &[
    Key::of(
        "kind",
        "the region's shape (or write a district's name instead of a table)",
    ),
    Key::of("points", "`\"polygon\"`: its vertices, in order"),
    Key::of("x", "`\"circle\"`: the centre's x"),
    Key::of("y", "`\"circle\"`: the centre's y"),
    Key::of("radius", "`\"circle\"`: its radius"),
    Key::of("x0", "`\"rectangle\"`: its least x"),
    Key::of("y0", "`\"rectangle\"`: its least y"),
    Key::of("x1", "`\"rectangle\"`: its largest x"),
    Key::of("y1", "`\"rectangle\"`: its largest y"),
];

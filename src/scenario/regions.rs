//! Regions, districts and placements: where things are.

use super::read::{self, Cx, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// A polygon: its outer ring, then its holes (vertices in order, m).
pub type Rings = Vec<Vec<(f64, f64)>>;

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
    /// Areas read from a GeoJSON file: polygons, each its outer ring then its holes
    /// (m); a point is inside when it is inside some polygon's outer ring and none of
    /// its holes.
    Shapes(Vec<Rings>),
}

/// Whether (x, y) is inside the ring `p` (even-odd rule: edge crossings of a ray
/// towards +x).
fn in_ring(p: &[(f64, f64)], x: f64, y: f64) -> bool {
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

/// The area enclosed by ring `p` (shoelace formula), m².
fn ring_area(p: &[(f64, f64)]) -> f64 {
    let mut a = 0.0;
    for i in 0..p.len() {
        let (x0, y0) = p[i];
        let (x1, y1) = p[(i + 1) % p.len()];
        a += x0 * y1 - x1 * y0;
    }
    (a / 2.0).abs()
}

impl Region {
    /// Whether (x, y) lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        match self {
            Region::Circle { x: cx, y: cy, r } => (x - cx).powi(2) + (y - cy).powi(2) <= r * r,
            Region::Rectangle { x0, y0, x1, y1 } => {
                (*x0..=*x1).contains(&x) && (*y0..=*y1).contains(&y)
            }
            Region::Polygon(p) => in_ring(p, x, y),
            Region::Shapes(polys) => polys.iter().any(|p| {
                p.first().is_some_and(|outer| in_ring(outer, x, y))
                    && !p[1..].iter().any(|hole| in_ring(hole, x, y))
            }),
        }
    }

    /// Its outline as rings, m: a circle as a 48-sided polygon, a GeoJSON area as its
    /// rings (outer boundaries and holes).
    pub fn rings(&self) -> Vec<Vec<(f64, f64)>> {
        match self {
            Region::Circle { x, y, r } => vec![(0..48)
                .map(|k| {
                    let a = f64::from(k) * std::f64::consts::TAU / 48.0;
                    (x + r * a.cos(), y + r * a.sin())
                })
                .collect()],
            Region::Rectangle { x0, y0, x1, y1 } => {
                vec![vec![(*x0, *y0), (*x1, *y0), (*x1, *y1), (*x0, *y1)]]
            }
            Region::Polygon(p) => vec![p.clone()],
            Region::Shapes(polys) => polys.iter().flatten().cloned().collect(),
        }
    }

    /// Its polygons, each its outer ring then its holes.
    pub fn polygons(&self) -> Vec<Rings> {
        match self {
            Region::Shapes(polys) => polys.clone(),
            _ => self.rings().into_iter().map(|r| vec![r]).collect(),
        }
    }

    /// Bounding box (x0, y0, x1, y1), m.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        match self {
            Region::Circle { x, y, r } => (x - r, y - r, x + r, y + r),
            Region::Rectangle { x0, y0, x1, y1 } => (*x0, *y0, *x1, *y1),
            Region::Polygon(p) => Self::points_bbox(p.iter()),
            Region::Shapes(polys) => Self::points_bbox(polys.iter().flatten().flatten()),
        }
    }

    fn points_bbox<'a>(pts: impl Iterator<Item = &'a (f64, f64)>) -> (f64, f64, f64, f64) {
        pts.fold(
            (
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ),
            |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
        )
    }

    /// Area, m².
    pub fn area(&self) -> f64 {
        match self {
            Region::Circle { r, .. } => std::f64::consts::PI * r * r,
            Region::Rectangle { x0, y0, x1, y1 } => (x1 - x0) * (y1 - y0),
            Region::Polygon(p) => ring_area(p),
            Region::Shapes(polys) => polys
                .iter()
                .map(|p| {
                    let holes: f64 = p.iter().skip(1).map(|h| ring_area(h)).sum();
                    p.first().map_or(0.0, |o| ring_area(o)) - holes
                })
                .sum(),
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
    /// Positions read from a CSV or GeoJSON file (the rows for this class or group).
    File {
        /// The file, as the scenario names it.
        path: String,
        /// Positions in the model's metres, one per member.
        points: Vec<(f64, f64)>,
        /// The `sf` column, when the file has one (0: the sensor chooses).
        sf: Option<Vec<u8>>,
        /// The `indoor` column, when the file has one (None: the class's share decides).
        indoor: Option<Vec<Option<bool>>>,
    },
}

impl Placement {
    /// The positions it gives, when it gives them (explicit or from a file).
    pub fn given(&self) -> Option<&[(f64, f64)]> {
        match self {
            Placement::Explicit(p) | Placement::File { points: p, .. } => Some(p),
            _ => None,
        }
    }
}

pub(crate) fn placement(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    city: &City,
    member_of: Option<&str>,
) -> Option<Placement> {
    const KINDS: &[&str] = &["uniform", "grid", "clustered", "explicit", "file"];
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
            // A city grown by scale_area has as many more clusters as it has area.
            let area = city.stretch * city.stretch;
            match (clusters, radius) {
                (Some(c), Some(r)) => Some(Placement::Clustered {
                    clusters: ((c as f64 * area).round() as u32).clamp(1, 100_000_000),
                    radius_m: r,
                }),
                _ => None,
            }
        }
        Some("file") => {
            let path = t
                .req(
                    cx,
                    "path",
                    "a CSV or GeoJSON file of positions, e.g. \"sensors.csv\"",
                )
                .and_then(|n| read::string(cx, n, &t.key("path")).map(|p| (p, n)));
            path.and_then(|(p, n)| from_file(cx, n, &t.key("path"), &p, city, member_of))
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

/// The rows of a point layer that belong to `member_of` (all of them when the file has
/// no `class` column), in the model's metres.
fn from_file(
    cx: &mut Cx,
    n: &Node,
    key: &str,
    file: &str,
    city: &City,
    member_of: Option<&str>,
) -> Option<Placement> {
    let path = super::scenario_path(cx, file);
    let crs = city.frame.as_ref().map(|f| &f.crs);
    let read = match cx.points.iter().find(|(p, _)| *p == path) {
        Some((_, r)) => r.clone(),
        None => {
            let r = crate::geo::read_points(&path, crs).map(Arc::from);
            cx.input(&path);
            cx.points.push((path.clone(), r.clone()));
            r
        }
    };
    let rows = match read {
        Ok(rows) => rows,
        Err(e) => {
            cx.err(&n.origin, key, e);
            return None;
        }
    };
    let classes = rows.iter().any(|r| r.class.is_some());
    let rows: Vec<&crate::geo::PointRow> = match member_of {
        Some(name) if classes => rows
            .iter()
            .filter(|r| r.class.as_deref() == Some(name))
            .collect(),
        _ => rows.iter().collect(),
    };
    if rows.is_empty() {
        let why = match member_of {
            Some(name) if classes => format!("no row has class \"{name}\""),
            _ => "it has no rows".to_string(),
        };
        cx.err(&n.origin, key, format!("{}: {why}", path.display()));
        return None;
    }
    let mut points = Vec::with_capacity(rows.len());
    for r in &rows {
        let xy = match &city.frame {
            Some(f) => f.to_model(r.x, r.y),
            None => Ok((r.x, r.y)),
        };
        match xy {
            Ok(xy) if inside_extent(xy, city) => points.push(xy),
            Ok(xy) => {
                cx.err(&n.origin, key, format!(
                    "{}: {}: position ({}, {}) lies outside the city ({:.0} m x {:.0} m; it is at {:.0} m, {:.0} m from the south-west corner)",
                    path.display(), r.at, r.x, r.y, city.width_m, city.height_m, xy.0, xy.1
                ));
                return None;
            }
            Err(e) => {
                cx.err(&n.origin, key, format!("{}: {}: {e}", path.display(), r.at));
                return None;
            }
        }
    }
    let sf = rows
        .iter()
        .any(|r| r.sf.is_some())
        .then(|| rows.iter().map(|r| r.sf.unwrap_or(0)).collect());
    let indoor = rows
        .iter()
        .any(|r| r.indoor.is_some())
        .then(|| rows.iter().map(|r| r.indoor).collect());
    Some(Placement::File {
        path: file.to_string(),
        points,
        sf,
        indoor,
    })
}

pub(crate) fn position(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<(f64, f64)> {
    let xy = match (&node.val, &city.frame) {
        (Val::Array(v), Some(frame)) if v.len() == 2 => {
            let p = super::pair(cx, node, key)?;
            match frame.to_model(p.0, p.1) {
                Ok(m) => m,
                Err(e) => {
                    cx.err(&node.origin, key, e);
                    return None;
                }
            }
        }
        (Val::Array(v), None) if v.len() == 2 => {
            let x = read::distance(cx, &v[0], key)?;
            let y = read::distance(cx, &v[1], key)?;
            (x * city.stretch, y * city.stretch)
        }
        (_, Some(f)) => {
            let (a, b) = f.crs.axes();
            cx.expected(
                node,
                key,
                &format!("a position [{a}, {b}] in {}", f.crs.name),
            );
            return None;
        }
        _ => {
            cx.expected(node, key, "a position [x, y] in metres, e.g. [120, 340]");
            return None;
        }
    };
    if !inside_extent(xy, city) {
        let shown = match &city.frame {
            Some(f) => {
                let p = f.to_crs(xy.0, xy.1);
                format!(
                    "[{}, {}] ({:.0} m, {:.0} m from the south-west corner)",
                    p.0, p.1, xy.0, xy.1
                )
            }
            None => format!("[{}, {}]", xy.0, xy.1),
        };
        cx.err(
            &node.origin,
            key,
            format!(
                "position {shown} lies outside the city ({:.0} m x {:.0} m)",
                city.width_m, city.height_m
            ),
        );
        return None;
    }
    Some(xy)
}

/// Whether a model position lies within the city's rectangle (1 cm of slack for points
/// on its edge that went through a projection).
pub(crate) fn inside_extent(xy: (f64, f64), city: &City) -> bool {
    let e = if city.frame.is_some() { 0.01 } else { 0.0 };
    (-e..=city.width_m + e).contains(&xy.0) && (-e..=city.height_m + e).contains(&xy.1)
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
    if let Some(frame) = &city.frame {
        let region = geo_shape(cx, &mut t, kind, frame);
        let origin = t.origin.clone();
        t.finish(cx);
        return inside_city(cx, &origin, key, region?, city);
    }
    let mut d = |t: &mut Tbl, k: &'static str| -> Option<f64> {
        let n = t.req(cx, k, COORDINATE)?;
        read::distance(cx, n, &t.key(k)).map(|v| v * city.stretch)
    };
    let region = match kind {
        Some("circle") => match (
            d(&mut t, "x"),
            d(&mut t, "y"),
            radius(cx, &mut t).map(|r| r * city.stretch),
        ) {
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

/// A circle's `radius`.
fn radius(cx: &mut Cx, t: &mut Tbl) -> Option<f64> {
    t.req(cx, "radius", "a distance such as \"500m\"")
        .and_then(|n| read::distance(cx, n, &t.key("radius")))
}

/// What a region's coordinate is, in words.
const COORDINATE: &str = "a distance such as \"500m\" (a number in the crs when the city has one)";

/// A circle or rectangle written in the city's crs: a circle's centre is a position and
/// its radius a distance; a rectangle's corners are positions, and it becomes the
/// polygon they make in the model's metres.
fn geo_shape(
    cx: &mut Cx,
    t: &mut Tbl,
    kind: Option<&str>,
    frame: &crate::geo::Frame,
) -> Option<Region> {
    let mut c = |t: &mut Tbl, k: &'static str| -> Option<f64> {
        let n = t.req(cx, k, COORDINATE)?;
        read::float(cx, n, &t.key(k))
    };
    let shape = match kind? {
        "circle" => {
            let (x, y) = (c(t, "x"), c(t, "y"));
            let r = radius(cx, t);
            let (x, y, r) = (x?, y?, r?);
            frame
                .to_model(x, y)
                .map(|(x, y)| Region::Circle { x, y, r })
        }
        _ => {
            let (x0, y0, x1, y1) = (c(t, "x0"), c(t, "y0"), c(t, "x1"), c(t, "y1"));
            let (x0, y0, x1, y1) = (x0?, y0?, x1?, y1?);
            if x0 > x1 || y0 > y1 {
                let origin = t.origin.clone();
                cx.err(&origin, &t.key("x0"), "expected x0 <= x1 and y0 <= y1");
                return None;
            }
            frame
                .many_to_model(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
                .map(Region::Polygon)
        }
    };
    match shape {
        Ok(s) => Some(s),
        Err(e) => {
            let origin = t.origin.clone();
            cx.err(&origin, &t.key("kind"), e);
            None
        }
    }
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
        Region::Polygon(_) | Region::Shapes(_) => true,
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
    Key::of(
        "path",
        "`\"file\"`: a CSV (columns `x,y`, or `lon,lat` with a geographic crs; optional `class`, `sf`, `indoor`, `name`) or GeoJSON file of Point features, one member per row (only the rows whose `class` is this class's or group's name, when it has that column)",
    ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_with_a_hole_and_a_second_part() {
        let sq =
            |x0: f64, y0: f64, s: f64| vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)];
        // A 10 x 10 square with a 4 x 4 hole, and a 2 x 2 island inside the hole (its
        // own polygon), and a separate 1 x 1 square sharing no edge.
        let r = Region::Shapes(vec![
            vec![sq(0.0, 0.0, 10.0), sq(3.0, 3.0, 4.0)],
            vec![sq(4.0, 4.0, 2.0)],
            vec![sq(20.0, 0.0, 1.0)],
        ]);
        assert!((r.area() - (100.0 - 16.0 + 4.0 + 1.0)).abs() < 1e-9);
        assert!(r.contains(1.0, 1.0));
        assert!(!r.contains(3.5, 3.5), "in the hole");
        assert!(r.contains(5.0, 5.0), "on the island");
        assert!(r.contains(20.5, 0.5));
        assert!(!r.contains(15.0, 5.0));
        assert_eq!(r.bbox(), (0.0, 0.0, 21.0, 10.0));
        assert_eq!(r.polygons().len(), 3);
    }
}

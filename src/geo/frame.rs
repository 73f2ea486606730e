//! The city's frame: from a declared coordinate reference system to the model's metres.
//!
//! Positions in files are in the scenario's `crs` (WGS84 longitude/latitude, or any
//! projected EPSG code). Inside, everything is in metres of a local transverse Mercator
//! projection centred on the city (scale 1 at its central meridian: within 25 km of it,
//! lengths are off by less than 1 part in 10,000), shifted so that the city's south-west
//! corner is (0, 0). Outputs go back to WGS84 longitude/latitude, as GeoJSON requires
//! (RFC 7946, section 4).

use proj4rs::proj::Proj;
use proj4rs::transform::transform;
use std::fmt;
use std::sync::Arc;

/// A coordinate reference system, as the scenario names it.
#[derive(Clone)]
pub struct Crs {
    /// As written (`"EPSG:4326"`, or a PROJ string).
    pub name: String,
    proj: Arc<Proj>,
}

impl fmt::Debug for Crs {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Crs({})", self.name)
    }
}

impl Crs {
    /// Parses `"EPSG:NNNN"` (any code in the EPSG registry that PROJ.4 can express) or a
    /// PROJ string (`"+proj=utm +zone=51 +datum=WGS84"`).
    pub fn parse(name: &str) -> Result<Crs, String> {
        let s = name.trim();
        let proj = if let Some(code) = s.strip_prefix("EPSG:").or_else(|| s.strip_prefix("epsg:")) {
            let code: u16 = code
                .parse()
                .map_err(|_| format!("\"{s}\" is not an EPSG code (EPSG:1024 to EPSG:32767)"))?;
            Proj::from_epsg_code(code)
                .map_err(|_| format!("EPSG:{code} is not a coordinate system this build knows"))?
        } else if s.starts_with('+') {
            Proj::from_proj_string(s).map_err(|e| format!("the PROJ string is invalid: {e}"))?
        } else {
            return Err(format!(
                "\"{s}\" is neither \"EPSG:NNNN\" nor a PROJ string starting with '+'"
            ));
        };
        if proj.is_geocent() {
            return Err(format!(
                "{s} is geocentric (x, y, z from the Earth's centre); use a geographic \
                 or projected system"
            ));
        }
        Ok(Crs {
            name: s.to_string(),
            proj: Arc::new(proj),
        })
    }

    /// WGS84 longitude/latitude (EPSG:4326).
    pub fn wgs84() -> Crs {
        Crs::parse("EPSG:4326").expect("EPSG:4326 is built in")
    }

    /// Whether coordinates are longitude/latitude in degrees (else projected units).
    pub fn geographic(&self) -> bool {
        self.proj.is_latlong()
    }

    /// The names of the two coordinate columns in a table of points.
    pub fn axes(&self) -> (&'static str, &'static str) {
        if self.geographic() {
            ("lon", "lat")
        } else {
            ("x", "y")
        }
    }
}

/// The model's frame: a local transverse Mercator projection centred on the city, with
/// its origin at the city's south-west corner.
#[derive(Clone)]
pub struct Frame {
    /// The system the scenario's positions and files are written in.
    pub crs: Crs,
    wgs84: Arc<Proj>,
    local: Arc<Proj>,
    /// Longitude and latitude (degrees) of the projection's centre.
    pub centre: (f64, f64),
    /// Local projected coordinates of the model's (0, 0), m.
    origin: (f64, f64),
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "Frame({}, centre {:.6} {:.6})",
            self.crs.name, self.centre.0, self.centre.1
        )
    }
}

/// Runs one transformation of a point; angles in degrees outside.
fn convert(from: &Proj, to: &Proj, x: f64, y: f64) -> Result<(f64, f64), String> {
    let rad = |v: f64, p: &Proj| if p.is_latlong() { v.to_radians() } else { v };
    let mut p = (rad(x, from), rad(y, from), 0.0);
    transform(from, to, &mut p).map_err(|e| e.to_string())?;
    let deg = |v: f64| if to.is_latlong() { v.to_degrees() } else { v };
    let out = (deg(p.0), deg(p.1));
    if out.0.is_finite() && out.1.is_finite() {
        Ok(out)
    } else {
        Err("the point cannot be projected".into())
    }
}

impl Frame {
    /// A frame for points written in `crs`, centred on the middle of `points` (the
    /// city's outline or corners, in `crs`), with the model's origin at the south-west
    /// corner of their bounding box. Returns the frame and the city's width and height.
    pub fn around(crs: Crs, points: &[(f64, f64)]) -> Result<(Frame, f64, f64), String> {
        let wgs84 = Crs::wgs84().proj;
        let mut ll = Vec::with_capacity(points.len());
        for &(x, y) in points {
            let p = convert(&crs.proj, &wgs84, x, y)
                .map_err(|e| format!("point ({x}, {y}) in {}: {e}", crs.name))?;
            if !(-180.0..=180.0).contains(&p.0) || !(-90.0..=90.0).contains(&p.1) {
                return Err(format!(
                    "point ({x}, {y}) in {} is not on the Earth (longitude {:.4}, \
                     latitude {:.4}); are x and y swapped, or the system wrong?",
                    crs.name, p.0, p.1
                ));
            }
            ll.push(p);
        }
        let (lo, hi) = bbox(&ll).ok_or("no points to frame")?;
        let centre = ((lo.0 + hi.0) / 2.0, (lo.1 + hi.1) / 2.0);
        let local = Proj::from_proj_string(&format!(
            "+proj=tmerc +lat_0={} +lon_0={} +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs",
            centre.1, centre.0
        ))
        .map_err(|e| e.to_string())?;
        let mut frame = Frame {
            crs,
            wgs84,
            local: Arc::new(local),
            centre,
            origin: (0.0, 0.0),
        };
        let projected: Vec<(f64, f64)> = ll
            .iter()
            .map(|&(lon, lat)| convert(&frame.wgs84, &frame.local, lon, lat))
            .collect::<Result<_, _>>()?;
        let (lo, hi) = bbox(&projected).ok_or("no points to frame")?;
        frame.origin = lo;
        Ok((frame, hi.0 - lo.0, hi.1 - lo.1))
    }

    /// A point written in the scenario's system, in the model's metres.
    pub fn to_model(&self, x: f64, y: f64) -> Result<(f64, f64), String> {
        let (lx, ly) = convert(&self.crs.proj, &self.local, x, y)
            .map_err(|e| format!("({x}, {y}) in {}: {e}", self.crs.name))?;
        Ok((lx - self.origin.0, ly - self.origin.1))
    }

    /// Many points at once (same as [`Frame::to_model`] on each).
    pub fn many_to_model(&self, pts: &[(f64, f64)]) -> Result<Vec<(f64, f64)>, String> {
        pts.iter().map(|&(x, y)| self.to_model(x, y)).collect()
    }

    /// A model position, as WGS84 longitude and latitude in degrees.
    pub fn to_lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        convert(
            &self.local,
            &self.wgs84,
            x + self.origin.0,
            y + self.origin.1,
        )
        .unwrap_or((f64::NAN, f64::NAN))
    }

    /// A model position, in the scenario's system.
    pub fn to_crs(&self, x: f64, y: f64) -> (f64, f64) {
        convert(
            &self.local,
            &self.crs.proj,
            x + self.origin.0,
            y + self.origin.1,
        )
        .unwrap_or((f64::NAN, f64::NAN))
    }
}

/// The bounding box (least corner, largest corner) of some points.
fn bbox(pts: &[(f64, f64)]) -> Option<((f64, f64), (f64, f64))> {
    let first = *pts.first()?;
    Some(pts.iter().fold((first, first), |(lo, hi), &(x, y)| {
        ((lo.0.min(x), lo.1.min(y)), (hi.0.max(x), hi.1.max(y)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Metres between two WGS84 points close together (local equirectangular).
    fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
        let k = (a.1.to_radians()).cos();
        let dx = (a.0 - b.0) * 111_320.0 * k;
        let dy = (a.1 - b.1) * 110_574.0;
        dx.hypot(dy)
    }

    #[test]
    fn a_50_km_city_round_trips_within_a_millimetre() {
        // Wuxi's extent, about 50 km on each side.
        let corners = [(120.0, 31.3), (120.53, 31.75)];
        let (frame, w, h) = Frame::around(Crs::wgs84(), &corners).unwrap();
        assert!((45_000.0..56_000.0).contains(&w), "width {w}");
        assert!((45_000.0..56_000.0).contains(&h), "height {h}");
        let mut worst: f64 = 0.0;
        for i in 0..=40 {
            for j in 0..=40 {
                let p = (
                    120.0 + 0.53 * i as f64 / 40.0,
                    31.3 + 0.45 * j as f64 / 40.0,
                );
                let (x, y) = frame.to_model(p.0, p.1).unwrap();
                worst = worst.max(metres(p, frame.to_lonlat(x, y)));
            }
        }
        assert!(worst < 1e-3, "worst round trip {worst} m");
    }

    #[test]
    fn distances_agree_with_the_geodesic_to_one_part_in_ten_thousand() {
        // Two points 40 km apart east-west at 31.5 N; the WGS84 geodesic between them is
        // the length of a parallel arc to within 0.1 m at this span: N cos(phi) dlambda.
        let (frame, _, _) = Frame::around(Crs::wgs84(), &[(120.0, 31.3), (120.5, 31.7)]).unwrap();
        let a = frame.to_model(120.05, 31.5).unwrap();
        let b = frame.to_model(120.45, 31.5).unwrap();
        let (a_e, e2) = (6_378_137.0_f64, 0.006_694_379_990_14_f64);
        let phi = 31.5_f64.to_radians();
        let n = a_e / (1.0 - e2 * phi.sin().powi(2)).sqrt();
        let arc = n * phi.cos() * 0.4_f64.to_radians();
        let d = (a.0 - b.0).hypot(a.1 - b.1);
        // The chord is shorter than the parallel's arc by the arc's sagitta effect, under
        // a metre here; the projection's scale error adds under 1e-4 of the length.
        assert!(
            (d - arc).abs() / arc < 1e-4,
            "model {d} m, geodesic {arc} m"
        );
    }

    #[test]
    fn utm_and_cgcs2000_gauss_kruger_positions_land_where_wgs84_ones_do() {
        let (frame, _, _) = Frame::around(Crs::wgs84(), &[(120.0, 31.3), (120.5, 31.7)]).unwrap();
        let wgs = frame.to_model(120.3, 31.5).unwrap();
        for code in ["EPSG:32651", "EPSG:4549"] {
            let crs = Crs::parse(code).unwrap();
            assert!(!crs.geographic());
            let there = convert(&Crs::wgs84().proj, &crs.proj, 120.3, 31.5).unwrap();
            let mut f2 = frame.clone();
            f2.crs = crs;
            let m = f2.to_model(there.0, there.1).unwrap();
            // CGCS2000 and WGS84 differ by centimetres (no datum shift in PROJ.4 terms).
            assert!(
                (m.0 - wgs.0).hypot(m.1 - wgs.1) < 0.1,
                "{code}: {m:?} vs {wgs:?}"
            );
        }
    }

    #[test]
    fn bad_systems_and_points_are_refused_in_words() {
        assert!(Crs::parse("WGS84").unwrap_err().contains("neither"));
        assert!(Crs::parse("EPSG:x")
            .unwrap_err()
            .contains("not an EPSG code"));
        assert!(Crs::parse("EPSG:1")
            .unwrap_err()
            .contains("not a coordinate system"));
        assert!(Crs::parse("EPSG:4978").unwrap_err().contains("geocentric"));
        let err = Frame::around(Crs::wgs84(), &[(31.5, 120.3)]).unwrap_err();
        assert!(err.contains("swapped"), "{err}");
    }
}

//! Placement of sensors and gateways, and the spatial index that finds a sensor's
//! nearest gateway without comparing it with every gateway.

use crate::engine::Stream;
use crate::scenario::{City, Placement, Region};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// The layout of a grid of `n` points over a `w` x `h` area: columns, rows, and the
/// points in the last row, which are spread evenly across it.
///
/// The near-square grid (`cols = ceil(sqrt(n w / h))`) is kept when it fills every
/// cell. Otherwise its last row would hold a few points at one side and leave the
/// corner beyond them far from any (4 gateways over 3 km x 2 km: three in the first row,
/// one in the second, the top right 1.6 km from the nearest), so of the column counts
/// near it the one whose farthest point of the area lies nearest a grid point is taken
/// (for those 4: two rows of two, 0.9 km).
pub(crate) fn grid_layout(n: usize, w: f64, h: f64) -> (usize, usize, usize) {
    let n = n.max(1);
    let near = ((n as f64 * w / h).sqrt().ceil() as usize).clamp(1, n);
    let layout = |cols: usize| {
        let rows = n.div_ceil(cols);
        (cols, rows, n - cols * (rows - 1))
    };
    if n % near == 0 {
        return layout(near);
    }
    // The covering radius: half the diagonal of the widest cell (the last row's).
    let radius = |(_, rows, last): (usize, usize, usize)| {
        (w / (2.0 * last as f64)).hypot(h / (2.0 * rows as f64))
    };
    (near.saturating_sub(3).max(1)..=(near + 3).min(n))
        .map(layout)
        .min_by(|a, b| {
            radius(*a)
                .total_cmp(&radius(*b))
                .then(a.0.abs_diff(near).cmp(&b.0.abs_diff(near)))
                .then(a.0.cmp(&b.0))
        })
        .unwrap_or_else(|| layout(near))
}

/// Point `i` of a grid laid out as `(cols, rows, last)` over (x0, y0) + (w, h).
fn grid_point(
    (cols, rows, last): (usize, usize, usize),
    i: usize,
    (x0, y0, w, h): (f64, f64, f64, f64),
) -> (f64, f64) {
    let (c, r) = (i % cols, i / cols);
    let across = if r + 1 == rows { last } else { cols };
    (
        x0 + (c as f64 + 0.5) * w / across as f64,
        y0 + (r as f64 + 0.5) * h / rows as f64,
    )
}

/// A grid over the box (x0, y0, x1, y1), refined until at least `n` of its points lie
/// `inside` (or 30 refinements), those points in row order.
fn grid_inside(
    inside: &dyn Fn(f64, f64) -> bool,
    (x0, y0, x1, y1): (f64, f64, f64, f64),
    n: usize,
) -> Vec<(f64, f64)> {
    let (w, h) = ((x1 - x0).max(1e-9), (y1 - y0).max(1e-9));
    let mut m = n.max(1);
    let mut pts = Vec::new();
    for _ in 0..30 {
        let layout = grid_layout(m, w, h);
        pts = (0..m.max(1))
            .map(|i| grid_point(layout, i, (x0, y0, w, h)))
            .filter(|p| inside(p.0, p.1))
            .collect::<Vec<_>>();
        if pts.len() >= n {
            break;
        }
        m = (m as f64 * n as f64 / pts.len().max(1) as f64 * 1.05).ceil() as usize + 1;
    }
    pts
}

/// Positions (m) of `count` members placed by `placement` within `area` (a district) or
/// the whole city (inside its outline, when it has one). Within a district, uniform and clustered points are drawn by rejection
/// inside its bounding box, and a grid is laid over the box and kept where it falls
/// inside.
pub fn place_in(
    placement: &Placement,
    count: u32,
    city: &City,
    area: Option<&Region>,
    rng: &mut Stream,
) -> Vec<(f32, f32)> {
    let Some(region) = area.or(city.outline.as_ref()) else {
        return place(placement, count, city, rng);
    };
    let (x0, y0, x1, y1) = region.bbox();
    let (x0, y0) = (x0.max(0.0), y0.max(0.0));
    let (x1, y1) = (x1.min(city.width_m), y1.min(city.height_m));
    let n = count as usize;
    let inside = |x: f64, y: f64| region.contains(x, y);
    let uniform = |rng: &mut Stream| {
        let mut p = (x0, y0);
        for _ in 0..10_000 {
            p = (
                x0 + rng.random::<f64>() * (x1 - x0),
                y0 + rng.random::<f64>() * (y1 - y0),
            );
            if inside(p.0, p.1) {
                break;
            }
        }
        p
    };
    match placement {
        Placement::Uniform => (0..n)
            .map(|_| {
                let p = uniform(rng);
                (p.0 as f32, p.1 as f32)
            })
            .collect(),
        Placement::Grid => {
            let pts = grid_inside(&inside, (x0, y0, x1, y1), n);
            let mut out: Vec<(f32, f32)> = pts
                .iter()
                .take(n)
                .map(|p| (p.0 as f32, p.1 as f32))
                .collect();
            while out.len() < n {
                let p = uniform(rng);
                out.push((p.0 as f32, p.1 as f32));
            }
            out
        }
        Placement::Clustered { clusters, radius_m } => {
            let centres: Vec<(f64, f64)> = (0..*clusters).map(|_| uniform(rng)).collect();
            (0..n)
                .map(|_| {
                    let (cx, cy) = centres[rng.random_range(0..centres.len())];
                    let mut p = (cx, cy);
                    for _ in 0..20 {
                        let dx: f64 = StandardNormal.sample(rng);
                        let dy: f64 = StandardNormal.sample(rng);
                        let q = (cx + dx * radius_m, cy + dy * radius_m);
                        if inside(q.0, q.1) {
                            p = q;
                            break;
                        }
                    }
                    (p.0 as f32, p.1 as f32)
                })
                .collect()
        }
        Placement::Explicit(points) | Placement::File { points, .. } => {
            points.iter().map(|&(x, y)| (x as f32, y as f32)).collect()
        }
    }
}

/// Positions (m) of `count` members placed by `placement` over the whole city.
pub fn place(placement: &Placement, count: u32, city: &City, rng: &mut Stream) -> Vec<(f32, f32)> {
    let (w, h) = (city.width_m, city.height_m);
    let n = count as usize;
    match placement {
        Placement::Uniform => (0..n)
            .map(|_| {
                (
                    (rng.random::<f64>() * w) as f32,
                    (rng.random::<f64>() * h) as f32,
                )
            })
            .collect(),
        Placement::Grid => {
            let layout = grid_layout(n, w, h);
            (0..n)
                .map(|i| {
                    let p = grid_point(layout, i, (0.0, 0.0, w, h));
                    (p.0 as f32, p.1 as f32)
                })
                .collect()
        }
        Placement::Clustered { clusters, radius_m } => {
            let centres: Vec<(f64, f64)> = (0..*clusters)
                .map(|_| (rng.random::<f64>() * w, rng.random::<f64>() * h))
                .collect();
            (0..n)
                .map(|_| {
                    let (cx, cy) = centres[rng.random_range(0..centres.len())];
                    let dx: f64 = StandardNormal.sample(rng);
                    let dy: f64 = StandardNormal.sample(rng);
                    (
                        (cx + dx * radius_m).clamp(0.0, w) as f32,
                        (cy + dy * radius_m).clamp(0.0, h) as f32,
                    )
                })
                .collect()
        }
        Placement::Explicit(points) | Placement::File { points, .. } => {
            points.iter().map(|&(x, y)| (x as f32, y as f32)).collect()
        }
    }
}

/// A uniform grid of points for nearest-neighbour queries.
pub struct SpatialIndex {
    cell: f64,
    nx: usize,
    ny: usize,
    /// Cell `c` holds `items[starts[c]..starts[c + 1]]`.
    starts: Vec<u32>,
    items: Vec<(u32, f32, f32)>,
}

impl SpatialIndex {
    /// Indexes `points` (id, x, y) over a `w` x `h` area.
    pub fn new(points: &[(u32, f32, f32)], w: f64, h: f64) -> SpatialIndex {
        let n = points.len().max(1) as f64;
        let cell = ((w * h / n).sqrt()).max(1e-3);
        let nx = ((w / cell).ceil() as usize).max(1);
        let ny = ((h / cell).ceil() as usize).max(1);
        let mut index = SpatialIndex {
            cell,
            nx,
            ny,
            starts: vec![0; nx * ny + 1],
            items: Vec::with_capacity(points.len()),
        };
        let cell_of = |p: &(u32, f32, f32)| index.cell_of(p.1 as f64, p.2 as f64);
        let mut keyed: Vec<(usize, (u32, f32, f32))> =
            points.iter().map(|p| (cell_of(p), *p)).collect();
        keyed.sort_by_key(|(c, p)| (*c, p.0));
        for (c, _) in &keyed {
            index.starts[c + 1] += 1;
        }
        for c in 0..nx * ny {
            index.starts[c + 1] += index.starts[c];
        }
        index.items = keyed.into_iter().map(|(_, p)| p).collect();
        index
    }

    fn cell_xy(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = ((x / self.cell) as usize).min(self.nx - 1);
        let cy = ((y / self.cell) as usize).min(self.ny - 1);
        (cx, cy)
    }

    fn cell_of(&self, x: f64, y: f64) -> usize {
        let (cx, cy) = self.cell_xy(x, y);
        cy * self.nx + cx
    }

    /// Appends every point (id, x, y) within `r` of (x, y) to `out`, in id order.
    pub fn within(&self, x: f64, y: f64, r: f64, out: &mut Vec<(u32, f32, f32)>) {
        let start = out.len();
        self.within_any_order(x, y, r, out);
        out[start..].sort_unstable_by_key(|p| p.0);
    }

    /// The points within distance `r` of (x, y), appended to `out` in no set order.
    pub fn within_any_order(&self, x: f64, y: f64, r: f64, out: &mut Vec<(u32, f32, f32)>) {
        let (x0, y0) = self.cell_xy((x - r).max(0.0), (y - r).max(0.0));
        let (x1, y1) = self.cell_xy((x + r).max(0.0), (y + r).max(0.0));
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let c = cy * self.nx + cx;
                for &(id, px, py) in
                    &self.items[self.starts[c] as usize..self.starts[c + 1] as usize]
                {
                    if (px as f64 - x).powi(2) + (py as f64 - y).powi(2) <= r * r {
                        out.push((id, px, py));
                    }
                }
            }
        }
    }

    /// The nearest point to (x, y) and its distance; ties go to the smaller id.
    pub fn nearest(&self, x: f64, y: f64) -> Option<(u32, f64)> {
        self.nearest_within(x, y, f64::INFINITY)
    }

    /// The nearest point no farther than `max_d`, searching rings of cells outwards and
    /// stopping as soon as no unseen cell can hold a closer point.
    pub fn nearest_within(&self, x: f64, y: f64, max_d: f64) -> Option<(u32, f64)> {
        self.nearest_where(x, y, max_d, |_| true)
    }

    /// As [`Self::nearest_within`], among the points for which `ok(id)` holds.
    pub fn nearest_where(
        &self,
        x: f64,
        y: f64,
        max_d: f64,
        ok: impl Fn(u32) -> bool,
    ) -> Option<(u32, f64)> {
        if self.items.is_empty() {
            return None;
        }
        let (cx, cy) = self.cell_xy(x, y);
        let (cx, cy) = (cx as i64, cy as i64);
        let (nx, ny) = (self.nx as i64, self.ny as i64);
        let mut best: Option<(f64, u32)> = None;
        let max_r = self.nx.max(self.ny) as i64;
        let scan = |c: usize, best: &mut Option<(f64, u32)>| {
            for &(id, px, py) in &self.items[self.starts[c] as usize..self.starts[c + 1] as usize] {
                if !ok(id) {
                    continue;
                }
                let d2 = (px as f64 - x).powi(2) + (py as f64 - y).powi(2);
                if best.is_none_or(|(bd, bid)| (d2, id) < (bd, bid)) {
                    *best = Some((d2, id));
                }
            }
        };
        for r in 0..=max_r {
            // Every point in ring r is at least (r - 1) cells away.
            let bound = (r as f64 - 1.0).max(0.0) * self.cell;
            if bound > max_d || best.is_some_and(|(d2, _)| d2.sqrt() <= bound) {
                break;
            }
            let (x0, x1, y0, y1) = (cx - r, cx + r, cy - r, cy + r);
            // Top and bottom rows of the ring, clipped to the grid.
            for gy in [y0, y1] {
                if (0..ny).contains(&gy) {
                    for gx in x0.max(0)..=x1.min(nx - 1) {
                        scan((gy * nx + gx) as usize, &mut best);
                    }
                }
                if r == 0 {
                    break;
                }
            }
            // Left and right columns, without the corners.
            for gx in [x0, x1] {
                if (0..nx).contains(&gx) {
                    for gy in (y0 + 1).max(0)..=(y1 - 1).min(ny - 1) {
                        scan((gy * nx + gx) as usize, &mut best);
                    }
                }
            }
        }
        best.map(|(d2, id)| (id, d2.sqrt()))
            .filter(|&(_, d)| d <= max_d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[test]
    fn nearest_agrees_with_brute_force() {
        let city = City::rectangle(5000.0, 3000.0);
        let mut rng = stream(1, 0, 1);
        for count in [1u32, 2, 7, 50, 400] {
            let pts = place(&Placement::Uniform, count, &city, &mut rng);
            let indexed: Vec<(u32, f32, f32)> = pts
                .iter()
                .enumerate()
                .map(|(i, p)| (i as u32, p.0, p.1))
                .collect();
            let index = SpatialIndex::new(&indexed, city.width_m, city.height_m);
            for q in place(&Placement::Uniform, 2000, &city, &mut rng) {
                let (x, y) = (q.0 as f64, q.1 as f64);
                let brute = indexed
                    .iter()
                    .map(|&(id, px, py)| ((px as f64 - x).powi(2) + (py as f64 - y).powi(2), id))
                    .min_by(|a, b| a.partial_cmp(b).unwrap())
                    .unwrap();
                let (id, d) = index.nearest(x, y).unwrap();
                assert_eq!(id, brute.1, "count {count} query {q:?}");
                assert!((d - brute.0.sqrt()).abs() < 1e-6);
                let mut near = Vec::new();
                index.within(x, y, 500.0, &mut near);
                let near: Vec<u32> = near.iter().map(|p| p.0).collect();
                let brute_near: Vec<u32> = indexed
                    .iter()
                    .filter(|&&(_, px, py)| {
                        (px as f64 - x).powi(2) + (py as f64 - y).powi(2) <= 500.0 * 500.0
                    })
                    .map(|p| p.0)
                    .collect();
                assert_eq!(near, brute_near);
                let limit = 300.0;
                let within = index.nearest_within(x, y, limit);
                assert_eq!(within.map(|w| w.0), (d <= limit).then_some(id));
            }
        }
    }

    #[test]
    fn a_grid_leaves_no_corner_far_from_its_points() {
        // 4 over 3 km x 2 km: two rows of two (the old layout put three in the first row
        // and one in the second, leaving the top right 1.6 km from any).
        assert_eq!(grid_layout(4, 3000.0, 2000.0), (2, 2, 2));
        // Exact fills keep the near-square grid.
        assert_eq!(grid_layout(80, 30_000.0, 24_000.0), (10, 8, 10));
        assert_eq!(grid_layout(9, 1000.0, 1000.0), (3, 3, 3));
        // Every point of the area is within the covering radius of a grid point, for
        // counts that do not fill a rectangle.
        let city = City::rectangle(3000.0, 2000.0);
        for n in [2u32, 3, 5, 7, 11, 13, 37, 39] {
            let pts = place(&Placement::Grid, n, &city, &mut stream(1, 0, 0));
            assert_eq!(pts.len(), n as usize);
            let (cols, rows, last) = grid_layout(n as usize, 3000.0, 2000.0);
            let bound =
                (3000.0 / (2.0 * last.min(cols) as f64)).hypot(2000.0 / (2.0 * rows as f64));
            for x in (0..=30).map(|i| i as f32 * 100.0) {
                for y in (0..=20).map(|j| j as f32 * 100.0) {
                    let d = pts
                        .iter()
                        .map(|p| ((p.0 - x) as f64).hypot((p.1 - y) as f64))
                        .fold(f64::INFINITY, f64::min);
                    assert!(
                        d <= bound + 1.0,
                        "n = {n}: ({x}, {y}) is {d:.0} m from the grid"
                    );
                }
            }
        }
    }

    #[test]
    fn grid_fills_cells_once() {
        let city = City::rectangle(1000.0, 1000.0);
        let pts = place(&Placement::Grid, 9, &city, &mut stream(1, 0, 0));
        let mut xs: Vec<i32> = pts.iter().map(|p| p.0.round() as i32).collect();
        xs.sort();
        xs.dedup();
        assert_eq!(xs, vec![167, 500, 833]);
    }
}

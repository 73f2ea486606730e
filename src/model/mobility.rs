//! Mobile sensors: waypoints, movement and re-attachment to the nearest gateway.

use super::*;
use rand::Rng;

/// Waypoint `j` of mobile sensor `s`: a point of its route (from its own random start
/// on the route), or a uniform random point of the city.
pub(crate) fn waypoint(
    m: &Mobility,
    seed: u64,
    rep: u32,
    s: usize,
    j: u32,
    (w, h): (f64, f64),
) -> (f64, f64) {
    match &m.route {
        Some(route) => {
            let start = substream(seed, rep, Ns::Mobility.id(s as u64), u64::MAX)
                .random_range(0..route.len());
            route[(start + j as usize) % route.len()]
        }
        None => {
            let mut rng = substream(seed, rep, Ns::Mobility.id(s as u64), u64::from(j));
            (rng.random::<f64>() * w, rng.random::<f64>() * h)
        }
    }
}

impl City {
    /// Moves mobile sensor `s` to where it is at `now`, and returns its gateway there
    /// (the nearest one up and in range; NONE when none).
    pub(crate) fn advance(&mut self, s: usize, class: u16, now: u64) -> u32 {
        let m = self.classes[class as usize]
            .mobility
            .as_ref()
            .expect("a mobile class");
        let (mut leg, mut t0) = self.s_leg[s];
        let size = self.city_size;
        let pos = loop {
            let a = waypoint(m, self.seed, self.replication, s, leg, size);
            let b = waypoint(m, self.seed, self.replication, s, leg + 1, size);
            let dist = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let travel = (dist / m.speed_mps * 1e9).round() as u64;
            if now < t0 + travel + m.pause_ns {
                let f = if travel == 0 {
                    1.0
                } else {
                    ((now - t0) as f64 / travel as f64).min(1.0)
                };
                break (
                    (a.0 + (b.0 - a.0) * f) as f32,
                    (a.1 + (b.1 - a.1) * f) as f32,
                );
            }
            t0 += travel + m.pause_ns;
            leg += 1;
        };
        self.s_pos[s] = pos;
        self.s_leg[s] = (leg, t0);
        let access = self.classes[class as usize].access;
        self.reattach(s, access).unwrap_or(NONE)
    }

    /// The nearest gateway that is up, serves `access` and is in range of sensor `s`.
    pub(crate) fn reattach(&self, s: usize, access: usize) -> Option<u32> {
        let (index, range) = self.attach[access].as_ref()?;
        let (x, y) = self.s_pos[s];
        index
            .nearest_where(x as f64, y as f64, *range, |g| {
                self.elements[g as usize].down == 0
            })
            .map(|(g, _)| g)
    }
}

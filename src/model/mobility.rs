//! Mobile sensors: waypoints, movement and re-attachment to the nearest gateway.

use super::*;
use rand::Rng;

/// Waypoint `j` of the mobile sensor of stream key `key`: a point of its route (from
/// its own random start on the route), or a uniform random point of the city.
pub(crate) fn waypoint(
    m: &Mobility,
    seeds: Seeds,
    key: u64,
    j: u32,
    (w, h): (f64, f64),
) -> (f64, f64) {
    match &m.route {
        Some(route) => {
            let start = seeds
                .sub(Ns::Mobility.id(key), u64::MAX)
                .random_range(0..route.len());
            route[(start + j as usize) % route.len()]
        }
        None => {
            let mut rng = seeds.sub(Ns::Mobility.id(key), u64::from(j));
            (rng.random::<f64>() * w, rng.random::<f64>() * h)
        }
    }
}

/// Where mobile sensors are on their way (empty when no class moves).
pub(crate) struct MobilityState {
    /// Per sensor: the leg it is on.
    pub(crate) legs: Vec<Leg>,
    /// The city's width and height, m (random waypoints lie inside).
    pub(crate) city_size: (f64, f64),
}

/// A mobile sensor's current leg, from waypoint `index` to the next.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Leg {
    /// Number of the waypoint it left.
    pub(crate) index: u32,
    /// When it left it, ns.
    pub(crate) since: u64,
}

// SAFETY: integers.
unsafe impl crate::model::lazy::Zeroable for Leg {}

impl City {
    /// Moves mobile sensor `s` to where it is at `now`, and returns its gateway there
    /// (the nearest one up and in range; NONE when none).
    pub(crate) fn advance(&mut self, s: usize, class: u16, now: u64) -> u32 {
        let Some(m) = self.classes[class as usize].mobility.as_ref() else {
            unreachable!("only sensors of mobile classes move")
        };
        let Leg {
            index: mut leg,
            since: mut t0,
        } = self.mobility.legs[s];
        let size = self.mobility.city_size;
        let pos = loop {
            let key = self.sensors.key(s);
            let a = waypoint(m, self.seeds, key, leg, size);
            let b = waypoint(m, self.seeds, key, leg + 1, size);
            let dist = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
            let travel = crate::units::round_u64(dist / m.speed_mps * 1e9);
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
        self.sensors.pos[s] = pos;
        self.mobility.legs[s] = Leg {
            index: leg,
            since: t0,
        };
        let access = self.classes[class as usize].access;
        self.reattach(s, access).unwrap_or(NONE)
    }

    /// The nearest gateway that is up, serves `access` and is in range of sensor `s`.
    pub(crate) fn reattach(&self, s: usize, access: usize) -> Option<u32> {
        let (index, range) = self.access[access].attach.as_ref()?;
        let (x, y) = self.sensors.pos[s];
        index
            .nearest_where(x as f64, y as f64, *range, |g| {
                self.backbone.elements[g as usize].down == 0
            })
            .map(|(g, _)| g)
    }
}

//! How much memory a run will need, estimated from the scenario before anything is
//! built, so that a run too large for the machine is refused with the reason instead of
//! dying half-way (or taking the machine down with it).
//!
//! The per-item sizes below were measured by counting every allocation of real runs (the
//! `memory` test binary does it again on every test run and checks that the estimate is
//! never below what a run allocates, nor far above it).

use super::access::lora::net::LoraNet;
use super::access::mesh::net::MeshNet;
use crate::scenario::Scenario;
use crate::units::count_of;
use std::fmt;

/// What any run allocates whatever its size: tables, channels, result frames.
const FIXED_BYTES: f64 = 1.5e6;
/// Per sensor: position, traffic and battery state, its pending event, its slot in
/// the spatial index and its rows of per-sensor results (measured 100 to 123 B).
const SENSOR_BYTES: f64 = 150.0;
/// Of those, what every part of a run in parts keeps (its position and gateway, 12 B),
/// with room for a part's own sensors' radio state (a mesh sensor's: 21 B).
const CORE_SENSOR_BYTES: f64 = 40.0;
/// Per sensor class: its latency histogram (1 µs to 1 h at 3 significant digits) and
/// tallies (measured 247 KB).
const CLASS_BYTES: f64 = 260e3;
/// Per sensor of a city on the map: its district (2 B) and its readings counted and
/// delivered (8 B), with room for the map layer's sample records.
const ZONE_SENSOR_BYTES: f64 = 16.0;
/// Per gateway, relay or backbone node: queue, counters, position.
const NODE_BYTES: f64 = 2e3;
/// Per element and LoRa channel: the air's weak-frame sums and receptions in one cache
/// line, and a list for receptions beyond two (88 B).
const LORA_SLOT_BYTES: f64 = 88.0;
/// Per (sensor, gateway) LoRa link (a gateway that hears the sensor): the gateway
/// (2 B) and the received power (2 B), in lists that grow by doubling, so up to twice
/// that.
const LORA_LINK_BYTES: f64 = 8.0;
/// Per reading in flight (taken, not yet delivered or lost): the packet, its pending
/// event, and their slots in lists that grow by doubling (measured 139 B over an
/// abstract hop, 280 B over a mesh, whose relays queue them).
const IN_FLIGHT_BYTES: f64 = 320.0;
/// Per LoRa sensor: MAC, ADR and duty-cycle state, its link range and its frames.
const LORA_SENSOR_BYTES: f64 = 150.0;
/// Per mesh link between two infrastructure nodes: neighbour and cost, with the
/// reception-ratio tables (measured 16 B).
const MESH_LINK_BYTES: f64 = 20.0;
/// Per sensor when some class uses NB-IoT or LTE-M: its device's connection state and
/// cached coupling loss and its battery's account (56 B), for every sensor.
const CELL_DEVICE_BYTES: f64 = 56.0;
/// Per gateway and NB-IoT or LTE-M access: its cell (random-access lists, uplink queue,
/// counters), or its empty slot.
const CELL_BYTES: f64 = 600.0;
/// Per cell and time bucket: random-access attempts and successes.
const CELL_BUCKET_BYTES: f64 = 16.0;
/// Bytes per time bucket of the citywide series (counts by cause, latency).
const BUCKET_BYTES: f64 = 136.0;
/// Bytes per time bucket of each domain, district and priority series.
const GROUP_BUCKET_BYTES: f64 = 48.0;

/// One thing that takes memory and how much.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// What it is, in words with its count ("4,900 sensors").
    pub what: String,
    /// Bytes.
    pub bytes: f64,
}

/// A run's estimated peak memory, by part.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The parts, largest first.
    pub parts: Vec<Part>,
}

impl Estimate {
    /// Total bytes.
    pub fn bytes(&self) -> f64 {
        self.parts.iter().map(|p| p.bytes).sum()
    }
}

impl fmt::Display for Estimate {
    /// `"1.2 GB (1.0 GB for 8,000,000 sensors, 0.2 GB for ...)"`: what drives it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", human_bytes(self.bytes()))?;
        let big: Vec<String> = self
            .parts
            .iter()
            .filter(|p| p.bytes >= 0.05 * self.bytes())
            .map(|p| format!("{} for {}", human_bytes(p.bytes), p.what))
            .collect();
        if !big.is_empty() {
            write!(f, ": {}", big.join(", "))?;
        }
        Ok(())
    }
}

/// Bytes in the largest unit that keeps the number at least 1 (`"512 MB"`, `"3.1 GB"`).
pub fn human_bytes(b: f64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("TB", 1e12),
        ("GB", 1e9),
        ("MB", 1e6),
        ("kB", 1e3),
        ("B", 1.0),
    ];
    let (unit, size) = UNITS
        .iter()
        .copied()
        .find(|&(_, s)| b >= s)
        .unwrap_or(("B", 1.0));
    let x = b / size;
    if x >= 100.0 || unit == "B" {
        format!("{x:.0} {unit}")
    } else {
        format!("{x:.1} {unit}")
    }
}

/// A count with thousands separators.
fn count(n: f64) -> String {
    crate::units::human_number(n.max(0.0).round())
}

/// The peak memory a run of `s` needs, estimated from its counts.
pub fn estimate(s: &Scenario) -> Estimate {
    estimate_parts(s).0
}

/// [`estimate`], and the bytes of it that only the access side of a run in parts
/// holds (the sensors' state beyond what the core keeps, LoRa sensors' state and links,
/// the readings in flight).
fn estimate_parts(s: &Scenario) -> (Estimate, f64) {
    let sensors: f64 = s.sensors.iter().map(|c| f64::from(c.count)).sum();
    let gateways: f64 = s.gateways.iter().map(|g| f64::from(g.count)).sum();
    let relays: f64 = s.relays.iter().map(|r| f64::from(r.count)).sum();
    let nodes = gateways + relays + s.nodes.len() as f64;
    let classes = s.sensors.len() as f64;
    let mut parts = vec![
        Part {
            what: count_of(sensors, "sensor", "sensors"),
            bytes: sensors * SENSOR_BYTES,
        },
        Part {
            what: count_of(classes, "sensor class", "sensor classes"),
            bytes: classes * CLASS_BYTES,
        },
        Part {
            what: format!("{} gateways, relays and nodes", count(nodes)),
            bytes: nodes * NODE_BYTES,
        },
        Part {
            what: "fixed tables".into(),
            bytes: FIXED_BYTES,
        },
    ];
    if s.city.frame.is_some() {
        // Counts by place: each sensor's district and tallies, and a flow (with its
        // latency histogram, as a class's) per district.
        let zones = s.districts.len() as f64 + 1.0;
        parts.push(Part {
            what: format!("counts by place ({} districts)", count(zones - 1.0)),
            bytes: sensors * ZONE_SENSOR_BYTES + zones * CLASS_BYTES,
        });
    }
    let lora = link_parts(s, &mut parts);
    let buckets = (s.simulation.duration_ns as f64 / s.simulation.bucket_ns.max(1) as f64).ceil();
    cell_parts(s, (sensors, gateways, buckets), &mut parts);
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for c in &s.sensors {
        for g in [
            ("domain", c.domain.as_str()),
            ("district", c.area.as_ref().map_or("", |d| d.name.as_str())),
        ] {
            if !g.1.is_empty() && !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    let series = groups.len() as f64 + 3.0;
    parts.push(Part {
        what: format!(
            "{} time buckets of {} series",
            count(buckets),
            count(series + 1.0)
        ),
        bytes: buckets * (BUCKET_BYTES + series * GROUP_BUCKET_BYTES),
    });
    let flight = in_flight(s);
    parts.push(Part {
        what: format!("{} readings in flight at once", count(flight)),
        bytes: flight * IN_FLIGHT_BYTES,
    });
    parts.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    let access_only =
        sensors * (SENSOR_BYTES - CORE_SENSOR_BYTES) + lora + flight * IN_FLIGHT_BYTES;
    (Estimate { parts }, access_only)
}

/// As [`estimate`], for a run on its own that may run in parts at once
/// (`run::run_single`): where it does, the core holds a copy of the city without the
/// sensors' radio, traffic, energy and mobility state, and each part of the access side
/// beyond the first ([`access_groups`]) such a copy (less the fixed tables) and, at most,
/// that state again (the
/// readings in flight are in one part or another).
pub fn estimate_split(s: &Scenario) -> Estimate {
    let (mut e, access_only) = estimate_parts(s);
    if !runs_in_parts(s) {
        return e;
    }
    let copy = e.bytes() - access_only;
    e.parts.push(Part {
        what: "the core's copy of the city, for a run in parts".into(),
        bytes: copy,
    });
    let more = access_groups(s).len() - 1;
    if more > 0 {
        let sensors: f64 = s.sensors.iter().map(|c| f64::from(c.count)).sum();
        e.parts.push(Part {
            what: format!(
                "{more} more {} of the city, for the parts of the access side",
                if more == 1 { "copy" } else { "copies" }
            ),
            bytes: more as f64
                * (copy - FIXED_BYTES + sensors * (SENSOR_BYTES - CORE_SENSOR_BYTES)),
        });
    }
    e.parts.sort_by(|a, b| b.bytes.total_cmp(&a.bytes));
    e
}

/// Whether the core of a run in parts has work (`run::run_single`): some link leads from
/// a gateway group to a node that is not a sink, which then serves readings. (Readings
/// reaching a steady sink straight from a gateway are delivered at once, leaving the
/// core nothing to do; the results are the same either way.)
pub fn core_has_work(s: &Scenario) -> bool {
    s.links
        .iter()
        .any(|l| matches!(l.from, crate::scenario::Endpoint::Gateways(_)) && !s.nodes[l.to].sink)
}

/// Whether a run on its own of `s` may run in parts at once (`run::run_single`): its
/// core has work ([`core_has_work`]) or its access side falls into more than one group
/// of networks ([`access_groups`]).
pub fn runs_in_parts(s: &Scenario) -> bool {
    core_has_work(s) || access_groups(s).len() > 1
}

/// The groups of access networks (indices into `s.access`) that a run on its own may
/// simulate apart, each on its own thread (`run::run_single`), with their sensors and
/// gateways: networks that share a gateway group stay together (they meet in its queue),
/// and so do all LoRa networks (they share one table of gateway channels) and all mesh
/// networks (one table of mesh channels). Only networks that some sensor class uses
/// count; the rest join the first group. Groups are in the order of their first
/// network; an empty scenario gives one group.
pub fn access_groups(s: &Scenario) -> Vec<Vec<usize>> {
    let n = s.access.len();
    let mut up: Vec<usize> = (0..n).collect();
    fn root(up: &mut [usize], mut a: usize) -> usize {
        while up[a] != a {
            up[a] = up[up[a]];
            a = up[a];
        }
        a
    }
    let mut join = |a: usize, b: usize| {
        let (ra, rb) = (root(&mut up, a), root(&mut up, b));
        up[ra.max(rb)] = ra.min(rb);
    };
    for g in &s.gateways {
        for w in g.access.windows(2) {
            join(w[0], w[1]);
        }
    }
    let same = |f: &dyn Fn(usize) -> bool| (0..n).filter(|&a| f(a)).collect::<Vec<_>>();
    for kind in [
        same(&|a| s.access[a].lora().is_some()),
        same(&|a| s.access[a].mesh().is_some()),
    ] {
        for w in kind.windows(2) {
            join(w[0], w[1]);
        }
    }
    let used: Vec<bool> = (0..n)
        .map(|a| s.sensors.iter().any(|c| c.access == a))
        .collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut of_root = vec![usize::MAX; n];
    for a in 0..n {
        let r = root(&mut up, a);
        if !(0..n).any(|b| used[b] && root(&mut up, b) == r) {
            continue;
        }
        if of_root[r] == usize::MAX {
            of_root[r] = groups.len();
            groups.push(Vec::new());
        }
        groups[of_root[r]].push(a);
    }
    if groups.is_empty() {
        groups.push(Vec::new());
    }
    for a in 0..n {
        if of_root[root(&mut up, a)] == usize::MAX {
            groups[0].push(a);
        }
    }
    groups[0].sort_unstable();
    groups
}

/// The LoRa and mesh links in range, per access network; returns the LoRa parts' bytes.
fn link_parts(s: &Scenario, parts: &mut Vec<Part>) -> f64 {
    let mut lora = 0.0;
    let area = s.city.width_m * s.city.height_m;
    // Of `k` nodes spread over the city, how many a node at range `r` reaches.
    let reach = |k: f64, r: f64| k * (std::f64::consts::PI * r * r / area).min(1.0);
    for (a, acc) in s.access.iter().enumerate() {
        let serving: f64 = s
            .gateways
            .iter()
            .filter(|g| g.access.contains(&a))
            .map(|g| f64::from(g.count))
            .sum();
        if let Some(l) = acc.lora() {
            let users: f64 = s
                .sensors
                .iter()
                .filter(|c| c.access == a)
                .map(|c| f64::from(c.count))
                .sum();
            // A sensor keeps the gateways whose power reaches it above the floor,
            // shadowing drawn per link: within range, those the chance favours.
            let links = users * serving * (LoraNet::link_area_m2(l, 12) / area).min(1.0);
            lora += users * LORA_SENSOR_BYTES + links * LORA_LINK_BYTES;
            parts.push(Part {
                what: format!("the LoRa state of {} sensors", count(users)),
                bytes: users * LORA_SENSOR_BYTES,
            });
            parts.push(Part {
                what: format!(
                    "{} LoRa links of \"{}\" (sensor to gateway in range)",
                    count(links),
                    acc.name
                ),
                bytes: links * LORA_LINK_BYTES,
            });
        }
        if let Some(m) = acc.mesh() {
            let infra: f64 = serving
                + s.relays
                    .iter()
                    .filter(|r| r.access == a)
                    .map(|r| f64::from(r.count))
                    .sum::<f64>();
            let links = infra * reach(infra, MeshNet::range_m(m));
            parts.push(Part {
                what: format!(
                    "{} mesh links of \"{}\" (relay to relay in range)",
                    count(links),
                    acc.name
                ),
                bytes: links * MESH_LINK_BYTES,
            });
        }
    }
    if lora > 0.0 {
        // The air's table: every backbone element has a slot per channel of the
        // widest LoRa network.
        let channels = (s.access.iter())
            .filter_map(|a| a.lora().map(|l| f64::from(l.channels)))
            .fold(0.0, f64::max);
        let relays: f64 = s.relays.iter().map(|r| f64::from(r.count)).sum();
        let gateways: f64 = s.gateways.iter().map(|g| f64::from(g.count)).sum();
        let slots = (gateways + relays + s.nodes.len() as f64) * channels;
        parts.push(Part {
            what: format!("the LoRa air ({} gateway channels)", count(slots)),
            bytes: slots * LORA_SLOT_BYTES,
        });
    }
    lora
}

/// NB-IoT and LTE-M devices and cells, when some class uses them: `counts` are the
/// sensors, gateways and time buckets.
fn cell_parts(s: &Scenario, (sensors, gateways, buckets): (f64, f64, f64), parts: &mut Vec<Part>) {
    let radio = |a: usize| s.access[a].cellular().is_some_and(|c| c.radio.is_some());
    if !s.sensors.iter().any(|c| radio(c.access)) {
        return;
    }
    let carriers = (0..s.access.len()).filter(|&a| radio(a)).count() as f64;
    let cells: f64 = s
        .gateways
        .iter()
        .map(|g| f64::from(g.count) * g.access.iter().filter(|&&a| radio(a)).count() as f64)
        .sum();
    let slots = (gateways + s.nodes.len() as f64) * carriers;
    parts.push(Part {
        what: format!("{} NB-IoT and LTE-M cells", count(cells)),
        bytes: slots * CELL_BYTES
            + cells * buckets * CELL_BUCKET_BYTES
            + 3.0 * CLASS_BYTES
            + sensors * CELL_DEVICE_BYTES,
    });
}

/// Readings alive at once, at most: by Little's law the reading rate times the time a
/// reading spends on its way (three times the sum of every mean latency and service
/// time it may meet, for queueing and heavy tails, plus a second), and every reading
/// of the run when some gateway group is offered more than it can serve and its queue
/// has no bound (it only grows), or a latency has no finite mean.
fn in_flight(s: &Scenario) -> f64 {
    let rate_of = |c: &crate::scenario::SensorClass| {
        f64::from(c.count) * c.traffic.mean_rate_per_s().max(0.0)
    };
    let rate: f64 = s.sensors.iter().map(rate_of).sum();
    let all = s.expected_readings();
    let access_s = s
        .access
        .iter()
        .map(|a| a.latency.mean_ns())
        .fold(0.0, f64::max);
    let links_s: f64 = s.links.iter().map(|l| l.latency.mean_ns()).sum();
    // A cell's own delay: an abstract cell's wake-up; NB-IoT's and LTE-M's slowest
    // level's random-access period and connection setup.
    let cell_ns = s
        .access
        .iter()
        .filter_map(|a| a.cellular())
        .map(|c| match &c.radio {
            Some(r) => r
                .levels
                .iter()
                .map(|l| (l.ra_period_ns + l.setup_ns) as f64)
                .fold(0.0, f64::max),
            None => c.wake_up_ns as f64,
        })
        .fold(0.0, f64::max);
    let (mut service_s, mut queued) = (0.0, 0.0);
    for g in &s.gateways {
        let Some(service) = &g.service else { continue };
        let mean_s = service.mean_ns() / 1e9;
        service_s += mean_s;
        let offered: f64 = s
            .sensors
            .iter()
            .filter(|c| g.access.contains(&c.access))
            .map(rate_of)
            .sum();
        if offered * mean_s >= f64::from(g.count) * f64::from(g.servers.max(1)) {
            match g.queue {
                Some(q) => queued += f64::from(g.count) * f64::from(q),
                None => return all,
            }
        }
    }
    let path_s = (access_s + links_s + cell_ns) / 1e9 + service_s;
    if !path_s.is_finite() {
        return all;
    }
    // An incident's alarms come all at once: those within the time a reading is on its
    // way of each other are in flight together (every sensor of its classes, at most).
    let alarms: f64 = s
        .incidents
        .iter()
        .filter_map(|i| {
            let spread_s = i.alarm_spread_ns? as f64 / 1e9;
            let sensors: f64 = i
                .classes
                .iter()
                .map(|&c| f64::from(s.sensors[c].count))
                .sum();
            Some(sensors * ((3.0 * path_s + 1.0) / spread_s.max(1e-9)).min(1.0))
        })
        .sum();
    all.min(rate * (3.0 * path_s + 1.0) + queued + alarms)
}

/// Memory this process may still take, bytes: the least of the machine's available
/// memory (`MemAvailable`), the room left under its control group's limit and its
/// address-space limit. `None` where none of them can be read.
pub fn available_bytes() -> Option<f64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(|t| {
        let line = t.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024.0)
    });
    let read = |p: &str| -> Option<f64> { std::fs::read_to_string(p).ok()?.trim().parse().ok() };
    let cgroup = read("/sys/fs/cgroup/memory.max")
        .map(|max| max - read("/sys/fs/cgroup/memory.current").unwrap_or(0.0));
    let cgroup_v1 = read("/sys/fs/cgroup/memory/memory.limit_in_bytes")
        .map(|max| max - read("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0.0));
    let rlimit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("Max address space"))?;
            line.split_whitespace().nth(3)?.parse::<f64>().ok()
        });
    [available, cgroup, cgroup_v1, rlimit]
        .into_iter()
        .flatten()
        .reduce(f64::min)
}

/// The share of the available memory a command uses by default.
pub const DEFAULT_SHARE: f64 = 0.8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_person_writes_them() {
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1.5e6), "1.5 MB");
        assert_eq!(human_bytes(3.14e9), "3.1 GB");
        assert_eq!(human_bytes(250e9), "250 GB");
        assert_eq!(count(1234567.0), "1,234,567");
        assert_eq!(count(12.0), "12");
    }

    #[test]
    fn the_machine_has_some_memory_left() {
        let b = available_bytes().expect("Linux says how much memory is available");
        assert!(b > 1e6, "{b}");
    }
}

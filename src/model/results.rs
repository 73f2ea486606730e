//! Closing the books: the run's results from the city's state.

use super::*;
use crate::metrics::{LoraLoad, SfResult};

impl City {
    /// Sensors per (cell, class) on a grid of `cell` metres, for the city map.
    pub(crate) fn density_map(&self, cell: f64) -> Vec<(u32, u32, u16, u32)> {
        let mut counts: std::collections::BTreeMap<(u32, u32, u16), u32> = Default::default();
        for (s, &(x, y)) in self.sensors.pos.iter().enumerate() {
            let key = (
                (x as f64 / cell) as u32,
                (y as f64 / cell) as u32,
                self.class_of(s),
            );
            *counts.entry(key).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|((x, y, c), n)| (x, y, c, n))
            .collect()
    }

    /// Every relay's position, links, route and load.
    pub(crate) fn relay_results(&self, scenario: &Scenario) -> Vec<RelayResult> {
        let mut names = Vec::new();
        for g in &scenario.relays {
            for i in 0..g.count {
                names.push((format!("{}-{i}", g.name), g));
            }
        }
        self.mesh
            .relay_at
            .iter()
            .zip(names)
            .map(|(at, (name, group))| {
                let net = self.access[at.access as usize].mesh();
                let i = at.node as usize;
                let mut st = net.stats[i];
                // An interval without a route (or down) still open at the end ends there.
                let (end, warmup) = (
                    scenario.simulation.duration_ns,
                    scenario.simulation.warmup_ns,
                );
                st.route_lost(false, end, warmup);
                st.went_down(false, end, warmup);
                let measured_s = end.saturating_sub(warmup) as f64 * 1e-9;
                let tx_s = st.tx_ns as f64 * 1e-9;
                let up_s = measured_s - st.down_ns as f64 * 1e-9;
                let listen_s = (up_s - tx_s).max(0.0);
                let charge_c = net.cfg.tx_a * tx_s + net.cfg.rx_a * listen_s;
                let battery_life_s = group
                    .battery_c
                    .filter(|_| charge_c > 0.0)
                    .map(|b| b / (charge_c / measured_s));
                RelayResult {
                    name,
                    group: group.name.clone(),
                    position: (f64::from(net.pos[i].0), f64::from(net.pos[i].1)),
                    neighbours: net.neighbours(i),
                    hops: net.hops(i),
                    received: st.received,
                    forwarded: st.forwarded,
                    overflow: st.overflow,
                    peak_queue: st.peak,
                    route_changes: st.route_changes,
                    control_sent: st.control,
                    suppressed: st.suppressed,
                    no_route_s: st.no_route_ns as f64 * 1e-9,
                    tx_s,
                    listen_s,
                    charge_c,
                    battery_life_s,
                }
            })
            .collect()
    }

    /// Closes the books at `end` and returns what was measured. `readings[s]` is the
    /// number of readings sensor `s` took (from its pending reading event).
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        mut self,
        scenario: &Scenario,
        replication: u32,
        end: u64,
        events: u64,
        wall_s: f64,
        readings: &[u32],
        per_sensor: bool,
    ) -> RunResult {
        let (energy, records) = self.closing_records(readings, end, per_sensor);
        // The map grid: 64 cells along the longer side of the city.
        let map_cell = scenario.city.width_m.max(scenario.city.height_m) / 64.0;
        self.close_stations(end);
        let (gateways, nodes) = self.element_results(scenario);
        let geo = self.geo_results(scenario, &records);
        let sensor_records = if per_sensor { records } else { Vec::new() };
        RunResult {
            scenario: scenario.name.clone(),
            replication,
            seed: scenario.simulation.seed,
            duration_ns: scenario.simulation.duration_ns,
            warmup_ns: self.warmup,
            bucket_ns: self.rec.bucket_ns,
            priorities: self.rec.prio.to_vec(),
            relays: self.relay_results(scenario),
            cells: self.cell_results(end),
            coverage: if self.cell.dev.is_empty() {
                Vec::new()
            } else {
                self.cell.levels.to_vec()
            },
            classes: self
                .classes
                .iter()
                .zip(&self.rec.flows)
                .zip(energy)
                .map(|((c, f), energy)| ClassResult {
                    name: c.name.clone(),
                    domain: c.domain.clone(),
                    district: c.district.clone(),
                    sensors: c.sensors,
                    flow: f.clone(),
                    energy,
                })
                .collect(),
            gateways,
            nodes,
            links: self
                .backbone
                .links
                .iter()
                .map(|l| ElementResult {
                    name: l.name.clone(),
                    group: l.group.clone(),
                    position: None,
                    sensors: 0,
                    servers: 1,
                    stats: l.station.stats.clone(),
                    downlinks: 0,
                    lora: None,
                })
                .collect(),
            buckets: std::mem::take(&mut self.rec.buckets),
            groups: std::mem::take(&mut self.rec.groups),
            map: self.density_map(map_cell),
            map_cell_m: map_cell,
            sensors: sensor_records,
            lora: self.sf_results(scenario, end),
            geo,
            events,
            wall_s,
        }
    }

    /// Brings every station's time integrals to `end`.
    fn close_stations(&mut self, end: u64) {
        for el in &mut self.backbone.elements {
            // What went ahead ended within the run: settle it.
            el.station.settle(end, self.warmup);
            el.station.integrate(end, self.warmup);
        }
        for l in &mut self.backbone.links {
            // What went ahead ended within the run: settle it.
            l.station.settle(end, self.warmup);
            l.station.integrate(end, self.warmup);
        }
    }

    /// Energy per class, and the records of every sensor (`per_sensor`) or of a sample
    /// for the map's sensor layer (every k-th sensor).
    fn closing_records(
        &mut self,
        readings: &[u32],
        end: u64,
        per_sensor: bool,
    ) -> (Vec<Option<ClassEnergy>>, Vec<SensorRecord>) {
        let stride = match (per_sensor, &self.rec.zones) {
            (true, _) => 1,
            (false, Some(z)) => {
                z.of.len()
                    .div_ceil(crate::metrics::geo::SENSOR_SAMPLE)
                    .max(1)
            }
            (false, None) => 0,
        };
        self.energy_results(readings, end as f64 * 1e-9, |s| {
            stride > 0 && s % stride == 0
        })
    }

    /// Gateways (with their LoRa receivers' load) and nodes.
    fn element_results(&self, scenario: &Scenario) -> (Vec<ElementResult>, Vec<ElementResult>) {
        let measured = |ns: u64| ns as f64 * 1e-9;
        let (mut gateways, mut nodes) = (Vec::new(), Vec::new());
        for (g, e) in self.backbone.elements.iter().enumerate() {
            let demodulators = scenario
                .gateways
                .iter()
                .find(|grp| grp.name == e.group)
                .and_then(|grp| grp.access.iter().find_map(|&a| scenario.access[a].lora()))
                .map(|l| l.demodulators);
            let lora = demodulators.map(|demodulators| {
                let (heard, demod) = self.lora.air.load[g];
                let [rx1, rx2] = self.lora.downlink_ns[g];
                LoraLoad {
                    demodulators,
                    heard_s: measured(heard),
                    demodulating_s: measured(demod),
                    downlink_s: [measured(rx1), measured(rx2)],
                }
            });
            let r = ElementResult {
                name: e.name.clone(),
                group: e.group.clone(),
                position: e.position,
                sensors: e.sensors,
                servers: e.station.servers,
                stats: e.station.stats.clone(),
                downlinks: e.downlinks,
                lora: lora.filter(|_| e.position.is_some()),
            };
            if e.position.is_some() {
                gateways.push(r);
            } else {
                nodes.push(r);
            }
        }
        (gateways, nodes)
    }

    /// One row per LoRa access network and spreading factor it may use.
    fn sf_results(&self, scenario: &Scenario, end: u64) -> Vec<SfResult> {
        let mut out = Vec::new();
        let mut sensors = vec![0u64; self.rec.sf.len()];
        let mut time = vec![0.0f64; self.rec.sf.len()];
        for (s, &sf) in self.lora.last_sf.iter().enumerate() {
            let a = self.classes[self.class_of(s) as usize].access;
            if (7..=12).contains(&sf) {
                sensors[a * 6 + usize::from(sf - 7)] += 1;
                // Time at its SF since the last change (or the warm-up).
                let (now_sf, since) = match self.lora.adr.get(s) {
                    Some(d) if self.adr_class(self.class_of(s) as usize) => (d.now.0, d.since),
                    _ => (sf, 0),
                };
                let t = end.saturating_sub(since.max(self.warmup)) as f64 * 1e-9;
                time[a * 6 + usize::from(now_sf - 7)] += t;
            }
        }
        for (a, acc) in scenario.access.iter().enumerate() {
            let (Some(l), Some(books)) = (acc.lora(), self.rec.sf.get(a * 6..a * 6 + 6)) else {
                continue;
            };
            for (i, b) in books.iter().enumerate() {
                let sf = 7 + i as u8;
                let data_rate = l.region.uplink_dr(sf, l.bw_hz);
                let sensors = sensors[a * 6 + i];
                if data_rate.is_none() && b.frames == 0 && sensors == 0 {
                    continue;
                }
                out.push(SfResult {
                    access: acc.name.clone(),
                    sf,
                    data_rate,
                    sensors,
                    sensor_time_s: b.sensor_time_s + time[a * 6 + i],
                    ..b.clone()
                });
            }
        }
        out
    }
}

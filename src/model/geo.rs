//! Closing the books by place: districts by where sensors stand, gateways by the
//! sensors attached to them, and the sensors of the map's layer.

use super::*;
use crate::metrics::geo::{GeoResult, GeoSensor, ZoneResult};

impl City {
    /// What was counted by place (None unless the scenario has a `crs`). `records`:
    /// the sensors kept for the map's layer.
    pub(crate) fn geo_results(
        &mut self,
        scenario: &Scenario,
        records: &[SensorRecord],
    ) -> Option<GeoResult> {
        let flows = std::mem::take(&mut self.rec.zones.as_mut()?.flows);
        let z = self.rec.zones.as_ref()?;
        let mut zones: Vec<ZoneResult> = scenario
            .districts
            .iter()
            .map(|d| d.name.as_str())
            .chain(std::iter::once(""))
            .zip(flows)
            .map(|(name, flow)| ZoneResult {
                name: name.to_string(),
                sensors: 0,
                flow,
            })
            .collect();
        for &zone in &z.of {
            zones[zone as usize].sensors += 1;
        }
        // Gateways come first among the backbone's elements (those with a position).
        let gateways = self
            .backbone
            .elements
            .iter()
            .filter(|e| e.position.is_some())
            .count();
        let mut gateway_sensors = vec![[0u64; 2]; gateways];
        for (s, &[g, d]) in z.sensor.iter().enumerate() {
            if let Some(acc) = gateway_sensors.get_mut(self.sensors.gateway[s] as usize) {
                acc[0] += u64::from(g);
                acc[1] += u64::from(d);
            }
        }
        let sensors = records
            .iter()
            .map(|r| {
                let s = r.id as usize;
                let [generated, delivered] = z.sensor[s];
                // Only NB-IoT and LTE-M sensors have a device (see `lazy`).
                let loss = (self.cell.dev.get(s))
                    .filter(|d| self.classes[r.class as usize].radio_cell && d.loss_to != u32::MAX);
                let level = loss.and_then(|d| {
                    let net = self.cell_net(r.class);
                    access::cellular::phy::level_of(&net.radio.levels, f64::from(d.loss_db))
                });
                GeoSensor {
                    id: r.id,
                    class: r.class,
                    position: r.position,
                    gateway: r.gateway.clone(),
                    sf: r.sf,
                    coupling_loss_db: loss.map_or(f32::NAN, |d| d.loss_db),
                    coverage_level: level,
                    generated,
                    delivered,
                    lifetime_s: r.lifetime_s,
                }
            })
            .collect();
        Some(GeoResult {
            zones,
            gateway_sensors,
            sensors,
        })
    }
}

/// How far a gateway of access `a` reaches a sensor by the median of its path loss
/// (no shadowing, outdoors), m: LoRa at SF12's sensitivity, NB-IoT and LTE-M at the
/// last coverage level's maximum coupling loss, others at their `range` (None: no
/// limit).
pub(crate) fn reach_m(scenario: &Scenario, a: usize) -> Option<f64> {
    let acc = &scenario.access[a];
    if let Some(l) = acc.lora() {
        let power = l.tx_power_dbm + l.gateway_gain_db - l.gateway_cable_loss_db;
        let budget = power - access::lora::phy::gateway_sensitivity_dbm(12, l.bw_hz);
        return Some(propagation::distance_for(&l.propagation, budget));
    }
    if let Some(radio) = acc.cellular().and_then(|c| c.radio.as_ref()) {
        let max = radio.levels[radio.levels.len() - 1].max_loss_db;
        let budget = max + radio.gateway_gain_db + radio.device_gain_db;
        return Some(propagation::distance_for(&radio.propagation, budget));
    }
    acc.range_m
}

/// Every sensor's position (as the run with replication 0 places it) and class.
pub(crate) fn sensor_positions(scenario: &Scenario) -> Vec<((f32, f32), u16)> {
    let city = City::build(scenario, 0);
    (0..city.sensors.pos.len())
        .map(|s| (city.sensors.pos[s], city.class_of(s)))
        .collect()
}

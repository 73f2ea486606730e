//! What a run on the map measured by place: per district a sensor stands in, per
//! gateway's attached sensors, and per sampled sensor.

use super::Flow;

/// Results by place, for a scenario with a `crs`.
#[derive(Debug, Clone, Default)]
pub struct GeoResult {
    /// Per district (the scenario's order), then the sensors standing in none.
    pub zones: Vec<ZoneResult>,
    /// Per gateway (the order of `RunResult::gateways`): readings counted and delivered
    /// of the sensors attached to it.
    pub gateway_sensors: Vec<[u64; 2]>,
    /// Sensors for the map: a sample (every k-th sensor, at most [`SENSOR_SAMPLE`]), or
    /// all of them with `run --per-sensor`.
    pub sensors: Vec<GeoSensor>,
}

/// How many sensors the map's sensor layer holds without `--per-sensor`.
pub const SENSOR_SAMPLE: usize = 5000;

/// One district's readings, by where their sensors stand.
#[derive(Debug, Clone, Default)]
pub struct ZoneResult {
    /// The district (empty: outside every district).
    pub name: String,
    /// Sensors placed in it.
    pub sensors: u64,
    /// Their readings.
    pub flow: Flow,
}

/// One sensor on the map.
#[derive(Debug, Clone, Default)]
pub struct GeoSensor {
    /// Sensor number (as in `sensors.csv`).
    pub id: u32,
    /// Class index.
    pub class: u16,
    /// Where it stands (mobile sensors: where it last read), m.
    pub position: (f32, f32),
    /// Its gateway's name, empty when unattached.
    pub gateway: String,
    /// Spreading factor of its latest LoRa frame (0: none).
    pub sf: u8,
    /// NB-IoT/LTE-M: its coupling loss to its cell, dB (NaN: none).
    pub coupling_loss_db: f32,
    /// NB-IoT/LTE-M: its coverage level (0 to 2; None: none, or beyond the last).
    pub coverage_level: Option<u8>,
    /// Readings counted (taken after the warm-up).
    pub generated: u32,
    /// Of which delivered.
    pub delivered: u32,
    /// Projected battery life, s (NaN when mains-powered).
    pub lifetime_s: f64,
}

//! Batteries: what a reading costs, when a battery is empty, and projected lifetimes.

use super::*;

/// What a battery-powered class's readings cost.
#[derive(Clone, Copy)]
pub(crate) struct EnergyRt {
    /// Charge per reading besides transmitting, C.
    pub(crate) base_c: f64,
    /// Transmit current, A.
    pub(crate) tx_a: f64,
    /// Time on air per reading, s (None: from the sensor's LoRa spreading factor).
    pub(crate) tx_s: Option<f64>,
    /// Sleep current, A.
    pub(crate) sleep_a: f64,
    /// Battery capacity, C.
    pub(crate) capacity_c: f64,
    /// Supply voltage, V.
    pub(crate) voltage_v: f64,
}

impl EnergyRt {
    /// Charge per reading with `tx_s` seconds on air.
    pub(crate) fn per_reading_c(&self, tx_s: f64) -> f64 {
        self.base_c + self.tx_a * tx_s
    }

    /// Charge used by a sensor that took `readings` readings by time `t_s`, each
    /// costing `per_reading` coulombs.
    pub(crate) fn used_c(&self, per_reading: f64, readings: f64, t_s: f64) -> f64 {
        readings * per_reading + self.sleep_a * t_s
    }
}

/// What battery-powered sensors have sent, where a count does not follow from their
/// reading number alone (empty when there are no incidents or no batteries).
pub(crate) struct EnergyState {
    /// Per sensor.
    pub(crate) sent: Vec<Sent>,
}

/// Readings a battery-powered sensor has paid for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sent {
    /// Own readings taken (its schedule's count).
    pub(crate) own: u32,
    /// Incident readings sent.
    pub(crate) extra: u32,
}

impl City {
    /// Whether sensor `s`'s battery cannot pay for a reading costing `q` coulombs now.
    /// An own reading (`charge`) is number `k + 1` of its schedule; with incidents, the
    /// incident readings it sent so far are added, and an incident reading is charged
    /// on top of the own readings taken so far.
    pub(crate) fn battery_empty(
        &mut self,
        s: usize,
        e: EnergyRt,
        q: f64,
        k: u32,
        charge: bool,
        now: u64,
    ) -> bool {
        let (own, extra) = match self.energy.sent.get_mut(s) {
            Some(sent) => {
                if charge {
                    sent.own = k + 1;
                } else {
                    sent.extra += 1;
                }
                (sent.own, sent.extra)
            }
            None if charge => (k + 1, 0),
            None => return false,
        };
        let readings = f64::from(own) + f64::from(extra);
        let empty = e.used_c(q, readings, now as f64 * 1e-9) > e.capacity_c;
        if empty && !charge {
            // Not sent: not charged.
            if let Some(sent) = self.energy.sent.get_mut(s) {
                sent.extra -= 1;
            }
        }
        empty
    }

    /// Charge per reading of sensor `s` (its own time on air for a LoRa class).
    pub(crate) fn sensor_charge_c(&mut self, s: usize, class: u16) -> Option<f64> {
        let e = self.classes[class as usize].energy?;
        let tx_s = match e.tx_s {
            Some(t) => t,
            None => {
                let (access, payload) = (
                    self.classes[class as usize].access,
                    self.classes[class as usize].payload,
                );
                let sf = self.lora_links(s, access).sf;
                self.access[access].lora().uplink_s(sf, payload)
            }
        };
        Some(e.per_reading_c(tx_s))
    }

    /// Energy of each battery-powered class, and per-sensor records when asked for.
    /// `readings[s]` is the number of readings sensor `s` took over the run.
    pub(crate) fn energy_results(
        &mut self,
        readings: &[u32],
        t_s: f64,
        per_sensor: bool,
    ) -> (Vec<Option<ClassEnergy>>, Vec<SensorRecord>) {
        let mut lifetimes: Vec<Vec<f64>> = vec![Vec::new(); self.classes.len()];
        let mut energy_sum = vec![0.0; self.classes.len()];
        let mut depleted = vec![0u64; self.classes.len()];
        let mut records = Vec::new();
        for (s, &k) in readings.iter().enumerate() {
            let k = k.saturating_add(self.energy.sent.get(s).map_or(0, |x| x.extra));
            let c = self.class_of(s) as usize;
            let q = self.sensor_charge_c(s, c as u16);
            let (energy_j, lifetime_s) = match (self.classes[c].energy, q) {
                (Some(e), Some(q)) => {
                    let used = e.used_c(q, f64::from(k), t_s);
                    if used >= e.capacity_c {
                        depleted[c] += 1;
                    }
                    // Projected life at the sensor's observed mean current.
                    let mean_a = e.sleep_a + q * f64::from(k) / t_s;
                    let life = e.capacity_c / mean_a;
                    lifetimes[c].push(life);
                    let j = used.min(e.capacity_c) * e.voltage_v;
                    energy_sum[c] += j;
                    (j, life)
                }
                _ => (f64::NAN, f64::NAN),
            };
            if per_sensor {
                let gw = self.sensors.gateway[s];
                records.push(SensorRecord {
                    class: c as u16,
                    position: self.sensors.pos[s],
                    gateway: if gw == NONE {
                        String::new()
                    } else {
                        self.backbone.elements[gw as usize].name.clone()
                    },
                    readings: u64::from(k),
                    energy_j,
                    lifetime_s,
                });
            }
        }
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(c, rt)| {
                rt.energy?;
                let mut l = std::mem::take(&mut lifetimes[c]);
                if l.is_empty() {
                    return None;
                }
                l.sort_by(|a, b| a.partial_cmp(b).expect("finite lifetimes"));
                let p5 = l[((l.len() - 1) as f64 * 0.05).round() as usize];
                Some(ClassEnergy {
                    energy_mean_j: energy_sum[c] / l.len() as f64,
                    lifetime_mean_s: l.iter().sum::<f64>() / l.len() as f64,
                    lifetime_p5_s: p5,
                    depleted: depleted[c],
                })
            })
            .collect();
        (classes, records)
    }
}

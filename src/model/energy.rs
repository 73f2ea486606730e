//! Batteries: what a reading costs, when a battery is empty, and projected lifetimes.

use super::*;

/// What a battery-powered class's readings cost.
#[derive(Clone, Copy)]
pub(crate) struct EnergyRt {
    /// Charge per reading besides transmitting (a LoRa class: besides the radio), C.
    pub(crate) base_c: f64,
    /// Transmit current, A.
    pub(crate) tx_a: f64,
    /// Receive current, A.
    pub(crate) rx_a: f64,
    /// How long each receive window stays open when nothing comes, s (None: a LoRa
    /// receiver's preamble detection time).
    pub(crate) rx_s: Option<f64>,
    /// Time on air per reading, s (None: from the sensor's LoRa spreading factor).
    pub(crate) tx_s: Option<f64>,
    /// Sleep current, A.
    pub(crate) sleep_a: f64,
    /// Self-discharge as a steady current, A.
    pub(crate) leak_a: f64,
    /// The cell's shelf life, s: no projected lifetime is longer.
    pub(crate) shelf_life_s: f64,
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
        readings * per_reading + (self.sleep_a + self.leak_a) * t_s
    }
}

/// What battery-powered sensors have sent, where a count does not follow from their
/// reading number alone.
pub(crate) struct EnergyState {
    /// Per sensor (empty when there are no incidents or no batteries).
    pub(crate) sent: Vec<Sent>,
    /// Per sensor: charge its LoRa radio has drawn, transmitting and listening, C
    /// (empty when no LoRa class has a battery).
    pub(crate) radio_c: Vec<f64>,
}

/// Readings a battery-powered sensor has paid for.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sent {
    /// Own readings taken (its schedule's count).
    pub(crate) own: u32,
    /// Incident readings sent.
    pub(crate) extra: u32,
}

// SAFETY: integers.
unsafe impl crate::model::lazy::Zeroable for Sent {}

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
        let radio = self.energy.radio_c.get(s).copied().unwrap_or(0.0);
        let empty = e.used_c(q, readings, now as f64 * 1e-9) + radio > e.capacity_c;
        if empty && !charge {
            // Not sent: not charged.
            if let Some(sent) = self.energy.sent.get_mut(s) {
                sent.extra -= 1;
            }
        }
        empty
    }

    /// Sensor `s`'s LoRa radio transmits `tx_s` and listens `rx_s` seconds: its battery
    /// pays for them.
    pub(crate) fn charge_radio(&mut self, s: usize, tx_s: f64, rx_s: f64) {
        if let Some(q) = self.energy.radio_c.get_mut(s) {
            if let Some(e) = self.classes[self.sensors.class_of(s) as usize].energy {
                *q += e.tx_a * tx_s + e.rx_a * rx_s;
            }
        }
    }

    /// Sensor `s`'s radio draws `q` coulombs (negative: a refund of time it did not
    /// spend in a state it was charged for).
    /// (A sensor of a class without a battery may be charged too: its count is never
    /// read.)
    pub(crate) fn charge_radio_c(&mut self, s: usize, q: f64) {
        if let Some(c) = self.energy.radio_c.get_mut(s) {
            *c += q;
        }
    }

    /// Energy of each battery-powered class, and per-sensor records when asked for.
    /// `readings[s]` is the number of readings sensor `s` took over the run.
    pub(crate) fn energy_results(
        &mut self,
        readings: &[u32],
        t_s: f64,
        keep: impl Fn(usize) -> bool,
    ) -> (Vec<Option<ClassEnergy>>, Vec<SensorRecord>) {
        let mut lifetimes: Vec<Vec<f64>> = vec![Vec::new(); self.classes.len()];
        let mut energy_sum = vec![0.0; self.classes.len()];
        let mut depleted = vec![0u64; self.classes.len()];
        let mut at_shelf = vec![0u64; self.classes.len()];
        let mut records = Vec::new();
        for (s, &k) in readings.iter().enumerate() {
            let k = k.saturating_add(self.energy.sent.get(s).map_or(0, |x| x.extra));
            let c = self.class_of(s) as usize;
            let radio = self.energy.radio_c.get(s).copied().unwrap_or(0.0);
            let (energy_j, lifetime_s) = match self.classes[c].energy {
                Some(e) => {
                    let q = e.per_reading_c(e.tx_s.unwrap_or(0.0));
                    let used = e.used_c(q, f64::from(k), t_s) + radio;
                    if used >= e.capacity_c {
                        depleted[c] += 1;
                    }
                    // Projected life at the sensor's observed mean current.
                    // Self-discharge included; never beyond the cell's shelf life.
                    let mean_a = e.sleep_a + e.leak_a + (q * f64::from(k) + radio) / t_s;
                    let projected = e.capacity_c / mean_a;
                    if projected > e.shelf_life_s {
                        at_shelf[c] += 1;
                    }
                    let life = projected.min(e.shelf_life_s);
                    lifetimes[c].push(life);
                    let j = used.min(e.capacity_c) * e.voltage_v;
                    energy_sum[c] += j;
                    (j, life)
                }
                None => (f64::NAN, f64::NAN),
            };
            if keep(s) {
                let gw = self.sensors.gateway[s];
                records.push(SensorRecord {
                    id: s as u32,
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
                    sf: self.lora.last_sf.get(s).copied().unwrap_or(0),
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
                    at_shelf_life: at_shelf[c],
                })
            })
            .collect();
        (classes, records)
    }
}

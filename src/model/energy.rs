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

/// What battery-powered sensors have spent, where it does not follow from their
/// reading number alone.
pub(crate) struct EnergyState {
    /// Per sensor (empty when no class has a battery that incident readings or a
    /// radio's time draw on). An NB-IoT or LTE-M device keeps its account with its
    /// device's state instead ([`crate::model::access::cellular::Device`]): one place
    /// in memory per reading at a million sensors, not two.
    pub(crate) accounts: Vec<Account>,
}

/// A battery-powered sensor's account: what its radio drew, and the readings it paid
/// for. One record, so that a reading finds both in one place in memory.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Account {
    /// Charge its radio has drawn (transmitting, listening, idle), C.
    pub(crate) radio_c: f64,
    /// Own readings taken (its schedule's count).
    pub(crate) own: u32,
    /// Incident readings sent.
    pub(crate) extra: u32,
}

// SAFETY: integers and a float.
unsafe impl crate::model::lazy::Zeroable for Account {}

impl City {
    /// Sensor `s`'s account: with its NB-IoT or LTE-M device when `cell` (its class
    /// uses such a network), else among the others (None: no account is kept).
    #[inline]
    fn account(&mut self, s: usize, cell: bool) -> Option<&mut Account> {
        if cell {
            self.cell.dev.get_mut(s).map(|d| &mut d.account)
        } else {
            self.energy.accounts.get_mut(s)
        }
    }

    /// Whether sensor `s` (of class `class`)'s battery cannot pay for a reading
    /// costing `q` coulombs now. An own reading (`charge`) is number `k + 1` of its
    /// schedule; with incidents, the incident readings it sent so far are added, and
    /// an incident reading is charged on top of the own readings taken so far.
    pub(crate) fn battery_empty(
        &mut self,
        (s, class): (usize, u16),
        e: EnergyRt,
        q: f64,
        k: u32,
        charge: bool,
        now: u64,
    ) -> bool {
        let cell = self.classes[class as usize].radio_cell;
        let (own, extra, radio) = match self.account(s, cell) {
            Some(a) => {
                if charge {
                    a.own = k + 1;
                } else {
                    a.extra += 1;
                }
                (a.own, a.extra, a.radio_c)
            }
            None if charge => (k + 1, 0, 0.0),
            None => return false,
        };
        let readings = f64::from(own) + f64::from(extra);
        let empty = e.used_c(q, readings, now as f64 * 1e-9) + radio > e.capacity_c;
        if empty && !charge {
            // Not sent: not charged.
            if let Some(a) = self.account(s, cell) {
                a.extra -= 1;
            }
        }
        empty
    }

    /// Sensor `s`'s LoRa or mesh radio transmits `tx_s` and listens `rx_s` seconds: its
    /// battery pays for them.
    pub(crate) fn charge_radio(&mut self, s: usize, tx_s: f64, rx_s: f64) {
        if let Some(a) = self.energy.accounts.get_mut(s) {
            if let Some(e) = self.classes[self.sensors.class_of(s) as usize].energy {
                a.radio_c += e.tx_a * tx_s + e.rx_a * rx_s;
            }
        }
    }

    /// NB-IoT or LTE-M device `s`'s radio draws `q` coulombs (negative: a refund of
    /// time it did not spend in a state it was charged for).
    /// (A device of a class without a battery is charged too: its count is never
    /// read.)
    pub(crate) fn charge_cell_radio_c(&mut self, s: usize, q: f64) {
        if let Some(d) = self.cell.dev.get_mut(s) {
            d.account.radio_c += q;
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
            let c = self.class_of(s) as usize;
            let account = self.account(s, self.classes[c].radio_cell).copied();
            let k = k.saturating_add(account.map_or(0, |a| a.extra));
            let radio = account.map_or(0.0, |a| a.radio_c);
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

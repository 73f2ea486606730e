//! LoRa star access: links, spreading factors, the duty cycle and a reading's way onto the air.

pub(crate) mod air;
pub(crate) mod mac;
pub(crate) mod phy;

use crate::model::*;
use rand::Rng;

impl City {
    /// The gateways that hear sensor `s` (into `scratch_links`) and its spreading factor.
    pub(crate) fn lora_links(&mut self, s: usize, access: usize) -> u8 {
        let class = self.class_of(s) as usize;
        let net = self.lora[access].as_ref().expect("a LoRa access");
        let still = self.classes[class].mobility.is_none();
        match self.s_links.get(s).copied() {
            // A sensor that stays put hears the same gateways all run long: computed
            // once, then copied from the arena.
            Some((start, len)) if still && start != u32::MAX => {
                let (a, b) = (start as usize, start as usize + len as usize);
                self.scratch_links.clear();
                self.scratch_links.extend_from_slice(&self.link_arena[a..b]);
            }
            _ => {
                net.links(
                    self.seed,
                    self.replication,
                    s,
                    self.s_pos[s],
                    &mut self.scratch_ids,
                    &mut self.scratch_links,
                );
                if still && s < self.s_links.len() && self.scratch_links.len() < 1 << 16 {
                    let start = self.link_arena.len();
                    if start + self.scratch_links.len() < u32::MAX as usize {
                        self.link_arena.extend_from_slice(&self.scratch_links);
                        self.s_links[s] = (start as u32, self.scratch_links.len() as u16);
                    }
                }
            }
        }
        let c = &self.classes[class];
        let class_sf = match &c.sf_each {
            Some(v) => {
                let first = if class == 0 {
                    0
                } else {
                    self.class_end[class - 1] as usize
                };
                match v[s - first] {
                    0 => Some(None),
                    sf => Some(Some(sf)),
                }
            }
            None => c.sf,
        };
        net.spreading_factor(&self.scratch_links, class_sf)
    }

    /// A reading of a sensor on a LoRa access: battery, range, duty cycle, transmission.
    pub(crate) fn lora_reading<Q: EventQueue<Event>>(
        &mut self,
        s: usize,
        k: u32,
        (charge, prio): (bool, u8),
        rng: &mut Stream,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let class = self.class_of(s);
        let counted = now >= self.warmup;
        let (access, payload) = (
            self.classes[class as usize].access,
            self.classes[class as usize].payload,
        );
        let sf = self.lora_links(s, access);
        let net = self.lora[access].as_ref().expect("a LoRa access");
        let toa_s = net.tx(sf).time_on_air_s(payload);
        let (duty, duty_drop) = (net.duty_cycle, net.duty_cycle_drop);
        if let Some(e) = self.classes[class as usize].energy {
            let q = e.per_reading_c(toa_s);
            if self.battery_empty(s, e, q, k, charge, now) {
                self.count_drop(class, counted, DropCause::Battery, now);
                return;
            }
        }
        if self.scratch_links.is_empty() {
            self.count_drop(class, counted, DropCause::OutOfRange, now);
            return;
        }
        let loss = self.access[access].loss;
        if loss > 0.0 && rng.random::<f64>() < loss {
            self.count_drop(class, counted, DropCause::LinkLoss, now);
            return;
        }
        let mut at = now;
        if let Some(dc) = duty {
            // After a frame of T seconds a device stays silent T (1/dc - 1) seconds.
            let allowed = self.s_next_tx[s];
            if allowed > now {
                if duty_drop {
                    self.count_drop(class, counted, DropCause::DutyCycle, now);
                    return;
                }
                at = allowed;
            }
            self.s_next_tx[s] = at + (toa_s / dc * 1e9).round() as u64;
        }
        let pkt = self.alloc(Packet::new(now, payload, s as u32, class, counted, prio));
        if at > now {
            sched.schedule_at(
                SimTime(at),
                Event::Transmit {
                    sensor: s as u32,
                    pkt,
                    k,
                },
            );
        } else {
            self.transmit_linked(s as u32, pkt, k, sf, sched);
        }
    }
}

//! Adaptive data rate: the network server's algorithm (Semtech's recommended one) and
//! the device's back-off when it hears nothing (LoRaWAN L2 1.0.4, section 4.3.1.1).
//!
//! The server keeps the link margin of a device's last 20 uplinks (the best gateway's
//! received power less its sensitivity at the uplink's SF, which is the SNR above the
//! demodulation floor). With 20 of them it takes the largest, less the installation
//! margin, in steps of 3 dB: each step first raises the data rate (one SF lower, down to
//! SF7), then lowers the transmit power by 2 dB (down to the region's lowest); a
//! negative margin raises the power back. A change rides on the next downlink to the
//! device (the acknowledgement of a confirmed uplink, or a downlink of its own), and
//! the history starts again at the new settings. A device that has heard no downlink for
//! ADR_ACK_LIMIT uplinks asks for one; ADR_ACK_DELAY uplinks later it goes back to full
//! power, then one data rate lower every ADR_ACK_DELAY uplinks.

use crate::model::*;

/// Uplinks the server's decision looks back on (Semtech's algorithm).
pub(crate) const HISTORY: usize = 20;
/// ADR_ACK_LIMIT (RP002-1.0.4, every region).
pub(crate) const ACK_LIMIT: u16 = 64;
/// ADR_ACK_DELAY (RP002-1.0.4, every region).
pub(crate) const ACK_DELAY: u16 = 32;
/// One step of the server's margin, dB.
const STEP_DB: f64 = 3.0;

/// A device's settings: its SF and its power below the maximum in 2 dB steps.
pub(crate) type Setting = (u8, u8);

/// What one ADR device, and the network server about it, keep.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AdrDevice {
    /// The settings it sends with.
    pub(crate) now: Setting,
    /// Uplinks since the last downlink it heard (ADR_ACK_CNT).
    ack_cnt: u16,
    /// The server's margins of its last uplinks at these settings, dB.
    history: [f32; HISTORY],
    /// How many of `history` are filled.
    len: u8,
    /// A change waiting for a downlink.
    pub(crate) pending: Option<Setting>,
    /// When its SF last changed, ns.
    pub(crate) since: u64,
}

impl AdrDevice {
    /// A device that joined at SF12 and full power.
    pub(crate) const JOINED: AdrDevice = AdrDevice {
        now: (12, 0),
        ack_cnt: 0,
        history: [0.0; HISTORY],
        len: 0,
        pending: None,
        since: 0,
    };

    /// The device sends an uplink: it counts it, backs off after too long without a
    /// downlink, and says whether it asks the server for one (ADRACKReq). Returns
    /// the SF it left when it backed off.
    pub(crate) fn uplink(&mut self) -> (bool, Option<u8>) {
        self.ack_cnt = self.ack_cnt.saturating_add(1);
        let mut left = None;
        let over = self.ack_cnt.saturating_sub(ACK_LIMIT);
        if over > 0 && over % ACK_DELAY == 0 {
            if self.now.1 > 0 {
                self.now.1 = 0;
            } else if self.now.0 < 12 {
                left = Some(self.now.0);
                self.now.0 += 1;
            }
            self.len = 0;
        }
        (self.ack_cnt >= ACK_LIMIT, left)
    }

    /// Whether its last uplink asked for a downlink (ADRACKReq).
    pub(crate) fn uplink_asks(&self) -> bool {
        self.ack_cnt >= ACK_LIMIT
    }

    /// The server receives an uplink with `margin_db`: returns whether it has a change
    /// for the device (Semtech's algorithm over the last [`HISTORY`] uplinks).
    pub(crate) fn heard(&mut self, margin_db: f64, installation_db: f64, max_steps: u8) -> bool {
        self.history[usize::from(self.len) % HISTORY] = margin_db as f32;
        self.len = (self.len + 1).min(HISTORY as u8);
        if usize::from(self.len) == HISTORY {
            let best = self.history.iter().copied().fold(f32::MIN, f32::max);
            let next = semtech(f64::from(best), installation_db, self.now, max_steps);
            self.pending = (next != self.now).then_some(next);
        }
        self.pending.is_some()
    }

    /// A downlink reached the device: it takes the pending settings, if any. Returns
    /// the SF it left, if it changed.
    pub(crate) fn downlink(&mut self) -> Option<u8> {
        self.ack_cnt = 0;
        let next = self.pending.take()?;
        let left = (next.0 != self.now.0).then_some(self.now.0);
        self.now = next;
        self.len = 0;
        left
    }
}

/// Semtech's data rate and power decision from the largest recent margin over the
/// demodulation floor at the current SF, dB.
pub(crate) fn semtech(
    best_db: f64,
    installation_db: f64,
    (sf, steps): Setting,
    max_steps: u8,
) -> Setting {
    let mut n = ((best_db - installation_db) / STEP_DB).floor() as i32;
    let (mut sf, mut steps) = (sf, steps);
    while n > 0 && sf > 7 {
        sf -= 1;
        n -= 1;
    }
    while n > 0 && steps < max_steps {
        steps += 1;
        n -= 1;
    }
    while n < 0 && steps > 0 {
        steps -= 1;
        n += 1;
    }
    (sf, steps)
}

impl City {
    /// Whether sensor class `class` lets the network server choose its data rate.
    pub(crate) fn adr_class(&self, class: usize) -> bool {
        let c = &self.classes[class];
        match c.sf {
            SfChoice::Adr => true,
            SfChoice::Network => {
                matches!(&self.access[c.access].kind, AccessKind::Lora(n) if n.adr)
                    && c.sf_each.is_none()
            }
            _ => false,
        }
    }

    /// ADR sensor `s` sends an uplink at `now`: it may back off.
    pub(crate) fn adr_uplink(&mut self, s: usize, now: u64) {
        let Some(d) = self.lora.adr.get_mut(s) else {
            return;
        };
        let (_, left) = d.uplink();
        self.adr_moved(s, left, now);
    }

    /// ADR sensor `s` left SF `left` (if it changed) at `now`: the books note it.
    fn adr_moved(&mut self, s: usize, left: Option<u8>, now: u64) {
        let (Some(from), Some(d)) = (left, self.lora.adr.get_mut(s)) else {
            return;
        };
        let (to, since) = (d.now.0, d.since);
        d.since = now;
        self.rec.sf_change(self.class_of(s), (from, to), since, now);
    }

    /// The server received ADR sensor `s`'s uplink at `sf`, `margin_db` above the
    /// best gateway's sensitivity: whether it wants a downlink to the device.
    pub(crate) fn adr_heard(&mut self, s: usize, margin_db: f64) -> bool {
        let class = self.class_of(s) as usize;
        let net = self.access[self.classes[class].access].lora();
        let (installation, steps) = (net.margin_db, net.region.power_steps());
        let Some(d) = self.lora.adr.get_mut(s) else {
            return false;
        };
        let asks = d.uplink_asks();
        d.heard(margin_db, installation, steps) || asks
    }

    /// A downlink reached ADR sensor `s` at `now`: it takes the server's settings.
    pub(crate) fn adr_downlink(&mut self, s: usize, now: u64) {
        let Some(d) = self.lora.adr.get_mut(s) else {
            return;
        };
        let left = d.downlink();
        self.adr_moved(s, left, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semtech_raises_the_data_rate_then_lowers_the_power() {
        // 25 dB over the floor at SF12, 10 dB installation margin: 5 steps, SF7.
        assert_eq!(semtech(25.0, 10.0, (12, 0), 7), (7, 0));
        // 40 dB: 10 steps, SF7 and 5 power steps.
        assert_eq!(semtech(40.0, 10.0, (12, 0), 7), (7, 5));
        // Never past the region's lowest power.
        assert_eq!(semtech(90.0, 10.0, (12, 0), 7), (7, 7));
        // 14 dB: one step. Short of the margin: power back up, SF unchanged.
        assert_eq!(semtech(14.0, 10.0, (12, 0), 7), (11, 0));
        assert_eq!(semtech(4.0, 10.0, (9, 3), 7), (9, 1));
    }

    #[test]
    fn the_server_decides_after_twenty_uplinks() {
        let mut d = AdrDevice::JOINED;
        for i in 0..HISTORY {
            let wants = d.heard(20.0 + i as f64 * 0.1, 10.0, 7);
            assert_eq!(wants, i + 1 == HISTORY, "uplink {i}");
        }
        // The best margin, 21.9 dB: 3 steps, SF9.
        assert_eq!(d.pending, Some((9, 0)));
        assert_eq!(d.downlink(), Some(12));
        assert_eq!((d.now, d.len, d.pending), ((9, 0), 0, None));
    }

    #[test]
    fn a_device_that_hears_nothing_backs_off() {
        let mut d = AdrDevice {
            now: (7, 2),
            ..AdrDevice::JOINED
        };
        let mut asked = Vec::new();
        for _ in 0..ACK_LIMIT + 3 * ACK_DELAY {
            asked.push(d.uplink());
        }
        // ADRACKReq from the 64th uplink; at 96 full power; at 128 and 160 one SF up.
        assert!(!asked[62].0 && asked[63].0);
        assert_eq!(d.now, (9, 0));
        assert_eq!(asked[95], (true, None));
        assert_eq!(asked[127], (true, Some(7)));
        assert_eq!(asked[159], (true, Some(8)));
        // A downlink resets the count.
        d.downlink();
        assert!(!d.uplink().0);
    }
}

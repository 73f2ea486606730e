//! NB-IoT and LTE-M power states: connected for the inactivity timer (or released at
//! once), idle with eDRX paging for T3324, then PSM; periodic tracking-area updates. Each
//! state is charged when it begins for its full length and refunded what a reading cut
//! short.

use super::*;

impl City {
    /// Sensor `s` of `class` (on an NB-IoT or LTE-M access) transmits `tx_s` and
    /// receives `rx_s` seconds, at its module's currents.
    #[inline]
    pub(crate) fn cell_charge(&mut self, s: usize, class: u16, tx_s: f64, rx_s: f64) {
        let r = &self.cell_net(class).radio;
        let q = r.tx_a * tx_s + r.rx_a * rx_s;
        self.charge_cell_radio_c(s, q);
    }

    /// The device of `pkt` is done with it at `now` (its transfer's end): connected for the inactivity
    /// timer (none with release assistance; charged now at the receive current over
    /// its listening share, refunded if a reading cuts it short), then idle for T3324
    /// (charged the same way).
    pub(crate) fn cell_release(&mut self, pkt: u32, now: u64) {
        let (s, class) = (self.packets[pkt].sensor as usize, self.packets[pkt].class);
        let radio = &self.cell_net(class).radio;
        let (tail, t3324, duty) = (radio.tail_ns(), radio.t3324_ns, radio.connected_duty());
        let dev = &mut self.cell.dev[s];
        // A window an overlapping reading opened and this one restarts: its rest is
        // refunded.
        let overlap = match dev.connected_until {
            u64::MAX => 0,
            until => until.saturating_sub(now),
        };
        dev.connected_until = now + tail;
        dev.last_active = now;
        dev.released = true;
        self.cell_charge(s, class, 0.0, (tail as f64 - overlap as f64) * duty * 1e-9);
        // The idle time after an overlapped window was never spent: refunded.
        let idle = if overlap > 0 {
            0.0
        } else {
            t3324 as f64 * 1e-9
        };
        let premium = self.cell_idle_premium_c(class) * idle;
        self.charge_cell_radio_c(s, premium);
    }

    /// The device of `pkt` gives it up at `now` without a transfer: back to idle.
    pub(crate) fn cell_give_up(&mut self, pkt: u32, now: u64) {
        let s = self.packets[pkt].sensor as usize;
        let dev = &mut self.cell.dev[s];
        dev.connected_until = now;
        dev.last_active = now;
        dev.released = true;
        let premium = self.cell_idle_premium_c(self.packets[pkt].class);
        let t3324 = self.cell_net(self.packets[pkt].class).radio.t3324_ns;
        self.charge_cell_radio_c(s, premium * t3324 as f64 * 1e-9);
    }

    /// A reading comes at `now` while sensor `s` is still connected (its window ends at
    /// `until`): it is refunded the rest of the window (at most the tail: a transfer
    /// still under way is not part of it) and the idle time that now never follows.
    pub(crate) fn cell_refund_connected(&mut self, s: usize, now: u64, until: u64) {
        let class = self.class_of(s);
        let radio = &self.cell_net(class).radio;
        let (tail, duty, t3324) = (radio.tail_ns(), radio.connected_duty(), radio.t3324_ns);
        let left = until.saturating_sub(now).min(tail);
        self.cell_charge(s, class, 0.0, -(left as f64) * duty * 1e-9);
        let premium = self.cell_idle_premium_c(class);
        self.charge_cell_radio_c(s, -premium * t3324 as f64 * 1e-9);
    }

    /// Sensor `s` wakes at `now` from idle or PSM: refunds the idle time it did not
    /// spend, and charges the periodic tracking-area updates it made since its last
    /// activity (each a preamble and a connection setup at CE0).
    pub(crate) fn cell_charge_idle(&mut self, s: usize, now: u64) {
        let class = self.class_of(s);
        let dev = self.cell.dev[s];
        if !dev.released {
            self.cell.dev[s].last_active = now;
            return;
        }
        let radio = &self.cell_net(class).radio;
        let (t3324, t3412) = (radio.t3324_ns, radio.t3412_ns);
        let lv = radio.levels[0];
        let tail = radio.tail_ns() as f64 * radio.connected_duty();
        let kind = self.cell_net(class).kind;
        let idle_end = dev.connected_until.saturating_add(t3324);
        let premium = self.cell_idle_premium_c(class);
        if now < idle_end {
            let left = idle_end - now.max(dev.connected_until);
            self.charge_cell_radio_c(s, -premium * left as f64 * 1e-9);
        }
        let updates = now.saturating_sub(dev.last_active) / t3412.max(1);
        if updates > 0 {
            let tx = (u64::from(lv.ra_repetitions) * crate::scenario::preamble_ns(kind)) as f64;
            let rx = lv.setup_ns as f64 + tail;
            let n = updates as f64;
            self.cell_charge(s, class, n * tx * 1e-9, n * rx * 1e-9);
        }
    }

    /// Current over PSM's that an idle device draws for its eDRX paging occasions
    /// (about 20 ms awake at the receive current per cycle), A.
    pub(crate) fn cell_idle_premium_c(&self, class: u16) -> f64 {
        /// Time awake per paging occasion: wake, synchronise, read the paging channel.
        const PAGING_S: f64 = 0.02;
        let radio = &self.cell_net(class).radio;
        radio.rx_a * PAGING_S / (radio.edrx_ns as f64 * 1e-9)
    }
}

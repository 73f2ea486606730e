//! The LoRaWAN MAC: frames on the air, acknowledgements in RX1/RX2, retransmissions.

use super::air::Fate;
use super::net::RX_SYMBOLS;
use super::Heard;
use crate::model::*;
use rand::Rng;

/// An acknowledgement: MAC header (1 B), frame header (7 B) and MIC (4 B), no FPort
/// and no payload.
pub(crate) const ACK_BYTES: u32 = 12;

/// What the network sent back after an uplink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Downlink {
    /// An unconfirmed uplink: nothing was asked for.
    NotAsked,
    /// An acknowledgement in RX1 (0) or RX2 (1).
    In(usize),
    /// Nothing, though the uplink asked for an acknowledgement (or was lost).
    None,
}

impl Downlink {
    /// Whether the device needs nothing more: acknowledged, or never asked.
    pub(crate) fn sent(self) -> bool {
        self != Downlink::None
    }
}

/// RECEIVE_DELAY1 and RECEIVE_DELAY2: RX1 and RX2 open 1 s and 2 s after an uplink
/// ends (RP002-1.0.4, every region's default).
const RECEIVE_DELAY1_NS: u64 = 1_000_000_000;
const RECEIVE_DELAY2_NS: u64 = 2_000_000_000;

impl City {
    /// Puts a LoRa frame held back by the duty cycle on the air now.
    pub(crate) fn transmit<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        pkt: u32,
        key: DrawKey,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let class = self.packets[pkt].class;
        let heard = self.lora_links(s as usize, self.classes[class as usize].access);
        self.put_on_air(s, pkt, key, heard, sched);
    }

    /// Puts a LoRa frame on the air now, heard by the gateways `lora_links` just found.
    pub(crate) fn put_on_air<Q: EventQueue<Event>>(
        &mut self,
        s: u32,
        pkt: u32,
        key: DrawKey,
        Heard { sf }: Heard,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let su = s as usize;
        let class = self.packets[pkt].class;
        let (access, payload) = (
            self.classes[class as usize].access,
            self.classes[class as usize].payload,
        );
        let net = self.access[access].lora();
        // The channel: a draw of its own for this transmission of this reading.
        let p = &mut self.packets[pkt];
        p.tries += 1;
        p.sf = sf;
        let mut rng = self.seeds.sub(
            SensorDraw::LoraChannel.id(self.sensors.key(su)),
            p.created ^ (u64::from(p.tries) << 56) ^ u64::from(key.0),
        );
        let toa_s = net.uplink_s(sf, payload);
        let toa_ns = crate::units::round_u64(toa_s * 1e9);
        let channel = if net.band_of.is_empty() {
            rng.random_range(0..net.channels) as u16
        } else {
            self.band_channel(su, access, &mut rng, (now, toa_s))
        };
        self.charge_radio(su, toa_s, 0.0);
        let heard = !self.lora.heard.is_empty();
        let elements = &self.backbone.elements;
        self.lora
            .heard
            .retain(|&(g, _)| elements[g as usize].down == 0);
        if heard && self.lora.heard.is_empty() {
            self.listen(pkt, Downlink::None);
            self.drop_packet(pkt, DropCause::NodeDown, now);
            return;
        }
        let net = self.access[access].lora();
        let best = self.lora.heard.iter().map(|l| l.1).fold(f32::MIN, f32::max);
        let margin = f64::from(best) - gateway_sensitivity_dbm(sf, net.tx(sf).bw_hz);
        self.rec.frame(class, sf, toa_s, margin, now);
        self.lora.last_sf[su] = sf;
        self.adr_uplink(su, now);
        let net = self.access[access].lora();
        match self
            .lora
            .air
            .start(net, pkt, (now, now + toa_ns), sf, channel, &self.lora.heard)
        {
            Some(frame) => sched.schedule_in(SimTime(toa_ns), Event::TxEnd { frame }),
            None => {
                self.listen(pkt, Downlink::None);
                self.drop_packet(pkt, DropCause::BelowSensitivity, now);
            }
        }
    }

    /// A frame's time on air is over: delivered once, through the strongest gateway that
    /// received it intact, after the access network's latency. A confirmed uplink is
    /// acknowledged by that gateway if its downlink duty cycle allows; otherwise the
    /// device, not knowing it arrived, sends it again.
    pub(crate) fn tx_end<Q: EventQueue<Event>>(
        &mut self,
        frame: u32,
        sched: &mut Scheduler<Event, Q>,
    ) {
        let now = sched.now().0;
        let (pkt, gateway) = self.lora.air.end(frame);
        let echo = self.packets[pkt].role != Role::Reading;
        let downlink = match gateway {
            Ok(_) => {
                let wanted = self.adr_wants(pkt);
                self.acknowledge(pkt, now, wanted)
            }
            Err(_) => Downlink::None,
        };
        self.listen(pkt, downlink);
        if let Downlink::In(_) = downlink {
            self.adr_downlink(self.packets[pkt].sensor as usize, now);
        }
        match gateway {
            Ok(g) => {
                let acked = downlink.sent();
                if echo {
                    if acked || !self.retransmit(pkt, sched) {
                        self.release_echo(pkt);
                    }
                    return;
                }
                if !acked {
                    let p = self.packets[pkt];
                    let copy = self.alloc(Packet {
                        counted: false,
                        role: Role::Echo {
                            of_counted: p.counted,
                        },
                        ..p
                    });
                    if !self.retransmit(copy, sched) {
                        self.release_echo(copy);
                    }
                }
                let class = self.packets[pkt].class;
                let access = self.classes[class as usize].access;
                let d = self.access[access]
                    .latency
                    .sample(&mut self.backbone.e_rng[g as usize]);
                sched.schedule_in(SimTime(d), Event::Arrive { elem: g, pkt });
            }
            Err(_) if echo => {
                if !self.retransmit(pkt, sched) {
                    self.release_echo(pkt);
                }
            }
            Err(fate) => {
                if !self.retransmit(pkt, sched) {
                    let cause = match fate {
                        Fate::GatewayDown => DropCause::NodeDown,
                        Fate::DemodulatorsBusy => DropCause::DemodulatorBusy,
                        Fate::Transmitting => DropCause::GatewayTransmitting,
                        Fate::TooWeak => DropCause::BelowSensitivity,
                        Fate::Intact | Fate::Interference => DropCause::Interference,
                    };
                    self.drop_packet(pkt, cause, now);
                }
            }
        }
    }

    /// An echo is done with (it was never a reading of its own).
    pub(crate) fn release_echo(&mut self, pkt: u32) {
        self.packets.free(pkt);
    }

    /// Acknowledges `pkt`'s frame, which ended at `now`, if it was confirmed: the
    /// strongest gateway that received it and can send sends it, in RX1 (1 s later,
    /// at the region's RX1 data rate) or else in RX2 (2 s later, at RX2's), within the
    /// region's downlink duty cycles and with one transmit chain per gateway. While it
    /// sends it hears nothing. Returns whether an acknowledgement goes out (always true
    /// for unconfirmed uplinks).
    pub(crate) fn acknowledge(&mut self, pkt: u32, now: u64, wanted: bool) -> Downlink {
        let p = self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        let net = self.access[access].lora();
        let confirmed = net.confirmed();
        if !confirmed && !wanted {
            return Downlink::NotAsked;
        }
        let bytes = self.downlink_bytes(p.sensor as usize);
        let sf = p.sf;
        let ns = |s: f64| crate::units::round_u64(s * 1e9);
        let rates = net.rx_rates(sf);
        let windows = [
            (now + RECEIVE_DELAY1_NS, rates[0]),
            (now + RECEIVE_DELAY2_NS, rates[1]),
        ];
        for (i, (at, rate)) in windows.into_iter().enumerate() {
            let toa = ns(net.downlink(rate).time_on_air_s(bytes));
            for k in 0..self.lora.air.received().len() {
                let g = self.lora.air.received()[k].1;
                let budget = &mut self.lora.downlink_free[g as usize][i];
                if *budget > at || self.lora.air.transmitting(g, at, at + toa) {
                    continue;
                }
                if let Some(dc) = net.downlink_duty[i] {
                    *budget = at + crate::units::round_u64(toa as f64 / dc);
                }
                self.lora.air.transmit(g, at, at + toa, now);
                self.backbone.elements[g as usize].downlinks += 1;
                if now >= self.warmup {
                    self.lora.downlink_ns[g as usize][i] += toa;
                }
                return Downlink::In(i);
            }
        }
        if confirmed {
            Downlink::None
        } else {
            Downlink::NotAsked
        }
    }

    /// A channel for sensor `s`'s frame of `toa_s` at `now` under a duty cycle per
    /// sub-band: uniform among the channels whose band allows it now (LoRaMac-node's
    /// choice); that band then rests toa (1/dc - 1) after the frame, and the device is
    /// next free when some band is.
    fn band_channel(
        &mut self,
        s: usize,
        access: usize,
        rng: &mut Stream,
        (now, toa_s): (u64, f64),
    ) -> u16 {
        let net = self.access[access].lora();
        let dc = net.duty_cycle.unwrap_or(1.0);
        let free = &mut self.lora.band_free[s];
        let open = |c: &u8| free[usize::from(*c)] <= now;
        let n = net.band_of.iter().filter(|c| open(c)).count() as u32;
        let channel = if n == 0 {
            rng.random_range(0..net.channels)
        } else {
            let k = rng.random_range(0..n) as usize;
            let (c, _) = net
                .band_of
                .iter()
                .enumerate()
                .filter(|(_, c)| open(c))
                .nth(k)
                .unwrap_or((0, &0));
            c as u32
        };
        let band = usize::from(net.band_of[channel as usize]);
        free[band] = now + crate::units::round_u64(toa_s / dc * 1e9);
        let bands = &net.band_of;
        let earliest = (0..2)
            .filter(|b| bands.iter().any(|&x| usize::from(x) == *b))
            .map(|b| free[b])
            .min()
            .unwrap_or(0);
        self.lora.next_tx[s] = self.lora.next_tx[s].max(earliest);
        channel as u16
    }

    /// Bytes of a downlink to sensor `s`: an acknowledgement's 12, and 5 more in FOpts
    /// when it carries an ADR command (LinkADRReq: its CID and 4 bytes; LoRaWAN L2
    /// 1.0.4, 5.3).
    fn downlink_bytes(&self, s: usize) -> u32 {
        let command = self.lora.adr.get(s).is_some_and(|d| d.pending.is_some());
        ACK_BYTES + if command { 5 } else { 0 }
    }

    /// Whether the network server wants a downlink to the ADR device whose uplink
    /// `pkt` it just received (a new data rate or power, or an answer to ADRACKReq).
    fn adr_wants(&mut self, pkt: u32) -> bool {
        let p = self.packets[pkt];
        if !self.adr_class(p.class as usize) {
            return false;
        }
        let Some((best, _)) = self.lora.air.strongest() else {
            return false;
        };
        let net = self.access[self.classes[p.class as usize].access].lora();
        let margin = f64::from(best) - gateway_sensitivity_dbm(p.sf, net.tx(p.sf).bw_hz);
        self.adr_heard(p.sensor as usize, margin)
    }

    /// The device listens in its receive windows after `pkt`'s frame, and its battery
    /// pays: RX1 stays open until a preamble could be detected (or for the whole
    /// acknowledgement it receives there); RX2 opens only when RX1 brought nothing.
    fn listen(&mut self, pkt: u32, downlink: Downlink) {
        let p = self.packets[pkt];
        let s = p.sensor as usize;
        if self.energy.accounts.get(s).is_none() {
            return;
        }
        let access = self.classes[p.class as usize].access;
        let net = self.access[access].lora();
        let rates = net.rx_rates(p.sf);
        let idle = |i: usize| match self.classes[p.class as usize].energy.and_then(|e| e.rx_s) {
            Some(open_s) => open_s,
            None => RX_SYMBOLS * net.downlink(rates[i]).t_sym(),
        };
        let bytes = self.downlink_bytes(s);
        let ack = |i: usize| net.downlink(rates[i]).time_on_air_s(bytes);
        let rx_s = match downlink {
            Downlink::In(0) => ack(0),
            Downlink::In(_) => idle(0) + ack(1),
            Downlink::NotAsked | Downlink::None => idle(0) + idle(1),
        };
        self.charge_radio(s, 0.0, rx_s);
    }

    /// A confirmed uplink got no acknowledgement: after both receive windows and a
    /// random back-off (and the duty cycle), send it again, if retries remain.
    pub(crate) fn retransmit<Q: EventQueue<Event>>(
        &mut self,
        pkt: u32,
        sched: &mut Scheduler<Event, Q>,
    ) -> bool {
        let now = sched.now().0;
        let p = self.packets[pkt];
        let access = self.classes[p.class as usize].access;
        let net = self.access[access].lora();
        if u32::from(p.tries) > net.retries {
            return false;
        }
        let (lo, hi) = net.retry_wait_ns;
        let mut rng = self.seeds.sub(
            SensorDraw::LoraBackoff.id(self.sensors.key(p.sensor as usize)),
            p.created ^ (u64::from(p.tries) << 56),
        );
        let s = p.sensor as usize;
        // The retransmission also waits for the radio and the duty-cycle budget, and
        // spends them.
        let at = (now + rng.random_range(lo..=hi)).max(self.lora.next_tx[s]);
        let Heard { sf } = self.lora_links(s, access);
        let net = self.access[access].lora();
        let toa_s = net.uplink_s(sf, p.bytes);
        self.lora.next_tx[s] = net.next_free(at, toa_s);
        if p.counted || p.role == (Role::Echo { of_counted: true }) {
            self.rec.flows[p.class as usize].retransmissions += 1;
        }
        sched.schedule_at(
            SimTime(at),
            Event::Transmit {
                sensor: p.sensor,
                pkt,
                key: DrawKey::retry(p.tries),
            },
        );
        true
    }
}

#[cfg(test)]
mod tests {
    //! The acknowledgement and retransmission state machine, driven by hand.

    use super::{Downlink, ACK_BYTES};
    use crate::engine::{BinaryQueue, Scheduler, SimTime};
    use crate::model::*;

    /// One gateway and one SF7 sensor next to it, confirmed or not, with more LoRa
    /// settings in `extra`.
    fn city_with(confirmed: bool, extra: &str) -> City {
        let text = format!(
            r#"
[city]
width = "100m"
height = "100m"
[[access]]
name = "lora"
lora = {{ sf = 7, channels = 1, confirmed = {confirmed}, retries = 2, backoff = ["1s", "1s"], shadowing = "0dB"{extra} }}
[[sensors]]
name = "s"
count = 1
placement = {{ kind = "explicit", positions = [[50, 50]] }}
traffic = {{ kind = "periodic", interval = "10min" }}
payload = "20B"
[gateways]
count = 1
"#
        );
        let s = crate::scenario::load_str("t.toml", "t", &text, &[]).unwrap();
        let mut c = City::build(&s, 0);
        c.lora.air.received_by(&[0]);
        c
    }

    /// EU868, 1% duty cycle.
    fn city(confirmed: bool) -> City {
        city_with(confirmed, "")
    }

    fn sched(at_s: f64) -> Scheduler<Event, BinaryQueue<Event>> {
        Scheduler::standing_at(SimTime((at_s * 1e9) as u64), BinaryQueue::default())
    }

    fn reading(c: &mut City, now: u64, counted: bool) -> u32 {
        c.alloc(Packet {
            sf: 7,
            ..Packet::new(now, 20, 0, 0, counted, 1)
        })
    }

    #[test]
    fn unconfirmed_uplinks_need_no_downlink() {
        let mut c = city(false);
        let pkt = reading(&mut c, 0, true);
        assert_eq!(c.acknowledge(pkt, 1_000_000_000, false), Downlink::NotAsked);
        assert_eq!(c.backbone.elements[0].downlinks, 0);
    }

    #[test]
    fn issue_12_downlinks_carry_no_crc() {
        // 12 B at SF12, 125 kHz, CR 4/5, explicit header: 991 ms without a payload CRC
        // (1155 ms with one).
        let c = city(true);
        let toa = c.access[0]
            .lora()
            .downlink((12, 125e3))
            .time_on_air_s(ACK_BYTES);
        assert!((toa * 1e3 - 991.232).abs() < 1e-3, "{toa}");
    }

    #[test]
    fn rx1_then_rx2_then_nothing_under_the_gateway_duty_cycles() {
        let mut c = city(true);
        let t = 10_000_000_000;
        let (a, b, d) = (
            reading(&mut c, 0, true),
            reading(&mut c, 0, true),
            reading(&mut c, 0, true),
        );
        // The first is acknowledged in RX1 (1 s later), which then stays closed for
        // 99 times the ACK's time on air.
        assert!(c.acknowledge(a, t, false).sent());
        let rx1_free = c.lora.downlink_free[0][0];
        let toa = c.access[0]
            .lora()
            .downlink((7, 125e3))
            .time_on_air_s(ACK_BYTES);
        let want = t + 1_000_000_000 + crate::units::round_u64(toa * 1e9 / 0.01);
        assert!(rx1_free.abs_diff(want) <= 1, "{rx1_free} vs {want}");
        // The next one, at once: RX1 is closed, RX2 (SF12, 10%) takes it.
        assert!(c.acknowledge(b, t, false).sent());
        assert!(c.lora.downlink_free[0][1] > t + 2_000_000_000);
        // A third: neither window is open, no acknowledgement.
        assert!(!c.acknowledge(d, t, false).sent());
        assert_eq!(c.backbone.elements[0].downlinks, 2);
    }

    #[test]
    fn issue_12_a_gateway_has_one_transmit_chain() {
        // No downlink duty cycle: only the transmit chain limits the gateway.
        let mut c = city_with(true, ", downlink_duty_cycle = \"none\"");
        let t = 10_000_000_000;
        let p: Vec<u32> = (0..4).map(|_| reading(&mut c, 0, true)).collect();
        // Two frames ending together: the first takes RX1, the second cannot send
        // over it and takes RX2 (SF12, 991 ms from t + 2 s); a third finds both busy.
        assert!(c.acknowledge(p[0], t, false).sent());
        assert!(c.acknowledge(p[1], t, false).sent());
        assert!(!c.acknowledge(p[2], t, false).sent());
        // A frame ending 1.5 s later: its RX1 (t + 2.5 s) would overlap that RX2, so it
        // is answered in its own RX2 at t + 3.5 s.
        assert!(c.acknowledge(p[3], t + 1_500_000_000, false).sent());
        assert_eq!(c.backbone.elements[0].downlinks, 3);
        assert!(c
            .lora
            .air
            .transmitting(0, t + 3_500_000_000, t + 3_500_000_001));
        assert!(!c
            .lora
            .air
            .transmitting(0, t + 2_500_000_000 + 991_300_000, t + 3_400_000_000));
    }

    #[test]
    fn issue_12_a_us915_gateway_follows_its_own_rules() {
        // US915 has no downlink duty cycle: acknowledgements 2 s apart all go in RX1, at
        // the 500 kHz data rate of the uplink's SF. EU868 closes RX1 for 99 times the
        // 41 ms acknowledgement after each: RX1 takes one in every three.
        let toa = city(true).access[0]
            .lora()
            .downlink((7, 125e3))
            .time_on_air_s(ACK_BYTES);
        let every = (toa / 0.01 / 2.0).ceil() as u32;
        assert_eq!(every, 3);
        for (region, rx1_acks) in [("US915", 10), ("EU868", 10u32.div_ceil(every))] {
            let extra = format!(", region = \"{region}\"");
            let mut c = city_with(true, &extra);
            let mut rx1 = 0;
            for k in 0..10u64 {
                let pkt = reading(&mut c, 0, true);
                let t = 10_000_000_000 + k * 2_000_000_000;
                let before = c.lora.downlink_free[0];
                assert!(c.acknowledge(pkt, t, false).sent() || region == "EU868");
                rx1 += u32::from(
                    c.lora
                        .air
                        .transmitting(0, t + 1_000_000_000, t + 1_000_000_001),
                );
                if region == "US915" {
                    assert_eq!(c.lora.downlink_free[0], before, "no budget is spent");
                }
            }
            assert_eq!(rx1, rx1_acks, "{region}");
        }
        let c = city_with(true, ", region = \"US915\"");
        assert_eq!(c.access[0].lora().rx_rates(7), [(7, 500e3), (12, 500e3)]);
    }
    #[test]
    fn an_unacknowledged_frame_is_sent_again_after_rx2_and_the_backoff_until_retries_run_out() {
        // One limit across channels: the retransmission books its budget itself (per
        // sub-band, the frame put on the air does).
        let mut c = city_with(true, ", duty_cycle = \"1%\"");
        let pkt = reading(&mut c, 0, true);
        let mut s = sched(5.0);
        // RX2 at 2 s, then the 1 s back-off; after that, each transmission spends the
        // device's 1% duty cycle: 99 times a 20 B SF7 frame's time on air of silence.
        let toa_ns = crate::units::round_u64(c.access[0].lora().uplink_s(7, 20) * 1e9 / 0.01);
        let first = 5_000_000_000 + 3_000_000_000;
        let want = [first, first + toa_ns];
        for tries in 1..=3u8 {
            c.packets[pkt].tries = tries;
            let again = c.retransmit(pkt, &mut s);
            // retries = 2: after the first and second transmissions, not the third.
            assert_eq!(again, tries <= 2, "after {tries} transmissions");
            if again {
                let (at, ev) = s.take_next().unwrap();
                assert_eq!(at, SimTime(want[tries as usize - 1]), "try {tries}");
                assert!(matches!(ev, Event::Transmit { sensor: 0, .. }));
            }
        }
        assert_eq!(c.rec.flows[0].retransmissions, 2);
    }

    #[test]
    fn an_echo_counts_its_retransmissions_only_when_its_reading_counts() {
        let mut c = city(true);
        for (of_counted, want) in [(false, 0), (true, 1)] {
            let p = Packet {
                counted: false,
                role: Role::Echo { of_counted },
                tries: 1,
                ..Packet::new(0, 20, 0, 0, false, 1)
            };
            let before = c.rec.flows[0].retransmissions;
            let pkt = c.alloc(p);
            let mut s = sched(5.0);
            assert!(c.retransmit(pkt, &mut s));
            assert_eq!(c.rec.flows[0].retransmissions - before, want);
        }
    }
}

//! LoRa star access in the city: which gateways hear a transmission, at what power,
//! with which spreading factor, and which frames survive overlapping ones.
//!
//! ```text
//! reading --links (spatial index + path loss + shadowing)--> SF --> frame on a channel
//!   --start: one reception per gateway that hears it; overlaps on the same channel
//!     resolved by the network's rule set (rx.rs); a gateway demodulates
//!     `demodulators` at once
//!   --end (time on air later): delivered once, through the strongest surviving gateway
//! ```
//!
//! Collision checks look only at the receptions active at the same gateway (never at all
//! frames or sensors), and gateways in range come from a spatial index.

use super::net::LoraNet;
use super::phy::gateway_sensitivity_dbm;
pub(crate) use super::rx::Fate;
use super::rx::{dbm_to_mw, Reception};
use crate::model::slab::Slab;

/// A frame on the air.
#[derive(Debug, Clone, Copy)]
struct Frame {
    pkt: u32,
    /// Its receptions, linked through [`Reception::next`] (NONE: none).
    first: u32,
    /// Its channel.
    channel: u16,
    /// Its spreading factor.
    sf: u8,
    /// Whether its power is summed into the others' interference (`sinr`).
    sinr: bool,
    /// When it started, ns.
    start: u64,
}

const NONE: u32 = u32::MAX;

/// Receptions a gateway channel keeps in its own cache line; more spill to
/// [`Air::spill`].
const INLINE: usize = 2;

/// One channel of one gateway: the frames too weak to be received there, summed per SF
/// (`sinr` only: they are interference, never receptions), and the receptions in
/// progress. Both are read at every frame the gateway hears on the channel, so they sit
/// together in one cache line, in one table for all gateways: one cache miss per gateway
/// that hears a frame (hundreds of gateways per frame in a dense city), as a channel
/// rarely has more than [`INLINE`] receptions at once.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Spot {
    /// Summed power of the weak frames on the air, per SF from 7, mW.
    weak_mw: [f64; 6],
    /// How many weak frames are on the air.
    weak_n: u32,
    /// How many receptions are in progress: in `inline` up to [`INLINE`], else all
    /// in the channel's [`Air::spill`] list.
    len: u32,
    inline: [u32; INLINE],
}

/// The receptions in progress on gateway channel `c` (`spots[c]`), in the order a
/// vector pushed and swap-removed would keep them.
#[inline]
fn active<'a>(spots: &'a [Spot], spill: &'a [Vec<u32>], c: usize) -> &'a [u32] {
    let n = spots[c].len as usize;
    if n <= INLINE {
        &spots[c].inline[..n]
    } else {
        &spill[c]
    }
}

/// Reception `id` starts on gateway channel `c`.
#[inline]
fn add_active(spots: &mut [Spot], spill: &mut [Vec<u32>], c: usize, id: u32) {
    let spot = &mut spots[c];
    let n = spot.len as usize;
    if n < INLINE {
        spot.inline[n] = id;
    } else {
        if n == INLINE {
            spill[c].clear();
            spill[c].extend_from_slice(&spot.inline);
        }
        spill[c].push(id);
    }
    spot.len += 1;
}

/// Reception `id` ends on gateway channel `c`: the last one takes its place.
#[inline]
fn remove_active(spots: &mut [Spot], spill: &mut [Vec<u32>], c: usize, id: u32) {
    let spot = &mut spots[c];
    let n = spot.len as usize;
    if n <= INLINE {
        if let Some(pos) = spot.inline[..n].iter().position(|&x| x == id) {
            spot.inline[pos] = spot.inline[n - 1];
            spot.len -= 1;
        }
        return;
    }
    let list = &mut spill[c];
    if let Some(pos) = list.iter().position(|&x| x == id) {
        list.swap_remove(pos);
        spot.len -= 1;
        if spot.len as usize == INLINE {
            spot.inline.copy_from_slice(&list[..INLINE]);
            list.clear();
        }
    }
}

/// Every frame on the air and every gateway's active receptions.
#[derive(Default)]
pub(crate) struct Air {
    receptions: Slab<Reception>,
    frames: Slab<Frame>,
    /// Per frame (by id): the gateways that hear it below their sensitivity and its
    /// power there, mW: interference only. Side by side, so that the frame's end
    /// reaches their channels at once rather than one after another through a list.
    weak: Vec<Vec<(u32, f64)>>,
    /// The weak gateways of the frame being started (then swapped into `weak`).
    weak_next: Vec<(u32, f64)>,
    /// Per element (gateways) and channel, at `element * channels + channel`.
    spots: Vec<Spot>,
    /// Per gateway channel as `spots`: its receptions while it has more than
    /// [`INLINE`].
    spill: Vec<Vec<u32>>,
    /// Channels per element in `spots` (the most of any LoRa network).
    channels: usize,
    /// Demodulators in use per element.
    busy: Vec<u32>,
    /// Per element: the windows in which the gateway transmits (acknowledgements) and
    /// hears nothing.
    deaf: Vec<Vec<(u64, u64)>>,
    /// The gateways that received the frame [`Air::end`] last ended intact: the
    /// strongest first, the others put in order when [`Air::received`] asks for them.
    received: Vec<(f32, u32)>,
    /// Whether `received` is in order past its first (the strongest).
    received_sorted: bool,
    /// Frames starting before this are left out of `load`, ns.
    warmup: u64,
    /// Per element: (time on air heard, demodulator time), ns.
    pub(crate) load: Vec<(u64, u64)>,
}

impl Air {
    /// The air of `elements` backbone elements whose LoRa networks use up to
    /// `channels` channels; loads count from `warmup` on.
    pub fn new(elements: usize, channels: usize, warmup: u64) -> Air {
        Air {
            warmup,
            load: vec![(0, 0); elements],
            spots: vec![Spot::default(); elements * channels],
            spill: vec![Vec::new(); elements * channels],
            channels,
            busy: vec![0; elements],
            deaf: vec![Vec::new(); elements],
            ..Air::default()
        }
    }

    /// Gateway `g`'s `channel`, as an index of `spots`.
    #[inline]
    fn spot(&self, g: u32, channel: u16) -> usize {
        let c = usize::from(channel);
        debug_assert!(c < self.channels, "channel beyond the air's table");
        g as usize * self.channels + c
    }

    /// Gateway `g`'s receptions in progress, on every channel.
    fn all_on(&self, g: u32) -> impl Iterator<Item = &u32> {
        let from = g as usize * self.channels;
        (from..from + self.channels).flat_map(|c| active(&self.spots, &self.spill, c).iter())
    }

    /// Gateway `g` transmits from `from` to `to`: it loses the frames it is receiving
    /// that are still on the air at `from`, and hears nothing that overlaps the window.
    pub fn transmit(&mut self, g: u32, from: u64, to: u64, now: u64) {
        let first = g as usize * self.channels;
        for c in first..first + self.channels {
            for &r in active(&self.spots, &self.spill, c) {
                let rec = &mut self.receptions[r];
                if rec.end > from {
                    rec.lose(Fate::Transmitting);
                }
            }
        }
        let windows = &mut self.deaf[g as usize];
        windows.retain(|w| w.1 > now);
        windows.push((from, to));
    }

    /// As if the last frame ended had been received intact by `gateways`, strongest
    /// first.
    #[cfg(test)]
    pub fn received_by(&mut self, gateways: &[u32]) {
        self.received = gateways.iter().map(|&g| (0.0, g)).collect();
        self.received_sorted = true;
    }

    /// Whether gateway `g`'s one transmit chain is busy at some time in `[from, to)`.
    pub fn transmitting(&self, g: u32, from: u64, to: u64) -> bool {
        self.deaf[g as usize]
            .iter()
            .any(|&(a, b)| a < to && from < b)
    }

    /// The gateway that received the last frame ended intact most strongly (power in
    /// dBm, gateway), if any.
    pub fn strongest(&self) -> Option<(f32, u32)> {
        self.received.first().copied()
    }

    /// The gateways that received the last frame ended intact (power in dBm,
    /// gateway), strongest first (equal powers: the lower gateway first).
    pub fn received(&mut self) -> &[(f32, u32)] {
        if !self.received_sorted {
            self.received[1..].sort_unstable_by(|a, b| {
                b.0.partial_cmp(&a.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.1.cmp(&b.1))
            });
            self.received_sorted = true;
        }
        &self.received
    }

    /// Starts a frame carrying `pkt` from `now` to `end`, heard by `links` (gateway, dBm)
    /// on `channel`. Returns the frame id, or None when no gateway is above the SF's
    /// sensitivity.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &mut self,
        net: &LoraNet,
        pkt: u32,
        (now, end): (u64, u64),
        sf: u8,
        channel: u16,
        links: &[(u32, f32)],
    ) -> Option<u32> {
        let tx = net.tx(sf);
        let sens = gateway_sensitivity_dbm(sf, tx.bw_hz) as f32;
        let lock = now + crate::units::round_u64(tx.lock_s() * 1e9);
        let mut first = NONE;
        self.weak_next.clear();
        let weak_too = net.rules.counts_weak();
        for &(g, rssi) in links.iter().rev() {
            let weak = rssi < sens;
            if weak && !weak_too {
                continue;
            }
            let mw = dbm_to_mw(rssi);
            if weak {
                // Too weak to detect: no demodulator, but its power still interferes.
                self.weak_starts(net, (g, channel, sf, mw));
                self.weak_next.push((g, mw));
                continue;
            }
            let mut me = Reception {
                gateway: g,
                channel,
                sf,
                rssi,
                mw,
                interference: [0.0; 6],
                lock,
                end,
                fate: Fate::Intact,
                demod: false,
                next: first,
            };
            self.hold(net, &mut me, now);
            self.overlaps(net, &mut me, now);
            let id = self.receptions.insert(me);
            let c = self.spot(g, channel);
            add_active(&mut self.spots, &mut self.spill, c, id);
            first = id;
        }
        if first == NONE && self.weak_next.is_empty() {
            return None;
        }
        let frame = Frame {
            pkt,
            first,
            channel,
            sf,
            sinr: weak_too,
            start: now,
        };
        let id = self.frames.insert(frame);
        let i = id as usize;
        if self.weak.len() <= i {
            self.weak.resize_with(i + 1, Vec::new);
        }
        // The slot's list from its last frame becomes the next scratch list.
        std::mem::swap(&mut self.weak[i], &mut self.weak_next);
        Some(id)
    }

    /// A reception `me` that its gateway can detect takes a demodulator, unless the
    /// gateway is transmitting or all of them are busy.
    fn hold(&mut self, net: &LoraNet, me: &mut Reception, now: u64) {
        let g = me.gateway as usize;
        if self.deaf[g].iter().any(|&(a, b)| a < me.end && now < b) {
            // The gateway is sending an acknowledgement meanwhile.
            me.lose(Fate::Transmitting);
        } else if self.busy[g] >= net.demodulators {
            // Every demodulator is busy: this gateway misses the frame, whose signal
            // still interferes with the others on its channel.
            me.lose(Fate::DemodulatorsBusy);
        } else {
            me.demod = true;
            self.busy[g] += 1;
        }
    }

    /// Resolves a new reception `me` starting `now` against the ones its gateway is
    /// receiving on its channel, by the network's rule set.
    fn overlaps(&mut self, net: &LoraNet, me: &mut Reception, now: u64) {
        let c = self.spot(me.gateway, me.channel);
        if net.rules.counts_weak() {
            me.interference = self.spots[c].weak_mw;
        }
        for &other in active(&self.spots, &self.spill, c) {
            net.rules.overlap(&mut self.receptions[other], me, now);
        }
        net.rules.settle(me);
    }

    /// A frame at `sf` too weak to receive starts on `channel` of gateway `g` with
    /// power `mw`: it adds to the interference of every reception there.
    fn weak_starts(&mut self, net: &LoraNet, (g, channel, sf, mw): (u32, u16, u8, f64)) {
        let c = self.spot(g, channel);
        let spot = &mut self.spots[c];
        spot.weak_mw[usize::from(sf - 7)] += mw;
        spot.weak_n += 1;
        for &other in active(&self.spots, &self.spill, c) {
            net.rules.interfere(&mut self.receptions[other], sf, mw);
        }
    }

    /// Gateway `g` fails: the frames it is receiving are lost there.
    pub fn gateway_down(&mut self, g: u32) {
        let ids: Vec<u32> = self.all_on(g).copied().collect();
        for r in ids {
            self.receptions[r].lose(Fate::GatewayDown);
        }
    }

    /// A frame at `sf` of power `mw` on `channel` of gateway `g` has ended: it no
    /// longer adds to the interference of the receptions there (`weak`: it was too weak
    /// to receive, and counted among the weak ones).
    fn no_longer_interferes(&mut self, (g, channel, sf, mw): (u32, u16, u8, f64), weak: bool) {
        let j = usize::from(sf - 7);
        let c = self.spot(g, channel);
        let spot = &mut self.spots[c];
        if weak {
            spot.weak_n -= 1;
            spot.weak_mw[j] = (spot.weak_mw[j] - mw).max(0.0);
            if spot.weak_n == 0 {
                spot.weak_mw = [0.0; 6];
            }
        }
        for &other in active(&self.spots, &self.spill, c) {
            let o = &mut self.receptions[other];
            o.interference[j] = (o.interference[j] - mw).max(0.0);
        }
    }

    /// Ends a frame: returns its packet and the strongest gateway that received it
    /// intact, or else what became of it at the strongest gateway that heard it.
    pub fn end(&mut self, frame: u32) -> (u32, Result<u32, Fate>) {
        let f = self.frames[frame];
        self.frames.free(frame);
        self.received.clear();
        let mut lost: Option<(f32, u32, Fate)> = None;
        let stronger =
            |rssi: f32, gateway: u32, p: f32, g: u32| rssi > p || (rssi == p && gateway < g);
        let mut r = f.first;
        while r != NONE {
            let rec = self.receptions[r];
            let c = self.spot(rec.gateway, rec.channel);
            remove_active(&mut self.spots, &mut self.spill, c, r);
            if f.sinr {
                self.no_longer_interferes((rec.gateway, rec.channel, rec.sf, rec.mw), false);
            }
            if rec.demod {
                self.busy[rec.gateway as usize] -= 1;
            }
            if f.start >= self.warmup {
                let load = &mut self.load[rec.gateway as usize];
                load.0 += rec.end - f.start;
                load.1 += if rec.demod { rec.end - f.start } else { 0 };
            }
            if rec.fate == Fate::Intact {
                self.received.push((rec.rssi, rec.gateway));
            } else if lost.is_none_or(|(p, g, _)| stronger(rec.rssi, rec.gateway, p, g)) {
                lost = Some((rec.rssi, rec.gateway, rec.fate));
            }
            self.receptions.free(r);
            r = rec.next;
        }
        // Each at its own gateway, so their order does not matter.
        let weak = std::mem::take(&mut self.weak[frame as usize]);
        for &(g, mw) in &weak {
            self.no_longer_interferes((g, f.channel, f.sf, mw), true);
        }
        self.weak[frame as usize] = weak;
        if f.first == NONE {
            // Every gateway that heard it heard it below its sensitivity.
            lost = Some((0.0, 0, Fate::TooWeak));
        }
        // Only the strongest is needed to deliver the frame: it goes first, and the
        // others are put in order only when an acknowledgement looks for a gateway.
        let best = (1..self.received.len()).fold(0, |b, k| {
            let (r, g) = self.received[k];
            let (p, h) = self.received[b];
            if stronger(r, g, p, h) {
                k
            } else {
                b
            }
        });
        if best > 0 {
            self.received.swap(0, best);
        }
        self.received_sorted = self.received.len() <= 2;
        let fate = match self.received.first() {
            Some(&(_, g)) => Ok(g),
            None => Err(lost.map_or(Fate::Interference, |l| l.2)),
        };
        (f.pkt, fate)
    }
}

#[cfg(test)]
mod tests {
    use super::super::net::{test_cfg, test_net};
    use super::*;
    use crate::scenario::LoraCfg;
    use rand_distr::Distribution;

    fn net(demodulators: u32) -> LoraNet {
        test_net(LoraCfg {
            demodulators,
            ..test_cfg()
        })
    }

    /// Two frames overlapping at one gateway, the second starting 1 ms later (before
    /// the first one's lock): which packets get through.
    fn overlap(a_dbm: f32, b_dbm: f32, channel_b: u16, demods: u32) -> (Option<u32>, Option<u32>) {
        let n = net(demods);
        let mut air = Air::new(2, 8, 0);
        let fa = air
            .start(&n, 10, (0, 50_000_000), 7, 0, &[(0, a_dbm)])
            .unwrap();
        let fb = air
            .start(&n, 20, (1_000_000, 51_000_000), 7, channel_b, &[(0, b_dbm)])
            .unwrap();
        let (pa, ga) = air.end(fa);
        let (pb, gb) = air.end(fb);
        assert_eq!((pa, pb), (10, 20));
        (ga.ok(), gb.ok())
    }

    /// The memory check counts 88 B per element and channel (`budget`): a cache
    /// line and an empty spill list.
    #[test]
    fn a_gateway_channel_takes_a_cache_line() {
        assert_eq!(std::mem::size_of::<Spot>(), 64);
        assert!(std::mem::size_of::<Spot>() + std::mem::size_of::<Vec<u32>>() <= 88);
    }

    /// A channel's receptions, inline or spilled, keep the order of a vector that
    /// pushes and swap-removes (the order in which overlaps are summed).
    #[test]
    fn receptions_in_a_cache_line_keep_a_vectors_order() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let (mut spots, mut spill) = (vec![Spot::default(); 2], vec![Vec::new(); 2]);
        let mut model: Vec<u32> = Vec::new();
        let (mut next, mut spilled) = (0u32, 0);
        for _ in 0..20_000 {
            // Up to 6 at once, so that lists cross the inline bound both ways.
            if model.len() < 6 && (model.is_empty() || rng.random::<bool>()) {
                add_active(&mut spots, &mut spill, 1, next);
                model.push(next);
                next += 1;
            } else {
                let id = model[rng.random_range(0..model.len())];
                remove_active(&mut spots, &mut spill, 1, id);
                let pos = model.iter().position(|&x| x == id).unwrap();
                model.swap_remove(pos);
            }
            spilled += usize::from(model.len() > INLINE);
            assert_eq!(active(&spots, &spill, 1), &model[..]);
            assert_eq!(spots[0].len, 0);
        }
        assert!(spilled > 1000, "the spill path was taken {spilled} times");
        // Removing one that is not there changes nothing.
        let before = model.clone();
        remove_active(&mut spots, &mut spill, 1, u32::MAX);
        assert_eq!(active(&spots, &spill, 1), &before[..]);
    }

    #[test]
    fn ten_db_stronger_survives_three_db_loses_both() {
        assert_eq!(overlap(-100.0, -110.0, 0, 8), (Some(0), None));
        assert_eq!(overlap(-110.0, -100.0, 0, 8), (None, Some(0)));
        assert_eq!(overlap(-100.0, -103.0, 0, 8), (None, None));
        // Other channel: no interaction.
        assert_eq!(overlap(-100.0, -103.0, 1, 8), (Some(0), Some(0)));
        // One demodulator: the second frame is missed whatever its power.
        assert_eq!(overlap(-100.0, -90.0, 1, 1), (Some(0), None));
    }

    #[test]
    fn other_sfs_interfere_only_when_much_stronger() {
        let n = net(8);
        let mut air = Air::new(2, 8, 0);
        let mut run = |a: f32, b: f32| {
            let fa = air.start(&n, 1, (0, 50_000_000), 7, 0, &[(0, a)]).unwrap();
            let fb = air
                .start(&n, 2, (1_000_000, 51_000_000), 9, 0, &[(0, b)])
                .unwrap();
            (air.end(fa).1.ok(), air.end(fb).1.ok())
        };
        // SF7 and SF9 on one channel, 10 dB apart: both survive (isolation 16 dB).
        assert_eq!(run(-100.0, -110.0), (Some(0), Some(0)));
        // 20 dB apart: the weaker is lost.
        assert_eq!(run(-90.0, -110.0), (Some(0), None));
        assert_eq!(run(-110.0, -90.0), (None, Some(0)));
    }

    #[test]
    fn a_frame_heard_twice_is_delivered_once_by_the_strongest() {
        let n = net(8);
        let mut air = Air::new(2, 8, 0);
        let f = air
            .start(&n, 7, (0, 50_000_000), 7, 0, &[(0, -110.0), (1, -100.0)])
            .unwrap();
        assert_eq!(air.end(f), (7, Ok(1)));
        // Below a gateway's SF7 sensitivity (-130 dBm) it is only interference.
        let weak = air
            .start(&n, 8, (0, 50_000_000), 7, 0, &[(0, -131.0)])
            .unwrap();
        assert_eq!(air.end(weak), (8, Err(Fate::TooWeak)));
    }

    #[test]
    fn a_gateway_failing_mid_frame_leaves_the_others_receptions() {
        let n = net(8);
        let mut air = Air::new(2, 8, 0);
        let f = air
            .start(&n, 7, (0, 50_000_000), 7, 0, &[(0, -110.0), (1, -100.0)])
            .unwrap();
        air.gateway_down(1);
        assert_eq!(air.end(f), (7, Ok(0)));
        let g = air
            .start(&n, 8, (60_000_000, 110_000_000), 7, 0, &[(1, -100.0)])
            .unwrap();
        air.gateway_down(1);
        assert_eq!(air.end(g), (8, Err(Fate::GatewayDown)));
    }

    #[test]
    fn a_gateway_sending_hears_nothing() {
        let n = net(8);
        let mut air = Air::new(2, 8, 0);
        // A frame on the air when gateway 0 starts an acknowledgement is lost there.
        let f = air
            .start(&n, 1, (0, 50_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        air.transmit(0, 40_000_000, 80_000_000, 10_000_000);
        assert_eq!(air.end(f), (1, Err(Fate::Transmitting)));
        // So is one that starts during it; one after it is heard.
        let g = air
            .start(&n, 2, (60_000_000, 110_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        assert_eq!(air.end(g), (2, Err(Fate::Transmitting)));
        let h = air
            .start(&n, 3, (90_000_000, 140_000_000), 7, 0, &[(0, -100.0)])
            .unwrap();
        assert_eq!(air.end(h), (3, Ok(0)));
    }

    /// Erlang B blocking with `c` servers and `a` Erlangs offered.
    fn erlang_b(c: u32, a: f64) -> f64 {
        (1..=c).fold(1.0, |b, k| a * b / (f64::from(k) + a * b))
    }

    /// Poisson frames, each on a channel of its own (so no two ever collide), into one
    /// gateway with `demods` demodulators at `erlangs` Erlangs: the share delivered in
    /// each of `batches` batches of `per_batch` frames.
    fn loss_system(demods: u32, erlangs: f64, batches: usize, per_batch: usize) -> Vec<f64> {
        use rand::SeedableRng;
        use rand_distr::Exp;
        let n = net(demods);
        let mut air = Air::new(1, per_batch, 0);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let toa = 50_000_000u64;
        let gap = Exp::new(erlangs / toa as f64).unwrap();
        let mut ends: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>> =
            Default::default();
        let (mut now, mut shares) = (0u64, Vec::new());
        for _ in 0..batches {
            let mut delivered = 0usize;
            for i in 0..per_batch {
                now += gap.sample(&mut rng).round() as u64;
                while let Some(&std::cmp::Reverse((t, f))) = ends.peek() {
                    if t > now {
                        break;
                    }
                    ends.pop();
                    delivered += usize::from(air.end(f).1.is_ok());
                }
                let f = air
                    .start(&n, 0, (now, now + toa), 7, i as u16, &[(0, -100.0)])
                    .unwrap();
                ends.push(std::cmp::Reverse((now + toa, f)));
            }
            shares.push(delivered as f64 / per_batch as f64);
        }
        shares
    }

    #[test]
    fn demodulators_are_an_erlang_loss_system() {
        // A frame that finds every demodulator busy is lost and holds none: delivery
        // is 1 - B(c, A). The tolerance is four standard errors of the batch means.
        for (c, a) in [(1, 1.0), (2, 1.0), (2, 2.0)] {
            let shares = loss_system(c, a, 20, 5_000);
            let (mean, half) = crate::stats::mean_ci(&shares[1..], 0.95);
            let se = half / crate::stats::student_t_quantile(0.975, 18);
            let want = 1.0 - erlang_b(c, a);
            assert!(se < 0.01, "c={c} A={a}: standard error {se}");
            assert!(
                (mean - want).abs() < 4.0 * se,
                "c={c} A={a}: delivered {mean:.4} +- {se:.4}, Erlang B gives {want:.4}"
            );
        }
    }
}

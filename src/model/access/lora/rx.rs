//! Which of the frames overlapping at one gateway it receives: the rule sets of
//! `lora.collision`.
//!
//! - `sinr`: each frame keeps the summed power of the frames overlapping it at each
//!   SF on its channel (the most there has been at once); it survives when its power
//!   leads that sum by the threshold for its SF against that SF: the capture
//!   threshold for its own SF, the co-channel rejection matrix for the others. Noise
//!   counts through the sensitivity. A receiver locked onto a frame's preamble (all but
//!   its last 5 symbols) is not taken over by a later frame at the same SF.
//! - `lorasim-simple`, `lorasim-full`, `aloha`: LoRaSim 0.2.1's two checks and pure
//!   ALOHA, for comparison with other tools.

use crate::scenario::{Collision, LoraCfg, SfRejection};

/// What became of one gateway's reception of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Received intact (so far).
    Intact,
    /// Lost to overlapping frames on its channel.
    Interference,
    /// Every demodulator was busy when its preamble arrived.
    DemodulatorsBusy,
    /// The gateway was transmitting (an acknowledgement) meanwhile.
    Transmitting,
    /// The gateway failed while receiving it.
    GatewayDown,
    /// Below the gateway's sensitivity at its SF: heard only as interference.
    TooWeak,
}

/// One gateway's reception of one frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reception {
    pub(crate) gateway: u32,
    pub(crate) channel: u16,
    pub(crate) sf: u8,
    pub(crate) rssi: f32,
    /// Received power, mW.
    pub(crate) mw: f64,
    /// Summed power of the frames overlapping it now, per SF from 7, mW (`sinr` only).
    pub(crate) interference: [f64; 6],
    /// When the receiver locked onto its preamble, ns.
    pub(crate) lock: u64,
    /// When the frame ends, ns.
    pub(crate) end: u64,
    pub(crate) fate: Fate,
    /// Whether it holds one of the gateway's demodulators (a frame that finds them all
    /// busy, or the gateway transmitting, holds none and is lost there).
    pub(crate) demod: bool,
    /// Next reception of the same frame, or none (`u32::MAX`).
    pub(crate) next: u32,
}

impl Reception {
    /// It is lost for `why`, unless it already was for another reason.
    pub(crate) fn lose(&mut self, why: Fate) {
        if self.fate == Fate::Intact {
            self.fate = why;
        }
    }
}

/// A power in dBm as mW, to a relative 1e-8: 2^(dBm log2(10) / 10) from its integer
/// exponent and a Taylor polynomial of e^(f ln 2) on the fraction (several times
/// faster than the C library's exp, and the same on every machine).
#[inline]
pub(crate) fn dbm_to_mw(dbm: f32) -> f64 {
    let y = f64::from(dbm) * (std::f64::consts::LOG2_10 / 10.0);
    // floor(y) by a cast (truncation toward zero), corrected below zero.
    let n = y as i64 - i64::from(y < (y as i64) as f64);
    let t = (y - n as f64) * std::f64::consts::LN_2;
    let mut p = 1.0 / 362_880.0;
    for k in [40_320.0, 5_040.0, 720.0, 120.0, 24.0, 6.0, 2.0, 1.0, 1.0] {
        p = p * t + 1.0 / k;
    }
    // 2^n by the exponent bits (n stays within a few hundred of zero).
    p * f64::from_bits(((n + 1023) as u64) << 52)
}

/// Goursaud and Gorce 2015's co-channel rejection, as the SIR in dB a frame at SF
/// 7 + row needs against a frame at SF 7 + column (the ns-3 `lorawan` module's
/// isolation matrix; the diagonal is the capture threshold).
const GOURSAUD: [[f64; 6]; 6] = [
    [6.0, -16.0, -18.0, -19.0, -19.0, -20.0],
    [-24.0, 6.0, -20.0, -22.0, -22.0, -22.0],
    [-27.0, -27.0, 6.0, -23.0, -25.0, -25.0],
    [-30.0, -30.0, -30.0, 6.0, -26.0, -28.0],
    [-33.0, -33.0, -33.0, -33.0, 6.0, -29.0],
    [-36.0, -36.0, -36.0, -36.0, -36.0, 6.0],
];

/// Croce et al. 2018 (IEEE Communications Letters 22(4)), the SIR thresholds measured
/// with a software receiver, in the same layout.
const CROCE: [[f64; 6]; 6] = [
    [1.0, -8.0, -9.0, -9.0, -9.0, -9.0],
    [-11.0, 1.0, -11.0, -12.0, -13.0, -13.0],
    [-15.0, -13.0, 1.0, -13.0, -14.0, -15.0],
    [-19.0, -18.0, -17.0, 1.0, -17.0, -18.0],
    [-22.0, -22.0, -21.0, -20.0, 1.0, -20.0],
    [-25.0, -25.0, -25.0, -24.0, -23.0, 1.0],
];

/// A network's rule set, ready to apply.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub(crate) collision: Collision,
    /// The power ratio a frame at SF 7 + i needs over the frames at SF 7 + j
    /// overlapping it (0: they never hurt it).
    sir: [[f64; 6]; 6],
    capture_db: f64,
    preamble_rule: bool,
}

impl Rules {
    pub(crate) fn new(cfg: &LoraCfg) -> Rules {
        let db: [[f64; 6]; 6] = std::array::from_fn(|i| {
            std::array::from_fn(|j| match (i == j, cfg.inter_sf) {
                (true, _) => cfg.capture_db,
                (false, None) => f64::NEG_INFINITY,
                (false, Some(SfRejection::Goursaud)) => GOURSAUD[i][j],
                (false, Some(SfRejection::Croce)) => CROCE[i][j],
                (false, Some(SfRejection::Isolation(iso))) => -iso,
            })
        });
        Rules {
            collision: cfg.collision,
            sir: db.map(|row| row.map(|d| 10f64.powf(d / 10.0))),
            capture_db: cfg.capture_db,
            preamble_rule: cfg.preamble_rule,
        }
    }

    /// Whether frames too weak to be received are kept as interference.
    pub(crate) fn counts_weak(&self) -> bool {
        self.collision == Collision::Sinr
    }

    /// A new reception `me` starts at `now` while its gateway receives `o` on the same
    /// channel.
    #[inline]
    pub(crate) fn overlap(&self, o: &mut Reception, me: &mut Reception, now: u64) {
        let same_sf = o.sf == me.sf;
        match self.collision {
            Collision::Sinr => {
                self.interfere(o, me.sf, me.mw);
                me.interference[usize::from(o.sf - 7)] += o.mw;
                // A receiver that has locked onto o's preamble stays with it.
                if same_sf && self.preamble_rule && o.demod && now >= o.lock {
                    me.lose(Fate::Interference);
                }
            }
            Collision::LoraSimSimple if same_sf => {
                o.lose(Fate::Interference);
                me.lose(Fate::Interference);
            }
            Collision::LoraSimFull if same_sf && o.end > me.lock => {
                let lead = f64::from(me.rssi) - f64::from(o.rssi);
                if lead.abs() < self.capture_db || lead > 0.0 {
                    o.lose(Fate::Interference);
                }
                if lead.abs() < self.capture_db || lead < 0.0 {
                    me.lose(Fate::Interference);
                }
            }
            Collision::Aloha => {
                o.lose(Fate::Interference);
                me.lose(Fate::Interference);
            }
            _ => {}
        }
    }

    /// A frame at `sf` of power `mw` starts overlapping `o` (`sinr`): `o` is lost if
    /// it no longer clears its threshold against that SF.
    #[inline]
    pub(crate) fn interfere(&self, o: &mut Reception, sf: u8, mw: f64) {
        let (i, j) = (usize::from(o.sf - 7), usize::from(sf - 7));
        o.interference[j] += mw;
        if o.mw < self.sir[i][j] * o.interference[j] {
            o.lose(Fate::Interference);
        }
    }

    /// After the overlaps of a new reception: whether it clears every SF's threshold.
    #[inline]
    pub(crate) fn settle(&self, me: &mut Reception) {
        if self.collision != Collision::Sinr {
            return;
        }
        let i = usize::from(me.sf - 7);
        if (0..6).any(|j| me.mw < self.sir[i][j] * me.interference[j]) {
            me.lose(Fate::Interference);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::air::Air;
    use super::super::net::{test_cfg, test_net, LoraNet};
    use super::*;

    fn with(collision: Collision, inter_sf: Option<SfRejection>) -> LoraNet {
        test_net(LoraCfg {
            collision,
            inter_sf,
            ..test_cfg()
        })
    }

    /// Frames given as (start ns, length ns, SF, dBm) on one channel at gateway 0,
    /// started and ended in time order: which were received.
    fn outcome(net: &LoraNet, frames: &[(u64, u64, u8, f32)]) -> Vec<bool> {
        let mut air = Air::new(1, 8, 0);
        let mut events: Vec<(u64, bool, usize)> = Vec::new();
        for (i, &(at, len, _, _)) in frames.iter().enumerate() {
            events.push((at, true, i));
            events.push((at + len, false, i));
        }
        // Ends before starts at the same instant.
        events.sort_by_key(|&(t, start, i)| (t, start, i));
        let mut ids = vec![0u32; frames.len()];
        let mut got = vec![false; frames.len()];
        for (_, start, i) in events {
            let (at, len, sf, dbm) = frames[i];
            if start {
                ids[i] = air
                    .start(net, i as u32, (at, at + len), sf, 0, &[(0, dbm)])
                    .unwrap();
            } else {
                got[i] = air.end(ids[i]).1.is_ok();
            }
        }
        got
    }

    const MS: u64 = 1_000_000;

    #[test]
    fn dbm_to_mw_matches_the_library() {
        for i in -2000..=400 {
            let dbm = i as f32 * 0.1 + 0.037;
            let want = 10f64.powf(f64::from(dbm) / 10.0);
            let got = dbm_to_mw(dbm);
            assert!(((got - want) / want).abs() < 1e-8, "{dbm}: {got} vs {want}");
        }
    }

    #[test]
    fn other_sfs_hurt_as_the_rejection_matrix_says() {
        let n = with(Collision::Sinr, Some(SfRejection::Goursaud));
        // SF7 needs -20 dB against SF12: an SF12 frame 19 dB stronger leaves it, 21
        // dB stronger destroys it; the SF12 frame survives either way.
        let f =
            |sf12_dbm: f32| outcome(&n, &[(0, 50 * MS, 7, -100.0), (MS, 80 * MS, 12, sf12_dbm)]);
        assert_eq!(f(-81.0), [true, true]);
        assert_eq!(f(-79.0), [false, true]);
        // SF12 needs -36 dB against SF7.
        let g = |sf7_dbm: f32| outcome(&n, &[(0, 80 * MS, 12, -120.0), (MS, 50 * MS, 7, sf7_dbm)]);
        assert_eq!(g(-85.0), [true, true]);
        assert_eq!(g(-83.0), [false, true]);
        // Orthogonal SFs never hurt each other.
        let o = with(Collision::Sinr, None);
        assert_eq!(
            outcome(&o, &[(0, 50 * MS, 7, -120.0), (MS, 80 * MS, 12, -60.0)]),
            [true, true]
        );
    }

    #[test]
    fn interference_is_the_sum_of_the_frames_overlapping_at_once() {
        let n = with(Collision::Sinr, None);
        // Each 7 dB below the wanted frame alone is within the 6 dB capture threshold;
        // two at once sum to 4 dB below it, and it is lost.
        let one = (5 * MS, 20 * MS, 7, -107.0);
        let both = outcome(
            &n,
            &[(0, 50 * MS, 7, -100.0), one, (10 * MS, 20 * MS, 7, -107.0)],
        );
        assert!(!both[0], "{both:?}");
        // One after the other: it survives (the first no longer counts once ended).
        let apart = outcome(
            &n,
            &[(0, 50 * MS, 7, -100.0), one, (30 * MS, 10 * MS, 7, -107.0)],
        );
        assert!(apart[0], "{apart:?}");
    }

    #[test]
    fn lorasim_full_ignores_a_tail_over_the_first_three_preamble_symbols() {
        let n = with(Collision::LoraSimFull, None);
        // At SF7 three symbols are 3.072 ms: a frame starting 3.0 ms before the other
        // ends does not collide with it; one starting 3.2 ms before does.
        let at = |start: u64| outcome(&n, &[(0, 50 * MS, 7, -100.0), (start, 50 * MS, 7, -100.0)]);
        assert_eq!(at(47_000_000), [true, true]);
        assert_eq!(at(46_800_000), [false, false]);
        // The stronger survives by the capture threshold; SFs are orthogonal.
        assert_eq!(
            outcome(&n, &[(0, 50 * MS, 7, -100.0), (MS, 50 * MS, 7, -110.0)]),
            [true, false]
        );
        assert_eq!(
            outcome(&n, &[(0, 50 * MS, 7, -100.0), (MS, 50 * MS, 9, -60.0)]),
            [true, true]
        );
    }

    #[test]
    fn lorasim_simple_and_aloha_have_no_capture() {
        let two =
            |n: &LoraNet, sf: u8| outcome(n, &[(0, 50 * MS, 7, -100.0), (MS, 50 * MS, sf, -130.0)]);
        let simple = with(Collision::LoraSimSimple, None);
        assert_eq!(two(&simple, 7), [false, false]);
        assert_eq!(two(&simple, 9), [true, true]);
        let aloha = with(Collision::Aloha, None);
        assert_eq!(two(&aloha, 7), [false, false]);
        assert_eq!(two(&aloha, 9), [false, false]);
    }

    /// Poisson frames of a strong and a weak class 12 dB apart at one gateway: the
    /// share of each delivered, over `n` frames.
    fn near_far(preamble_rule: bool, (g_s, g_w): (f64, f64), n: usize) -> (f64, f64) {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Exp};
        let net = test_net(LoraCfg {
            preamble_rule,
            inter_sf: None,
            ..test_cfg()
        });
        let len = 10 * MS;
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let gap = Exp::new((g_s + g_w) / len as f64).unwrap();
        let (mut t, mut frames, mut strong) = (0u64, Vec::new(), Vec::new());
        for _ in 0..n {
            t += gap.sample(&mut rng).round() as u64;
            let s = rand::Rng::random::<f64>(&mut rng) < g_s / (g_s + g_w);
            frames.push((t, len, 7, if s { -100.0 } else { -112.0 }));
            strong.push(s);
        }
        let got = outcome(&net, &frames);
        let share = |want: bool| {
            let (mut k, mut d) = (0.0, 0.0);
            for (s, g) in strong.iter().zip(&got) {
                if *s == want {
                    k += 1.0;
                    d += f64::from(u8::from(*g));
                }
            }
            d / k
        };
        (share(true), share(false))
    }

    #[test]
    fn near_far_capture_matches_the_closed_form() {
        // A strong frame is lost to another strong one overlapping it (equal power),
        // and, with the preamble rule, to a weak one that started more than its
        // preamble less 5 symbols (L = 3.072 ms of T = 10 ms) earlier:
        // exp(-2 G_s) exp(-G_w (T - L) / T). A weak frame survives no overlap:
        // exp(-2 (G_s + G_w)). Tolerance: 4.5 binomial standard errors.
        let (g_s, g_w): (f64, f64) = (0.1, 0.5);
        let n = 200_000;
        let t_l: f64 = (10.0 - 3.072) / 10.0;
        for (rule, want_s) in [
            (true, (-2.0 * g_s - g_w * t_l).exp()),
            (false, (-2.0 * g_s).exp()),
        ] {
            let (s, w) = near_far(rule, (g_s, g_w), n);
            let want_w = (-2.0 * (g_s + g_w)).exp();
            let se = |p: f64, share: f64| (p * (1.0 - p) / (n as f64 * share)).sqrt();
            let tol_s = 4.5 * se(want_s, g_s / (g_s + g_w));
            let tol_w = 4.5 * se(want_w, g_w / (g_s + g_w));
            assert!(
                (s - want_s).abs() < tol_s,
                "rule {rule}: strong {s:.4} vs {want_s:.4}"
            );
            assert!(
                (w - want_w).abs() < tol_w,
                "rule {rule}: weak {w:.4} vs {want_w:.4}"
            );
        }
    }
}

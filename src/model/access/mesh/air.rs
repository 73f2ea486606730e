//! The frames on a mesh's air: what a new frame corrupts, and what a clear-channel
//! assessment hears.

use super::net::MeshNet;
use super::BROADCAST;
use crate::engine::Seeds;
use crate::model::access::lora::phy::PathLoss;
use crate::model::slab::Slab;
use crate::scenario::{CcaMode, MeshCfg};

/// A frame on a mesh channel.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MFrame {
    pub access: u32,
    pub sender: u32,
    pub receiver: u32,
    pub sender_pos: (f32, f32),
    pub start: u64,
    pub end: u64,
    /// Received power at the receiver, dBm.
    pub signal: f32,
    /// Not corrupted by an overlapping frame so far.
    pub ok: bool,
    pub pkt: u32,
    /// An acknowledgement (else a data frame).
    pub ack: bool,
    /// PHY bytes.
    pub bytes: u32,
}

/// A neighbour a broadcast is meant for (an RPL DIO's routers), and whether it can
/// still hear it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hearer {
    pub node: u32,
    pub pos: (f32, f32),
    /// Received power there, dBm.
    pub signal: f32,
    /// Not corrupted there so far (by an overlapping frame, or by its own sending).
    pub ok: bool,
}

/// The frames on the air of every mesh network: a slab, and per network the frames not
/// yet ended (the only ones a new frame or a carrier sense looks at).
#[derive(Default)]
pub(crate) struct MeshAir {
    frames: Slab<MFrame>,
    active: Vec<Vec<u32>>,
    /// The hearers of broadcasts that have them, by frame id.
    hearers: std::collections::BTreeMap<u32, Vec<Hearer>>,
}

/// How far below the noise floor a frame's mean power at a node may be before the node
/// ignores it (neither hears it in carrier sense nor counts its energy, and it corrupts
/// nothing there), dB, before three standard deviations of shadowing are added
/// (citysim's choice). At the defaults (0 dBm, -95 dBm noise floor, 4 dB shadowing) a
/// frame is ignored where its mean power is below -127 dBm (794 m away with the default
/// exponent 3, 1.3 km with 2.8): to be heard there it would need shadowing 8 standard
/// deviations in its favour, to corrupt a frame 7, and a thousand such frames on the air
/// at once bring about -95 dBm, 10 dB under the energy threshold. It spares a city of
/// many meshes far apart, or one mesh much wider than a radio's reach
/// (`simulation.scale_area`), the work of every frame of the network at every node.
pub(crate) const EARSHOT_BELOW_NOISE_DB: f64 = 20.0;

/// The squared distance, m², beyond which a frame of a mesh of `cfg` with path loss
/// `path` is ignored: its mean power there is below the noise floor (or the energy
/// threshold, where that is lower) by [`EARSHOT_BELOW_NOISE_DB`] plus three standard
/// deviations of shadowing.
pub(crate) fn earshot_m2(cfg: &MeshCfg, path: &PathLoss) -> f64 {
    let floor = cfg.noise_floor_dbm.min(cfg.cca_dbm);
    let ignored_below = floor - EARSHOT_BELOW_NOISE_DB - 3.0 * path.sigma_db;
    let d = path.distance_for(cfg.tx_power_dbm - ignored_below);
    d * d
}

/// The squared distance between two places, m² (as [`MeshNet::rx_dbm`] measures it).
#[inline]
fn dist2(a: (f32, f32), b: (f32, f32)) -> f64 {
    (a.0 as f64 - b.0 as f64).powi(2) + (a.1 as f64 - b.1 as f64).powi(2)
}

impl MeshAir {
    pub fn new(nets: usize) -> MeshAir {
        MeshAir {
            frames: Slab::default(),
            active: vec![Vec::new(); nets],
            hearers: Default::default(),
        }
    }

    /// Whether the clear-channel assessment of node `me` at `p` at `now` finds the
    /// channel busy: always while it receives a frame addressed to it; otherwise, by
    /// `cca_mode`, when the frames on the air together carry more energy than the
    /// threshold (`"energy"`), when one of them is heard above the noise floor
    /// (`"carrier"`), or either (`"both"`).
    pub fn busy(&self, net: &MeshNet, seeds: Seeds, me: u32, p: (f32, f32), now: u64) -> bool {
        let cfg = &net.cfg;
        let earshot = net.earshot_m2;
        let mut energy_mw = 0.0;
        for &i in &self.active[net.access as usize] {
            let f = &self.frames[i];
            if !(f.start <= now && now < f.end) || f.sender == me {
                continue;
            }
            if f.receiver == me && f64::from(f.signal) >= cfg.noise_floor_dbm {
                return true;
            }
            if dist2(f.sender_pos, p) > earshot {
                continue;
            }
            let rx = net.rx_dbm(seeds, (f.sender, f.sender_pos), (me, p));
            if cfg.cca_mode != CcaMode::Energy && rx >= cfg.noise_floor_dbm {
                return true;
            }
            energy_mw += 10f64.powf(rx / 10.0);
        }
        cfg.cca_mode != CcaMode::Carrier
            && energy_mw > 0.0
            && 10.0 * energy_mw.log10() >= cfg.cca_dbm
    }

    /// Puts a frame on the air and marks what it and the frames it overlaps corrupt.
    /// `pos_of` gives a node's position.
    pub fn start(
        &mut self,
        net: &MeshNet,
        seeds: Seeds,
        f: MFrame,
        pos_of: impl Fn(u32) -> (f32, f32),
    ) -> u32 {
        self.start_heard(net, seeds, (f, Vec::new()), pos_of)
    }

    /// Puts a broadcast on the air with the neighbours it is meant for (none: a frame
    /// for one receiver, or a broadcast nobody's reception is followed), and marks what
    /// it and the frames it overlaps corrupt, there too.
    pub fn start_heard(
        &mut self,
        net: &MeshNet,
        seeds: Seeds,
        (mut f, mut hearers): (MFrame, Vec<Hearer>),
        pos_of: impl Fn(u32) -> (f32, f32),
    ) -> u32 {
        let capture = net.cfg.capture_db;
        let earshot = net.earshot_m2;
        let list = &self.active[net.access as usize];
        for &gi in list {
            let g = &mut self.frames[gi];
            if !(g.start < f.end && f.start < g.end) {
                continue;
            }
            // Each frame corrupts the other's broadcast where its hearers hear it.
            corrupt(
                net,
                seeds,
                &f,
                self.hearers.get_mut(&gi),
                (capture, earshot),
            );
            corrupt(net, seeds, g, Some(&mut hearers), (capture, earshot));
            // Half duplex: a node sending cannot receive.
            if g.sender == f.receiver {
                f.ok = false;
            }
            if f.sender == g.receiver {
                g.ok = false;
            }
            if g.sender != f.receiver
                && f.receiver != BROADCAST
                && dist2(g.sender_pos, pos_of(f.receiver)) <= earshot
            {
                let i = net.rx_dbm(
                    seeds,
                    (g.sender, g.sender_pos),
                    (f.receiver, pos_of(f.receiver)),
                );
                if i > f64::from(f.signal) - capture {
                    f.ok = false;
                }
            }
            if f.sender != g.receiver
                && g.receiver != BROADCAST
                && dist2(f.sender_pos, pos_of(g.receiver)) <= earshot
            {
                let i = net.rx_dbm(
                    seeds,
                    (f.sender, f.sender_pos),
                    (g.receiver, pos_of(g.receiver)),
                );
                if i > f64::from(g.signal) - capture {
                    g.ok = false;
                }
            }
        }
        let id = self.frames.insert(f);
        self.active[net.access as usize].push(id);
        if !hearers.is_empty() {
            self.hearers.insert(id, hearers);
        }
        id
    }

    /// Takes a frame off the air, with its hearers when it is a broadcast that has some.
    pub fn end(&mut self, id: u32) -> (MFrame, Vec<Hearer>) {
        let f = self.frames[id];
        let list = &mut self.active[f.access as usize];
        if let Some(i) = list.iter().position(|&x| x == id) {
            list.swap_remove(i);
        }
        self.frames.free(id);
        (f, self.hearers.remove(&id).unwrap_or_default())
    }
}

/// Frame `by` overlaps a broadcast heard by `hearers`: a hearer sending it cannot
/// receive (half duplex), and one where it arrives within `capture` dB of the
/// broadcast loses the broadcast (one beyond `earshot`, m², never does).
fn corrupt(
    net: &MeshNet,
    seeds: Seeds,
    by: &MFrame,
    hearers: Option<&mut Vec<Hearer>>,
    (capture, earshot): (f64, f64),
) {
    for h in hearers.into_iter().flatten().filter(|h| h.ok) {
        h.ok = by.sender != h.node
            && (dist2(by.sender_pos, h.pos) > earshot
                || net.rx_dbm(seeds, (by.sender, by.sender_pos), (h.node, h.pos))
                    <= f64::from(h.signal) - capture);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::access::mesh::net::Infra;

    /// A mesh of a gateway at (0, 10) and a relay at (55, 10) with no shadowing, 0 dBm
    /// and PL(d) = 40 + 28 log10(d): the relay hears a node at the gateway at -88.7 dBm,
    /// between the -95 dBm noise floor and the -85 dBm energy threshold.
    fn pair(mode: &str) -> (MeshNet, Seeds) {
        let text = format!(
            "[[access]]\nname = \"m\"\nmesh = {{ exponent = 2.8, shadowing = \"0dB\", cca_mode = \"{mode}\" }}\n\
             [[sensors]]\nname = \"s\"\ncount = 1\ntraffic = {{ kind = \"periodic\", interval = \"1min\" }}\npayload = \"10B\"\n"
        );
        let s = crate::scenario::load_str("t.toml", "t", &text, &[]).unwrap();
        let cfg = *s.access[0].mesh().unwrap();
        let seeds = Seeds {
            seed: 1,
            replication: 0,
        };
        let pos = vec![(0.0, 10.0), (55.0, 10.0)];
        let net = MeshNet::new(
            &cfg,
            0,
            vec![Infra::Gateway(0), Infra::Relay(0)],
            pos,
            (100.0, 20.0),
            seeds,
        );
        (net, seeds)
    }

    /// A 37-byte frame from the gateway (node 0) to `receiver`, on the air from 0 to
    /// 1.184 ms.
    fn frame(net: &MeshNet, seeds: Seeds, receiver: u32) -> MFrame {
        let signal = net.rx_dbm(seeds, (0, net.pos[0]), (1, net.pos[1]));
        MFrame {
            access: 0,
            sender: 0,
            receiver,
            sender_pos: net.pos[0],
            start: 0,
            end: MeshNet::frame_ns(37),
            signal: signal as f32,
            ok: true,
            pkt: 0,
            ack: false,
            bytes: 37,
        }
    }

    #[test]
    fn issue_15_the_channel_is_busy_while_a_node_receives_and_as_its_mode_hears() {
        for (mode, heard) in [("energy", false), ("carrier", true), ("both", true)] {
            let (net, seeds) = pair(mode);
            let at = |receiver: u32| {
                let mut air = MeshAir::new(1);
                let f = frame(&net, seeds, receiver);
                air.start(&net, seeds, f, |x| net.pos[x as usize]);
                air.busy(&net, seeds, 1, net.pos[1], 500_000)
            };
            // A frame for the relay: busy whatever the mode (it would send over it).
            assert!(
                at(1),
                "{mode}: the relay receiving a frame found the channel idle"
            );
            // A frame for someone else at -88.7 dBm: only carrier sense hears it.
            assert_eq!(
                at(7),
                heard,
                "{mode}: a frame at -88.7 dBm for another node"
            );
        }
    }

    #[test]
    fn frames_beyond_earshot_are_ignored_and_those_within_are_not() {
        // No shadowing: earshot is where the mean power falls 20 dB under the -95 dBm
        // floor, 40 + 28 log10(d) = 115 dB: 476.5 m.
        let (net, seeds) = pair("energy");
        let earshot = net.earshot_m2.sqrt();
        assert!(
            (earshot - 10f64.powf(75.0 / 28.0)).abs() < 1e-6,
            "{earshot}"
        );
        // An energy threshold under the noise floor moves the cut with it.
        let mut low = net.cfg;
        low.cca_dbm = -105.0;
        let far = earshot_m2(&low, &net.path).sqrt();
        assert!((far - 10f64.powf(85.0 / 28.0)).abs() < 1e-6, "{far}");
        // Three thousand frames from just inside (-114.9 dBm each) bring -80.1 dBm, over
        // the -85 dBm threshold; from just beyond, the relay ignores them all (without
        // the cut they would bring -80.3 dBm and the channel would be busy).
        for (factor, busy) in [(0.99, true), (1.01, false)] {
            let mut air = MeshAir::new(1);
            let (rx, ry) = net.pos[1];
            for k in 0..3_000 {
                let f = MFrame {
                    receiver: 9,
                    sender_pos: (rx + (earshot * factor) as f32, ry),
                    pkt: k,
                    ..frame(&net, seeds, 9)
                };
                air.start(&net, seeds, f, |x| net.pos[(x as usize).min(1)]);
            }
            assert_eq!(
                air.busy(&net, seeds, 1, net.pos[1], 500_000),
                busy,
                "{factor} x earshot"
            );
        }
    }

    #[test]
    fn issue_15_energy_detection_adds_up_the_frames_on_the_air() {
        // Two frames of -88.7 dBm each bring -85.7 dBm, under the threshold; with a third
        // (-83.9 dBm) the channel is busy, though each alone is below -85 dBm.
        let (net, seeds) = pair("energy");
        let mut air = MeshAir::new(1);
        for k in 0..3 {
            let f = MFrame {
                sender: 0,
                receiver: 9 + k,
                ..frame(&net, seeds, 9)
            };
            air.start(&net, seeds, f, |x| net.pos[(x as usize).min(1)]);
            assert_eq!(
                air.busy(&net, seeds, 1, net.pos[1], 500_000),
                k == 2,
                "{} frames",
                k + 1
            );
        }
    }
}

//! IEEE 802.15.4-style multi-hop mesh: relays and border gateways joined by radio links,
//! routes by hop count or expected transmission count (ETX), and the shared channel
//! on which unslotted CSMA/CA senders collide.
//!
//! ```text
//! sensor --CSMA/CA, ACK, retries--> relay --...--> relay --> border gateway --> backhaul
//! ```
//!
//! Sensors are leaves (end devices): each reading goes to the neighbour with the
//! cheapest route, looked up in a spatial index of the relays and gateways. Relays
//! forward hop by hop along a next-hop table recomputed (petgraph Dijkstra) whenever a
//! relay or gateway fails or comes back.
//!
//! Link quality follows the standard's O-QPSK bit-error rate (IEEE 802.15.4-2006, annex
//! E.4.1.8) at the link's signal-to-noise ratio; a link exists when its packet reception
//! ratio reaches `link_prr`. Frames overlapping in time at a receiver corrupt each other
//! unless one leads by the capture threshold; a node cannot receive while it sends.
//! Carrier sense only hears senders above the CCA threshold, so hidden terminals arise
//! from the geometry alone.

pub(crate) use super::air::{MFrame, MeshAir};
use crate::engine::Seeds;
use crate::ids::Ns;
use crate::model::access::lora::phy::PathLoss;
use crate::model::place::SpatialIndex;
use crate::model::topology::NONE;
use crate::scenario::{MeshCfg, Routing};
use petgraph::algo::dijkstra;
use petgraph::graph::{NodeIndex, UnGraph};
use rand_distr::{Distribution, StandardNormal};

/// One unit backoff period (20 symbols), ns.
pub const UNIT_BACKOFF_NS: u64 = 320_000;
/// Clear-channel assessment (8 symbols), ns.
pub const CCA_NS: u64 = 128_000;
/// RX-to-TX turnaround (12 symbols), ns.
pub const TURNAROUND_NS: u64 = 192_000;
/// macAckWaitDuration (54 symbols), from the end of a frame, ns.
pub const ACK_WAIT_NS: u64 = 864_000;
/// An acknowledgement frame: 6 B PHY + 5 B MAC.
pub const ACK_BYTES: u32 = 11;
/// aMinSIFSPeriod (12 symbols): the least gap after a frame of at most
/// aMaxSIFSFrameSize before the sender's next frame, ns.
pub const SIFS_NS: u64 = 192_000;
/// aMinLIFSPeriod (40 symbols): the least gap after a longer frame, ns.
pub const LIFS_NS: u64 = 640_000;
/// aMaxSIFSFrameSize: the longest MPDU followed by a short interframe space, bytes.
pub const MAX_SIFS_FRAME: u32 = 18;
/// The PHY header of every frame (preamble 4 B, SFD 1 B, length 1 B), bytes.
pub const PHY_HEADER: u32 = 6;

/// The interframe space after a frame of `bytes` (PHY header included), or after the
/// acknowledgement of one (IEEE 802.15.4-2006 7.5.1.3: the space follows the
/// acknowledgement, and its length follows the data frame's).
pub fn ifs_ns(bytes: u32) -> u64 {
    if bytes.saturating_sub(PHY_HEADER) > MAX_SIFS_FRAME {
        LIFS_NS
    } else {
        SIFS_NS
    }
}
/// Payload bytes of the probe frame that link costs (ETX) are computed for.
const PROBE_PAYLOAD: u32 = 30;

/// Bit-error rate of 802.15.4 O-QPSK (2.4 GHz) at a signal-to-noise ratio, dB
/// (IEEE 802.15.4-2006, E.4.1.8).
pub fn ber(snr_db: f64) -> f64 {
    let snr = 10f64.powf(snr_db / 10.0);
    let mut sum = 0.0;
    let mut binom = 1.0; // C(16, k), built up from C(16, 0).
    for k in 1..=16u32 {
        binom *= f64::from(17 - k) / f64::from(k);
        if k >= 2 {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            sum += sign * binom * (20.0 * snr * (1.0 / f64::from(k) - 1.0)).exp();
        }
    }
    (8.0 / 15.0 / 16.0 * sum).clamp(0.0, 0.5)
}

/// At this SNR and above, dB, a frame of any length arrives intact with probability
/// exactly 1 in `f64`: every term of [`ber`]'s sum is at most C(16, k) e^(-10 snr), so
/// the bit-error rate is below 8/240 * 2^16 * e^(-100) (about 1e-40), far below the
/// 2^-54 that 1 - ber needs to round to 1, and 1 to any power is 1.
const PRR_ONE_DB: f64 = 10.0;

/// Probability that a frame of `bytes` bytes arrives intact at `snr_db`.
pub fn prr(snr_db: f64, bytes: u32) -> f64 {
    if snr_db >= PRR_ONE_DB {
        return 1.0;
    }
    prr_formula(snr_db, bytes)
}

/// [`prr`] by the formula at every SNR.
fn prr_formula(snr_db: f64, bytes: u32) -> f64 {
    (1.0 - ber(snr_db)).powf(8.0 * f64::from(bytes))
}

/// What a mesh node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Infra {
    /// A relay (global index among relays).
    Relay(u32),
    /// A border gateway (element index).
    Gateway(u32),
}

/// What a relay (or border gateway) of a mesh handled after the warm-up.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RelayStats {
    /// Frames it received to send on.
    pub received: u64,
    /// Frames it handed on (acknowledged by the next hop).
    pub forwarded: u64,
    /// Frames refused because its queue was full.
    pub overflow: u64,
    /// Most frames it held at once (the one being sent and those waiting).
    pub peak: u32,
    /// Times its next hop changed as the mesh healed around outages.
    pub route_changes: u32,
    /// Time it was up with no route to a border gateway, ns.
    pub no_route_ns: u64,
    /// Since when it has been up with no route (None: it has one, or is down).
    pub no_route_since: Option<u64>,
    /// Routing control broadcasts it sent (after the warm-up).
    pub control: u64,
    /// DIOs its trickle timer suppressed (after the warm-up).
    pub suppressed: u64,
    /// Time it spent transmitting (data, acknowledgements, control; after the
    /// warm-up), ns.
    pub tx_ns: u64,
    /// Time it was down (after the warm-up), ns.
    pub down_ns: u64,
    /// Since when it has been down (None: it is up).
    pub down_since: Option<u64>,
}

impl RelayStats {
    /// Keeps the time a relay is down (`down`) from `now` (counted after `warmup`).
    pub fn went_down(&mut self, down: bool, now: u64, warmup: u64) {
        match (down, self.down_since) {
            (true, None) => self.down_since = Some(now),
            (false, Some(t)) => {
                self.down_ns += now.saturating_sub(t.max(warmup));
                self.down_since = None;
            }
            _ => {}
        }
    }

    /// Keeps the time a relay is up without a route (`lost`) from `now` (counted after
    /// `warmup`).
    pub fn route_lost(&mut self, lost: bool, now: u64, warmup: u64) {
        match (lost, self.no_route_since) {
            (true, None) => self.no_route_since = Some(now),
            (false, Some(t)) => {
                self.no_route_ns += now.saturating_sub(t.max(warmup));
                self.no_route_since = None;
            }
            _ => {}
        }
    }
}

/// One mesh access network: its relays and gateways (the infrastructure nodes, numbered
/// from 0), the radio links between them and the routes. Sensor `s` is node
/// `infra.len() + s`.
pub(crate) struct MeshNet {
    pub cfg: MeshCfg,
    pub(crate) path: PathLoss,
    pub(crate) access: u64,
    pub infra: Vec<Infra>,
    pub pos: Vec<(f32, f32)>,
    index: SpatialIndex,
    /// Neighbours of each infrastructure node: (node, link cost).
    adj: Vec<Vec<(u32, f64)>>,
    /// Route cost to a gateway (infinite: none).
    pub dist: Vec<f64>,
    /// Next hop towards a gateway (NONE: none, or a gateway itself).
    pub next: Vec<u32>,
    /// Outages in force per relay (gateways keep theirs in the element).
    pub down: Vec<u16>,
    /// A packet is in the MAC (backing off, sending or waiting for its ACK).
    pub busy: Vec<bool>,
    /// Until when each node keeps the interframe space after its last exchange, ns.
    pub quiet_until: Vec<u64>,
    /// Packets waiting behind it, in strict priority order.
    pub queue: Vec<crate::model::station::PrioQueue>,
    /// Farthest a link can reach (3 sigma of shadowing in its favour), m.
    max_range_m: f64,
    /// Beyond this squared distance a frame is ignored, m² ([`super::air::earshot_m2`]).
    pub(crate) earshot_m2: f64,
    scratch: Vec<(u32, f32, f32)>,
    /// The order [`MeshNet::parent`] tries nodes in (reused buffer).
    scratch_keys: Vec<std::cmp::Reverse<u128>>,
    /// Routes recomputed so far (sensors' cached parents are valid for one epoch).
    pub epoch: u32,
    /// Which infrastructure nodes the routes were computed with.
    up: Vec<bool>,
    /// Reception ratio against SNR for the frame lengths in use (see [`PrrTable`]).
    tables: Vec<PrrTable>,
    /// One past the last sensor of each class (sensor nodes follow the infrastructure
    /// nodes, numbered as the city numbers sensors).
    pub class_end: Vec<u32>,
    /// Per infrastructure node, what it handled after the warm-up.
    pub stats: Vec<RelayStats>,
    /// Per infrastructure node, its RPL trickle timer.
    pub trickle: Vec<super::trickle::TrickleState>,
    /// Nodes whose next hop or state changed at the last healing, not yet told.
    pub inconsistent: Vec<u32>,
}

/// The reception ratio of one frame length, tabulated every 0.005 dB of SNR from -12 to
/// +18 dB (linear in between; exact formula outside, where it is 0 or 1 to 1e-9).
struct PrrTable {
    bytes: u32,
    values: Vec<f64>,
}

const TABLE_LO_DB: f64 = -12.0;
const TABLE_STEP_DB: f64 = 0.005;
const TABLE_LEN: usize = 6001;

impl PrrTable {
    fn new(bytes: u32) -> PrrTable {
        PrrTable {
            bytes,
            values: (0..TABLE_LEN)
                .map(|i| prr(TABLE_LO_DB + i as f64 * TABLE_STEP_DB, bytes))
                .collect(),
        }
    }

    fn get(&self, snr_db: f64) -> f64 {
        let x = (snr_db - TABLE_LO_DB) / TABLE_STEP_DB;
        if !(0.0..(TABLE_LEN - 1) as f64).contains(&x) {
            return prr(snr_db, self.bytes);
        }
        let i = x as usize;
        let f = x - i as f64;
        self.values[i] * (1.0 - f) + self.values[i + 1] * f
    }
}

impl MeshNet {
    /// Farthest a link of `cfg` can reach (3 sigma of shadowing in its favour), m: where
    /// the probe's reception ratio falls to `link_prr`.
    pub fn range_m(cfg: &MeshCfg) -> f64 {
        let path = Self::path_loss(cfg);
        // The weakest signal a link may have: where the probe's PRR falls to link_prr.
        let mut lo = -20.0;
        let mut hi = 40.0;
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if prr(mid, PROBE_PAYLOAD + cfg.overhead_bytes) >= cfg.link_prr {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let floor = cfg.noise_floor_dbm + hi;
        let budget = cfg.tx_power_dbm - floor + 3.0 * path.sigma_db;
        path.distance_for(budget).max(path.d0_m)
    }

    /// The log-distance path loss of `cfg`.
    fn path_loss(cfg: &MeshCfg) -> PathLoss {
        let (d0_m, pl0_db, exponent, sigma_db) = cfg.path_loss;
        PathLoss {
            d0_m,
            pl0_db,
            exponent,
            sigma_db,
        }
    }

    /// The network of access `access` over the infrastructure nodes `infra` at `pos`.
    pub fn new(
        cfg: &MeshCfg,
        access: usize,
        infra: Vec<Infra>,
        pos: Vec<(f32, f32)>,
        (w, h): (f64, f64),
        seeds: Seeds,
    ) -> MeshNet {
        let path = Self::path_loss(cfg);
        let pts: Vec<(u32, f32, f32)> = pos
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, p.0, p.1))
            .collect();
        let n = infra.len();
        let mut net = MeshNet {
            cfg: *cfg,
            path,
            access: access as u64,
            infra,
            index: SpatialIndex::new(&pts, w, h),
            pos,
            adj: vec![Vec::new(); n],
            dist: vec![f64::INFINITY; n],
            next: vec![NONE; n],
            down: vec![0; n],
            busy: vec![false; n],
            quiet_until: vec![0; n],
            queue: (0..n).map(|_| Default::default()).collect(),
            max_range_m: MeshNet::range_m(cfg),
            earshot_m2: super::air::earshot_m2(cfg, &path),
            scratch: Vec::new(),
            scratch_keys: Vec::new(),
            epoch: 0,
            up: Vec::new(),
            tables: Vec::new(),
            stats: vec![RelayStats::default(); n],
            class_end: Vec::new(),
            trickle: vec![Default::default(); n],
            inconsistent: Vec::new(),
        };
        net.tables
            .push(PrrTable::new(PROBE_PAYLOAD + cfg.overhead_bytes));
        net.tables.push(PrrTable::new(ACK_BYTES));
        let mut near = Vec::new();
        for a in 0..n {
            let (x, y) = net.pos[a];
            near.clear();
            net.index
                .within(x as f64, y as f64, net.max_range_m, &mut near);
            near.sort_unstable_by_key(|&(b, _, _)| b);
            for &(b, bx, by) in &near {
                if b as usize == a {
                    continue;
                }
                let rx = net.rx_dbm(seeds, (a as u32, (x, y)), (b, (bx, by)));
                if let Some(c) = net.link_cost(rx) {
                    net.adj[a].push((b, c));
                }
            }
        }
        net
    }

    /// Node `node`'s key in the shadowing draws: a relay's or gateway's node number, a
    /// sensor's (class, index within class) key with bit 62 set, so that adding sensors
    /// to one class leaves the links of every other class unchanged.
    pub fn node_key(&self, node: u32) -> u64 {
        let n = self.infra.len() as u32;
        if node < n {
            u64::from(node)
        } else {
            (1 << 62) | crate::model::sensor_key(&self.class_end, (node - n) as usize)
        }
    }

    /// Power received from node `a` at node `b` (shadowing fixed per pair), dBm.
    pub fn rx_dbm(
        &self,
        seeds: Seeds,
        (a, pa): (u32, (f32, f32)),
        (b, pb): (u32, (f32, f32)),
    ) -> f64 {
        let d = ((pa.0 as f64 - pb.0 as f64).powi(2) + (pa.1 as f64 - pb.1 as f64).powi(2)).sqrt();
        let shadow = if self.path.sigma_db > 0.0 {
            let (ka, kb) = (self.node_key(a), self.node_key(b));
            let (lo, hi) = (ka.min(kb), ka.max(kb));
            // A hash of the pair: node keys are below 2^63.
            let pair = lo.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ hi;
            let mut rng = seeds.sub(Ns::MeshShadow.id(self.access), pair);
            let z: f64 = StandardNormal.sample(&mut rng);
            z * self.path.sigma_db
        } else {
            0.0
        };
        self.cfg.tx_power_dbm - self.path.mean_db(d) - shadow
    }

    /// Routing cost of a link with received power `rx`, or None when there is no link.
    fn link_cost(&self, rx: f64) -> Option<f64> {
        let snr = rx - self.cfg.noise_floor_dbm;
        let data = self.frame_prr(snr, PROBE_PAYLOAD + self.cfg.overhead_bytes);
        if data < self.cfg.link_prr {
            return None;
        }
        Some(match self.cfg.routing {
            Routing::Hops => 1.0,
            Routing::Etx => 1.0 / (data * self.frame_prr(snr, ACK_BYTES)),
        })
    }

    /// Recomputes routes; `gateway_up(e)` says whether gateway element `e` is up and has
    /// a route onward.
    pub fn reroute(&mut self, gateway_up: impl Fn(u32) -> bool, (now, warmup): (u64, u64)) {
        let n = self.infra.len();
        let up: Vec<bool> = (0..n)
            .map(|i| match self.infra[i] {
                Infra::Relay(_) => self.down[i] == 0,
                Infra::Gateway(e) => gateway_up(e),
            })
            .collect();
        if self.epoch > 0 && up == self.up {
            // Nothing of this mesh changed (the fault was elsewhere).
            return;
        }
        self.epoch = self.epoch.wrapping_add(1);
        let mut g: UnGraph<(), f64> = UnGraph::with_capacity(n + 1, n * 4);
        for _ in 0..=n {
            g.add_node(());
        }
        let root = NodeIndex::new(n);
        for a in 0..n {
            if !up[a] {
                continue;
            }
            if matches!(self.infra[a], Infra::Gateway(_)) {
                g.add_edge(NodeIndex::new(a), root, 0.0);
            }
            for &(b, c) in &self.adj[a] {
                // Gateways do not relay for each other: only relays carry transit.
                let b = b as usize;
                if b > a && up[b] && !self.both_gateways(a, b) {
                    g.add_edge(NodeIndex::new(a), NodeIndex::new(b), c);
                }
            }
        }
        let dist = dijkstra(&g, root, None, |e| *e.weight());
        for (a, &u) in up.iter().enumerate() {
            self.dist[a] = dist
                .get(&NodeIndex::new(a))
                .copied()
                .filter(|_| u)
                .unwrap_or(f64::INFINITY);
        }
        let healed = self.epoch > 1;
        let was_up = std::mem::replace(&mut self.up, up.clone());
        for (a, &u) in up.iter().enumerate() {
            let before = self.next[a];
            self.next[a] = NONE;
            if u && !matches!(self.infra[a], Infra::Gateway(_)) {
                let mut best = (f64::INFINITY, NONE);
                for &(b, c) in &self.adj[a] {
                    let total = c + self.dist[b as usize];
                    if total < best.0 {
                        best = (total, b);
                    }
                }
                self.next[a] = best.1;
            }
            let came_up = u && !was_up.get(a).copied().unwrap_or(true);
            if healed && u && (before != self.next[a] || came_up) {
                self.inconsistent.push(a as u32);
            }
            if matches!(self.infra[a], Infra::Relay(_)) {
                let st = &mut self.stats[a];
                if healed && before != self.next[a] && now >= warmup {
                    st.route_changes += 1;
                }
                st.route_lost(u && self.next[a] == NONE, now, warmup);
            }
        }
    }

    fn both_gateways(&self, a: usize, b: usize) -> bool {
        matches!(self.infra[a], Infra::Gateway(_)) && matches!(self.infra[b], Infra::Gateway(_))
    }

    /// The neighbour a sensor `s` at `p` sends to (the cheapest route), with the
    /// received power there; None when no relay or gateway hears it, Some(NONE) when
    /// some do but none has a route.
    pub fn parent(&mut self, seeds: Seeds, s: usize, p: (f32, f32)) -> Option<(u32, f64)> {
        let me = (self.infra.len() + s) as u32;
        let mut near = std::mem::take(&mut self.scratch);
        near.clear();
        self.index
            .within_any_order(p.0 as f64, p.1 as f64, self.max_range_m, &mut near);
        // Nearest the gateways first: a link costs at least 1 (one hop, or an ETX of
        // at least 1), so once a node's route cost plus 1 exceeds the best total found,
        // neither it nor any after it can do better, and the search stops there. The
        // best is the least total, then the lowest node: what a search of every node in
        // order of number keeping the first strictly better one finds. The nodes come
        // off a heap keyed by (route cost, node) (a route cost is never negative, so
        // its bits order as it does), as the search rarely goes far.
        let mut order = std::mem::take(&mut self.scratch_keys);
        order.clear();
        order.extend(near.iter().enumerate().map(|(i, &(b, _, _))| {
            // Adding 0 makes a -0 a 0.
            let via = (self.dist[b as usize] + 0.0).to_bits();
            std::cmp::Reverse((u128::from(via) << 64) | (u128::from(b) << 32) | i as u128)
        }));
        let mut heap = std::collections::BinaryHeap::from(order);
        let mut heard = false;
        let mut best = (f64::INFINITY, NONE, 0.0);
        while let Some(std::cmp::Reverse(key)) = heap.pop() {
            let (b, bx, by) = near[key as u32 as usize];
            let via = self.dist[b as usize];
            if via + 1.0 > best.0 {
                break;
            }
            let rx = self.rx_dbm(seeds, (me, p), (b, (bx, by)));
            if let Some(c) = self.link_cost(rx) {
                heard = true;
                let total = c + via;
                if total < best.0 || (total == best.0 && best.1 != NONE && b < best.1) {
                    best = (total, b, rx);
                }
            }
        }
        self.scratch = near;
        self.scratch_keys = heap.into_vec();
        heard.then_some((best.1, best.2))
    }

    /// The radio links of infrastructure node `a`: (neighbour, link cost).
    pub fn links(&self, a: usize) -> &[(u32, f64)] {
        &self.adj[a]
    }

    /// Radio neighbours of infrastructure node `a`.
    pub fn neighbours(&self, a: usize) -> u32 {
        self.adj[a].len() as u32
    }

    /// Hops from infrastructure node `a` to a gateway along the routes (None: none).
    pub fn hops(&self, a: usize) -> Option<u32> {
        let mut at = a;
        for h in 0..=self.infra.len() as u32 {
            if matches!(self.infra[at], Infra::Gateway(_)) {
                return Some(h);
            }
            let next = self.next[at];
            if next == NONE {
                return None;
            }
            at = next as usize;
        }
        None
    }

    /// Tabulates the reception ratio of frames of `bytes` bytes (payload and overhead).
    pub fn tabulate(&mut self, bytes: u32) {
        if !self.tables.iter().any(|t| t.bytes == bytes) {
            self.tables.push(PrrTable::new(bytes));
        }
    }

    /// Reception ratio of a frame of `bytes` bytes at `snr_db` (from a table when there
    /// is one).
    pub fn frame_prr(&self, snr_db: f64, bytes: u32) -> f64 {
        match self.tables.iter().find(|t| t.bytes == bytes) {
            Some(t) => t.get(snr_db),
            None => prr(snr_db, bytes),
        }
    }

    /// Time on the air of a frame of `bytes` bytes, ns.
    pub fn frame_ns(bytes: u32) -> u64 {
        u64::from(bytes) * MeshCfg::BYTE_NS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ber_is_one_half_at_zero_snr_and_falls_steeply() {
        // At SINR = 0 (linear 1, i.e. -inf dB) the sum is 15: BER = 1/2.
        assert!((ber(-200.0) - 0.5).abs() < 1e-9);
        assert!(ber(0.0) < 2e-4 && ber(0.0) > 1e-4);
        assert!(ber(5.0) < 1e-12);
        let mut last = 1.0;
        for i in -30..60 {
            let b = ber(f64::from(i) / 5.0);
            assert!(b <= last);
            last = b;
        }
    }

    #[test]
    fn the_table_agrees_with_the_formula() {
        let t = PrrTable::new(57);
        for i in 0..4000 {
            let snr = -15.0 + i as f64 * 0.00837;
            assert!((t.get(snr) - prr(snr, 57)).abs() < 1e-4, "{snr}");
        }
    }

    #[test]
    fn from_ten_db_every_frame_arrives_with_probability_exactly_one() {
        // What the shortcut returns is what the formula gives, bit for bit.
        for bytes in [6, 11, 81, 133] {
            for i in 0..100_000 {
                let snr = PRR_ONE_DB + f64::from(i) * 0.0005;
                assert_eq!(prr_formula(snr, bytes), 1.0, "{snr} dB, {bytes} B");
            }
            assert_eq!(prr(9.5, bytes), prr_formula(9.5, bytes));
        }
        assert!(prr_formula(PRR_ONE_DB - 9.0, 133) < 1.0);
    }

    /// A sensor's parent as found by trying every node in range in order of number,
    /// keeping the first strictly better one.
    fn parent_by_every_node(
        net: &MeshNet,
        seeds: Seeds,
        s: usize,
        p: (f32, f32),
    ) -> Option<(u32, f64)> {
        let me = (net.infra.len() + s) as u32;
        let mut near = Vec::new();
        net.index
            .within(p.0 as f64, p.1 as f64, net.max_range_m, &mut near);
        near.sort_unstable_by_key(|&(b, _, _)| b);
        let mut heard = false;
        let mut best = (f64::INFINITY, NONE, 0.0);
        for &(b, bx, by) in &near {
            let rx = net.rx_dbm(seeds, (me, p), (b, (bx, by)));
            if let Some(c) = net.link_cost(rx) {
                heard = true;
                let total = c + net.dist[b as usize];
                if total < best.0 {
                    best = (total, b, rx);
                }
            }
        }
        heard.then_some((best.1, best.2))
    }

    #[test]
    fn a_sensor_finds_the_parent_a_search_of_every_node_finds() {
        use rand::{Rng, SeedableRng};
        let seeds = Seeds {
            seed: 5,
            replication: 0,
        };
        for routing in ["hops", "etx"] {
            let text = format!(
                "[[access]]\nname = \"m\"\nmesh = {{ exponent = 2.8, routing = \"{routing}\" }}\n\
                 [[sensors]]\nname = \"s\"\ncount = 1\ntraffic = {{ kind = \"periodic\", interval = \"1min\" }}\npayload = \"10B\"\n"
            );
            let sc = crate::scenario::load_str("t.toml", "t", &text, &[]).unwrap();
            let cfg = *sc.access[0].mesh().unwrap();
            // Three gateways and a 30 x 30 grid of relays 40 m apart, some down, and
            // a 3 x 3 grid of relays far away with no gateway in reach; sensors beyond
            // every relay's range too.
            let mut infra = vec![Infra::Gateway(0), Infra::Gateway(1), Infra::Gateway(2)];
            let mut pos = vec![(10.0, 10.0), (1150.0, 600.0), (600.0, 1190.0)];
            for i in 0..900u32 {
                infra.push(Infra::Relay(i));
                pos.push(((i % 30) as f32 * 40.0 + 5.0, (i / 30) as f32 * 40.0 + 5.0));
            }
            for i in 0..9u32 {
                infra.push(Infra::Relay(900 + i));
                pos.push((
                    (i % 3) as f32 * 40.0 + 1800.0,
                    (i / 3) as f32 * 40.0 + 1800.0,
                ));
            }
            let mut net = MeshNet::new(&cfg, 0, infra, pos, (2000.0, 2000.0), seeds);
            for i in (3..903).step_by(7) {
                net.down[i] = 1;
            }
            // The third gateway has no way onward: the relays only it serves have none.
            net.reroute(|e| e != 2, (0, 0));
            let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
            let (mut found, mut none, mut no_route) = (0, 0, 0);
            for s in 0..3000 {
                let p = (
                    rng.random_range(0.0..2000.0f32),
                    rng.random_range(0.0..2000.0f32),
                );
                let want = parent_by_every_node(&net, seeds, s, p);
                let got = net.parent(seeds, s, p);
                assert_eq!(
                    got.map(|g| (g.0, g.1.to_bits())),
                    want.map(|w| (w.0, w.1.to_bits()))
                );
                found += usize::from(want.is_some_and(|w| w.0 != NONE));
                none += usize::from(want.is_none_or(|w| w.0 == NONE));
                no_route += usize::from(want.is_some_and(|w| w.0 == NONE));
            }
            assert!(found > 1000, "{routing}: {found} sensors found a parent");
            assert!(none > 100, "{routing}: {none} sensors found none");
            assert!(
                no_route > 0,
                "{routing}: {no_route} heard relays with no route"
            );
        }
    }

    #[test]
    fn longer_frames_are_lost_more_often() {
        assert!(prr(-1.0, 20) > prr(-1.0, 120));
        assert!(prr(10.0, 127) > 0.999_999);
    }
}

//! `[[access]]`: access networks and their technology (LoRa, 802.15.4 mesh, cellular).

use super::diag::Origin;
use super::read::{
    self, Bitrate, Cx, Db, Dbm, Dist, Distance, Duration, Int, Kind, Positive, Probability, Tbl,
};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// An `[[access]]` network: the hop from a sensor to its gateway.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    /// Name referred to by `sensors.access` and `gateways.access`.
    pub name: String,
    /// Propagation and protocol latency.
    pub latency: DistCfg,
    /// Transmit rate; adds `payload * 8 / bandwidth` to each reading (None: instant).
    pub bandwidth_bps: Option<f64>,
    /// Probability a reading is lost on this hop.
    pub loss: f64,
    /// Farthest a sensor may be from its gateway, m (None: any distance).
    pub range_m: Option<f64>,
    /// Its technology.
    pub tech: Technology,
}

/// The technology of an access network: one per `[[access]]`.
#[derive(Debug, Clone, Serialize)]
pub enum Technology {
    /// An abstract hop: latency, bandwidth, loss and range.
    Direct,
    /// A LoRa star network: radio, propagation and collisions.
    Lora(LoraCfg),
    /// A cellular (NB-IoT / LTE-M style) network: each gateway is a cell.
    Cellular(CellularCfg),
    /// An IEEE 802.15.4-style multi-hop mesh through relays to border gateways.
    Mesh(MeshCfg),
}

impl Access {
    /// The LoRa settings of a LoRa access.
    pub fn lora(&self) -> Option<&LoraCfg> {
        match &self.tech {
            Technology::Lora(c) => Some(c),
            _ => None,
        }
    }

    /// The cell settings of a cellular access.
    pub fn cellular(&self) -> Option<&CellularCfg> {
        match &self.tech {
            Technology::Cellular(c) => Some(c),
            _ => None,
        }
    }

    /// The mesh settings of a mesh access.
    pub fn mesh(&self) -> Option<&MeshCfg> {
        match &self.tech {
            Technology::Mesh(c) => Some(c),
            _ => None,
        }
    }
}

/// The keys that choose an access network's technology.
const TECHNOLOGIES: [&str; 3] = ["lora", "cellular", "mesh"];

/// How a mesh chooses its routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Routing {
    /// Fewest hops.
    Hops,
    /// Least expected transmission count (ETX, De Couto et al. 2003).
    Etx,
}

/// The routing control traffic of a mesh's routers and border gateways.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Control {
    /// Zigbee: a link status broadcast every `period_ns` from a random phase (0: none).
    LinkStatus {
        /// The period, ns.
        period_ns: u64,
    },
    /// RPL (RFC 6550): DIOs on a trickle timer (RFC 6206).
    Rpl(Trickle),
}

/// A trickle timer's parameters (RFC 6206, as RPL configures them: RFC 6550 8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Trickle {
    /// Imin, ns.
    pub imin_ns: u64,
    /// Doublings of Imin up to Imax.
    pub doublings: u32,
    /// The redundancy constant k (0: never suppress).
    pub k: u32,
}

/// What a mesh node's clear-channel assessment reports busy (IEEE 802.15.4-2006 6.9.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CcaMode {
    /// Mode 1: the energy of every frame on the air together is above the threshold.
    Energy,
    /// Mode 2: a compliant frame is heard above the receiver's sensitivity.
    Carrier,
    /// Mode 3 with OR, the CC2420's setting: either of the two.
    Both,
}

/// `mesh` of an access network: IEEE 802.15.4 (2.4 GHz O-QPSK, 250 kbit/s) with
/// unslotted CSMA/CA, per-hop acknowledgements and retries, relayed to border gateways.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MeshCfg {
    /// Transmit power, dBm.
    pub tx_power_dbm: f64,
    /// Noise floor (thermal noise plus the receiver's noise figure), dBm.
    pub noise_floor_dbm: f64,
    /// Clear-channel assessment threshold (energy detection), dBm.
    pub cca_dbm: f64,
    /// What the clear-channel assessment reports busy. A node receiving a frame
    /// addressed to it always reports busy.
    pub cca_mode: CcaMode,
    /// A frame survives an overlapping one when it is stronger by at least this, dB.
    pub capture_db: f64,
    /// A link exists when its packet reception ratio is at least this.
    pub link_prr: f64,
    /// Path loss: reference distance (m), loss there (dB), exponent, shadowing sd (dB).
    pub path_loss: (f64, f64, f64, f64),
    /// macMinBE.
    pub min_be: u8,
    /// macMaxBE.
    pub max_be: u8,
    /// macMaxCSMABackoffs.
    pub max_backoffs: u8,
    /// macMaxFrameRetries.
    pub retries: u8,
    /// PHY and MAC bytes added to each payload.
    pub overhead_bytes: u32,
    /// Route metric.
    pub routing: Routing,
    /// Frames a relay holds for sending (beyond the one it is sending).
    pub queue: u32,
    /// Routing control traffic.
    pub control: Control,
    /// The radio's current while transmitting, A (sensors, relays and border gateways).
    pub tx_a: f64,
    /// The radio's current while receiving or listening, A.
    pub rx_a: f64,
}

impl MeshCfg {
    /// 802.15.4 at 2.4 GHz: bytes per second.
    pub const BYTE_NS: u64 = 32_000;
    /// Largest PHY frame, bytes.
    pub const MAX_FRAME: u32 = 133;
}

pub(crate) fn read_access(cx: &mut Cx, node: &Node, key: &str) -> Option<(Access, Origin)> {
    let mut t = Tbl::open(cx, node, key, "access")?;
    let name_node = t.req(cx, "name", "a name such as \"lora\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let latency = t.val::<Dist>(cx, "latency");
    let bandwidth = t.opt::<Bitrate>(cx, "bandwidth");
    let loss = t.val::<Probability>(cx, "loss");
    let range = t.opt::<Distance>(cx, "range");
    let tech = read_technology(cx, &mut t, !matches!(bandwidth, Some(None)));
    t.finish(cx);
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        Access {
            name: name?,
            latency: latency?,
            bandwidth_bps: bandwidth?,
            loss: loss?,
            range_m: range?,
            tech: tech?,
        },
        origin,
    ))
}

/// The technology of an `[[access]]`: at most one of `lora`, `cellular` and `mesh`
/// (none: a direct hop). `bandwidth`: whether the entry also sets a bandwidth, which
/// only a direct hop takes.
fn read_technology(cx: &mut Cx, t: &mut Tbl, bandwidth: bool) -> Option<Technology> {
    let nodes = [t.get("lora"), t.get("cellular"), t.get("mesh")];
    let present: Vec<(&str, &Node)> = TECHNOLOGIES
        .into_iter()
        .zip(nodes)
        .filter_map(|(k, n)| Some((k, n?)))
        .collect();
    if present.len() > 1 {
        let names: Vec<String> = present.iter().map(|(k, _)| format!("`{k}`")).collect();
        let (k, n) = present[1];
        cx.err(
            &n.origin,
            &t.key(k),
            format!(
                "an access network has one technology, but {} are both set; keep one, or describe each in an [[access]] of its own",
                names.join(" and ")
            ),
        );
        return None;
    }
    let Some(&(k, n)) = present.first() else {
        return Some(Technology::Direct);
    };

    if bandwidth {
        let why = match k {
            "lora" => "a LoRa access takes its rate from lora.sf and lora.bandwidth",
            "cellular" => "a cellular access takes its rate from cellular.rate",
            _ => "a mesh access runs at 802.15.4's 250kbps",
        };
        cx.err(
            &n.origin,
            &t.key("bandwidth"),
            format!("{why}; remove `bandwidth`"),
        );
        return None;
    }
    let key = t.key(k);
    match k {
        "lora" => read_lora(cx, n, &key).map(Technology::Lora),
        "cellular" => super::cellular::read_cellular(cx, n, &key).map(Technology::Cellular),
        _ => read_mesh(cx, n, &key).map(Technology::Mesh),
    }
}

/// Reads `mesh = { tx_power = "0dBm", routing = "etx", ... }`; the defaults (see
/// [`defaults::TABLE`]) are a CC2420-class radio in a city street.
pub(crate) fn read_mesh(cx: &mut Cx, node: &Node, key: &str) -> Option<MeshCfg> {
    let mut t = Tbl::open(cx, node, key, "mesh")?;
    let tx_power_dbm = t.val::<Dbm>(cx, "tx_power");
    let noise_floor_dbm = t.val::<Dbm>(cx, "noise_floor");
    let cca_dbm = t.val::<Dbm>(cx, "cca_threshold");
    let cca_mode = t.val::<CcaModeName>(cx, "cca_mode");
    let capture_db = t.val::<Db>(cx, "capture_threshold");
    let link_prr = t.val::<LinkPrr>(cx, "link_prr");
    let routing = t.val::<RoutingKind>(cx, "routing");
    let d0 = t.val::<Distance>(cx, "d0");
    let pl0 = t.val::<Db>(cx, "pl0");
    let exponent = t.val::<Positive>(cx, "exponent");
    let sigma = t.val::<Db>(cx, "shadowing");
    let min_be = t.val::<Int<0, 8>>(cx, "min_be");
    let max_be = t.val::<Int<3, 8>>(cx, "max_be");
    let max_backoffs = t.val::<Int<0, 5>>(cx, "max_backoffs");
    let retries = t.val::<Int<0, 7>>(cx, "retries");
    let overhead = t.val::<FrameBytes>(cx, "overhead");
    let queue = t.val::<Int<0, 1_000_000>>(cx, "queue");
    let control = read_control(cx, &mut t);
    let tx_a = t.val::<super::behaviour::Current>(cx, "tx_current");
    let rx_a = t.val::<super::behaviour::Current>(cx, "rx_current");
    if let (Some(lo), Some(hi)) = (min_be, max_be) {
        if lo > hi {
            let origin = t.origin_of("min_be");
            cx.err(&origin, &t.key("min_be"), "expected min_be <= max_be");
        }
    }
    t.finish(cx);
    Some(MeshCfg {
        tx_power_dbm: tx_power_dbm?,
        noise_floor_dbm: noise_floor_dbm?,
        cca_dbm: cca_dbm?,
        cca_mode: cca_mode?,
        capture_db: capture_db?,
        link_prr: link_prr?,
        path_loss: (d0?, pl0?, exponent?, sigma?),
        min_be: min_be? as u8,
        max_be: max_be? as u8,
        max_backoffs: max_backoffs? as u8,
        retries: retries? as u8,
        overhead_bytes: overhead? as u32,
        routing: routing?,
        queue: queue? as u32,
        control: control?,
        tx_a: tx_a?,
        rx_a: rx_a?,
    })
    .filter(|m| m.min_be <= m.max_be)
}

/// The control traffic of a mesh table: `control` and the keys of its kind (a key of
/// the other kind is an error that says which `control` it belongs to).
fn read_control(cx: &mut Cx, t: &mut Tbl) -> Option<Control> {
    let kind = t.val::<ControlName>(cx, "control");
    let period = t.val::<Duration>(cx, "link_status");
    let imin = t.val::<Duration>(cx, "dio_interval_min");
    let doublings = t.val::<Int<0, 32>>(cx, "dio_doublings");
    let k = t.val::<Int<0, 255>>(cx, "dio_redundancy");
    let rpl = kind? == "rpl";
    let foreign: &[&str] = if rpl {
        &["link_status"]
    } else {
        &["dio_interval_min", "dio_doublings", "dio_redundancy"]
    };
    let mut ok = true;
    for &key in foreign {
        if t.has_key(key) {
            let other = if rpl { "link_status" } else { "rpl" };
            cx.err(
                &t.origin_of(key),
                &t.key(key),
                format!("`{key}` belongs to control = \"{other}\"; remove it, or set `control = \"{other}\"`"),
            );
            ok = false;
        }
    }
    if rpl && imin == Some(0) {
        cx.err(
            &t.origin_of("dio_interval_min"),
            &t.key("dio_interval_min"),
            "expected a trickle interval above zero, such as \"8ms\"",
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    Some(if rpl {
        Control::Rpl(Trickle {
            imin_ns: imin?,
            doublings: doublings? as u32,
            k: k? as u32,
        })
    } else {
        Control::LinkStatus { period_ns: period? }
    })
}

read::kind!(
    /// A mesh's routing control traffic: `"link_status"` (Zigbee) or `"rpl"`.
    ControlName => &'static str, "`\"link_status\"` or `\"rpl\"`", |cx: &mut Cx, n: &Node, k: &str| read::choice(cx, n, k, &["link_status", "rpl"])
);
read::kind!(
    /// A mesh link's least reception ratio: above 0, at most 1.
    LinkPrr => f64, "probability > 0, at most 1", |cx: &mut Cx, n: &Node, k: &str| match read::probability(cx, n, k) {
        Some(p) if p > 0.0 => Some(p),
        Some(_) => {
            cx.expected(n, k, "a reception ratio above 0, such as 0.1");
            None
        }
        None => None,
    }
);
read::kind!(
    /// `"energy"`, `"carrier"` or `"both"`.
    CcaModeName => CcaMode, "`\"energy\"`, `\"carrier\"` or `\"both\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["energy", "carrier", "both"]).map(|c| match c {
            "energy" => CcaMode::Energy,
            "carrier" => CcaMode::Carrier,
            _ => CcaMode::Both,
        })
    }
);
read::kind!(
    /// How a mesh routes: `"hops"` or `"etx"`.
    RoutingKind => Routing, "`\"hops\"` or `\"etx\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["hops", "etx"]).map(|c| if c == "hops" { Routing::Hops } else { Routing::Etx })
    }
);
/// The header presets of `mesh.overhead`: the protocol stack above 802.15.4 and the
/// bytes it adds to each reading, PHY header (6 B), MAC header with short addresses and
/// FCS (11 B) included.
pub const OVERHEAD_PRESETS: [(&str, u64); 3] = [
    // IEEE 802.15.4-2006 7.2: PHY 6 B; frame control 2, sequence 1, PAN id 2, short
    // addresses 2 + 2, FCS 2.
    ("802.15.4", 17),
    // ZigBee PRO (ZigBee Specification 05-3474-21): NWK header 8 B (3.3.1), NWK
    // security auxiliary header 14 B with the extended source and a 4-B MIC (4.5.1),
    // APS data header 8 B (2.2.5.1): 34 B on the 17.
    ("zigbee", 51),
    // Thread (6LoWPAN over secured 802.15.4): auxiliary security header 6 B (key id
    // mode 1, IEEE 802.15.4-2006 7.6.2) and MIC-32 4 B, RFC 4944 mesh header 5 B (short
    // addresses), RFC 6282 IPHC 3 B (stateful compression, hop limit inline) and UDP
    // NHC 4 B (compressed ports, checksum): 22 B on the 17.
    ("thread", 39),
];

read::kind!(
    /// A mesh frame's overhead: a preset's name, or a size of at most a PHY frame
    /// (127 B).
    FrameBytes => u64, "size, at most 127B, or `\"802.15.4\"` (17B), `\"zigbee\"` (51B) or `\"thread\"` (39B)", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if OVERHEAD_PRESETS.iter().any(|p| p.0 == s) => {
            OVERHEAD_PRESETS.iter().find(|p| p.0 == s).map(|p| p.1)
        }
        Val::Str(s) if crate::units::parse_bytes(s).is_err() => {
            cx.expected(n, k, "a size such as \"17B\", or \"802.15.4\", \"zigbee\" or \"thread\"");
            None
        }
        _ => match read::bytes(cx, n, k) {
            Some(b) if b <= 127 => Some(b),
            Some(_) => {
                cx.expected(n, k, "at most 127B (a PHY frame's length)");
                None
            }
            None => None,
        },
    }
);

/// The keys of `access` tables, for the key reference.
pub(crate) const ACCESS_KEYS: &[Key] = &[
    Key::of(
        "name",
        "what sensor classes, gateway groups and relays call this network",
    ),
    Key::of("latency", "a direct hop's delay from sensor to gateway"),
    Key::opt(
        "bandwidth",
        "unlimited",
        "a direct hop's rate: a reading occupies it for its size over this rate",
    ),
    Key::of("loss", "the share of readings a direct hop loses"),
    Key::opt(
        "range",
        "every gateway of the network",
        "how far a gateway of a direct network reaches; a sensor attaches to the nearest in range",
    ),
    Key::any(
        "lora",
        "a table (see `lora`)",
        "none",
        "makes this a LoRaWAN network: radio, MAC, propagation and reception settings",
    ),
    Key::any(
        "cellular",
        "a table (see `cellular`)",
        "none",
        "makes this a cellular network: transfer slots, rate and wake-up",
    ),
    Key::any(
        "mesh",
        "a table (see `mesh`)",
        "none",
        "makes this an IEEE 802.15.4 mesh over the relays that name it",
    ),
];

/// The keys of `mesh` tables, for the key reference.
pub(crate) const MESH_KEYS: &[Key] = &[
    Key::of("tx_power", "a node's transmit power"),
    Key::of(
        "noise_floor",
        "the receiver's noise floor: a frame is received above it by the capture threshold",
    ),
    Key::of(
        "cca_threshold",
        "clear-channel assessment: the channel is busy when the energy heard exceeds this",
    ),
    Key::of(
        "cca_mode",
        "what carrier sense hears: energy above the threshold, a frame above the noise floor, or either",
    ),
    Key::of(
        "capture_threshold",
        "the signal-to-interference ratio a frame needs to survive an overlapping one",
    ),
    Key::of(
        "link_prr",
        "a link exists where a 30 B probe frame gets through at least this often",
    ),
    Key::of(
        "routing",
        "how routes are chosen: fewest hops, or least expected transmissions (ETX)",
    ),
    Key::of("d0", "the log-distance model's reference distance"),
    Key::of("pl0", "the path loss at the reference distance"),
    Key::of("exponent", "the log-distance model's path-loss exponent"),
    Key::of(
        "shadowing",
        "the standard deviation of log-normal shadowing per link",
    ),
    Key::of("min_be", "CSMA/CA's least backoff exponent (macMinBE)"),
    Key::of("max_be", "CSMA/CA's largest backoff exponent (macMaxBE)"),
    Key::of(
        "max_backoffs",
        "backoffs before a frame is dropped as channel access failure (macMaxCSMABackoffs)",
    ),
    Key::of(
        "retries",
        "retransmissions of an unacknowledged frame (macMaxFrameRetries)",
    ),
    Key::of(
        "overhead",
        "bytes the protocol stack adds to each reading's payload: PHY, MAC and (for a preset) the layers above",
    ),
    Key::of("queue", "frames a relay holds while it forwards"),
    Key::of(
        "control",
        "the routers' control traffic: Zigbee link status broadcasts, or RPL DIOs on a trickle timer",
    ),
    Key::of(
        "link_status",
        "with control = \"link_status\": each router and border gateway broadcasts a link status this often (`\"0s\"`: no control traffic)",
    ),
    Key::of(
        "dio_interval_min",
        "with control = \"rpl\": the trickle timer's least interval, Imin",
    ),
    Key::of(
        "dio_doublings",
        "with control = \"rpl\": how many times the interval doubles, up to Imax = Imin x 2^doublings",
    ),
    Key::of(
        "dio_redundancy",
        "with control = \"rpl\": a DIO is suppressed when this many were heard in its interval (k; 0: never)",
    ),
    Key::of(
        "tx_current",
        "the radio's current while transmitting (a mesh class's `energy` may set its own)",
    ),
    Key::of(
        "rx_current",
        "the radio's current while receiving or listening (a mesh class's `energy` may set its own)",
    ),
];

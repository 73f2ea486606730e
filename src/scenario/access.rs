//! `[[access]]`: access networks and their technology (LoRa, 802.15.4 mesh, cellular).

use super::diag::Origin;
use super::read::{
    self, Bitrate, Capacity, Cx, Db, Dbm, Dist, Distance, Duration, Flag, Frequency, Int, Kind,
    Positive, Probability, Tbl,
};
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
}

impl MeshCfg {
    /// 802.15.4 at 2.4 GHz: bytes per second.
    pub const BYTE_NS: u64 = 32_000;
    /// Largest PHY frame, bytes.
    pub const MAX_FRAME: u32 = 133;
}

/// `cellular` of an access network: each gateway is a cell that carries `transfers`
/// readings at once at `rate` each, queueing the rest; a device wakes and attaches
/// (`wake_up`) before each transfer.
#[derive(Debug, Clone, Serialize)]
pub struct CellularCfg {
    /// Concurrent transfers per cell.
    pub transfers: u32,
    /// Rate of one transfer, bit/s.
    pub rate_bps: f64,
    /// Wake-up and attach delay before each transfer, ns.
    pub wake_up_ns: u64,
    /// Readings waiting for a transfer slot (None: unlimited).
    pub queue: Option<u32>,
}

/// `lora` of an access network: LoRaWAN-style star access.
#[derive(Debug, Clone, Serialize)]
pub struct LoraCfg {
    /// The LoRaWAN region: data rates, payload limits, duty cycles, receive windows.
    pub region: LoraRegion,
    /// Spreading factor 7..=12, or None for `"auto"`: the smallest whose link budget to
    /// the best gateway closes with `margin_db`.
    pub sf: Option<u8>,
    /// Bandwidth, Hz.
    pub bw_hz: f64,
    /// Coding rate 4/(4+cr).
    pub cr: u8,
    /// Preamble symbols.
    pub preamble: u32,
    /// Explicit header.
    pub explicit_header: bool,
    /// Payload CRC.
    pub crc: bool,
    /// Transmit power, dBm.
    pub tx_power_dbm: f64,
    /// Gateways' antenna gain, dBi.
    pub gateway_gain_db: f64,
    /// Gateways' loss in cable and connectors, dB.
    pub gateway_cable_loss_db: f64,
    /// Channels, one chosen at random per transmission.
    pub channels: u32,
    /// Duty-cycle limit per device (fraction), if any.
    pub duty_cycle: Option<f64>,
    /// Gateways' duty-cycle limits in RX1 and RX2 (fractions), if any.
    pub downlink_duty: [Option<f64>; 2],
    /// LoRaWAN's bytes around an application payload (MHDR, FHDR, FPort, MIC), B.
    pub mac_overhead: u32,
    /// Over the duty-cycle budget: drop the reading (true) or delay it (false).
    pub duty_cycle_drop: bool,
    /// What a device does with readings that wait for its radio.
    pub device_queue: DeviceQueue,
    /// The most readings a device holds for its radio.
    pub device_queue_size: u32,
    /// Capture threshold, dB.
    pub capture_db: f64,
    /// A stronger frame cannot take over after the receiver locked onto another.
    pub preamble_rule: bool,
    /// Frames a gateway can demodulate at once.
    pub demodulators: u32,
    /// Link margin for `sf = "auto"`, dB.
    pub margin_db: f64,
    /// Path loss, shadowing and its correlation in space.
    pub propagation: Propagation,
    /// Confirmed uplinks: retransmissions allowed when no acknowledgement comes (0:
    /// unconfirmed).
    pub retries: u32,
    /// Wait before a retransmission, after the receive windows (ns): uniform in
    /// [min, max].
    pub backoff_ns: (u64, u64),
    /// Inter-SF interference: a frame is lost when an overlapping frame on the same
    /// channel at another SF is stronger by more than this, dB (None: SFs orthogonal).
    pub inter_sf_db: Option<f64>,
}

pub(crate) fn read_access(cx: &mut Cx, node: &Node, key: &str) -> Option<(Access, Origin)> {
    let mut t = Tbl::open(cx, node, key)?.section("access");
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
    let present: Vec<&str> = TECHNOLOGIES.into_iter().filter(|k| t.has_key(k)).collect();
    if present.len() > 1 {
        let names: Vec<String> = present.iter().map(|k| format!("`{k}`")).collect();
        let (k, n) = (present[1], t.get(present[1]).expect("present"));
        cx.err(
            &n.origin,
            &t.key(k),
            format!(
                "an access network has one technology, but {} are both set; keep one, or describe each in an [[access]] of its own",
                names.join(" and ")
            ),
        );
        for k in TECHNOLOGIES {
            let _ = t.get(k);
        }
        return None;
    }
    let Some(&k) = present.first() else {
        return Some(Technology::Direct);
    };
    let n = t.get(k).expect("present");
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
        "cellular" => read_cellular(cx, n, &key).map(Technology::Cellular),
        _ => read_mesh(cx, n, &key).map(Technology::Mesh),
    }
}

/// Reads `mesh = { tx_power = "0dBm", routing = "etx", ... }`; the defaults (see
/// [`defaults::TABLE`]) are a CC2420-class radio in a city street.
pub(crate) fn read_mesh(cx: &mut Cx, node: &Node, key: &str) -> Option<MeshCfg> {
    let mut t = Tbl::open(cx, node, key)?.section("mesh");
    let tx_power_dbm = t.val::<Dbm>(cx, "tx_power");
    let noise_floor_dbm = t.val::<Dbm>(cx, "noise_floor");
    let cca_dbm = t.val::<Dbm>(cx, "cca_threshold");
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
    if let (Some(lo), Some(hi)) = (min_be, max_be) {
        if lo > hi {
            let origin = t.origin.clone();
            cx.err(&origin, &t.key("min_be"), "expected min_be <= max_be");
        }
    }
    t.finish(cx);
    Some(MeshCfg {
        tx_power_dbm: tx_power_dbm?,
        noise_floor_dbm: noise_floor_dbm?,
        cca_dbm: cca_dbm?,
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
    })
    .filter(|m| m.min_be <= m.max_be)
}

read::kind!(
    /// A mesh link's least reception ratio: above 0, at most 1.
    LinkPrr => f64, |cx: &mut Cx, n: &Node, k: &str| match read::probability(cx, n, k) {
        Some(p) if p > 0.0 => Some(p),
        Some(_) => {
            cx.expected(n, k, "a reception ratio above 0, such as 0.1");
            None
        }
        None => None,
    }
);
read::kind!(
    /// How a mesh routes: `"hops"` or `"etx"`.
    RoutingKind => Routing, |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["hops", "etx"]).map(|c| if c == "hops" { Routing::Hops } else { Routing::Etx })
    }
);
read::kind!(
    /// Bytes within a LoRa PHY payload (at most 255 B).
    PhyBytes => u64, |cx: &mut Cx, n: &Node, k: &str| match read::bytes(cx, n, k) {
        Some(b) if b <= u64::from(LoraCfg::MAX_PHY) => Some(b),
        Some(_) => {
            cx.expected(n, k, "at most 255B (a LoRa PHY payload's length)");
            None
        }
        None => None,
    }
);
read::kind!(
    /// A mesh frame's overhead: at most a PHY frame (127 B).
    FrameBytes => u64, |cx: &mut Cx, n: &Node, k: &str| match read::bytes(cx, n, k) {
        Some(b) if b <= 127 => Some(b),
        Some(_) => {
            cx.expected(n, k, "at most 127B (a PHY frame's length)");
            None
        }
        None => None,
    }
);

/// Reads `cellular = { transfers = 50, rate = "60kbps", wake_up = "2s", queue = 1000 }`
/// (the defaults: an abstract NB-IoT-like cell).
pub(crate) fn read_cellular(cx: &mut Cx, node: &Node, key: &str) -> Option<CellularCfg> {
    let mut t = Tbl::open(cx, node, key)?.section("cellular");
    let transfers = t.val::<Int<1, 1_000_000>>(cx, "transfers");
    let rate = t.val::<Bitrate>(cx, "rate");
    let wake_up = t.val::<Duration>(cx, "wake_up");
    let queue = t.val::<Capacity>(cx, "queue");
    t.finish(cx);
    Some(CellularCfg {
        transfers: transfers? as u32,
        rate_bps: rate?,
        wake_up_ns: wake_up?,
        queue: queue?,
    })
}

impl LoraCfg {
    /// The longest PHY payload a LoRa frame carries (SX1276: an 8-bit length), B.
    pub const MAX_PHY: u32 = 255;
}

/// Reads `lora = { sf = "auto", bandwidth = "125kHz", ... }`; every key left out takes
/// its documented default (see [`defaults::TABLE`]).
pub(crate) fn read_lora(cx: &mut Cx, node: &Node, key: &str) -> Option<LoraCfg> {
    let mut t = Tbl::open(cx, node, key)?.section("lora");
    let region = t.val::<RegionName>(cx, "region");
    let sf = t.val::<LoraSf>(cx, "sf");
    let bw_hz = t.val::<LoraBandwidth>(cx, "bandwidth");
    let cr = t.val::<CodingRate>(cx, "coding_rate");
    let tx_power_dbm = t.val::<TxPower>(cx, "tx_power");
    let gateway_gain_db = t.val::<Db>(cx, "gateway_antenna_gain");
    let gateway_cable_loss_db = t.val::<NonNegativeDb>(cx, "gateway_cable_loss");
    let preamble = t.val::<Int<6, 65535>>(cx, "preamble");
    let explicit_header = t.val::<Flag>(cx, "explicit_header");
    let crc = t.val::<Flag>(cx, "crc");
    let mac_overhead = t.val::<PhyBytes>(cx, "mac_overhead");
    let channels = t.val::<Channels>(cx, "channels");
    let duty_cycle = t.val::<DutyCycle>(cx, "duty_cycle");
    let downlink_duty = t.val::<RegionOrNone>(cx, "downlink_duty_cycle");
    let duty_cycle_drop = t.val::<DutyPolicy>(cx, "duty_cycle_policy");
    let device_queue = t.val::<QueuePolicy>(cx, "device_queue");
    let device_queue_size = t.val::<Int<1, 100_000>>(cx, "device_queue_size");
    let capture_db = t.val::<NonNegativeDb>(cx, "capture_threshold");
    let preamble_rule = t.val::<Flag>(cx, "preamble_rule");
    let demodulators = t.val::<Int<1, 100_000>>(cx, "demodulators");
    let margin_db = t.val::<Db>(cx, "margin");
    let propagation = read_propagation(cx, &mut t, region);
    let confirmed = t.val::<Flag>(cx, "confirmed");
    let retries = t.val::<Int<0, 15>>(cx, "retries");
    let backoff_ns = t.val::<Window>(cx, "backoff");
    let inter_sf = t.val::<Flag>(cx, "inter_sf");
    let isolation_db = t.val::<Db>(cx, "sf_isolation");
    if let (Some(r), Some(Some(sf)), Some(bw)) = (region, sf, bw_hz) {
        check_rate(cx, &mut t, r, sf, bw);
    }
    t.finish(cx);
    let region = region?;
    Some(LoraCfg {
        region,
        sf: sf?,
        bw_hz: bw_hz?,
        cr: cr?,
        preamble: preamble? as u32,
        explicit_header: explicit_header?,
        crc: crc?,
        mac_overhead: mac_overhead? as u32,
        tx_power_dbm: tx_power_dbm?,
        gateway_gain_db: gateway_gain_db?,
        gateway_cable_loss_db: gateway_cable_loss_db?,
        channels: channels?.unwrap_or_else(|| region.channels()),
        duty_cycle: match duty_cycle? {
            Duty::Region => region.device_duty_cycle(),
            Duty::Off => None,
            Duty::Limit(dc) => Some(dc),
        },
        downlink_duty: if downlink_duty? {
            region.downlink_duty_cycles()
        } else {
            [None, None]
        },
        duty_cycle_drop: duty_cycle_drop?,
        device_queue: device_queue?,
        device_queue_size: device_queue_size? as u32,
        capture_db: capture_db?,
        preamble_rule: preamble_rule?,
        demodulators: demodulators? as u32,
        margin_db: margin_db?,
        propagation: propagation?,
        retries: if confirmed? { retries? as u32 } else { 0 },
        backoff_ns: backoff_ns?,
        inter_sf_db: inter_sf?.then_some(isolation_db?),
    })
}

/// A fixed spreading factor must be one of the region's uplink data rates at the
/// network's bandwidth.
fn check_rate(cx: &mut Cx, t: &mut Tbl, region: LoraRegion, sf: u8, bw: f64) {
    if region.uplink_dr(sf, bw).is_none() {
        let rates: Vec<String> = region
            .uplink_rates()
            .iter()
            .enumerate()
            .map(|(i, (s, b))| format!("DR{i} SF{s}/{}kHz", b / 1e3))
            .collect();
        let origin = t.get("sf").map_or(t.origin.clone(), |n| n.origin.clone());
        cx.err(
            &origin,
            &t.key("sf"),
            format!(
                "SF{sf} at {}kHz is not an uplink data rate in {}; expected one of {}",
                bw / 1e3,
                region.name(),
                rates.join(", ")
            ),
        );
    }
}

read::kind!(
    /// A LoRaWAN region: `"EU868"`, `"US915"` or `"CN470"`.
    RegionName => LoraRegion, |cx: &mut Cx, n: &Node, k: &str| {
        let names: Vec<&str> = LoraRegion::ALL.iter().map(|r| r.0).collect();
        let name = read::choice(cx, n, k, &names)?;
        LoraRegion::ALL.iter().find(|r| r.0 == name).map(|r| r.1)
    }
);
read::kind!(
    /// `"region"` (true: the region's rule) or `"none"` (false).
    RegionOrNone => bool, |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["region", "none"]).map(|w| w == "region")
    }
);
read::kind!(
    /// A number of channels from 1 to 64, or `"region"` (None: the region's default).
    Channels => Option<u32>, |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "region" => Some(None),
        Val::Int(v) if (1..=64).contains(v) => Some(Some(*v as u32)),
        _ => {
            cx.expected(n, k, "a number of channels from 1 to 64, or \"region\"");
            None
        }
    }
);
read::kind!(
    /// A spreading factor, 7 to 12, or `"auto"` (None).
    LoraSf => Option<u8>, |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "auto" => Some(None),
        Val::Int(v) if (7..=12).contains(v) => Some(Some(*v as u8)),
        _ => {
            cx.expected(n, k, "a spreading factor from 7 to 12, or \"auto\"");
            None
        }
    }
);
read::kind!(
    /// A LoRa bandwidth: 125, 250 or 500 kHz.
    LoraBandwidth => f64, |cx: &mut Cx, n: &Node, k: &str| {
        let bw = Frequency::read(cx, n, k)?;
        if [125e3, 250e3, 500e3].iter().any(|b| (b - bw).abs() < 1.0) {
            Some(bw)
        } else {
            cx.err(&n.origin, k, "expected a LoRa bandwidth of \"125kHz\", \"250kHz\" or \"500kHz\"");
            None
        }
    }
);
read::kind!(
    /// A LoRa coding rate, `"4/5"` to `"4/8"`, as 1 to 4.
    CodingRate => u8, |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["4/5", "4/6", "4/7", "4/8"]).map(|c| c.as_bytes()[2] - b'4')
    }
);
read::kind!(
    /// A transmit power from 0 to 30 dBm.
    TxPower => f64, |cx: &mut Cx, n: &Node, k: &str| {
        let p = Dbm::read(cx, n, k)?;
        if (0.0..=30.0).contains(&p) {
            Some(p)
        } else {
            cx.err(&n.origin, k, "expected a transmit power from 0dBm to 30dBm");
            None
        }
    }
);
read::kind!(
    /// A non-negative ratio in dB.
    NonNegativeDb => f64, |cx: &mut Cx, n: &Node, k: &str| {
        let v = Db::read(cx, n, k)?;
        if v >= 0.0 {
            Some(v)
        } else {
            cx.err(&n.origin, k, "expected a non-negative value in dB");
            None
        }
    }
);
/// What a LoRa device does with readings that wait for its radio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeviceQueue {
    /// Keep them in priority order, then oldest first, up to `device_queue_size`.
    Fifo,
    /// Keep only the newest (a sensor's old value is worthless once a new one exists).
    Latest,
}

read::kind!(
    /// `"fifo"` or `"latest"`.
    QueuePolicy => DeviceQueue, |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["fifo", "latest"]).map(|w| if w == "latest" {
            DeviceQueue::Latest
        } else {
            DeviceQueue::Fifo
        })
    }
);

/// A device duty cycle as written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Duty {
    /// `"region"`: the region's.
    Region,
    /// `"none"`.
    Off,
    /// A fraction above 0 and at most 1.
    Limit(f64),
}

read::kind!(
    /// A device duty cycle above 0 and at most 1, `"none"`, or `"region"`.
    DutyCycle => Duty, |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "none" => Some(Duty::Off),
        Val::Str(s) if s == "region" => Some(Duty::Region),
        _ => match read::probability(cx, n, k) {
            Some(p) if p > 0.0 => Some(Duty::Limit(p)),
            Some(_) => {
                cx.err(&n.origin, k, "expected a duty cycle above 0 and at most 1 (e.g. \"1%\"), \"none\" or \"region\"");
                None
            }
            None => None,
        },
    }
);
read::kind!(
    /// What a device does over its duty-cycle budget: `"delay"` (false) or `"drop"`.
    DutyPolicy => bool, |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["delay", "drop"]).map(|p| p == "drop")
    }
);
read::kind!(
    /// A window of durations `[min, max]` with min <= max, in ns.
    Window => (u64, u64), |cx: &mut Cx, n: &Node, k: &str| match read::array(cx, n, k)? {
        [a, b] => match (read::duration(cx, a, k), read::duration(cx, b, k)) {
            (Some(a), Some(b)) if a <= b => Some((a, b)),
            _ => {
                cx.expected(n, k, "[min, max] durations with min <= max, e.g. [\"1s\", \"3s\"]");
                None
            }
        },
        _ => {
            cx.expected(n, k, "[min, max] durations, e.g. [\"1s\", \"3s\"]");
            None
        }
    }
);

//! `[[access]]`: access networks and their technology (LoRa, 802.15.4 mesh, cellular).

use super::diag::Origin;
use super::read::{self, Cx, Tbl};
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
    /// Channels, one chosen at random per transmission.
    pub channels: u32,
    /// Duty-cycle limit per device (fraction), if any.
    pub duty_cycle: Option<f64>,
    /// Over the duty-cycle budget: drop the reading (true) or delay it (false).
    pub duty_cycle_drop: bool,
    /// Capture threshold, dB.
    pub capture_db: f64,
    /// A stronger frame cannot take over after the receiver locked onto another.
    pub preamble_rule: bool,
    /// Frames a gateway can demodulate at once.
    pub demodulators: u32,
    /// Link margin for `sf = "auto"`, dB.
    pub margin_db: f64,
    /// Path loss: reference distance (m), loss there (dB), exponent, shadowing sd (dB).
    pub path_loss: (f64, f64, f64, f64),
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
    let mut t = Tbl::open(cx, node, key)?;
    let name_node = t.req(cx, "name", "a name such as \"lora\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let latency = match t.get("latency") {
        Some(n) => dist(cx, n, &t.key("latency")),
        None => Some(DistCfg::constant(0.0)),
    };
    let bandwidth = t
        .get("bandwidth")
        .map(|n| read::bitrate(cx, n, &t.key("bandwidth")));
    let loss = match t.get("loss") {
        Some(n) => read::probability(cx, n, &t.key("loss")),
        None => Some(0.0),
    };
    let range = t
        .get("range")
        .map(|n| read::distance(cx, n, &t.key("range")));
    let tech = read_technology(cx, &mut t, t_has_bandwidth(&bandwidth));
    t.finish(cx);
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        Access {
            name: name?,
            latency: latency?,
            bandwidth_bps: match bandwidth {
                Some(b) => Some(b?),
                None => None,
            },
            loss: loss?,
            range_m: match range {
                Some(r) => Some(r?),
                None => None,
            },
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

/// Reads `mesh = { tx_power = "0dBm", routing = "etx", ... }`; the defaults are a
/// CC2420-class radio in a city street (path-loss exponent 3).
pub(crate) fn read_mesh(cx: &mut Cx, node: &Node, key: &str) -> Option<MeshCfg> {
    use crate::units;
    let mut t = Tbl::open(cx, node, key)?;
    let mut ok = true;
    let mut unit = |t: &mut Tbl,
                    k: &'static str,
                    def: f64,
                    parse: fn(&str) -> Result<f64, String>,
                    example: &str|
     -> f64 { read::unit_value(cx, t, (k, def), parse, example, &mut ok) };
    let tx_power_dbm = unit(&mut t, "tx_power", 0.0, units::parse_dbm, "0dBm");
    let noise_floor_dbm = unit(&mut t, "noise_floor", -95.0, units::parse_dbm, "-95dBm");
    let cca_dbm = unit(&mut t, "cca_threshold", -85.0, units::parse_dbm, "-85dBm");
    let capture_db = unit(&mut t, "capture_threshold", 3.0, units::parse_db, "3dB");
    let d0 = unit(&mut t, "d0", 1.0, units::parse_distance_m, "1m");
    let pl0 = unit(&mut t, "pl0", 40.0, units::parse_db, "40dB");
    let sigma = unit(&mut t, "shadowing", 4.0, units::parse_db, "4dB");
    let overhead = match t.get("overhead") {
        None => Some(17),
        Some(n) => match read::bytes(cx, n, &t.key("overhead")) {
            Some(b) if b <= 127 => Some(b as u32),
            Some(_) => {
                cx.expected(n, &t.key("overhead"), "at most 127B (a PHY frame's length)");
                None
            }
            None => None,
        },
    };
    let mut int = |t: &mut Tbl, k: &'static str, def: i64, min: i64, max: i64| -> i64 {
        read::int_value(cx, t, (k, def), (min, max), &mut ok)
    };
    let min_be = int(&mut t, "min_be", 3, 0, 8) as u8;
    let max_be = int(&mut t, "max_be", 5, 3, 8) as u8;
    let max_backoffs = int(&mut t, "max_backoffs", 4, 0, 5) as u8;
    let retries = int(&mut t, "retries", 3, 0, 7) as u8;
    let queue = int(&mut t, "queue", 32, 0, 1_000_000) as u32;
    let exponent = match t.get("exponent") {
        None => Some(3.0),
        Some(n) => read::positive_float(cx, n, &t.key("exponent")),
    };
    let link_prr = match t.get("link_prr") {
        None => Some(0.1),
        Some(n) => match read::probability(cx, n, &t.key("link_prr")) {
            Some(p) if p > 0.0 => Some(p),
            Some(_) => {
                cx.expected(
                    n,
                    &t.key("link_prr"),
                    "a reception ratio above 0, such as 0.1",
                );
                None
            }
            None => None,
        },
    };
    let routing = match t.get("routing") {
        None => Some(Routing::Etx),
        Some(n) => read::choice(cx, n, &t.key("routing"), &["hops", "etx"]).map(|c| {
            if c == "hops" {
                Routing::Hops
            } else {
                Routing::Etx
            }
        }),
    };
    if min_be > max_be {
        let origin = t.origin.clone();
        cx.err(&origin, &t.key("min_be"), "expected min_be <= max_be");
        ok = false;
    }
    t.finish(cx);
    ok.then_some(())?;
    Some(MeshCfg {
        tx_power_dbm,
        noise_floor_dbm,
        cca_dbm,
        capture_db,
        link_prr: link_prr?,
        path_loss: (d0, pl0, exponent?, sigma),
        min_be,
        max_be,
        max_backoffs,
        retries,
        overhead_bytes: overhead?,
        routing: routing?,
        queue,
    })
}

/// Reads `cellular = { transfers = 50, rate = "60kbps", wake_up = "2s", queue = 1000 }`
/// (the defaults: NB-IoT-like).
pub(crate) fn read_cellular(cx: &mut Cx, node: &Node, key: &str) -> Option<CellularCfg> {
    let mut t = Tbl::open(cx, node, key)?;
    let transfers = match t.get("transfers") {
        Some(n) => read::int(cx, n, &t.key("transfers"), 1, 1_000_000).map(|v| v as u32),
        None => Some(50),
    };
    let rate = match t.get("rate") {
        Some(n) => read::bitrate(cx, n, &t.key("rate")),
        None => Some(60e3),
    };
    let wake_up = match t.get("wake_up") {
        Some(n) => read::duration(cx, n, &t.key("wake_up")),
        None => Some(2_000_000_000),
    };
    let queue = match t.get("queue") {
        Some(n) => read::capacity(cx, n, &t.key("queue")),
        None => Some(Some(defaults::QUEUE)),
    };
    t.finish(cx);
    Some(CellularCfg {
        transfers: transfers?,
        rate_bps: rate?,
        wake_up_ns: wake_up?,
        queue: queue?,
    })
}

pub(crate) fn t_has_bandwidth(b: &Option<Option<f64>>) -> bool {
    b.is_some()
}

/// Reads `lora = { ... }`; defaults: SF "auto", 125kHz, 4/5, 8 preamble symbols,
/// explicit header, CRC, 14dBm, 3 channels, 1% duty cycle (delay), 6dB capture with the
/// preamble rule, 8 demodulators, 10dB margin, Bor et al. 2016 path loss.
pub(crate) fn read_lora(cx: &mut Cx, node: &Node, key: &str) -> Option<LoraCfg> {
    use crate::units;
    let mut t = Tbl::open(cx, node, key)?;
    let mut ok = true;
    let sf = match t.get("sf") {
        None => None,
        Some(n) => match &n.val {
            Val::Str(s) if s == "auto" => None,
            _ => match read::int(cx, n, &t.key("sf"), 7, 12) {
                Some(v) => Some(v as u8),
                None => {
                    cx.err(
                        &n.origin,
                        &t.key("sf"),
                        "a spreading factor is 7 to 12, or \"auto\"",
                    );
                    ok = false;
                    None
                }
            },
        },
    };
    let mut unit = |t: &mut Tbl,
                    k: &'static str,
                    def: f64,
                    parse: fn(&str) -> Result<f64, String>,
                    example: &str|
     -> f64 { read::unit_value(cx, t, (k, def), parse, example, &mut ok) };
    let bw_hz = unit(
        &mut t,
        "bandwidth",
        125e3,
        units::parse_frequency_hz,
        "125kHz",
    );
    let tx_power_dbm = unit(&mut t, "tx_power", 14.0, units::parse_dbm, "14dBm");
    let capture_db = unit(&mut t, "capture_threshold", 6.0, units::parse_db, "6dB");
    let margin_db = unit(&mut t, "margin", 10.0, units::parse_db, "10dB");
    let isolation_db = unit(&mut t, "sf_isolation", 16.0, units::parse_db, "16dB");
    let d0 = unit(&mut t, "d0", 40.0, units::parse_distance_m, "40m");
    let pl0 = unit(&mut t, "pl0", 127.41, units::parse_db, "127.41dB");
    let sigma = unit(&mut t, "shadowing", 3.57, units::parse_db, "3.57dB");
    let mut int = |t: &mut Tbl, k: &'static str, def: i64, min: i64, max: i64| -> i64 {
        read::int_value(cx, t, (k, def), (min, max), &mut ok)
    };
    let preamble = int(&mut t, "preamble", 8, 6, 65535) as u32;
    let channels = int(&mut t, "channels", 3, 1, 64) as u32;
    let demodulators = int(&mut t, "demodulators", 8, 1, 100_000) as u32;
    let retries = int(&mut t, "retries", 3, 0, 15) as u32;
    let mut flag = |t: &mut Tbl, k: &'static str, def: bool| -> bool {
        match t.get(k) {
            None => def,
            Some(n) => match n.val {
                Val::Bool(b) => b,
                _ => {
                    cx.expected(n, &t.key(k), "true or false");
                    ok = false;
                    def
                }
            },
        }
    };
    let explicit_header = flag(&mut t, "explicit_header", true);
    let crc = flag(&mut t, "crc", true);
    let preamble_rule = flag(&mut t, "preamble_rule", true);
    let confirmed = flag(&mut t, "confirmed", false);
    let inter_sf = flag(&mut t, "inter_sf", false);
    let exponent = match t.get("exponent") {
        None => 2.08,
        Some(n) => read::positive_float(cx, n, &t.key("exponent")).unwrap_or_else(|| {
            ok = false;
            2.08
        }),
    };
    let cr = match t.get("coding_rate") {
        None => 1,
        Some(n) => {
            match read::choice(cx, n, &t.key("coding_rate"), &["4/5", "4/6", "4/7", "4/8"]) {
                Some(c) => c.as_bytes()[2] - b'4',
                None => {
                    ok = false;
                    1
                }
            }
        }
    };
    let duty_cycle = match t.get("duty_cycle") {
        None => Some(0.01),
        Some(n) => {
            match &n.val {
                Val::Str(s) if s == "none" => None,
                _ => match read::probability(cx, n, &t.key("duty_cycle")) {
                    Some(p) if p > 0.0 => Some(p),
                    _ => {
                        cx.err(&n.origin, &t.key("duty_cycle"), "expected a duty cycle above 0 and at most 1 (e.g. \"1%\"), or \"none\"");
                        ok = false;
                        None
                    }
                },
            }
        }
    };
    let backoff_ns = match t.get("backoff") {
        None => (1_000_000_000, 3_000_000_000),
        Some(n) => match read::array(cx, n, &t.key("backoff")) {
            Some([a, b]) => match (
                read::duration(cx, a, &t.key("backoff")),
                read::duration(cx, b, &t.key("backoff")),
            ) {
                (Some(a), Some(b)) if a <= b => (a, b),
                _ => {
                    cx.expected(
                        n,
                        &t.key("backoff"),
                        "[min, max] durations with min <= max, e.g. [\"1s\", \"3s\"]",
                    );
                    ok = false;
                    (0, 0)
                }
            },
            _ => {
                cx.expected(
                    n,
                    &t.key("backoff"),
                    "[min, max] durations, e.g. [\"1s\", \"3s\"]",
                );
                ok = false;
                (0, 0)
            }
        },
    };
    let duty_cycle_drop = match t.get("duty_cycle_policy") {
        None => false,
        Some(n) => match read::choice(cx, n, &t.key("duty_cycle_policy"), &["delay", "drop"]) {
            Some(p) => p == "drop",
            None => {
                ok = false;
                false
            }
        },
    };
    let origin = t.origin.clone();
    t.finish(cx);
    if ![125e3, 250e3, 500e3]
        .iter()
        .any(|b| (b - bw_hz).abs() < 1.0)
    {
        cx.err(
            &origin,
            &format!("{key}.bandwidth"),
            "expected a LoRa bandwidth of \"125kHz\", \"250kHz\" or \"500kHz\"",
        );
        ok = false;
    }
    if !(0.0..=30.0).contains(&tx_power_dbm) {
        cx.err(
            &origin,
            &format!("{key}.tx_power"),
            "expected a transmit power from 0dBm to 30dBm",
        );
        ok = false;
    }
    if capture_db < 0.0 || sigma < 0.0 {
        cx.err(
            &origin,
            key,
            "expected a non-negative capture threshold and shadowing",
        );
        ok = false;
    }
    ok.then_some(LoraCfg {
        sf,
        bw_hz,
        cr,
        preamble,
        explicit_header,
        crc,
        tx_power_dbm,
        channels,
        duty_cycle,
        duty_cycle_drop,
        capture_db,
        preamble_rule,
        demodulators,
        margin_db,
        path_loss: (d0, pl0, exponent, sigma),
        retries: if confirmed { retries } else { 0 },
        backoff_ns,
        inter_sf_db: inter_sf.then_some(isolation_db),
    })
}

//! `lora` of an access network: LoRaWAN radio settings, region, MAC and propagation.

use super::read::{self, Cx, Db, Dbm, Flag, Frequency, Int, Kind, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// `lora` of an access network: LoRaWAN-style star access.
#[derive(Debug, Clone, Serialize)]
pub struct LoraCfg {
    /// The LoRaWAN region: data rates, payload limits, duty cycles, receive windows.
    pub region: LoraRegion,
    /// Spreading factor 7..=12, or None for `"auto"`: the smallest whose link budget to
    /// the best gateway closes with `margin_db`, or with `adr` the network server's
    /// choice.
    pub sf: Option<u8>,
    /// `sf = "adr"`: the network server adapts each device's data rate and power
    /// (Semtech's algorithm) from SF12 at full power.
    pub adr: bool,
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
    /// `duty_cycle = "region"`: the limit holds per sub-band of the region (a device
    /// may use each band's budget), not across all channels.
    pub per_band: bool,
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
    /// How overlapping frames at a gateway are resolved.
    pub collision: Collision,
    /// What frames at other SFs on the same channel do to a frame (None: SFs are
    /// orthogonal).
    pub inter_sf: Option<SfRejection>,
}

read::kind!(
    /// Bytes within a LoRa PHY payload (at most 255 B).
    PhyBytes => u64, "size, at most 255B", |cx: &mut Cx, n: &Node, k: &str| match read::bytes(cx, n, k) {
        Some(b) if b <= u64::from(LoraCfg::MAX_PHY) => Some(b),
        Some(_) => {
            cx.expected(n, k, "at most 255B (a LoRa PHY payload's length)");
            None
        }
        None => None,
    }
);

impl LoraCfg {
    /// The longest PHY payload a LoRa frame carries (SX1276: an 8-bit length), B.
    pub const MAX_PHY: u32 = 255;
}

/// Reads `lora = { sf = "auto", bandwidth = "125kHz", ... }`; every key left out takes
/// its documented default (see [`defaults::TABLE`]).
pub(crate) fn read_lora(cx: &mut Cx, node: &Node, key: &str) -> Option<LoraCfg> {
    let mut t = Tbl::open(cx, node, key, "lora")?;
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
    let propagation = read_propagation(cx, &mut t, region.map(|r| r.frequency_hz()));
    let confirmed = t.val::<Flag>(cx, "confirmed");
    let retries = t.val::<Int<0, 15>>(cx, "retries");
    let backoff_ns = t.val::<Window>(cx, "backoff");
    let collision = read_collision(cx, &mut t);
    let inter_sf = t.val::<Flag>(cx, "inter_sf");
    let rejection = t.val::<Rejection>(cx, "sf_isolation");
    if let (Some(r), Some((Some(sf), _)), Some(bw)) = (region, sf, bw_hz) {
        check_rate(cx, &mut t, r, sf, bw);
    }
    t.finish(cx);
    let region = region?;
    Some(LoraCfg {
        region,
        sf: sf?.0,
        adr: sf?.1,
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
        per_band: matches!(duty_cycle?, Duty::Region) && region.device_duty_cycle().is_some(),
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
        collision: collision?,
        inter_sf: inter_sf?.then_some(rejection?),
    })
}

/// How overlapping LoRa frames at a gateway are resolved (`lora.collision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Collision {
    /// Each frame needs its signal-to-interference ratio against the summed power of
    /// the overlapping frames at each SF (same-SF capture threshold, inter-SF matrix),
    /// and the receiver stays locked on a frame once its preamble is detected.
    Sinr,
    /// LoRaSim 0.2.1 with `full_collision = 0`: frames overlapping on the same channel
    /// and SF are both lost.
    LoraSimSimple,
    /// LoRaSim 0.2.1 with `full_collision = 1`: an overlap on the same channel and SF
    /// counts only when the earlier frame is still on the air after the later one's
    /// first 3 preamble symbols (all but the last 5); then the stronger survives when
    /// it leads by the capture threshold, otherwise both are lost.
    LoraSimFull,
    /// Pure ALOHA on each channel: overlapping frames are both lost, whatever their SF.
    Aloha,
}

/// The signal-to-interference ratios a frame at one SF needs against frames at
/// another (`lora.sf_isolation`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum SfRejection {
    /// Goursaud and Gorce 2015 (the ns-3 `lorawan` module's default): from -16 dB
    /// (SF7 against SF8) to -36 dB (SF12 against SF7..SF11).
    Goursaud,
    /// Croce et al. 2018, measured with a software radio: from -8 dB to -25 dB.
    Croce,
    /// One isolation for every pair of SFs: a frame is lost when an overlapping frame
    /// at another SF is stronger by more than this, dB.
    Isolation(f64),
}

/// `collision`, and the keys only some rule sets read written with another.
fn read_collision(cx: &mut Cx, t: &mut Tbl) -> Option<Collision> {
    let c = t.val::<CollisionName>(cx, "collision")?;
    let unread: &[&'static str] = match c {
        Collision::Sinr => &[],
        Collision::LoraSimFull => &["preamble_rule", "inter_sf", "sf_isolation"],
        Collision::LoraSimSimple | Collision::Aloha => &[
            "capture_threshold",
            "preamble_rule",
            "inter_sf",
            "sf_isolation",
        ],
    };
    if let Some(&k) = unread.iter().find(|k| t.has_key(k)) {
        let origin = t.origin_of(k);
        cx.err(
            &origin,
            &t.key(k),
            format!("`{k}` has no effect with this collision rule set; remove it or use collision = \"sinr\""),
        );
        return None;
    }
    Some(c)
}

read::kind!(
    /// `"sinr"`, `"lorasim-simple"`, `"lorasim-full"` or `"aloha"`.
    CollisionName => Collision, "`\"sinr\"`, `\"lorasim-simple\"`, `\"lorasim-full\"` or `\"aloha\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["sinr", "lorasim-simple", "lorasim-full", "aloha"]).map(|c| match c {
            "sinr" => Collision::Sinr,
            "lorasim-simple" => Collision::LoraSimSimple,
            "lorasim-full" => Collision::LoraSimFull,
            _ => Collision::Aloha,
        })
    }
);
read::kind!(
    /// `"goursaud"`, `"croce"` or one isolation in dB.
    Rejection => SfRejection, "`\"goursaud\"`, `\"croce\"` or an isolation in dB (`\"16dB\"`)", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "goursaud" => Some(SfRejection::Goursaud),
        Val::Str(s) if s == "croce" => Some(SfRejection::Croce),
        Val::Str(s) if crate::units::parse_db(s).is_ok() => Some(SfRejection::Isolation(Db::read(cx, n, k)?)),
        _ => {
            cx.expected(n, k, "\"goursaud\", \"croce\" or an isolation such as \"16dB\"");
            None
        }
    }
);

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
        let origin = t.origin_of("sf");

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
    RegionName => LoraRegion, "`\"EU868\"`, `\"US915\"` or `\"CN470\"`", |cx: &mut Cx, n: &Node, k: &str| {
        let names: Vec<&str> = LoraRegion::ALL.iter().map(|r| r.0).collect();
        let name = read::choice(cx, n, k, &names)?;
        LoraRegion::ALL.iter().find(|r| r.0 == name).map(|r| r.1)
    }
);
read::kind!(
    /// `"region"` (true: the region's rule) or `"none"` (false).
    RegionOrNone => bool, "`\"region\"` or `\"none\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["region", "none"]).map(|w| w == "region")
    }
);
read::kind!(
    /// A number of channels from 1 to 64, or `"region"` (None: the region's default).
    Channels => Option<u32>, "integer, 1 to 64, or `\"region\"`", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "region" => Some(None),
        Val::Int(v) if (1..=64).contains(v) => Some(Some(*v as u32)),
        _ => {
            cx.expected(n, k, "a number of channels from 1 to 64, or \"region\"");
            None
        }
    }
);
read::kind!(
    /// A spreading factor, 7 to 12, `"auto"` (None) or `"adr"` (None, true).
    LoraSf => (Option<u8>, bool), "integer, 7 to 12, `\"auto\"` or `\"adr\"`", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
        Val::Str(s) if s == "auto" => Some((None, false)),
        Val::Str(s) if s == "adr" => Some((None, true)),
        Val::Int(v) if (7..=12).contains(v) => Some((Some(*v as u8), false)),
        _ => {
            cx.expected(n, k, "a spreading factor from 7 to 12, \"auto\" or \"adr\"");
            None
        }
    }
);
read::kind!(
    /// A LoRa bandwidth: 125, 250 or 500 kHz.
    LoraBandwidth => f64, "`\"125kHz\"`, `\"250kHz\"` or `\"500kHz\"`", |cx: &mut Cx, n: &Node, k: &str| {
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
    CodingRate => u8, "`\"4/5\"`, `\"4/6\"`, `\"4/7\"` or `\"4/8\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["4/5", "4/6", "4/7", "4/8"]).map(|c| c.as_bytes()[2] - b'4')
    }
);
read::kind!(
    /// A transmit power from 0 to 30 dBm.
    TxPower => f64, "power, 0dBm to 30dBm", |cx: &mut Cx, n: &Node, k: &str| {
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
    NonNegativeDb => f64, "ratio in dB, >= 0", |cx: &mut Cx, n: &Node, k: &str| {
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
    /// Keep none: a reading that finds the radio busy is dropped.
    Drop,
}

read::kind!(
    /// `"fifo"`, `"latest"` or `"drop"`.
    QueuePolicy => DeviceQueue, "`\"fifo\"`, `\"latest\"` or `\"drop\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["fifo", "latest", "drop"]).map(|w| match w {
            "latest" => DeviceQueue::Latest,
            "drop" => DeviceQueue::Drop,
            _ => DeviceQueue::Fifo,
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
    DutyCycle => Duty, "fraction > 0, at most 1 (`\"1%\"`), `\"none\"` or `\"region\"`", |cx: &mut Cx, n: &Node, k: &str| match &n.val {
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
    DutyPolicy => bool, "`\"delay\"` or `\"drop\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["delay", "drop"]).map(|p| p == "drop")
    }
);
read::kind!(
    /// A window of durations `[min, max]` with min <= max, in ns.
    Window => (u64, u64), "`[min, max]` durations (`[\"1s\", \"3s\"]`)", |cx: &mut Cx, n: &Node, k: &str| match read::array(cx, n, k)? {
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

/// The keys of `lora` tables, for the key reference.
pub(crate) const LORA_KEYS: &[Key] = &[
    Key::of("region", "the LoRaWAN region: its channels, data rates, payload limits and duty cycles"),
    Key::of("sf", "the spreading factor: fixed, the least that reaches a gateway (auto), or set by the network server (adr)"),
    Key::of("bandwidth", "the channel bandwidth"),
    Key::of("coding_rate", "the forward error correction rate"),
    Key::of("tx_power", "a device's transmit power"),
    Key::of("gateway_antenna_gain", "the gateway antenna's gain"),
    Key::of("gateway_cable_loss", "the loss in the gateway's cable and connectors"),
    Key::of("preamble", "preamble symbols before each frame"),
    Key::of("explicit_header", "whether frames carry the explicit PHY header"),
    Key::of("crc", "whether uplinks carry a payload CRC (downlinks never do)"),
    Key::of("mac_overhead", "LoRaWAN MAC bytes added to each reading's payload (header, port, MIC)"),
    Key::of("channels", "uplink channels a device hops over at random"),
    Key::of("duty_cycle", "the share of time a device may transmit"),
    Key::of("downlink_duty_cycle", "whether gateways keep the region's downlink duty cycles"),
    Key::of("duty_cycle_policy", "what a device does with a reading when its duty-cycle budget is spent"),
    Key::of("device_queue", "what a device does with a reading that arrives while it is busy"),
    Key::of("device_queue_size", "readings a device holds while it is busy"),
    Key::of("capture_threshold", "how much stronger a frame must be than the interference at its SF to be received"),
    Key::of("preamble_rule", "whether a frame is received only if it locks before a stronger one arrives (the preamble rule)"),
    Key::of("demodulators", "frames a gateway can receive at once"),
    Key::of("margin", "the link margin `sf = \"auto\"` and ADR keep above sensitivity"),
    Key::of("confirmed", "whether uplinks ask for an acknowledgement (and are retransmitted without one)"),
    Key::of("retries", "retransmissions of a confirmed uplink that got no acknowledgement"),
    Key::of("backoff", "the random wait before a retransmission"),
    Key::of("inter_sf", "whether frames at other spreading factors interfere"),
    Key::of("sf_isolation", "how much stronger than a frame an interferer at another SF must be to destroy it"),
    Key::of("collision", "the reception rule set: signal to interference (sinr), or LoRaSim's rules"),
];

//! `cellular` of an access network: an abstract cell of transfer slots, or an NB-IoT or
//! LTE-M cell with coverage levels, random access, uplink resources and power saving.

use super::propagation::read_propagation;
use super::read::{self, Bitrate, Capacity, Cx, Db, Duration, Int, Kind, Tbl};
use super::reference::Key;
use super::tree::{self, Node, Val};
use super::Propagation;
use serde::Serialize;

/// The kind of cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CellKind {
    /// Transfer slots at a rate, after a wake-up.
    Abstract,
    /// NB-IoT (3GPP Release 13, Cat-NB1): 180 kHz, NPRACH, NPUSCH resource units.
    NbIot,
    /// LTE-M (Cat-M1): 1.4 MHz (6 PRBs), PRACH, PUSCH subframes.
    LteM,
}

impl CellKind {
    /// The name written in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Abstract => "abstract",
            CellKind::NbIot => "nbiot",
            CellKind::LteM => "ltem",
        }
    }
}

/// `cellular` of an access network: each gateway is a cell.
#[derive(Debug, Clone, Serialize)]
pub struct CellularCfg {
    /// What kind of cell.
    pub kind: CellKind,
    /// Abstract: concurrent transfers per cell.
    pub transfers: u32,
    /// Abstract: rate of one transfer, bit/s.
    pub rate_bps: f64,
    /// Abstract: wake-up and attach delay before each transfer, ns.
    pub wake_up_ns: u64,
    /// Readings waiting for uplink resources (None: unlimited).
    pub queue: Option<u32>,
    /// NB-IoT and LTE-M: the radio, its procedures and its power states.
    pub radio: Option<CellRadio>,
}

/// Coverage enhancement levels: CE0, CE1, CE2.
pub const LEVELS: usize = 3;

/// One coverage enhancement level's settings.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CeLevel {
    /// The largest coupling loss a device of this level has, dB.
    pub max_loss_db: f64,
    /// Random-access opportunities: one every this, ns.
    pub ra_period_ns: u64,
    /// Preambles (NB-IoT: NPRACH subcarriers) a device picks from.
    pub preambles: u32,
    /// Repetitions of each preamble.
    pub ra_repetitions: u32,
    /// From a preamble heard to the connection set up (RAR, Msg3, Msg4, RRC), ns.
    pub setup_ns: u64,
    /// Repetitions of each uplink transport block.
    pub repetitions: u32,
    /// Uplink units one transfer occupies (NB-IoT: subcarriers of 15 kHz; LTE-M: PRBs).
    pub units: u32,
    /// Transport block size index (TS 36.213).
    pub itbs: u32,
}

/// The radio of an NB-IoT or LTE-M cell and its devices.
#[derive(Debug, Clone, Serialize)]
pub struct CellRadio {
    /// Path loss from device to base station.
    pub propagation: Propagation,
    /// Base-station antenna gain, dBi.
    pub gateway_gain_db: f64,
    /// Device antenna gain, dBi.
    pub device_gain_db: f64,
    /// The levels, CE0 to CE2.
    pub levels: [CeLevel; LEVELS],
    /// Most preamble attempts per reading (preambleTransMax-CE).
    pub preamble_trans_max: u32,
    /// Attempts at one level before moving to the next (maxNumPreambleAttemptCE).
    pub attempts_per_level: u32,
    /// The backoff indicator: a failed attempt waits uniformly up to this, ns.
    pub backoff_ns: u64,
    /// Uplink units of the carrier (NB-IoT: 12 subcarriers; LTE-M: 6 PRBs).
    pub units: u32,
    /// Bytes the stack adds to each reading's payload.
    pub overhead_bytes: u32,
    /// RRC inactivity timer: connected this long after the last transfer, ns.
    pub inactivity_ns: u64,
    /// Connected-mode DRX cycle, ns (0: the device listens throughout).
    pub cdrx_ns: u64,
    /// Connected-mode DRX on-duration: listening this long each cycle, ns.
    pub on_duration_ns: u64,
    /// Release assistance: the device asks to be released after its transfer, so it
    /// does not stay connected for the inactivity timer.
    pub rai: bool,
    /// T3324, the active time: idle (reachable, eDRX) before PSM, ns.
    pub t3324_ns: u64,
    /// T3412, the periodic tracking-area update, ns.
    pub t3412_ns: u64,
    /// The eDRX cycle: one paging occasion each, ns.
    pub edrx_ns: u64,
    /// Device currents, A: transmitting, receiving (and connected), in PSM.
    pub tx_a: f64,
    /// Receive current, A.
    pub rx_a: f64,
    /// PSM current, A.
    pub psm_a: f64,
}

/// One preamble's duration, ns: NB-IoT format 0 is 4 symbol groups of 1.4 ms (a 66.7 us
/// cyclic prefix and 5 symbols of 266.7 us; TS 36.211 10.1.6); LTE-M format 0, 1 ms.
pub fn preamble_ns(kind: CellKind) -> u64 {
    match kind {
        CellKind::NbIot => 5_600_000,
        _ => 1_000_000,
    }
}

impl CellRadio {
    /// How long a device stays connected after a transfer, ns: none with release
    /// assistance, else the inactivity timer.
    pub fn tail_ns(&self) -> u64 {
        if self.rai {
            0
        } else {
            self.inactivity_ns
        }
    }

    /// The share of connected time the device listens: its on-duration each DRX cycle,
    /// or all of it without connected-mode DRX.
    pub fn connected_duty(&self) -> f64 {
        if self.cdrx_ns == 0 {
            1.0
        } else {
            (self.on_duration_ns as f64 / self.cdrx_ns as f64).min(1.0)
        }
    }
}

/// Carrier frequency for `frequency = "region"`: NB-IoT in band 8 (900 MHz), LTE-M in
/// band 3 (1800 MHz).
fn band_hz(kind: CellKind) -> f64 {
    match kind {
        CellKind::LteM => 1800e6,
        _ => 900e6,
    }
}

read::kind!(
    /// `"abstract"`, `"nbiot"` or `"ltem"`.
    CellKindName => CellKind, "`\"abstract\"`, `\"nbiot\"` or `\"ltem\"`", |cx: &mut Cx, n: &Node, k: &str| {
        read::choice(cx, n, k, &["abstract", "nbiot", "ltem"]).map(|m| match m {
            "nbiot" => CellKind::NbIot,
            "ltem" => CellKind::LteM,
            _ => CellKind::Abstract,
        })
    }
);

/// Three values, one per coverage level (CE0, CE1, CE2).
pub(crate) struct PerLevel<K>(std::marker::PhantomData<K>);

impl<K: Kind> Kind for PerLevel<K>
where
    K::Out: Copy + Default,
{
    type Out = [K::Out; LEVELS];
    fn read(cx: &mut Cx, node: &Node, key: &str) -> Option<[K::Out; LEVELS]> {
        let Val::Array(items) = &node.val else {
            cx.expected(node, key, "a list of three values, for CE0, CE1 and CE2");
            return None;
        };
        if items.len() != LEVELS {
            cx.expected(node, key, "a list of three values, for CE0, CE1 and CE2");
            return None;
        }
        let mut out = [K::Out::default(); LEVELS];
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match K::read(cx, item, &format!("{key}[{i}]")) {
                Some(v) => out[i] = v,
                None => ok = false,
            }
        }
        ok.then_some(out)
    }
    fn what() -> String {
        format!("three values, CE0 to CE2, each a {}", K::what())
    }
}

/// Reads `cellular = { kind = "abstract", transfers = 50, rate = "60kbps", wake_up =
/// "2s", queue = 1000 }`, or `{ kind = "nbiot" | "ltem", ... }` (defaults per kind).
pub(crate) fn read_cellular(cx: &mut Cx, node: &Node, key: &str) -> Option<CellularCfg> {
    let kind = match tree::get(node, "kind").map(|n| &n.val) {
        Some(Val::Str(s)) if s == "nbiot" => CellKind::NbIot,
        Some(Val::Str(s)) if s == "ltem" => CellKind::LteM,
        _ => CellKind::Abstract,
    };
    if kind != CellKind::Abstract {
        return read_radio_cell(cx, node, key, kind);
    }
    let mut t = Tbl::open(cx, node, key, "cellular")?;
    let kind = t.val::<CellKindName>(cx, "kind");
    let transfers = t.val::<Int<1, 1_000_000>>(cx, "transfers");
    let rate = t.val::<Bitrate>(cx, "rate");
    let wake_up = t.val::<Duration>(cx, "wake_up");
    let queue = t.val::<Capacity>(cx, "queue");
    refuse_other_kind(cx, &mut t, false);
    t.finish(cx);
    Some(CellularCfg {
        kind: kind?,
        transfers: transfers? as u32,
        rate_bps: rate?,
        wake_up_ns: wake_up?,
        queue: queue?,
        radio: None,
    })
}

/// The keys of the abstract cell that an NB-IoT or LTE-M cell does without, and why.
const ABSTRACT_ONLY: [(&str, &str); 3] = [
    (
        "transfers",
        "its capacity follows from the carrier's `units`",
    ),
    (
        "rate",
        "its transfer times follow from the transport block tables at each level's `itbs`",
    ),
    (
        "wake_up",
        "its access delay follows from random access and `setup`",
    ),
];

/// Names a key of the other kind of cell in `t` (`radio`: an NB-IoT or LTE-M table),
/// saying where it belongs, instead of calling it unknown.
fn refuse_other_kind(cx: &mut Cx, t: &mut Tbl, radio: bool) {
    if radio {
        for (k, why) in ABSTRACT_ONLY {
            if t.again(k).is_some() {
                cx.err(
                    &t.origin_of(k),
                    &t.key(k),
                    format!("`{k}` belongs to the abstract cell (kind = \"abstract\"); an NB-IoT or LTE-M cell has none: {why}; remove it"),
                );
            }
        }
        return;
    }
    for k in RADIO_CELL_KEYS
        .iter()
        .map(|k| k.key)
        .filter(|&k| k != "queue" && k != "kind")
    {
        if t.again(k).is_some() {
            cx.err(
                &t.origin_of(k),
                &t.key(k),
                format!("`{k}` belongs to an NB-IoT or LTE-M cell; set kind = \"nbiot\" or \"ltem\", or remove it"),
            );
        }
    }
}

/// Reads an NB-IoT or LTE-M cell: its defaults are those of section `nbiot` or `ltem`.
fn read_radio_cell(cx: &mut Cx, node: &Node, key: &str, kind: CellKind) -> Option<CellularCfg> {
    let mut t = Tbl::open(cx, node, key, kind.name())?;
    let _ = t.get("kind");
    let propagation = read_propagation(cx, &mut t, Some(band_hz(kind)));
    let gateway_gain = t.val::<Db>(cx, "gateway_gain");
    let device_gain = t.val::<Db>(cx, "device_gain");
    let levels = read_levels(cx, &mut t, kind);
    let trans_max = t.val::<Int<1, 200>>(cx, "preamble_trans_max");
    let per_level = t.val::<Int<1, 200>>(cx, "attempts_per_level");
    let backoff = t.val::<Duration>(cx, "backoff");
    let units = t.val::<Int<1, 100>>(cx, "units");
    let overhead = t.val::<StackBytes>(cx, "overhead");
    let inactivity = t.val::<Duration>(cx, "inactivity");
    let cdrx = t.val::<Duration>(cx, "cdrx");
    let on_duration = t.val::<Duration>(cx, "on_duration");
    let rai = t.val::<read::Flag>(cx, "rai");
    let t3324 = t.val::<Duration>(cx, "t3324");
    let t3412 = t.val::<read::PositiveDuration>(cx, "t3412");
    let edrx = t.val::<read::PositiveDuration>(cx, "edrx");
    let tx_a = t.val::<super::behaviour::Current>(cx, "tx_current");
    let rx_a = t.val::<super::behaviour::Current>(cx, "rx_current");
    let psm_a = t.val::<super::behaviour::Current>(cx, "psm_current");
    let queue = t.val::<Capacity>(cx, "queue");
    let (units_at, units_key) = (t.origin_of("units"), t.key("units"));
    refuse_other_kind(cx, &mut t, true);
    t.finish(cx);
    let (levels, units) = (levels?, units? as u32);
    if let Some(l) = levels.iter().find(|l| l.units > units) {
        cx.err(
            &units_at,
            &units_key,
            format!(
                "a transfer occupies {} uplink units at some level but the carrier has {units}; expected `units` at least the largest of `level_units`",
                l.units
            ),
        );
        return None;
    }
    Some(CellularCfg {
        kind,
        transfers: 0,
        rate_bps: 0.0,
        wake_up_ns: 0,
        queue: queue?,
        radio: Some(CellRadio {
            propagation: propagation?,
            gateway_gain_db: gateway_gain?,
            device_gain_db: device_gain?,
            levels,
            preamble_trans_max: trans_max? as u32,
            attempts_per_level: per_level? as u32,
            backoff_ns: backoff?,
            units,
            overhead_bytes: overhead?,
            inactivity_ns: inactivity?,
            cdrx_ns: cdrx?,
            on_duration_ns: on_duration?,
            rai: rai?,
            t3324_ns: t3324?,
            t3412_ns: t3412?,
            edrx_ns: edrx?,
            tx_a: tx_a?,
            rx_a: rx_a?,
            psm_a: psm_a?,
        }),
    })
}

read::kind!(
    /// Bytes of protocol overhead, at most 1000.
    StackBytes => u32, "size, at most 1000B", |cx: &mut Cx, n: &Node, k: &str| match read::bytes(cx, n, k) {
        Some(b) if b <= 1000 => Some(b as u32),
        Some(_) => {
            cx.expected(n, k, "at most 1000B of protocol overhead");
            None
        }
        None => None,
    }
);

/// The per-level keys, checked: coupling-loss bounds rising, transport block indices
/// in the table, uplink units of a kind the carrier has.
fn read_levels(cx: &mut Cx, t: &mut Tbl, kind: CellKind) -> Option<[CeLevel; LEVELS]> {
    let loss = t.val::<PerLevel<Dbm0>>(cx, "ce_levels");
    let period = t.val::<PerLevel<read::PositiveDuration>>(cx, "ra_period");
    let preambles = t.val::<PerLevel<Int<1, 64>>>(cx, "preambles");
    let ra_reps = t.val::<PerLevel<Int<1, 128>>>(cx, "ra_repetitions");
    let setup = t.val::<PerLevel<Duration>>(cx, "setup");
    let reps = t.val::<PerLevel<Int<1, 2048>>>(cx, "repetitions");
    let units = t.val::<PerLevel<Int<1, 12>>>(cx, "level_units");
    let itbs = t.val::<PerLevel<Int<0, 12>>>(cx, "itbs");
    let (loss, period, preambles, ra_reps) = (loss?, period?, preambles?, ra_reps?);
    let (setup, reps, units, itbs) = (setup?, reps?, units?, itbs?);
    if loss.windows(2).any(|w| w[1] <= w[0]) {
        cx.err(
            &t.origin_of("ce_levels"),
            &t.key("ce_levels"),
            "expected rising coupling losses: the largest of CE0, then CE1, then CE2 (the maximum coupling loss)",
        );
        return None;
    }
    let fits = |u: i64| match kind {
        CellKind::NbIot => matches!(u, 1 | 3 | 6 | 12),
        _ => (1..=6).contains(&u),
    };
    if let Some(&u) = units.iter().find(|&&u| !fits(u)) {
        let expected = match kind {
            CellKind::NbIot => "1, 3, 6 or 12 subcarriers (NB-IoT's NPUSCH allocations)",
            _ => "1 to 6 PRBs (LTE-M's narrowband)",
        };
        cx.err(
            &t.origin_of("level_units"),
            &t.key("level_units"),
            format!("{u} units; expected {expected}"),
        );
        return None;
    }
    let one = preamble_ns(kind);
    if let Some(i) = (0..LEVELS).find(|&i| ra_reps[i] as u64 * one > period[i]) {
        cx.err(
            &t.origin_of("ra_period"),
            &t.key("ra_period"),
            format!(
                "CE{i}'s preamble with its {} repetitions lasts {:.1} ms, longer than its random-access period; expected a period of at least that",
                ra_reps[i],
                (ra_reps[i] as u64 * one) as f64 * 1e-6
            ),
        );
        return None;
    }
    Some(std::array::from_fn(|i| CeLevel {
        max_loss_db: loss[i],
        ra_period_ns: period[i],
        preambles: preambles[i] as u32,
        ra_repetitions: ra_reps[i] as u32,
        setup_ns: setup[i],
        repetitions: reps[i] as u32,
        units: units[i] as u32,
        itbs: itbs[i] as u32,
    }))
}

read::kind!(
    /// A loss in dB, as a ratio (`"164dB"`).
    Dbm0 => f64, "ratio in dB (`\"164dB\"`)", |cx: &mut Cx, n: &Node, k: &str| Db::read(cx, n, k)
);

/// The keys of `cellular` tables of kind `"abstract"`, for the key reference.
pub(crate) const CELLULAR_KEYS: &[Key] = &[
    Key::of(
        "kind",
        "an abstract cell of transfer slots, or an NB-IoT or LTE-M cell (their keys below)",
    ),
    Key::of("transfers", "transfers a cell serves at once"),
    Key::of("rate", "the rate of one transfer"),
    Key::of(
        "wake_up",
        "leaving power saving and attaching, before each transfer",
    ),
    Key::of("queue", "readings waiting for a transfer slot in a cell"),
];

/// The keys of NB-IoT and LTE-M cells, for the key reference.
pub(crate) const RADIO_CELL_KEYS: &[Key] = &[
    Key::any("kind", "`\"nbiot\"` or `\"ltem\"`", "`\"abstract\"`", "the kind of cell"),
    Key::of("gateway_gain", "the base station antenna's gain"),
    Key::of("device_gain", "a device antenna's gain"),
    Key::of(
        "ce_levels",
        "the largest coupling loss of CE0, CE1 and CE2; a device beyond the last is dropped below sensitivity",
    ),
    Key::of("ra_period", "one random-access opportunity every this, per level"),
    Key::of("preambles", "preambles a device picks from at each opportunity, per level"),
    Key::of("ra_repetitions", "repetitions of each preamble, per level"),
    Key::of(
        "setup",
        "from a preamble heard to the connection set up (RAR, Msg3, Msg4, RRC), per level",
    ),
    Key::of("repetitions", "repetitions of each uplink transport block, per level"),
    Key::of(
        "level_units",
        "uplink units one transfer occupies, per level (NB-IoT: subcarriers; LTE-M: PRBs)",
    ),
    Key::of("itbs", "the transport block size index of uplink transfers, per level"),
    Key::of("preamble_trans_max", "the most preamble attempts for one reading"),
    Key::of(
        "attempts_per_level",
        "failed attempts at one level before a device moves to the next",
    ),
    Key::of(
        "backoff",
        "after a failed attempt, a device waits uniformly up to this",
    ),
    Key::of("units", "uplink units of the carrier"),
    Key::of("overhead", "bytes the stack adds to each reading"),
    Key::of(
        "inactivity",
        "the RRC inactivity timer: connected this long after a transfer",
    ),
    Key::of(
        "cdrx",
        "the connected-mode DRX cycle; `\"0s\"`: listening throughout the inactivity timer",
    ),
    Key::of("on_duration", "connected-mode DRX: listening this long each cycle"),
    Key::of(
        "rai",
        "release assistance: released after the transfer, with no inactivity tail",
    ),
    Key::of("t3324", "the active time: idle, reachable through eDRX paging, before PSM"),
    Key::of("t3412", "the periodic tracking-area update"),
    Key::of("edrx", "the eDRX cycle: one paging occasion in each"),
    Key::of("tx_current", "a device's current while transmitting"),
    Key::of(
        "rx_current",
        "a device's current while receiving or connected",
    ),
    Key::of("psm_current", "a device's current in PSM"),
    Key::of("queue", "readings waiting for uplink resources in a cell"),
];

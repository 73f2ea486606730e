//! What sensors do besides reading: move (mobility) and drain batteries (energy).

use super::read::{self, Cx, Duration, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// Movement of mobile sensors (buses, trackers): legs between waypoints at a speed,
/// with a pause at each.
#[derive(Debug, Clone, Serialize)]
pub struct Mobility {
    /// Speed, m/s.
    pub speed_mps: f64,
    /// Pause at each waypoint, ns.
    pub pause_ns: u64,
    /// A fixed route, looped (each sensor starts at its own point of it); None: random
    /// waypoints uniform over the city.
    pub route: Option<Vec<(f64, f64)>>,
}

/// The fastest a mobile sensor moves, m/s (1200 km/h: an airliner's cruise).
pub const MAX_SPEED_MPS: f64 = 1200.0 / 3.6;

/// Reads `mobility = { kind = "random_waypoint" | "route", speed = "36km/h",
/// pause = "30s", route = [[x, y], ...] }`.
pub(crate) fn read_mobility(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Mobility> {
    let mut t = Tbl::open(cx, node, key, "mobility")?;
    let kind = t
        .req(cx, "kind", "\"random_waypoint\" or \"route\"")
        .and_then(|n| read::choice(cx, n, &t.key("kind"), &["random_waypoint", "route"]));
    let speed = t
        .req(cx, "speed", "a speed such as \"36km/h\"")
        .and_then(|n| match &n.val {
            Val::Str(s) => match crate::units::parse_speed_mps(s) {
                Ok(v) if v <= MAX_SPEED_MPS => Some(v),
                Ok(_) => {
                    cx.expected(
                        n,
                        &t.key("speed"),
                        "a speed of at most 1200km/h (faster than any vehicle a sensor rides)",
                    );
                    None
                }
                Err(m) => {
                    cx.err(&n.origin, &t.key("speed"), m);
                    None
                }
            },
            _ => {
                cx.expected(
                    n,
                    &t.key("speed"),
                    "a speed such as \"36km/h\" or \"10m/s\"",
                );
                None
            }
        });
    let pause = t.val::<Duration>(cx, "pause");
    let route = match (kind, t.get("route")) {
        (Some("route"), Some(n)) => read::array(cx, n, &t.key("route")).and_then(|items| {
            let pts: Option<Vec<(f64, f64)>> = items
                .iter()
                .map(|p| position(cx, p, &t.key("route"), city))
                .collect();
            match pts {
                Some(p) if p.len() >= 2 && p.iter().any(|q| *q != p[0]) => Some(Some(p)),
                Some(_) => {
                    cx.expected(n, &t.key("route"), "at least two distinct waypoints");
                    None
                }
                None => None,
            }
        }),
        (Some("route"), None) => {
            let origin = t.origin_of("route");
            cx.err(
                &origin,
                &t.key("route"),
                "missing key; expected the route's waypoints [[x, y], ...]",
            );
            None
        }
        (Some(_), Some(n)) => {
            cx.err(
                &n.origin,
                &t.key("route"),
                "a route goes with kind = \"route\"",
            );
            None
        }
        _ => Some(None),
    };
    t.finish(cx);
    kind?;
    Some(Mobility {
        speed_mps: speed?,
        pause_ns: pause?,
        route: route?,
    })
}

/// `energy` of a sensor class: what one reading costs and what the battery holds.
///
/// A reading costs `tx_current x tx_time + rx_current x rx_window` of charge plus
/// `sensing / voltage`; between readings the radio sleeps at `sleep_current`.
#[derive(Debug, Clone, Serialize)]
pub struct Energy {
    /// Battery capacity, coulombs.
    pub battery_c: f64,
    /// Supply voltage, V.
    pub voltage_v: f64,
    /// Current while transmitting, A.
    pub tx_a: f64,
    /// Current while listening for a downlink, A.
    pub rx_a: f64,
    /// Current while asleep, A.
    pub sleep_a: f64,
    /// Time on air per reading, s: given, or from the access bandwidth; None for a
    /// LoRa access, where it follows from each sensor's spreading factor.
    pub tx_s: Option<f64>,
    /// Receive window after each transmission, s, if given. A LoRa class without one
    /// listens in each window only as long as a preamble takes to detect, or for the
    /// downlink it receives.
    pub rx_s: Option<f64>,
    /// Current while idle (awake, neither sending nor listening), A.
    pub idle_a: f64,
    /// Idle time per reading (e.g. the wait before a receive window), s.
    pub idle_s: f64,
    /// Energy to take one reading (the sensor itself), J.
    pub sensing_j: f64,
    /// Share of the capacity the cell loses a year by itself.
    pub self_discharge: f64,
    /// How long the cell lasts however little it is used, s.
    pub shelf_life_s: f64,
}

impl Energy {
    /// Charge one reading costs besides the radio, coulombs: sensing and idle time.
    pub fn sense_charge_c(&self) -> f64 {
        self.idle_a * self.idle_s + self.sensing_j / self.voltage_v
    }

    /// Charge one reading costs besides transmitting on a non-LoRa access, coulombs:
    /// one receive window (1 s unless given), sensing and idle time.
    pub fn base_charge_c(&self) -> f64 {
        self.rx_a * self.rx_s.unwrap_or(1.0) + self.sense_charge_c()
    }
}

/// A cell's shelf life, above zero, in s.
fn shelf_life(cx: &mut Cx, n: &Node, k: &str) -> Option<f64> {
    match read::duration(cx, n, k) {
        Some(0) => {
            cx.expected(n, k, "a shelf life above zero, e.g. \"20y\"");
            None
        }
        d => d.map(|ns| ns as f64 * 1e-9),
    }
}

/// Defaults of `energy` (an SX1276-class LoRa radio at 14 dBm on a Li-SOCl2 AA cell):
/// battery 2400mAh, voltage 3.6V, tx 40mA, rx 11mA, sleep 1.5uA, rx window 1s, sensing 0.
pub(crate) fn read_energy(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    payload: Option<u32>,
    bandwidth: Option<TxTime>,
) -> Option<Energy> {
    let mut t = Tbl::open(cx, node, key, "energy")?;
    let mut ok = true;
    let mut get = |t: &mut Tbl,
                   k: &'static str,
                   def: f64,
                   f: fn(&mut Cx, &Node, &str) -> Option<f64>|
     -> f64 {
        match t.get(k) {
            Some(n) => f(cx, n, &t.key(k)).unwrap_or_else(|| {
                ok = false;
                def
            }),
            None => def,
        }
    };
    let battery_c = get(&mut t, "battery", 2400.0 * 3.6, read::charge);
    let voltage_v = get(&mut t, "voltage", 3.6, read::voltage);
    let tx_a = get(&mut t, "tx_current", 40e-3, read::current);
    let rx_a = get(&mut t, "rx_current", 11e-3, read::current);
    let sleep_a = get(&mut t, "sleep_current", 1.5e-6, read::current);
    // Left out: -1 (a duration is never negative).
    let rx_s = get(&mut t, "rx_window", -1.0, |cx, n, k| {
        read::duration(cx, n, k).map(|ns| ns as f64 * 1e-9)
    });
    let rx_s = (rx_s >= 0.0).then_some(rx_s);
    let sensing_j = get(&mut t, "sensing", 0.0, read::energy);
    // Li-SOCl2 bobbin cells lose under 1% a year at 20 C (Saft LS 14500 datasheet).
    let self_discharge = get(&mut t, "self_discharge", 0.01, read::probability);
    // The service life makers quote for Li-SOCl2 bobbin cells: about 20 years.
    let shelf_life_s = get(&mut t, "shelf_life", 20.0 * 31_557_600.0, shelf_life);
    let idle_a = get(&mut t, "idle_current", 1.6e-3, read::current);
    let idle_s = get(&mut t, "idle_time", 0.0, |cx, n, k| {
        read::duration(cx, n, k).map(|ns| ns as f64 * 1e-9)
    });
    let tx_given = t
        .get("tx_time")
        .map(|n| read::duration(cx, n, &t.key("tx_time")));
    let origins = [
        t.origin.clone(),
        t.origin_of("rx_window"),
        t.origin_of("tx_time"),
    ];
    t.finish(cx);
    let tx_s = time_on_air(
        cx,
        key,
        (tx_given, bandwidth, payload),
        rx_s.is_some(),
        origins,
    )?;
    ok.then_some(Energy {
        battery_c,
        voltage_v,
        tx_a,
        rx_a,
        sleep_a,
        tx_s,
        rx_s,
        idle_a,
        idle_s,
        sensing_j,
        self_discharge,
        shelf_life_s,
    })
}

/// A class's time on air per reading, s: `tx_time` when given, else from the access
/// network (None: charged per transmission, LoRa and meshes). None when it cannot be
/// had (the problem is recorded). `rx_window`: whether the energy table gives one;
/// `origins`: where the table, `rx_window` and `tx_time` are written.
fn time_on_air(
    cx: &mut Cx,
    key: &str,
    (tx_given, bandwidth, payload): (Option<Option<u64>>, Option<TxTime>, Option<u32>),
    rx_window: bool,
    [origin, rx_origin, tx_origin]: [Origin; 3],
) -> Option<Option<f64>> {
    let tx_s = match (tx_given, bandwidth, payload) {
        (None, Some(TxTime::Frames), _) => {
            if rx_window {
                cx.err(
                    &rx_origin,
                    &format!("{key}.rx_window"),
                    "a mesh sensor's radio is charged as it listens (backoffs, assessments, acknowledgements); remove `rx_window`",
                );
                return None;
            }
            None
        }
        (Some(Some(_)), Some(TxTime::Frames), _) => {
            cx.err(
                &tx_origin,
                &format!("{key}.tx_time"),
                "a mesh sensor's time on air follows from its frames; remove `tx_time`",
            );
            return None;
        }
        (Some(Some(ns)), _, _) => Some(ns as f64 * 1e-9),
        (Some(None), _, _) => return None,
        (None, Some(TxTime::Radio), _) => None,
        (None, Some(TxTime::Rate { bps, extra_s }), Some(p)) => {
            Some(p as f64 * 8.0 / bps + extra_s)
        }
        (None, Some(TxTime::Unknown), _) => {
            cx.err(
                &origin,
                &format!("{key}.tx_time"),
                "missing key; expected the time on air per reading (`tx_time = \"50ms\"`), since the access network has no bandwidth to derive it from",
            );
            return None;
        }
        _ => return None,
    };
    Some(tx_s)
}

/// The keys of `mobility` tables, for the key reference.
pub(crate) const MOBILITY_KEYS: &[Key] = &[
    Key::of(
        "kind",
        "how the sensors move: along a route, or between random waypoints",
    ),
    Key::of("speed", "how fast they move"),
    Key::of("pause", "how long they stop at each waypoint"),
    Key::any(
        "route",
        "a list of `[x, y]` waypoints",
        "required for `\"route\"`",
        "the loop a route's sensors follow, each from its own random start",
    ),
];

/// The keys of `energy` tables, for the key reference.
pub(crate) const ENERGY_KEYS: &[Key] = &[
    Key::any(
        "battery",
        "charge (`\"2400mAh\"`)",
        "\"2400mAh\" (a Li-SOCl2 AA cell, ER14505 class)",
        "the battery's capacity",
    ),
    Key::any(
        "voltage",
        "voltage (`\"3.6V\"`)",
        "\"3.6V\" (Li-SOCl2)",
        "the battery's voltage",
    ),
    Key::any(
        "tx_current",
        "current (`\"40mA\"`)",
        "\"40mA\" (an SX1276-class radio at 14dBm)",
        "the current while transmitting",
    ),
    Key::any(
        "rx_current",
        "current (`\"11mA\"`)",
        "\"11mA\" (an SX1276-class radio)",
        "the current while receiving",
    ),
    Key::any(
        "sleep_current",
        "current (`\"1.5uA\"`)",
        "\"1.5uA\" (an SX1276-class radio asleep)",
        "the current between readings",
    ),
    Key::any(
        "rx_window",
        "duration (`\"1s\"`)",
        "\"1s\"; a LoRa class's windows follow its MAC",
        "how long the radio listens after each reading",
    ),
    Key::any(
        "sensing",
        "energy (`\"2mJ\"`)",
        "0",
        "the energy of taking one sample",
    ),
    Key::any(
        "self_discharge",
        "probability, 0 to 1 (or `\"1%\"`)",
        "\"1%\" (Li-SOCl2 at 20 C, Saft LS 14500)",
        "the share of its capacity the battery loses a year by itself",
    ),
    Key::any(
        "shelf_life",
        "duration (`\"20y\"`)",
        "\"20y\" (the service life makers quote for Li-SOCl2 cells)",
        "no projected lifetime is longer than this",
    ),
    Key::any(
        "idle_current",
        "current (`\"1.6mA\"`)",
        "\"1.6mA\"",
        "the current while awake but not using the radio",
    ),
    Key::any(
        "idle_time",
        "duration (`\"1s\"`)",
        "0",
        "how long a sensor is awake per reading besides the radio",
    ),
    Key::any(
        "tx_time",
        "duration (`\"60ms\"`)",
        "the payload over the access network's rate",
        "the time on air per reading, for a network without a rate",
    ),
];

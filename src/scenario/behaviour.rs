//! What sensors do besides reading: move (mobility) and drain batteries (energy).

use super::read::{self, Cx, Duration, Kind, Tbl};
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

read::kind!(
    /// A battery's charge in coulombs (`"2400mAh"`).
    Charge => f64, "charge (`\"2400mAh\"`)", read::charge
);
read::kind!(
    /// A voltage in volts (`"3.6V"`).
    Voltage => f64, "voltage (`\"3.6V\"`)", read::voltage
);
read::kind!(
    /// A current in amperes (`"40mA"`).
    Current => f64, "current (`\"40mA\"`)", read::current
);
read::kind!(
    /// An energy in joules (`"2mJ"`).
    EnergyJ => f64, "energy (`\"2mJ\"`)", read::energy
);
read::kind!(
    /// A cell's shelf life, above zero, in s (`"20y"`).
    ShelfLife => f64, "duration > 0 (`\"20y\"`)", shelf_life
);

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
    if let Some(TxTime::Cell) = bandwidth {
        for k in ["tx_current", "rx_current", "sleep_current"] {
            if t.has_key(k) {
                cx.err(
                    &t.origin_of(k),
                    &t.key(k),
                    "an NB-IoT or LTE-M device draws its module's currents: set `tx_current`, `rx_current` and `psm_current` in the access's `cellular` table instead",
                );
            }
        }
    }
    let battery_c = t.val::<Charge>(cx, "battery");
    let voltage_v = t.val::<Voltage>(cx, "voltage");
    let mut tx_a = t.val::<Current>(cx, "tx_current");
    let mut rx_a = t.val::<Current>(cx, "rx_current");
    if let Some(TxTime::Frames {
        tx_a: mesh_tx,
        rx_a: mesh_rx,
    }) = bandwidth
    {
        // A mesh sensor's radio is its mesh's unless the class says otherwise.
        if !t.has_key("tx_current") {
            tx_a = Some(mesh_tx);
        }
        if !t.has_key("rx_current") {
            rx_a = Some(mesh_rx);
        }
    }
    let sleep_a = t.val::<Current>(cx, "sleep_current");
    // Left out, the window follows the access (a LoRa class's from its MAC, others 1 s).
    let rx_s = t.opt::<Duration>(cx, "rx_window");
    let sensing_j = t.val::<EnergyJ>(cx, "sensing");
    let self_discharge = t.val::<read::Probability>(cx, "self_discharge");
    let shelf_life_s = t.val::<ShelfLife>(cx, "shelf_life");
    let idle_a = t.val::<Current>(cx, "idle_current");
    let idle_s = t.val::<Duration>(cx, "idle_time");
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
        matches!(rx_s, Some(Some(_))),
        origins,
    )?;
    Some(Energy {
        battery_c: battery_c?,
        voltage_v: voltage_v?,
        tx_a: tx_a?,
        rx_a: rx_a?,
        sleep_a: sleep_a?,
        tx_s,
        rx_s: rx_s?.map(|ns| ns as f64 * 1e-9),
        idle_a: idle_a?,
        idle_s: idle_s? as f64 * 1e-9,
        sensing_j: sensing_j?,
        self_discharge: self_discharge?,
        shelf_life_s: shelf_life_s?,
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
        (None, Some(TxTime::Frames { .. }), _) => {
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
        (Some(Some(_)), Some(TxTime::Frames { .. }), _) => {
            cx.err(
                &tx_origin,
                &format!("{key}.tx_time"),
                "a mesh sensor's time on air follows from its frames; remove `tx_time`",
            );
            return None;
        }
        (Some(Some(_)), Some(TxTime::Cell), _) => {
            cx.err(
                &tx_origin,
                &format!("{key}.tx_time"),
                "an NB-IoT or LTE-M device's time on air follows from its preambles and transport blocks; remove `tx_time`",
            );
            return None;
        }
        (Some(Some(ns)), _, _) => Some(ns as f64 * 1e-9),
        (Some(None), _, _) => return None,
        (None, Some(TxTime::Radio), _) => None,
        (None, Some(TxTime::Cell), _) if rx_window => {
            cx.err(
                &rx_origin,
                &format!("{key}.rx_window"),
                "an NB-IoT or LTE-M device's radio is charged per state (connection setup, the inactivity timer); remove `rx_window`",
            );
            return None;
        }
        (None, Some(TxTime::Cell), _) => None,
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
    Key::of("battery", "the battery's capacity"),
    Key::of("voltage", "the battery's voltage"),
    Key::of("tx_current", "the current while transmitting"),
    Key::of("rx_current", "the current while receiving"),
    Key::of("sleep_current", "the current between readings"),
    Key::opt(
        "rx_window",
        "a LoRa class's windows follow its MAC; other classes listen 1 s",
        "how long the radio listens after each reading",
    ),
    Key::of("sensing", "the energy of taking one sample"),
    Key::of(
        "self_discharge",
        "the share of its capacity the battery loses a year by itself",
    ),
    Key::of("shelf_life", "no projected lifetime is longer than this"),
    Key::of(
        "idle_current",
        "the current while awake but not using the radio",
    ),
    Key::of(
        "idle_time",
        "how long a sensor is awake per reading besides the radio",
    ),
    Key::any(
        "tx_time",
        "duration (`\"60ms\"`)",
        "the payload over the access network's rate",
        "the time on air per reading, for a network without a rate",
    ),
];

#[cfg(test)]
mod tests {
    use super::super::diag::{Origin, Source};
    use super::super::tree::parse_override_value;
    use super::*;
    use std::sync::Arc;

    fn read(text: &str) -> (Option<Energy>, Cx) {
        let mut cx = Cx::new(Arc::new(Source::new("t.toml", "")));
        let node = parse_override_value(text, &Origin::Default);
        let e = read_energy(
            &mut cx,
            &node,
            "sensors.0.energy",
            Some(24),
            Some(TxTime::Radio),
        );
        (e, cx)
    }

    #[test]
    fn an_empty_energy_table_takes_the_documented_defaults() {
        let (e, cx) = read("{}");
        let e = e.unwrap_or_else(|| panic!("{:?}", cx.diags));
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-9);
        assert!(close(e.battery_c, 2400e-3 * 3600.0), "{}", e.battery_c);
        assert!(close(e.voltage_v, 3.6) && close(e.tx_a, 40e-3) && close(e.rx_a, 11e-3));
        assert!(close(e.sleep_a, 1.5e-6) && close(e.idle_a, 1.6e-3));
        assert!(close(e.self_discharge, 0.01));
        assert!(close(e.shelf_life_s, 20.0 * 365.25 * 86_400.0));
        assert_eq!(
            (e.sensing_j, e.idle_s, e.rx_s, e.tx_s),
            (0.0, 0.0, None, None)
        );
    }

    #[test]
    fn a_bad_energy_value_is_recorded_with_its_key() {
        let (e, cx) = read("{ battery = \"2400\", shelf_life = \"0s\" }");
        assert!(e.is_none());
        let keys: Vec<&str> = cx.diags.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            ["sensors.0.energy.battery", "sensors.0.energy.shelf_life"]
        );
    }
}

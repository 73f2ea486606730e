//! The typed scenario and how it is read from the tree. Units are resolved here:
//! times in nanoseconds, sizes in bytes, rates in bit/s, distances in metres.

use super::diag::Origin;
use super::read::{self, Cx, Tbl};
use super::tree::{Node, Val};
use serde::Serialize;

/// The documented defaults, in one place.
pub mod defaults {
    /// `simulation.duration`.
    pub const DURATION: &str = "1h";
    /// `simulation.warmup`.
    pub const WARMUP: &str = "0s";
    /// `simulation.seed`.
    pub const SEED: u64 = 1;
    /// `simulation.bucket`: the time-series bucket is `duration / BUCKETS`, rounded down
    /// to a whole second (at least one second).
    pub const BUCKETS: u64 = 60;
    /// `city.width` and `city.height`.
    pub const CITY_SIDE: &str = "1km";
    /// Name of the access network created when the file has no `[[access]]`.
    pub const ACCESS_NAME: &str = "direct";
    /// Name of the gateway group created when the file has no `[gateways]`.
    pub const GATEWAY_NAME: &str = "gw";
    /// `gateways.count`.
    pub const GATEWAY_COUNT: i64 = 1;
    /// `gateways.servers` and `nodes.servers`.
    pub const SERVERS: i64 = 1;
    /// `queue` of gateways, nodes and links, in packets waiting (not counting those in
    /// service or on the wire).
    pub const QUEUE: u32 = 1000;
    /// Name of the sink created when the file has no `[[nodes]]`.
    pub const SINK_NAME: &str = "cloud";
    /// `sensors.domain`.
    pub const DOMAIN: &str = "other";
}

/// How a LoRa sensor class chooses its spreading factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SfChoice {
    /// As its access network says (`lora.sf`).
    Network,
    /// The smallest whose link budget to the best gateway closes with the margin.
    Auto,
    /// This one (7 to 12).
    Fixed(u8),
}

/// The application domains of a smart city.
pub const DOMAINS: &[&str] = &[
    "agriculture",
    "electricity",
    "logistics",
    "transportation",
    "security",
    "environment",
    "health",
    "home",
    "other",
];

/// A validated scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Scenario name (output folder name).
    pub name: String,
    /// Free text shown in reports.
    pub description: String,
    /// The file it was read from.
    pub source: String,
    /// The scenario after overrides, as TOML text.
    #[serde(skip)]
    pub resolved: String,
    /// Clock and seed.
    pub simulation: Simulation,
    /// The area sensors and gateways are placed in.
    pub city: City,
    /// Access networks (the sensor-to-gateway hop).
    pub access: Vec<Access>,
    /// Sensor classes.
    pub sensors: Vec<SensorClass>,
    /// Gateway groups.
    pub gateways: Vec<GatewayGroup>,
    /// Mesh relay (router) groups.
    pub relays: Vec<RelayGroup>,
    /// Named areas (sensor classes, gateways and relays may be placed within one).
    pub districts: Vec<District>,
    /// Infrastructure nodes beyond the gateways: edge servers, sinks.
    pub nodes: Vec<NodeCfg>,
    /// Backhaul links between gateways and nodes.
    pub links: Vec<LinkCfg>,
    /// Service targets shown in reports (`[targets]`).
    pub targets: Targets,
    /// Outages: scheduled, or random with MTBF/MTTR.
    pub faults: Vec<FaultCfg>,
    /// Area incidents: more readings from a region for a while, and alarms.
    pub incidents: Vec<IncidentCfg>,
}

/// An area of the city.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Region {
    /// Centre (m) and radius (m).
    Circle {
        /// Centre x.
        x: f64,
        /// Centre y.
        y: f64,
        /// Radius.
        r: f64,
    },
    /// Corners (m).
    Rectangle {
        /// West edge.
        x0: f64,
        /// South edge.
        y0: f64,
        /// East edge.
        x1: f64,
        /// North edge.
        y1: f64,
    },
    /// A simple polygon (vertices in order, m).
    Polygon(Vec<(f64, f64)>),
}

impl Region {
    /// Whether (x, y) lies inside.
    pub fn contains(&self, x: f64, y: f64) -> bool {
        match self {
            Region::Circle { x: cx, y: cy, r } => (x - cx).powi(2) + (y - cy).powi(2) <= r * r,
            Region::Rectangle { x0, y0, x1, y1 } => {
                (*x0..=*x1).contains(&x) && (*y0..=*y1).contains(&y)
            }
            Region::Polygon(p) => {
                // Even-odd rule: count edge crossings of a ray towards +x.
                let mut inside = false;
                let mut j = p.len() - 1;
                for i in 0..p.len() {
                    let ((xi, yi), (xj, yj)) = (p[i], p[j]);
                    if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                        inside = !inside;
                    }
                    j = i;
                }
                inside
            }
        }
    }

    /// Bounding box (x0, y0, x1, y1), m.
    pub fn bbox(&self) -> (f64, f64, f64, f64) {
        match self {
            Region::Circle { x, y, r } => (x - r, y - r, x + r, y + r),
            Region::Rectangle { x0, y0, x1, y1 } => (*x0, *y0, *x1, *y1),
            Region::Polygon(p) => p.iter().fold(
                (
                    f64::INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                ),
                |(a, b, c, d), &(x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
            ),
        }
    }

    /// Area, m².
    pub fn area(&self) -> f64 {
        match self {
            Region::Circle { r, .. } => std::f64::consts::PI * r * r,
            Region::Rectangle { x0, y0, x1, y1 } => (x1 - x0) * (y1 - y0),
            Region::Polygon(p) => {
                let mut a = 0.0;
                for i in 0..p.len() {
                    let (x0, y0) = p[i];
                    let (x1, y1) = p[(i + 1) % p.len()];
                    a += x0 * y1 - x1 * y0;
                }
                (a / 2.0).abs()
            }
        }
    }
}

/// A `[[districts]]` entry: a named area with its own sensor mix.
#[derive(Debug, Clone, Serialize)]
pub struct District {
    /// District name (sensor classes, gateways and incidents refer to it).
    pub name: String,
    /// Its area.
    pub region: Region,
}

/// Extra readings during an incident.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Surge {
    /// Every affected sensor also reads every `interval_ns` (from a random phase).
    Interval {
        /// Period, ns.
        interval_ns: u64,
    },
    /// Affected sensors read `multiplier` times as often: extra readings at
    /// (multiplier - 1) times their own mean rate, Poisson.
    Multiplier {
        /// Rate multiplier (> 1).
        multiplier: f64,
    },
}

/// A `[[incidents]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct IncidentCfg {
    /// Name (for reports).
    pub name: String,
    /// Where.
    pub region: Region,
    /// From, ns.
    pub start_ns: u64,
    /// For, ns.
    pub duration_ns: u64,
    /// Classes it affects (indices; all when the file names none).
    pub classes: Vec<usize>,
    /// Extra readings, if any.
    pub surge: Option<Surge>,
    /// One alarm reading from each affected sensor within this long after the start.
    pub alarm_spread_ns: Option<u64>,
    /// Queue priority of the alarm readings.
    pub alarm_priority: Priority,
}

/// What fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FaultTarget {
    /// A gateway (global index among gateways).
    Gateway(u32),
    /// A node (index into `nodes`).
    Node(usize),
    /// A link instance, by `links` entry and gateway (for links leaving a group).
    Link(usize, Option<u32>),
    /// Every sensor of a class (index into `sensors`): its readings are lost.
    Class(usize),
    /// A mesh relay (global index among relays).
    Relay(u32),
}

/// When it fails.
#[derive(Debug, Clone, Serialize)]
pub enum FaultWhen {
    /// Down from `start` for `duration`.
    Scheduled {
        /// Start, ns.
        start_ns: u64,
        /// Length, ns.
        duration_ns: u64,
    },
    /// Up for a random time (mean `mtbf`), then down for a random time (mean `mttr`),
    /// and again.
    Random {
        /// Time to failure.
        up: DistCfg,
        /// Time to repair.
        down: DistCfg,
    },
}

/// A `[[faults]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct FaultCfg {
    /// Every element it applies to (a gateway group name means each of its gateways,
    /// failing independently).
    pub targets: Vec<FaultTarget>,
    /// Schedule.
    pub when: FaultWhen,
}

/// `[targets]`: what the city expects, drawn as target lines and checked in reports.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Targets {
    /// Lowest acceptable delivery ratio.
    pub delivery_ratio: Option<f64>,
    /// Highest acceptable p95 latency, ms.
    pub latency_p95_ms: Option<f64>,
}

impl Scenario {
    /// Total number of sensors.
    pub fn sensor_count(&self) -> u64 {
        self.sensors.iter().map(|c| u64::from(c.count)).sum()
    }
}

/// `[simulation]`.
#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    /// Simulated time, ns.
    pub duration_ns: u64,
    /// Initial period excluded from the metrics, ns.
    pub warmup_ns: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Width of a time-series bucket, ns.
    pub bucket_ns: u64,
    /// Multiplies the count of every sensor class, gateway group and relay group placed
    /// by rule (explicit positions stay as written).
    pub scale: f64,
}

/// `[city]`.
#[derive(Debug, Clone, Serialize)]
pub struct City {
    /// East-west extent, m.
    pub width_m: f64,
    /// North-south extent, m.
    pub height_m: f64,
}

/// Where the members of a sensor class or gateway group stand.
#[derive(Debug, Clone, Serialize)]
pub enum Placement {
    /// Independently uniform over the city.
    Uniform,
    /// A near-square grid over the city, one per cell centre.
    Grid,
    /// Around `clusters` uniform centres, normally distributed with sd `radius_m`.
    Clustered {
        /// Number of cluster centres.
        clusters: u32,
        /// Standard deviation around a centre, m.
        radius_m: f64,
    },
    /// Given positions (x, y) in metres.
    Explicit(Vec<(f64, f64)>),
}

/// How a sensor class generates readings.
#[derive(Debug, Clone, Serialize)]
pub enum Traffic {
    /// Every `interval`, from a uniform random phase, each instant moved by a uniform
    /// offset in [-jitter, +jitter].
    Periodic {
        /// Period, ns.
        interval_ns: u64,
        /// Half-width of the uniform jitter, ns (at most half the interval).
        jitter_ns: u64,
    },
    /// A Poisson process with mean gap `interval`.
    Poisson {
        /// Mean gap, ns.
        interval_ns: u64,
    },
    /// On/off bursts: exponential on and off periods; Poisson readings with mean gap
    /// `interval` while on.
    Bursty {
        /// Mean on period, ns.
        on_ns: u64,
        /// Mean off period, ns.
        off_ns: u64,
        /// Mean gap between readings while on, ns.
        interval_ns: u64,
    },
}

impl Traffic {
    /// Long-run mean readings per second of one sensor.
    pub fn mean_rate_per_s(&self) -> f64 {
        match *self {
            Traffic::Periodic { interval_ns, .. } | Traffic::Poisson { interval_ns } => {
                1e9 / interval_ns as f64
            }
            Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            } => 1e9 / interval_ns as f64 * on_ns as f64 / (on_ns + off_ns) as f64,
        }
    }
}

/// How the sensors of a class choose their gateway.
#[derive(Debug, Clone, Serialize)]
pub enum Attach {
    /// The nearest gateway serving the class's access network (within its range).
    Nearest,
    /// Every sensor to this gateway (global index).
    Gateway(u32),
    /// One gateway index per sensor.
    PerSensor(Vec<u32>),
}

/// A `[[sensors]]` class.
#[derive(Debug, Clone, Serialize)]
pub struct SensorClass {
    /// Class name.
    pub name: String,
    /// Application domain (one of [`DOMAINS`]).
    pub domain: String,
    /// Number of sensors.
    pub count: u32,
    /// Placement.
    pub placement: Placement,
    /// The district it is placed in (None: the whole city).
    pub area: Option<District>,
    /// Reading generation.
    pub traffic: Traffic,
    /// Bytes per reading.
    pub payload_bytes: u32,
    /// Index into [`Scenario::access`].
    pub access: usize,
    /// Gateway choice.
    pub attach: Attach,
    /// Battery and radio currents (None: mains-powered, no energy accounting).
    pub energy: Option<Energy>,
    /// LoRa spreading factor for this class.
    pub sf: SfChoice,
    /// One spreading factor per sensor (`sf = [7, 9, "auto", ...]`; 0: auto), overriding
    /// `sf`.
    pub sf_each: Option<Vec<u8>>,
    /// How the sensors move (None: they stay where they were placed).
    pub mobility: Option<Mobility>,
    /// Hourly rate multipliers over the day (None: constant rate).
    pub profile: Option<[f64; 24]>,
    /// Event-driven sending: each scheduled instant samples a value, and a reading is
    /// sent only when it crosses the threshold upwards (None: every instant sends).
    pub threshold: Option<Threshold>,
    /// Priority of its readings at gateway, node and link queues.
    pub priority: Priority,
}

/// `threshold` of a sensor class: the sampled value is a stationary Gaussian AR(1)
/// process (mean 0, standard deviation `sd`, lag-one correlation `correlation` between
/// samples) plus a daily curve `daily_amplitude x cos(2 pi (hour - peak_hour) / 24)`;
/// a reading is sent when the value rises through `level`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    /// Alarm level.
    pub level: f64,
    /// Correlation between successive samples, in [0, 1).
    pub correlation: f64,
    /// Standard deviation of the random part.
    pub sd: f64,
    /// Amplitude of the daily curve.
    pub daily_amplitude: f64,
    /// Hour of the daily maximum.
    pub peak_hour: f64,
}

fn read_threshold(cx: &mut Cx, node: &Node, key: &str) -> Option<Threshold> {
    let mut t = Tbl::open(cx, node, key)?;
    let level = t
        .req(cx, "level", "the alarm level, a number such as 2.5")
        .and_then(|n| read::float(cx, n, &t.key("level")));
    let mut num =
        |t: &mut Tbl, k: &'static str, def: f64, lo: f64, hi: f64, what: &str| match t.get(k) {
            None => Some(def),
            Some(n) => match read::float(cx, n, &t.key(k)) {
                Some(v) if v >= lo && v < hi => Some(v),
                Some(_) => {
                    cx.expected(n, &t.key(k), what);
                    None
                }
                None => None,
            },
        };
    let correlation = num(
        &mut t,
        "correlation",
        0.9,
        0.0,
        1.0,
        "a correlation from 0 up to (not including) 1",
    );
    let sd = num(
        &mut t,
        "sd",
        1.0,
        1e-12,
        f64::INFINITY,
        "a standard deviation above 0",
    );
    let amp = num(
        &mut t,
        "daily_amplitude",
        0.0,
        0.0,
        f64::INFINITY,
        "an amplitude >= 0",
    );
    let peak = num(&mut t, "peak_hour", 14.0, 0.0, 24.0, "an hour from 0 to 24");
    t.finish(cx);
    Some(Threshold {
        level: level?,
        correlation: correlation?,
        sd: sd?,
        daily_amplitude: amp?,
        peak_hour: peak?,
    })
}

/// Strict priority of a reading in queues: all waiting high readings are served before
/// any normal one, and normal before low.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Priority {
    /// Alarms, medical alerts.
    High = 0,
    /// The default.
    Normal = 1,
    /// Bulk and background readings.
    Low = 2,
}

impl Priority {
    /// Every priority, highest first.
    pub const ALL: [Priority; 3] = [Priority::High, Priority::Normal, Priority::Low];

    /// Its name in scenario files and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

fn read_priority(cx: &mut Cx, node: &Node, key: &str) -> Option<Priority> {
    read::choice(cx, node, key, &["high", "normal", "low"]).map(|c| match c {
        "high" => Priority::High,
        "low" => Priority::Low,
        _ => Priority::Normal,
    })
}

/// Named daily profiles (hourly multipliers from midnight, normalised to mean 1).
pub const PROFILES: &[(&str, [f64; 24])] = &[
    ("flat", [1.0; 24]),
    (
        "commute",
        [
            0.2, 0.15, 0.1, 0.1, 0.15, 0.4, 1.2, 2.6, 2.8, 1.6, 1.0, 1.0, 1.1, 1.0, 1.0, 1.2, 1.8,
            2.7, 2.6, 1.5, 0.9, 0.6, 0.4, 0.3,
        ],
    ),
    (
        "office",
        [
            0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1.4, 2.0, 2.2, 2.2, 2.0, 1.8, 2.0, 2.2, 2.2, 2.0,
            1.5, 0.8, 0.4, 0.3, 0.2, 0.2, 0.2,
        ],
    ),
    (
        "residential",
        [
            0.5, 0.4, 0.3, 0.3, 0.3, 0.5, 1.2, 1.8, 1.4, 0.8, 0.7, 0.8, 0.9, 0.8, 0.8, 0.9, 1.1,
            1.6, 2.0, 2.2, 2.0, 1.6, 1.1, 0.8,
        ],
    ),
    (
        "night",
        [
            2.0, 2.0, 2.0, 2.0, 2.0, 1.8, 1.0, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
            0.6, 1.0, 1.6, 2.0, 2.0, 2.0, 2.0,
        ],
    ),
];

/// Reads `profile`: a named profile (normalised to mean 1) or 24 non-negative hourly
/// multipliers, used as given.
fn read_profile(cx: &mut Cx, node: &Node, key: &str) -> Option<[f64; 24]> {
    let names: Vec<&str> = PROFILES.iter().map(|p| p.0).collect();
    if let Val::Str(_) = &node.val {
        let name = read::choice(cx, node, key, &names)?;
        let m = PROFILES
            .iter()
            .find(|p| p.0 == name)
            .expect("a known name")
            .1;
        let mean = m.iter().sum::<f64>() / 24.0;
        return Some(m.map(|x| x / mean));
    }
    let expected = format!(
        "one of {} or a list of 24 hourly multipliers (from midnight), each >= 0, not all 0",
        read::quoted_list(&names)
    );
    let items = match &node.val {
        Val::Array(_) => read::array(cx, node, key)?,
        _ => {
            cx.expected(node, key, &expected);
            return None;
        }
    };
    let values: Vec<f64> = items
        .iter()
        .filter_map(|n| match n.val {
            Val::Int(i) => Some(i as f64),
            Val::Float(f) => Some(f),
            _ => None,
        })
        .collect();
    if values.len() != 24
        || items.len() != 24
        || values
            .iter()
            .any(|v| !v.is_finite() || *v < 0.0 || *v > 1e6)
        || values.iter().all(|v| *v == 0.0)
    {
        cx.expected(node, key, &expected);
        return None;
    }
    let mut m = [0.0; 24];
    m.copy_from_slice(&values);
    Some(m)
}

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
    /// Receive window after each transmission, s.
    pub rx_s: f64,
    /// Current while idle (awake, neither sending nor listening), A.
    pub idle_a: f64,
    /// Idle time per reading (e.g. the wait before a receive window), s.
    pub idle_s: f64,
    /// Energy to take one reading (the sensor itself), J.
    pub sensing_j: f64,
}

impl Energy {
    /// Charge one reading costs besides transmitting, coulombs.
    pub fn base_charge_c(&self) -> f64 {
        self.rx_a * self.rx_s + self.idle_a * self.idle_s + self.sensing_j / self.voltage_v
    }
}

/// A random duration: a distribution plus a constant shift, both in ns.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct DistCfg {
    /// The distribution.
    pub kind: DistKind,
    /// Added to every draw, ns.
    pub shift_ns: f64,
}

/// The distributions a duration can follow (parameters in ns).
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub enum DistKind {
    /// Always `value`.
    Constant {
        /// The value.
        value: f64,
    },
    /// Uniform in [min, max].
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Normal, truncated at zero (redrawn when negative).
    Normal {
        /// Mean before truncation.
        mean: f64,
        /// Standard deviation before truncation.
        sd: f64,
    },
    /// Log-normal with this mean and standard deviation (of the value, not its log).
    LogNormal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Pareto (type I) with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value.
        scale: f64,
        /// Tail index (> 1 for a finite mean).
        shape: f64,
    },
    /// Weibull with this scale and shape.
    Weibull {
        /// Scale.
        scale: f64,
        /// Shape.
        shape: f64,
    },
}

impl DistCfg {
    /// A constant duration.
    pub fn constant(ns: f64) -> Self {
        DistCfg {
            kind: DistKind::Constant { value: ns },
            shift_ns: 0.0,
        }
    }

    /// The mean, ns (infinite for a Pareto with shape <= 1).
    pub fn mean_ns(&self) -> f64 {
        let m = match self.kind {
            DistKind::Constant { value } => value,
            DistKind::Uniform { min, max } => (min + max) / 2.0,
            DistKind::Exponential { mean } => mean,
            DistKind::Normal { mean, .. } => mean,
            DistKind::LogNormal { mean, .. } => mean,
            DistKind::Pareto { scale, shape } if shape > 1.0 => scale * shape / (shape - 1.0),
            DistKind::Pareto { .. } => f64::INFINITY,
            DistKind::Weibull { scale, shape } => {
                scale * crate::stats::ln_gamma(1.0 + 1.0 / shape).exp()
            }
        };
        m + self.shift_ns
    }
}

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
    /// A LoRa star network: radio, propagation and collisions (None: an abstract hop).
    pub lora: Option<LoraCfg>,
    /// A cellular (NB-IoT / LTE-M style) network: each gateway is a cell.
    pub cellular: Option<CellularCfg>,
    /// An IEEE 802.15.4-style multi-hop mesh through relays to border gateways.
    pub mesh: Option<MeshCfg>,
}

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

/// A `[gateways]` group.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayGroup {
    /// Group name; gateways are named `<group>-<i>`.
    pub name: String,
    /// Number of gateways.
    pub count: u32,
    /// Placement.
    pub placement: Placement,
    /// The district it is placed in (None: the whole city).
    pub area: Option<District>,
    /// Indices of the access networks it serves.
    pub access: Vec<usize>,
    /// Parallel servers.
    pub servers: u32,
    /// Processing time per reading (None: forwarded at once).
    pub service: Option<DistCfg>,
    /// Waiting room, packets (None: unlimited).
    pub queue: Option<u32>,
}

/// A `[[relays]]` entry: mains-powered mesh routers that forward readings hop by hop to
/// the border gateways of a mesh access network.
#[derive(Debug, Clone, Serialize)]
pub struct RelayGroup {
    /// Group name; relays are named `<group>-<i>`.
    pub name: String,
    /// Number of relays.
    pub count: u32,
    /// Placement.
    pub placement: Placement,
    /// The district it is placed in (None: the whole city).
    pub area: Option<District>,
    /// Index of the mesh access network they belong to.
    pub access: usize,
}

/// A `[[nodes]]` entry: an edge server, network server or sink.
#[derive(Debug, Clone, Serialize)]
pub struct NodeCfg {
    /// Node name.
    pub name: String,
    /// Readings reaching a sink are delivered.
    pub sink: bool,
    /// Parallel servers.
    pub servers: u32,
    /// Processing time per reading (None: forwarded at once).
    pub service: Option<DistCfg>,
    /// Waiting room, packets (None: unlimited).
    pub queue: Option<u32>,
}

/// One end of a link.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub enum Endpoint {
    /// Every gateway of this group (one link each).
    Gateways(usize),
    /// A node.
    Node(usize),
}

/// A `[[links]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct LinkCfg {
    /// Link name.
    pub name: String,
    /// Sending side.
    pub from: Endpoint,
    /// Receiving node.
    pub to: usize,
    /// Propagation latency.
    pub latency: DistCfg,
    /// Serialisation rate (None: instant, no queue).
    pub bandwidth_bps: Option<f64>,
    /// Loss probability per packet.
    pub loss: f64,
    /// Waiting room, packets (None: unlimited).
    pub queue: Option<u32>,
}

fn placement(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Placement> {
    const KINDS: &[&str] = &["uniform", "grid", "clustered", "explicit"];
    let mut t = Tbl::open(cx, node, key)?;
    let kind = t.req(cx, "kind", &read::quoted_list(KINDS));
    let kind = kind.and_then(|k| read::choice(cx, k, &t.key("kind"), KINDS));
    let out = match kind {
        Some("uniform") => Some(Placement::Uniform),
        Some("grid") => Some(Placement::Grid),
        Some("clustered") => {
            let clusters = t
                .req(cx, "clusters", "a number of clusters")
                .and_then(|n| read::int(cx, n, &t.key("clusters"), 1, 1_000_000));
            let radius = t
                .req(cx, "radius", "a distance such as \"200m\"")
                .and_then(|n| read::distance(cx, n, &t.key("radius")));
            match (clusters, radius) {
                (Some(c), Some(r)) => Some(Placement::Clustered {
                    clusters: c as u32,
                    radius_m: r,
                }),
                _ => None,
            }
        }
        Some(_) => {
            let list = t
                .req(cx, "positions", "a list of [x, y] positions in metres")
                .and_then(|n| read::array(cx, n, &t.key("positions")));
            list.map(|items| {
                let key = t.key("positions");
                let points: Vec<(f64, f64)> = items
                    .iter()
                    .filter_map(|p| position(cx, p, &key, city))
                    .collect();
                Placement::Explicit(points)
            })
        }
        None => None,
    };
    t.finish(cx);
    out
}

fn position(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<(f64, f64)> {
    let xy = match &node.val {
        Val::Array(v) if v.len() == 2 => {
            let x = read::distance(cx, &v[0], key)?;
            let y = read::distance(cx, &v[1], key)?;
            (x, y)
        }
        _ => {
            cx.expected(node, key, "a position [x, y] in metres, e.g. [120, 340]");
            return None;
        }
    };
    if xy.0 > city.width_m || xy.1 > city.height_m {
        cx.err(
            &node.origin,
            key,
            format!(
                "position [{}, {}] lies outside the city ({} m x {} m)",
                xy.0, xy.1, city.width_m, city.height_m
            ),
        );
        return None;
    }
    Some(xy)
}

/// Reads a duration distribution: a string (`"20ms"`, constant) or a table such as
/// `{ dist = "exponential", mean = "5ms", shift = "10ms" }`.
fn dist(cx: &mut Cx, node: &Node, key: &str) -> Option<DistCfg> {
    const KINDS: &[&str] = &[
        "constant",
        "uniform",
        "exponential",
        "normal",
        "lognormal",
        "pareto",
        "weibull",
    ];
    if let Val::Str(_) = node.val {
        return read::duration(cx, node, key).map(|ns| DistCfg::constant(ns as f64));
    }
    let Val::Table(_) = node.val else {
        cx.expected(
            node,
            key,
            "a duration such as \"20ms\" or a table such as { dist = \"exponential\", mean = \"5ms\" }",
        );
        return None;
    };
    let mut t = Tbl::open(cx, node, key)?;
    let kind = t
        .req(cx, "dist", &read::quoted_list(KINDS))
        .and_then(|n| read::choice(cx, n, &t.key("dist"), KINDS));
    let mut dur = |t: &mut Tbl, name: &'static str| -> Option<f64> {
        let n = t.req(cx, name, "a duration such as \"5ms\"")?;
        read::duration(cx, n, &t.key(name)).map(|v| v as f64)
    };
    let kind = match kind {
        Some("constant") => dur(&mut t, "value").map(|value| DistKind::Constant { value }),
        Some("uniform") => match (dur(&mut t, "min"), dur(&mut t, "max")) {
            (Some(min), Some(max)) if min <= max => Some(DistKind::Uniform { min, max }),
            (Some(_), Some(_)) => {
                cx.err(&t.origin, &t.key("max"), "expected max >= min");
                None
            }
            _ => None,
        },
        Some("exponential") => dur(&mut t, "mean").map(|mean| DistKind::Exponential { mean }),
        Some(k @ ("normal" | "lognormal")) => match (dur(&mut t, "mean"), dur(&mut t, "sd")) {
            (Some(mean), Some(sd)) if k == "normal" => Some(DistKind::Normal { mean, sd }),
            (Some(mean), Some(sd)) if mean > 0.0 => Some(DistKind::LogNormal { mean, sd }),
            (Some(_), Some(_)) => {
                cx.err(
                    &t.origin,
                    &t.key("mean"),
                    "expected a positive mean for a lognormal",
                );
                None
            }
            _ => None,
        },
        Some(k @ ("pareto" | "weibull")) => {
            let scale = dur(&mut t, "scale");
            let shape = t
                .req(cx, "shape", "a positive number")
                .and_then(|n| read::positive_float(cx, n, &t.key("shape")));
            match (scale, shape) {
                (Some(scale), Some(shape)) if k == "pareto" && scale > 0.0 => {
                    Some(DistKind::Pareto { scale, shape })
                }
                (Some(scale), Some(shape)) if k == "weibull" && scale > 0.0 => {
                    Some(DistKind::Weibull { scale, shape })
                }
                (Some(_), Some(_)) => {
                    cx.err(&t.origin, &t.key("scale"), "expected a positive scale");
                    None
                }
                _ => None,
            }
        }
        _ => None,
    };
    let shift = match t.get("shift") {
        Some(n) => read::duration(cx, n, &t.key("shift")),
        None => Some(0),
    };
    t.finish(cx);
    Some(DistCfg {
        kind: kind?,
        shift_ns: shift? as f64,
    })
}

fn traffic(cx: &mut Cx, node: &Node, key: &str) -> Option<Traffic> {
    const KINDS: &[&str] = &["periodic", "poisson", "bursty"];
    let mut t = Tbl::open(cx, node, key)?;
    let kind = t
        .req(cx, "kind", &read::quoted_list(KINDS))
        .and_then(|n| read::choice(cx, n, &t.key("kind"), KINDS));
    let mut pos = |t: &mut Tbl, name: &'static str| -> Option<u64> {
        let n = t.req(cx, name, "a positive duration such as \"5min\"")?;
        read::positive_duration(cx, n, &t.key(name))
    };
    let out = match kind {
        Some("periodic") => {
            let interval = pos(&mut t, "interval");
            let jitter = match (t.get("jitter"), interval) {
                (None, _) => Some(0),
                (Some(n), Some(iv)) => {
                    let j = match &n.val {
                        Val::Str(s) if s.trim_end().ends_with('%') => {
                            match crate::units::parse_percent(s) {
                                Some(p) if p >= 0.0 => Some((p * iv as f64).round() as u64),
                                _ => {
                                    cx.expected(
                                        n,
                                        &t.key("jitter"),
                                        "a percentage such as \"10%\"",
                                    );
                                    None
                                }
                            }
                        }
                        _ => read::duration(cx, n, &t.key("jitter")),
                    };
                    match j {
                        Some(j) if j.saturating_mul(2) <= iv => Some(j),
                        Some(_) => {
                            cx.err(
                                &n.origin,
                                &t.key("jitter"),
                                "expected a jitter of at most half the interval (readings would overtake each other)",
                            );
                            None
                        }
                        None => None,
                    }
                }
                (Some(_), None) => None,
            };
            match (interval, jitter) {
                (Some(interval_ns), Some(jitter_ns)) => Some(Traffic::Periodic {
                    interval_ns,
                    jitter_ns,
                }),
                _ => None,
            }
        }
        Some("poisson") => {
            pos(&mut t, "interval").map(|interval_ns| Traffic::Poisson { interval_ns })
        }
        Some(_) => match (
            pos(&mut t, "on"),
            pos(&mut t, "off"),
            pos(&mut t, "interval"),
        ) {
            (Some(on_ns), Some(_), Some(interval_ns)) if interval_ns / 1000 > on_ns => {
                let origin = t.origin.clone();
                cx.err(
                    &origin,
                    &t.key("interval"),
                    "expected an interval at most 1000 times the on period (a burst would almost never carry a reading)",
                );
                None
            }
            (Some(on_ns), Some(off_ns), Some(interval_ns)) => Some(Traffic::Bursty {
                on_ns,
                off_ns,
                interval_ns,
            }),
            _ => None,
        },
        None => None,
    };
    t.finish(cx);
    out
}

fn names_index(names: &[String], wanted: &str) -> Option<usize> {
    names.iter().position(|n| n == wanted)
}

fn list_of_tables<'a>(cx: &mut Cx, node: Option<&'a Node>, key: &str) -> Vec<(String, &'a Node)> {
    let Some(node) = node else { return Vec::new() };
    match &node.val {
        Val::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, n)| (format!("{key}.{i}"), n))
            .collect(),
        Val::Table(_) => vec![(key.to_string(), node)],
        _ => {
            cx.expected(node, key, &format!("a table [{key}] or tables [[{key}]]"));
            Vec::new()
        }
    }
}

fn check_unique(cx: &mut Cx, what: &str, items: &[(String, String, Origin)]) {
    for (i, (name, key, origin)) in items.iter().enumerate() {
        if items[..i].iter().any(|(n, _, _)| n == name) {
            cx.err(origin, key, format!("duplicate {what} name \"{name}\""));
        }
    }
}

/// Reads the whole scenario; `None` when something could not be read (diagnostics say why).
pub(crate) fn read_scenario(
    cx: &mut Cx,
    root: &Node,
    default_name: &str,
    resolved: String,
) -> Option<Scenario> {
    let mut top = Tbl::open(cx, root, "")?;
    let name = match top.get("name") {
        Some(n) => read::name(cx, n, "name"),
        None => Some(sanitize(default_name)),
    };
    // Read by the study (`scenario::sweep`), not part of one scenario.
    let _ = top.get("sweep");
    let _ = top.get("tune");
    let description = top
        .get("description")
        .and_then(|n| read::string(cx, n, "description"))
        .unwrap_or_default();
    let simulation = read_simulation(cx, top.get("simulation"));
    let city = read_city(cx, top.get("city"));
    let targets = read_targets(cx, top.get("targets"));

    // Access networks.
    let mut access = Vec::new();
    let access_nodes = list_of_tables(cx, top.get("access"), "access");
    let mut uniq = Vec::new();
    for (key, node) in &access_nodes {
        if let Some((a, origin)) = read_access(cx, node, key) {
            uniq.push((a.name.clone(), format!("{key}.name"), origin));
            access.push(a);
        }
    }
    check_unique(cx, "access network", &uniq);
    if access_nodes.is_empty() {
        access.push(Access {
            name: defaults::ACCESS_NAME.into(),
            latency: DistCfg::constant(0.0),
            bandwidth_bps: None,
            loss: 0.0,
            range_m: None,
            lora: None,
            cellular: None,
            mesh: None,
        });
    }
    let access_names: Vec<String> = access.iter().map(|a| a.name.clone()).collect();
    let access_bandwidth: Vec<TxTime> = access
        .iter()
        .map(|a| match (&a.lora, &a.cellular, a.bandwidth_bps) {
            (Some(_), _, _) => TxTime::Radio,
            (None, None, _) if a.mesh.is_some() => {
                let m = a.mesh.as_ref().expect("a mesh");
                TxTime::Rate {
                    bps: 250e3,
                    extra_s: f64::from(m.overhead_bytes) * 8.0 / 250e3,
                }
            }
            (None, Some(c), _) => TxTime::Rate {
                bps: c.rate_bps,
                extra_s: c.wake_up_ns as f64 * 1e-9,
            },
            (None, None, Some(bps)) => TxTime::Rate { bps, extra_s: 0.0 },
            (None, None, None) => TxTime::Unknown,
        })
        .collect();

    let scale = simulation.as_ref().map_or(1.0, |s| s.scale);
    // Districts.
    let mut districts: Vec<District> = Vec::new();
    let mut uniq_d = Vec::new();
    for (key, node) in &list_of_tables(cx, top.get("districts"), "districts") {
        let Some(mut t) = Tbl::open(cx, node, key) else {
            continue;
        };
        let name_node = t.req(cx, "name", "a district name such as \"binhu\"");
        let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
        let region = t
            .req(cx, "region", "a region such as { kind = \"rectangle\", x0 = \"0m\", y0 = \"0m\", x1 = \"2km\", y1 = \"2km\" }")
            .and_then(|n| read_region(cx, n, &t.key("region"), &city));
        t.finish(cx);
        if let (Some(name), Some(region), Some(n)) = (name, region, name_node) {
            uniq_d.push((name.clone(), format!("{key}.name"), n.origin.clone()));
            districts.push(District { name, region });
        }
    }
    check_unique(cx, "district", &uniq_d);

    // Nodes.
    let mut nodes = Vec::new();
    let node_list = list_of_tables(cx, top.get("nodes"), "nodes");
    let mut uniq = Vec::new();
    for (key, node) in &node_list {
        if let Some((n, origin)) = read_node(cx, node, key) {
            uniq.push((n.name.clone(), format!("{key}.name"), origin));
            nodes.push(n);
        }
    }
    if node_list.is_empty() {
        nodes.push(NodeCfg {
            name: defaults::SINK_NAME.into(),
            sink: true,
            servers: 1,
            service: None,
            queue: None,
        });
    }

    // Gateways (their placement needs the city).
    let mut gateways = Vec::new();
    let gw_list = list_of_tables(cx, top.get("gateways"), "gateways");
    for (key, node) in &gw_list {
        if let Some((g, origin)) =
            read_gateways(cx, node, key, (&city, &districts, scale), &access_names)
        {
            uniq.push((g.name.clone(), format!("{key}.name"), origin));
            gateways.push(g);
        }
    }
    let mut relays = Vec::new();
    let relay_list = list_of_tables(cx, top.get("relays"), "relays");
    for (key, node) in &relay_list {
        if let Some((r, origin)) = read_relays(cx, node, key, (&city, &districts, scale), &access) {
            uniq.push((r.name.clone(), format!("{key}.name"), origin));
            relays.push(r);
        }
    }
    check_unique(cx, "node, gateway or relay group", &uniq);
    if gw_list.is_empty() {
        gateways.push(GatewayGroup {
            name: defaults::GATEWAY_NAME.into(),
            count: defaults::GATEWAY_COUNT as u32,
            placement: Placement::Grid,
            area: None,
            access: (0..access.len()).collect(),
            servers: defaults::SERVERS as u32,
            service: None,
            queue: Some(defaults::QUEUE),
        });
    }
    let total_gateways: u64 = gateways.iter().map(|g| u64::from(g.count)).sum();

    // Sensors.
    let mut sensors = Vec::new();
    let sensor_nodes = match top.get("sensors") {
        Some(n) => list_of_tables(cx, Some(n), "sensors"),
        None => {
            let origin = Origin::File(0..0);
            cx.err(
                &origin,
                "sensors",
                "missing [[sensors]]; a scenario needs at least one sensor class",
            );
            Vec::new()
        }
    };
    let mut uniq = Vec::new();
    for (key, node) in &sensor_nodes {
        if let Some((s, origin)) = read_sensors(
            cx,
            node,
            key,
            (&city, &districts, scale),
            &access_names,
            &access_bandwidth,
            total_gateways,
        ) {
            uniq.push((s.name.clone(), format!("{key}.name"), origin));
            sensors.push(s);
        }
    }
    check_unique(cx, "sensor class", &uniq);
    if let Some(sim) = &simulation {
        check_reading_counts(cx, &sensors, &sensor_nodes, sim.duration_ns);
    }
    for (s, (key, node)) in sensors.iter().zip(&sensor_nodes) {
        let served = gateways.iter().any(|g| g.access.contains(&s.access));
        if !served {
            cx.err(
                &node.origin,
                &format!("{key}.access"),
                format!(
                    "sensor class \"{}\" uses access network \"{}\" but no gateway group serves it (add it to a gateway group's `access` list)",
                    s.name, access_names[s.access]
                ),
            );
        }
        check_explicit_attach(cx, s, key, node, &gateways, &access_names);
        if let Some(m) = &access[s.access].mesh {
            let frame = s.payload_bytes.saturating_add(m.overhead_bytes);
            if frame > MeshCfg::MAX_FRAME {
                cx.err(
                    &node.origin,
                    &format!("{key}.payload"),
                    format!(
                        "a mesh frame carries at most {}B of payload ({}B frame less {}B overhead); got {}B",
                        MeshCfg::MAX_FRAME - m.overhead_bytes,
                        MeshCfg::MAX_FRAME,
                        m.overhead_bytes,
                        s.payload_bytes
                    ),
                );
            }
        }
    }

    // Links and routes.
    let node_names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let group_names: Vec<String> = gateways.iter().map(|g| g.name.clone()).collect();
    let mut links = Vec::new();
    let link_list = list_of_tables(cx, top.get("links"), "links");
    for (key, node) in &link_list {
        if let Some(l) = read_link(cx, node, key, &group_names, &node_names) {
            links.push(l);
        }
    }
    if link_list.is_empty() {
        if let Some(sink) = nodes.iter().position(|n| n.sink) {
            for (g, group) in gateways.iter().enumerate() {
                links.push(LinkCfg {
                    name: format!("{}-uplink", group.name),
                    from: Endpoint::Gateways(g),
                    to: sink,
                    latency: DistCfg::constant(0.0),
                    bandwidth_bps: None,
                    loss: 0.0,
                    queue: None,
                });
            }
        }
    }
    let incident_list = list_of_tables(cx, top.get("incidents"), "incidents");
    let class_names: Vec<String> = sensors.iter().map(|c| c.name.clone()).collect();
    let mut incidents = Vec::new();
    for (key, node) in &incident_list {
        if let Some(i) = read_incident(
            cx,
            node,
            key,
            (&city, &districts),
            &class_names,
            simulation.as_ref(),
        ) {
            incidents.push(i);
        }
    }
    let fault_list = list_of_tables(cx, top.get("faults"), "faults");
    let mut faults = Vec::new();
    for (key, node) in &fault_list {
        if let Some(f) = read_fault(
            cx,
            node,
            key,
            (&gateways, &nodes, &links, &class_names, &relays),
            simulation.as_ref(),
        ) {
            faults.push(f);
        }
    }
    if !nodes.iter().any(|n| n.sink) {
        let origin = top.origin.clone();
        cx.err(
            &origin,
            "nodes",
            "no node has `sink = true`; readings would have nowhere to go",
        );
    } else if cx.diags.is_empty() {
        check_routes(cx, &gateways, &nodes, &links, &gw_list, &node_list, &top);
    }
    top.finish(cx);
    Some(Scenario {
        name: name?,
        description,
        source: cx.src.name.clone(),
        resolved,
        simulation: simulation?,
        city,
        access,
        sensors,
        gateways,
        relays,
        districts,
        nodes,
        links,
        targets: targets?,
        faults,
        incidents,
    })
}

/// Readings of one sensor are numbered with 32 bits: at most about 4 billion per run.
fn check_reading_counts(
    cx: &mut Cx,
    sensors: &[SensorClass],
    nodes: &[(String, &Node)],
    duration_ns: u64,
) {
    for (s, (key, node)) in sensors.iter().zip(nodes) {
        let interval = match s.traffic {
            Traffic::Periodic { interval_ns, .. }
            | Traffic::Poisson { interval_ns }
            | Traffic::Bursty { interval_ns, .. } => interval_ns,
        };
        if duration_ns / interval >= u64::from(u32::MAX) / 2 {
            cx.err(
                &node.origin,
                &format!("{key}.traffic.interval"),
                "expected fewer than 2 billion readings per sensor over the simulated duration (a longer interval or a shorter duration)",
            );
        }
    }
}

fn sanitize(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if s.is_empty() {
        "scenario".into()
    } else {
        s
    }
}

fn read_simulation(cx: &mut Cx, node: Option<&Node>) -> Option<Simulation> {
    let parse = |s: &str| crate::units::parse_duration_ns(s).expect("default parses");
    let mut sim = Simulation {
        duration_ns: parse(defaults::DURATION),
        warmup_ns: parse(defaults::WARMUP),
        seed: defaults::SEED,
        bucket_ns: 0,
        scale: 1.0,
    };
    let mut ok = true;
    let mut bucket = None;
    if let Some(node) = node {
        let mut t = Tbl::open(cx, node, "simulation")?;
        if let Some(n) = t.get("duration") {
            match read::positive_duration(cx, n, "simulation.duration") {
                Some(d) => sim.duration_ns = d,
                None => ok = false,
            }
        }
        if let Some(n) = t.get("warmup") {
            match read::duration(cx, n, "simulation.warmup") {
                Some(w) if w < sim.duration_ns => sim.warmup_ns = w,
                Some(_) => {
                    cx.err(
                        &n.origin,
                        "simulation.warmup",
                        "expected a warm-up shorter than the duration",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(n) = t.get("seed") {
            match read::int(cx, n, "simulation.seed", 0, i64::MAX) {
                Some(s) => sim.seed = s as u64,
                None => ok = false,
            }
        }
        if let Some(n) = t.get("scale") {
            match read::positive_float(cx, n, "simulation.scale") {
                Some(x) if x <= 1e4 => sim.scale = x,
                Some(_) => {
                    cx.expected(n, "simulation.scale", "a factor above 0 and at most 10000");
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(n) = t.get("bucket") {
            match read::positive_duration(cx, n, "simulation.bucket") {
                Some(b) if sim.duration_ns / b <= 1_000_000 => bucket = Some(b),
                Some(_) => {
                    cx.err(
                        &n.origin,
                        "simulation.bucket",
                        "expected a bucket giving at most 1,000,000 buckets over the duration",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        t.finish(cx);
    }
    sim.bucket_ns = bucket.unwrap_or_else(|| {
        let raw = sim.duration_ns / defaults::BUCKETS;
        (raw / 1_000_000_000 * 1_000_000_000).max(1_000_000_000)
    });
    ok.then_some(sim)
}

fn read_targets(cx: &mut Cx, node: Option<&Node>) -> Option<Targets> {
    let mut targets = Targets::default();
    let Some(node) = node else {
        return Some(targets);
    };
    let mut t = Tbl::open(cx, node, "targets")?;
    let mut ok = true;
    if let Some(n) = t.get("delivery_ratio") {
        match read::probability(cx, n, "targets.delivery_ratio") {
            Some(p) => targets.delivery_ratio = Some(p),
            None => ok = false,
        }
    }
    if let Some(n) = t.get("latency_p95") {
        match read::positive_duration(cx, n, "targets.latency_p95") {
            Some(ns) => targets.latency_p95_ms = Some(ns as f64 / 1e6),
            None => ok = false,
        }
    }
    t.finish(cx);
    ok.then_some(targets)
}

fn read_city(cx: &mut Cx, node: Option<&Node>) -> City {
    let side = crate::units::parse_distance_m(defaults::CITY_SIDE).expect("default parses");
    let mut city = City {
        width_m: side,
        height_m: side,
    };
    if let Some(node) = node {
        if let Some(mut t) = Tbl::open(cx, node, "city") {
            for (key, slot) in [("width", &mut city.width_m), ("height", &mut city.height_m)] {
                if let Some(n) = t.get(key) {
                    match read::distance(cx, n, &format!("city.{key}")) {
                        Some(v) if v > 0.0 => *slot = v,
                        Some(_) => cx.expected(n, &format!("city.{key}"), "a positive distance"),
                        None => {}
                    }
                }
            }
            t.finish(cx);
        }
    }
    city
}

fn read_access(cx: &mut Cx, node: &Node, key: &str) -> Option<(Access, Origin)> {
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
    let cellular = match t.get("cellular") {
        None => Some(None),
        Some(n) => {
            if t_has_bandwidth(&bandwidth) {
                cx.err(
                    &n.origin,
                    &t.key("bandwidth"),
                    "a cellular access takes its rate from cellular.rate; remove `bandwidth`",
                );
                None
            } else {
                read_cellular(cx, n, &t.key("cellular")).map(Some)
            }
        }
    };
    let lora = match t.get("lora") {
        None => Some(None),
        Some(n) => {
            if t_has_bandwidth(&bandwidth) {
                cx.err(&n.origin, &t.key("bandwidth"), "a LoRa access takes its rate from lora.sf and lora.bandwidth; remove `bandwidth`");
                None
            } else {
                read_lora(cx, n, &t.key("lora")).map(Some)
            }
        }
    };
    let mesh = match t.get("mesh") {
        None => Some(None),
        Some(n) => {
            if t_has_bandwidth(&bandwidth) {
                cx.err(
                    &n.origin,
                    &t.key("bandwidth"),
                    "a mesh access runs at 802.15.4's 250kbps; remove `bandwidth`",
                );
                None
            } else if lora.as_ref().is_some_and(|l| l.is_some())
                || cellular.as_ref().is_some_and(|c| c.is_some())
            {
                cx.err(
                    &n.origin,
                    &t.key("mesh"),
                    "an access network is one of `lora`, `cellular` or `mesh`, not several",
                );
                None
            } else {
                read_mesh(cx, n, &t.key("mesh")).map(Some)
            }
        }
    };
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
            lora: lora?,
            cellular: cellular?,
            mesh: mesh?,
        },
        origin,
    ))
}

/// Reads key `k` of `t` as a string with a unit (`parse`), or `def` when absent; a bad
/// value is reported, clears `ok` and reads as `def`.
fn unit_value(
    cx: &mut Cx,
    t: &mut Tbl,
    (k, def): (&'static str, f64),
    parse: fn(&str) -> Result<f64, String>,
    example: &str,
    ok: &mut bool,
) -> f64 {
    match t.get(k) {
        None => def,
        Some(n) => match &n.val {
            Val::Str(s) => parse(s).unwrap_or_else(|m| {
                cx.err(&n.origin, &t.key(k), m);
                *ok = false;
                def
            }),
            _ => {
                cx.expected(
                    n,
                    &t.key(k),
                    &format!("a string with a unit, such as \"{example}\""),
                );
                *ok = false;
                def
            }
        },
    }
}

/// Reads key `k` of `t` as an integer in [min, max], or `def` when absent; a bad value
/// is reported, clears `ok` and reads as `def`.
fn int_value(
    cx: &mut Cx,
    t: &mut Tbl,
    (k, def): (&'static str, i64),
    (min, max): (i64, i64),
    ok: &mut bool,
) -> i64 {
    match t.get(k) {
        None => def,
        Some(n) => read::int(cx, n, &t.key(k), min, max).unwrap_or_else(|| {
            *ok = false;
            def
        }),
    }
}

/// Reads `mesh = { tx_power = "0dBm", routing = "etx", ... }`; the defaults are a
/// CC2420-class radio in a city street (path-loss exponent 3).
fn read_mesh(cx: &mut Cx, node: &Node, key: &str) -> Option<MeshCfg> {
    use crate::units;
    let mut t = Tbl::open(cx, node, key)?;
    let mut ok = true;
    let mut unit = |t: &mut Tbl,
                    k: &'static str,
                    def: f64,
                    parse: fn(&str) -> Result<f64, String>,
                    example: &str|
     -> f64 { unit_value(cx, t, (k, def), parse, example, &mut ok) };
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
        int_value(cx, t, (k, def), (min, max), &mut ok)
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
fn read_cellular(cx: &mut Cx, node: &Node, key: &str) -> Option<CellularCfg> {
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

/// Reads a `[[faults]]` entry: `target` names a gateway (`gw-3`), a gateway group (each
/// of its gateways), a node, or a link (`backhaul` between nodes, `backhaul-gw-3` from a
/// gateway); then `start` and `duration`, or `mtbf` and `mttr` (exponential, or Weibull
/// with `shape`).
/// What a fault may name: gateway groups, nodes, links, sensor classes and relays.
type FaultScope<'a> = (
    &'a [GatewayGroup],
    &'a [NodeCfg],
    &'a [LinkCfg],
    &'a [String],
    &'a [RelayGroup],
);

fn read_fault(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (gateways, nodes, links, classes, relays): FaultScope,
    sim: Option<&Simulation>,
) -> Option<FaultCfg> {
    let mut t = Tbl::open(cx, node, key)?;
    let target_node = t.req(
        cx,
        "target",
        "a gateway, gateway group, node, link or sensor class name",
    );
    let targets = target_node.and_then(|n| {
        let name = read::string(cx, n, &t.key("target"))?;
        let mut found = resolve_target(&name, gateways, nodes, links);
        if found.is_empty() {
            found = resolve_relay(&name, relays);
        }
        if found.is_empty() {
            if let Some(c) = classes.iter().position(|c| *c == name) {
                found.push(FaultTarget::Class(c));
            }
        }
        if found.is_empty() {
            let first = gateways.first().map(|g| format!("{}-0", g.name)).unwrap_or_default();
            cx.err(
                &n.origin,
                &t.key("target"),
                format!("no gateway, gateway group, node, link or sensor class named \"{name}\" (gateways are named like \"{first}\", links from a gateway like \"<link>-{first}\")"),
            );
            return None;
        }
        Some(found)
    });
    let dur = |cx: &mut Cx, t: &mut Tbl, k: &'static str| -> Option<u64> {
        let n = t.get(k)?;
        read::duration(cx, n, &t.key(k))
    };
    let when = if t.has_key("mtbf") || t.has_key("mttr") {
        let shape = match t.get("shape") {
            Some(n) => read::positive_float(cx, n, &t.key("shape")),
            None => Some(1.0),
        };
        let mtbf = t
            .req(cx, "mtbf", "a mean time between failures such as \"30d\"")
            .and_then(|n| read::positive_duration(cx, n, &t.key("mtbf")));
        let mttr = t
            .req(cx, "mttr", "a mean time to repair such as \"4h\"")
            .and_then(|n| read::positive_duration(cx, n, &t.key("mttr")));
        match (mtbf, mttr, shape) {
            (Some(b), Some(r), Some(k)) => {
                let up = if (k - 1.0).abs() < 1e-12 {
                    DistCfg {
                        kind: DistKind::Exponential { mean: b as f64 },
                        shift_ns: 0.0,
                    }
                } else {
                    // Weibull with this mean: scale = mean / Gamma(1 + 1/k).
                    let scale = b as f64 / crate::stats::ln_gamma(1.0 + 1.0 / k).exp();
                    DistCfg {
                        kind: DistKind::Weibull { scale, shape: k },
                        shift_ns: 0.0,
                    }
                };
                Some(FaultWhen::Random {
                    up,
                    down: DistCfg {
                        kind: DistKind::Exponential { mean: r as f64 },
                        shift_ns: 0.0,
                    },
                })
            }
            _ => None,
        }
    } else {
        let start = t
            .req(cx, "start", "when the outage starts, such as \"2h\"")
            .and_then(|_| dur(cx, &mut t, "start"));
        let duration = t
            .req(cx, "duration", "how long it lasts, such as \"30min\"")
            .and_then(|n| read::positive_duration(cx, n, &t.key("duration")));
        match (start, duration, sim) {
            (Some(s), Some(d), Some(sim)) if s < sim.duration_ns => Some(FaultWhen::Scheduled {
                start_ns: s,
                duration_ns: d,
            }),
            (Some(_), Some(_), Some(_)) => {
                let origin = t.origin.clone();
                cx.err(
                    &origin,
                    &t.key("start"),
                    "expected a start within the simulated duration",
                );
                None
            }
            _ => None,
        }
    };
    t.finish(cx);
    Some(FaultCfg {
        targets: targets?,
        when: when?,
    })
}

/// Reads `mobility = { kind = "random_waypoint" | "route", speed = "36km/h",
/// pause = "30s", route = [[x, y], ...] }`.
fn read_mobility(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Mobility> {
    let mut t = Tbl::open(cx, node, key)?;
    let kind = t
        .req(cx, "kind", "\"random_waypoint\" or \"route\"")
        .and_then(|n| read::choice(cx, n, &t.key("kind"), &["random_waypoint", "route"]));
    let speed = t
        .req(cx, "speed", "a speed such as \"36km/h\"")
        .and_then(|n| match &n.val {
            Val::Str(s) => crate::units::parse_speed_mps(s)
                .map_err(|m| cx.err(&n.origin, &t.key("speed"), m))
                .ok(),
            _ => {
                cx.expected(
                    n,
                    &t.key("speed"),
                    "a speed such as \"36km/h\" or \"10m/s\"",
                );
                None
            }
        });
    let pause = match t.get("pause") {
        Some(n) => read::duration(cx, n, &t.key("pause")),
        None => Some(0),
    };
    let route = match (kind, t.get("route")) {
        (Some("route"), Some(n)) => read::array(cx, n, &t.key("route")).and_then(|items| {
            let pts: Option<Vec<(f64, f64)>> = items
                .iter()
                .map(|p| position(cx, p, &t.key("route"), city))
                .collect();
            match pts {
                Some(p) if p.len() >= 2 => Some(Some(p)),
                Some(_) => {
                    cx.expected(n, &t.key("route"), "at least two waypoints");
                    None
                }
                None => None,
            }
        }),
        (Some("route"), None) => {
            let origin = t.origin.clone();
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

/// Reads an `[[incidents]]` entry.
fn read_incident(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts): (&City, &[District]),
    classes: &[String],
    sim: Option<&Simulation>,
) -> Option<IncidentCfg> {
    let mut t = Tbl::open(cx, node, key)?;
    let name = match t.get("name") {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(key.replace('.', "-")),
    };
    let region = t
        .req(
            cx,
            "region",
            "a region such as { kind = \"circle\", x = \"1km\", y = \"2km\", radius = \"500m\" }",
        )
        .and_then(|n| read_area(cx, n, &t.key("region"), city, districts));
    let start = t
        .req(cx, "start", "when it starts, such as \"6h\"")
        .and_then(|n| read::duration(cx, n, &t.key("start")));
    let duration = t
        .req(cx, "duration", "how long it lasts, such as \"2h\"")
        .and_then(|n| read::positive_duration(cx, n, &t.key("duration")));
    let affected = match t.get("classes") {
        None => Some((0..classes.len()).collect()),
        Some(n) => read::array(cx, n, &t.key("classes")).and_then(|items| {
            let mut out = Vec::new();
            for item in items {
                let c = read::string(cx, item, &t.key("classes"))?;
                match classes.iter().position(|x| *x == c) {
                    Some(i) => out.push(i),
                    None => {
                        cx.err(
                            &item.origin,
                            &t.key("classes"),
                            format!(
                                "no sensor class named \"{c}\" (classes: {})",
                                classes.join(", ")
                            ),
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }),
    };
    let interval = t
        .get("interval")
        .map(|n| read::positive_duration(cx, n, &t.key("interval")));
    let multiplier = t.get("rate_multiplier").map(|n| {
        match read::positive_float(cx, n, &t.key("rate_multiplier")) {
            Some(m) if m > 1.0 => Some(m),
            Some(_) => {
                cx.expected(n, &t.key("rate_multiplier"), "a multiplier above 1");
                None
            }
            None => None,
        }
    });
    let alarms = t.get("alarms").map(|n| {
        let mut a = Tbl::open(cx, n, &t.key("alarms"))?;
        let spread = match a.get("spread") {
            Some(s) => read::duration(cx, s, &a.key("spread")),
            None => Some(10_000_000_000),
        };
        let prio = match a.get("priority") {
            Some(n) => read_priority(cx, n, &a.key("priority")),
            None => Some(Priority::High),
        };
        a.finish(cx);
        Some((spread?, prio?))
    });
    let origin = t.origin.clone();
    t.finish(cx);
    let surge = match (interval, multiplier) {
        (Some(_), Some(_)) => {
            cx.err(
                &origin,
                &format!("{key}.interval"),
                "expected `interval` or `rate_multiplier`, not both",
            );
            return None;
        }
        (Some(i), None) => Some(Surge::Interval { interval_ns: i? }),
        (None, Some(m)) => Some(Surge::Multiplier { multiplier: m? }),
        (None, None) => None,
    };
    if surge.is_none() && alarms.is_none() {
        cx.err(
            &origin,
            key,
            "an incident needs `interval`, `rate_multiplier` or `alarms`",
        );
        return None;
    }
    let (start, duration) = (start?, duration?);
    if sim.is_some_and(|s| start >= s.duration_ns) {
        cx.err(
            &origin,
            &format!("{key}.start"),
            "expected a start within the simulated duration",
        );
        return None;
    }
    Some(IncidentCfg {
        name: name?,
        region: region?,
        start_ns: start,
        duration_ns: duration,
        classes: affected?,
        surge,
        alarm_spread_ns: match alarms {
            Some(a) => Some(a?.0),
            None => None,
        },
        alarm_priority: alarms.flatten().map_or(Priority::High, |a| a.1),
    })
}

fn read_region(cx: &mut Cx, node: &Node, key: &str, city: &City) -> Option<Region> {
    read_area(cx, node, key, city, &[])
}

/// Reads a region: a table (circle, rectangle or polygon), or the name of a district.
fn read_area(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    city: &City,
    districts: &[District],
) -> Option<Region> {
    if let Val::Str(name) = &node.val {
        return match districts.iter().find(|d| &d.name == name) {
            Some(d) => Some(d.region.clone()),
            None => {
                let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
                cx.expected(
                    node,
                    key,
                    &if names.is_empty() {
                        "a region table (no [[districts]] are defined to name)".to_string()
                    } else {
                        format!(
                            "a region table or a district: {}",
                            read::quoted_list(&names)
                        )
                    },
                );
                None
            }
        };
    }
    let mut t = Tbl::open(cx, node, key)?;
    let kinds = ["circle", "rectangle", "polygon"];
    let kind = t
        .req(cx, "kind", "\"circle\", \"rectangle\" or \"polygon\"")
        .and_then(|n| read::choice(cx, n, &t.key("kind"), &kinds));
    if kind == Some("polygon") {
        let pts = t
            .req(cx, "points", "a list of at least 3 [x, y] vertices")
            .and_then(|n| {
                let items = read::array(cx, n, &t.key("points"))?;
                let pts: Vec<(f64, f64)> = items
                    .iter()
                    .filter_map(|p| position(cx, p, &t.key("points"), city))
                    .collect();
                let poly = Region::Polygon(pts);
                if items.len() < 3 || poly.area() <= 0.0 {
                    cx.expected(n, &t.key("points"), "at least 3 vertices enclosing an area");
                    return None;
                }
                Some(poly)
            });
        t.finish(cx);
        return pts;
    }
    let mut d = |t: &mut Tbl, k: &'static str| -> Option<f64> {
        let n = t.req(cx, k, "a distance such as \"500m\"")?;
        read::distance(cx, n, &t.key(k))
    };
    let region = match kind {
        Some("circle") => match (d(&mut t, "x"), d(&mut t, "y"), d(&mut t, "radius")) {
            (Some(x), Some(y), Some(r)) => Some(Region::Circle { x, y, r }),
            _ => None,
        },
        Some(_) => match (
            d(&mut t, "x0"),
            d(&mut t, "y0"),
            d(&mut t, "x1"),
            d(&mut t, "y1"),
        ) {
            (Some(x0), Some(y0), Some(x1), Some(y1)) if x0 <= x1 && y0 <= y1 => {
                Some(Region::Rectangle { x0, y0, x1, y1 })
            }
            (Some(_), Some(_), Some(_), Some(_)) => {
                let origin = t.origin.clone();
                cx.err(&origin, key, "expected x0 <= x1 and y0 <= y1");
                None
            }
            _ => None,
        },
        None => None,
    };
    let origin = t.origin.clone();
    t.finish(cx);
    let region = region?;
    let inside = match region {
        Region::Circle { x, y, .. } => x <= city.width_m && y <= city.height_m,
        Region::Rectangle { x0, y0, .. } => x0 <= city.width_m && y0 <= city.height_m,
        Region::Polygon(_) => true,
    };
    if !inside {
        cx.err(
            &origin,
            key,
            format!(
                "the region lies outside the city ({} m x {} m)",
                city.width_m, city.height_m
            ),
        );
        return None;
    }
    Some(region)
}

/// The elements a fault target name denotes.
/// Relays named `name`: a group, or `<group>-<i>`.
fn resolve_relay(name: &str, relays: &[RelayGroup]) -> Vec<FaultTarget> {
    let mut base = 0u32;
    for r in relays {
        if r.name == name {
            return (base..base + r.count).map(FaultTarget::Relay).collect();
        }
        let i: Option<u32> = name
            .strip_prefix(r.name.as_str())
            .and_then(|x| x.strip_prefix('-'))
            .and_then(|x| x.parse().ok());
        if let Some(i) = i.filter(|&i| i < r.count) {
            return vec![FaultTarget::Relay(base + i)];
        }
        base += r.count;
    }
    Vec::new()
}

fn resolve_target(
    name: &str,
    gateways: &[GatewayGroup],
    nodes: &[NodeCfg],
    links: &[LinkCfg],
) -> Vec<FaultTarget> {
    let mut base = 0u32;
    let mut gw_names = Vec::new();
    for g in gateways {
        if g.name == name {
            return (base..base + g.count).map(FaultTarget::Gateway).collect();
        }
        gw_names.push((g.name.clone(), base, g.count));
        base += g.count;
    }
    let gateway_index = |n: &str| -> Option<u32> {
        gw_names.iter().find_map(|(g, b, c)| {
            let i: u32 = n
                .strip_prefix(g.as_str())?
                .strip_prefix('-')?
                .parse()
                .ok()?;
            (i < *c).then_some(b + i)
        })
    };
    if let Some(g) = gateway_index(name) {
        return vec![FaultTarget::Gateway(g)];
    }
    if let Some(n) = nodes.iter().position(|n| n.name == name) {
        return vec![FaultTarget::Node(n)];
    }
    for (li, l) in links.iter().enumerate() {
        match l.from {
            Endpoint::Node(_) if l.name == name => return vec![FaultTarget::Link(li, None)],
            Endpoint::Gateways(_) => {
                if let Some(g) = name
                    .strip_prefix(l.name.as_str())
                    .and_then(|r| r.strip_prefix('-'))
                    .and_then(gateway_index)
                {
                    return vec![FaultTarget::Link(li, Some(g))];
                }
            }
            _ => {}
        }
    }
    Vec::new()
}

fn t_has_bandwidth(b: &Option<Option<f64>>) -> bool {
    b.is_some()
}

/// Reads `lora = { ... }`; defaults: SF "auto", 125kHz, 4/5, 8 preamble symbols,
/// explicit header, CRC, 14dBm, 3 channels, 1% duty cycle (delay), 6dB capture with the
/// preamble rule, 8 demodulators, 10dB margin, Bor et al. 2016 path loss.
fn read_lora(cx: &mut Cx, node: &Node, key: &str) -> Option<LoraCfg> {
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
     -> f64 { unit_value(cx, t, (k, def), parse, example, &mut ok) };
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
        int_value(cx, t, (k, def), (min, max), &mut ok)
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

/// Servers, service time and queue, shared by gateway groups and nodes.
fn read_service(cx: &mut Cx, t: &mut Tbl) -> Option<(u32, Option<DistCfg>, Option<u32>)> {
    let servers = match t.get("servers") {
        Some(n) => read::int(cx, n, &t.key("servers"), 1, 1_000_000).map(|v| v as u32),
        None => Some(defaults::SERVERS as u32),
    };
    let service = match t.get("service_time") {
        Some(n) => dist(cx, n, &t.key("service_time")).map(Some),
        None => Some(None),
    };
    let queue = match t.get("queue") {
        Some(n) => read::capacity(cx, n, &t.key("queue")),
        None => Some(Some(defaults::QUEUE)),
    };
    Some((servers?, service?, queue?))
}

fn read_node(cx: &mut Cx, node: &Node, key: &str) -> Option<(NodeCfg, Origin)> {
    let mut t = Tbl::open(cx, node, key)?;
    let name_node = t.req(cx, "name", "a name such as \"cloud\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let sink = match t.get("sink") {
        Some(n) => match n.val {
            Val::Bool(b) => Some(b),
            _ => {
                cx.expected(n, &t.key("sink"), "true or false");
                None
            }
        },
        None => Some(false),
    };
    let service = read_service(cx, &mut t);
    t.finish(cx);
    let (servers, service, queue) = service?;
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        NodeCfg {
            name: name?,
            sink: sink?,
            servers,
            service,
            queue,
        },
        origin,
    ))
}

fn access_list(cx: &mut Cx, node: &Node, key: &str, names: &[String]) -> Option<Vec<usize>> {
    let items: Vec<&Node> = match &node.val {
        Val::Str(_) => vec![node],
        Val::Array(items) => items.iter().collect(),
        _ => {
            cx.expected(node, key, "an access network name or a list of them");
            return None;
        }
    };
    let mut out = Vec::new();
    for n in items {
        let s = read::string(cx, n, key)?;
        match names_index(names, &s) {
            Some(i) => out.push(i),
            None => {
                cx.err(
                    &n.origin,
                    key,
                    format!(
                        "no access network named \"{s}\" (defined: {})",
                        names.join(", ")
                    ),
                );
                return None;
            }
        }
    }
    Some(out)
}

/// Reads `count`, `placement` and `district` (the area to place them in: the whole
/// city when absent). A missing area is `Some(None)`; a bad one `None`.
fn count_placement(
    cx: &mut Cx,
    t: &mut Tbl,
    (city, districts, scale): (&City, &[District], f64),
    what: &str,
) -> (Option<u32>, Option<Placement>, Option<Option<District>>) {
    let placement = match t.get("placement") {
        Some(n) => placement(cx, n, &t.key("placement"), city),
        None => Some(Placement::Uniform),
    };
    let area = match t.get("district") {
        None => Some(None),
        Some(n) => {
            let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
            if names.is_empty() {
                cx.err(
                    &n.origin,
                    &t.key("district"),
                    "no [[districts]] are defined; add one or remove `district`",
                );
                None
            } else if matches!(placement, Some(Placement::Explicit(_))) {
                cx.err(
                    &n.origin,
                    &t.key("district"),
                    "explicit positions already say where they are; remove `district`",
                );
                None
            } else {
                read::choice(cx, n, &t.key("district"), &names)
                    .and_then(|c| districts.iter().find(|d| d.name == c).cloned())
                    .map(Some)
            }
        }
    };
    let scaled = |c: i64| -> u32 {
        if matches!(placement, Some(Placement::Explicit(_))) {
            c as u32
        } else {
            ((c as f64 * scale).round() as i64).clamp(1, 100_000_000) as u32
        }
    };
    let count = match t.get("count") {
        Some(n) => read::int(cx, n, &t.key("count"), 1, 100_000_000).map(scaled),
        None => match &placement {
            Some(Placement::Explicit(p)) if !p.is_empty() => Some(p.len() as u32),
            _ => {
                let origin = t.origin.clone();
                cx.err(
                    &origin,
                    &t.key("count"),
                    format!("missing key; expected the number of {what} (a positive integer)"),
                );
                None
            }
        },
    };
    if let (Some(c), Some(Placement::Explicit(p))) = (count, &placement) {
        if p.len() != c as usize {
            let origin = t.origin.clone();
            cx.err(
                &origin,
                &t.key("placement.positions"),
                format!("expected {c} positions (one per {what}), found {}", p.len()),
            );
            return (None, None, None);
        }
    }
    (count, placement, area)
}

fn read_gateways(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access_names: &[String],
) -> Option<(GatewayGroup, Origin)> {
    let mut t = Tbl::open(cx, node, key)?;
    let name_node = t.get("name");
    let name = match name_node {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(defaults::GATEWAY_NAME.to_string()),
    };
    let (count, placement, area) =
        count_placement(cx, &mut t, (city, districts, scale), "gateways");
    let access = match t.get("access") {
        Some(n) => access_list(cx, n, &t.key("access"), access_names),
        None => Some((0..access_names.len()).collect()),
    };
    let service = read_service(cx, &mut t);
    t.finish(cx);
    let (servers, service, queue) = service?;
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        GatewayGroup {
            name: name?,
            count: count?,
            placement: placement?,
            area: area?,
            access: access?,
            servers,
            service,
            queue,
        },
        origin,
    ))
}

fn read_relays(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access: &[Access],
) -> Option<(RelayGroup, Origin)> {
    let mut t = Tbl::open(cx, node, key)?;
    let name_node = t.get("name");
    let name = match name_node {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some("relay".to_string()),
    };
    let (count, placement, area) = count_placement(cx, &mut t, (city, districts, scale), "relays");
    let meshes: Vec<usize> = (0..access.len())
        .filter(|&a| access[a].mesh.is_some())
        .collect();
    let names: Vec<String> = meshes.iter().map(|&a| access[a].name.clone()).collect();
    let acc = match t.get("access") {
        Some(n) => {
            let words: Vec<&str> = names.iter().map(String::as_str).collect();
            read::choice(cx, n, &t.key("access"), &words)
                .and_then(|c| meshes.iter().copied().find(|&a| access[a].name == c))
        }
        None if meshes.len() == 1 => Some(meshes[0]),
        None => {
            let origin = t.origin.clone();
            cx.err(
                &origin,
                &t.key("access"),
                if meshes.is_empty() {
                    "relays need an access network with a `mesh` table; none has one".to_string()
                } else {
                    format!(
                        "missing key; expected the mesh these relays serve, one of {}",
                        names.join(", ")
                    )
                },
            );
            None
        }
    };
    t.finish(cx);
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        RelayGroup {
            name: name?,
            count: count?,
            placement: placement?,
            area: area?,
            access: acc?,
        },
        origin,
    ))
}

fn read_sensors(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access_names: &[String],
    access_bandwidth: &[TxTime],
    total_gateways: u64,
) -> Option<(SensorClass, Origin)> {
    let mut t = Tbl::open(cx, node, key)?;
    let name_node = t.req(cx, "name", "a class name such as \"air_quality\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let domain = match t.get("domain") {
        Some(n) => read::choice(cx, n, &t.key("domain"), DOMAINS).map(str::to_string),
        None => Some(defaults::DOMAIN.to_string()),
    };
    let (count, placement, area) = count_placement(cx, &mut t, (city, districts, scale), "sensors");
    let traffic = t
        .req(
            cx,
            "traffic",
            "a table such as { kind = \"periodic\", interval = \"5min\" }",
        )
        .and_then(|n| traffic(cx, n, &t.key("traffic")));
    let payload = match t.get("payload") {
        Some(n) => match read::bytes(cx, n, &t.key("payload")) {
            Some(b) if (1..=1_000_000_000).contains(&b) => Some(b as u32),
            Some(_) => {
                cx.expected(n, &t.key("payload"), "a payload from 1B to 1GB");
                None
            }
            None => None,
        },
        None => {
            let origin = t.origin.clone();
            cx.err(
                &origin,
                &t.key("payload"),
                "missing key; expected a payload size such as \"32B\"",
            );
            None
        }
    };
    let access = match t.get("access") {
        Some(n) => access_list(cx, n, &t.key("access"), access_names).and_then(|v| {
            if v.len() == 1 {
                Some(v[0])
            } else {
                cx.expected(n, &t.key("access"), "exactly one access network name");
                None
            }
        }),
        None if access_names.len() == 1 => Some(0),
        None => {
            let origin = t.origin.clone();
            cx.err(
                &origin,
                &t.key("access"),
                format!(
                    "missing key; expected one of the access networks: {}",
                    access_names.join(", ")
                ),
            );
            None
        }
    };
    let attach = match t.get("attach") {
        None => Some(Attach::Nearest),
        Some(n) => read_attach(cx, n, &t.key("attach"), total_gateways, count),
    };
    let mobility = match t.get("mobility") {
        None => Some(None),
        Some(n) => read_mobility(cx, n, &t.key("mobility"), city).map(Some),
    };
    let sf = match t.get("sf") {
        None => Some(SfChoice::Network),
        Some(n) => {
            let lora = access.is_some_and(|a| matches!(access_bandwidth[a], TxTime::Radio));
            match &n.val {
                _ if !lora => {
                    cx.err(
                        &n.origin,
                        &t.key("sf"),
                        "a spreading factor needs a LoRa access network",
                    );
                    None
                }
                Val::Str(s) if s == "auto" => Some(SfChoice::Auto),
                Val::Array(_) => Some(SfChoice::Network),
                _ => read::int(cx, n, &t.key("sf"), 7, 12).map(|v| SfChoice::Fixed(v as u8)),
            }
        }
    };
    let sf_each = match t.get("sf") {
        Some(n) if matches!(n.val, Val::Array(_)) && sf.is_some() => {
            let items = read::array(cx, n, &t.key("sf")).unwrap_or(&[]);
            let each: Vec<Option<u8>> = items
                .iter()
                .map(|i| match &i.val {
                    Val::Str(s) if s == "auto" => Some(0),
                    _ => read::int(cx, i, &t.key("sf"), 7, 12).map(|v| v as u8),
                })
                .collect();
            match (each.iter().copied().collect::<Option<Vec<u8>>>(), count) {
                (Some(v), Some(c)) if v.len() == c as usize => Some(Some(v)),
                (Some(v), Some(c)) => {
                    cx.expected(
                        n,
                        &t.key("sf"),
                        &format!(
                            "one spreading factor per sensor: {c} values, found {}",
                            v.len()
                        ),
                    );
                    None
                }
                _ => None,
            }
        }
        _ => Some(None),
    };
    let profile = match t.get("profile") {
        None => Some(None),
        Some(n) => match (&traffic, read_profile(cx, n, &t.key("profile"))) {
            (Some(Traffic::Bursty { .. }), Some(_)) => {
                cx.err(
                    &n.origin,
                    &t.key("profile"),
                    "a daily profile applies to periodic and poisson traffic, not bursty",
                );
                None
            }
            (_, p) => p.map(Some),
        },
    };
    let priority = match t.get("priority") {
        None => Some(Priority::Normal),
        Some(n) => {
            read::choice(cx, n, &t.key("priority"), &["high", "normal", "low"]).map(|c| match c {
                "high" => Priority::High,
                "low" => Priority::Low,
                _ => Priority::Normal,
            })
        }
    };
    let threshold = match t.get("threshold") {
        None => Some(None),
        Some(n) if t.has_key("energy") => {
            cx.err(
                &n.origin,
                &t.key("threshold"),
                "battery accounting for threshold sensors is not modelled (samples cost sensing, only crossings are sent); remove `energy` or `threshold`",
            );
            None
        }
        Some(n) => read_threshold(cx, n, &t.key("threshold")).map(Some),
    };
    let energy = match t.get("energy") {
        None => Some(None),
        Some(n) => read_energy(
            cx,
            n,
            &t.key("energy"),
            payload,
            access.map(|a| access_bandwidth[a]),
        )
        .map(Some),
    };
    t.finish(cx);
    let origin = name_node
        .map(|n| n.origin.clone())
        .unwrap_or(node.origin.clone());
    Some((
        SensorClass {
            name: name?,
            domain: domain?,
            count: count?,
            placement: placement?,
            area: area?,
            traffic: traffic?,
            payload_bytes: payload?,
            access: access?,
            attach: attach?,
            energy: energy?,
            sf: sf?,
            sf_each: sf_each?,
            mobility: mobility?,
            profile: profile?,
            priority: priority?,
            threshold: threshold?,
        },
        origin,
    ))
}

/// How a reading's time on air follows from its access network.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TxTime {
    /// Nothing to derive it from: `tx_time` must be given.
    Unknown,
    /// `payload * 8 / bps + extra_s`.
    Rate {
        /// Transmit rate.
        bps: f64,
        /// Radio-on time besides sending (wake-up and attach), s.
        extra_s: f64,
    },
    /// From each sensor's radio settings (LoRa).
    Radio,
}

/// Defaults of `energy` (an SX1276-class LoRa radio at 14 dBm on a Li-SOCl2 AA cell):
/// battery 2400mAh, voltage 3.6V, tx 40mA, rx 11mA, sleep 1.5uA, rx window 1s, sensing 0.
fn read_energy(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    payload: Option<u32>,
    bandwidth: Option<TxTime>,
) -> Option<Energy> {
    let mut t = Tbl::open(cx, node, key)?;
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
    let rx_s = get(&mut t, "rx_window", 1.0, |cx, n, k| {
        read::duration(cx, n, k).map(|ns| ns as f64 * 1e-9)
    });
    let sensing_j = get(&mut t, "sensing", 0.0, read::energy);
    let idle_a = get(&mut t, "idle_current", 1.6e-3, read::current);
    let idle_s = get(&mut t, "idle_time", 0.0, |cx, n, k| {
        read::duration(cx, n, k).map(|ns| ns as f64 * 1e-9)
    });
    let tx_given = t
        .get("tx_time")
        .map(|n| read::duration(cx, n, &t.key("tx_time")));
    let origin = t.origin.clone();
    t.finish(cx);
    let tx_s = match (tx_given, bandwidth, payload) {
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
    })
}

fn read_attach(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    total_gateways: u64,
    count: Option<u32>,
) -> Option<Attach> {
    let max = total_gateways.saturating_sub(1) as i64;
    match &node.val {
        Val::Str(s) if s == "nearest" => Some(Attach::Nearest),
        Val::Int(_) => read::int(cx, node, key, 0, max).map(|g| Attach::Gateway(g as u32)),
        Val::Array(items) => {
            let v: Option<Vec<u32>> = items
                .iter()
                .map(|n| read::int(cx, n, key, 0, max).map(|g| g as u32))
                .collect();
            let v = v?;
            if count.is_some_and(|c| c as usize != v.len()) {
                cx.err(
                    &node.origin,
                    key,
                    format!(
                        "expected one gateway index per sensor ({}), found {}",
                        count.unwrap_or(0),
                        v.len()
                    ),
                );
                return None;
            }
            Some(Attach::PerSensor(v))
        }
        _ => {
            cx.expected(
                node,
                key,
                "\"nearest\", a gateway index, or a list of gateway indices",
            );
            None
        }
    }
}

fn check_explicit_attach(
    cx: &mut Cx,
    s: &SensorClass,
    key: &str,
    node: &Node,
    gateways: &[GatewayGroup],
    access_names: &[String],
) {
    let group_of = |g: u32| {
        let mut rest = g;
        for grp in gateways {
            if rest < grp.count {
                return Some(grp);
            }
            rest -= grp.count;
        }
        None
    };
    let indices: Vec<u32> = match &s.attach {
        Attach::Gateway(g) => vec![*g],
        Attach::PerSensor(v) => v.clone(),
        Attach::Nearest => return,
    };
    for g in indices {
        match group_of(g) {
            Some(grp) if grp.access.contains(&s.access) => {}
            Some(grp) => {
                cx.err(
                    &node.origin,
                    &format!("{key}.attach"),
                    format!(
                        "gateway {g} (group \"{}\") does not serve access network \"{}\"",
                        grp.name, access_names[s.access]
                    ),
                );
                return;
            }
            None => {
                cx.err(
                    &node.origin,
                    &format!("{key}.attach"),
                    format!("there is no gateway {g}"),
                );
                return;
            }
        }
    }
}

fn read_link(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    groups: &[String],
    nodes: &[String],
) -> Option<LinkCfg> {
    let mut t = Tbl::open(cx, node, key)?;
    let name = match t.get("name") {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(key.replace('.', "-")),
    };
    let from = t
        .req(cx, "from", "a gateway group or node name")
        .and_then(|n| {
            let s = read::string(cx, n, &t.key("from"))?;
            if let Some(g) = names_index(groups, &s) {
                Some(Endpoint::Gateways(g))
            } else if let Some(i) = names_index(nodes, &s) {
                Some(Endpoint::Node(i))
            } else {
                let mut all: Vec<String> = groups.to_vec();
                all.extend(nodes.iter().cloned());
                cx.err(
                    &n.origin,
                    &t.key("from"),
                    format!(
                        "no gateway group or node named \"{s}\" (defined: {})",
                        all.join(", ")
                    ),
                );
                None
            }
        });
    let to = t.req(cx, "to", "a node name").and_then(|n| {
        let s = read::string(cx, n, &t.key("to"))?;
        let found = names_index(nodes, &s);
        if found.is_none() {
            cx.err(
                &n.origin,
                &t.key("to"),
                format!("no node named \"{s}\" (nodes: {})", nodes.join(", ")),
            );
        }
        found
    });
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
    let queue = match t.get("queue") {
        Some(n) => read::capacity(cx, n, &t.key("queue")),
        None => Some(Some(defaults::QUEUE)),
    };
    t.finish(cx);
    if let (Some(Endpoint::Node(f)), Some(to)) = (from, to) {
        if f == to {
            cx.err(
                &node.origin,
                &format!("{key}.to"),
                "a link cannot lead back to the node it starts from",
            );
            return None;
        }
    }
    Some(LinkCfg {
        name: name?,
        from: from?,
        to: to?,
        latency: latency?,
        bandwidth_bps: match bandwidth {
            Some(b) => Some(b?),
            None => None,
        },
        loss: loss?,
        queue: queue?,
    })
}

/// Every gateway group and every non-sink node must reach a sink over the links.
fn check_routes(
    cx: &mut Cx,
    gateways: &[GatewayGroup],
    nodes: &[NodeCfg],
    links: &[LinkCfg],
    gw_list: &[(String, &Node)],
    node_list: &[(String, &Node)],
    top: &Tbl,
) {
    // reaches[n]: node n reaches a sink.
    let mut reaches: Vec<bool> = nodes.iter().map(|n| n.sink).collect();
    loop {
        let mut changed = false;
        for l in links {
            if let Endpoint::Node(f) = l.from {
                if reaches[l.to] && !reaches[f] {
                    reaches[f] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (g, grp) in gateways.iter().enumerate() {
        let ok = links
            .iter()
            .any(|l| l.from == Endpoint::Gateways(g) && reaches[l.to]);
        if !ok {
            let (key, origin) = gw_list
                .get(g)
                .map(|(k, n)| (k.clone(), n.origin.clone()))
                .unwrap_or(("gateways".into(), top.origin.clone()));
            cx.err(
                &origin,
                &key,
                format!(
                    "gateway group \"{}\" has no route to a sink (add a [[links]] entry from \"{}\" towards a node with sink = true)",
                    grp.name, grp.name
                ),
            );
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        if !reaches[i] {
            let (key, origin) = node_list
                .get(i)
                .map(|(k, n)| (k.clone(), n.origin.clone()))
                .unwrap_or(("nodes".into(), top.origin.clone()));
            cx.err(
                &origin,
                &key,
                format!("node \"{}\" is not a sink and has no route to one", n.name),
            );
        }
    }
}

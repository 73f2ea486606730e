//! `[[sensors]]`: sensor classes, their access network, gateway choice and spreading factors.

use super::diag::Origin;
use super::read::{self, Cx, Kind, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

/// How a LoRa sensor class chooses its spreading factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SfChoice {
    /// As its access network says (`lora.sf`).
    Network,
    /// The smallest whose link budget to the best gateway closes with the margin.
    Auto,
    /// This one (7 to 12).
    Fixed(u8),
    /// The network server's (adaptive data rate), from SF12.
    Adr,
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
    /// The share of its sensors indoors (None: all outdoors).
    pub indoor: Option<Indoor>,
}

pub(crate) fn read_sensors(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access_names: &[String],
    access_bandwidth: &[TxTime],
    total_gateways: u64,
) -> Option<(SensorClass, Origin)> {
    let mut t = Tbl::open(cx, node, key, "sensors")?;
    let name_node = t.req(cx, "name", "a class name such as \"air_quality\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let domain = t.val::<DomainName>(cx, "domain").map(str::to_string);
    let (count, placement, area) = count_placement(
        cx,
        &mut t,
        (city, districts, scale),
        ("sensors", name.as_deref()),
    );
    let traffic = t
        .req(
            cx,
            "traffic",
            "a table such as { kind = \"periodic\", interval = \"5min\" }",
        )
        .and_then(|n| traffic(cx, n, &t.key("traffic")));
    let payload = read_payload(cx, &mut t);
    let access = read_class_access(cx, &mut t, access_names);
    let attach = match t.get("attach") {
        None => Some(Attach::Nearest),
        Some(n) => read_attach(cx, n, &t.key("attach"), total_gateways, count),
    };
    let mobility = match t.get("mobility") {
        None => Some(None),
        Some(n) => read_mobility(cx, n, &t.key("mobility"), city).map(Some),
    };
    // A class whose network could not be read is not told that it is not LoRa.
    let lora = access.is_none_or(|a| matches!(access_bandwidth[a], TxTime::Radio));
    let sf = read_sf(cx, &mut t, lora);
    let sf_each = read_sf_each(cx, &mut t, sf.is_some(), count);
    let sf_each = file_sf(cx, &t, placement.as_ref(), lora, sf_each);
    let cell = access.is_some_and(|a| matches!(access_bandwidth[a], TxTime::Cell));
    let indoor = read_indoor(cx, &mut t, lora || cell);
    check_file_indoor(cx, &t, placement.as_ref(), lora || cell);
    let profile = read_class_profile(cx, &mut t, &traffic);
    let (priority, threshold, energy) =
        read_class_extras(cx, &mut t, payload, access.map(|x| access_bandwidth[x]));
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
            indoor: indoor?,
        },
        origin,
    ))
}

/// Queue priority, threshold sampling and battery of a class.
#[allow(clippy::type_complexity)]
fn read_class_extras(
    cx: &mut Cx,
    t: &mut Tbl,
    payload: Option<u32>,
    tx_time: Option<TxTime>,
) -> (
    Option<Priority>,
    Option<Option<Threshold>>,
    Option<Option<Energy>>,
) {
    let priority = t.val::<PriorityName>(cx, "priority");
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
        Some(n) => read_energy(cx, n, &t.key("energy"), payload, tx_time).map(Some),
    };
    (priority, threshold, energy)
}

impl SensorClass {
    /// The spreading factors a class on LoRa access `l` is fixed at (ascending), and
    /// whether some of its sensors choose theirs (`"auto"` or `"adr"`).
    pub fn lora_sfs(&self, l: &LoraCfg) -> (Vec<u8>, bool) {
        let mut fixed: Vec<u8> = match self.sf {
            SfChoice::Fixed(sf) => vec![sf],
            SfChoice::Network => l.sf.into_iter().collect(),
            SfChoice::Auto | SfChoice::Adr => Vec::new(),
        };
        let mut auto = fixed.is_empty();
        if let Some(each) = &self.sf_each {
            fixed = each.iter().copied().filter(|&sf| sf != 0).collect();
            auto = each.contains(&0);
        }
        fixed.sort_unstable();
        fixed.dedup();
        (fixed, auto)
    }
}

/// `payload`: required, 1 B to 1 GB.
fn read_payload(cx: &mut Cx, t: &mut Tbl) -> Option<u32> {
    match t.get("payload") {
        Some(n) => match read::bytes(cx, n, &t.key("payload")) {
            Some(b) if (1..=1_000_000_000).contains(&b) => Some(b as u32),
            Some(_) => {
                cx.expected(n, &t.key("payload"), "a payload from 1B to 1GB");
                None
            }
            None => None,
        },
        None => {
            let origin = t.origin_of("payload");
            cx.err(
                &origin,
                &t.key("payload"),
                "missing key; expected a payload size such as \"32B\"",
            );
            None
        }
    }
}

/// `access`: the one access network of the class (needed when there are several).
fn read_class_access(cx: &mut Cx, t: &mut Tbl, access_names: &[String]) -> Option<usize> {
    match t.get("access") {
        Some(n) => access_list(cx, n, &t.key("access"), access_names).and_then(|v| {
            if v.len() == 1 {
                Some(v[0])
            } else {
                cx.expected(n, &t.key("access"), "exactly one access network name");
                None
            }
        }),
        None if access_names.len() == 1 => Some(0),
        None if access_names.is_empty() && cx.any_broken("access") => None,
        None => {
            let origin = t.origin_of("access");
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
    }
}

/// A placement file's `indoor` column needs a radio link that models building entry
/// loss.
fn check_file_indoor(cx: &mut Cx, t: &Tbl, placement: Option<&Placement>, radio: bool) {
    if let Some(Placement::File {
        indoor: Some(_),
        path,
        ..
    }) = placement
    {
        if !radio {
            let origin = t.origin_of("placement.path");
            cx.err(
                &origin,
                &t.key("placement.path"),
                format!(
                    "{path} says which sensors are indoors (column `indoor`); building \
                     entry loss is modelled on LoRa, NB-IoT and LTE-M links only"
                ),
            );
        }
    }
}

/// The spreading factors of a placement file's `sf` column, where the class has no `sf`
/// list of its own.
fn file_sf(
    cx: &mut Cx,
    t: &Tbl,
    placement: Option<&Placement>,
    lora: bool,
    listed: Option<Option<Vec<u8>>>,
) -> Option<Option<Vec<u8>>> {
    let Some(Placement::File {
        sf: Some(sf), path, ..
    }) = placement
    else {
        return listed;
    };
    let origin = t.origin_of("placement.path");
    let key = t.key("placement.path");
    if !lora {
        cx.err(
            &origin,
            &key,
            format!(
                "{path} gives spreading factors (column `sf`), which need a LoRa access network"
            ),
        );
        return None;
    }
    match listed {
        Some(Some(_)) => {
            cx.err(&origin, &key, format!("both {path} (column `sf`) and the class's `sf` list give spreading factors; keep one"));
            None
        }
        Some(None) => Some(Some(sf.clone())),
        None => None,
    }
}

/// `sf`: the class's spreading factor (LoRa only); a list is read by [`read_sf_each`].
fn read_sf(cx: &mut Cx, t: &mut Tbl, lora: bool) -> Option<SfChoice> {
    match t.get("sf") {
        None => Some(SfChoice::Network),
        Some(n) => match &n.val {
            _ if !lora => {
                cx.err(
                    &n.origin,
                    &t.key("sf"),
                    "a spreading factor needs a LoRa access network",
                );
                None
            }
            Val::Str(s) if s == "auto" => Some(SfChoice::Auto),
            Val::Str(s) if s == "adr" => Some(SfChoice::Adr),
            Val::Array(_) => Some(SfChoice::Network),
            _ => read::int(cx, n, &t.key("sf"), 7, 12).map(|v| SfChoice::Fixed(v as u8)),
        },
    }
}

/// `sf = [7, 9, "auto", ...]`: one spreading factor per sensor (0: auto).
fn read_sf_each(
    cx: &mut Cx,
    t: &mut Tbl,
    sf_ok: bool,
    count: Option<u32>,
) -> Option<Option<Vec<u8>>> {
    match t.again("sf") {
        Some(n) if matches!(n.val, Val::Array(_)) && sf_ok => {
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
    }
}

/// `profile`: a daily profile, for periodic and Poisson traffic.
fn read_class_profile(
    cx: &mut Cx,
    t: &mut Tbl,
    traffic: &Option<Traffic>,
) -> Option<Option<[f64; 24]>> {
    match t.get("profile") {
        None => Some(None),
        Some(n) => match (traffic, read_profile(cx, n, &t.key("profile"))) {
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
    }
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
    /// Charged as the radio is used: backoffs and assessments listening, frames sent,
    /// acknowledgements awaited (802.15.4 meshes), at the mesh radio's currents (A)
    /// unless the class's `energy` gives its own.
    Frames {
        /// Transmitting.
        tx_a: f64,
        /// Receiving or listening.
        rx_a: f64,
    },
    /// Charged per state from the cell's module currents: preambles and transfers
    /// sent, connection setup and the inactivity timer listening, eDRX, PSM (NB-IoT
    /// and LTE-M).
    Cell,
}

read::kind!(
    /// An application domain (one of [`DOMAINS`]).
    DomainName => &'static str, read::quoted_list(DOMAINS), |cx: &mut Cx, n: &Node, k: &str| read::choice(cx, n, k, DOMAINS)
);

pub(crate) fn read_attach(
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

pub(crate) fn check_explicit_attach(
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

/// The keys of `sensors` tables, for the key reference.
pub(crate) const SENSORS_KEYS: &[Key] = &[
    Key::of(
        "name",
        "the class's name in outputs, `--set` paths, incidents and faults",
    ),
    Key::of(
        "domain",
        "the application domain the class's outputs are grouped by",
    ),
    Key::of(
        "traffic",
        "when the class's sensors send readings (see `traffic`)",
    ),
    Key::any(
        "attach",
        "`\"nearest\"`, a gateway index, or one index per sensor",
        "\"nearest\"",
        "which gateway a sensor of a direct network attaches to",
    ),
    Key::any(
        "mobility",
        "a table (see `mobility`)",
        "fixed sensors",
        "how the class's sensors move",
    ),
    Key::of(
        "priority",
        "the class's priority in every queue: a full queue pushes out a lower priority first",
    ),
    Key::any(
        "threshold",
        "a table (see `threshold`)",
        "every sample is sent",
        "sample a value and send only crossings of an alarm level",
    ),
    Key::any(
        "energy",
        "a table (see `energy`)",
        "no battery accounting",
        "the battery and the currents of each radio state",
    ),
    Key::any(
        "payload",
        "size, 1B to 1GB (`\"32B\"`)",
        "required",
        "the bytes of one reading, before any protocol overhead",
    ),
    Key::any(
        "access",
        "an access network's name",
        "the only access network",
        "the network the class's sensors send over (needed when there are several)",
    ),
    Key::any(
        "sf",
        "integer, 7 to 12, `\"auto\"`, `\"adr\"`, or a list with one per sensor",
        "the network's `sf`",
        "the class's spreading factor (LoRa only), overriding the network's",
    ),
    Key::any(
        "profile",
        "24 hourly factors, or a preset name",
        "a flat day",
        "how the class's reading rate varies over the day (periodic and Poisson traffic)",
    ),
];

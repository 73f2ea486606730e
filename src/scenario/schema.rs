//! The typed scenario and how it is read from the tree, section by section. Units are
//! resolved here: times in nanoseconds, sizes in bytes, rates in bit/s, distances in metres.

use super::diag::Origin;
use super::read::{self, Cx, Tbl};
use super::reference::Key;
use super::top::{list_of_tables, tables};
use super::tree::Node;
use super::*;
use serde::Serialize;

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
    /// The files it reads (boundary, positions) and the SHA-256 of each.
    pub inputs: Vec<(String, String)>,
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

impl Scenario {
    /// Total number of sensors.
    pub fn sensor_count(&self) -> u64 {
        self.sensors.iter().map(|c| u64::from(c.count)).sum()
    }

    /// Readings the run is expected to generate, warm-up included: each class's count
    /// times its long-run reading rate times the duration.
    pub fn expected_readings(&self) -> f64 {
        let secs = self.simulation.duration_ns as f64 / 1e9;
        self.sensors
            .iter()
            .map(|c| f64::from(c.count) * c.traffic.mean_rate_per_s().max(0.0) * secs)
            .sum()
    }
}

pub(crate) fn names_index(names: &[String], wanted: &str) -> Option<usize> {
    names.iter().position(|n| n == wanted)
}

pub(crate) fn check_unique(cx: &mut Cx, what: &str, items: &[(String, String, Origin)]) {
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
    let mut top = Tbl::open(cx, root, "", "top")?;
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
    let (city, boundary_districts) = read_city(cx, top.get("city"), stretch(&simulation));
    let targets = read_targets(cx, top.get("targets"));
    let access = read_access_list(cx, &mut top);
    let access_names: Vec<String> = access.iter().map(|a| a.name.clone()).collect();
    let scale = simulation.as_ref().map_or(1.0, |s| s.scale);
    let districts = read_districts(cx, &mut top, &city, boundary_districts);
    let place = (&city, districts.as_slice(), scale);
    let infra = read_infrastructure(cx, &mut top, place, &access);
    let (sensors, sensor_nodes) =
        read_sensor_classes(cx, &mut top, place, &access_names, &access, &infra);
    if let Some(sim) = &simulation {
        check_reading_counts(cx, &sensors, &sensor_nodes, (sim.duration_ns, &city));
    }
    check_classes(cx, &sensors, &sensor_nodes, &access, &infra.gateways);
    let links = read_links(cx, &mut top, &infra);
    let class_names: Vec<String> = sensors.iter().map(|c| c.name.clone()).collect();
    let disruptions = (&city, districts.as_slice(), class_names.as_slice());
    let (incidents, faults) = read_disruptions(
        cx,
        &mut top,
        disruptions,
        &infra,
        &links,
        simulation.as_ref(),
    );
    let Infrastructure {
        nodes,
        gateways,
        relays,
        node_list,
        gw_list,
    } = infra;
    check_sinks(
        cx,
        &top,
        (&gateways, &nodes, &links),
        (&gw_list, &node_list),
    );
    top.finish(cx);
    Some(Scenario {
        name: name?,
        description,
        source: cx.src.name.clone(),
        resolved,
        inputs: std::mem::take(&mut cx.inputs),
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

/// The `[[access]]` networks (one direct network when there are none).
fn read_access_list(cx: &mut Cx, top: &mut Tbl) -> Vec<Access> {
    // Access networks.
    let mut access = Vec::new();
    let access_nodes = tables(cx, top, "access");
    let mut uniq = Vec::new();
    for (key, node) in &access_nodes {
        match read_access(cx, node, key) {
            Some((a, origin)) => {
                uniq.push((a.name.clone(), format!("{key}.name"), origin));
                access.push(a);
            }
            None => cx.broke("access", node, defaults::ACCESS_NAME),
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
            tech: Technology::Direct,
        });
    }
    access
}

/// How long each access network takes to send a reading, for the reading-rate checks.
fn tx_times(access: &[Access]) -> Vec<TxTime> {
    access
        .iter()
        .map(|a| match (&a.tech, a.bandwidth_bps) {
            (Technology::Lora(_), _) => TxTime::Radio,
            (Technology::Mesh(m), _) => TxTime::Frames {
                tx_a: m.tx_a,
                rx_a: m.rx_a,
            },
            (Technology::Cellular(c), _) if c.radio.is_some() => TxTime::Cell,
            (Technology::Cellular(c), _) => TxTime::Rate {
                bps: c.rate_bps,
                extra_s: c.wake_up_ns as f64 * 1e-9,
            },
            (Technology::Direct, Some(bps)) => TxTime::Rate { bps, extra_s: 0.0 },
            (Technology::Direct, None) => TxTime::Unknown,
        })
        .collect()
}

/// What `simulation.scale_area` grows the city's sides by: the square root of the
/// scale, or 1.
fn stretch(simulation: &Option<Simulation>) -> f64 {
    simulation
        .as_ref()
        .filter(|s| s.scale_area)
        .map_or(1.0, |s| s.scale.sqrt())
}

/// The `[[districts]]`.
fn read_districts(
    cx: &mut Cx,
    top: &mut Tbl,
    city: &City,
    from_boundary: Vec<District>,
) -> Vec<District> {
    let mut uniq_d: Vec<_> = from_boundary
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                "city.boundary".to_string(),
                top.origin_of("city.boundary"),
            )
        })
        .collect();
    let mut districts = from_boundary;
    for (key, node) in &tables(cx, top, "districts") {
        let Some(mut t) = Tbl::open(cx, node, key, "districts") else {
            continue;
        };
        let name_node = t.req(cx, "name", "a district name such as \"binhu\"");
        let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
        let region = t
            .req(cx, "region", "a region such as { kind = \"rectangle\", x0 = \"0m\", y0 = \"0m\", x1 = \"2km\", y1 = \"2km\" }")
            .and_then(|n| read_region(cx, n, &t.key("region"), city));
        t.finish(cx);
        if let (Some(name), Some(region), Some(n)) = (name, region, name_node) {
            uniq_d.push((name.clone(), format!("{key}.name"), n.origin.clone()));
            districts.push(District { name, region });
        } else {
            cx.broke("districts", node, "");
        }
    }
    check_unique(cx, "district", &uniq_d);

    districts
}

/// Where things are placed: the city, its districts and the count scale.
type PlaceCx<'a> = (&'a City, &'a [District], f64);

/// Nodes, gateway groups and relay groups, with the entries they were read from.
struct Infrastructure<'a> {
    nodes: Vec<NodeCfg>,
    gateways: Vec<GatewayGroup>,
    relays: Vec<RelayGroup>,
    node_list: Vec<(String, &'a Node)>,
    gw_list: Vec<(String, &'a Node)>,
}

/// The `[[nodes]]` (one sink when there are none), gateway groups (one when there are
/// none) and relay groups; their names are unique together.
fn read_infrastructure<'a>(
    cx: &mut Cx,
    top: &mut Tbl<'a>,
    (city, districts, scale): PlaceCx,
    access: &[Access],
) -> Infrastructure<'a> {
    let access_names: Vec<String> = access.iter().map(|a| a.name.clone()).collect();
    // Nodes.
    let mut nodes = Vec::new();
    let node_list = tables(cx, top, "nodes");
    let mut uniq = Vec::new();
    for (key, node) in &node_list {
        match read_node(cx, node, key) {
            Some((n, origin)) => {
                uniq.push((n.name.clone(), format!("{key}.name"), origin));
                nodes.push(n);
            }
            None => cx.broke("nodes", node, defaults::SINK_NAME),
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
    let gw_list = tables(cx, top, "gateways");
    for (key, node) in &gw_list {
        match read_gateways(cx, node, key, (city, districts, scale), &access_names) {
            Some((g, origin)) => {
                uniq.push((g.name.clone(), format!("{key}.name"), origin));
                gateways.push(g);
            }
            None => cx.broke("gateways", node, defaults::GATEWAY_NAME),
        }
    }
    let mut relays = Vec::new();
    let relay_list = tables(cx, top, "relays");
    for (key, node) in &relay_list {
        match read_relays(cx, node, key, (city, districts, scale), access) {
            Some((r, origin)) => {
                uniq.push((r.name.clone(), format!("{key}.name"), origin));
                relays.push(r);
            }
            None => cx.broke("relays", node, ""),
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
    Infrastructure {
        nodes,
        gateways,
        relays,
        node_list,
        gw_list,
    }
}

/// The `[[sensors]]` classes, with the entries they were read from.
fn read_sensor_classes<'a>(
    cx: &mut Cx,
    top: &mut Tbl<'a>,
    (city, districts, scale): PlaceCx,
    access_names: &[String],
    access: &[Access],
    infra: &Infrastructure,
) -> (Vec<SensorClass>, Vec<(String, &'a Node)>) {
    let access_bandwidth = tx_times(access);
    let total_gateways: u64 = infra.gateways.iter().map(|g| u64::from(g.count)).sum();
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
    if let (Some(n), true) = (top.again("sensors"), sensor_nodes.is_empty()) {
        cx.err(
            &n.origin,
            "sensors",
            "an empty list of sensor classes; a scenario needs at least one [[sensors]] class",
        );
    }
    let mut uniq = Vec::new();
    for (key, node) in &sensor_nodes {
        if let Some((s, origin)) = read_sensors(
            cx,
            node,
            key,
            (city, districts, scale),
            access_names,
            &access_bandwidth,
            total_gateways,
        ) {
            uniq.push((s.name.clone(), format!("{key}.name"), origin));
            sensors.push(s);
        } else {
            cx.broke("sensors", node, "");
        }
    }
    check_unique(cx, "sensor class", &uniq);
    (sensors, sensor_nodes)
}

/// What a class needs of the rest of the file: a gateway serving its access, valid
/// explicit gateways, and mesh frames that fit.
fn check_classes(
    cx: &mut Cx,
    sensors: &[SensorClass],
    sensor_nodes: &[(String, &Node)],
    access: &[Access],
    gateways: &[GatewayGroup],
) {
    let access_names: Vec<String> = access.iter().map(|a| a.name.clone()).collect();
    for (s, (key, node)) in sensors.iter().zip(sensor_nodes) {
        let served = gateways.iter().any(|g| g.access.contains(&s.access));
        if !served && !cx.any_broken("gateways") {
            cx.err(
                &node.origin,
                &format!("{key}.access"),
                format!(
                    "sensor class \"{}\" uses access network \"{}\" but no gateway group serves it (add it to a gateway group's `access` list)",
                    s.name, access_names[s.access]
                ),
            );
        }
        check_explicit_attach(cx, s, key, node, gateways, &access_names);
        if let Some(l) = access[s.access].lora() {
            check_lora_payload(cx, s, key, node, l);
        }
        if let Some(m) = access[s.access].mesh() {
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
}

/// A LoRa class's payload must fit every data rate it may send at: its fixed SFs', or
/// for `"auto"` at least one of the region's.
fn check_lora_payload(cx: &mut Cx, s: &SensorClass, key: &str, node: &Node, l: &LoraCfg) {
    let (fixed, auto) = s.lora_sfs(l);
    let (region, bw) = (l.region, l.bw_hz);
    let rate = |sf: u8| format!("SF{sf}/{}kHz", bw / 1e3);
    let at = |k: &str| super::tree::get(node, k).unwrap_or(node).origin.clone();
    for sf in fixed {
        let Some(dr) = region.uplink_dr(sf, bw) else {
            let what = format!(
                "{} is not an uplink data rate in {} (lora.region)",
                rate(sf),
                region.name()
            );
            cx.err(&at("sf"), &format!("{key}.sf"), what);
            continue;
        };
        let max = region.max_payload(dr);
        if s.payload_bytes > max {
            let what = format!(
                "sensor class \"{}\" sends {}B, over the {max}B that {} DR{dr} ({}) carries; use a smaller payload or a faster data rate",
                s.name,
                s.payload_bytes,
                region.name(),
                rate(sf)
            );
            cx.err(&at("payload"), &format!("{key}.payload"), what);
        }
    }
    if s.payload_bytes.saturating_add(l.mac_overhead) > LoraCfg::MAX_PHY {
        let what = format!(
            "sensor class \"{}\" sends {}B, and with the {}B LoRaWAN overhead (lora.mac_overhead) a LoRa frame carries at most {}B",
            s.name,
            s.payload_bytes,
            l.mac_overhead,
            LoraCfg::MAX_PHY
        );
        cx.err(&at("payload"), &format!("{key}.payload"), what);
        return;
    }
    let best = region
        .uplink_rates()
        .iter()
        .enumerate()
        .filter(|(_, r)| (r.1 - bw).abs() < 1.0)
        .map(|(dr, _)| region.max_payload(dr))
        .max()
        .unwrap_or(0);
    if auto && s.payload_bytes > best {
        let what = format!(
            "sensor class \"{}\" sends {}B, over the {best}B that any {} data rate at {}kHz carries",
            s.name,
            s.payload_bytes,
            region.name(),
            bw / 1e3
        );
        cx.err(&at("payload"), &format!("{key}.payload"), what);
    }
}

/// The `[[links]]` (each gateway group straight to the first sink when there are none).
fn read_links(cx: &mut Cx, top: &mut Tbl, infra: &Infrastructure) -> Vec<LinkCfg> {
    let (nodes, gateways) = (&infra.nodes, &infra.gateways);
    // Links and routes.
    let node_names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
    let group_names: Vec<String> = gateways.iter().map(|g| g.name.clone()).collect();
    let mut links = Vec::new();
    let link_list = tables(cx, top, "links");
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
    links
}

/// The `[[incidents]]` and `[[faults]]`.
fn read_disruptions(
    cx: &mut Cx,
    top: &mut Tbl,
    (city, districts, class_names): (&City, &[District], &[String]),
    infra: &Infrastructure,
    links: &[LinkCfg],
    simulation: Option<&Simulation>,
) -> (Vec<IncidentCfg>, Vec<FaultCfg>) {
    let (gateways, nodes, relays) = (&infra.gateways, &infra.nodes, &infra.relays);
    let incident_list = tables(cx, top, "incidents");
    let mut incidents = Vec::new();
    for (key, node) in &incident_list {
        if let Some(i) = read_incident(cx, node, key, (city, districts), class_names, simulation) {
            incidents.push(i);
        }
    }
    let fault_list = tables(cx, top, "faults");
    let mut faults = Vec::new();
    for (key, node) in &fault_list {
        if let Some(f) = read_fault(
            cx,
            node,
            key,
            (gateways, nodes, links, class_names, relays),
            simulation,
        ) {
            faults.push(f);
        }
    }
    (incidents, faults)
}

/// Readings of one sensor are numbered with 32 bits: at most about 4 billion per run.
pub(crate) fn check_reading_counts(
    cx: &mut Cx,
    sensors: &[SensorClass],
    nodes: &[(String, &Node)],
    (duration_ns, city): (u64, &City),
) {
    for (s, (key, node)) in sensors.iter().zip(nodes) {
        let interval = match s.traffic {
            Traffic::Periodic { interval_ns, .. }
            | Traffic::Poisson { interval_ns }
            | Traffic::Bursty { interval_ns, .. } => interval_ns,
        };
        if duration_ns / interval >= u64::from(u32::MAX) / 2 {
            let at = tree::get_path(node, "traffic.interval").unwrap_or(node);
            cx.err(
                &at.origin,
                &format!("{key}.traffic.interval"),
                "expected fewer than 2 billion readings per sensor over the simulated duration (a longer interval or a shorter duration)",
            );
        }
        if let Some(m) = &s.mobility {
            let at = tree::get_path(node, "mobility").unwrap_or(node);
            let legs = f64::from(s.count) * duration_ns as f64 / shortest_leg_ns(m, city);
            if legs > MAX_LEGS {
                cx.err(
                    &at.origin,
                    &format!("{key}.mobility"),
                    format!(
                        "its sensors would change course about {legs:.1e} times over the run \
                         (legs of {} at {:.0} km/h with a pause of {}); expected at most \
                         {MAX_LEGS:.0e}: a lower speed, a longer pause, or waypoints farther apart",
                        crate::units::format_duration(shortest_leg_ns(m, city) as u64),
                        m.speed_mps * 3.6,
                        crate::units::format_duration(m.pause_ns),
                    ),
                );
            }
        }
    }
}

/// The most course changes of mobile sensors a run may make in all (each costs the
/// sensor's next reading a step through its route).
const MAX_LEGS: f64 = 1e9;

/// A mobile sensor's shortest leg plus its pause, ns (at least 1): over a route, its
/// shortest hop between consecutive waypoints; between random waypoints, the mean
/// distance of two random points of the city (0.52 of a square's side).
fn shortest_leg_ns(m: &crate::scenario::Mobility, city: &City) -> f64 {
    let dist = match &m.route {
        Some(r) => (0..r.len())
            .map(|i| {
                let (a, b) = (r[i], r[(i + 1) % r.len()]);
                ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt()
            })
            .fold(f64::INFINITY, f64::min),
        None => (0.52 * (city.width_m * city.height_m).sqrt())
            .max(city.width_m.max(city.height_m) / 3.0),
    };
    (dist / m.speed_mps * 1e9 + m.pause_ns as f64).max(1.0)
}

pub(crate) fn sanitize(name: &str) -> String {
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

/// The entries of a list of tables, with their keys.
type Entries<'a> = [(String, &'a Node)];

/// Some node is a sink and, when nothing else is wrong, every gateway and node reaches
/// one.
fn check_sinks(
    cx: &mut Cx,
    top: &Tbl,
    (gateways, nodes, links): (&[GatewayGroup], &[NodeCfg], &[LinkCfg]),
    (gw_list, node_list): (&Entries, &Entries),
) {
    if !nodes.iter().any(|n| n.sink) {
        let origin = top.origin.clone();
        cx.err(
            &origin,
            "nodes",
            "no node has `sink = true`; readings would have nowhere to go",
        );
    } else if cx.diags.is_empty() {
        check_routes(cx, gateways, nodes, links, gw_list, node_list, top);
    }
}

/// The keys of `districts` tables, for the key reference.
pub(crate) const DISTRICTS_KEYS: &[Key] = &[
    Key::of(
        "name",
        "what placements, incidents and outputs call the district",
    ),
    Key::of("region", "the district's area (see `region`)"),
];

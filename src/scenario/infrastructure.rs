//! Gateways, relays, nodes and links: the infrastructure behind the access networks.

use super::diag::Origin;
use super::read::{self, Bitrate, Capacity, Cx, Dist, Flag, Int, Probability, Tbl};
use super::reference::Key;
use super::tree::{Node, Val};
use super::*;
use serde::Serialize;

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

/// A `[[relays]]` entry: mesh routers that forward readings hop by hop to the border
/// gateways of a mesh access network, mains-powered unless given a battery.
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
    /// Each relay's battery, C (None: mains-powered).
    pub battery_c: Option<f64>,
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

/// Servers, service time and queue, shared by gateway groups and nodes.
pub(crate) fn read_service(
    cx: &mut Cx,
    t: &mut Tbl,
) -> Option<(u32, Option<DistCfg>, Option<u32>)> {
    let servers = t.val::<Int<1, 1_000_000>>(cx, "servers").map(|v| v as u32);
    let service = t.opt::<Dist>(cx, "service_time");
    let queue = t.val::<Capacity>(cx, "queue");
    Some((servers?, service?, queue?))
}

pub(crate) fn read_node(cx: &mut Cx, node: &Node, key: &str) -> Option<(NodeCfg, Origin)> {
    let mut t = Tbl::open(cx, node, key, "nodes")?;
    let name_node = t.req(cx, "name", "a name such as \"cloud\"");
    let name = name_node.and_then(|n| read::name(cx, n, &t.key("name")));
    let sink = t.val::<Flag>(cx, "sink");
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

pub(crate) fn access_list(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    names: &[String],
) -> Option<Vec<usize>> {
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
            None if cx.is_broken("access", &s) => return None,
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
pub(crate) fn count_placement(
    cx: &mut Cx,
    t: &mut Tbl,
    (city, districts, scale): (&City, &[District], f64),
    (what, member_of): (&str, Option<&str>),
) -> (Option<u32>, Option<Placement>, Option<Option<District>>) {
    let placement = match t.get("placement") {
        Some(n) => placement(cx, n, &t.key("placement"), city, member_of),
        None => Some(Placement::Uniform),
    };
    let area = match t.get("district") {
        None => Some(None),
        Some(n) => {
            let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
            let wanted = match &n.val {
                Val::Str(s) => s.as_str(),
                _ => "",
            };
            if cx.is_broken("districts", wanted) || (names.is_empty() && cx.any_broken("districts"))
            {
                None
            } else if names.is_empty() {
                cx.err(
                    &n.origin,
                    &t.key("district"),
                    "no [[districts]] are defined; add one or remove `district`",
                );
                None
            } else if placement.as_ref().is_some_and(|p| p.given().is_some()) {
                cx.err(
                    &n.origin,
                    &t.key("district"),
                    "positions given explicitly or in a file already say where they are; remove `district`",
                );
                None
            } else {
                read::choice(cx, n, &t.key("district"), &names)
                    .and_then(|c| districts.iter().find(|d| d.name == c).cloned())
                    .map(Some)
            }
        }
    };
    let count = read_count(cx, t, placement.as_ref(), scale, what);
    if count.is_none() && t.has_key("count") {
        return (None, None, None);
    }
    (count, placement, area)
}

/// `count`: the number written (times `scale` for placements by rule), or the number of
/// positions given; both must agree.
fn read_count(
    cx: &mut Cx,
    t: &mut Tbl,
    placement: Option<&Placement>,
    scale: f64,
    what: &str,
) -> Option<u32> {
    let scaled = |c: i64| -> u32 {
        if placement.is_some_and(|p| p.given().is_some()) {
            c as u32
        } else {
            ((c as f64 * scale).round() as i64).clamp(1, 100_000_000) as u32
        }
    };
    let count = match t.get("count") {
        Some(n) => read::int(cx, n, &t.key("count"), 1, 100_000_000).map(scaled),
        None => match placement {
            Some(p) if p.given().is_some_and(|g| !g.is_empty()) => {
                p.given().map(|g| g.len() as u32)
            }
            // A placement that could not be read was reported; its count is not asked.
            None => None,
            _ => {
                let origin = t.origin_of("count");
                cx.err(
                    &origin,
                    &t.key("count"),
                    format!("missing key; expected the number of {what} (a positive integer)"),
                );
                None
            }
        },
    };
    if let (Some(c), Some(p)) = (count, placement.and_then(|p| p.given())) {
        if p.len() != c as usize {
            let at = match placement {
                Some(Placement::File { .. }) => "placement.path",
                _ => "placement.positions",
            };
            let origin = t.origin_of(at);
            cx.err(
                &origin,
                &t.key(at),
                format!("expected {c} positions (one per {what}), found {}", p.len()),
            );
            return None;
        }
    }
    count
}

pub(crate) fn read_gateways(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access_names: &[String],
) -> Option<(GatewayGroup, Origin)> {
    let mut t = Tbl::open(cx, node, key, "gateways")?;
    let name_node = t.get("name");
    let name = match name_node {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(defaults::GATEWAY_NAME.to_string()),
    };
    let (count, placement, area) = count_placement(
        cx,
        &mut t,
        (city, districts, scale),
        ("gateways", name.as_deref()),
    );
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

pub(crate) fn read_relays(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (city, districts, scale): (&City, &[District], f64),
    access: &[Access],
) -> Option<(RelayGroup, Origin)> {
    let mut t = Tbl::open(cx, node, key, "relays")?;
    let name_node = t.get("name");
    let name = match name_node {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some("relay".to_string()),
    };
    let (count, placement, area) = count_placement(
        cx,
        &mut t,
        (city, districts, scale),
        ("relays", name.as_deref()),
    );
    let meshes: Vec<usize> = (0..access.len())
        .filter(|&a| access[a].mesh().is_some())
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
            let origin = t.origin_of("access");
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
    let battery = t.opt::<super::behaviour::Charge>(cx, "battery");
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
            battery_c: battery?,
        },
        origin,
    ))
}

pub(crate) fn read_link(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    groups: &[String],
    nodes: &[String],
) -> Option<LinkCfg> {
    let mut t = Tbl::open(cx, node, key, "links")?;
    let name = match t.get("name") {
        Some(n) => read::name(cx, n, &t.key("name")),
        None => Some(key.replace('.', "-")),
    };
    let from = t
        .req(cx, "from", "a gateway group or node name")
        .and_then(|n| link_from(cx, n, &t.key("from"), groups, nodes));
    let to = t
        .req(cx, "to", "a node name")
        .and_then(|n| link_to(cx, n, &t.key("to"), nodes));
    let latency = t.val::<Dist>(cx, "latency");
    let bandwidth = t.opt::<Bitrate>(cx, "bandwidth");
    let loss = t.val::<Probability>(cx, "loss");
    let queue = t.val::<Capacity>(cx, "queue");
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
        bandwidth_bps: bandwidth?,
        loss: loss?,
        queue: queue?,
    })
}

/// Where a link starts: a gateway group (one link per gateway) or a node.
fn link_from(
    cx: &mut Cx,
    n: &Node,
    key: &str,
    groups: &[String],
    nodes: &[String],
) -> Option<Endpoint> {
    let s = read::string(cx, n, key)?;
    if let Some(g) = names_index(groups, &s) {
        Some(Endpoint::Gateways(g))
    } else if let Some(i) = names_index(nodes, &s) {
        Some(Endpoint::Node(i))
    } else if cx.is_broken("gateways", &s) || cx.is_broken("nodes", &s) {
        None
    } else {
        let mut all: Vec<String> = groups.to_vec();
        all.extend(nodes.iter().cloned());
        cx.err(
            &n.origin,
            key,
            format!(
                "no gateway group or node named \"{s}\" (defined: {})",
                all.join(", ")
            ),
        );
        None
    }
}

/// Where a link leads: a node.
fn link_to(cx: &mut Cx, n: &Node, key: &str, nodes: &[String]) -> Option<usize> {
    let s = read::string(cx, n, key)?;
    let found = names_index(nodes, &s);
    if found.is_none() {
        cx.err(
            &n.origin,
            key,
            format!("no node named \"{s}\" (nodes: {})", nodes.join(", ")),
        );
    }
    found
}

/// Every gateway group and every non-sink node must reach a sink over the links.
pub(crate) fn check_routes(
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

/// The keys of `service` tables, for the key reference.
pub(crate) const SERVICE_KEYS: &[Key] = &[
    Key::of("servers", "readings served at once"),
    Key::opt(
        "service_time",
        "no processing delay",
        "the time to process one reading",
    ),
    Key::of(
        "queue",
        "readings waiting for a server (not counting those in service)",
    ),
];

/// The keys of `nodes` tables, for the key reference.
pub(crate) const NODES_KEYS: &[Key] = &[
    Key::of("name", "what links name this node by"),
    Key::of(
        "sink",
        "whether readings end here (delivered); a node that is not a sink forwards over its link",
    ),
];

/// The keys of `placed` tables, for the key reference.
pub(crate) const PLACED_KEYS: &[Key] = &[
    Key::any(
        "placement",
        "a table (see `placement`)",
        "uniform over the area",
        "where the group's members stand",
    ),
    Key::any(
        "district",
        "a district's name",
        "the whole city",
        "the district to place the group in",
    ),
    Key::any(
        "count",
        "integer, 1 to 100000000",
        "required (or the number of explicit positions)",
        "how many; multiplied by `simulation.scale` unless placed at explicit positions",
    ),
];

/// The keys of `gateways` tables, for the key reference.
pub(crate) const GATEWAYS_KEYS: &[Key] = &[
    Key::any(
        "name",
        "a name such as \"gw\"",
        "\"gw\"",
        "the group's name; its gateways are named gw-0, gw-1, ...",
    ),
    Key::any(
        "access",
        "an access network's name, or a list of them",
        "every access network",
        "the access networks the group's gateways serve",
    ),
];

/// The keys of `relays` tables, for the key reference.
pub(crate) const RELAYS_KEYS: &[Key] = &[
    Key::any(
        "name",
        "a name such as \"router\"",
        "\"relay\"",
        "the group's name; its relays are named router-0, router-1, ...",
    ),
    Key::any(
        "access",
        "a mesh access network's name",
        "the only mesh",
        "the mesh the relays route for (needed when there are several)",
    ),
    Key::any(
        "battery",
        "charge (`\"19000mAh\"`)",
        "none: mains-powered",
        "each relay's battery; relays.csv then gives how long it lasts (a router's receiver is on whenever it is up)",
    ),
];

/// The keys of `links` tables, for the key reference.
pub(crate) const LINKS_KEYS: &[Key] = &[
    Key::any(
        "name",
        "a name such as \"backhaul\"",
        "the entry's position (`links-0`)",
        "the link's name in outputs and faults",
    ),
    Key::of("from", "where readings enter the link"),
    Key::of("to", "the node readings leave the link at"),
    Key::of("latency", "the delay a reading spends on the link"),
    Key::opt(
        "bandwidth",
        "unlimited",
        "the link's rate: each reading occupies it for its size over this rate",
    ),
    Key::of("loss", "the share of readings the link loses"),
    Key::of("queue", "readings waiting for the link while it is busy"),
];

//! The keys at the top of a scenario file, each with what it holds (for the key
//! reference), and the lists of tables (`[[sensors]]`) most of them hold.

use super::read::{Cx, Tbl};
use super::reference::Key;
use super::tree::{self, Node, Val};

/// Every key at the top of a scenario file, for the key reference.
pub(crate) const TOP_KEYS: &[Key] = &[
    Key::any(
        "name",
        "a name of letters, digits, `-` and `_`",
        "the file's name",
        "the scenario's name in outputs and reports",
    ),
    Key::any(
        "sweep",
        "a table (see `sweep`)",
        "no sweep",
        "the points `citysim sweep` runs",
    ),
    Key::any(
        "tune",
        "a table (see `tune`)",
        "no tuning",
        "the search `citysim tune` runs",
    ),
    Key::any(
        "description",
        "text",
        "none",
        "what the scenario is for, shown at the top of its reports",
    ),
    Key::any(
        "simulation",
        "a table (see `simulation`)",
        "every default",
        "how long to simulate, the seed and the scale",
    ),
    Key::any(
        "city",
        "a table (see `city`)",
        "1 km x 1 km",
        "the city's extent",
    ),
    Key::any(
        "targets",
        "a table (see `targets`)",
        "no targets",
        "what the network must achieve; reports judge every run against it",
    ),
    Key::any(
        "access",
        "tables (`[[access]]`, see `access`)",
        "one direct network",
        "the access networks sensors send over",
    ),
    Key::any(
        "districts",
        "tables (`[[districts]]`, see `districts`)",
        "no districts",
        "named areas to place things in and report by",
    ),
    Key::any(
        "nodes",
        "tables (`[[nodes]]`, see `nodes`)",
        "one sink named \"cloud\"",
        "the backbone's nodes: edge servers, the core, the cloud",
    ),
    Key::any(
        "gateways",
        "a table or tables (`[[gateways]]`, see `gateways`)",
        "one gateway",
        "the gateway groups",
    ),
    Key::any(
        "relays",
        "tables (`[[relays]]`, see `relays`)",
        "no relays",
        "mesh routers",
    ),
    Key::any(
        "sensors",
        "tables (`[[sensors]]`, see `sensors`)",
        "required",
        "the sensor classes",
    ),
    Key::any(
        "links",
        "tables (`[[links]]`, see `links`)",
        "each gateway group straight to the sink",
        "the backbone's links between gateways and nodes",
    ),
    Key::any(
        "incidents",
        "tables (`[[incidents]]`, see `incidents`)",
        "none",
        "floods, alarms and other surges of readings",
    ),
    Key::any(
        "faults",
        "tables (`[[faults]]`, see `faults`)",
        "none",
        "outages of gateways, nodes, links, relays and sensors",
    ),
];

/// The entries of top-level `key`: a table or a list of tables (none when absent).
pub(crate) fn tables<'a>(
    cx: &mut Cx,
    top: &mut Tbl<'a>,
    key: &'static str,
) -> Vec<(String, &'a Node)> {
    let node = top.get(key);
    list_of_tables(cx, node, key)
}

/// A table or a list of tables, each with its dotted key: `sensors.air_quality` (by its
/// `name`) or `sensors.0`.
pub(crate) fn list_of_tables<'a>(
    cx: &mut Cx,
    node: Option<&'a Node>,
    key: &str,
) -> Vec<(String, &'a Node)> {
    let Some(node) = node else { return Vec::new() };
    match &node.val {
        Val::Array(items) => {
            // Named by `name`, as `--set` names them, where the name is one unique
            // segment; by index otherwise.
            let names: Vec<Option<&str>> = items
                .iter()
                .map(|n| match tree::get(n, "name").map(|v| &v.val) {
                    Some(Val::Str(s)) if !s.is_empty() && !s.contains(['.', ' ', '=']) => {
                        Some(s.as_str())
                    }
                    _ => None,
                })
                .collect();
            let unique = |m: &str| names.iter().filter(|o| **o == Some(m)).count() == 1;
            items
                .iter()
                .zip(&names)
                .enumerate()
                .map(|(i, (n, name))| match name {
                    Some(m) if unique(m) && m.parse::<usize>().is_err() => {
                        (format!("{key}.{m}"), n)
                    }
                    _ => (format!("{key}.{i}"), n),
                })
                .collect()
        }
        Val::Table(_) => vec![(key.to_string(), node)],
        _ => {
            cx.expected(node, key, &format!("a table [{key}] or tables [[{key}]]"));
            Vec::new()
        }
    }
}

//! A small spanned TOML tree: what the file said, where it said it, and the `--set`
//! overrides applied on top. The typed scenario is read from this tree, so every value
//! keeps its origin for error messages.

use super::diag::Origin;
use std::fmt::Write;
use toml_edit::{ImDocument, Item, Value};

/// A value with its origin.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub val: Val,
    /// Where it came from.
    pub origin: Origin,
}

/// One key of a table.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is written.
    pub key_origin: Origin,
    /// Its value.
    pub node: Node,
}

/// A TOML value.
#[derive(Debug, Clone)]
pub enum Val {
    /// A table (header, inline or implicit), keys in file order.
    Table(Vec<Entry>),
    /// An array (inline or of tables).
    Array(Vec<Node>),
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A date-time, kept as text (no scenario key takes one).
    Datetime(String),
}

impl Val {
    /// A short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Table(_) => "a table",
            Val::Array(_) => "an array",
            Val::Str(_) => "a string",
            Val::Int(_) => "an integer",
            Val::Float(_) => "a float",
            Val::Bool(_) => "a boolean",
            Val::Datetime(_) => "a date-time",
        }
    }
}

fn origin_of(span: Option<std::ops::Range<usize>>, parent: &Origin) -> Origin {
    match span {
        Some(r) => Origin::File(r),
        None => parent.clone(),
    }
}

/// Converts a parsed document into a tree.
pub fn from_document(doc: &ImDocument<String>) -> Node {
    let root = Origin::File(0..0);
    convert_item(doc.as_item(), &root)
}

fn convert_item(item: &Item, parent: &Origin) -> Node {
    match item {
        Item::None => Node {
            val: Val::Table(Vec::new()),
            origin: parent.clone(),
        },
        Item::Value(v) => convert_value(v, parent),
        Item::Table(t) => {
            let origin = origin_of(t.span(), parent);
            let entries = t
                .iter()
                .map(|(k, item)| {
                    let key_origin = origin_of(t.key(k).and_then(|k| k.span()), &origin);
                    let node = convert_item(item, &key_origin);
                    Entry {
                        key: k.to_string(),
                        key_origin,
                        node,
                    }
                })
                .collect();
            Node {
                val: Val::Table(entries),
                origin,
            }
        }
        Item::ArrayOfTables(a) => {
            let origin = origin_of(a.span(), parent);
            let items = a
                .iter()
                .map(|t| convert_item(&Item::Table(t.clone()), &origin))
                .collect();
            Node {
                val: Val::Array(items),
                origin,
            }
        }
    }
}

fn convert_value(v: &Value, parent: &Origin) -> Node {
    let origin = origin_of(v.span(), parent);
    let val = match v {
        Value::String(s) => Val::Str(s.value().clone()),
        Value::Integer(i) => Val::Int(*i.value()),
        Value::Float(f) => Val::Float(*f.value()),
        Value::Boolean(b) => Val::Bool(*b.value()),
        Value::Datetime(d) => Val::Datetime(d.value().to_string()),
        Value::Array(a) => Val::Array(a.iter().map(|v| convert_value(v, &origin)).collect()),
        Value::InlineTable(t) => Val::Table(
            t.iter()
                .map(|(k, v)| {
                    let key_origin = origin_of(t.key(k).and_then(|k| k.span()), &origin);
                    Entry {
                        key: k.to_string(),
                        node: convert_value(v, &key_origin),
                        key_origin,
                    }
                })
                .collect(),
        ),
    };
    Node { val, origin }
}

/// Parses the value half of `--set key=value`: a TOML value when it is one (`500`,
/// `true`, `[1, 2]`, `{ kind = "grid" }`), otherwise the text as a string (`2min`).
pub fn parse_override_value(text: &str, origin: &Origin) -> Node {
    let text = text.trim();
    let parsed = format!("v = {text}")
        .parse::<ImDocument<String>>()
        .ok()
        .and_then(|doc| doc.as_table().get("v").and_then(|i| i.as_value().cloned()));
    match parsed {
        Some(v) => {
            let mut node = convert_value(&v, origin);
            set_origin(&mut node, origin);
            node
        }
        None => Node {
            val: Val::Str(text.to_string()),
            origin: origin.clone(),
        },
    }
}

fn set_origin(node: &mut Node, origin: &Origin) {
    node.origin = origin.clone();
    match &mut node.val {
        Val::Table(entries) => entries.iter_mut().for_each(|e| {
            e.key_origin = origin.clone();
            set_origin(&mut e.node, origin);
        }),
        Val::Array(items) => items.iter_mut().for_each(|n| set_origin(n, origin)),
        _ => {}
    }
}

/// The position of key `seg` in `entries`, added (a table on the way, or the value
/// itself at the `last` segment) when it is not there.
fn entry_for(entries: &mut Vec<Entry>, seg: &str, last: bool, value: &Node) -> usize {
    if let Some(p) = entries.iter().position(|e| e.key == seg) {
        return p;
    }
    let fresh = if last {
        value.clone()
    } else {
        Node {
            val: Val::Table(Vec::new()),
            origin: value.origin.clone(),
        }
    };
    entries.push(Entry {
        key: seg.to_string(),
        key_origin: value.origin.clone(),
        node: fresh,
    });
    entries.len() - 1
}

/// The error for an array (at `here`) with no entry named or numbered `seg`.
fn no_entry(here: &str, seg: &str, items: &[Node]) -> String {
    let names: Vec<&str> = items.iter().filter_map(name_of).collect();
    format!(
        "{here} has no entry named `{seg}` (names: {}; or use an index 0..{})",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        },
        items.len()
    )
}

/// The most segments a `--set` key path may have (the deepest scenario key has five).
pub const MAX_PATH_SEGMENTS: usize = 32;

/// The longest `--set` key path, in bytes.
pub const MAX_PATH_LEN: usize = 1024;

/// Sets `path` (dotted; array elements by index or by their `name`) to `value`.
/// A single-element array may be skipped over (`gateways.count` when `[[gateways]]` has
/// one entry). Missing tables are created; what the schema makes of a new key is for the
/// validator to say.
pub fn set_path(root: &mut Node, path: &str, value: Node) -> Result<(), String> {
    if path.len() > MAX_PATH_LEN || path.split('.').nth(MAX_PATH_SEGMENTS).is_some() {
        return Err(format!(
            "a key path of {} characters; no scenario key is deeper than {MAX_PATH_SEGMENTS} \
             segments or longer than {MAX_PATH_LEN} characters",
            path.chars().count()
        ));
    }
    let segments: Vec<&str> = path.split('.').map(str::trim).collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(format!(
            "`{path}` is not a dotted key path such as `gateways.count`"
        ));
    }
    let mut node = root;
    let mut done = Vec::new();
    let mut i = 0;
    while i < segments.len() {
        let seg = segments[i];
        let last = i + 1 == segments.len();
        let here = || {
            if done.is_empty() {
                "the scenario".to_string()
            } else {
                format!("`{}`", done.join("."))
            }
        };
        match &mut node.val {
            Val::Table(entries) => {
                if let Some(err) = missing_list(entries, (seg, segments.get(i + 1).copied()), &done)
                {
                    return Err(err);
                }
                let pos = entry_for(entries, seg, last, &value);
                if last {
                    entries[pos].node = value;
                    return Ok(());
                }
                node = &mut entries[pos].node;
                done.push(seg);
                i += 1;
            }
            Val::Array(items) => {
                let by_name = items.iter().position(|n| name_of(n) == Some(seg));
                let by_index = seg.parse::<usize>().ok().filter(|&k| k < items.len());
                match by_name.or(by_index) {
                    Some(k) => {
                        if last {
                            items[k] = value;
                            return Ok(());
                        }
                        node = &mut items[k];
                        done.push(seg);
                        i += 1;
                    }
                    // `gateways.count` with a single [[gateways]] entry: step into it,
                    // when the key is a leaf or already exists there (so that
                    // `sensors.water.count` still says there is no `water`).
                    None if items.len() == 1 && (last || has_key(&items[0], seg)) => {
                        node = &mut items[0];
                    }
                    None => return Err(no_entry(&here(), seg, items)),
                }
            }
            other => {
                return Err(format!(
                    "{} is {}, not a table, so it has no key `{seg}`",
                    here(),
                    other.type_name()
                ))
            }
        }
    }
    Ok(())
}

/// The error for a path that numbers an entry (`faults.0`) of a list the table at
/// `done` lacks: a new table would take the number for a key.
fn missing_list(
    entries: &[Entry],
    (seg, next): (&str, Option<&str>),
    done: &[&str],
) -> Option<String> {
    let k = next?.parse::<usize>().ok()?;
    if entries.iter().any(|e| e.key == seg) {
        return None;
    }
    Some(if done.is_empty() {
        format!(
            "the scenario has no `{seg}`, so it has no `{seg}.{k}` to set; write a [[{seg}]] \
             entry in the file first"
        )
    } else {
        format!(
            "`{}` has no `{seg}`, so it has no `{seg}.{k}` to set",
            done.join(".")
        )
    })
}

fn has_key(node: &Node, key: &str) -> bool {
    matches!(&node.val, Val::Table(entries) if entries.iter().any(|e| e.key == key))
}

fn name_of(node: &Node) -> Option<&str> {
    match &node.val {
        Val::Table(entries) => entries.iter().find(|e| e.key == "name").and_then(|e| {
            if let Val::Str(s) = &e.node.val {
                Some(s.as_str())
            } else {
                None
            }
        }),
        _ => None,
    }
}

/// Writes the tree back as TOML (the resolved scenario of a run's manifest).
pub fn to_toml(root: &Node) -> String {
    let mut out = String::new();
    if let Val::Table(entries) = &root.val {
        write_table_body(&mut out, entries, "");
    }
    out
}

fn is_table_array(node: &Node) -> bool {
    matches!(&node.val, Val::Array(items) if !items.is_empty()
        && items.iter().all(|n| matches!(n.val, Val::Table(_))))
}

/// Top-level tables and arrays of tables get headers; anything deeper is written inline
/// (`traffic = { kind = "periodic", ... }`), the way scenario files are usually written.
fn write_table_body(out: &mut String, entries: &[Entry], prefix: &str) {
    let top = prefix.is_empty();
    let nested = |n: &Node| top && (matches!(n.val, Val::Table(_)) || is_table_array(n));
    for e in entries.iter().filter(|e| !nested(&e.node)) {
        let _ = writeln!(out, "{} = {}", key_text(&e.key), inline(&e.node));
    }
    for e in entries.iter().filter(|e| nested(&e.node)) {
        let path = if prefix.is_empty() {
            key_text(&e.key)
        } else {
            format!("{prefix}.{}", key_text(&e.key))
        };
        match &e.node.val {
            Val::Table(sub) => {
                let _ = writeln!(out, "\n[{path}]");
                write_table_body(out, sub, &path);
            }
            Val::Array(items) => {
                for item in items {
                    let _ = writeln!(out, "\n[[{path}]]");
                    if let Val::Table(sub) = &item.val {
                        write_table_body(out, sub, &path);
                    }
                }
            }
            _ => unreachable!("only nested values reach here"),
        }
    }
}

fn key_text(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_string()
    } else {
        quote(key)
    }
}

fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn inline(node: &Node) -> String {
    match &node.val {
        Val::Str(s) => quote(s),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => {
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{f:.1}")
            } else {
                format!("{f}")
            }
        }
        Val::Bool(b) => b.to_string(),
        Val::Datetime(d) => d.clone(),
        Val::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Val::Table(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|e| format!("{} = {}", key_text(&e.key), inline(&e.node)))
                .collect();
            if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(", "))
            }
        }
    }
}

/// Removes a top-level key.
pub fn remove(root: &mut Node, key: &str) {
    if let Val::Table(entries) = &mut root.val {
        entries.retain(|e| e.key != key);
    }
}

/// The value of a top-level key.
pub fn get<'a>(root: &'a Node, key: &str) -> Option<&'a Node> {
    match &root.val {
        Val::Table(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.node),
        _ => None,
    }
}

/// The value at a dotted path (the same paths as `--set`), if present.
pub fn get_path<'a>(root: &'a Node, path: &str) -> Option<&'a Node> {
    let mut node = root;
    let segments: Vec<&str> = path.split('.').collect();
    let mut i = 0;
    while i < segments.len() {
        let seg = segments[i];
        match &node.val {
            Val::Table(_) => {
                node = get(node, seg)?;
                i += 1;
            }
            Val::Array(items) => {
                let by_name = items.iter().find(|n| name_of(n) == Some(seg));
                let by_index = seg.parse::<usize>().ok().and_then(|k| items.get(k));
                match by_name.or(by_index) {
                    Some(n) => {
                        node = n;
                        i += 1;
                    }
                    None if items.len() == 1 => node = &items[0],
                    None => return None,
                }
            }
            _ => return None,
        }
    }
    Some(node)
}

/// The number at a dotted path: integers and floats as they are, durations in seconds,
/// other unit strings in their base unit.
pub fn number_at(root: &Node, path: &str) -> Option<f64> {
    use crate::units::*;
    match &get_path(root, path)?.val {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        Val::Str(s) => parse_duration_ns(s)
            .map(|ns| ns as f64 / 1e9)
            .or_else(|_| parse_bytes(s).map(|b| b as f64))
            .or_else(|_| parse_bitrate(s))
            .or_else(|_| parse_distance_m(s))
            .ok(),
        _ => None,
    }
}

/// A value as a CSV label: strings bare (`5min`), everything else as TOML.
pub fn label(node: &Node) -> String {
    match &node.val {
        Val::Str(s) => s.clone(),
        _ => inline(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        from_document(&text.to_string().parse().unwrap())
    }

    fn ov(text: &str) -> Node {
        parse_override_value(text, &Origin::Override(text.into()))
    }

    #[test]
    fn set_by_name_index_and_single_element() {
        let mut t = tree(
            "[[sensors]]\nname = \"air\"\ncount = 1\n[[sensors]]\nname = \"soil\"\ncount = 2\n\
             [[gateways]]\ncount = 4\n",
        );
        set_path(&mut t, "sensors.soil.count", ov("500")).unwrap();
        set_path(&mut t, "sensors.0.traffic.interval", ov("2min")).unwrap();
        set_path(&mut t, "gateways.count", ov("9")).unwrap();
        let text = to_toml(&t);
        assert!(text.contains("count = 500"), "{text}");
        assert!(text.contains("traffic = { interval = \"2min\" }"), "{text}");
        assert!(text.contains("count = 9"), "{text}");
        let err = set_path(&mut t, "sensors.water.count", ov("1")).unwrap_err();
        assert!(err.contains("air, soil"), "{err}");
    }

    #[test]
    fn an_entry_of_a_list_the_file_lacks_is_named_not_made_a_table_key() {
        // `--set faults.0.start=3h` on a scenario without [[faults]] once made a table
        // `faults` with a key `0`, and the validator then listed five puzzling problems.
        let mut t = tree("[[sensors]]\nname = \"air\"\n[simulation]\nduration = \"1h\"\n");
        let err = set_path(&mut t, "faults.0.start", ov("3h")).unwrap_err();
        assert!(
            err.contains("no `faults`") && err.contains("[[faults]]"),
            "{err}"
        );
        let err = set_path(&mut t, "simulation.steps.2", ov("1")).unwrap_err();
        assert!(err.contains("`simulation` has no `steps`"), "{err}");
        // Nothing was added on the way, and a new key that is not an index still is.
        assert!(!to_toml(&t).contains("faults"));
        set_path(&mut t, "simulation.seed", ov("7")).unwrap();
        assert!(to_toml(&t).contains("seed = 7"));
    }

    #[test]
    fn round_trip_is_stable() {
        let src = "name = \"x\"\n[simulation]\nduration = \"1h\"\n[[sensors]]\nname = \"a\"\n\
                   placement = { kind = \"explicit\", positions = [[1.0, 2.5]] }\n";
        let once = to_toml(&tree(src));
        assert_eq!(to_toml(&tree(&once)), once);
    }
}

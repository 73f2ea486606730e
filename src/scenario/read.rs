//! Typed readers over the spanned tree: each records a diagnostic (file, line, key,
//! what was expected) and carries on, so one `validate` lists every problem.

use super::diag::{Diagnostic, Origin, Source, MAX_LOCATED};
use super::reference::{noted, Absent};
use super::tree::{Entry, Node, Val};
use crate::units;
use std::sync::Arc;

/// A point file's rows, or why it could not be read.
pub(crate) type PointFile = Result<Arc<[crate::geo::PointRow]>, String>;

/// Collects diagnostics while reading.
pub(crate) struct Cx {
    pub src: Arc<Source>,
    pub diags: Vec<Diagnostic>,
    /// Entries (section, name) that could not be read: their problems are reported
    /// once, and references to them add no follow-on problem.
    broken: Vec<(&'static str, String)>,
    /// Point files read so far (several classes may take rows of one file).
    pub points: Vec<(std::path::PathBuf, PointFile)>,
    /// Every file the scenario names that was read, and the SHA-256 of its bytes.
    pub inputs: Vec<(String, String)>,
}

impl Cx {
    /// Reading `src`, with no problem found yet.
    pub fn new(src: Arc<Source>) -> Cx {
        Cx {
            src,
            diags: Vec::new(),
            broken: Vec::new(),
            points: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// Records that the scenario reads file `path` (its digest goes into the
    /// scenario's hash, so that a changed file is a changed scenario).
    pub fn input(&mut self, path: &std::path::Path) {
        use sha2::{Digest, Sha256};
        let shown = path.display().to_string();
        if self.inputs.iter().any(|(p, _)| *p == shown) {
            return;
        }
        if let Ok(bytes) = std::fs::read(path) {
            let digest = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            self.inputs.push((shown, digest));
        }
    }

    /// Notes that entry `node` of `section` could not be read (named by its `name`, or
    /// `default` when it has none).
    pub fn broke(&mut self, section: &'static str, node: &Node, default: &str) {
        let name = match super::tree::get(node, "name").map(|n| &n.val) {
            Some(Val::Str(s)) => s.clone(),
            _ => default.to_string(),
        };
        self.broken.push((section, name));
    }

    /// Whether `name` of `section` was declared but could not be read.
    pub fn is_broken(&self, section: &str, name: &str) -> bool {
        self.broken.iter().any(|(s, n)| *s == section && n == name)
    }

    /// Whether some entry of `section` could not be read.
    pub fn any_broken(&self, section: &str) -> bool {
        self.broken.iter().any(|(s, _)| *s == section)
    }

    pub fn err(&mut self, origin: &Origin, key: &str, message: impl Into<String>) {
        let d = if self.diags.len() < MAX_LOCATED {
            Diagnostic::at(&self.src, origin, key, message.into())
        } else {
            Diagnostic::unlocated(&self.src, key, message.into())
        };
        self.diags.push(d);
    }

    fn found(node: &Node) -> String {
        match &node.val {
            Val::Str(s) => format!("\"{s}\""),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => f.to_string(),
            Val::Bool(b) => b.to_string(),
            other => other.type_name().to_string(),
        }
    }

    pub fn expected(&mut self, node: &Node, key: &str, what: &str) {
        let msg = format!("expected {what}, found {}", Self::found(node));
        self.err(&node.origin, key, msg);
    }
}

/// A table being read: remembers which keys were asked for, so that every other key is
/// reported as unknown (a typo is never ignored).
pub(crate) struct Tbl<'a> {
    pub path: String,
    pub origin: Origin,
    entries: &'a [Entry],
    asked: Vec<&'static str>,
    /// Its kind of table: its section in the defaults table (see [`Tbl::val`]) and in
    /// the key reference.
    section: &'static str,
}

impl<'a> Tbl<'a> {
    /// Opens `node` (at dotted `path`) as a table of kind `section` (its entry in the
    /// defaults table and in the key reference), or reports that a table was expected.
    pub fn open(cx: &mut Cx, node: &'a Node, path: &str, section: &'static str) -> Option<Tbl<'a>> {
        match &node.val {
            Val::Table(entries) => Some(Tbl {
                path: path.to_string(),
                origin: node.origin.clone(),
                entries,
                asked: Vec::new(),
                section,
            }),
            _ => {
                cx.expected(node, path, "a table");
                None
            }
        }
    }

    /// The dotted path of one of this table's keys.
    pub fn key(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// Where a problem with `key` (dotted below this table) is shown: at its value when
    /// present, else at the table.
    pub fn origin_of(&self, key: &str) -> Origin {
        let (first, rest) = key.split_once('.').unwrap_or((key, ""));
        self.entries
            .iter()
            .find(|e| e.key == first)
            .and_then(|e| match rest {
                "" => Some(&e.node),
                _ => super::tree::get_path(&e.node, rest),
            })
            .map_or_else(|| self.origin.clone(), |n| n.origin.clone())
    }

    /// The value of `key`, if present, for a second reader of a key that another
    /// reader of this table reads (and documents) with [`Tbl::get`].
    pub fn again(&mut self, key: &'static str) -> Option<&'a Node> {
        self.lookup(key)
    }

    /// Marks `key` as read and returns its value, if present.
    fn lookup(&mut self, key: &'static str) -> Option<&'a Node> {
        self.asked.push(key);
        self.entries.iter().find(|e| e.key == key).map(|e| &e.node)
    }

    /// The value of `key`, if present, for a reader that reads it itself.
    pub fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        noted(self.section, key, String::new, Absent::Means(""));
        self.lookup(key)
    }

    /// Whether `key` is present (without marking it read).
    pub fn has_key(&self, key: &str) -> bool {
        self.entries.iter().any(|e| e.key == key)
    }

    /// The value of a required key, or a diagnostic saying it is missing and `what` was
    /// expected.
    pub fn req(&mut self, cx: &mut Cx, key: &'static str, what: &str) -> Option<&'a Node> {
        noted(self.section, key, || what.to_string(), Absent::Required);
        let node = self.lookup(key);
        if node.is_none() {
            let origin = self.origin.clone();
            cx.err(
                &origin,
                &self.key(key),
                format!("missing key; expected {what}"),
            );
        }
        node
    }

    /// Reports every key that was never asked for.
    pub fn finish(self, cx: &mut Cx) {
        let mut known: Vec<&str> = self.asked.clone();
        known.sort_unstable();
        known.dedup();
        for e in self.entries {
            if known.binary_search(&e.key.as_str()).is_err() {
                let hint = closest(&e.key, &known)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                cx.err(
                    &e.key_origin,
                    &self.key(&e.key),
                    format!("unknown key{hint}; expected one of: {}", known.join(", ")),
                );
            }
        }
    }
}

/// `" (did you mean `x`?)"` for the metric nearest to `name` (a missing unit suffix,
/// as in `latency_p95` for `latency_p95_ms`, or a typo), or nothing.
pub(crate) fn did_you_mean(name: &str, metrics: &[String]) -> String {
    let known: Vec<&str> = metrics.iter().map(String::as_str).collect();
    let with_unit = ["_ms", "_s"]
        .iter()
        .map(|u| format!("{name}{u}"))
        .find(|m| known.contains(&m.as_str()));
    match with_unit.or_else(|| closest(name, &known).map(str::to_string)) {
        Some(m) => format!(" (did you mean `{m}`?)"),
        None => String::new(),
    }
}

/// The known key nearest to a typo, by edit distance.
pub(crate) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|&(d, k)| d <= 2.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

pub(crate) fn string(cx: &mut Cx, node: &Node, key: &str) -> Option<String> {
    match &node.val {
        Val::Str(s) => Some(s.clone()),
        _ => {
            cx.expected(node, key, "a string");
            None
        }
    }
}

/// A name: non-empty, letters, digits, `_` and `-` only (it becomes a file and CSV value).
pub(crate) fn name(cx: &mut Cx, node: &Node, key: &str) -> Option<String> {
    let s = string(cx, node, key)?;
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Some(s)
    } else {
        cx.expected(
            node,
            key,
            "a name of 1-64 letters, digits, `_` or `-` (e.g. \"air_quality\")",
        );
        None
    }
}

pub(crate) fn int(cx: &mut Cx, node: &Node, key: &str, min: i64, max: i64) -> Option<i64> {
    match &node.val {
        Val::Int(i) if (min..=max).contains(i) => Some(*i),
        _ => {
            let what = if max == i64::MAX {
                format!("an integer >= {min}")
            } else {
                format!("an integer from {min} to {max}")
            };
            cx.expected(node, key, &what);
            None
        }
    }
}

pub(crate) fn float(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    match &node.val {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) if f.is_finite() => Some(*f),
        _ => {
            cx.expected(node, key, "a number");
            None
        }
    }
}

pub(crate) fn positive_float(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    let v = float(cx, node, key)?;
    if v > 0.0 {
        Some(v)
    } else {
        cx.expected(node, key, "a positive number");
        None
    }
}

/// A probability: a number from 0 to 1, or a percentage string (`"1%"`).
pub(crate) fn probability(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    let v = match &node.val {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        Val::Str(s) => units::parse_percent(s),
        _ => None,
    };
    match v {
        Some(p) if (0.0..=1.0).contains(&p) => Some(p),
        _ => {
            cx.expected(
                node,
                key,
                "a probability from 0 to 1 (or a percentage such as \"1%\")",
            );
            None
        }
    }
}

fn unit_string<T>(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    parse: fn(&str) -> Result<T, String>,
    example: &str,
) -> Option<T> {
    match &node.val {
        Val::Str(s) => match parse(s) {
            Ok(v) => Some(v),
            Err(msg) => {
                cx.err(&node.origin, key, msg);
                None
            }
        },
        _ => {
            cx.expected(
                node,
                key,
                &format!("a string with a unit, such as \"{example}\""),
            );
            None
        }
    }
}

/// A duration of at least `min_ns` (`what`: the bound in words, and why), in ns.
pub(crate) fn duration_at_least(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    (min_ns, what): (u64, &str),
) -> Option<u64> {
    let d = duration(cx, node, key)?;
    if d < min_ns {
        cx.err(&node.origin, key, format!("expected {what}"));
        return None;
    }
    Some(d)
}

/// A duration in nanoseconds (`"5min"`).
pub(crate) fn duration(cx: &mut Cx, node: &Node, key: &str) -> Option<u64> {
    unit_string(cx, node, key, units::parse_duration_ns, "5min")
}

/// A strictly positive duration.
pub(crate) fn positive_duration(cx: &mut Cx, node: &Node, key: &str) -> Option<u64> {
    let d = duration(cx, node, key)?;
    if d > 0 {
        Some(d)
    } else {
        cx.expected(
            node,
            key,
            "a positive duration (a zero interval is an infinite rate)",
        );
        None
    }
}

pub(crate) fn charge(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    unit_string(cx, node, key, units::parse_charge_c, "2400mAh")
}

pub(crate) fn current(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    unit_string(cx, node, key, units::parse_current_a, "40mA")
}

pub(crate) fn voltage(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    unit_string(cx, node, key, units::parse_voltage_v, "3.6V")
}

pub(crate) fn energy(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    unit_string(cx, node, key, units::parse_energy_j, "0.5mJ")
}

pub(crate) fn bytes(cx: &mut Cx, node: &Node, key: &str) -> Option<u64> {
    unit_string(cx, node, key, units::parse_bytes, "32B")
}

pub(crate) fn bitrate(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    unit_string(cx, node, key, units::parse_bitrate, "10Mbps")
}

/// A distance in metres: `"2km"`, `"250m"` or a plain number of metres.
pub(crate) fn distance(cx: &mut Cx, node: &Node, key: &str) -> Option<f64> {
    match &node.val {
        Val::Int(_) | Val::Float(_) => {
            let v = float(cx, node, key)?;
            if v >= 0.0 {
                Some(v)
            } else {
                cx.expected(node, key, "a non-negative distance");
                None
            }
        }
        _ => unit_string(cx, node, key, units::parse_distance_m, "2km"),
    }
}

/// A queue capacity: a count of packets, or `"unlimited"`.
pub(crate) fn capacity(cx: &mut Cx, node: &Node, key: &str) -> Option<Option<u32>> {
    match &node.val {
        Val::Str(s) if s == "unlimited" => Some(None),
        Val::Int(i) if (0..=i64::from(u32::MAX - 1)).contains(i) => Some(Some(*i as u32)),
        _ => {
            cx.expected(node, key, "a number of packets >= 0, or \"unlimited\"");
            None
        }
    }
}

/// One of a fixed set of words.
pub(crate) fn choice<'w>(
    cx: &mut Cx,
    node: &Node,
    key: &str,
    words: &[&'w str],
) -> Option<&'w str> {
    let s = string(cx, node, key)?;
    match words.iter().find(|w| **w == s) {
        Some(w) => Some(*w),
        None => {
            cx.expected(node, key, &format!("one of {}", quoted_list(words)));
            None
        }
    }
}

pub(crate) fn quoted_list(words: &[&str]) -> String {
    let q: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    q.join(", ")
}

/// The items of an array, or a diagnostic.
pub(crate) fn array<'a>(cx: &mut Cx, node: &'a Node, key: &str) -> Option<&'a [Node]> {
    match &node.val {
        Val::Array(items) => Some(items),
        _ => {
            cx.expected(node, key, "an array");
            None
        }
    }
}

/// A kind of value a scenario key holds: how it is read from the tree, recording every
/// problem in `cx`, and what it becomes. With [`Tbl::val`] each key of a section is
/// one line: its name, its kind, and its default from [`super::defaults::TABLE`].
pub(crate) trait Kind {
    /// What the value becomes.
    type Out;
    /// Reads `node` (at `key`), or records what was expected and returns None.
    fn read(cx: &mut Cx, node: &Node, key: &str) -> Option<Self::Out>;
    /// What its values are, in words, for the key reference (`duration ("5min")`).
    fn what() -> String;
}

/// Defines a [`Kind`] by what it is in words and a reader function.
macro_rules! kind {
    ($(#[$doc:meta])* $name:ident => $out:ty, $what:expr, $read:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;
        impl Kind for $name {
            type Out = $out;
            #[inline]
            fn read(cx: &mut Cx, node: &Node, key: &str) -> Option<$out> {
                $read(cx, node, key)
            }
            fn what() -> String {
                $what.to_string()
            }
        }
    };
}
pub(crate) use kind;

kind!(
    /// A frequency in Hz (`"125kHz"`).
    Frequency => f64, "frequency (`\"125kHz\"`)", |cx: &mut Cx, n: &Node, k: &str| unit_string(cx, n, k, units::parse_frequency_hz, "125kHz")
);
kind!(
    /// A power level in dBm (`"14dBm"`).
    Dbm => f64, "power (`\"14dBm\"`)", |cx: &mut Cx, n: &Node, k: &str| unit_string(cx, n, k, units::parse_dbm, "14dBm")
);
kind!(
    /// A power ratio in dB (`"6dB"`).
    Db => f64, "ratio in dB (`\"6dB\"`)", |cx: &mut Cx, n: &Node, k: &str| unit_string(cx, n, k, units::parse_db, "6dB")
);
kind!(
    /// A distance in metres (`"2km"`, or a number of metres).
    Distance => f64, "distance (`\"2km\"`, or metres)", distance
);
kind!(
    /// A duration in ns (`"5min"`).
    Duration => u64, "duration (`\"5min\"`)", duration
);
kind!(
    /// A strictly positive duration in ns.
    PositiveDuration => u64, "duration > 0 (`\"5min\"`)", positive_duration
);
kind!(
    /// A bit rate in bit/s (`"60kbps"`).
    Bitrate => f64, "bit rate (`\"60kbps\"`)", bitrate
);
kind!(
    /// A probability from 0 to 1 (or `"1%"`).
    Probability => f64, "probability, 0 to 1 (or `\"1%\"`)", probability
);
kind!(
    /// A positive number.
    Positive => f64, "number > 0", positive_float
);
kind!(
    /// A queue capacity: a number of packets, or `"unlimited"` (None).
    Capacity => Option<u32>, "packets >= 0, or `\"unlimited\"`", capacity
);
kind!(
    /// `true` or `false`.
    Flag => bool, "`true` or `false`", |cx: &mut Cx, n: &Node, k: &str| match n.val {
        Val::Bool(b) => Some(b),
        _ => {
            cx.expected(n, k, "true or false");
            None
        }
    }
);

/// An integer from `MIN` to `MAX`.
pub(crate) struct Int<const MIN: i64, const MAX: i64>;

impl<const MIN: i64, const MAX: i64> Kind for Int<MIN, MAX> {
    type Out = i64;
    fn read(cx: &mut Cx, node: &Node, key: &str) -> Option<i64> {
        int(cx, node, key, MIN, MAX)
    }
    fn what() -> String {
        if MAX == i64::MAX {
            format!("integer >= {MIN}")
        } else {
            format!("integer, {MIN} to {MAX}")
        }
    }
}

kind!(
    /// A distribution of durations (`"20ms"` or a `{ dist = ... }` table).
    Dist => super::DistCfg, "distribution of durations (`\"20ms\"` or a table)", super::dist
);

impl Tbl<'_> {
    /// Key `key` read as `K`, or, when absent, its documented default (the entry for
    /// this table's section in [`super::defaults::TABLE`]). None when the value is bad
    /// (the problem is recorded).
    pub fn val<K: Kind>(&mut self, cx: &mut Cx, key: &'static str) -> Option<K::Out> {
        noted(self.section, key, K::what, Absent::Default);
        let path = self.key(key);
        match self.lookup(key) {
            Some(node) => K::read(cx, node, &path),
            None => {
                let node = super::defaults::node(self.section, key);
                K::read(cx, &node, &path)
            }
        }
    }

    /// Key `key` read as `K`: Some(None) when absent, None when bad.
    pub fn opt<K: Kind>(&mut self, cx: &mut Cx, key: &'static str) -> Option<Option<K::Out>> {
        noted(self.section, key, K::what, Absent::Means(""));
        let path = self.key(key);
        match self.lookup(key) {
            Some(node) => K::read(cx, node, &path).map(Some),
            None => Some(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Cx {
        Cx::new(Arc::new(Source::new("t.toml", "")))
    }

    fn table(text: &str) -> Node {
        super::super::tree::parse_override_value(text, &Origin::Default)
    }

    #[test]
    fn a_key_is_read_with_its_kind_or_takes_its_documented_default() {
        let (mut cx, node) = (cx(), table("{ tx_power = \"10dBm\" }"));
        let mut t = Tbl::open(&mut cx, &node, "access.0.lora", "lora").unwrap();
        assert_eq!(t.val::<Dbm>(&mut cx, "tx_power"), Some(10.0));
        assert_eq!(t.val::<Frequency>(&mut cx, "bandwidth"), Some(125e3));
        assert_eq!(t.val::<Int<1, 64>>(&mut cx, "preamble"), Some(8));
        assert_eq!(t.opt::<Distance>(&mut cx, "range"), Some(None));
        t.finish(&mut cx);
        assert!(cx.diags.is_empty(), "{:?}", cx.diags);
    }

    #[test]
    fn every_bad_value_and_unknown_key_is_recorded_with_its_path() {
        let (mut cx, node) = (cx(), table("{ channels = 65, tx_power = 3, chanels = 2 }"));
        let mut t = Tbl::open(&mut cx, &node, "access.0.lora", "lora").unwrap();
        assert_eq!(t.val::<Int<1, 64>>(&mut cx, "channels"), None);
        assert_eq!(t.val::<Dbm>(&mut cx, "tx_power"), None);
        t.finish(&mut cx);
        let keys: Vec<&str> = cx.diags.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "access.0.lora.channels",
                "access.0.lora.tx_power",
                "access.0.lora.chanels"
            ]
        );
        assert!(cx.diags[0].message.contains("from 1 to 64"));
        assert!(cx.diags[1].message.contains("\"14dBm\""));
        assert!(cx.diags[2].message.contains("did you mean `channels`?"));
    }

    #[test]
    #[should_panic(expected = "no documented default for `lora.nonsense`")]
    fn a_default_nobody_documented_is_a_bug() {
        let (mut cx, node) = (cx(), table("{}"));
        let mut t = Tbl::open(&mut cx, &node, "lora", "lora").unwrap();
        let _ = t.val::<Flag>(&mut cx, "nonsense");
    }
}

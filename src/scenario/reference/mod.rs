//! The key reference (`docs/reference.md`), made from the scenario readers themselves.
//!
//! Each reader file keeps, beside its readers, a table of the keys they read
//! ([`Key`]: what each means, and where the reader cannot say, what its values are and
//! what leaving it out means). The readers say the rest as they read: a typed key's
//! values come from its [`Kind`](super::read::Kind), its default from
//! [`super::defaults::TABLE`], a required key's values from what its reader expects.
//! Reading the scenarios of [`FIXTURES`], which between them take every branch of every
//! reader, with [`asking`] listening, lists every key in the order read; this module
//! lays them out as Markdown. A test holds `docs/reference.md` to it, so a key added,
//! renamed or re-documented shows up as a failing test until the file is made again.

use super::Study;

mod fixtures;
pub use fixtures::FIXTURES;

/// One key's entry in the key reference, kept in a table beside its reader.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    /// The key.
    pub key: &'static str,
    /// What its values are, in words, where its reader cannot say (it reads the key
    /// itself, with `Tbl::get`).
    pub what: Option<&'static str>,
    /// What leaving it out means, where its reader cannot say.
    pub absent: Option<&'static str>,
    /// What it means, in one line.
    pub meaning: &'static str,
}

impl Key {
    /// A key whose reader says what its values are and what leaving it out means
    /// (`Tbl::val`, `Tbl::req`).
    pub const fn of(key: &'static str, meaning: &'static str) -> Key {
        Key {
            key,
            what: None,
            absent: None,
            meaning,
        }
    }

    /// A key whose reader says what its values are but not what leaving it out means
    /// (`Tbl::opt`).
    pub const fn opt(key: &'static str, absent: &'static str, meaning: &'static str) -> Key {
        Key {
            key,
            what: None,
            absent: Some(absent),
            meaning,
        }
    }

    /// A key its reader reads itself (`Tbl::get`).
    pub const fn any(
        key: &'static str,
        what: &'static str,
        absent: &'static str,
        meaning: &'static str,
    ) -> Key {
        Key {
            key,
            what: Some(what),
            absent: Some(absent),
            meaning,
        }
    }
}

/// What a key holds when a scenario leaves it out, for the key reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Absent {
    /// Its documented default, from [`super::defaults::TABLE`].
    Default,
    /// It must be given.
    Required,
    /// What leaving it out means, in words (`"unlimited"`, `"the file's name"`; empty
    /// when nobody said).
    Means(&'static str),
}

/// A key a reader asked for, as the key reference lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Asked {
    /// Its table's kind (the `section` a reader opens it with).
    pub section: &'static str,
    /// The key.
    pub key: &'static str,
    /// What its values are, in words (empty when nobody said).
    pub what: String,
    /// What it holds when left out.
    pub absent: Absent,
    /// What it means, in one line (empty when its table has no [`Key`] for it).
    pub meaning: &'static str,
}

thread_local! {
    /// The keys asked for on this thread, while [`asking`] listens.
    static ASKED: std::cell::RefCell<Option<Vec<Asked>>> = const { std::cell::RefCell::new(None) };
}

/// Records a key a reader asked for, with what the reader says of its values (`what`,
/// only called while [`asking`] listens) and of leaving it out, completed from its
/// [`Key`].
pub(crate) fn noted(
    section: &'static str,
    key: &'static str,
    what: impl FnOnce() -> String,
    absent: Absent,
) {
    ASKED.with(|a| {
        if let Some(v) = a.borrow_mut().as_mut() {
            let doc = documented(section, key);
            v.push(Asked {
                section,
                key,
                what: doc.and_then(|d| d.what).map_or_else(what, str::to_string),
                absent: doc.and_then(|d| d.absent).map_or(absent, Absent::Means),
                meaning: doc.map_or("", |d| d.meaning),
            });
        }
    });
}

/// The [`Key`] of `key` in tables of kind `section`.
fn documented(section: &str, key: &str) -> Option<&'static Key> {
    SECTIONS
        .iter()
        .filter(|s| s.kind == section)
        .flat_map(|s| s.keys.iter().copied().flatten())
        .find(|k| k.key == key)
}

/// Runs `f` (which reads scenarios on this thread) and lists every key the readers
/// asked for, present or not: what the key reference is made of.
pub(crate) fn asking<T>(f: impl FnOnce() -> T) -> (T, Vec<Asked>) {
    ASKED.with(|a| *a.borrow_mut() = Some(Vec::new()));
    let out = f();
    let asked = ASKED.with(|a| a.borrow_mut().take()).unwrap_or_default();
    (out, asked)
}

/// A kind of table in the reference.
struct Section {
    /// Its kind: the `section` its reader opens it with.
    kind: &'static str,
    /// Its heading.
    heading: &'static str,
    /// Where it is written, and what it is.
    about: &'static str,
    /// The tables of [`Key`]s beside its readers.
    keys: &'static [&'static [Key]],
}

/// The tables of the reference, in order.
const SECTIONS: &[Section] = &[
    Section {
        kind: "top",
        heading: "Top level",
        about: "Keys at the top of the file.",
        keys: &[super::top::TOP_KEYS],
    },
    Section {
        kind: "simulation",
        heading: "`[simulation]`",
        about: "How long to simulate, and how.",
        keys: &[super::simulation::SIMULATION_KEYS],
    },
    Section {
        kind: "city",
        heading: "`[city]`",
        about: "The city's extent: a rectangle from (0, 0).",
        keys: &[super::city::CITY_KEYS],
    },
    Section {
        kind: "targets",
        heading: "`[targets]`",
        about: "What the network must achieve: reports, sweeps and comparisons judge runs against it.",
        keys: &[super::simulation::TARGETS_KEYS],
    },
    Section {
        kind: "districts",
        heading: "`[[districts]]`",
        about: "Named areas.",
        keys: &[super::schema::DISTRICTS_KEYS],
    },
    Section {
        kind: "region",
        heading: "Regions",
        about: "The `region` of a district or an incident: a table as below, or (for an incident) a district's name.",
        keys: &[super::regions::REGION_KEYS],
    },
    Section {
        kind: "access",
        heading: "`[[access]]`",
        about: "An access network: a direct hop unless it has a `lora`, `cellular` or `mesh` table (at most one).",
        keys: &[super::access::ACCESS_KEYS],
    },
    Section {
        kind: "lora",
        heading: "`lora`",
        about: "The `lora` table of an `[[access]]`: a LoRaWAN network, its radio, MAC, path loss and reception.",
        keys: &[super::lora::LORA_KEYS, super::propagation::PROPAGATION_KEYS],
    },
    Section {
        kind: "mesh",
        heading: "`mesh`",
        about: "The `mesh` table of an `[[access]]`: an IEEE 802.15.4 mesh over the relays.",
        keys: &[super::access::MESH_KEYS],
    },
    Section {
        kind: "cellular",
        heading: "`cellular`",
        about: "The `cellular` table of an `[[access]]`: an abstract cell of transfer slots, unless its `kind` says `\"nbiot\"` or `\"ltem\"`.",
        keys: &[super::cellular::CELLULAR_KEYS],
    },
    Section {
        kind: "nbiot",
        heading: "`cellular` with `kind = \"nbiot\"`",
        about: "An NB-IoT cell: coverage levels from each device's coupling loss, NPRACH random access, NPUSCH transfers, RRC and power-saving timers. Per-level keys list CE0, CE1 and CE2.",
        keys: &[super::cellular::RADIO_CELL_KEYS, super::propagation::PROPAGATION_KEYS],
    },
    Section {
        kind: "ltem",
        heading: "`cellular` with `kind = \"ltem\"`",
        about: "An LTE-M cell: as NB-IoT, with PRACH, PUSCH in a 6-PRB narrowband and LTE-M's defaults.",
        keys: &[super::cellular::RADIO_CELL_KEYS, super::propagation::PROPAGATION_KEYS],
    },
    Section {
        kind: "nodes",
        heading: "`[[nodes]]`",
        about: "The backbone's nodes.",
        keys: &[super::infrastructure::NODES_KEYS, super::infrastructure::SERVICE_KEYS],
    },
    Section {
        kind: "gateways",
        heading: "`[[gateways]]`",
        about: "A gateway group (or a single `[gateways]` table).",
        keys: &[super::infrastructure::GATEWAYS_KEYS, super::infrastructure::PLACED_KEYS, super::infrastructure::SERVICE_KEYS],
    },
    Section {
        kind: "relays",
        heading: "`[[relays]]`",
        about: "A group of mesh routers.",
        keys: &[super::infrastructure::RELAYS_KEYS, super::infrastructure::PLACED_KEYS],
    },
    Section {
        kind: "placement",
        heading: "`placement`",
        about: "Where the members of a sensor class, gateway group or relay group stand.",
        keys: &[super::regions::PLACEMENT_KEYS],
    },
    Section {
        kind: "links",
        heading: "`[[links]]`",
        about: "A backbone link from a gateway group or node to a node.",
        keys: &[super::infrastructure::LINKS_KEYS],
    },
    Section {
        kind: "sensors",
        heading: "`[[sensors]]`",
        about: "A sensor class.",
        keys: &[super::sensors::SENSORS_KEYS, super::infrastructure::PLACED_KEYS, super::propagation::INDOOR_KEYS],
    },
    Section {
        kind: "traffic",
        heading: "`traffic`",
        about: "When a sensor class's sensors send readings.",
        keys: &[super::traffic::TRAFFIC_KEYS],
    },
    Section {
        kind: "threshold",
        heading: "`threshold`",
        about: "Threshold sampling: a sampled value, sent only when it rises through a level.",
        keys: &[super::traffic::THRESHOLD_KEYS],
    },
    Section {
        kind: "energy",
        heading: "`energy`",
        about: "A sensor class's battery and radio currents.",
        keys: &[super::behaviour::ENERGY_KEYS],
    },
    Section {
        kind: "mobility",
        heading: "`mobility`",
        about: "How a sensor class's sensors move.",
        keys: &[super::behaviour::MOBILITY_KEYS],
    },
    Section {
        kind: "distribution",
        heading: "Distributions",
        about: "Any key whose values are a distribution of durations: a duration (constant) such as `\"20ms\"`, or a table as below.",
        keys: &[super::distributions::DISTRIBUTION_KEYS],
    },
    Section {
        kind: "incidents",
        heading: "`[[incidents]]`",
        about: "More readings from an area for a while: floods, alarms.",
        keys: &[super::disruptions::INCIDENTS_KEYS],
    },
    Section {
        kind: "alarms",
        heading: "`alarms`",
        about: "The `alarms` table of an incident.",
        keys: &[super::disruptions::ALARMS_KEYS],
    },
    Section {
        kind: "faults",
        heading: "`[[faults]]`",
        about: "An outage: scheduled (`start`, `duration`) or random (`mtbf`, `mttr`).",
        keys: &[super::disruptions::FAULTS_KEYS],
    },
    Section {
        kind: "sweep",
        heading: "`[sweep]`",
        about: "The points `citysim sweep` runs: a grid, a list, a sample, or several.",
        keys: &[super::sweep::SWEEP_KEYS],
    },
    Section {
        kind: "sample",
        heading: "`[sweep.sample]`",
        about: "Points sampled from ranges.",
        keys: &[super::sweep::SAMPLE_KEYS],
    },
    Section {
        kind: "range",
        heading: "Ranges",
        about: "A range `{ min, max }` of a sampled parameter or a tuning variable: numbers, or strings with the same unit.",
        keys: &[super::sweep::RANGE_KEYS],
    },
    Section {
        kind: "tune",
        heading: "`[tune]`",
        about: "The search `citysim tune` runs.",
        keys: &[super::tune::TUNE_KEYS],
    },
    Section {
        kind: "choices",
        heading: "Choices",
        about: "A tuning variable that takes one of listed values.",
        keys: &[super::tune::CHOICES_KEYS],
    },
];

/// Every key the readers ask for while loading `texts` (name, text), in the order first
/// asked, one entry per table kind and key; and the names of texts that did not load.
pub(crate) fn keys(texts: &[(&str, &str)]) -> (Vec<Asked>, Vec<String>) {
    let (failed, asked) = asking(|| {
        texts
            .iter()
            .filter(|(name, text)| Study::from_text(name, "reference", text, &[]).is_err())
            .map(|(name, _)| name.to_string())
            .collect::<Vec<String>>()
    });
    let mut out: Vec<Asked> = Vec::new();
    for a in asked {
        if !out.iter().any(|o| o.section == a.section && o.key == a.key) {
            out.push(a);
        }
    }
    (out, failed)
}

/// The key reference as Markdown, from the keys the readers ask for in [`FIXTURES`].
///
/// # Panics
/// When a reader opens a kind of table [`SECTIONS`] has no heading for (a new table
/// needs one).
pub fn markdown() -> String {
    markdown_with(&[])
}

/// The key reference as Markdown from [`FIXTURES`] and `extra` scenarios (name, text):
/// the same as [`markdown`] unless `extra` holds a key the fixtures never reach.
pub fn markdown_with(extra: &[(&str, &str)]) -> String {
    let texts: Vec<(&str, &str)> = FIXTURES.iter().chain(extra).copied().collect();
    render(&keys(&texts).0)
}

/// Lays `keys` out as the reference, one table per kind of table.
fn render(keys: &[Asked]) -> String {
    if let Some(a) = keys
        .iter()
        .find(|a| !SECTIONS.iter().any(|s| s.kind == a.section))
    {
        panic!(
            "the key reference has no heading for tables of kind `{}` (key `{}`): add one to SECTIONS",
            a.section, a.key
        );
    }
    let mut md = String::from(HEADER);
    for Section {
        kind,
        heading,
        about,
        ..
    } in SECTIONS
    {
        let rows: Vec<&Asked> = keys.iter().filter(|a| a.section == *kind).collect();
        if rows.is_empty() {
            continue;
        }
        md.push_str(&format!(
            "\n## {heading}\n\n{about}\n\n| key | values | left out | meaning |\n| --- | --- | --- | --- |\n"
        ));
        for a in rows {
            md.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                a.key,
                cell(&a.what),
                cell(&absent(a)),
                cell(a.meaning)
            ));
        }
    }
    md
}

const HEADER: &str = "# Scenario key reference

Every key a scenario file may hold, table by table: what its values are, what it holds
when left out, and what it means. Units are written as in the file (`\"5min\"`,
`\"125kHz\"`, `\"14dBm\"`, `\"2400mAh\"`); a percentage (`\"1%\"`) is accepted wherever a
probability is. Every key can also be set from the command line with
`--set path=value` (`--set access.lora.lora.sf=9`, `--set sensors.meters.count=500`).
Where a default comes from a standard, a datasheet or a measurement, its source follows
it in brackets; [`models.md`](models.md) explains the models.

This file is made from the scenario readers themselves (`src/scenario/reference.rs`):
`cargo test --release --test integration reference` fails when it differs from them, and
`CITYSIM_BLESS=1 cargo test --release --test integration reference` writes it again.
`citysim keys` prints it.
";

/// What a key holds when left out, in words, with the default's source.
fn absent(a: &Asked) -> String {
    match a.absent {
        Absent::Required => "required".to_string(),
        Absent::Means(words) => words.to_string(),
        Absent::Default => {
            let d = super::defaults::TABLE
                .iter()
                .find(|d| d.section == a.section && d.key == a.key)
                .expect("a key read with its default has one (Tbl::val panics otherwise)");
            format!("`{}` ({})", d.value, d.source)
        }
    }
}

/// A table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys that two readers document differently (`section.key`), which the reference
    /// could only show one way.
    fn conflicts(texts: &[(&str, &str)]) -> Vec<String> {
        let (_, asked) = asking(|| {
            for (name, text) in texts {
                let _ = Study::from_text(name, "reference", text, &[]);
            }
        });
        let mut out: Vec<String> = Vec::new();
        for (i, a) in asked.iter().enumerate() {
            let differs = asked[..i]
                .iter()
                .any(|b| b.section == a.section && b.key == a.key && b != a);
            let name = format!("{}.{}", a.section, a.key);
            if differs && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    #[test]
    fn every_fixture_loads_and_no_key_is_documented_two_ways() {
        let (_, failed) = keys(FIXTURES);
        assert!(failed.is_empty(), "fixtures that do not load: {failed:?}");
        assert_eq!(conflicts(FIXTURES), Vec::<String>::new());
    }

    #[test]
    fn every_key_read_is_documented_and_every_documented_key_is_read() {
        let (asked, _) = keys(FIXTURES);
        let bare: Vec<String> = asked
            .iter()
            .filter(|a| a.meaning.is_empty() || a.what.is_empty() || a.absent == Absent::Means(""))
            .map(|a| format!("{}.{}", a.section, a.key))
            .collect();
        assert!(
            bare.is_empty(),
            "keys read without a full Key beside their reader: {bare:?}"
        );
        for s in SECTIONS {
            for k in s.keys.iter().copied().flatten() {
                assert!(
                    asked.iter().any(|a| a.section == s.kind && a.key == k.key),
                    "`{}` is documented for `{}` tables but no reader of them asks for it",
                    k.key,
                    s.kind
                );
            }
        }
    }

    #[test]
    fn every_documented_default_is_in_the_reference() {
        let (asked, _) = keys(FIXTURES);
        for d in super::super::defaults::TABLE {
            assert!(
                asked.iter().any(|a| a.section == d.section
                    && a.key == d.key
                    && a.absent == Absent::Default),
                "{}.{} has a default but no reader asks for it in the fixtures",
                d.section,
                d.key
            );
        }
    }

    #[test]
    fn a_table_without_a_heading_is_a_bug() {
        let stray = Asked {
            section: "nowhere",
            key: "k",
            what: String::new(),
            absent: Absent::Required,
            meaning: "",
        };
        let r = std::panic::catch_unwind(|| render(&[stray]));
        assert!(r.is_err());
    }
}

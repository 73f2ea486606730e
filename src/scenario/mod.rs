//! Scenario files: the TOML format, `--set` overrides, `[sweep]` studies and validation.
//!
//! ```text
//! file text --toml_edit--> spanned tree --(--set overrides, sweep point)--> typed Scenario
//!                                   \--> resolved TOML text (manifest, hash)
//! ```
//!
//! Every section is optional except `[[sensors]]`; the defaults are listed in
//! [`defaults`] and in docs/reference.md. Unknown keys are errors.

mod access;
mod behaviour;
mod cellular;
mod city;
pub mod defaults;
mod diag;
mod disruptions;
mod distributions;
mod expr;
mod infrastructure;
mod lora;
mod lora_region;
mod propagation;
mod read;
pub mod reference;
mod regions;
mod schema;
mod sensors;
mod simulation;
mod sweep;
mod top;
mod traffic;
mod tree;
mod tune;

pub use access::*;
pub use behaviour::*;
pub use cellular::*;
pub(crate) use city::{pair, read_city, scenario_path};
pub use city::{City, MAX_CITY_SIDE_M};
pub use diag::{Diagnostic, Diagnostics, Origin, Source};
pub use disruptions::*;
pub use distributions::*;
pub use infrastructure::*;
pub use lora::*;
pub use lora_region::{DataRate, LoraRegion};
pub use propagation::{preset_sigma_db, Building, Environment, Indoor, PathModel, Propagation};
pub(crate) use propagation::{read_indoor, read_propagation};
pub(crate) use read::did_you_mean;
pub use regions::*;
pub use schema::*;
pub use sensors::*;
pub use simulation::*;
pub use sweep::SweepSpec;
pub use traffic::*;
pub use tree::{label, Node};
pub use tune::{Constraint, Domain, Expr, Method, Objective, TuneSpec, Variable};

use std::path::Path;
use std::sync::Arc;

/// Why a scenario could not be loaded. Both kinds are the user's input: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("error: cannot read scenario file {file}: {err}")]
    Io {
        /// The path as given.
        file: String,
        /// The OS error.
        err: std::io::Error,
    },
    /// The file was read but has problems (all of them listed).
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// A value as it would be written after `--set KEY=` (`40`, `"grid"`, `{ kind = "grid" }`).
pub fn value_node(text: &str) -> Node {
    tree::parse_override_value(text, &Origin::Default)
}

/// Loads and validates a scenario file, applying `--set KEY=VALUE` overrides.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, LoadError> {
    load_study(path, overrides)?.base()
}

/// Loads a scenario from text. `file` names it in messages; `default_name` is the
/// scenario name when the text has no `name` key.
pub fn load_str(
    file: &str,
    default_name: &str,
    text: &str,
    overrides: &[String],
) -> Result<Scenario, LoadError> {
    Study::from_text(file, default_name, text, overrides)?.base()
}

/// Loads a scenario file with its `[sweep]` section, checking the base scenario and
/// every point of the sweep.
pub fn load_study(path: &Path, overrides: &[String]) -> Result<Study, LoadError> {
    let text = read_bounded(path).map_err(|err| LoadError::Io {
        file: path.display().to_string(),
        err,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    Study::from_text(&path.display().to_string(), &stem, &text, overrides)
}

/// The largest scenario file read, in bytes: ten times a file listing a million
/// explicit sensor positions, so that a wrong path (`/dev/zero`, a disk image) is
/// refused instead of read until memory runs out.
pub const MAX_SCENARIO_BYTES: u64 = 256 << 20;

/// Reads a UTF-8 text file of at most [`MAX_SCENARIO_BYTES`].
fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is a folder, not a file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "it is larger than {} MiB, the most a scenario file may hold; \
                 is this the right file?",
                MAX_SCENARIO_BYTES >> 20
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        Error::new(
            ErrorKind::InvalidData,
            format!("it is not UTF-8 text (the first invalid byte is at offset {at})"),
        )
    })
}

/// A scenario file with its overrides applied, from which the base scenario and each
/// sweep point's scenario are made.
#[derive(Debug, Clone)]
pub struct Study {
    src: Arc<Source>,
    root: Node,
    default_name: String,
    /// The `[sweep]` section, if the file has one.
    pub sweep: Option<SweepSpec>,
    /// The `[tune]` section, if the file has one.
    pub tune: Option<TuneSpec>,
}

/// The problems found, in the order a person fixes them: those of `--set` arguments,
/// then the file's by line and column, then those with no place.
fn invalid(mut diags: Vec<Diagnostic>) -> LoadError {
    diags.sort_by_key(|d| match (&d.override_arg, d.line, d.col) {
        (Some(_), _, _) => (0, 0, 0),
        (None, Some(l), c) => (1, l, c.unwrap_or(0)),
        (None, None, _) => (2, 0, 0),
    });
    LoadError::Invalid(Diagnostics(diags))
}

impl Study {
    /// Parses `text`, applies `overrides`, reads `[sweep]` and validates everything.
    pub fn from_text(
        file: &str,
        default_name: &str,
        text: &str,
        overrides: &[String],
    ) -> Result<Study, LoadError> {
        let src = Arc::new(Source::new(file, text));
        let doc = match text.parse::<toml_edit::ImDocument<String>>() {
            Ok(doc) => doc,
            Err(e) => {
                let origin = Origin::File(e.span().unwrap_or(0..0));
                let msg = format!("TOML syntax error: {}", e.message().trim());
                return Err(invalid(vec![Diagnostic::at(&src, &origin, "", msg)]));
            }
        };
        let mut root = tree::from_document(&doc);
        let mut cx = read::Cx::new(src.clone());
        for arg in overrides {
            let origin = Origin::Override(arg.clone());
            match arg.split_once('=') {
                Some((path, value)) if value.contains(['\n', '\r']) => cx.err(
                    &origin,
                    path.trim(),
                    "the value holds a line break; a --set value is one line \
                     (write arrays inline, e.g. [1, 2, 3])",
                ),
                Some((path, value)) => {
                    let value = tree::parse_override_value(value, &origin);
                    if let Err(msg) = tree::set_path(&mut root, path.trim(), value) {
                        cx.err(&origin, path.trim(), msg);
                    }
                }
                None => cx.err(&origin, arg, "expected KEY=VALUE, e.g. gateways.count=40"),
            }
        }
        let sweep = tree::get(&root, "sweep").map(|n| sweep::read_sweep(&mut cx, n));
        let metrics = crate::metrics::columns::metric_columns();
        let tune = tree::get(&root, "tune").map(|n| {
            tune::read_tune(&mut cx, n, &metrics, &|p| {
                tree::number_at(&root, p).is_some()
            })
        });
        if !cx.diags.is_empty() {
            return Err(invalid(cx.diags));
        }
        let study = Study {
            src,
            root,
            default_name: default_name.to_string(),
            sweep: sweep.flatten(),
            tune: tune.flatten(),
        };
        study.base()?;
        if let Some(sw) = &study.sweep {
            // Each point must give a valid scenario; report the first bad one fully.
            for i in 0..sw.points.len() {
                study.point(i)?;
            }
        }
        if let Some(tu) = &study.tune {
            // The corners of the search space must be valid scenarios.
            for corner in [0.0, 1.0] {
                let values: Vec<(String, Node)> = tu
                    .variables
                    .iter()
                    .map(|v| (v.path.clone(), v.node(v.corner(corner))))
                    .collect();
                study.with_values(&values)?;
            }
        }
        Ok(study)
    }

    /// The scenario with the given parameter values applied (tuning candidates).
    pub fn with_values(&self, values: &[(String, Node)]) -> Result<Scenario, LoadError> {
        self.read(&self.apply(values)?)
    }

    /// The complete scenario text with `values` applied and the study sections
    /// (`[sweep]`, `[tune]`) removed: a runnable scenario file.
    pub fn scenario_text(&self, values: &[(String, Node)]) -> Result<String, LoadError> {
        let mut root = self.apply(values)?;
        tree::remove(&mut root, "sweep");
        tree::remove(&mut root, "tune");
        Ok(tree::to_toml(&root))
    }

    /// A numeric scenario value at a path (see `tree::number_at`).
    pub fn number_at(&self, path: &str) -> Option<f64> {
        tree::number_at(&self.root, path)
    }

    fn apply(&self, values: &[(String, Node)]) -> Result<Node, LoadError> {
        let mut root = self.root.clone();
        let mut cx = read::Cx::new(self.src.clone());
        for (path, v) in values {
            if let Err(msg) = tree::set_path(&mut root, path, v.clone()) {
                cx.err(&v.origin, path, format!("parameter: {msg}"));
            }
        }
        if !cx.diags.is_empty() {
            return Err(invalid(cx.diags));
        }
        Ok(root)
    }

    /// The scenario without any sweep point applied.
    pub fn base(&self) -> Result<Scenario, LoadError> {
        self.read(&self.root)
    }

    /// The scenario of sweep point `i`.
    pub fn point(&self, i: usize) -> Result<Scenario, LoadError> {
        let sw = self.sweep.as_ref().expect("point() needs a [sweep]");
        let values: Vec<(String, Node)> = sw
            .params
            .iter()
            .zip(&sw.points[i])
            .filter_map(|(p, v)| v.clone().map(|v| (p.clone(), v)))
            .collect();
        self.with_values(&values)
    }

    /// How point `i` sets each parameter, as text for CSV cells (the scenario's own
    /// value where the point leaves a parameter alone).
    pub fn point_labels(&self, i: usize) -> Vec<String> {
        let sw = self.sweep.as_ref().expect("point_labels() needs a [sweep]");
        sw.params
            .iter()
            .zip(&sw.points[i])
            .map(
                |(path, v)| match v.as_ref().or_else(|| tree::get_path(&self.root, path)) {
                    Some(node) => tree::label(node),
                    None => String::new(),
                },
            )
            .collect()
    }

    /// The resolved text of the whole study (scenario, overrides and sweep), for a hash.
    pub fn resolved(&self) -> String {
        tree::to_toml(&self.root)
    }

    /// The file the study was read from.
    pub fn source_name(&self) -> &str {
        &self.src.name
    }

    /// The scenario name used when the file has no `name` key (its file stem).
    pub fn default_name(&self) -> &str {
        &self.default_name
    }

    fn read(&self, root: &Node) -> Result<Scenario, LoadError> {
        let mut cx = read::Cx::new(self.src.clone());
        let resolved = tree::to_toml(root);
        let scenario = schema::read_scenario(&mut cx, root, &self.default_name, resolved);
        match scenario {
            Some(s) if cx.diags.is_empty() => Ok(s),
            _ => {
                if cx.diags.is_empty() {
                    cx.err(&Origin::Default, "", "the scenario could not be read");
                }
                Err(invalid(cx.diags))
            }
        }
    }
}

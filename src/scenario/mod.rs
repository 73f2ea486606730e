//! Scenario files: the TOML format, `--set` overrides and validation.
//!
//! ```text
//! file text --toml_edit--> spanned tree --(--set overrides)--> typed Scenario
//!                                   \--> resolved TOML text (manifest, hash)
//! ```
//!
//! Every section is optional except `[[sensors]]`; the defaults are listed in
//! [`defaults`] and in the README. Unknown keys are errors.

mod diag;
mod read;
mod schema;
mod tree;

pub use diag::{Diagnostic, Diagnostics, Origin, Source};
pub use schema::*;

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

/// Loads and validates a scenario file, applying `--set KEY=VALUE` overrides.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|err| LoadError::Io {
        file: path.display().to_string(),
        err,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "scenario".into());
    load_str(&path.display().to_string(), &stem, &text, overrides)
}

/// Loads a scenario from text. `file` names it in messages; `default_name` is the
/// scenario name when the text has no `name` key.
pub fn load_str(
    file: &str,
    default_name: &str,
    text: &str,
    overrides: &[String],
) -> Result<Scenario, LoadError> {
    let src = Arc::new(Source {
        name: file.to_string(),
        text: text.to_string(),
    });
    let doc = match text.parse::<toml_edit::ImDocument<String>>() {
        Ok(doc) => doc,
        Err(e) => {
            let origin = Origin::File(e.span().unwrap_or(0..0));
            let msg = format!("TOML syntax error: {}", e.message().trim());
            let d = Diagnostic::at(&src, &origin, "", msg);
            return Err(LoadError::Invalid(Diagnostics(vec![d])));
        }
    };
    let mut root = tree::from_document(&doc);
    let mut cx = read::Cx {
        src: src.clone(),
        diags: Vec::new(),
    };
    for arg in overrides {
        let origin = Origin::Override(arg.clone());
        match arg.split_once('=') {
            Some((path, value)) => {
                let value = tree::parse_override_value(value, &origin);
                if let Err(msg) = tree::set_path(&mut root, path.trim(), value) {
                    cx.err(&origin, path.trim(), msg);
                }
            }
            None => cx.err(&origin, arg, "expected KEY=VALUE, e.g. gateways.count=40"),
        }
    }
    let resolved = tree::to_toml(&root);
    let scenario = schema::read_scenario(&mut cx, &root, default_name, resolved);
    match scenario {
        Some(s) if cx.diags.is_empty() => Ok(s),
        _ => {
            if cx.diags.is_empty() {
                cx.err(&Origin::Default, "", "the scenario could not be read");
            }
            Err(LoadError::Invalid(Diagnostics(cx.diags)))
        }
    }
}

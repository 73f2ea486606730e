//! The module graph is layered: a module uses only the modules below it, so there is no
//! import cycle (issue 11: loading a scenario used to call into studies and output).

use std::path::Path;

/// Bottom first. Each module may name only modules before it.
const LAYERS: &[&str] = &[
    "units", "stats", "ids", "engine", "geo", "metrics", "scenario", "model", "run", "output",
    "report", "study", "bench",
];

/// The text of a module's files (`src/NAME.rs` or everything under `src/NAME/`).
fn module_text(name: &str) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let file = src.join(format!("{name}.rs"));
    if file.exists() {
        return std::fs::read_to_string(file).unwrap();
    }
    let mut text = String::new();
    let mut dirs = vec![src.join(name)];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                text += &std::fs::read_to_string(p).unwrap();
            }
        }
    }
    text
}

#[test]
fn issue_11_modules_use_only_the_layers_below_them() {
    let mut wrong = Vec::new();
    for (i, m) in LAYERS.iter().enumerate() {
        let text = module_text(m);
        assert!(!text.is_empty(), "no module {m}");
        for above in &LAYERS[i + 1..] {
            if text.contains(&format!("crate::{above}")) {
                wrong.push(format!("{m} uses {above}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// Every `.rs` file under `src/`, with its text.
fn sources() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p.display().to_string(), text));
            }
        }
    }
    out
}

/// (name, first line, length) of each function of rustfmt-formatted `text`: from its
/// `fn` line to the closing brace at the same indentation.
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let Some(at) = body.find("fn ") else { continue };
        let before = &body[..at];
        let is_fn = before
            .split_whitespace()
            .all(|w| w.starts_with("pub") || ["const", "async", "unsafe", "extern"].contains(&w));
        if !is_fn || body.ends_with(';') || body.ends_with('}') {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        if let Some(end) = lines[i + 1..].iter().position(|l| *l == close) {
            let name = body[at + 3..]
                .split(['(', '<'])
                .next()
                .unwrap_or("")
                .to_string();
            out.push((name, i + 1, end + 2));
        }
    }
    out
}

#[test]
fn issue_11_files_and_functions_read_in_one_sitting() {
    let mut long = Vec::new();
    for (path, text) in sources() {
        let n = text.lines().count();
        if n > 700 {
            long.push(format!("{path}: {n} lines"));
        }
        for (name, line, len) in functions(&text) {
            if len > 80 {
                long.push(format!("{path}:{line} fn {name}: {len} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "over 700 lines a file or 80 a function: {long:#?}"
    );
    // The measure sees functions: this file's own are found.
    let me = include_str!("layers.rs");
    assert!(functions(me).iter().any(|f| f.0 == "functions" && f.2 > 10));
}

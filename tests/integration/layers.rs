//! The module graph is layered: a module uses only the modules below it, so there is no
//! import cycle (issue 11: loading a scenario used to call into studies and output).

use std::path::Path;

/// Bottom first. Each module may name only modules before it.
const LAYERS: &[&str] = &[
    "units", "stats", "ids", "engine", "metrics", "scenario", "model", "run", "output", "report",
    "study", "bench",
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

//! `docs/reference.md` is made from the scenario readers (issue 14): it must equal what
//! they say today, and the bundled scenarios may use no key it leaves out.

use crate::library::bundled;
use citysim::scenario::reference::{markdown, markdown_with};
use std::path::PathBuf;

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/reference.md")
}

#[test]
fn issue_14_the_key_reference_is_the_readers_own() {
    let made = markdown();
    let path = reference_path();
    if std::env::var_os("CITYSIM_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &made).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    if written != made {
        let first = written
            .lines()
            .zip(made.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(written.lines().count().min(made.lines().count()));
        panic!(
            "docs/reference.md differs from the scenario readers from line {}:\n  file:    {}\n  readers: {}\n\
             write it again with CITYSIM_BLESS=1 cargo test --release --test integration reference",
            first + 1,
            written.lines().nth(first).unwrap_or("(end)"),
            made.lines().nth(first).unwrap_or("(end)")
        );
    }
}

#[test]
fn issue_14_the_bundled_scenarios_use_no_key_the_reference_leaves_out() {
    let texts: Vec<(String, String)> = bundled()
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    let extra: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let with = markdown_with(&extra);
    let without = markdown();
    let added: Vec<&str> = with.lines().filter(|l| !without.contains(l)).collect();
    assert!(
        added.is_empty(),
        "keys the fixtures of src/scenario/reference.rs never reach: {added:#?}"
    );
}

#[test]
fn issue_14_citysim_keys_prints_the_reference() {
    let d = tempfile::tempdir().unwrap();
    let out = crate::util::citysim(d.path(), &["keys"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.trim_end(), markdown().trim_end());
    assert!(out.stdout.contains("| `mtbf` |"), "{}", &out.stdout[..200]);
}

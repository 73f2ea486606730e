//! The record of outputs: restructuring the code must not change a single byte of what a
//! run writes. Every bundled scenario (at the reduced size of `library`) and every case
//! in `tests/golden/` is run, and each output file (wall-clock values removed) must
//! have the SHA-256 recorded in `tests/golden/record/<case>.txt`.
//!
//! A deliberate output change re-records them in its own commit:
//! `CITYSIM_BLESS=1 cargo test --release --test integration golden`. The ignored
//! `full_size_outputs_match_their_record` does the same for every bundled scenario at
//! its full size (`cargo test --release --test integration golden -- --ignored`,
//! about a minute).

use crate::library::{bundled, reduced};
use crate::util::*;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The extra cases: `tests/golden/*.toml`, relative to the repository.
fn cases() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(root().join("tests/golden"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| format!("tests/golden/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    out.sort();
    out
}

/// Relative to the repository, so that `manifest.json`'s `source` is the same in any clone.
fn relative(path: &str) -> String {
    Path::new(path)
        .strip_prefix(root())
        .map_or(path.to_string(), |p| p.to_string_lossy().into_owned())
}

/// The record's name for a scenario file: `domains/home.toml` -> `domains-home`.
fn case_name(path: &str) -> String {
    relative(path)
        .trim_start_matches("scenarios/")
        .trim_start_matches("tests/golden/")
        .trim_end_matches(".toml")
        .replace('/', "-")
}

/// `sha256  file` lines of a run's outputs.
fn digest(dir: &Path) -> String {
    let mut files = fingerprint(dir);
    files.push((
        "sensors.csv".into(),
        read_to_string(&dir.join("sensors.csv")),
    ));
    files
        .into_iter()
        .map(|(name, text)| format!("{:x}  {name}\n", Sha256::digest(text.as_bytes())))
        .collect()
}

/// Runs every case and compares (or, with CITYSIM_BLESS=1, records) its digest under
/// `tests/golden/<record>/`.
fn check(record: &str, runs: &[(String, Vec<String>)]) {
    let bless = std::env::var_os("CITYSIM_BLESS").is_some_and(|v| v == "1");
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for (path, sets) in runs {
        let name = case_name(path);
        let out = dir.path().join(&name);
        let rel = relative(path);
        let mut args = vec!["run", rel.as_str(), "--out", out.to_str().unwrap()];
        args.extend(["-q", "--no-report", "--per-sensor"]);
        args.extend(sets.iter().map(String::as_str));
        let o = citysim(&root(), &args);
        assert_eq!(o.code, 0, "{rel}: {}", o.stderr);
        let got = digest(&out);
        let file = root()
            .join("tests/golden")
            .join(record)
            .join(format!("{name}.txt"));
        if bless {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        if got != want {
            let differ: Vec<&str> = got
                .lines()
                .filter(|l| !want.lines().any(|w| w == *l))
                .filter_map(|l| l.split("  ").nth(1))
                .collect();
            wrong.push(format!("{name}: {}", differ.join(", ")));
        }
    }
    if !wrong.is_empty() {
        let kept = dir.keep();
        panic!(
            "outputs differ from tests/golden/{record} (files kept in {}):\n{}",
            kept.display(),
            wrong.join("\n")
        );
    }
}

#[test]
fn outputs_match_their_record() {
    let mut runs: Vec<(String, Vec<String>)> = bundled()
        .into_iter()
        .map(|p| {
            let r = reduced(&p);
            (p, r)
        })
        .collect();
    runs.extend(cases().into_iter().map(|p| (p, Vec::new())));
    check("record", &runs);
}

#[test]
#[ignore = "about a minute: run before and after restructuring the model"]
fn full_size_outputs_match_their_record() {
    let runs: Vec<(String, Vec<String>)> = bundled().into_iter().map(|p| (p, Vec::new())).collect();
    check("full", &runs);
}

//! Output folders that never lie: written whole or not at all, stale files gone, a
//! folder citysim did not write never replaced unless forced.

use crate::util::*;
use std::path::Path;

const SMALL: &str = r#"
name = "small"
[simulation]
duration = "10min"
[[access]]
name = "lora"
[[sensors]]
name = "air"
count = 20
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
access = "lora"
[gateways]
count = 2
access = ["lora"]
[[nodes]]
name = "cloud"
sink = true
[[links]]
from = "gw"
to = "cloud"
latency = "10ms"
"#;

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn issue_13_a_rerun_leaves_no_stale_file_of_the_previous_run() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.toml", SMALL);
    let run = |extra: &[&str]| {
        let mut args = vec!["run", f.as_str(), "--out", "out", "-q"];
        args.extend_from_slice(extra);
        let o = citysim(dir.path(), &args);
        assert_eq!(o.code, 0, "{}", o.stderr);
    };
    run(&["--per-sensor"]);
    let out = dir.path().join("out");
    assert!(out.join("sensors.csv").exists() && out.join("report.html").exists());
    run(&["--no-report"]);
    assert!(!out.join("sensors.csv").exists(), "stale sensors.csv kept");
    assert!(!out.join("report.html").exists(), "stale report.html kept");
    run(&["--replications", "3"]);
    assert!(out.join("rep-2/manifest.json").exists());
    run(&["--replications", "2"]);
    assert!(!out.join("rep-2").exists(), "stale rep-2 kept");
    assert_eq!(
        names(dir.path()),
        ["out", "small.toml"],
        "no staging folder left"
    );
}

#[test]
fn issue_13_a_folder_citysim_did_not_write_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.toml", SMALL);
    std::fs::create_dir(dir.path().join("thesis")).unwrap();
    write(&dir.path().join("thesis"), "chapter1.tex", "precious");
    let o = citysim(dir.path(), &["run", &f, "--out", "thesis", "-q"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("thesis") && o.stderr.contains("--force"),
        "{}",
        o.stderr
    );
    assert_eq!(names(&dir.path().join("thesis")), ["chapter1.tex"]);
    assert_eq!(names(dir.path()), ["small.toml", "thesis"]);
    let o = citysim(dir.path(), &["run", &f, "--out", "thesis", "-q", "--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(dir.path().join("thesis/manifest.json").exists());
    assert!(!dir.path().join("thesis/chapter1.tex").exists());
}

#[test]
fn issue_13_an_unwritable_out_fails_before_simulating_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.toml", SMALL);
    write(dir.path(), "plain-file", "not a folder");
    let o = citysim(dir.path(), &["run", &f, "--out", "plain-file/run"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("plain-file"), "{}", o.stderr);
    // The failure comes from preparing the folder, not from writing results after a
    // simulation: nothing was simulated, so nothing was printed.
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o.stderr.contains("cannot write results to"), "{}", o.stderr);
}

#[test]
fn issue_13_leftovers_of_a_killed_run_are_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "small.toml", SMALL);
    // No process has PID 4,000,000,000 (Linux PIDs stay below 2^22).
    let torn = dir.path().join(".out.partial-4000000000");
    std::fs::create_dir(&torn).unwrap();
    write(&torn, "summary.csv", "half a fi");
    let o = citysim(dir.path(), &["run", &f, "--out", "out", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    if cfg!(target_os = "linux") {
        assert_eq!(names(dir.path()), ["out", "small.toml"]);
    }
}

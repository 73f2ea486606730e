//! The scenario library: every bundled scenario validates and runs, and the
//! demonstration city covers all eight domains.

use crate::util::*;

/// The eight application domains (every domain but "other").
fn domains() -> Vec<&'static str> {
    citysim::scenario::DOMAINS
        .iter()
        .copied()
        .filter(|d| *d != "other")
        .collect()
}

/// Every bundled scenario: `scenarios/*.toml` and `scenarios/domains/*.toml`.
pub(crate) fn bundled() -> Vec<String> {
    let mut out = Vec::new();
    for dir in ["", "domains"] {
        for e in std::fs::read_dir(scenario(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                out.push(p.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Overrides that make a scenario small enough for the test suite: fewer sensors (and
/// gateways and relays), with named fault targets that still exist.
pub(crate) fn reduced(path: &str) -> Vec<String> {
    let name = std::path::Path::new(path)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut sets = match name.as_str() {
        "wuxi" => vec!["simulation.scale=0.1", "faults.0.target=lora_gw-0"],
        "bench_city" => vec!["simulation.scale=0.02"],
        "mesh_campus" => vec!["simulation.scale=0.5", "faults.0.target=router-3"],
        "logistics" => vec!["simulation.scale=0.3", "faults.0.target=cell-0"],
        "quickstart" | "mm1" | "gateway_sweep" | "flood_incident" | "lorawan_district" => vec![],
        _ => vec!["simulation.scale=0.3"],
    };
    if name == "wuxi" {
        sets.push("simulation.duration=16h");
    }
    sets.iter()
        .flat_map(|s| ["--set".to_string(), s.to_string()])
        .collect()
}

#[test]
fn every_bundled_scenario_validates_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let all = bundled();
    assert!(all.len() >= 15, "{all:?}");
    for d in domains() {
        assert!(
            all.iter()
                .any(|p| p.ends_with(&format!("domains/{d}.toml"))),
            "no scenario for {d}"
        );
    }
    for (i, path) in all.iter().enumerate() {
        let out = citysim(dir.path(), &["validate", path]);
        assert_eq!(out.code, 0, "{path}: {}", out.stderr);
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with('#'),
            "{path} should open with a comment saying what it shows"
        );
        let outdir = format!("o{i}");
        let mut args = vec!["run", path.as_str(), "--out", &outdir, "-q", "--no-report"];
        let sets = reduced(path);
        args.extend(sets.iter().map(String::as_str));
        let out = citysim(dir.path(), &args);
        assert_eq!(out.code, 0, "{path}: {}", out.stderr);
        let (h, rows) = read_csv(&dir.path().join(&outdir).join("summary.csv"));
        assert!(cell::<u64>(&h, &rows[0], "delivered") > 0, "{path}");
    }
}

#[test]
fn the_demonstration_city_covers_eight_domains_in_its_districts() {
    let dir = tempfile::tempdir().unwrap();
    let wuxi = scenario("wuxi.toml");
    let out = citysim(dir.path(), &["validate", wuxi.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // At its full size it has at least 50,000 sensors.
    let count: u64 = out
        .stdout
        .split(", ")
        .find_map(|p| p.strip_suffix(" sensors")?.replace(",", "").parse().ok())
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(count >= 50_000, "{count}");
    let mut args = vec!["run", wuxi.to_str().unwrap(), "--out", "w", "-q"];
    let sets = reduced(wuxi.to_str().unwrap());
    args.extend(sets.iter().map(String::as_str));
    let out = citysim(dir.path(), &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (h, rows) = read_csv(&dir.path().join("w/classes.csv"));
    for d in domains() {
        let delivered: u64 = rows
            .iter()
            .filter(|r| cell::<String>(&h, r, "domain") == d)
            .map(|r| cell::<u64>(&h, r, "delivered"))
            .sum();
        assert!(delivered > 0, "domain {d} delivered nothing");
    }
    // Districts are reported, the lakeside one among them.
    let (h, rows) = read_csv(&dir.path().join("w/districts.csv"));
    let names: Vec<String> = rows.iter().map(|r| cell(&h, r, "district")).collect();
    for d in ["binhu", "liangxi", "xinwu", "estates", "citywide"] {
        assert!(names.iter().any(|n| n == d), "{names:?}");
    }
    // High-priority readings (alarms, medical alerts) are served ahead of the rest.
    let (h, rows) = read_csv(&dir.path().join("w/priorities.csv"));
    assert!(cell::<u64>(&h, &rows[0], "generated") > 0);
    // The report was written with its charts.
    assert!(dir.path().join("w/report.html").exists());
}

#[test]
fn issue_14_every_set_a_scenario_suggests_is_valid() {
    // domains/environment.toml suggested `--set access.lora.duty_cycle=10%`, a path that
    // does not exist (it is access.lora.lora.duty_cycle).
    let dir = tempfile::tempdir().unwrap();
    let mut tried = 0;
    for path in bundled() {
        let text = std::fs::read_to_string(&path).unwrap();
        let comments: String = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix('#'))
            .collect::<Vec<_>>()
            .join(" ");
        // One command's `--set`s go together (`--set a=1 \ --set b=2`).
        let words: Vec<&str> = comments.split_whitespace().filter(|w| *w != "\\").collect();
        let mut i = 0;
        while i < words.len() {
            let mut args = vec!["validate", path.as_str()];
            while i + 1 < words.len() && words[i] == "--set" {
                args.extend(["--set", words[i + 1].trim_end_matches([',', ')', '.', ';'])]);
                i += 2;
            }
            if args.len() > 2 {
                let out = citysim(dir.path(), &args);
                assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
                tried += 1;
            } else {
                i += 1;
            }
        }
    }
    assert!(tried >= 10, "{tried} suggestions found");
}

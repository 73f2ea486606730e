//! The command line end to end: files written, summary printed, conservation exact.

use crate::util::*;

#[test]
fn run_writes_every_file_and_conserves_readings() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("quickstart.toml");
    // Small queues force overflows, so every drop cause has something to count.
    let out = citysim(
        dir.path(),
        &[
            "run",
            sc.to_str().unwrap(),
            "--out",
            "res",
            "--set",
            "gateways.lora_gw.queue=0",
            "--set",
            "gateways.lora_gw.service_time={ dist = \"exponential\", mean = \"400ms\" }",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("delivered"), "{}", out.stdout);
    let res = dir.path().join("res");
    for f in citysim::output::RUN_FILES {
        assert!(res.join(f).is_file(), "{f} missing");
    }
    // No temporary files left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&res)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());

    let drops = [
        "dropped_queue_overflow",
        "dropped_link_loss",
        "dropped_no_route",
    ];
    let check = |h: &[String], row: &[String]| {
        let generated: u64 = cell(h, row, "generated");
        let delivered: u64 = cell(h, row, "delivered");
        let in_flight: u64 = cell(h, row, "in_flight");
        let dropped: u64 = drops.iter().map(|c| cell::<u64>(h, row, c)).sum();
        assert_eq!(generated, delivered + dropped + in_flight, "{row:?}");
        generated
    };
    let (h, rows) = read_csv(&res.join("summary.csv"));
    assert_eq!(rows.len(), 1);
    let total = check(&h, &rows[0]);
    assert!(cell::<u64>(&h, &rows[0], "dropped_queue_overflow") > 0);
    assert!(cell::<u64>(&h, &rows[0], "dropped_link_loss") > 0);
    let (h, rows) = read_csv(&res.join("classes.csv"));
    let by_class: u64 = rows.iter().map(|r| check(&h, r)).sum();
    assert_eq!(by_class, total);

    // The manifest carries the resolved scenario, overrides applied.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(res.join("manifest.json")).unwrap()).unwrap();
    let resolved = manifest["resolved_scenario"].as_str().unwrap();
    assert!(resolved.contains("queue = 0"), "{resolved}");
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    // ...and it is itself a runnable scenario.
    let again = write(dir.path(), "resolved.toml", resolved);
    let out = citysim(dir.path(), &["validate", &again]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn timeseries_adds_up_to_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("quickstart.toml");
    let out = citysim(
        dir.path(),
        &[
            "run",
            sc.to_str().unwrap(),
            "--out",
            "r",
            "--quiet",
            "--set",
            "simulation.warmup=0s",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "--quiet printed {}", out.stdout);
    let (h, rows) = read_csv(&dir.path().join("r/timeseries.csv"));
    assert_eq!(rows.len(), 24, "2h in 5min buckets");
    let sum = |col: &str| rows.iter().map(|r| cell::<u64>(&h, r, col)).sum::<u64>();
    let (sh, srows) = read_csv(&dir.path().join("r/summary.csv"));
    assert_eq!(sum("generated"), cell::<u64>(&sh, &srows[0], "generated"));
    assert_eq!(sum("delivered"), cell::<u64>(&sh, &srows[0], "delivered"));
}

#[test]
fn validate_accepts_bundled_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(scenario(""))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let out = citysim(dir.path(), &["validate", scenario(name).to_str().unwrap()]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert!(out.stdout.contains("ok"));
    }
}

#[test]
fn the_flood_scenario_runs_with_its_surge_and_outage() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario("flood_incident.toml");
    let out = citysim(
        dir.path(),
        &["run", sc.to_str().unwrap(), "--out", "f", "-q"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (h, rows) = read_csv(&dir.path().join("f/timeseries.csv"));
    // The surge shows: more readings in the flood's first bucket than two hours before.
    let at = |t: f64| {
        rows.iter()
            .find(|r| cell::<f64>(&h, r, "time_s") == t)
            .unwrap()
    };
    let before: u64 = cell(&h, at(4.0 * 3600.0), "generated");
    let during: u64 = cell(&h, at(6.0 * 3600.0), "generated");
    assert!(during > before * 2, "before {before}, during {during}");
    // The time-series chart shades and names the incident and the outage.
    let svg = std::fs::read_to_string(dir.path().join("f/charts/timeseries.svg")).unwrap();
    assert!(
        svg.contains("incident flood") && svg.contains("outage 1"),
        "spans not drawn"
    );
}

#[test]
fn help_exists_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        "run", "validate", "sweep", "merge", "tune", "report", "bench",
    ] {
        let out = citysim(dir.path(), &[cmd, "--help"]);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("Usage"), "{cmd}: {}", out.stdout);
    }
}

#[test]
fn bench_json_has_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = citysim(
        dir.path(),
        &[
            "bench",
            "--sensors",
            "2000",
            "--gateways",
            "4",
            "--hours",
            "0.1",
            "--json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    for key in [
        "events",
        "readings",
        "wall_s",
        "cpu_s",
        "events_per_s",
        "readings_per_s",
        "peak_rss_bytes",
        "bytes_per_sensor",
    ] {
        assert!(
            v.get(key).is_some_and(|x| x.is_number()),
            "{key} missing in {v}"
        );
    }
    // 2000 sensors reading every minute for 6 minutes: about 12000 readings.
    let readings = v["readings"].as_u64().unwrap();
    assert!((11_000..=13_000).contains(&readings), "{readings}");
}

#[test]
fn issue_11_a_closed_pipe_ends_quietly_with_exit_0() {
    use std::os::fd::FromRawFd;
    // A pipe whose reading end is closed before citysim writes: every write fails
    // with a broken pipe, as in `citysim validate x.toml | head -0`.
    let mut fds = [0i32; 2];
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { libc::close(fds[0]) };
    let write_end = unsafe { std::process::Stdio::from_raw_fd(fds[1]) };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_citysim"))
        .args(["validate", scenario("quickstart.toml").to_str().unwrap()])
        .stdout(write_end)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn issue_14_validate_counts_as_people_write_them() {
    let dir = tempfile::tempdir().unwrap();
    let one = write(
        dir.path(),
        "one.toml",
        "[[sensors]]\nname = \"s\"\ncount = 1200\ntraffic = { kind = \"periodic\", interval = \"5min\" }\npayload = \"10B\"\n",
    );
    let out = citysim(dir.path(), &["validate", &one]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // It used to print "1 sensor classes, 1200 sensors, 1 gateways".
    assert!(
        out.stdout
            .contains("ok (1 sensor class, 1,200 sensors, 1 gateway, 1h simulated)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("for 1 sensor class"), "{}", out.stdout);
}

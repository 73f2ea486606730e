//! Hostile input: generated files, fat fingers and wrong paths are refused with exit 2
//! and a message that names the file and the key, in time and space linear in the input.

use crate::util::*;

/// Runs `validate FILE ARGS...` on `text` and returns the outcome.
fn validate(text: &str, args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "city.toml", text);
    let mut all = vec!["validate", file.as_str()];
    all.extend_from_slice(args);
    citysim(dir.path(), &all)
}

fn quickstart() -> String {
    std::fs::read_to_string(scenario("quickstart.toml")).unwrap()
}

#[test]
fn issue_13_an_empty_list_of_sensor_classes_is_refused() {
    // It used to validate as "0 sensor classes" and run with no sensors.
    let out = validate("name = \"x\"\nsensors = []\n", &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("city.toml:2:"), "{}", out.stderr);
    assert!(out.stderr.contains("key `sensors`"), "{}", out.stderr);
    assert!(out.stderr.contains("at least one"), "{}", out.stderr);
}

#[test]
fn issue_13_twenty_thousand_unknown_keys_give_a_bounded_message() {
    // Each problem used to be located by scanning the file from its start (20,000 keys
    // took seconds), and every one was printed in full.
    let n = 20_000;
    let mut text: String = (0..n).map(|i| format!("zz{i} = 1\n")).collect();
    text.push_str(&quickstart());
    let out = validate(&text, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("city.toml:1:1: key `zz0`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("city.toml:50:1: key `zz49`"));
    assert!(
        !out.stderr.contains("key `zz50`"),
        "only the first 50 in full"
    );
    assert!(
        out.stderr.contains("... and 19950 more (keys zz50, zz51"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&format!("{n} problems found")));
    assert!(out.stderr.len() < 20_000, "{} bytes", out.stderr.len());
}

#[test]
fn issue_13_a_long_line_is_shown_as_a_window_around_the_problem() {
    // The message used to echo the whole source line.
    let list: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let text = format!("name = \"x\"\nbogus = [{}]\n", list.join(", "));
    let out = validate(&text, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("city.toml:2:1: key `bogus`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.len() < 4_000, "{} bytes", out.stderr.len());
}

#[test]
fn issue_13_a_set_path_of_twenty_thousand_segments_is_refused() {
    // It used to rebuild the path so far at every segment (1.6 GB of strings).
    let path = vec!["a"; 20_000].join(".");
    let arg = format!("{path}=1");
    let out = validate(&quickstart(), &["--set", &arg]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no scenario key is deeper than 32"));
    assert!(out.stderr.contains("--set"), "{}", out.stderr);
}

#[test]
fn issue_13_a_set_value_with_a_line_break_is_refused() {
    // It used to be cut silently at the line break.
    let out = validate(&quickstart(), &["--set", "name=\"a\nb\""]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("key `name`"), "{}", out.stderr);
    assert!(out.stderr.contains("line break"), "{}", out.stderr);
}

#[test]
fn issue_13_a_wrong_path_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    for (path, reason) in [
        ("/dev/zero", "it is larger than 256 MiB"),
        (".", "it is a folder"),
    ] {
        let out = citysim(dir.path(), &["validate", path]);
        assert_eq!(out.code, 2, "{path}: {}", out.stderr);
        assert!(
            out.stderr
                .contains(&format!("cannot read scenario file {path}: {reason}")),
            "{}",
            out.stderr
        );
    }
    let bin = dir.path().join("bin.toml");
    std::fs::write(&bin, [b'n', b'=', 0xff, 0xfe]).unwrap();
    let out = citysim(dir.path(), &["validate", "bin.toml"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("bin.toml: it is not UTF-8 text"),
        "{}",
        out.stderr
    );
}

#[test]
fn issue_13_an_absurd_thread_count_is_refused_before_any_work() {
    // `--threads 10000` used to start ten thousand threads for a half-second job.
    let dir = tempfile::tempdir().unwrap();
    let file = scenario("quickstart.toml");
    let file = file.to_str().unwrap();
    for cmd in ["run", "sweep", "tune"] {
        for n in ["0", "10000", "many"] {
            let out = citysim(dir.path(), &[cmd, file, "--threads", n]);
            assert_eq!(out.code, 2, "{cmd} --threads {n}: {}", out.stderr);
            assert!(out.stderr.contains("from 1 to 512"), "{}", out.stderr);
        }
    }
    assert!(!dir.path().join("output").exists());
}

/// A one-class scenario of `count` sensors over an abstract cellular hop.
fn one_class(count: u64) -> String {
    format!(
        r#"name = "big"
[[access]]
name = "c"
[gateways]
count = 1
access = ["c"]
[[nodes]]
name = "cloud"
sink = true
[[links]]
from = "gw"
to = "cloud"
latency = "1ms"
[[sensors]]
name = "a"
count = {count}
traffic = {{ kind = "periodic", interval = "1h" }}
payload = "10B"
access = "c"
"#
    )
}

#[test]
fn issue_13_a_run_too_large_for_its_memory_budget_is_refused_before_it_starts() {
    // A hundred million sensors used to validate and then grow past 6 GB; ten thousand
    // classes, 2.6 GB, aborted under a memory limit.
    let dir = tempfile::tempdir().unwrap();
    let big = write(dir.path(), "big.toml", &one_class(100_000_000));
    let out = citysim(dir.path(), &["run", &big, "--max-memory", "4GB"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for needle in [
        "big.toml: the run would need about 15.0 GB",
        "15.0 GB for 100,000,000 sensors",
        "its budget is 4.0 GB (--max-memory)",
    ] {
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
    }
    assert!(!dir.path().join("output").exists(), "nothing is written");
    // Validation reports the estimate.
    let out = citysim(dir.path(), &["validate", &big]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("estimated peak memory: 15.0 GB"),
        "{}",
        out.stdout
    );

    let mut classes = one_class(1).replace("name = \"a\"", "name = \"c0\"");
    let class = classes[classes.find("[[sensors]]").unwrap()..].to_string();
    for k in 1..10_000 {
        classes.push_str(&class.replace("name = \"c0\"", &format!("name = \"c{k}\"")));
    }
    let many = write(dir.path(), "many.toml", &classes);
    let out = citysim(dir.path(), &["run", &many, "--max-memory", "1GB"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("GB for 10,000 sensor classes"),
        "{}",
        out.stderr
    );

    // Replications in parallel add up; one at a time fits.
    let small = write(dir.path(), "small.toml", &one_class(10_000));
    let args = ["run", &small, "--replications", "4", "--max-memory", "8MB"];
    let out = citysim(dir.path(), &[&args[..], &["--threads", "4"]].concat());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("for 4 runs at once"), "{}", out.stderr);
    let out = citysim(dir.path(), &[&args[..], &["--threads", "1", "-q"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);

    for bad in ["lots", "10kB", "1PB"] {
        let out = citysim(dir.path(), &["run", &small, "--max-memory", bad]);
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--max-memory"), "{}", out.stderr);
    }
}

#[test]
fn issue_13_sweeps_and_tunings_check_their_largest_point_against_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let sweep = format!(
        "{}[sweep.grid]\n\"sensors.a.count\" = [10, 1000000]\n",
        one_class(10)
    );
    let sweep = write(dir.path(), "sweep.toml", &sweep);
    let out = citysim(dir.path(), &["sweep", &sweep, "--max-memory", "50MB"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("1,000,000 sensors"), "{}", out.stderr);
    assert!(!dir.path().join("output").exists(), "nothing is written");
    let tune = format!(
        "{}[tune]\nbudget = 4\nminimize = \"sensors.a.count\"\nconstraints = [\"delivery_ratio >= 0.5\"]\n[tune.variables]\n\"sensors.a.count\" = {{ min = 10, max = 2000000 }}\n",
        one_class(10)
    );
    let tune = write(dir.path(), "tune.toml", &tune);
    let out = citysim(dir.path(), &["tune", &tune, "--max-memory", "100MB"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("2,000,000 sensors"), "{}", out.stderr);
    assert!(!dir.path().join("output").exists(), "nothing is written");
}

#[test]
fn issue_13_a_city_larger_than_a_country_is_refused() {
    // `city.width = 1e20km` used to ask for a 28 GB spatial index.
    for side in ["1e20km", "1001km"] {
        let out = validate(&quickstart(), &["--set", &format!("city.width=\"{side}\"")]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(out.stderr.contains("key `city.width`"), "{}", out.stderr);
        assert!(out.stderr.contains("at most 1000km"), "{}", out.stderr);
    }
    let out = validate(&quickstart(), &["--set", "city.width=\"1000km\""]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn issue_13_runaway_mobility_is_refused_with_the_number_of_course_changes() {
    // A route whose waypoints are all one point, with no pause, used to loop forever on
    // the first reading; a speed of light, or waypoints a centimetre apart, nearly so.
    let base = std::fs::read_to_string(scenario("domains/logistics.toml")).unwrap();
    let route_line = base
        .lines()
        .find(|l| l.starts_with("mobility = { kind = \"route\""))
        .unwrap();
    for (mobility, needle) in [
        (
            r#"mobility = { kind = "route", route = [["1km", "1km"], ["1km", "1km"]], speed = "25km/h" }"#,
            "at least two distinct waypoints",
        ),
        (
            r#"mobility = { kind = "route", route = [["1km", "1km"], ["1km", "1.00001km"]], speed = "25km/h" }"#,
            "would change course about",
        ),
        (
            r#"mobility = { kind = "random_waypoint", speed = "299792km/s" }"#,
            "expected a speed",
        ),
        (
            r#"mobility = { kind = "random_waypoint", speed = "1201km/h" }"#,
            "at most 1200km/h",
        ),
    ] {
        let text = base.replace(route_line, mobility);
        let out = validate(&text, &[]);
        assert_eq!(out.code, 2, "{mobility}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{needle}: {}", out.stderr);
        assert!(out.stderr.contains(".mobility"), "{}", out.stderr);
    }
    // Buses on the bundled route are fine.
    assert_eq!(validate(&base, &[]).code, 0);
}

#[test]
fn issue_13_a_reading_count_error_points_at_the_interval_not_the_class() {
    let text = quickstart().replace("interval = \"5min\"", "interval = \"1ns\"");
    let out = validate(&text, &["--set", "simulation.duration=\"100d\""]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = quickstart()
        .lines()
        .position(|l| l.contains("interval = \"5min\""))
        .unwrap()
        + 1;
    assert!(
        out.stderr.contains(&format!("city.toml:{line}:")),
        "line {line}: {}",
        out.stderr
    );
}

#[test]
fn issue_13_errors_point_at_the_key_not_its_table() {
    // A fault or incident starting after the run used to point at `[[faults]]`.
    let text = std::fs::read_to_string(scenario("mesh_campus.toml")).unwrap();
    let set = ["simulation.duration=\"10min\"", "simulation.warmup=\"0s\""];
    let out = validate(&text, &["--set", set[0], "--set", set[1]]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let start = text
        .lines()
        .skip_while(|l| !l.starts_with("[[faults]]"))
        .position(|l| l.starts_with("start"))
        .unwrap();
    let table = text
        .lines()
        .position(|l| l.starts_with("[[faults]]"))
        .unwrap();
    let line = table + start + 1;
    assert!(
        out.stderr
            .contains(&format!("city.toml:{line}:9: key `faults.0.start`")),
        "line {line}: {}",
        out.stderr
    );
}

#[test]
fn issue_13_a_sweep_grid_too_large_to_count_is_refused() {
    // Ten axes of a thousand values: the product of their sizes overflowed.
    let values: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let mut text = format!("{}[sweep.grid]\n", one_class(10));
    for k in 0..10 {
        text.push_str(&format!("\"sensors.a.x{k}\" = [{}]\n", values.join(", ")));
    }
    let out = validate(&text, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("about 10^30.0 points"),
        "{}",
        out.stderr
    );
    // A million points at twenty replications is too many runs.
    let many: Vec<String> = (1..=1000).map(|i| i.to_string()).collect();
    let text = format!(
        "{}[sweep]\nreplications = 20\n[sweep.grid]\n\"sensors.a.count\" = [{}]\n\"simulation.seed\" = [{}]\n",
        one_class(10),
        many.join(", "),
        many.join(", ")
    );
    let out = validate(&text, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("1000000 points x 20 replications = 20000000 runs"),
        "{}",
        out.stderr
    );
}

#[test]
fn issue_14_problems_name_entries_by_their_name_and_come_in_line_order() {
    // `sensors.0.count` told the user nothing `--set` could use, and problems came in
    // the order the sections were read.
    let text = quickstart()
        .replace("count = 400", "count = 0")
        .replace("width = \"3km\"", "width = \"-3km\"");
    let out = validate(&text, &[]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("key `sensors.air_quality.count`"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("sensors.0."), "{}", out.stderr);
    let lines: Vec<usize> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: "))
        .filter_map(|l| l.split(':').nth(1)?.parse().ok())
        .collect();
    assert!(lines.len() >= 2, "{}", out.stderr);
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    // The key works as a --set path.
    let out = validate(&quickstart(), &["--set", "sensors.air_quality.count=0"]);
    assert!(out.stderr.contains("key `sensors.air_quality.count`"));
}

#[test]
fn issue_14_one_mistake_gives_one_problem_not_its_follow_ons() {
    // A broken gateway group used to add "no gateway group serves lora" per class and
    // "no gateway group named gw" per link; a broken access network, "missing key" per
    // class; broken districts, every class and incident naming them.
    let dir = tempfile::tempdir().unwrap();
    let lorawan = scenario("lorawan_district.toml");
    for set in [
        "gateways.placement={kind=\"nonsense\"}",
        "gateways.access=[\"nope\"]",
        "access.lora.lora.sf=99",
    ] {
        let out = citysim(
            dir.path(),
            &["validate", lorawan.to_str().unwrap(), "--set", set],
        );
        assert_eq!(out.code, 2, "{set}: {}", out.stderr);
        assert!(
            out.stderr.ends_with("1 problem found\n"),
            "{set}: {}",
            out.stderr
        );
    }
    let wuxi = scenario("wuxi.toml");
    let out = citysim(
        dir.path(),
        &[
            "validate",
            wuxi.to_str().unwrap(),
            "--set",
            "city.width=1km",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let keys: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().all(|k| k.starts_with("districts.")),
        "only the districts are wrong: {keys:?}"
    );
}

#[test]
fn issue_14_a_mistyped_metric_gets_a_did_you_mean() {
    // `latency_p95` (as [targets] spells it) gave only the list of 31 metrics.
    let file = scenario("gateway_sweep.toml");
    let dir = tempfile::tempdir().unwrap();
    for (set, hint) in [
        (
            "tune.constraints=[\"latency_p95 <= 2000\"]",
            "latency_p95_ms",
        ),
        (
            "tune.constraints=[\"delivery_ratoi >= 0.95\"]",
            "delivery_ratio",
        ),
        ("tune.minimize=\"latency_p99 + 1\"", "latency_p99_ms"),
    ] {
        let out = citysim(
            dir.path(),
            &["validate", file.to_str().unwrap(), "--set", set],
        );
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!("(did you mean `{hint}`?)")),
            "{set}: {}",
            out.stderr
        );
    }
}

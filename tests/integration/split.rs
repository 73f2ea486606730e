//! One run on several threads (issue 17): the access side and the core of a city run at
//! once, and the results are byte-identical at any thread count and to the city run
//! whole on one thread.

use crate::util::*;
use citysim::run::{run_single, run_whole};

/// Every CSV file of a run's folder, the summary's wall-clock time left out.
fn csv_files(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = if name == "summary.csv" {
                let (h, rows) = read_csv(&p);
                let wall = h.iter().position(|c| c == "wall_s").unwrap();
                let mut r = rows[0].clone();
                r[wall].clear();
                format!("{}\n{}", h.join(","), r.join(","))
            } else {
                std::fs::read_to_string(&p).unwrap()
            };
            (name, text)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn issue_17_every_bundled_scenario_gives_the_same_bytes_on_1_2_and_4_threads() {
    let dir = tempfile::tempdir().unwrap();
    // Each shortened, with its incidents and faults moved inside.
    let set = |name: &str| -> Vec<&str> {
        let mut set = vec!["simulation.duration=40min"];
        match name {
            "wuxi.toml" | "wuxi_geo.toml" => {
                set = vec![
                    "simulation.duration=90min",
                    "incidents.taihu_flood.start=30min",
                ];
                if name == "wuxi.toml" {
                    set.push("faults.0.start=20min");
                }
            }
            "flood_incident.toml" => {
                set.extend(["incidents.flood.start=10min", "faults.0.start=20min"]);
            }
            "mesh_campus.toml" => set.push("faults.0.start=20min"),
            _ => {}
        }
        set.into_iter().flat_map(|s| ["--set", s]).collect()
    };
    let mut names: Vec<String> = std::fs::read_dir(scenario(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for name in &names {
        let path = scenario(name);
        let set = set(name);
        let mut seen = Vec::new();
        for threads in ["1", "2", "4"] {
            let out = format!("{name}-{threads}");
            let mut args = vec!["run", path.to_str().unwrap(), "--out", &out, "--quiet"];
            args.extend([
                "--no-report",
                "--threads",
                threads,
                "--threads-per-run",
                threads,
            ]);
            args.extend(set.iter().copied());
            let o = citysim(dir.path(), &args);
            assert_eq!(o.code, 0, "{name}: {}", o.stderr);
            seen.push(csv_files(&dir.path().join(&out)));
        }
        for (i, files) in seen.iter().enumerate().skip(1) {
            assert_eq!(files.len(), seen[0].len(), "{name}");
            for ((file, a), (_, b)) in seen[0].iter().zip(files) {
                assert!(a == b, "{name}: {file} differs at {} threads", [1, 2, 4][i]);
            }
        }
    }
}

/// Gateways with queues and narrow links to a busy edge node (one server) and on to
/// the cloud; an incident's alarms of two classes, all raised at one instant, reach
/// the edge from every gateway at one instant (every delay on their way is constant),
/// where the order they are served in decides each class's latencies; a gateway and a
/// link fail. `extra` is added.
fn city(extra: &str) -> String {
    format!(
        r#"
name = "parts"
[simulation]
duration = "1h"
warmup = "5min"
[city]
width = "3km"
height = "3km"
[[access]]
name = "radio"
latency = "10ms"
[[sensors]]
name = "meter"
count = 1500
traffic = {{ kind = "periodic", interval = "20s" }}
payload = "100B"
[[sensors]]
name = "alarm"
count = 100
priority = "high"
traffic = {{ kind = "periodic", interval = "1min" }}
payload = "40B"
[[sensors]]
name = "siren"
count = 100
priority = "high"
traffic = {{ kind = "periodic", interval = "1min" }}
payload = "40B"
[gateways]
name = "gw"
count = 9
placement = {{ kind = "grid" }}
servers = 2
service_time = {{ dist = "constant", value = "5ms" }}
queue = 5
[[nodes]]
name = "edge"
servers = 1
service_time = {{ dist = "exponential", mean = "12ms" }}
queue = 5
[[nodes]]
name = "cloud"
sink = true
[[links]]
name = "uplink"
from = "gw"
to = "edge"
latency = "4ms"
bandwidth = "200kbps"
queue = 4
[[links]]
name = "core"
from = "edge"
to = "cloud"
latency = {{ dist = "exponential", mean = "5ms", shift = "10ms" }}
[[districts]]
name = "all"
region = {{ kind = "rectangle", x0 = "0km", y0 = "0km", x1 = "3km", y1 = "3km" }}
[[incidents]]
name = "alert"
region = "all"
start = "40min"
duration = "5min"
classes = ["alarm", "siren"]
alarms = {{ spread = "0s", priority = "high" }}
[[faults]]
target = "gw-4"
start = "20min"
duration = "10min"
[[faults]]
target = "uplink-gw-2"
mtbf = "20min"
mttr = "1min"
{extra}
"#
    )
}

/// The files of `text` run whole on one thread, and in two parts on `threads`.
fn whole_and_split(text: &str, threads: usize) -> [Vec<(String, String)>; 2] {
    whole_and_split_with(text, threads, false)
}

/// [`whole_and_split`], with every sensor's record when `per_sensor`.
fn whole_and_split_with(
    text: &str,
    threads: usize,
    per_sensor: bool,
) -> [Vec<(String, String)>; 2] {
    let s = citysim::scenario::load_str("parts.toml", "parts", text, &[]).unwrap();
    let whole = if per_sensor {
        let radix = citysim::run::QueueKind::Radix;
        (citysim::run::run_full(&s, 0, radix, true, &mut |_| true).unwrap()).0
    } else {
        run_whole(&s, 0)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let split = pool.install(|| run_single(&s, (0, threads), per_sensor, &mut |_| true).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let timing = split.1;
    [whole, split.0].map(|r| {
        let d = dir
            .path()
            .join(r.events.to_string() + &r.wall_s.to_string());
        citysim::output::write_run(&d, &s, &r, &timing).unwrap();
        csv_files(&d)
    })
}

/// The same files, with the same bytes, whole and split (`how`: which split run).
fn assert_same(whole: &[(String, String)], split: &[(String, String)], how: &str) {
    let names = |f: &[(String, String)]| f.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(whole), names(split), "{how}");
    for ((file, a), (_, b)) in whole.iter().zip(split) {
        assert!(a == b, "{file} differs {how}");
    }
}

#[test]
fn issue_17_a_city_run_in_two_parts_gives_the_results_of_the_city_run_whole() {
    let text = city("");
    let s = citysim::scenario::load_str("parts.toml", "parts", &text, &[]).unwrap();
    assert!(citysim::model::budget::core_has_work(&s));
    for threads in [2, 4] {
        let [whole, split] = whole_and_split(&text, threads);
        assert_same(&whole, &split, &format!("on {threads} threads"));
    }
    // The edge's queue overflowed (the parts agreed on which readings it dropped).
    let [whole, _] = whole_and_split(&text, 2);
    let nodes = &whole.iter().find(|f| f.0 == "nodes.csv").unwrap().1;
    let (h, rows) = parse(nodes);
    let overflow = h
        .iter()
        .position(|c| c == "dropped_queue_overflow")
        .unwrap();
    assert!(rows.iter().any(|r| r[overflow] != "0"), "{nodes}");
}

#[test]
fn issue_17_a_city_whose_gateways_lead_straight_to_a_sink_runs_whole() {
    // Every reading is delivered as it leaves its gateway's link: no core to run.
    let text = city("").replace("to = \"edge\"", "to = \"cloud\"");
    let s = citysim::scenario::load_str("parts.toml", "parts", &text, &[]).unwrap();
    assert!(!citysim::model::budget::core_has_work(&s));
    let [whole, split] = whole_and_split(&text, 2);
    assert!(whole == split);
}

/// A CSV text's header and rows.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect());
    (lines.next().unwrap(), lines.collect())
}

#[test]
fn issue_17_a_run_that_cannot_use_a_second_thread_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, threads: &str| {
        let path = scenario(name);
        let args = [
            "run",
            path.to_str().unwrap(),
            "--out",
            "out",
            "--force",
            "--no-report",
            "--threads",
            threads,
            "--threads-per-run",
            "2",
            "--set",
            "simulation.duration=2min",
            "--set",
            "simulation.warmup=0s",
        ];
        let o = citysim(dir.path(), &args);
        assert_eq!(o.code, 0, "{}", o.stderr);
        o.stdout
    };
    let bench = run("bench_city.toml", "2");
    assert!(bench.contains("is simulated whole") && bench.contains("straight to a sink"));
    let one = run("quickstart.toml", "1");
    assert!(one.contains("--threads 1 leaves no second thread"), "{one}");
    // A city with an edge node on two threads splits, and says nothing of it.
    assert!(!run("quickstart.toml", "2").contains("note:"));
}

/// A city of five groups of access networks, each on its own part of a split run: a
/// wired network (first: the part the others are gathered into), NB-IoT and LTE-M on
/// separate sites, a mesh with RPL control on battery relays, and LoRa with ADR. Mobile, bursty, threshold and battery sensors; an
/// incident's surge and alarms over classes of every network; a LoRa gateway, an
/// NB-IoT site, a relay and a sensor class fail. `to` is where the gateways' links lead.
fn every_network(to: &str) -> String {
    format!(
        r#"
name = "networks"
[simulation]
duration = "50min"
warmup = "5min"
[city]
width = "2km"
height = "2km"
[[access]]
name = "wire"
latency = "1ms"
bandwidth = "10Mbps"
[[access]]
name = "nbiot"
latency = "50ms"
cellular = {{ kind = "nbiot", queue = 200 }}
[[access]]
name = "mesh"
latency = "2ms"
mesh = {{ control = "rpl" }}
[[access]]
name = "ltem"
latency = "15ms"
cellular = {{ kind = "ltem", queue = 200 }}
[[access]]
name = "lora"
latency = {{ dist = "uniform", min = "20ms", max = "60ms" }}
lora = {{ sf = "adr", channels = 3, duty_cycle = "1%" }}
[[sensors]]
name = "soil"
count = 300
traffic = {{ kind = "periodic", interval = "2min", jitter = "10s" }}
payload = "16B"
access = "lora"
energy = {{ battery = "2400mAh" }}
[[sensors]]
name = "meter"
count = 200
traffic = {{ kind = "periodic", interval = "3min", jitter = "20s" }}
payload = "48B"
access = "nbiot"
energy = {{ battery = "19Ah" }}
[[sensors]]
name = "tracker"
count = 60
traffic = {{ kind = "periodic", interval = "1min", jitter = "5s" }}
mobility = {{ kind = "random_waypoint", speed = "30km/h", pause = "5min" }}
payload = "32B"
access = "ltem"
energy = {{ battery = "1000mAh" }}
[[sensors]]
name = "feeder"
count = 100
traffic = {{ kind = "periodic", interval = "30s" }}
threshold = {{ level = 1.5, correlation = 0.9, sd = 1.0 }}
payload = "20B"
access = "ltem"
priority = "high"
[[sensors]]
name = "panel"
count = 200
traffic = {{ kind = "bursty", on = "1min", off = "10min", interval = "5s" }}
payload = "64B"
access = "wire"
[[sensors]]
name = "home"
count = 150
traffic = {{ kind = "periodic", interval = "1min", jitter = "10s" }}
payload = "12B"
access = "mesh"
energy = {{ battery = "225mAh", voltage = "3V" }}
[[gateways]]
name = "lgw"
count = 4
placement = {{ kind = "grid" }}
access = ["lora"]
[[gateways]]
name = "nb"
count = 2
placement = {{ kind = "grid" }}
access = ["nbiot"]
servers = 2
service_time = {{ dist = "exponential", mean = "2ms" }}
queue = 20
[[gateways]]
name = "lte"
count = 2
placement = {{ kind = "grid" }}
access = ["ltem"]
[[gateways]]
name = "cab"
count = 3
placement = {{ kind = "grid" }}
access = ["wire"]
service_time = {{ dist = "constant", value = "1ms" }}
queue = 10
[[gateways]]
name = "border"
count = 2
placement = {{ kind = "grid" }}
access = ["mesh"]
[[relays]]
name = "router"
count = 30
placement = {{ kind = "grid" }}
battery = "19000mAh"
[[nodes]]
name = "edge"
servers = 1
service_time = {{ dist = "exponential", mean = "3ms" }}
queue = 50
[[nodes]]
name = "cloud"
sink = true
[[links]]
name = "uplink"
from = "lgw"
to = "{to}"
latency = "5ms"
[[links]]
name = "nb_up"
from = "nb"
to = "{to}"
latency = {{ dist = "exponential", mean = "5ms", shift = "2ms" }}
[[links]]
name = "lte_up"
from = "lte"
to = "{to}"
latency = "3ms"
[[links]]
name = "cab_up"
from = "cab"
to = "{to}"
latency = "1ms"
bandwidth = "1Mbps"
queue = 20
[[links]]
name = "border_up"
from = "border"
to = "{to}"
latency = "2ms"
[[links]]
name = "core"
from = "edge"
to = "cloud"
latency = "10ms"
[[districts]]
name = "west"
region = {{ kind = "rectangle", x0 = "0km", y0 = "0km", x1 = "1km", y1 = "2km" }}
[[incidents]]
name = "storm"
region = "west"
start = "20min"
duration = "10min"
classes = ["soil", "meter", "tracker", "panel", "home"]
interval = "20s"
alarms = {{ spread = "5s" }}
[[faults]]
target = "lgw-1"
start = "15min"
duration = "10min"
[[faults]]
target = "nb-0"
start = "25min"
duration = "5min"
[[faults]]
target = "router"
mtbf = "30min"
mttr = "3min"
[[faults]]
target = "feeder"
start = "30min"
duration = "5min"
"#
    )
}

#[test]
fn issue_17_a_city_of_many_networks_runs_in_parts_with_the_results_of_the_city_run_whole() {
    for to in ["edge", "cloud"] {
        let text = every_network(to);
        let s = citysim::scenario::load_str("parts.toml", "parts", &text, &[]).unwrap();
        let groups = citysim::model::budget::access_groups(&s);
        assert_eq!(groups, [vec![0], vec![1], vec![2], vec![3], vec![4]]);
        assert_eq!(citysim::model::budget::core_has_work(&s), to == "edge");
        for threads in [2, 4] {
            let [whole, split] = whole_and_split_with(&text, threads, true);
            assert!(whole.iter().any(|f| f.0 == "sensors.csv"));
            assert_same(&whole, &split, &format!("to {to}, on {threads} threads"));
        }
    }
}

#[test]
fn issue_17_a_run_on_its_own_runs_in_parts_by_default_unless_they_would_not_fit() {
    let dir = tempfile::tempdir().unwrap();
    let path = scenario("wuxi.toml");
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            path.to_str().unwrap(),
            "--out",
            out,
            "--force",
            "--no-report",
            "--threads",
            "2",
            "--set",
            "simulation.duration=10min",
            "--set",
            "simulation.warmup=0s",
            "--set",
            "faults.0.start=5min",
            "--set",
            "incidents.taihu_flood.start=2min",
        ];
        args.extend(extra);
        citysim(dir.path(), &args)
    };
    // By default in parts (the estimate counts their copies), with the files of the
    // run whole, and nothing said of it.
    let split = run("split", &[]);
    assert_eq!(split.code, 0, "{}", split.stderr);
    assert!(!split.stdout.contains("note:"), "{}", split.stdout);
    let whole = run("whole", &["--threads-per-run", "1"]);
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    assert!(csv_files(&dir.path().join("split")) == csv_files(&dir.path().join("whole")));
    // The manifest and the summary on screen say how: the five parts of wuxi (LoRa,
    // NB-IoT with LTE-M, fibre, the mesh, and the core), or whole.
    let parts = |out: &str| {
        let text = std::fs::read_to_string(dir.path().join(out).join("manifest.json")).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        m["parts"].as_u64().unwrap()
    };
    assert_eq!((parts("split"), parts("whole")), (5, 1));
    assert!(
        split.stdout.contains("in 5 parts at once"),
        "{}",
        split.stdout
    );
    assert!(!whole.stdout.contains("parts at once"), "{}", whole.stdout);
    // What each part took, by name: what limits the speed-up of more threads.
    let busy = |out: &str| -> Vec<(String, f64)> {
        let text = std::fs::read_to_string(dir.path().join(out).join("manifest.json")).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        let parts = m["parts_busy_s"].as_array().unwrap().iter();
        parts
            .map(|p| {
                (
                    p["part"].as_str().unwrap().to_string(),
                    p["busy_s"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let names: Vec<String> = busy("split").into_iter().map(|p| p.0).collect();
    assert_eq!(names, ["core", "lora", "nbiot+ltem", "fibre", "zigbee"]);
    assert!(busy("split").iter().all(|p| p.1 >= 0.0));
    assert!(busy("whole").is_empty());
    assert!(
        split.stdout.contains("  parts: ") && split.stdout.contains("x faster than the parts"),
        "{}",
        split.stdout
    );
    assert!(!whole.stdout.contains("  parts: "), "{}", whole.stdout);
    // The report says it too.
    for out in ["split", "whole"] {
        let o = citysim(dir.path(), &["report", out]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let html =
        |out: &str| std::fs::read_to_string(dir.path().join(out).join("report.html")).unwrap();
    let split_html = html("split");
    assert!(
        split_html.contains("5 at once: ") && split_html.contains("nbiot+ltem "),
        "{split_html}"
    );
    assert!(html("whole").contains("1 (the city whole)"));
    let set = [
        "simulation.duration=10min",
        "simulation.warmup=0s",
        "faults.0.start=5min",
        "incidents.taihu_flood.start=2min",
    ];
    let s = citysim::scenario::load(&path, &set.map(String::from)).unwrap();
    let (one, parts) = (
        citysim::model::budget::estimate(&s).bytes(),
        citysim::model::budget::estimate_split(&s).bytes(),
    );
    assert!(parts > one * 2.0, "{one} {parts}");
    // Parts that would not fit: whole, said in words; asked for, refused with the way out.
    let budget = format!("{}B", ((one + parts) / 2.0) as u64);
    let fallback = run("fallback", &["--max-memory", &budget]);
    assert_eq!(fallback.code, 0, "{}", fallback.stderr);
    assert!(
        fallback.stdout.contains("simulated whole") && fallback.stdout.contains("not fit"),
        "{}",
        fallback.stdout
    );
    let insist = run(
        "insist",
        &["--max-memory", &budget, "--threads-per-run", "2"],
    );
    assert_eq!(insist.code, 2);
    assert!(
        insist.stderr.contains("--threads-per-run 1"),
        "{}",
        insist.stderr
    );
}

#[test]
fn issue_17_networks_that_share_gateways_or_a_channel_table_run_in_one_part() {
    // NB-IoT and LTE-M now share the "lte" sites; a second LoRa network on its own
    // gateways shares the LoRa channel table; a wired network no class uses has a site.
    let text = every_network("edge")
        .replace(
            "access = [\"ltem\"]",
            "access = [\"ltem\", \"nbiot\"]",
        )
        .replace(
            "[[sensors]]\nname = \"soil\"",
            r#"[[access]]
name = "lora2"
latency = "30ms"
lora = { sf = "auto", channels = 2 }
[[access]]
name = "spare"
latency = "1ms"
[[sensors]]
name = "tank"
count = 50
traffic = { kind = "periodic", interval = "5min" }
payload = "10B"
access = "lora2"
[[sensors]]
name = "soil""#,
        )
        .replace(
            "[[relays]]",
            r#"[[gateways]]
name = "lgw2"
count = 2
placement = { kind = "grid" }
access = ["lora2"]
[[gateways]]
name = "sp"
count = 1
placement = { kind = "grid" }
access = ["spare"]
[[relays]]"#,
        )
        .replace(
            "[[links]]\nname = \"core\"",
            "[[links]]\nname = \"lora2_up\"\nfrom = \"lgw2\"\nto = \"edge\"\nlatency = \"5ms\"\n[[links]]\nname = \"sp_up\"\nfrom = \"sp\"\nto = \"edge\"\nlatency = \"1ms\"\n[[links]]\nname = \"core\"",
        );
    let s = citysim::scenario::load_str("parts.toml", "parts", &text, &[]).unwrap();
    let names: Vec<&str> = s.access.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["wire", "nbiot", "mesh", "ltem", "lora", "lora2", "spare"]
    );
    // wire (with the unused network), the cellular pair, the mesh, the two LoRa.
    let groups = citysim::model::budget::access_groups(&s);
    assert_eq!(groups, [vec![0, 6], vec![1, 3], vec![2], vec![4, 5]]);
    let [whole, split] = whole_and_split(&text, 2);
    assert_same(&whole, &split, "on 2 threads");
}

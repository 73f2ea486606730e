//! Studies: sweeps, replications, shards, merge, resume, confidence intervals.

use crate::util::*;
use std::path::Path;

/// The bundled gateway sweep made small enough for tests (2 x 2 points x 3 replications).
pub fn small_sweep(dir: &Path) -> String {
    let text = std::fs::read_to_string(scenario("gateway_sweep.toml"))
        .unwrap()
        .replace("count = 3000", "count = 300")
        .replace("duration = \"1h\"", "duration = \"20min\"")
        .replace("replications = 4", "replications = 3")
        .replace("[4, 9, 16, 25]", "[4, 16]")
        .replace("[\"30s\", \"1min\", \"5min\"]", "[\"30s\", \"5min\"]");
    write(dir, "sweep.toml", &text)
}

fn same_file(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(x == y, "{} and {} differ", a.display(), b.display());
}

#[test]
fn thread_count_does_not_change_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = small_sweep(dir.path());
    for (out, threads) in [("t1", "1"), ("t2", "2")] {
        let o = citysim(
            dir.path(),
            &["sweep", &f, "--out", out, "--threads", threads, "-q"],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    for f in ["runs.csv", "aggregate.csv"] {
        same_file(
            &dir.path().join("t1").join(f),
            &dir.path().join("t2").join(f),
        );
    }
    let (h, rows) = read_csv(&dir.path().join("t1/runs.csv"));
    assert_eq!(rows.len(), 12);
    assert!(h.contains(&"gateways.count".to_string()));
    let (h, rows) = read_csv(&dir.path().join("t1/aggregate.csv"));
    assert_eq!(rows.len(), 4);
    // The CI brackets the mean, and more gateways deliver more in this district.
    for r in &rows {
        let m: f64 = cell(&h, r, "delivery_ratio_mean");
        let lo: f64 = cell(&h, r, "delivery_ratio_ci95_low");
        let hi: f64 = cell(&h, r, "delivery_ratio_ci95_high");
        assert!(lo <= m && m <= hi);
    }
    let ratio = |i: usize| cell::<f64>(&h, &rows[i], "delivery_ratio_mean");
    assert!(ratio(2) > ratio(0), "16 gateways vs 4");
}

#[test]
fn shards_merge_into_the_single_machine_files() {
    let dir = tempfile::tempdir().unwrap();
    let f = small_sweep(dir.path());
    let d = dir.path();
    assert_eq!(citysim(d, &["sweep", &f, "--out", "all", "-q"]).code, 0);
    for k in 1..=3 {
        let o = citysim(
            d,
            &[
                "sweep",
                &f,
                "--out",
                &format!("s{k}"),
                "--shard",
                &format!("{k}/3"),
                "-q",
            ],
        );
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            !d.join(format!("s{k}/aggregate.csv")).exists(),
            "a shard has no aggregate"
        );
    }
    let o = citysim(d, &["merge", "s1", "s2", "s3", "--out", "merged"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for f in ["runs.csv", "aggregate.csv"] {
        same_file(&d.join("all").join(f), &d.join("merged").join(f));
    }

    // Refusals: a missing shard, an overlap, another study, another version.
    let o = citysim(d, &["merge", "s1", "s3", "--out", "bad"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("missing shard(s): 2/3"), "{}", o.stderr);
    let o = citysim(d, &["merge", "s1", "s2", "s2", "s3", "--out", "bad"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("overlap"), "{}", o.stderr);
    let o = citysim(
        d,
        &[
            "sweep",
            &f,
            "--out",
            "other",
            "--shard",
            "2/3",
            "--set",
            "simulation.seed=99",
            "-q",
        ],
    );
    assert_eq!(o.code, 0);
    let o = citysim(d, &["merge", "s1", "other", "s3", "--out", "bad"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("different study") && o.stderr.contains("other"),
        "{}",
        o.stderr
    );
    let j = d.join("s2/journal.csv");
    let text = std::fs::read_to_string(&j).unwrap();
    std::fs::write(&j, text.replacen("version=", "version=9", 1)).unwrap();
    let o = citysim(d, &["merge", "s1", "s2", "s3", "--out", "bad"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("different versions"), "{}", o.stderr);
    assert!(!d.join("bad/aggregate.csv").exists());
}

#[test]
fn a_killed_sweep_resumes_to_the_same_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Longer tasks so the sweep can be killed partway.
    let text = std::fs::read_to_string(small_sweep(d))
        .unwrap()
        .replace("count = 300", "count = 3000")
        .replace("duration = \"20min\"", "duration = \"2h\"");
    let f = write(d, "slow.toml", &text);
    assert_eq!(
        citysim(
            d,
            &["sweep", &f, "--out", "straight", "-q", "--threads", "2"]
        )
        .code,
        0
    );

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_citysim"))
        .args(["sweep", &f, "--out", "cut", "-q", "--threads", "1"])
        .current_dir(d)
        .spawn()
        .unwrap();
    let journal = d.join("cut/journal.csv");
    let t0 = std::time::Instant::now();
    loop {
        let lines = std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 5 || t0.elapsed().as_secs() > 60 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Less the header and the column names.
    let recorded = std::fs::read_to_string(&journal).unwrap().lines().count() - 2;
    assert!((3..12).contains(&recorded), "killed after {recorded} tasks");
    assert!(!d.join("cut/aggregate.csv").exists());

    let o = citysim(d, &["sweep", &f, "--out", "cut", "-q"]);
    assert_eq!(o.code, 2, "refuses to overwrite without --resume");
    let o = citysim(d, &["sweep", &f, "--out", "cut", "--resume"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout.contains(&format!("{recorded} from the journal")),
        "{}",
        o.stdout
    );
    for f in ["runs.csv", "aggregate.csv"] {
        same_file(&d.join("straight").join(f), &d.join("cut").join(f));
    }
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = std::fs::read_to_string(small_sweep(d))
        .unwrap()
        .replace("count = 300", "count = 20000")
        .replace("duration = \"20min\"", "duration = \"6h\"");
    let f = write(d, "slow.toml", &text);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_citysim"))
        .args(["sweep", &f, "--out", "int", "--threads", "1"])
        .current_dir(d)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("--resume"),
        "{stderr}"
    );
    assert!(d.join("int/journal.csv").exists());
}

#[test]
fn student_t_intervals_cover_the_true_mean_about_95_percent_of_the_time() {
    // 200 independent M/M/1 studies (seeds), 3 replications each: each point's 95%
    // interval for the mean time in system should cover W = 1/(mu - lambda) = 2 ms.
    // Coverage counts are Binomial(200, 0.95): mean 190, sd 3.1, so [180, 199] fails a
    // correct formula with probability below 0.2%; a normal (z) interval at R = 3 covers
    // only ~81% (about 162 of 200) and fails it.
    let dir = tempfile::tempdir().unwrap();
    let seeds: Vec<String> = (1..=200).map(|s| s.to_string()).collect();
    let text = std::fs::read_to_string(scenario("mm1.toml"))
        .unwrap()
        .replace("duration = \"2000s\"", "duration = \"21s\"")
        .replace("warmup = \"10s\"", "warmup = \"1s\"")
        .replace("interval = \"1.25ms\"", "interval = \"2ms\"")
        + &format!(
            "\n[sweep]\nreplications = 3\n[sweep.grid]\n\"simulation.seed\" = [{}]\n",
            seeds.join(", ")
        );
    let f = write(dir.path(), "mm1_ci.toml", &text);
    let o = citysim(dir.path(), &["sweep", &f, "--out", "ci", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (h, rows) = read_csv(&dir.path().join("ci/aggregate.csv"));
    assert_eq!(rows.len(), 200);
    let covered = rows
        .iter()
        .filter(|r| {
            let lo: f64 = cell(&h, r, "latency_mean_ms_ci95_low");
            let hi: f64 = cell(&h, r, "latency_mean_ms_ci95_high");
            lo <= 2.0 && 2.0 <= hi
        })
        .count();
    assert!((180..=199).contains(&covered), "covered {covered} of 200");
}

#[test]
fn run_replications_and_several_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let q = scenario("quickstart.toml");
    let o = citysim(
        d,
        &[
            "run",
            q.to_str().unwrap(),
            "--replications",
            "3",
            "--out",
            "reps",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("95% CI"), "{}", o.stdout);
    for r in 0..3 {
        assert!(d.join(format!("reps/rep-{r}/classes.csv")).is_file());
    }
    let (h, rows) = read_csv(&d.join("reps/summary.csv"));
    assert_eq!(rows.len(), 3);
    let reps: Vec<u32> = rows.iter().map(|r| cell(&h, r, "replication")).collect();
    assert_eq!(reps, vec![0, 1, 2]);
    let ratios: Vec<String> = rows
        .iter()
        .map(|r| r[h.iter().position(|c| c == "delivery_ratio").unwrap()].clone())
        .collect();
    assert!(ratios[0] != ratios[1], "replications must differ");
    // The layout of a sweep's aggregate.csv: one point, no parameters.
    let (h, rows) = read_csv(&d.join("reps/aggregate.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!(&h[..2], ["point", "replications"]);
    assert_eq!(cell::<u32>(&h, &rows[0], "replications"), 3);
    let mean: f64 = cell(&h, &rows[0], "delivery_ratio_mean");
    let ratios: Vec<f64> = ratios.iter().map(|r| r.parse().unwrap()).collect();
    assert!((mean - ratios.iter().sum::<f64>() / 3.0).abs() < 1e-6);

    let m = scenario("mm1.toml");
    let o = citysim(
        d,
        &[
            "run",
            q.to_str().unwrap(),
            m.to_str().unwrap(),
            "--out",
            "both",
            "-q",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let (_, rows) = read_csv(&d.join("both/summary.csv"));
    assert_eq!(
        rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        vec!["quickstart", "mm1"]
    );
    assert!(
        d.join("both/quickstart/summary.csv").is_file() && d.join("both/mm1/summary.csv").is_file()
    );
    let o = citysim(d, &["run", q.to_str().unwrap(), q.to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("two scenarios are named"), "{}", o.stderr);
}

#[test]
fn bad_sweep_input_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = std::fs::read_to_string(small_sweep(d)).unwrap();
    let cases = [
        ("\"gateways.count\" = [4, 16]", "\"gateways.cout\" = [4, 16]", "gateways.cout"),
        ("\"gateways.count\" = [4, 16]", "\"gateways.count\" = []", "empty range"),
        ("\"gateways.count\" = [4, 16]", "\"gateways.count\" = [4, -1]", "gateways.count"),
        ("replications = 3", "replications = 0", "sweep.replications"),
        (
            "[sweep.grid]",
            "[sweep.sample]\nmethod = \"lhs\"\npoints = 3\nranges = { \"gateways.count\" = { min = 9, max = 2 } }\n[sweep.grid]",
            "range is empty",
        ),
        ("[sweep.grid]", "[sweep.gird]", "did you mean `grid`"),
    ];
    for (from, to, needle) in cases {
        let f = write(d, "bad.toml", &base.replace(from, to));
        let o = citysim(d, &["sweep", &f, "--out", "bad", "-q"]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
        assert!(o.stderr.contains("bad.toml"), "{}", o.stderr);
        assert!(!o.stderr.contains("panicked"));
    }
    let f = small_sweep(d);
    let o = citysim(d, &["sweep", &f, "--shard", "4/3"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("4/3"), "{}", o.stderr);
    let o = citysim(d, &["sweep", scenario("quickstart.toml").to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no [sweep]"), "{}", o.stderr);
}

#[test]
fn latin_hypercube_puts_one_point_in_each_stratum() {
    let text = std::fs::read_to_string(scenario("quickstart.toml")).unwrap()
        + "\n[sweep]\n[sweep.sample]\nmethod = \"lhs\"\npoints = 10\nseed = 4\n\
           ranges = { \"gateways.lora_gw.count\" = { min = 1, max = 10 }, \
           \"access.lpwan.loss\" = { min = 0.0, max = 0.5 }, \
           \"sensors.parking.traffic.interval\" = { min = \"10s\", max = \"60s\" } }\n";
    let study = citysim::scenario::Study::from_text("lhs.toml", "lhs", &text, &[]).unwrap();
    let labels: Vec<Vec<String>> = (0..10).map(|p| study.point_labels(p)).collect();
    let mut counts: Vec<i64> = labels.iter().map(|l| l[0].parse().unwrap()).collect();
    counts.sort();
    assert_eq!(counts, (1..=10).collect::<Vec<i64>>());
    let mut strata: Vec<usize> = labels
        .iter()
        .map(|l| (l[1].parse::<f64>().unwrap() / 0.05).floor() as usize)
        .collect();
    strata.sort();
    assert_eq!(strata, (0..10).collect::<Vec<usize>>());
    for l in &labels {
        let ns = citysim::units::parse_duration_ns(&l[2]).unwrap();
        assert!((10_000_000_000..=60_000_000_000).contains(&ns), "{}", l[2]);
    }
    // Every sampled point is a valid scenario with the value applied.
    let s = study.point(3).unwrap();
    assert_eq!(s.gateways[0].count.to_string(), labels[3][0]);
}

/// A gateway whose servers are the decision: delivery grows with them (queue of 5,
/// 1000 readings/s, 10 ms service), cost 100 per server.
const SERVERS: &str = r#"
name = "servers"
[simulation]
duration = "2min"
warmup = "10s"
seed = 3
[[sensors]]
name = "load"
count = 100
traffic = { kind = "poisson", interval = "100ms" }
payload = "20B"
[gateways]
count = 1
servers = 1
service_time = { dist = "exponential", mean = "10ms" }
queue = 5
[tune]
minimize = "gateways.servers * 100"
constraints = ["delivery_ratio >= 0.99"]
replications = 3
max_replications = 3
budget = 200
[tune.variables]
"gateways.servers" = { min = 1, max = 32 }
"#;

#[test]
fn tuning_finds_the_optimum_of_an_exhaustive_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The independent answer: every server count, same replications, the smallest whose
    // 95% lower bound meets the target.
    let all: Vec<String> = (1..=32).map(|s| s.to_string()).collect();
    let sweep = format!(
        "{SERVERS}\n[sweep]\nreplications = 3\n[sweep.grid]\n\"gateways.servers\" = [{}]\n",
        all.join(", ")
    );
    let f = write(d, "servers.toml", &sweep);
    assert_eq!(
        citysim(d, &["sweep", &f, "--out", "exhaustive", "-q"]).code,
        0
    );
    let (h, rows) = read_csv(&d.join("exhaustive/aggregate.csv"));
    let feasible: Vec<bool> = rows
        .iter()
        .map(|r| cell::<f64>(&h, r, "delivery_ratio_ci95_low") >= 0.99)
        .collect();
    let optimum = feasible
        .iter()
        .position(|&f| f)
        .expect("some count is feasible")
        + 1;
    assert!(
        feasible[optimum - 1..].iter().all(|&f| f),
        "feasibility is monotone here"
    );
    assert!((2..32).contains(&optimum), "an interior optimum: {optimum}");

    for (method, out) in [("auto", "bisect"), ("search", "search")] {
        let text = SERVERS.replace(
            "budget = 200",
            &format!("budget = 200\nmethod = \"{method}\""),
        );
        let f = write(d, &format!("{method}.toml"), &text);
        let o = citysim(d, &["tune", &f, "--out", out]);
        assert_eq!(o.code, 0, "{method}: {}", o.stderr);
        assert!(
            o.stdout.contains(&format!("gateways.servers = {optimum}")),
            "{method}: {}",
            o.stdout
        );
        let best = std::fs::read_to_string(d.join(out).join("best.toml")).unwrap();
        assert!(!best.contains("[tune]") && !best.contains("[sweep]"));
        let b = write(d, "best.toml", &best);
        let o = citysim(d, &["validate", &b]);
        assert_eq!(o.code, 0, "best.toml is a valid scenario: {}", o.stderr);
        let s = citysim::scenario::load(Path::new(&b), &[]).unwrap();
        assert_eq!(s.gateways[0].servers as usize, optimum);
        let (h, trials) = read_csv(&d.join(out).join("trials.csv"));
        assert!(trials.len() >= 3);
        let runs: usize = trials
            .iter()
            .map(|r| cell::<usize>(&h, r, "replications"))
            .max()
            .unwrap();
        assert_eq!(runs, 3);
        // Issue 14: the search chart plots the objective against the variable, names
        // both axes and rings the answer (it said "objective" against "trial").
        let svg = std::fs::read_to_string(d.join(out).join("charts/search.svg")).unwrap();
        assert!(
            svg.contains("\ngateways.servers\n</text>"),
            "{method}: x axis"
        );
        let objective: f64 = trials
            .iter()
            .filter(|r| cell::<u32>(&h, r, "gateways.servers") as usize == optimum)
            .map(|r| cell::<f64>(&h, r, "objective"))
            .next()
            .unwrap();
        let answer = format!(
            "answer: {} at gateways.servers = {optimum}",
            citysim::units::human_number(objective)
        );
        assert!(svg.contains(&answer), "{method}: {answer}");
    }
    // Bisection needs far fewer runs than the 96 of the exhaustive sweep.
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("bisect/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["method"], "bisection");
    assert!(m["runs"].as_u64().unwrap() <= 24, "{m}");
}

#[test]
fn tuning_without_a_feasible_candidate_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = SERVERS.replace("max = 32", "max = 4");
    let f = write(dir.path(), "t.toml", &text);
    let o = citysim(dir.path(), &["tune", &f, "--out", "t"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("no candidate met every constraint"),
        "{}",
        o.stderr
    );
    assert!(dir.path().join("t/trials.csv").is_file());
    assert!(!dir.path().join("t/best.toml").exists());
    // Issue 14: it names the closest candidate, the constraint it missed and what to
    // change (it used to point at trials.csv only).
    assert!(
        o.stderr.contains("closest: gateways.servers = 4"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("delivery_ratio >= 0.99: missed (mean 0."),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("widen the variables' ranges"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_tune_input_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases = [
        (
            "delivery_ratio >= 0.99",
            "delivery_rate >= 0.99",
            "no metric named `delivery_rate`",
        ),
        (
            "delivery_ratio >= 0.99",
            "delivery_ratio = 0.99",
            "tune.constraints.0",
        ),
        (
            "gateways.servers * 100",
            "gateways.servers * cost",
            "`cost` is neither",
        ),
        (
            "gateways.servers * 100",
            "gateways.servers * (100",
            "tune.minimize",
        ),
        (
            "{ min = 1, max = 32 }",
            "{ min = 32, max = 1 }",
            "range is empty",
        ),
        (
            "max_replications = 3",
            "max_replications = 2",
            "tune.max_replications",
        ),
        (
            "\"gateways.servers\" = {",
            "\"gateways.sevrers\" = {",
            "gateways.sevrers",
        ),
    ];
    for (from, to, needle) in cases {
        let f = write(d, "bad.toml", &SERVERS.replace(from, to));
        let o = citysim(d, &["tune", &f, "--out", "bad"]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
        assert!(o.stderr.contains("bad.toml"), "{}", o.stderr);
    }
    let o = citysim(d, &["tune", scenario("quickstart.toml").to_str().unwrap()]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no [tune]"), "{}", o.stderr);
}

#[test]
fn two_objectives_give_a_pareto_front() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Cost against p95 latency, delivery constrained: more servers cost more and wait less.
    let text = SERVERS.replace(
        "minimize = \"gateways.servers * 100\"",
        "minimize = [\"gateways.servers * 100\", \"latency_p95_ms\"]",
    );
    let f = write(d, "pareto.toml", &text);
    let o = citysim(d, &["tune", &f, "--out", "p"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("Pareto front"), "{}", o.stdout);
    assert!(d.join("p/charts/pareto.png").is_file() && !d.join("p/best.toml").exists());
    let (h, front) = read_csv(&d.join("p/pareto.csv"));
    assert!(front.len() >= 2, "a trade-off has several points");
    let pts: Vec<(f64, f64)> = front
        .iter()
        .map(|r| (cell(&h, r, "objective_1"), cell(&h, r, "objective_2")))
        .collect();
    // Mutually non-dominated, and every constraint met by its bound.
    for (i, a) in pts.iter().enumerate() {
        for (j, b) in pts.iter().enumerate() {
            if i != j {
                assert!(
                    !(b.0 <= a.0 && b.1 <= a.1 && (b.0 < a.0 || b.1 < a.1)),
                    "{b:?} dominates {a:?}"
                );
            }
        }
    }
    for r in &front {
        assert!(cell::<f64>(&h, r, "delivery_ratio_bound") >= 0.99);
    }
    // No feasible trial is better on both objectives than the whole front.
    let (th, trials) = read_csv(&d.join("p/trials.csv"));
    for r in trials
        .iter()
        .filter(|r| cell::<u8>(&th, r, "feasible") == 1)
    {
        let t: (f64, f64) = (cell(&th, r, "objective_1"), cell(&th, r, "objective_2"));
        assert!(
            pts.iter().any(|p| p.0 <= t.0 && p.1 <= t.1),
            "trial {t:?} not covered by the front"
        );
    }
    // The cheapest end of the front is the single-objective optimum (15 servers, see
    // tuning_finds_the_optimum_of_an_exhaustive_sweep).
    let cheapest = front
        .iter()
        .min_by(|a, b| {
            cell::<f64>(&h, a, "objective_1")
                .partial_cmp(&cell::<f64>(&h, b, "objective_1"))
                .unwrap()
        })
        .unwrap();
    assert_eq!(cell::<u32>(&h, cheapest, "gateways.servers"), 15);
}

#[test]
fn issue_13_a_refused_sweep_leaves_the_folder_it_refused_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = small_sweep(d);
    let f = f.as_str();
    assert_eq!(citysim(d, &["sweep", f, "--out", "s", "-q"]).code, 0);
    let study = std::fs::read(d.join("s/study.toml")).unwrap();
    let journal = std::fs::read(d.join("s/journal.csv")).unwrap();
    // Another --set with --resume, or no --resume at all: refused, and untouched.
    for args in [
        vec![
            "sweep",
            f,
            "--out",
            "s",
            "--resume",
            "--set",
            "simulation.seed=99",
            "-q",
        ],
        vec![
            "sweep",
            f,
            "--out",
            "s",
            "--set",
            "simulation.seed=99",
            "-q",
        ],
    ] {
        let o = citysim(d, &args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert_eq!(
            std::fs::read(d.join("s/study.toml")).unwrap(),
            study,
            "{args:?}"
        );
        assert_eq!(
            std::fs::read(d.join("s/journal.csv")).unwrap(),
            journal,
            "{args:?}"
        );
    }
    // So a merge of the folder still works.
    let o = citysim(d, &["merge", "s", "--out", "m"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn issue_13_a_killed_tuning_resumes_from_its_journal_to_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Longer runs so the search can be killed partway.
    let text = SERVERS
        .replace("budget = 200", "budget = 36\nmethod = \"search\"")
        .replace("duration = \"2min\"", "duration = \"6min\"");
    let f = write(d, "servers.toml", &text);
    let o = citysim(
        d,
        &["tune", &f, "--out", "straight", "-q", "--threads", "2"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_citysim"))
        .args(["tune", &f, "--out", "cut", "-q", "--threads", "1"])
        .current_dir(d)
        .spawn()
        .unwrap();
    let journal = d.join("cut/journal.csv");
    let t0 = std::time::Instant::now();
    let lines = || {
        std::fs::read_to_string(&journal)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    while lines() < 9 && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let recorded = lines() - 2; // less the header and the column names
    assert!((7..35).contains(&recorded), "killed after {recorded} runs");
    assert!(!d.join("cut/trials.csv").exists());

    let o = citysim(d, &["tune", &f, "--out", "cut", "-q"]);
    assert_eq!(o.code, 2, "refuses to start over without --resume");
    assert!(o.stderr.contains("--resume"), "{}", o.stderr);
    assert_eq!(lines() - 2, recorded, "the refusal kept the journal");
    let o = citysim(d, &["tune", &f, "--out", "cut", "-q", "--resume"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    for f in ["trials.csv", "best.toml"] {
        same_file(&d.join("straight").join(f), &d.join("cut").join(f));
    }
    // A different study is refused in the folder, and --force starts afresh.
    let g = write(d, "other.toml", &text.replace("seed = 3", "seed = 4"));
    let o = citysim(d, &["tune", &g, "--out", "cut", "-q", "--resume"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("different study"), "{}", o.stderr);
    let o = citysim(d, &["tune", &g, "--out", "cut", "-q", "--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn issue_13_studies_refuse_a_folder_citysim_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = small_sweep(d);
    std::fs::create_dir(d.join("mine")).unwrap();
    write(&d.join("mine"), "notes.txt", "precious");
    let t = write(d, "servers.toml", SERVERS);
    for args in [
        vec!["sweep", f.as_str(), "--out", "mine", "-q"],
        vec!["tune", t.as_str(), "--out", "mine", "-q"],
    ] {
        let o = citysim(d, &args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert!(o.stderr.contains("--force"), "{}", o.stderr);
        assert_eq!(std::fs::read_dir(d.join("mine")).unwrap().count(), 1);
    }
    // merge: into a foreign folder, or over a sweep of another study, is refused.
    for k in ["1/2", "2/2"] {
        let out = format!("s{}", &k[..1]);
        let o = citysim(d, &["sweep", &f, "--shard", k, "--out", &out, "-q"]);
        assert_eq!(o.code, 0, "{}", o.stderr);
    }
    let o = citysim(d, &["merge", "s1", "s2", "--out", "mine"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(std::fs::read_dir(d.join("mine")).unwrap().count(), 1);
    let other = write(
        d,
        "other.toml",
        &std::fs::read_to_string(&f)
            .unwrap()
            .replace("seed = 7", "seed = 9"),
    );
    let o = citysim(d, &["sweep", &other, "--out", "theirs", "-q"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let before = std::fs::read(d.join("theirs/aggregate.csv")).unwrap();
    let o = citysim(d, &["merge", "s1", "s2", "--out", "theirs"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("different study"), "{}", o.stderr);
    assert_eq!(
        std::fs::read(d.join("theirs/aggregate.csv")).unwrap(),
        before
    );
    let o = citysim(d, &["merge", "s1", "s2", "--out", "mine", "--force"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn issue_14_constraints_speak_the_language_of_targets() {
    // `latency_p95 <= 2s` and `delivery_ratio >= 99%`, as [targets] writes them, are the
    // constraints `latency_p95_ms <= 2000` and `delivery_ratio >= 0.99`.
    let load = |constraints: &str| {
        let text = SERVERS.replace(
            "constraints = [\"delivery_ratio >= 0.99\"]",
            &format!("constraints = {constraints}"),
        );
        assert!(
            text.contains(constraints),
            "the test's scenario has no such line"
        );
        let study = citysim::scenario::Study::from_text("t.toml", "t", &text, &[]).unwrap();
        study
            .tune
            .unwrap()
            .constraints
            .into_iter()
            .map(|c| (c.metric, c.at_least, c.value))
            .collect::<Vec<_>>()
    };
    let human =
        load(r#"["delivery_ratio >= 99%", "latency_p95 <= 2s", "high_latency_p99 <= 250ms"]"#);
    let canonical = load(
        r#"["delivery_ratio >= 0.99", "latency_p95_ms <= 2000", "high_latency_p99_ms <= 250"]"#,
    );
    assert_eq!(human, canonical);
    // A value that is neither says what would be.
    let dir = tempfile::tempdir().unwrap();
    let text = SERVERS.replace(
        "constraints = [\"delivery_ratio >= 0.99\"]",
        "constraints = [\"latency_p95 <= soon\"]",
    );
    let f = write(dir.path(), "t.toml", &text);
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("no metric named `latency_p95`"),
        "{}",
        o.stderr
    );
    let text = SERVERS.replace(
        "constraints = [\"delivery_ratio >= 0.99\"]",
        "constraints = [\"latency_p95_ms <= soon\"]",
    );
    let f = write(dir.path(), "t.toml", &text);
    let o = citysim(dir.path(), &["validate", &f]);
    assert!(
        o.stderr.contains("(or a duration such as \"2s\")"),
        "{}",
        o.stderr
    );
}

//! Bad input: exit code 2, a message naming the file and the key, never a panic.

use crate::util::*;

const GOOD: &str = r#"
name = "t"
[simulation]
duration = "10min"
[[access]]
name = "lora"
[[access]]
name = "cell"
[[sensors]]
name = "air"
count = 10
traffic = { kind = "periodic", interval = "1min" }
payload = "10B"
access = "lora"
[gateways]
count = 2
access = ["lora", "cell"]
[[nodes]]
name = "cloud"
sink = true
[[links]]
from = "gw"
to = "cloud"
latency = "10ms"
"#;

/// Runs `run` on `text` (with `replace` applied) and checks a clean exit 2 whose
/// message contains every one of `needles`.
fn rejects(text: &str, needles: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "city.toml", text);
    for cmd in ["run", "validate"] {
        let out = citysim(dir.path(), &[cmd, &file]);
        assert_eq!(out.code, 2, "{cmd} exit code; stderr: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(
            out.stderr.contains("city.toml"),
            "no file name in: {}",
            out.stderr
        );
        for n in needles {
            assert!(out.stderr.contains(n), "missing {n:?} in: {}", out.stderr);
        }
    }
    assert!(
        !dir.path().join("output").exists(),
        "nothing is written for bad input"
    );
    citysim(dir.path(), &["validate", &file]).stderr
}

#[test]
fn the_good_case_is_good() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "city.toml", GOOD);
    let out = citysim(dir.path(), &["validate", &file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn syntax_error() {
    let err = rejects(&GOOD.replace("[simulation]", "[simulation"), &["syntax"]);
    assert!(err.contains(":3:"), "line number in: {err}");
}

#[test]
fn unknown_key_with_suggestion() {
    let err = rejects(
        &GOOD.replace("count = 10", "cont = 10"),
        &["sensors.air.cont", "unknown key"],
    );
    assert!(err.contains("did you mean `count`"), "{err}");
}

#[test]
fn wrong_unit() {
    rejects(
        &GOOD.replace("interval = \"1min\"", "interval = \"1 parsec\""),
        &["sensors.air.traffic.interval", "duration"],
    );
    rejects(
        &GOOD.replace("payload = \"10B\"", "payload = \"10\""),
        &["sensors.air.payload"],
    );
    rejects(
        &GOOD.replace("latency = \"10ms\"", "latency = 10"),
        &["links.0.latency"],
    );
}

#[test]
fn zero_or_negative_rate() {
    rejects(
        &GOOD.replace("interval = \"1min\"", "interval = \"0s\""),
        &["sensors.air.traffic.interval", "positive"],
    );
    rejects(
        &GOOD.replace("interval = \"1min\"", "interval = \"-1min\""),
        &["sensors.air.traffic.interval"],
    );
}

#[test]
fn zero_sensors() {
    rejects(
        &GOOD.replace("count = 10", "count = 0"),
        &["sensors.air.count"],
    );
    let without = GOOD.replace("[[sensors]]", "[[sensorz]]");
    rejects(&without, &["sensors"]);
}

#[test]
fn access_without_gateway() {
    let text = GOOD.replace("access = [\"lora\", \"cell\"]", "access = [\"cell\"]");
    rejects(&text, &["sensors.air.access", "no gateway group serves it"]);
}

#[test]
fn unreachable_sink() {
    let text = GOOD
        .replace(
            "[[nodes]]\nname = \"cloud\"",
            "[[nodes]]\nname = \"edge\"\n[[nodes]]\nname = \"cloud\"",
        )
        .replace("to = \"cloud\"", "to = \"edge\"");
    rejects(&text, &["no route"]);
}

#[test]
fn bad_values_elsewhere() {
    rejects(
        &GOOD.replace(
            "duration = \"10min\"",
            "duration = \"10min\"\nwarmup = \"1h\"",
        ),
        &["simulation.warmup"],
    );
    rejects(
        &GOOD.replace("latency = \"10ms\"", "latency = \"10ms\"\nloss = 1.5"),
        &["links.0.loss", "probability"],
    );
    rejects(
        &GOOD.replace("interval = \"1min\"", "interval = \"1ns\""),
        &["sensors.air.traffic.interval", "billion readings"],
    );
    rejects(
        &GOOD.replace("to = \"cloud\"", "to = \"clod\""),
        &["links.0.to", "no node named"],
    );
    rejects(
        &GOOD.replace("kind = \"periodic\"", "kind = \"sometimes\""),
        &["sensors.air.traffic.kind", "\"poisson\""],
    );
    rejects(
        &GOOD.replace(
            "interval = \"1min\" }",
            "interval = \"1min\", jitter = \"40s\" }",
        ),
        &["sensors.air.traffic.jitter", "half the interval"],
    );
}

#[test]
fn every_problem_is_listed() {
    let text = GOOD
        .replace("count = 10", "count = -1")
        .replace("payload = \"10B\"", "payload = \"ten\"")
        .replace("latency = \"10ms\"", "latencyy = \"10ms\"");
    let err = rejects(
        &text,
        &[
            "sensors.air.count",
            "sensors.air.payload",
            "links.0.latencyy",
        ],
    );
    assert!(err.contains("3 problems found"), "{err}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = citysim(dir.path(), &["run", "nowhere.toml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("nowhere.toml"), "{}", out.stderr);
}

#[test]
fn bad_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "city.toml", GOOD);
    for (arg, needle) in [
        ("sensors.water.count=5", "no entry named `water`"),
        ("sensors.air.count=0", "sensors.air.count"),
        ("gateways.cout=3", "gateways.cout"),
        ("nonsense", "KEY=VALUE"),
    ] {
        let out = citysim(dir.path(), &["run", &file, "--set", arg]);
        assert_eq!(out.code, 2, "{arg}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{arg}: {}", out.stderr);
        assert!(out.stderr.contains("--set"), "{arg}: {}", out.stderr);
    }
}

#[test]
fn mutated_scenarios_never_panic() {
    // Deterministic mutations of a real scenario: deleted lines, swapped values,
    // truncations. Each must load or be refused with diagnostics, never panic; those
    // that load must also run (briefly) without panicking.
    let base = std::fs::read_to_string(scenario("quickstart.toml")).unwrap();
    let lines: Vec<&str> = base.lines().collect();
    let values = [
        "\"50000d\"",
        "0",
        "-1",
        "\"\"",
        "\"0s\"",
        "1e309",
        "\"-5ms\"",
        "[]",
        "{}",
        "true",
        "\"1d\"",
        "99999999999",
    ];
    let mut tried = 0;
    let mut ran_count = 0;
    for i in 0..lines.len() {
        for (k, v) in values.iter().enumerate() {
            if (i + k) % 3 != 0 {
                continue;
            }
            let mut m: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
            if let Some((key, _)) = m[i].split_once(" = ") {
                m[i] = format!("{key} = {v}");
            } else {
                m[i] = v.to_string();
            }
            let text = m.join("\n");
            tried += 1;
            let loaded = std::panic::catch_unwind(|| {
                citysim::scenario::load_str(
                    "m.toml",
                    "m",
                    &text,
                    &["simulation.duration=\"20min\"".into()],
                )
            })
            .unwrap_or_else(|_| panic!("load panicked on line {i} = {v}"));
            if let Ok(s) = loaded {
                let ran = std::panic::catch_unwind(|| {
                    citysim::run::run(&s, 0, citysim::run::QueueKind::Radix, &mut |_| {})
                });
                assert!(ran.is_ok(), "run panicked on line {i} = {v}");
                ran_count += 1;
            }
        }
        let truncated = &base[..base.len() * i / lines.len()];
        let r =
            std::panic::catch_unwind(|| citysim::scenario::load_str("m.toml", "m", truncated, &[]));
        assert!(r.is_ok(), "load panicked on a truncation");
    }
    assert!(tried > 100);
    // Comments and some values are harmless to change: a share must still run.
    assert!(
        ran_count > 10 && ran_count < tried,
        "{ran_count} of {tried} ran"
    );
}

#[test]
fn issue_11_an_access_network_with_two_technologies_is_refused_naming_both() {
    // It used to be accepted and silently run as LoRa.
    for (a, b) in [
        ("lora = { sf = 7 }", "cellular = { rate = \"60kbps\" }"),
        ("lora = { sf = 7 }", "mesh = { routing = \"etx\" }"),
        (
            "cellular = { rate = \"60kbps\" }",
            "mesh = { routing = \"etx\" }",
        ),
    ] {
        let text = GOOD.replace("name = \"lora\"\n", &format!("name = \"lora\"\n{a}\n{b}\n"));
        let err = rejects(&text, &["access.lora."]);
        let (ka, kb) = (a.split(' ').next().unwrap(), b.split(' ').next().unwrap());
        assert!(
            err.contains(&format!("`{ka}` and `{kb}` are both set")),
            "{err}"
        );
    }
}

#[test]
fn issue_13_an_error_past_column_65535_is_reported_not_a_panic() {
    // A generated file: ten thousand explicit positions on one line, the last one bad.
    let positions: Vec<String> = (0..10_000)
        .map(|i| format!("[{}, {}]", i % 900 + 1, i % 700 + 1))
        .collect();
    let text = format!(
        r#"[city]
width = "1km"
height = "1km"
[[sensors]]
name = "s"
count = 10001
placement = {{ kind = "explicit", positions = [{}, [5, "x"]] }}
traffic = {{ kind = "periodic", interval = "1min" }}
payload = "10B"
"#,
        positions.join(", ")
    );
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "long.toml", &text);
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    let col = text.lines().nth(6).unwrap().find("\"x\"").unwrap() + 1;
    assert!(
        o.stderr.contains(&format!("long.toml:7:{col}:")),
        "{}",
        o.stderr
    );
    // The message shows a window of the line around the caret, not the whole line.
    assert!(o.stderr.len() < 1_000, "{} bytes", o.stderr.len());
    // Among the problems on line 7, one is shown with its caret under the bad entry.
    let lines: Vec<&str> = o.stderr.lines().collect();
    let under = lines.windows(2).any(|w| {
        let at = w[1].trim_end().len().saturating_sub(1);
        w[0].starts_with(" 7 | ")
            && w[1].trim_end().ends_with('^')
            && w[0].get(at..at + 3) == Some("\"x\"")
    });
    assert!(under, "{}", o.stderr);
}

#[test]
fn issue_13_runaway_incident_and_fault_rates_are_refused() {
    let flood = std::fs::read_to_string(scenario("flood_incident.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (from, to, needle) in [
        (
            "interval = \"1min\"\nalarms",
            "interval = \"1ns\"\nalarms",
            "key `incidents.flood.interval`: expected an interval of at least \"1ms\"",
        ),
        (
            "start = \"7h\"\nduration = \"45min\"",
            "mtbf = \"1ns\"\nmttr = \"1h\"",
            "key `faults.0.mtbf`: expected an mtbf of at least \"1s\"",
        ),
        (
            "start = \"7h\"\nduration = \"45min\"",
            "mtbf = \"30d\"\nmttr = \"1ns\"",
            "key `faults.0.mttr`: expected an mttr of at least \"1s\"",
        ),
    ] {
        assert!(flood.contains(from), "{from}");
        let f = write(dir.path(), "bad.toml", &flood.replace(from, to));
        let o = citysim(dir.path(), &["validate", &f]);
        assert_eq!(o.code, 2, "{to}: {}", o.stderr);
        assert!(o.stderr.contains(needle), "{to}: {}", o.stderr);
    }
    // At the bounds, both are accepted.
    let ok = flood
        .replace("interval = \"1min\"\nalarms", "interval = \"1ms\"\nalarms")
        .replace(
            "start = \"7h\"\nduration = \"45min\"",
            "mtbf = \"1s\"\nmttr = \"1s\"",
        );
    let f = write(dir.path(), "ok.toml", &ok);
    let o = citysim(dir.path(), &["validate", &f]);
    assert_eq!(o.code, 0, "{}", o.stderr);
}

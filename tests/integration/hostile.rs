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

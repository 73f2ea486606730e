//! docs/guide.md: every command it shows runs, in order, in a fresh folder, and every
//! output it quotes is what the commands print or write.

use crate::util::*;
use std::path::Path;

/// The guide's text.
fn guide() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/guide.md")).unwrap()
}

/// Collapses runs of whitespace, so a quote wrapped over lines matches printed text.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The guide's fenced blocks, in order: (language, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.push(open.take().unwrap()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// The block quotes of the guide, each joined into one line.
fn quotes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        match line.strip_prefix("> ") {
            Some(q) => {
                current.push(' ');
                current.push_str(q);
            }
            None if !current.is_empty() => out.push(squash(&std::mem::take(&mut current))),
            None => {}
        }
    }
    out
}

#[test]
fn issue_14_the_guide_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(d.join("scenarios")).unwrap();
    std::fs::copy(
        root.join("scenarios/quickstart.toml"),
        d.join("scenarios/quickstart.toml"),
    )
    .unwrap();
    let text = guide();
    let mut printed = String::new();
    let mut commands = 0;
    for (lang, body) in blocks(&text) {
        if lang == "toml" {
            // The guide's additions to the district, appended as it says.
            let mut f = std::fs::read_to_string(d.join("district.toml")).unwrap();
            f.push('\n');
            f.push_str(&body);
            std::fs::write(d.join("district.toml"), f).unwrap();
            continue;
        }
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["cp", from, to] => {
                    std::fs::copy(d.join(from), d.join(to)).unwrap();
                }
                ["citysim", args @ ..] => {
                    let o = citysim(d, args);
                    assert_eq!(o.code, 0, "{line}: {}", o.stderr);
                    printed.push_str(&o.stdout);
                    commands += 1;
                }
                _ => panic!("the guide runs `{line}`, which this test does not know"),
            }
        }
    }
    assert!(commands >= 7, "{commands} commands");
    for report in ["out/district/report.md", "out/two/compare/report.md"] {
        printed.push_str(&std::fs::read_to_string(d.join(report)).unwrap());
    }
    let printed = squash(&printed);
    let quoted = quotes(&text);
    assert!(quoted.len() >= 2, "{quoted:?}");
    for q in quoted {
        assert!(
            printed.contains(&q),
            "the guide quotes what no command printed:\n{q}"
        );
    }
    // Values the guide cites inline.
    for cited in [
        "district.toml: ok (3 sensor classes, 4,900 sensors, 8 gateways, 2h simulated)",
        "delivery_ratio 0.99228 ± 0.00045",
        "gateways.lora_gw.count = 2",
        "0.000 ± 0.053 pp",
    ] {
        assert!(
            text.contains(&format!("`{cited}`")),
            "the guide no longer cites {cited}"
        );
        assert!(printed.contains(cited), "no command printed {cited}");
    }
    assert!(d.join("out/tune/best.toml").is_file());
    assert!(d.join("out/tune/charts/search.svg").is_file());
}

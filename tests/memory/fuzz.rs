//! Seeded random mutations of every bundled scenario: each must load or be refused with
//! diagnostics (never a panic), and each that loads and fits a small budget must run to
//! the end within bounded time and within its memory estimate.

use super::{peak_of, ONE_AT_A_TIME};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Values a fat finger or a generator may write.
const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "1e309",
    "-0.0",
    "nan",
    "inf",
    "4294967296",
    "18446744073709551616",
    "\"\"",
    "\"1ns\"",
    "\"0s\"",
    "\"99999999d\"",
    "\"1e20km\"",
    "\"-5ms\"",
    "\"0%\"",
    "\"150%\"",
    "\"-3dBm\"",
    "\"2400mAh\"",
    "\"125kHz\"",
    "\"NaN\"",
    "\"x\"",
    "[]",
    "[[]]",
    "{}",
    "{ kind = \"nonsense\" }",
    "true",
    "\"5min\"",
    "\"1B\"",
    "\"\\u0000\"",
    "1",
    "100000000",
    "[1, 2, 3]",
    "[\"a\", 1]",
];

/// The bundled scenarios, domains included.
fn bundled() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out = Vec::new();
    for dir in [root.clone(), root.join("domains")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A char boundary of `s` at or before `at`.
fn boundary(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One random edit of `text`.
fn mutate(text: &str, rng: &mut impl Rng) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        return text.to_string();
    }
    let i = rng.random_range(0..lines.len());
    match rng.random_range(0..8) {
        0 | 1 => {
            let v = HOSTILE[rng.random_range(0..HOSTILE.len())];
            lines[i] = match lines[i].split_once(" = ") {
                Some((k, _)) => format!("{k} = {v}"),
                None => format!("{} = {v}", lines[i].trim_start_matches('#')),
            };
        }
        2 => {
            lines.remove(i);
        }
        3 => {
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        4 => {
            let j = rng.random_range(0..lines.len());
            lines.swap(i, j);
        }
        5 => {
            // A number scaled up or down by orders of magnitude.
            let l = &lines[i];
            if let Some(at) = l.find(|c: char| c.is_ascii_digit()) {
                let zeros = "0".repeat(rng.random_range(1..12));
                lines[i] = format!("{}{zeros}{}", &l[..at + 1], &l[at + 1..]);
            }
        }
        6 => {
            // A key with a typo.
            let l = &lines[i];
            if let Some(at) = l.find(" = ").filter(|&a| a > 1) {
                let cut = boundary(l, rng.random_range(0..at));
                let next = boundary(l, cut + 1).max(cut + usize::from(cut < at));
                lines[i] = format!("{}{}", &l[..cut], &l[next.min(l.len())..]);
            }
        }
        _ => {
            let joined = lines.join("\n");
            return joined[..boundary(&joined, rng.random_range(0..=joined.len()))].to_string();
        }
    }
    lines.join("\n")
}

#[test]
fn thousands_of_mutated_scenarios_load_or_are_refused_and_run_within_bounds() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = rand_pcg::Pcg64::seed_from_u64(13);
    let (mut tried, mut refused, mut ran) = (0, 0, 0);
    for path in bundled() {
        let base = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for k in 0..300 {
            let mut text = mutate(&base, &mut rng);
            for _ in 0..rng.random_range(0..3) {
                text = mutate(&text, &mut rng);
            }
            tried += 1;
            let what = format!("{name} mutation {k}");
            let started = Instant::now();
            let loaded =
                std::panic::catch_unwind(|| citysim::scenario::load_str(&name, "m", &text, &[]))
                    .unwrap_or_else(|_| panic!("{what}: load panicked on:\n{text}"));
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{what}: loading took {:?}",
                started.elapsed()
            );
            let s = match loaded {
                Ok(s) => s,
                Err(citysim::scenario::LoadError::Invalid(d)) => {
                    assert!(!d.0.is_empty(), "{what}: refused with no reason");
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("{what}: {e}"),
            };
            // Long runs are cut to their first minutes where the file allows it.
            let short = [
                "simulation.duration=\"5min\"".into(),
                "simulation.warmup=\"0s\"".into(),
            ];
            let s = match s.expected_readings() > 60_000.0 {
                true => match citysim::scenario::load_str(&name, "m", &text, &short) {
                    Ok(s) => s,
                    Err(_) => continue,
                },
                false => s,
            };
            let estimate = citysim::model::budget::estimate(&s).bytes();
            if estimate > 64e6 || s.expected_readings() > 60_000.0 {
                continue;
            }
            let started = Instant::now();
            let (r, peak) = peak_of(|| {
                std::panic::catch_unwind(|| {
                    citysim::run::run(&s, 0, citysim::run::QueueKind::Radix, &mut |_| {})
                })
            });
            assert!(r.is_ok(), "{what}: run panicked on:\n{text}");
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what}: running took {:?}",
                started.elapsed()
            );
            assert!(
                peak as f64 <= estimate,
                "{what}: allocated {peak} B, estimated {estimate} B:\n{text}"
            );
            ran += 1;
        }
    }
    eprintln!("{tried} mutations: {refused} refused, {ran} ran");
    assert!(tried >= 4000, "{tried}");
    // Both paths are exercised: most edits break a file, and a share of those that
    // do not are small enough to run here.
    assert!(
        refused > tried / 2 && ran > tried / 20,
        "{refused} refused, {ran} ran"
    );
}

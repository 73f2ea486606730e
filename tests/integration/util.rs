//! Helpers: run the real binary in a temporary folder, read CSV files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The result of one `citysim` invocation.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `citysim` with `args` in `dir`.
pub fn citysim(dir: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_citysim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the citysim binary runs");
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The repository's bundled scenario `name`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// Writes `text` to `dir/name` and returns the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// A CSV file as (header, rows).
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The value of `column` in `row`, parsed.
pub fn cell<T: std::str::FromStr>(header: &[String], row: &[String], column: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    row[i]
        .parse()
        .unwrap_or_else(|e| panic!("column {column} = {:?}: {e:?}", row[i]))
}

/// A file's text.
pub fn read_to_string(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Batch means of the end-to-end latency (ms) over a run's time buckets after the first
/// (warm-up) one: with buckets far longer than the queue's relaxation time, the batch
/// means are close to independent and normal, so the Student-t interval is valid.
/// Returns (mean, 99% half-width, batches).
pub fn batch_ci(r: &citysim::metrics::RunResult) -> (f64, f64, usize) {
    let batches: Vec<f64> = r
        .buckets
        .iter()
        .skip(1)
        .filter(|b| b.delivered > 0)
        .map(|b| b.latency_sum_ns as f64 / b.delivered as f64 / 1e6)
        .collect();
    let (m, h) = citysim::stats::mean_ci(&batches, 0.99);
    (m, h, batches.len())
}

/// The files of a run with wall-clock values removed.
pub fn fingerprint(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for name in citysim::output::RUN_FILES {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let text = match *name {
            "summary.csv" => {
                let (h, rows) = read_csv(&dir.join(name));
                let wall = h.iter().position(|c| c == "wall_s").unwrap();
                let mut lines = vec![h.join(",")];
                lines.extend(rows.iter().map(|r| {
                    let mut r = r.clone();
                    r[wall].clear();
                    r.join(",")
                }));
                lines.join("\n")
            }
            "manifest.json" => {
                let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                v.as_object_mut().unwrap().remove("wall_s");
                v.as_object_mut().unwrap().remove("build_s");
                v.as_object_mut().unwrap().remove("parts_busy_s");
                v.to_string()
            }
            _ => text,
        };
        files.push((name.to_string(), text));
    }
    files
}

/// The installed headless browser (Debian's chromium), if any.
pub fn browser() -> Option<&'static str> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
}

/// Runs `browser` headless on this machine's closed network with a fresh profile under
/// `dir`, with `args` after the common flags.
pub fn headless(browser: &str, dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .output()
        .unwrap()
}

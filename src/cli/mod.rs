//! The commands of the `citysim` binary, one file per group, and what they share: the
//! error-to-exit-code mapping, loading, worker threads and output that a closed pipe
//! ends quietly.

pub(crate) mod args;
pub(crate) mod progress;
pub(crate) mod run;
pub(crate) mod site;
pub(crate) mod study;
pub(crate) mod tools;

use citysim::scenario::{self, LoadError, Scenario};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Prints a line on standard output; a closed pipe (`citysim validate x.toml | head -1`)
/// ends the program quietly with exit code 0.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::say_line(format_args!($($arg)*))
    };
}
pub(crate) use say;

/// Writes one line to standard output (see [`say!`]).
pub(crate) fn say_line(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{args}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// An error with its exit code.
pub(crate) struct Failure {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

impl From<citysim::study::SweepError> for Failure {
    fn from(e: citysim::study::SweepError) -> Self {
        use citysim::study::SweepError;
        Failure {
            code: match e {
                SweepError::Io(_) => 1,
                SweepError::Input(_) => 2,
                SweepError::Interrupted { .. } => 130,
            },
            message: e.to_string(),
        }
    }
}

/// A study's error, with `resume` (how to continue) added when it was interrupted.
pub(crate) fn study_failure(e: citysim::study::SweepError, resume: String) -> Failure {
    let mut f = Failure::from(e);
    if f.code == 130 {
        f.message.push('\n');
        f.message.push_str(&resume);
    }
    f
}

pub(crate) fn load(path: &Path, set: &[String], seed: Option<u64>) -> Result<Scenario, Failure> {
    let mut overrides = set.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    Ok(scenario::load(path, &overrides)?)
}

/// The most worker threads a command starts: more than any machine's cores, few enough
/// that starting them costs milliseconds, not the run.
pub(crate) const MAX_THREADS: usize = 512;

/// The worker pool for `--threads` (default: one per core; the argument parser keeps
/// it within 1 to [`MAX_THREADS`]).
pub(crate) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure {
            code: 1,
            message: format!("error: cannot start worker threads: {e}"),
        })
}

pub(crate) fn write_failure(dir: &Path, e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: format!("error: cannot write results to {}: {e}", dir.display()),
    }
}

pub(crate) fn report_failure(e: citysim::report::ReportError) -> Failure {
    Failure {
        code: match e {
            citysim::report::ReportError::Input(_) => 2,
            citysim::report::ReportError::Output(_) => 1,
        },
        message: e.to_string(),
    }
}

/// A study command on a file without the section it needs.
pub(crate) fn missing_section(file: &Path, key: &str, readme: &str, alternative: &str) -> Failure {
    Failure {
        code: 2,
        message: format!(
            "error: {}: key `{key}`: the file has no [{key}] section; add one (docs/studies.md: \"{readme}\"){alternative}",
            file.display()
        ),
    }
}

/// The scenario name and the output folder of a study: `--out`, or
/// output/<name>/<kind>.
pub(crate) fn study_output(
    study: &scenario::Study,
    out: &Option<PathBuf>,
    kind: &str,
) -> Result<(String, PathBuf), Failure> {
    let name = study.base()?.name;
    let dir = out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&name).join(kind));
    Ok((name, dir))
}

pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Refuses (exit 2) a command whose runs, `at_once` of them in parallel, are estimated
/// to need more memory than `max` (default: [`budget::DEFAULT_SHARE`] of what the
/// machine has available), saying what drives the estimate. `jobs` lists each distinct
/// scenario with how many of its runs there are; `split`: a run on its own that may
/// hold its core's copy of the city too.
pub(crate) fn check_memory(
    jobs: &[(&Scenario, usize)],
    (at_once, split): (usize, bool),
    max: Option<f64>,
) -> Result<(), Failure> {
    use citysim::model::budget::{self, human_bytes};
    let (limit, whose) = match max {
        Some(b) => (b, "--max-memory".to_string()),
        None => match budget::available_bytes() {
            Some(a) => (
                a * budget::DEFAULT_SHARE,
                format!(
                    "{:.0}% of the {} of memory available to it",
                    budget::DEFAULT_SHARE * 100.0,
                    human_bytes(a)
                ),
            ),
            None => return Ok(()),
        },
    };
    let mut est: Vec<(budget::Estimate, usize, &Scenario)> = jobs
        .iter()
        .map(|&(s, n)| {
            let e = if split {
                budget::estimate_split(s)
            } else {
                budget::estimate(s)
            };
            (e, n, s)
        })
        .collect();
    est.sort_by(|a, b| b.0.bytes().total_cmp(&a.0.bytes()));
    // The largest runs, as many as run at once.
    let (mut need, mut left) = (0.0, at_once.max(1));
    for (e, n, _) in &est {
        let take = left.min(*n);
        need += e.bytes() * take as f64;
        left -= take;
    }
    let at_once = at_once.max(1) - left;
    let Some((big, _, s)) = est.first().filter(|_| need > limit) else {
        return Ok(());
    };
    let parallel = if at_once > 1 {
        format!(
            "{} for {at_once} runs at once (fewer with --threads); the largest, ",
            human_bytes(need)
        )
    } else {
        String::new()
    };
    let whole = if split {
        "run it whole with --threads-per-run 1, "
    } else {
        ""
    };
    Err(Failure {
        code: 2,
        message: format!(
            "error: {}: the run would need about {parallel}{big}, but its budget is {} \
             ({whose}).\nLower the counts or simulation.scale, {whole}or raise the budget \
             with --max-memory (beyond the memory the machine has, it swaps or is killed).",
            s.source,
            human_bytes(limit)
        ),
    })
}

/// How many runs a pool of `threads` (default: one per core) works on at once.
pub(crate) fn runs_at_once(threads: Option<usize>, jobs: usize) -> usize {
    threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |c| c.get()))
        .min(jobs)
}

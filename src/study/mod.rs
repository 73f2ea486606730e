//! Studies: sweeps over scenario variants, replications with confidence intervals,
//! sharding across machines and merging the shards.
//!
//! ```text
//! Study (scenario + [sweep]) --> tasks (point, replication), index = point * R + rep
//!    --rayon pool--> run each task --> journal line (appended, synced)
//!    --> runs.csv (sorted by task) --> aggregate.csv (mean, sd, 95% CI by Student t)
//! ```
//!
//! Every task is an independent run seeded by (seed, replication), so the files do not
//! depend on the thread count or on the order tasks finish in. The journal makes a
//! sweep resumable: a finished task is never run again.

mod journal;
mod runner;
mod site;
pub mod slurm;
mod table;
mod tune;

pub use journal::Journal;
pub use runner::run_parallel;
pub use site::{check_metric, parse_constraint, site, Goal, Site, SiteOptions, SiteOutcome};
pub use table::{aggregate_csv, metric_columns, runs_csv, TaskRow};
pub use tune::{assess_rows, tune, Assessment, TuneOptions, TuneOutcome};

use crate::output;
use crate::run::{run_cancellable, QueueKind};
use crate::scenario::{LoadError, Study};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Which slice of the tasks to run: shard `k` of `n` (1-based) takes the tasks whose
/// index is `k - 1` modulo `n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 1..=n.
    pub k: u32,
    /// Number of shards.
    pub n: u32,
}

impl Shard {
    /// The whole study.
    pub const ALL: Shard = Shard { k: 1, n: 1 };

    /// Parses `K/N`.
    ///
    /// ```
    /// use citysim::study::Shard;
    /// assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
    /// assert!(Shard::parse("4/3").is_err());
    /// assert!(Shard::parse("0/3").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u32 = k.trim().parse().map_err(|_| bad())?;
        let n: u32 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// Whether task `index` belongs to this shard.
    pub fn owns(&self, index: usize) -> bool {
        index % self.n as usize == (self.k - 1) as usize
    }
}

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Continue an interrupted sweep in `out`.
    pub resume: bool,
    /// Slice of the tasks to run.
    pub shard: Shard,
    /// Also write every task's run files under `out/runs/`.
    pub keep_runs: bool,
    /// Write into `out` even if it holds files citysim did not write.
    pub force: bool,
}

/// Why a sweep stopped without finishing.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The scenario, the sweep or the arguments (exit code 2).
    #[error("{0}")]
    Input(String),
    /// Reading or writing files (exit code 1).
    #[error("{0}")]
    Io(String),
    /// Stopped by the user; what was done is kept.
    #[error("interrupted: {done} of {total} tasks are done and recorded in {journal}")]
    Interrupted {
        /// Tasks recorded.
        done: usize,
        /// Tasks of this shard.
        total: usize,
        /// The journal.
        journal: String,
    },
}

impl From<LoadError> for SweepError {
    fn from(e: LoadError) -> Self {
        SweepError::Input(e.to_string())
    }
}

fn io_err(path: &Path, e: std::io::Error) -> SweepError {
    SweepError::Io(format!("error: {}: {e}", path.display()))
}

/// Set by Ctrl-C: running tasks stop at their next progress check, no new task starts.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// The number of tasks of a study: points x replications (one point without `[sweep]`).
pub fn task_count(study: &Study) -> (usize, u32) {
    match &study.sweep {
        Some(sw) => (sw.points.len(), sw.replications),
        None => (1, 1),
    }
}

/// Runs task `index` of `study`; `None` when stopped.
pub fn run_task(
    study: &Study,
    index: usize,
    keep: Option<&Path>,
) -> Result<Option<TaskRow>, SweepError> {
    let (_, reps) = task_count(study);
    let (point, rep) = (index / reps as usize, (index % reps as usize) as u32);
    let scenario = match &study.sweep {
        Some(_) => study.point(point)?,
        None => study.base()?,
    };
    let done = run_cancellable(&scenario, rep, QueueKind::Radix, &mut |_| {
        !STOP.load(Ordering::Relaxed)
    });
    let Some((result, timing)) = done else {
        return Ok(None);
    };
    if let Some(dir) = keep {
        let dir = dir.join(format!("p{point}-r{rep}"));
        output::write_run(&dir, &scenario, &result, &timing).map_err(|e| io_err(&dir, e))?;
    }
    Ok(Some(TaskRow::from_result(index, point, &result)))
}

/// What a finished sweep wrote.
#[derive(Debug)]
pub struct SweepOutcome {
    /// Tasks of this shard.
    pub tasks: usize,
    /// Of those, run now (the rest came from the journal).
    pub ran: usize,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// Runs (the shard's slice of) a study's tasks on the current rayon pool, recording each
/// in the journal, then writes `runs.csv`, `aggregate.csv` (whole study only) and
/// `manifest.json`. `tick` is called after each task with (done, total, message): the
/// message is the running best where the scenario sets a delivery target.
pub fn sweep(
    study: &Study,
    opts: &SweepOptions,
    tick: &(dyn Fn(usize, usize, &str) + Sync),
) -> Result<SweepOutcome, SweepError> {
    let (points, reps) = task_count(study);
    let total = points * reps as usize;
    let mine: Vec<usize> = (0..total).filter(|&i| opts.shard.owns(i)).collect();
    check_study_folder(&opts.out, opts.force)?;
    std::fs::create_dir_all(&opts.out).map_err(|e| io_err(&opts.out, e))?;
    crate::staging::remove_stale_temporaries(&opts.out);
    let header = journal::Header::new(study, total, opts.shard);
    let journal_path = opts.out.join("journal.csv");
    if opts.force && !opts.resume {
        let _ = std::fs::remove_file(&journal_path);
    }
    // The journal refuses a folder that holds another sweep before anything in it is
    // written over.
    let (journal, recorded) = Journal::open(&journal_path, &header, opts.resume)?;
    write_study_file(study, &opts.out)?;
    let rows: Mutex<Vec<Option<TaskRow>>> = Mutex::new(vec![None; total]);
    {
        let mut r = rows.lock().expect("no panic while holding the lock");
        for row in recorded {
            if row.index < total && opts.shard.owns(row.index) {
                let i = row.index;
                r[i] = Some(row);
            }
        }
    }
    let todo: Vec<usize> = {
        let r = rows.lock().expect("no panic while holding the lock");
        mine.iter().copied().filter(|&i| r[i].is_none()).collect()
    };
    let done_before = mine.len() - todo.len();
    let finished = std::sync::atomic::AtomicUsize::new(done_before);
    tick(done_before, mine.len(), "");
    let keep = opts.keep_runs.then(|| opts.out.join("runs"));
    let targets = crate::report::verdict::SweepTargets::of(study);
    let journal = Mutex::new(journal);
    run_parallel(
        &todo,
        |&i| run_task(study, i, keep.as_deref()),
        |&i, row| {
            let Some(row) = row else { return Ok(()) };
            journal
                .lock()
                .expect("no panic while holding the lock")
                .append(row)?;
            let message = {
                let mut r = rows.lock().expect("lock");
                r[i] = Some(row.clone());
                running_best(study, &r, &targets)
            };
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            tick(n, mine.len(), &message);
            Ok(())
        },
    )?;
    let rows = rows.into_inner().expect("lock");
    let done = mine.iter().filter(|&&i| rows[i].is_some()).count();
    if done < mine.len() {
        return Err(SweepError::Interrupted {
            done,
            total: mine.len(),
            journal: journal_path.display().to_string(),
        });
    }
    let mine_rows: Vec<TaskRow> = mine
        .iter()
        .map(|&i| rows[i].clone().expect("all done"))
        .collect();
    let files = write_outputs(study, &opts.out, &mine_rows, opts.shard, total)?;
    Ok(SweepOutcome {
        tasks: mine.len(),
        ran: todo.len(),
        files,
    })
}

/// "best so far" for the progress bar: among finished points (by their means so far),
/// the one with the highest mean delivery ratio, and how many points meet every target
/// (the scenario's `[targets]` and `[tune]` constraints) on their means.
fn running_best(
    study: &Study,
    rows: &[Option<TaskRow>],
    targets: &crate::report::verdict::SweepTargets,
) -> String {
    let columns = metric_columns();
    let mut by_point: std::collections::BTreeMap<usize, Vec<(f64, usize)>> = Default::default();
    for r in rows.iter().flatten() {
        let sums = by_point
            .entry(r.point)
            .or_insert_with(|| vec![(0.0, 0); columns.len()]);
        for (k, cell) in r.cells.iter().enumerate() {
            if let Some(v) = cell.parse::<f64>().ok().filter(|v| v.is_finite()) {
                sums[k].0 += v;
                sums[k].1 += 1;
            }
        }
    }
    let mean = |sums: &[(f64, usize)], m: &str| -> f64 {
        columns
            .iter()
            .position(|c| c == m)
            .map(|k| sums[k])
            .filter(|s| s.1 > 0)
            .map_or(f64::NAN, |s| s.0 / s.1 as f64)
    };
    let all = targets.rules.len();
    let meeting = by_point
        .values()
        .filter(|sums| all > 0 && targets.met(&|m, _| mean(sums, m)) == all)
        .count();
    let best = by_point.iter().max_by(|a, b| {
        mean(a.1, "delivery_ratio")
            .partial_cmp(&mean(b.1, "delivery_ratio"))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let Some((&p, sums)) = best else {
        return String::new();
    };
    let label = match &study.sweep {
        Some(sw) => sw
            .params
            .iter()
            .zip(study.point_labels(p))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
        None => String::new(),
    };
    let m = mean(sums, "delivery_ratio");
    let mut text = format!("best delivery {} at {label}", crate::units::human_number(m));
    if all > 0 {
        let plural = if meeting == 1 { "" } else { "s" };
        text.push_str(&format!(
            "; {meeting} point{plural} meet every target so far"
        ));
    }
    text
}

/// Writes runs.csv, aggregate.csv (when the rows cover the whole study) and manifest.json.
pub fn write_outputs(
    study: &Study,
    out: &Path,
    rows: &[TaskRow],
    shard: Shard,
    total: usize,
) -> Result<Vec<PathBuf>, SweepError> {
    let (_, reps) = task_count(study);
    let labels: Vec<Vec<String>> = (0..task_count(study).0)
        .map(|p| match &study.sweep {
            Some(_) => study.point_labels(p),
            None => Vec::new(),
        })
        .collect();
    let params: Vec<String> = study
        .sweep
        .as_ref()
        .map(|s| s.params.clone())
        .unwrap_or_default();
    let mut files = Vec::new();
    let runs = out.join("runs.csv");
    output::write_atomic(&runs, &runs_csv(&params, &labels, reps, rows))
        .map_err(|e| io_err(&runs, e))?;
    files.push(runs);
    if rows.len() == total {
        let agg = out.join("aggregate.csv");
        output::write_atomic(&agg, &aggregate_csv(&params, &labels, rows))
            .map_err(|e| io_err(&agg, e))?;
        files.push(agg);
        let report =
            crate::report::sweep::report_sweep(out).map_err(|e| SweepError::Io(e.to_string()))?;
        files.extend(report);
    }
    let manifest = serde_json::json!({
        "citysim_version": env!("CARGO_PKG_VERSION"),
        "kind": "sweep",
        "source": study.source_name(),
        "study_sha256": journal::Header::study_hash(study),
        "tasks": total,
        "replications": reps,
        "shard": format!("{}/{}", shard.k, shard.n),
        "parameters": params,
    });
    let path = out.join("manifest.json");
    let mut text = serde_json::to_string_pretty(&manifest).expect("plain JSON");
    text.push('\n');
    output::write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))?;
    files.push(path);
    Ok(files)
}

const STUDY_FILE: &str = "study.toml";

/// Writes the resolved study into a sweep folder, so that shards can be merged (and
/// reported) from their folders alone.
fn write_study_file(study: &Study, out: &Path) -> Result<(), SweepError> {
    let text = format!(
        "# citysim study, resolved from {}\n# default-name: {}\n{}",
        study.source_name(),
        study.default_name(),
        study.resolved()
    );
    let path = out.join(STUDY_FILE);
    output::write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))
}

/// Reads the study a sweep folder was made from.
pub fn read_study_file(dir: &Path) -> Result<Study, SweepError> {
    let path = dir.join(STUDY_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        SweepError::Input(format!(
            "error: {}: {e} (is this a sweep or shard output folder?)",
            path.display()
        ))
    })?;
    let mut lines = text.lines();
    let source = lines
        .next()
        .and_then(|l| l.strip_prefix("# citysim study, resolved from "))
        .unwrap_or("study.toml")
        .to_string();
    let name = lines
        .next()
        .and_then(|l| l.strip_prefix("# default-name: "))
        .unwrap_or("study")
        .to_string();
    Ok(Study::from_text(&source, &name, &text, &[])?)
}

/// Refuses a study folder `out` that holds files but no citysim journal (unless
/// `force`): a sweep, tune or merge writes only where it finds nothing, or its own
/// kind of folder (whose journal it then checks), or the folder of a Slurm plan, into
/// which its merge job writes.
fn check_study_folder(out: &Path, force: bool) -> Result<(), SweepError> {
    let ours = ["journal.csv", "slurm/merge.sbatch"];
    if force || ours.iter().any(|f| out.join(f).exists()) {
        return Ok(());
    }
    if out.exists() && !out.is_dir() {
        return Err(SweepError::Input(format!(
            "error: {}: it is a file, not a folder; choose another --out",
            out.display()
        )));
    }
    let first = std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .min();
    match first {
        None => Ok(()),
        Some(f) => Err(SweepError::Input(format!(
            "error: {}: it holds files (such as `{f}`) but no citysim journal.csv; citysim writes only into folders it wrote itself: choose another --out, empty it, or pass --force",
            out.display()
        ))),
    }
}

/// Combines shard folders into the files one machine would have written. `out` must
/// be new, empty, or a sweep of the same study (unless `force`).
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<Vec<PathBuf>, SweepError> {
    let first = dirs
        .first()
        .ok_or_else(|| SweepError::Input("error: merge needs at least one shard folder".into()))?;
    let study = &read_study_file(first)?;
    let (points, reps) = task_count(study);
    let total = points * reps as usize;
    let expected = journal::Header::new(study, total, Shard::ALL);
    let mut rows: Vec<Option<TaskRow>> = vec![None; total];
    let mut shards_seen: Vec<Shard> = Vec::new();
    for dir in dirs {
        let path = dir.join("journal.csv");
        let (header, recorded) = Journal::read(&path)?;
        header.check_same_study(&expected, &path)?;
        if let Some(s) = shards_seen.iter().find(|s| s.n != header.shard.n) {
            return Err(SweepError::Input(format!(
                "error: {} is shard {}/{} but another folder is shard {}/{}: shards of different splits cannot be merged",
                dir.display(), header.shard.k, header.shard.n, s.k, s.n
            )));
        }
        if shards_seen.contains(&header.shard) {
            return Err(SweepError::Input(format!(
                "error: shard {}/{} is given twice (again in {}); the shards overlap",
                header.shard.k,
                header.shard.n,
                dir.display()
            )));
        }
        shards_seen.push(header.shard);
        for row in recorded {
            if row.index >= total || !header.shard.owns(row.index) {
                return Err(SweepError::Input(format!(
                    "error: {} records task {} that does not belong to shard {}/{}",
                    path.display(),
                    row.index,
                    header.shard.k,
                    header.shard.n
                )));
            }
            let i = row.index;
            rows[i] = Some(row);
        }
    }
    let missing: Vec<usize> = (0..total).filter(|&i| rows[i].is_none()).collect();
    if !missing.is_empty() {
        let n = shards_seen.first().map_or(1, |s| s.n);
        let mut absent: Vec<u32> = (1..=n)
            .filter(|k| !shards_seen.iter().any(|s| s.k == *k))
            .collect();
        absent.dedup();
        let which = if absent.is_empty() {
            "every shard folder is present, but some shards did not finish".to_string()
        } else {
            let list: Vec<String> = absent.iter().map(|k| format!("{k}/{n}")).collect();
            format!("missing shard(s): {}", list.join(", "))
        };
        return Err(SweepError::Input(format!(
            "error: {} of {total} tasks are missing (first: task {}); {which}",
            missing.len(),
            missing[0]
        )));
    }
    check_study_folder(out, force)?;
    let existing = out.join("journal.csv");
    if !force && existing.exists() {
        let (found, _) = Journal::read(&existing)?;
        found.check_same_study(&expected, &existing)?;
    }
    std::fs::create_dir_all(out).map_err(|e| io_err(out, e))?;
    let rows: Vec<TaskRow> = rows.into_iter().map(|r| r.expect("checked")).collect();
    // The merged folder is a complete sweep: its journal lets `--resume` and later
    // merges treat it like one.
    write_study_file(study, out)?;
    Journal::write_complete(&out.join("journal.csv"), &expected, &rows)?;
    write_outputs(study, out, &rows, Shard::ALL, total)
}

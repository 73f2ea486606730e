//! The `citysim` command line: parses arguments, calls the library, maps errors to exit
//! codes (0 ok, 1 runtime failure, 2 bad input).

use citysim::bench::{bench, BenchConfig};
use citysim::metrics::DropCause;
use citysim::output;
use citysim::run::{run_full, QueueKind};
use citysim::scenario::{self, LoadError, Scenario};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "citysim",
    version,
    about = "Discrete-event simulator of city-scale IoT sensor networks",
    long_about = "Discrete-event simulator of city-scale IoT sensor networks.\n\n\
                  Describe a city in a TOML scenario file, run it, and read the metrics \
                  (CSV) in output/<scenario>/.\n\nExit codes: 0 ok, 1 runtime failure, 2 bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files and write their metrics.
    Run(RunArgs),
    /// Check a scenario file and list every problem in it.
    Validate(ValidateArgs),
    /// Run a scenario's [sweep]: every point x replication, in parallel.
    Sweep(SweepArgs),
    /// Combine the folders of a sharded sweep into the files of one sweep.
    Merge(MergeArgs),
    /// Search a scenario's [tune] space for the best configuration meeting its constraints.
    Tune(TuneArgs),
    /// Rebuild the charts and report of a run folder from its CSV files and manifest.
    Report(ReportArgs),
    /// Measure simulator speed and memory on the reference city model.
    Bench(BenchArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO")]
    scenarios: Vec<PathBuf>,
    /// Output folder (default: output/<scenario name>; with several scenarios,
    /// DIR/<scenario name> for each).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seed, replacing the file's `simulation.seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override a value: a dotted path into the scenario, e.g.
    /// `--set gateways.count=40` or `--set sensors.air_quality.traffic.interval=2min`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Independent replications of each scenario, run in parallel; with more than one,
    /// each goes to DIR/rep-<r>/ and DIR/aggregate.csv gives each metric's mean and 95%
    /// confidence interval.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    replications: u32,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
    /// Skip the charts and report (CSV files and manifest only).
    #[arg(long)]
    no_report: bool,
    /// Also write sensors.csv: every sensor's position, gateway, readings, energy and
    /// projected battery life.
    #[arg(long)]
    per_sensor: bool,
}

#[derive(clap::Args)]
struct ReportArgs {
    /// A run folder (as written by `citysim run`).
    #[arg(value_name = "RUN_DIR")]
    dir: PathBuf,
    /// Another run folder to compare with: writes a comparison report.
    #[arg(long, value_name = "OTHER_RUN_DIR")]
    compare: Option<PathBuf>,
    /// Where the comparison goes (default: RUN_DIR/compare).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct SweepArgs {
    /// Scenario file with a [sweep] section.
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario name>/sweep).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Continue an interrupted sweep in the output folder, running only missing tasks.
    #[arg(long)]
    resume: bool,
    /// Run only shard K of N (tasks whose index is K-1 modulo N); combine with `merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Also write every task's run files under DIR/runs/p<point>-r<replication>/.
    #[arg(long)]
    keep_runs: bool,
    /// Instead of running, write a Slurm job array (one shard per task) and a merge job
    /// into DIR/slurm/; with --submit, submit them with sbatch.
    #[arg(long)]
    slurm: bool,
    /// With --slurm: number of array tasks (shards).
    #[arg(long, default_value_t = 4, requires = "slurm")]
    array_size: u32,
    /// With --slurm: the partition to run in.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// With --slurm: the time limit of each task (e.g. 02:00:00).
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// With --slurm: CPUs (worker threads) per task.
    #[arg(long, default_value_t = 1, requires = "slurm")]
    cpus_per_task: u32,
    /// With --slurm: submit the job array and the dependent merge job with sbatch.
    #[arg(long, requires = "slurm")]
    submit: bool,
    /// Override a value of the scenario (as for `run`), before the sweep applies its own.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct TuneArgs {
    /// Scenario file with a [tune] section.
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Output folder (default: output/<scenario name>/tune).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Override a value of the scenario (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
struct MergeArgs {
    /// Shard output folders (each written by `sweep --shard K/N`).
    #[arg(required = true, value_name = "DIR")]
    dirs: Vec<PathBuf>,
    /// Where to write the merged sweep.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Overrides to check together with the file (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum QueueArg {
    /// Monotone radix heap (the default).
    Radix,
    /// Binary heap (the reference).
    Binary,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Number of sensors.
    #[arg(long, default_value_t = 100_000)]
    sensors: u64,
    /// Number of gateways (a square number lays them on a square grid).
    #[arg(long, default_value_t = 100)]
    gateways: u64,
    /// Simulated hours.
    #[arg(long, default_value_t = 1.0)]
    hours: f64,
    /// Event queue implementation.
    #[arg(long, value_enum, default_value_t = QueueArg::Radix)]
    queue: QueueArg,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// An error with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<LoadError> for Failure {
    fn from(e: LoadError) -> Self {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run(args),
        Command::Validate(args) => cmd_validate(args),
        Command::Sweep(args) => cmd_sweep(args),
        Command::Merge(args) => cmd_merge(args),
        Command::Tune(args) => cmd_tune(args),
        Command::Report(args) => cmd_report(args),
        Command::Bench(args) => cmd_bench(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn load(path: &Path, set: &[String], seed: Option<u64>) -> Result<Scenario, Failure> {
    let mut overrides = set.to_vec();
    if let Some(seed) = seed {
        overrides.push(format!("simulation.seed={seed}"));
    }
    Ok(scenario::load(path, &overrides)?)
}

fn cmd_validate(args: ValidateArgs) -> Result<(), Failure> {
    let s = load(&args.scenario, &args.set, None)?;
    let relays: u64 = s.relays.iter().map(|r| u64::from(r.count)).sum();
    println!(
        "{}: ok ({} sensor classes, {} sensors, {} gateways{}, {} simulated)",
        args.scenario.display(),
        s.sensors.len(),
        s.sensor_count(),
        s.gateways.iter().map(|g| u64::from(g.count)).sum::<u64>(),
        if relays > 0 {
            format!(", {relays} relays")
        } else {
            String::new()
        },
        citysim::units::format_duration(s.simulation.duration_ns)
    );
    Ok(())
}

/// A progress bar that appears only once a run has taken two seconds, and only on a
/// terminal.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    enabled: bool,
    label: String,
}

impl Progress {
    fn new(enabled: bool, label: String) -> Progress {
        Progress {
            bar: None,
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
            label,
        }
    }

    fn update(&mut self, fraction: f64) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.start.elapsed() > Duration::from_secs(2) {
            let bar = ProgressBar::new(1000);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {percent:>3}% simulated, ETA {eta}")
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar.set_message(self.label.clone());
            // Start the rate estimate from here, not from zero two seconds ago.
            bar.set_position((fraction * 1000.0) as u64);
            bar.reset_eta();
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position((fraction * 1000.0) as u64);
        }
    }

    fn finish(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    if threads == Some(0) {
        return Err(Failure {
            code: 2,
            message: "error: --threads must be at least 1".into(),
        });
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure {
            code: 1,
            message: format!("error: cannot start worker threads: {e}"),
        })
}

/// A bar counting finished tasks, shown after two seconds on a terminal.
struct TaskBar {
    bar: ProgressBar,
    start: Instant,
    enabled: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl TaskBar {
    fn new(enabled: bool, what: &str) -> TaskBar {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what}, ETA {{eta}} {{msg}}"
            ))
            .expect("valid template")
            .progress_chars("=> "),
        );
        TaskBar {
            bar,
            start: Instant::now(),
            enabled: enabled && std::io::stderr().is_terminal(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn tick(&self, done: usize, total: usize) {
        self.tick_with(done, total, "");
    }

    fn tick_with(&self, done: usize, total: usize, message: &str) {
        use std::sync::atomic::Ordering;
        if !message.is_empty() {
            self.bar.set_message(message.to_string());
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if self.enabled
            && self.start.elapsed() > Duration::from_secs(2)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.reset_eta();
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

fn write_failure(dir: &Path, e: std::io::Error) -> Failure {
    Failure {
        code: 1,
        message: format!("error: cannot write results to {}: {e}", dir.display()),
    }
}

fn cmd_run(args: RunArgs) -> Result<(), Failure> {
    use rayon::prelude::*;
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for path in &args.scenarios {
        match load(path, &args.set, args.seed) {
            Ok(s) => loaded.push(s),
            Err(f) => problems.push(f.message),
        }
    }
    for (i, s) in loaded.iter().enumerate() {
        if loaded[..i].iter().any(|o| o.name == s.name) {
            problems.push(format!(
                "error: two scenarios are named \"{}\"; their output folders would collide (set `name` in one of them)",
                s.name
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Failure {
            code: 2,
            message: problems.join("\n\n"),
        });
    }
    let several = loaded.len() > 1;
    let reps = args.replications;
    let base = args.out.clone().unwrap_or_else(|| PathBuf::from("output"));
    let dir_of = |s: &Scenario| match (&args.out, several) {
        (Some(out), false) => out.clone(),
        _ => base.join(&s.name),
    };
    if !several && reps == 1 {
        let s = &loaded[0];
        let dir = dir_of(s);
        let mut progress = Progress::new(!args.quiet, s.name.clone());
        let (result, timing) = run_full(s, 0, QueueKind::Radix, args.per_sensor, &mut |f| {
            progress.update(f);
            true
        })
        .expect("a run that is never cancelled completes");
        progress.finish();
        output::write_run(&dir, s, &result, &timing).map_err(|e| write_failure(&dir, e))?;
        if !args.no_report {
            citysim::report::report_run(&dir).map_err(report_failure)?;
        }
        if !args.quiet {
            print_summary(s, &result, &dir);
        }
        return Ok(());
    }

    // Several runs: every (scenario, replication) in parallel.
    let jobs: Vec<(usize, u32)> = (0..loaded.len())
        .flat_map(|s| (0..reps).map(move |r| (s, r)))
        .collect();
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::new(!args.quiet, "runs");
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<(Vec<String>, citysim::study::TaskRow), Failure>> =
        pool.install(|| {
            jobs.par_iter()
                .map(|&(si, r)| {
                    let s = &loaded[si];
                    let dir = if reps > 1 {
                        dir_of(s).join(format!("rep-{r}"))
                    } else {
                        dir_of(s)
                    };
                    let (result, timing) =
                        run_full(s, r, QueueKind::Radix, args.per_sensor, &mut |_| true)
                            .expect("a run that is never cancelled completes");
                    output::write_run(&dir, s, &result, &timing)
                        .map_err(|e| write_failure(&dir, e))?;
                    if !args.no_report {
                        citysim::report::report_run(&dir).map_err(report_failure)?;
                    }
                    bar.tick(
                        done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                        jobs.len(),
                    );
                    Ok((
                        output::summary_row(&result),
                        citysim::study::TaskRow::from_result(r as usize, 0, &result),
                    ))
                })
                .collect()
        });
    bar.finish();
    let results: Vec<(Vec<String>, citysim::study::TaskRow)> =
        results.into_iter().collect::<Result<_, _>>()?;
    let summary = |rows: &[&Vec<String>]| {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(output::summary_header()).expect("memory");
        for r in rows {
            w.write_record(*r).expect("memory");
        }
        w.into_inner().expect("memory")
    };
    for (si, s) in loaded.iter().enumerate() {
        let mine: Vec<&(Vec<String>, citysim::study::TaskRow)> = results
            .iter()
            .zip(&jobs)
            .filter(|(_, j)| j.0 == si)
            .map(|(r, _)| r)
            .collect();
        let dir = dir_of(s);
        if reps > 1 {
            let rows: Vec<&Vec<String>> = mine.iter().map(|m| &m.0).collect();
            let path = dir.join("summary.csv");
            output::write_atomic(&path, &summary(&rows)).map_err(|e| write_failure(&dir, e))?;
            let tasks: Vec<citysim::study::TaskRow> = mine.iter().map(|m| m.1.clone()).collect();
            let path = dir.join("aggregate.csv");
            output::write_atomic(&path, &citysim::study::replications_csv(&tasks))
                .map_err(|e| write_failure(&dir, e))?;
        }
        if !args.quiet {
            print_replicated(
                s,
                &mine.iter().map(|m| m.1.clone()).collect::<Vec<_>>(),
                &dir,
            );
        }
    }
    if several {
        let rows: Vec<&Vec<String>> = results.iter().map(|r| &r.0).collect();
        let path = base.join("summary.csv");
        output::write_atomic(&path, &summary(&rows)).map_err(|e| write_failure(&base, e))?;
        if !args.quiet {
            println!("combined summary: {}", path.display());
        }
    }
    Ok(())
}

/// One line per scenario of a multi-run: the headline metrics with their 95% CI.
fn print_replicated(s: &Scenario, rows: &[citysim::study::TaskRow], dir: &Path) {
    let cols = citysim::study::metric_columns();
    let stat = |name: &str| -> String {
        let m = cols.iter().position(|c| c == name).expect("known metric");
        let xs: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.cells[m].parse::<f64>().ok())
            .collect();
        match xs.len() {
            0 => "n/a".into(),
            1 => format!("{:.4}", xs[0]),
            _ => {
                let (mean, half) = citysim::stats::mean_ci(&xs, 0.95);
                format!("{mean:.4} ± {half:.4}")
            }
        }
    };
    println!(
        "{}: {} run{}; delivery_ratio {}, latency_p95_ms {} (95% CI); results in {}/",
        s.name,
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        stat("delivery_ratio"),
        stat("latency_p95_ms"),
        dir.display()
    );
}

fn cmd_sweep(args: SweepArgs) -> Result<(), Failure> {
    use citysim::study::{self, Shard, SweepError, SweepOptions};
    let to_failure = |e: SweepError| Failure {
        code: match e {
            SweepError::Input(_) => 2,
            SweepError::Io(_) => 1,
            SweepError::Interrupted { .. } => 130,
        },
        message: e.to_string(),
    };
    let shard = match &args.shard {
        Some(text) => Shard::parse(text).map_err(|m| Failure {
            code: 2,
            message: format!("error: {m}"),
        })?,
        None => Shard::ALL,
    };
    let study = scenario::load_study(&args.scenario, &args.set)?;
    if study.sweep.is_none() {
        return Err(missing_section(
            &args.scenario,
            "sweep",
            "Sweeps and replications",
            " or use `citysim run`",
        ));
    }
    let (name, out) = study_output(&study, &args.out, "sweep")?;
    if args.slurm {
        return slurm_sweep(&args, &name, &out);
    }
    let opts = SweepOptions {
        out: out.clone(),
        resume: args.resume,
        shard,
        keep_runs: args.keep_runs,
    };
    let _ = ctrlc::set_handler(|| {
        if study::STOP.swap(true, std::sync::atomic::Ordering::Relaxed) {
            std::process::exit(130);
        }
        eprintln!("\nstopping: finishing nothing new; press Ctrl-C again to quit at once");
    });
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::new(!args.quiet, "tasks");
    let outcome = pool.install(|| study::sweep(&study, &opts, &|d, t, m| bar.tick_with(d, t, m)));
    bar.finish();
    let outcome = outcome.map_err(|e| {
        let mut f = to_failure(e);
        if f.code == 130 {
            let shard_arg = args
                .shard
                .as_ref()
                .map(|s| format!(" --shard {s}"))
                .unwrap_or_default();
            f.message.push_str(&format!(
                "\nresume with: citysim sweep {} --out {}{shard_arg} --resume",
                args.scenario.display(),
                out.display()
            ));
        }
        f
    })?;
    if !args.quiet {
        println!(
            "{name}: {} tasks ({} run now, {} from the journal) in {}/",
            outcome.tasks,
            outcome.ran,
            outcome.tasks - outcome.ran,
            out.display()
        );
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

/// A study command on a file without the section it needs.
fn missing_section(file: &Path, key: &str, readme: &str, alternative: &str) -> Failure {
    Failure {
        code: 2,
        message: format!(
            "error: {}: key `{key}`: the file has no [{key}] section; add one (README: \"{readme}\"){alternative}",
            file.display()
        ),
    }
}

/// The scenario name and the output folder of a study: `--out`, or
/// output/<name>/<kind>.
fn study_output(
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

fn cmd_tune(args: TuneArgs) -> Result<(), Failure> {
    use citysim::study::{self, SweepError};
    let study = scenario::load_study(&args.scenario, &args.set)?;
    let Some(spec) = &study.tune else {
        return Err(missing_section(&args.scenario, "tune", "Tuning", ""));
    };
    let (name, out) = study_output(&study, &args.out, "tune")?;
    let pool = thread_pool(args.threads)?;
    let bar = TaskBar::new(!args.quiet, "runs of the budget");
    let outcome = pool.install(|| study::tune(&study, &out, &|d, t, m| bar.tick_with(d, t, m)));
    bar.finish();
    let outcome = outcome.map_err(|e| Failure {
        code: if matches!(e, SweepError::Io(_)) { 1 } else { 2 },
        message: e.to_string(),
    })?;
    let none_feasible = || {
        Failure {
        code: 1,
        message: format!(
            "{name}: no candidate met every constraint with 95% confidence after {} runs ({} candidates); see {}",
            outcome.runs,
            outcome.candidates,
            out.join("trials.csv").display()
        ),
    }
    };
    if spec.objectives.len() > 1 {
        if outcome.front.is_empty() {
            return Err(none_feasible());
        }
        if !args.quiet {
            println!(
                "{name}: Pareto front of {} candidates out of {} in {} runs ({} ; {})",
                outcome.front.len(),
                outcome.candidates,
                outcome.runs,
                spec.objectives[0].describe(),
                spec.objectives[1].describe()
            );
            for (values, a) in &outcome.front {
                let vars: Vec<String> = spec
                    .variables
                    .iter()
                    .zip(values)
                    .map(|(v, x)| format!("{} = {x}", v.path))
                    .collect();
                println!(
                    "  {}  ->  {:.4} ; {:.4}",
                    vars.join(", "),
                    a.objectives[0],
                    a.objectives[1]
                );
            }
            for f in &outcome.files {
                println!("  {}", f.display());
            }
        }
        return Ok(());
    }
    let Some((values, a)) = &outcome.best else {
        return Err(none_feasible());
    };
    if !args.quiet {
        println!(
            "{name}: best of {} candidates in {} runs",
            outcome.candidates, outcome.runs
        );
        for (v, val) in spec.variables.iter().zip(values) {
            println!("  {} = {val}", v.path);
        }
        println!(
            "  {} = {:.4}",
            spec.objectives[0].describe(),
            a.objectives[0]
        );
        for (c, (m, b)) in spec.constraints.iter().zip(&a.constraints) {
            println!("  {}: mean {m:.4}, 95% bound {b:.4}", c.text);
        }
        for f in &outcome.files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn report_failure(e: citysim::report::ReportError) -> Failure {
    Failure {
        code: match e {
            citysim::report::ReportError::Input(_) => 2,
            citysim::report::ReportError::Output(_) => 1,
        },
        message: e.to_string(),
    }
}

fn cmd_report(args: ReportArgs) -> Result<(), Failure> {
    let files = match &args.compare {
        None if args.dir.join("aggregate.csv").is_file()
            && args.dir.join("journal.csv").is_file() =>
        {
            citysim::report::sweep::report_sweep(&args.dir)
        }
        None if args.dir.join("trials.csv").is_file() => {
            citysim::report::sweep::report_tune(&args.dir)
        }
        None => citysim::report::report_run(&args.dir),
        Some(other) => {
            let out = args.out.clone().unwrap_or_else(|| args.dir.join("compare"));
            citysim::report::compare::compare_runs(&args.dir, other, &out)
        }
    }
    .map_err(report_failure)?;
    for f in files {
        println!("{}", f.display());
    }
    Ok(())
}

fn slurm_sweep(args: &SweepArgs, name: &str, out: &Path) -> Result<(), Failure> {
    use citysim::study::slurm::{self, SlurmOptions};
    let fail = |e: citysim::study::SweepError| Failure {
        code: if matches!(e, citysim::study::SweepError::Input(_)) {
            2
        } else {
            1
        },
        message: e.to_string(),
    };
    if args.shard.is_some() {
        return Err(Failure {
            code: 2,
            message: "error: --slurm makes its own shards; leave out --shard".into(),
        });
    }
    let opts = SlurmOptions {
        array_size: args.array_size,
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus: args.cpus_per_task,
    };
    let plan = slurm::write_plan(&args.scenario, &args.set, name, out, &opts).map_err(fail)?;
    let (a, m) = (plan.array_script.display(), plan.merge_script.display());
    if !args.submit {
        println!("wrote {a}\n  and {m}");
        println!("submit with:\n  jobid=$(sbatch --parsable {a})\n  sbatch --dependency=afterok:$jobid {m}");
        println!(
            "a failed task K is resubmitted alone with `sbatch --array=K {a}` (it resumes); then submit {m} again, depending on it"
        );
        return Ok(());
    }
    let (array_id, merge_id) = slurm::submit(&plan).map_err(fail)?;
    println!(
        "submitted job array {array_id} ({} tasks) and merge job {merge_id} (after all succeed)",
        plan.shards
    );
    println!(
        "results: {}/ (aggregate.csv, report.html) when job {merge_id} has run",
        plan.out.display()
    );
    println!("watch: squeue -j {array_id},{merge_id}; a failed task K: sbatch --array=K {a}, then sbatch --dependency=afterok:<new id> {m}");
    Ok(())
}

fn cmd_merge(args: MergeArgs) -> Result<(), Failure> {
    use citysim::study::{self, SweepError};
    let files = study::merge(&args.dirs, &args.out).map_err(|e| Failure {
        code: if matches!(e, SweepError::Io(_)) { 1 } else { 2 },
        message: e.to_string(),
    })?;
    println!(
        "merged {} shard folders into {}/",
        args.dirs.len(),
        args.out.display()
    );
    for f in files {
        println!("  {}", f.display());
    }
    Ok(())
}

fn thousands(n: u64) -> String {
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

fn print_summary(s: &Scenario, r: &citysim::metrics::RunResult, dir: &Path) {
    use citysim::units::format_duration;
    let total = r.total();
    let warm = if r.warmup_ns > 0 {
        format!(" ({} warm-up excluded)", format_duration(r.warmup_ns))
    } else {
        String::new()
    };
    println!(
        "{}: {} sensor{}, {} simulated{warm} in {:.2} s ({:.1}M events/s)",
        s.name,
        thousands(r.sensors()),
        if r.sensors() == 1 { "" } else { "s" },
        format_duration(r.duration_ns),
        r.wall_s,
        r.events as f64 / r.wall_s.max(1e-9) / 1e6
    );
    let latency = if total.delivered == 0 {
        "no latency (nothing delivered)".to_string()
    } else {
        format!(
            "latency mean {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            total.latency_mean_ms(),
            total.latency_quantile_ms(0.95),
            total.latency_quantile_ms(0.99),
            total.latency_max_ns as f64 / 1e6
        )
    };
    println!(
        "  delivered {:.2}% of {} readings; {latency}",
        total.delivery_ratio() * 100.0,
        thousands(total.generated),
    );
    let drops: Vec<String> = DropCause::ALL
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                thousands(total.dropped[*c as usize]),
                c.column().trim_start_matches("dropped_").replace('_', " ")
            )
        })
        .collect();
    println!(
        "  dropped: {}; {} in flight at the end",
        drops.join(", "),
        thousands(total.in_flight)
    );
    for c in &r.classes {
        if c.flow.generated > 0 && c.flow.delivered == 0 {
            println!("  warning: class \"{}\" delivered nothing", c.name);
        }
    }
    println!("  results in {}/", dir.display());
}

fn cmd_bench(args: BenchArgs) -> Result<(), Failure> {
    if args.sensors == 0 || args.gateways == 0 || !args.hours.is_finite() || args.hours <= 0.0 {
        return Err(Failure {
            code: 2,
            message: "error: --sensors, --gateways and --hours must be positive".into(),
        });
    }
    let cfg = BenchConfig {
        sensors: args.sensors,
        gateways: args.gateways,
        hours: args.hours,
        queue: match args.queue {
            QueueArg::Radix => QueueKind::Radix,
            QueueArg::Binary => QueueKind::Binary,
        },
        seed: args.seed,
    };
    let r = bench(&cfg)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&r).expect("JSON of plain values")
        );
    } else {
        println!(
            "bench_city: {} sensors, {} gateways, {} h simulated, {} queue",
            thousands(r.sensors),
            r.gateways,
            r.hours,
            r.queue
        );
        println!("  events processed   {}", thousands(r.events));
        println!("  readings generated {}", thousands(r.readings));
        println!("  build time         {:.3} s", r.build_s);
        println!("  wall time          {:.3} s (event loop)", r.wall_s);
        println!("  cpu time           {:.3} s (whole process)", r.cpu_s);
        println!("  events/s           {:.0}", r.events_per_s);
        println!("  readings/s         {:.0}", r.readings_per_s);
        println!(
            "  peak memory        {} bytes ({:.0} bytes/sensor)",
            thousands(r.peak_rss_bytes),
            r.bytes_per_sensor
        );
    }
    Ok(())
}

//! The command line: every command and its flags (clap).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "citysim",
    version,
    about = "Discrete-event simulator of city-scale IoT sensor networks",
    long_about = "Discrete-event simulator of city-scale IoT sensor networks.\n\n\
                  Describe a city in a TOML scenario file, run it, and read the metrics \
                  (CSV) in output/<scenario>/.\n\nExit codes: 0 ok, 1 runtime failure, 2 bad input."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Choose which candidate sites get a gateway: a first pass by link budgets, then
    /// simulation with replications and local improvement by swaps.
    Site(SiteArgs),
    /// Rebuild the charts and report of a run folder from its CSV files and manifest.
    Report(ReportArgs),
    /// Measure simulator speed and memory on the reference city model.
    Bench(BenchArgs),
    /// Print the reference of every scenario key (Markdown): its values, default and
    /// meaning.
    Keys,
}

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Scenario files (TOML).
    #[arg(required = true, value_name = "SCENARIO")]
    pub(crate) scenarios: Vec<PathBuf>,
    /// Output folder (default: output/<scenario name>; with several scenarios,
    /// DIR/<scenario name> for each).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Seed, replacing the file's `simulation.seed`.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Override a value: a dotted path into the scenario, e.g.
    /// `--set gateways.count=40` or `--set sensors.air_quality.traffic.interval=2min`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Independent replications of each scenario, run in parallel; with more than one,
    /// each goes to DIR/rep-<r>/ and DIR/aggregate.csv gives each metric's mean and 95%
    /// confidence interval.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) replications: u32,
    /// Worker threads, 1 to 512 (default: one per core): runs and replications in
    /// parallel, and a run's own parallel parts (its parts of the city, see
    /// --threads-per-run; each LoRa sensor's links to the gateways in range). Results do
    /// not depend on it.
    #[arg(long, value_parser = threads_arg)]
    pub(crate) threads: Option<usize>,
    /// Threads a run on its own (one scenario, one replication) may simulate on at
    /// once, 1 to 512 (default: all of --threads). With 2 or more, a city runs in
    /// parts, each on the next free thread: one per group of access networks (those
    /// sharing gateways; all LoRa; all mesh) and the nodes behind the gateways, each
    /// holding its own copy of the city. Left to its default, a run whose parts would
    /// not fit in memory runs whole. Results do not depend on it (docs/design.md).
    #[arg(long, value_parser = threads_arg)]
    pub(crate) threads_per_run: Option<usize>,
    /// The threads a run on its own simulates on: `threads_per_run`, or its default.
    #[arg(skip)]
    pub(crate) per_run: usize,
    /// Memory the run may take, e.g. 4GB or 512MiB (default: 80% of what the machine
    /// has available). A scenario estimated to need more is refused before it starts.
    #[arg(long, value_name = "SIZE", value_parser = memory_arg)]
    pub(crate) max_memory: Option<f64>,
    /// Print nothing but errors (no progress bar, no summary).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Skip the charts and report (CSV files and manifest only).
    #[arg(long)]
    pub(crate) no_report: bool,
    /// Also write sensors.csv: every sensor's position, gateway, readings, energy and
    /// projected battery life.
    #[arg(long)]
    pub(crate) per_sensor: bool,
    /// Replace the output folder even if it holds files citysim did not write.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    /// A run folder (as written by `citysim run`).
    #[arg(value_name = "RUN_DIR")]
    pub(crate) dir: PathBuf,
    /// Another run folder to compare with: writes a comparison report.
    #[arg(long, value_name = "OTHER_RUN_DIR")]
    pub(crate) compare: Option<PathBuf>,
    /// Where the comparison goes (default: RUN_DIR/compare).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct SweepArgs {
    /// Scenario file with a [sweep] section.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Worker threads, 1 to 512 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads_arg)]
    pub(crate) threads: Option<usize>,
    /// Memory the run may take, e.g. 4GB or 512MiB (default: 80% of what the machine
    /// has available). A scenario estimated to need more is refused before it starts.
    #[arg(long, value_name = "SIZE", value_parser = memory_arg)]
    pub(crate) max_memory: Option<f64>,
    /// Output folder (default: output/<scenario name>/sweep).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Continue an interrupted sweep in the output folder, running only missing tasks.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Write into the output folder even if it holds files citysim did not write.
    #[arg(long)]
    pub(crate) force: bool,
    /// Run only shard K of N (tasks whose index is K-1 modulo N); combine with `merge`.
    #[arg(long, value_name = "K/N")]
    pub(crate) shard: Option<String>,
    /// Also write every task's run files under DIR/runs/p<point>-r<replication>/.
    #[arg(long)]
    pub(crate) keep_runs: bool,
    /// Instead of running, write a Slurm job array (one shard per task) and a merge job
    /// into DIR/slurm/; with --submit, submit them with sbatch.
    #[arg(long)]
    pub(crate) slurm: bool,
    /// With --slurm: number of array tasks (shards).
    #[arg(long, default_value_t = 4, requires = "slurm")]
    pub(crate) array_size: u32,
    /// With --slurm: the partition to run in.
    #[arg(long, requires = "slurm")]
    pub(crate) partition: Option<String>,
    /// With --slurm: the time limit of each task (e.g. 02:00:00).
    #[arg(long, requires = "slurm")]
    pub(crate) time: Option<String>,
    /// With --slurm: CPUs (worker threads) per task.
    #[arg(long, default_value_t = 1, requires = "slurm")]
    pub(crate) cpus_per_task: u32,
    /// With --slurm: submit the job array and the dependent merge job with sbatch.
    #[arg(long, requires = "slurm")]
    pub(crate) submit: bool,
    /// Override a value of the scenario (as for `run`), before the sweep applies its own.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(clap::Args)]
pub(crate) struct TuneArgs {
    /// Scenario file with a [tune] section.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Worker threads, 1 to 512 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads_arg)]
    pub(crate) threads: Option<usize>,
    /// Memory the run may take, e.g. 4GB or 512MiB (default: 80% of what the machine
    /// has available). A scenario estimated to need more is refused before it starts.
    #[arg(long, value_name = "SIZE", value_parser = memory_arg)]
    pub(crate) max_memory: Option<f64>,
    /// Output folder (default: output/<scenario name>/tune).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Continue an interrupted tuning in the output folder: runs its journal holds are
    /// not run again.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Write into the output folder even if it holds files citysim did not write.
    #[arg(long)]
    pub(crate) force: bool,
    /// Override a value of the scenario (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("goal").required(true).args(["count", "until"])))]
pub(crate) struct SiteArgs {
    /// Scenario file.
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Candidate sites: a CSV file (columns lon,lat or x,y as the scenario's crs, and
    /// an optional name) or a GeoJSON file of Point features.
    #[arg(long, value_name = "FILE")]
    pub(crate) candidates: PathBuf,
    /// Choose exactly K sites, the best by --metric the budget finds.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) count: Option<u32>,
    /// Choose the fewest sites that meet this at its 95% confidence bound, e.g.
    /// "delivery_ratio >= 0.99" or "latency_p95_ms <= 2000".
    #[arg(long, value_name = "CONSTRAINT")]
    pub(crate) until: Option<String>,
    /// With --count: the metric to improve (larger is better, except latencies, drops
    /// and energy).
    #[arg(long, default_value = "delivery_ratio")]
    pub(crate) metric: String,
    /// The gateway group that gets the sites (default: the first).
    #[arg(long, value_name = "NAME")]
    pub(crate) group: Option<String>,
    /// Choose all of the group's gateways among the candidates (without it, the
    /// group's gateways stay where the scenario puts them).
    #[arg(long)]
    pub(crate) replace: bool,
    /// Replications of each set of sites.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub(crate) replications: u32,
    /// Most replications of a set whose constraint is undecided.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(2..=10_000))]
    pub(crate) max_replications: u32,
    /// Most runs of the search (the grid comparison runs past it, with as many
    /// replications as the chosen set).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(4..=1_000_000))]
    pub(crate) budget: u32,
    /// Worker threads, 1 to 512 (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads_arg)]
    pub(crate) threads: Option<usize>,
    /// Output folder (default: output/<scenario name>/site).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Continue an interrupted search in the output folder.
    #[arg(long)]
    pub(crate) resume: bool,
    /// Write into the output folder even if it holds files citysim did not write.
    #[arg(long)]
    pub(crate) force: bool,
    /// Override a value of the scenario (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

#[derive(clap::Args)]
pub(crate) struct MergeArgs {
    /// Shard output folders (each written by `sweep --shard K/N`).
    #[arg(required = true, value_name = "DIR")]
    pub(crate) dirs: Vec<PathBuf>,
    /// Where to write the merged sweep.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Write into the output folder even if it holds files citysim did not write.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// Scenario file (TOML).
    #[arg(value_name = "SCENARIO")]
    pub(crate) scenario: PathBuf,
    /// Overrides to check together with the file (as for `run`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum QueueArg {
    /// Monotone radix heap (the default).
    Radix,
    /// Binary heap (the reference).
    Binary,
}

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Number of sensors.
    #[arg(long, default_value_t = 100_000)]
    pub(crate) sensors: u64,
    /// Number of gateways (a square number lays them on a square grid).
    #[arg(long, default_value_t = 100)]
    pub(crate) gateways: u64,
    /// Simulated hours.
    #[arg(long, default_value_t = 1.0)]
    pub(crate) hours: f64,
    /// Event queue implementation.
    #[arg(long, value_enum, default_value_t = QueueArg::Radix)]
    pub(crate) queue: QueueArg,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Reads `--threads`: a whole number from 1 to [`super::MAX_THREADS`].
fn threads_arg(s: &str) -> Result<usize, String> {
    let max = super::MAX_THREADS;
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of worker threads from 1 to {max} (this machine has {} \
             cores)",
            std::thread::available_parallelism().map_or(1, |c| c.get())
        )),
    }
}

/// Reads `--max-memory`: a data size of at least 1 MB (`"4GB"`, `"512MiB"`).
fn memory_arg(s: &str) -> Result<f64, String> {
    match citysim::units::parse_bytes(s.trim()) {
        Ok(b) if b >= 1_000_000 => Ok(b as f64),
        Ok(_) => Err("expected at least 1MB".into()),
        Err(e) => Err(e),
    }
}
